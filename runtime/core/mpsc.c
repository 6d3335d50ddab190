/* The MPSC queue (see mpsc.h). Memory order: a producer publishes its
 * node with the exchange on head (acq_rel) and links it with a release
 * store of prev->next; the consumer reads next with acquire, so the item
 * written before the push is visible once the node is popped. */
#include "core/mpsc.h"

#include <stddef.h>

void sip_mpsc_init(sip_mpsc *q)
{
	q->stub.next = NULL;
	q->head = &q->stub;
	q->tail = &q->stub;
	q->signalled = 0;
}

static void mpsc_link(sip_mpsc *q, sip_mpsc_node *n)
{
	__atomic_store_n(&n->next, NULL, __ATOMIC_RELAXED);
	sip_mpsc_node *prev = __atomic_exchange_n(&q->head, n, __ATOMIC_ACQ_REL);
	__atomic_store_n(&prev->next, n, __ATOMIC_RELEASE);
}

bool sip_mpsc_push(sip_mpsc *q, sip_mpsc_node *n)
{
	mpsc_link(q, n);
	/* After the link: a consumer that rearmed before this exchange drains
	 * after it and finds n, or is woken by this push. */
	return __atomic_exchange_n(&q->signalled, 1, __ATOMIC_SEQ_CST) == 0;
}

void sip_mpsc_rearm(sip_mpsc *q)
{
	__atomic_store_n(&q->signalled, 0, __ATOMIC_SEQ_CST);
}

sip_mpsc_node *sip_mpsc_pop(sip_mpsc *q)
{
	sip_mpsc_node *tail = q->tail;
	sip_mpsc_node *next = __atomic_load_n(&tail->next, __ATOMIC_ACQUIRE);
	if (tail == &q->stub) {
		if (!next)
			return NULL;
		q->tail = next;
		tail = next;
		next = __atomic_load_n(&tail->next, __ATOMIC_ACQUIRE);
	}
	if (next) {
		q->tail = next;
		return tail;
	}
	/* tail is the last node linked: unless a producer is between its
	 * exchange and its link, put the stub behind it and take it. */
	if (tail != __atomic_load_n(&q->head, __ATOMIC_ACQUIRE))
		return NULL;
	mpsc_link(q, &q->stub);
	next = __atomic_load_n(&tail->next, __ATOMIC_ACQUIRE);
	if (next) {
		q->tail = next;
		return tail;
	}
	return NULL;
}
