/* Statistics: named counters and gauges, like the statistics module of
 * OpenSIPS and Kamailio.
 *
 * A layer owns its counters (plain int64_t it increments on the hot path:
 * one add, no lookup) and registers each by name at start-up; a gauge is
 * a function read only when someone asks (active dialogs, registered
 * contacts, queue depths). The policy reads any of them with $stat(name)
 * and makes its own with update_stat(name, delta): a name nobody
 * registered becomes a counter owned by the registry, up to
 * SIP_STAT_MAX names in all.
 *
 * Names are "group.name" (core.rcv_requests, tm.transactions_active), so
 * a prefix selects a group. Names are registered at start-up, before the
 * workers run. A layer's counter is touched by one thread only; with
 * several workers each keeps its own copy (sip_stat_counter_array) and a
 * reader sums them, so the hot path stays one add with no lock and no
 * shared cache line. Policy counters (update_stat) and histograms are
 * updated with relaxed atomic adds. */
#ifndef SIPCC_CORE_STATS_H
#define SIPCC_CORE_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/str.h"

#define SIP_STAT_MAX      512
#define SIP_STAT_NAME_MAX 64

typedef int64_t (*sip_stat_fn)(void);

/* What a statistic is, for a reader that cares (Prometheus' counter and
 * gauge types): a layer's counter and a counter read through a function
 * only grow; a gauge goes up and down; a policy's own (update_stat) may
 * do either. */
enum sip_stat_kind {
	SIP_STAT_COUNTER,
	SIP_STAT_GAUGE,
	SIP_STAT_POLICY,
};

/* Register the counter *var under name (a constant string: kept, not
 * copied). A name registered again points at the new counter.
 * SIP_EINVAL for a bad name, SIP_ELIMIT when the registry is full. */
int sip_stat_counter(const char *name, int64_t *var);
/* Register a counter kept once per worker: n copies, the first at var,
 * each stride bytes after the previous; its value is their sum. */
int sip_stat_counter_array(const char *name, int64_t *var, size_t stride, unsigned n);
/* Register a gauge: fn() is its value. */
int sip_stat_gauge(const char *name, sip_stat_fn fn);
/* Register a counter that another part keeps (fn() is its value, which
 * only grows: transactions created, queries run). */
int sip_stat_counter_fn(const char *name, sip_stat_fn fn);

/* The value of name; 0 (and *found false, when found is not NULL) when
 * nothing has that name. */
int64_t sip_stat_get(sip_str name, bool *found);
/* Add delta to the counter name, made (at 0) when unknown. SIP_EINVAL for
 * a gauge or a bad name (see sip_stat_name_ok), SIP_ELIMIT when full. */
int sip_stat_update(sip_str name, int64_t delta);

/* A valid name: 1..SIP_STAT_NAME_MAX-1 bytes of letters, digits, '_',
 * '.', '-' and ':'. */
bool sip_stat_name_ok(sip_str name);

/* Call fn for each statistic whose name starts with prefix (every one
 * for an empty prefix), in registration order. */
void sip_stat_foreach(sip_str prefix, void (*fn)(const char *name, int64_t v, void *arg),
		      void *arg);
/* The same with each statistic's kind. */
void sip_stat_foreach_kind(sip_str prefix,
			   void (*fn)(const char *name, enum sip_stat_kind kind, int64_t v, void *arg),
			   void *arg);
/* How many names are registered. */
unsigned sip_stat_count(void);
/* Forget every name (tests; counters a layer owns are left as they are). */
void sip_stat_clear(void);

/* A histogram of durations (transaction time, call set-up time): how many
 * observations fell at or under each bound, their count and their sum.
 * Bounds are microseconds, ascending, at most SIP_STAT_HIST_BUCKETS;
 * bucket[i] counts the observations in (le_us[i-1], le_us[i]] and
 * bucket[n] those above the last bound (a reader makes them cumulative).
 * Like the counters, owned by a layer and touched from the loop only. */
#define SIP_STAT_HIST_BUCKETS 24
#define SIP_STAT_HIST_MAX     16

typedef struct sip_stat_hist {
	const uint64_t *le_us;
	unsigned n;
	uint64_t bucket[SIP_STAT_HIST_BUCKETS + 1];
	uint64_t count;
	uint64_t sum_us;
} sip_stat_hist;

/* Set h up with the n bounds le_us (kept, not copied; ascending). */
void sip_stat_hist_init(sip_stat_hist *h, const uint64_t *le_us, unsigned n);
/* Count one duration of us microseconds. */
void sip_stat_hist_observe(sip_stat_hist *h, uint64_t us);
/* Register h under name (a constant string, kept), with help, one line
 * saying what it measures (kept). A name registered again points at the
 * new histogram. SIP_EINVAL for a bad name, SIP_ELIMIT beyond
 * SIP_STAT_HIST_MAX. */
int sip_stat_histogram(const char *name, const char *help, sip_stat_hist *h);
/* Call fn for each histogram, in registration order. */
void sip_stat_hist_foreach(void (*fn)(const char *name, const char *help,
				      const sip_stat_hist *h, void *arg),
			   void *arg);

#endif
