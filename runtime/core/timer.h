/* A hashed timer wheel: O(1) add and cancel, expiry in tick order.
 *
 * Timers are intrusive (embed a sip_timer in the object that owns it), so
 * arming one never allocates. Time is in milliseconds from an arbitrary
 * origin supplied by the caller (the event loop's monotonic clock, or a fake
 * clock in tests); the wheel only ever moves forward. */
#ifndef SIPCC_CORE_TIMER_H
#define SIPCC_CORE_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#define SIP_TIMER_TICK_MS   10
#define SIP_TIMER_SLOTS     4096            /* 40.96 s per revolution */
#define SIP_TIMER_COARSE_MS 100             /* sip_timer_add_coarse */

struct sip_timer;
typedef void (*sip_timer_fn)(struct sip_timer *t, void *arg);

typedef struct sip_timer {
	struct sip_timer *next, *prev;  /* slot list; prev == NULL when idle */
	uint64_t due_tick;
	sip_timer_fn fn;
	void *arg;
} sip_timer;

typedef struct sip_timer_wheel {
	sip_timer slots[SIP_TIMER_SLOTS];   /* list heads (sentinels) */
	uint64_t now_ms;                    /* time of the last expire() */
	uint64_t tick;                      /* next tick to process */
	unsigned long count;                /* armed timers */
} sip_timer_wheel;

/* Start the wheel at time now_ms. */
void sip_timer_wheel_init(sip_timer_wheel *w, uint64_t now_ms);

/* Prepare an intrusive timer (idle, with its callback). */
void sip_timer_init(sip_timer *t, sip_timer_fn fn, void *arg);

/* Arm t to fire delay_ms after the wheel's current time (rounded up to a
 * tick). Re-arming an armed timer moves it. */
void sip_timer_add(sip_timer_wheel *w, sip_timer *t, uint64_t delay_ms);

/* Arm t like sip_timer_add, at the first multiple of SIP_TIMER_COARSE_MS
 * of the wheel's clock at least delay_ms away (0: the next one): for
 * timers that need no precision (a transaction's final wait, a record's
 * end), which then come due together, one wakeup of the loop for all
 * those of a tenth of a second rather than one for each. */
void sip_timer_add_coarse(sip_timer_wheel *w, sip_timer *t, uint64_t delay_ms);
/* Disarm t; harmless when idle. */
void sip_timer_cancel(sip_timer_wheel *w, sip_timer *t);

static inline bool sip_timer_armed(const sip_timer *t) { return t->prev != 0; }

/* Advance the wheel to now_ms and run every timer that is due, in due
 * order per tick. A callback may add or cancel any timer. Returns how many
 * callbacks ran. */
unsigned sip_timer_expire(sip_timer_wheel *w, uint64_t now_ms);

/* Milliseconds until the next due timer (0 when one is due now), or -1
 * when nothing is armed: the event loop's epoll timeout. */
int sip_timer_next_ms(const sip_timer_wheel *w);

/* now (ms, a loop's clock) brought up to *last, the latest time a table
 * shared by several workers has counted, which it then becomes: the
 * workers' loops read the clock at different moments and such a table
 * wants it never to go back. The caller holds the table's lock. */
static inline uint64_t sip_timer_now_shared(uint64_t *last, uint64_t now)
{
	if (now < *last)
		now = *last;
	*last = now;
	return now;
}

#endif
