/* Hashed timer wheel (Varghese & Lauck, scheme 6): one slot per tick modulo
 * the wheel size; a timer further away than one revolution stays in its slot
 * until its due tick comes round. */
#include "core/timer.h"

#include <stddef.h>

void sip_timer_wheel_init(sip_timer_wheel *w, uint64_t now_ms)
{
	for (size_t i = 0; i < SIP_TIMER_SLOTS; i++) {
		w->slots[i].next = &w->slots[i];
		w->slots[i].prev = &w->slots[i];
	}
	w->now_ms = now_ms;
	w->tick = now_ms / SIP_TIMER_TICK_MS;
	w->count = 0;
}

void sip_timer_init(sip_timer *t, sip_timer_fn fn, void *arg)
{
	t->next = t->prev = NULL;
	t->due_tick = 0;
	t->fn = fn;
	t->arg = arg;
}

static void timer_unlink(sip_timer_wheel *w, sip_timer *t)
{
	t->prev->next = t->next;
	t->next->prev = t->prev;
	t->next = t->prev = NULL;
	w->count--;
}

/* Put t in the slot of tick due (no earlier than the next to process). */
static void timer_put(sip_timer_wheel *w, sip_timer *t, uint64_t due)
{
	if (t->prev)
		timer_unlink(w, t);
	if (due < w->tick)
		due = w->tick;
	t->due_tick = due;
	sip_timer *head = &w->slots[due % SIP_TIMER_SLOTS];
	t->prev = head->prev;
	t->next = head;
	head->prev->next = t;
	head->prev = t;
	w->count++;
}

void sip_timer_add(sip_timer_wheel *w, sip_timer *t, uint64_t delay_ms)
{
	timer_put(w, t, (w->now_ms + delay_ms + SIP_TIMER_TICK_MS - 1) / SIP_TIMER_TICK_MS);
}

void sip_timer_add_coarse(sip_timer_wheel *w, sip_timer *t, uint64_t delay_ms)
{
	const uint64_t c = SIP_TIMER_COARSE_MS;
	uint64_t due_ms = (w->now_ms + delay_ms + c - 1) / c * c;
	if (due_ms <= w->now_ms)
		due_ms += c;
	timer_put(w, t, due_ms / SIP_TIMER_TICK_MS);
}

void sip_timer_cancel(sip_timer_wheel *w, sip_timer *t)
{
	if (t->prev)
		timer_unlink(w, t);
}

/* Run the due timers of one slot. A callback may re-arm a timer into this
 * very slot (a zero delay); those carry a due tick beyond the current one
 * only if they wrap, so the walk restarts from the head after each callback
 * and skips entries not yet due. */
static unsigned timer_run_slot(sip_timer_wheel *w, uint64_t tick)
{
	sip_timer *head = &w->slots[tick % SIP_TIMER_SLOTS];
	unsigned ran = 0;
	sip_timer *t = head->next;
	while (t != head) {
		if (t->due_tick <= tick) {
			timer_unlink(w, t);
			t->fn(t, t->arg);
			ran++;
			t = head->next;
		} else {
			t = t->next;
		}
	}
	return ran;
}

unsigned sip_timer_expire(sip_timer_wheel *w, uint64_t now_ms)
{
	if (now_ms < w->now_ms)
		return 0;
	uint64_t target = now_ms / SIP_TIMER_TICK_MS;
	unsigned ran = 0;
	w->now_ms = now_ms;
	/* A long pause: no need to visit every empty slot twice over. */
	if (w->count == 0) {
		w->tick = target + 1;
		return 0;
	}
	while (w->tick <= target) {
		ran += timer_run_slot(w, w->tick);
		w->tick++;
		if (w->count == 0) {
			w->tick = target + 1;
			break;
		}
	}
	return ran;
}

int sip_timer_next_ms(const sip_timer_wheel *w)
{
	if (w->count == 0)
		return -1;
	/* Scan at most one second of slots: retransmission timers are dense, and
	 * when nothing is near the loop merely wakes up once a second. */
	for (uint64_t i = 0; i < 1000 / SIP_TIMER_TICK_MS; i++) {
		uint64_t tick = w->tick + i;
		const sip_timer *head = &w->slots[tick % SIP_TIMER_SLOTS];
		for (const sip_timer *t = head->next; t != head; t = t->next) {
			if (t->due_tick <= tick) {
				uint64_t due_ms = tick * SIP_TIMER_TICK_MS;
				return due_ms <= w->now_ms ? 0 : (int)(due_ms - w->now_ms);
			}
		}
	}
	return 1000;
}
