/* A lock-free queue with many producers and one consumer (Dmitry
 * Vyukov's intrusive MPSC queue): the hand-off of received messages from
 * the worker that read them to the worker that owns them.
 *
 * A push is one atomic exchange and one store, never waits and never
 * fails; what one producer pushes comes out in the order it was pushed.
 * Only the consumer pops. The node is embedded in the item (like
 * sip_hlink); the queue allocates nothing.
 *
 * The "signalled" flag lets a producer wake the consumer once per batch
 * instead of once per item: sip_mpsc_push() says whether the consumer
 * must be woken (the flag was clear); the consumer clears it with
 * sip_mpsc_rearm() before it drains the queue. */
#ifndef SIPCC_CORE_MPSC_H
#define SIPCC_CORE_MPSC_H

#include <stdbool.h>

typedef struct sip_mpsc_node {
	struct sip_mpsc_node *next;
} sip_mpsc_node;

typedef struct sip_mpsc {
	sip_mpsc_node *head;        /* producers' end: the last pushed */
	char pad1[64 - sizeof(void *)];
	sip_mpsc_node *tail;        /* consumer's end */
	sip_mpsc_node stub;
	char pad2[64 - 2 * sizeof(void *)];
	int signalled;
} sip_mpsc;

void sip_mpsc_init(sip_mpsc *q);
/* Append n (the caller's until popped). True when the consumer must be
 * woken: the first push since it last called sip_mpsc_rearm(). */
bool sip_mpsc_push(sip_mpsc *q, sip_mpsc_node *n);
/* The consumer: the oldest node, or NULL when the queue is empty or the
 * only node left is still being linked by its producer (that producer
 * then wakes the consumer again: see sip_mpsc_rearm). */
sip_mpsc_node *sip_mpsc_pop(sip_mpsc *q);
/* The consumer, when woken and before draining: pushes from now on wake
 * it again. */
void sip_mpsc_rearm(sip_mpsc *q);

#endif
