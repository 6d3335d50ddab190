/* Load balancing over sets of destinations (the dispatcher of OpenSIPS
 * and Kamailio): the dispatcher table of the database (runtime/db/schema.c
 * v6; sipcc-ctl ds add|rm|list), cached in memory (db/db_cache.h: loaded
 * by the database worker, reloaded when the table changes), so selection
 * never waits for a query.
 *
 * A set is the destinations with one setid. ds_select_dst(set, alg)
 * orders the set's active destinations by the algorithm: the first is
 * used, the rest are the failover order ds_next_dst() walks. Each
 * destination's health (core/health.h: active or inactive, from OPTIONS
 * probes, calls that timed out and the operator) lives outside the
 * snapshot, keyed by set and URI, so it survives reloads.
 *
 * ds_table.c holds the cache and the algorithms (no proxy dependency;
 * unit tested), ds_fn.c the policy functions, the probes and the control
 * commands. */
#ifndef SIPCC_DISPATCHER_DISPATCHER_H
#define SIPCC_DISPATCHER_DISPATCHER_H

#include <stdbool.h>
#include <stdint.h>
#include "core/arena.h"
#include "core/health.h"
#include "core/str.h"
#include "db/db.h"
#include "db/db_cache.h"

/* Most destinations of one set a selection orders; the rest are ignored. */
#define DS_MAX_DST 64

/* The algorithms, numbered as OpenSIPS numbers them (dispatcher.sipi
 * names them: DS_HASH_CALLID ...). */
enum ds_alg {
	DS_ALG_HASH_CALLID = 0,
	DS_ALG_HASH_FROM = 1,       /* From URI */
	DS_ALG_HASH_TO = 2,         /* To URI */
	DS_ALG_HASH_RURI = 3,       /* Request-URI */
	DS_ALG_ROUND_ROBIN = 4,
	DS_ALG_RANDOM = 6,
	DS_ALG_PRIORITY = 8,        /* highest priority first, then table order */
	DS_ALG_WEIGHTED = 9,        /* random, in proportion to the weights */
};

/* The flags column. */
#define DS_FLAG_DISABLED 1          /* never selected nor probed */
#define DS_FLAG_PROBE    2          /* probed when dispatcher.probing_mode is 0 */

typedef struct ds_dst {
	int64_t id, setid;
	sip_str uri;                /* "sip:HOST[:PORT][;params]" */
	int flags;
	int64_t priority;
	unsigned weight;
	sip_str attrs, description;
} ds_dst;

typedef struct ds_set {
	int64_t id;
	ds_dst *dsts;               /* priority (highest first), then id */
	unsigned n;
} ds_set;

/* The module's cache of the table (made on first use; NULL without memory). */
db_cache *ds_tables(void);
/* Load the table from d now, on the caller's thread (tests, tools). */
int ds_refresh(db *d);
void ds_cache_clear(void);
/* fn runs on the loop's thread each time a new snapshot is in use (the
 * module's health states follow it). */
void ds_table_on_loaded(void (*fn)(void));
/* Number of cached destinations and sets. */
unsigned ds_dst_count(void);
unsigned ds_set_count(void);
/* The cached set id, or NULL. */
const ds_set *ds_set_find(int64_t setid);
/* The i-th set (0..ds_set_count()-1), for listings. */
const ds_set *ds_set_at(unsigned i);

/* Whether alg is one of the algorithms above. */
bool ds_alg_valid(int64_t alg);
/* Whether s is a destination URI the module can send to ("sip:" or
 * "sips:", a host, no user part needed); the reason it is not otherwise.
 * Shared with sipcc-ctl. */
const char *ds_uri_check(sip_str s);

/* Order the destinations of s for one call: out[] gets indexes into
 * s->dsts, the first the one to use, the rest the failover order; only
 * the destinations up[i] says are usable. key is the hash of what the
 * hashing algorithms hash, rr the set's round-robin counter, seed a
 * random number (the weighted and random algorithms). Returns how many
 * indexes were written (0: none usable). */
unsigned ds_order(const ds_set *s, int alg, const bool *up, uint32_t key, uint32_t rr,
		  uint32_t seed, unsigned *out, unsigned max);

#endif
