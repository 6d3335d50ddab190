/* Multi-domain and aliases: the domain table (the domains this proxy
 * serves, besides the policy's domain lines) and the alias table (an alias
 * address resolves to a subscriber), both cached in memory (db/db_cache.h:
 * loaded by the database worker, reloaded every domains.reload_interval
 * seconds, on SIGHUP and by "domain reload"), so routing never waits for
 * a query. */
#ifndef SIPCC_DOMAIN_DOMAIN_H
#define SIPCC_DOMAIN_DOMAIN_H

#include <stdbool.h>
#include "core/arena.h"
#include "core/str.h"
#include "core/timer.h"
#include "db/db.h"
#include "db/db_cache.h"

/* The module's cache of both tables (made on first use; NULL without
 * memory). */
db_cache *domain_tables(void);
/* Load both tables from d now, on the caller's thread (tests, tools).
 * The old snapshot stays in use when the query fails. SIP_OK or a
 * database status. */
int domain_refresh(db *d);
/* True when host is in the cached domain table (case-insensitive). */
bool domain_cached_local(sip_str host);
/* When aor ("user@domain") is an alias, set *out to the subscriber's
 * address ("user@domain", in a) and return true. */
bool domain_alias_resolve(sip_str aor, sip_arena *a, sip_str *out);
/* Drop the cache. */
void domain_cache_clear(void);

#endif
