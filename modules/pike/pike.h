/* Flood detection per source address (OpenSIPS and Kamailio pike): the
 * requests of each source address are counted over a sampling window; a
 * source whose count goes over the density is refused (pike_check_req()
 * is false) and, with a blocking time, put on the ban list of the
 * transports (net/ban.h), so its packets are dropped before they are
 * parsed until the ban ends.
 *
 * The count is a sliding window made of two fixed ones (the current
 * window and the one before, weighted by how much of it still lies within
 * one window from now): a source sending at a steady rate is measured
 * the same whatever the phase of its burst against the window's edges,
 * which a single fixed window gets wrong by up to a factor of two.
 *
 * Sources are kept in a hash table with a list in order of their last
 * request: those not seen for two windows (their counts are zero) are
 * forgotten by pike_table_sweep(), and at most max are kept (the least
 * recently seen goes first), so a flood of forged source addresses costs
 * bounded memory.
 *
 * pike_table.c holds the table (no proxy dependency; unit tested),
 * pike_fn.c the policy function of modules/pike/pike.sipi. */
#ifndef SIPCC_PIKE_PIKE_H
#define SIPCC_PIKE_PIKE_H

#include <stdbool.h>
#include <stdint.h>
#include "core/htable.h"
#include "net/ban.h"

struct pike_src;

typedef struct pike_table {
	sip_htable t;
	struct pike_src *oldest, *newest;       /* by last request */
	uint32_t window_ms;                     /* the sampling window */
	uint32_t density;                       /* requests a window may hold */
	uint32_t max;                           /* sources kept at most */
	unsigned n;
	uint32_t rgen;                          /* the other proxies' counts in use */
} pike_table;

/* An empty table. SIP_OK, SIP_EINVAL for a zero window or max, SIP_NOMEM. */
int pike_table_init(pike_table *p, uint32_t window_ms, uint32_t density, uint32_t max);
void pike_table_destroy(pike_table *p);

/* Count one request from k at now (ms, never going back): true while k
 * stays within the density, false when its requests over the last window
 * are more than the density. With reset, a source found over it starts
 * counting again from zero (it is banned meanwhile); without, it stays
 * over until its rate comes down. */
bool pike_table_hit(pike_table *p, const tp_addr_key *k, uint64_t now, bool reset);
/* k's requests over the window ending at now (the sliding estimate, 0 for
 * a source not kept). */
uint32_t pike_table_load(const pike_table *p, const tp_addr_key *k, uint64_t now);
/* Forget the sources without a request for two windows; how many went. */
unsigned pike_table_sweep(pike_table *p, uint64_t now);

/* ---- several proxies sharing a store (pike_fn.c) ----
 *
 * Each proxy counts on its own and, every few hundred milliseconds, adds
 * what it counted since to the store's count of each window (windows on
 * the wall clock, the same on every proxy) and reads back the totals. A
 * source's estimate is then its requests here plus the other proxies'
 * as last read (the totals less this proxy's part), for the current
 * window and the one before. */

/* What one source's push says: the window, what this proxy adds to it
 * and to the one before since its last push, and its counts of both
 * after (its part of the totals the store gives back). */
typedef struct pike_push {
	uint64_t win;
	uint32_t add, add_prev;
	uint32_t mine, mine_prev;
} pike_push;

/* For each source with a request at since or later (newest first, at
 * most max) and counts it has not pushed: fill a push, count it as
 * pushed, and call fn. Returns how many. */
unsigned pike_table_push(pike_table *p, uint64_t now, uint64_t since, unsigned max,
			 void (*fn)(const tp_addr_key *k, const pike_push *ps, void *arg), void *arg);
/* The store's totals for the windows of ps (every proxy's, this one's
 * push included): the rest of them becomes k's count of the other
 * proxies (nothing when k is no longer kept). */
void pike_table_remote(pike_table *p, const tp_addr_key *k, const pike_push *ps, uint64_t total,
		       uint64_t total_prev);
/* Forget every source's count of the other proxies (the store is down):
 * estimates are this proxy's alone until the next totals. */
void pike_table_forget_remote(pike_table *p);

static inline unsigned pike_table_count(const pike_table *p)
{
	return p->n;
}

#endif
