/* Multi-domain and aliases: the domain table (the domains this proxy
 * serves, besides the policy's domain lines) and the alias table (an alias
 * address resolves to a subscriber), both cached in memory and reloaded
 * from the database every DOMAIN_REFRESH_MS, so routing never waits for a
 * query. */
#ifndef SIPCC_DOMAIN_DOMAIN_H
#define SIPCC_DOMAIN_DOMAIN_H

#include <stdbool.h>
#include "core/arena.h"
#include "core/str.h"
#include "core/timer.h"
#include "db/db.h"

#define DOMAIN_REFRESH_MS 10000

/* Reload both tables from d. The old cache stays in use when the query
 * fails. SIP_OK or a database status. */
int domain_refresh(db *d);
/* True when host is in the cached domain table (case-insensitive). */
bool domain_cached_local(sip_str host);
/* When aor ("user@domain") is an alias, set *out to the subscriber's
 * address ("user@domain", in a) and return true. */
bool domain_alias_resolve(sip_str aor, sip_arena *a, sip_str *out);
/* Drop the cache. */
void domain_cache_clear(void);

#endif
