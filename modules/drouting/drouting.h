/* Dynamic routing to gateways (the drouting of OpenSIPS, without time
 * recurrences): a gateway table and a rule table read from the database
 * (dr_gateway, dr_rule; runtime/db/schema.c v2), cached in memory
 * (db/db_cache.h: loaded by the database worker, reloaded every
 * drouting.reload_interval seconds, on SIGHUP and by "dr reload"), so
 * routing never waits for a query.
 *
 * A rule belongs to a group and covers the numbers that begin with its
 * prefix (the empty prefix covers every number). For a number the rule of
 * the group with the longest matching prefix is chosen; among rules with
 * that prefix the highest priority, then the lowest id. The rule lists its
 * gateways in the order they are tried. A gateway strips the first N
 * digits of the number and puts its prefix in front before the call is
 * sent to its address.
 *
 * A rule's list may weigh its gateways ("1=70,2=30"): the order is then
 * drawn per call in proportion to the weights. Gateways marked for probing
 * are sent OPTIONS and skipped while they do not answer (dr_health.c).
 *
 * dr_table.c holds the cache (no proxy dependency; unit tested), dr_fn.c
 * the policy functions of modules/drouting/drouting.sipi, dr_health.c the
 * gateways' health. */
#ifndef SIPCC_DROUTING_DROUTING_H
#define SIPCC_DROUTING_DROUTING_H

#include <stdbool.h>
#include <stdint.h>
#include "core/arena.h"
#include "core/str.h"
#include "db/db.h"
#include "db/db_cache.h"

/* Most gateways one rule lists; the rest of a longer list is ignored. */
#define DR_MAX_GWLIST 32
/* Largest weight of a gateway in a rule's list ("1=70,2=30"). */
#define DR_MAX_WEIGHT 1000000

typedef struct dr_gw {
	int64_t id;
	sip_str address;            /* "sip:HOST[:PORT][;params]" */
	int strip;                  /* leading digits removed */
	sip_str prefix;             /* then put in front */
	sip_str attrs;              /* free text for the policy ($dr_gw_attrs) */
	bool probe;                 /* probed with OPTIONS (dr_gateway.probe) */
} dr_gw;

typedef struct dr_rule {
	int64_t id, group, priority;
	sip_str prefix;
	int64_t gws[DR_MAX_GWLIST]; /* gateway ids, in order */
	unsigned weights[DR_MAX_GWLIST];  /* their weights (1 when not given) */
	bool weighted;              /* the list gave weights: the order is drawn by them */
	unsigned n_gws;
} dr_rule;

/* The module's cache of both tables (made on first use; NULL without
 * memory). */
db_cache *dr_tables(void);
/* Load both tables from d now, on the caller's thread (tests, tools).
 * The old snapshot stays in use when a query fails. SIP_OK or a database
 * status. */
int dr_refresh(db *d);
/* Drop the cache (nothing routes until the next load). */
void dr_cache_clear(void);
/* fn runs on the loop's thread each time a new snapshot is in use (the
 * gateways' health follows it). */
void dr_table_on_loaded(void (*fn)(void));
/* The i-th cached gateway in *out (NULL past the end); returns the number
 * of cached gateways. */
unsigned dr_gw_at(unsigned i, const dr_gw **out);
/* Number of cached gateways and rules. */
unsigned dr_gw_count(void);
unsigned dr_rule_count(void);

/* The rule of group for number (see above); NULL when none covers it. */
const dr_rule *dr_match(int64_t group, sip_str number);
/* The cached gateway with this id, or NULL. */
const dr_gw *dr_gw_find(int64_t id);
/* number with gw's strip and prefix applied, in a. */
sip_str dr_rewrite(const dr_gw *gw, sip_str number, sip_arena *a);

/* Parse a gateway list "1,2, 3" into ids (at most max). Each id may carry
 * a weight, "1=70,2=30" (OpenSIPS's syntax; 0..DR_MAX_WEIGHT): weights[]
 * gets them (1 when not given) and *weighted whether any was given
 * (either may be NULL). Returns the number of ids, or -1 when the text is
 * not a list of positive integers separated by commas. Shared with
 * sipcc-ctl. */
int dr_gwlist_parse(sip_str s, int64_t *ids, unsigned max);
int dr_gwlist_parse_w(sip_str s, int64_t *ids, unsigned *weights, bool *weighted, unsigned max);

/* ---- health (dr_health.c; needs the proxy) ---- */

/* Whether gw may be chosen (not marked inactive). */
bool dr_gw_up(const dr_gw *gw);
/* A call was sent to gateway id (counted). */
void dr_gw_called(int64_t id);
/* A call to gateway id ended in 408: a probed gateway becomes inactive. */
void dr_gw_call_failed(int64_t id);
/* Probes, states and "dr status"/"dr set": from the module's init and
 * destroy. */
#include "core/timer.h"
void dr_health_init(sip_timer_wheel *w);
void dr_health_destroy(void);

/* What other modules ask drouting (proxy_module_api("drouting")). */
struct txn;
struct dr_api {
	/* The id of the gateway transaction s was last sent to (the one
	 * that answered, or failed last), 0 when none. */
	int64_t (*txn_gw)(struct txn *s);
};

#endif
