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
 * a prefix selects a group. Single-threaded: counters are touched from
 * the event loop only (the database worker thread never does). */
#ifndef SIPCC_CORE_STATS_H
#define SIPCC_CORE_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include "core/str.h"

#define SIP_STAT_MAX      512
#define SIP_STAT_NAME_MAX 64

typedef int64_t (*sip_stat_fn)(void);

/* Register the counter *var under name (a constant string: kept, not
 * copied). A name registered again points at the new counter.
 * SIP_EINVAL for a bad name, SIP_ELIMIT when the registry is full. */
int sip_stat_counter(const char *name, int64_t *var);
/* Register a gauge: fn() is its value. */
int sip_stat_gauge(const char *name, sip_stat_fn fn);

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
/* How many names are registered. */
unsigned sip_stat_count(void);
/* Forget every name (tests; counters a layer owns are left as they are). */
void sip_stat_clear(void);

#endif
