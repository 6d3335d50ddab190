/* The credential cache: what the subscriber table said about user@realm
 * (found or missing), kept for a fixed time so a call, its
 * re-registrations and a scanner's guesses cost one query per name and
 * period. At most max entries (auth_cache_init); when full, the oldest goes. All
 * entries live equally long, so the oldest is also the first to expire:
 * one list in insertion order serves both.
 *
 * Intrusive: the caller's row embeds a struct auth_cache_ent and the cache
 * takes ownership of it at put (freed with the free function given to
 * auth_cache_init, when replaced, evicted, expired or cleared). One
 * thread at a time: the auth module calls it under its mutex, and copies
 * what it reads before letting go. */
#ifndef SIPCC_AUTH_AUTH_CACHE_H
#define SIPCC_AUTH_AUTH_CACHE_H

#include <stdint.h>
#include "core/htable.h"
#include "core/str.h"

/* The default of max (auth.cache_entries). */
#define AUTH_CACHE_MAX 16384

struct auth_cache_ent {
	sip_hlink link;
	struct auth_cache_ent *older, *newer;
	uint64_t until;                /* monotonic ms */
	sip_str user, realm;           /* the key: slices of the caller's row */
};

/* How entries are freed; keep_ms is how long each one stays, max how many
 * are kept at most. */
void auth_cache_init(void (*free_ent)(struct auth_cache_ent *e), uint64_t keep_ms,
		     unsigned long max);
/* Keep e under user@realm (slices that must live as long as e) from now
 * (monotonic ms), replacing an entry with the same key. Out of memory
 * for the table: e is freed, nothing is cached. */
void auth_cache_insert(struct auth_cache_ent *e, sip_str user, sip_str realm, uint64_t now);
/* The entry of user@realm, NULL when none or expired at now (then freed). */
struct auth_cache_ent *auth_cache_lookup(sip_str user, sip_str realm, uint64_t now);
/* Entries held. */
unsigned long auth_cache_count(void);
/* Free every entry and the table. */
void auth_cache_clear(void);

#endif
