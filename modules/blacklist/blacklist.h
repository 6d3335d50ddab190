/* Number blacklists (OpenSIPS userblacklist; the book's "473 Filtered
 * Destination"): the blacklist table of the database (runtime/db/schema.c
 * v5; sipcc-ctl blacklist ...), cached in memory (db/db_cache.h: built by
 * the database worker, swapped in whole, reloaded when the table changes,
 * every blacklist.reload_interval seconds and on SIGHUP; the copy in use
 * stays while the database is down), so check_blacklist() never waits for
 * a query.
 *
 * The table holds two kinds of lists: the global list (rows with username
 * and domain '') and one list per subscriber (user@domain: the user
 * compared exactly, the domain without regard to case, as the registrar
 * does; a row with a username and domain '' belongs to that user in every
 * domain). A row's prefix is digits ('' covers every number); whitelist 1
 * makes it an exception that allows.
 *
 * As in OpenSIPS, each list decides by its longest prefix that matches
 * the number (leading characters that are not digits, such as '+', are
 * skipped): a blacklist row refuses, a whitelist row allows, no row
 * allows. A number may be called when the subscriber's list allows it and
 * then the global list allows it too (OpenSIPS's check_user_blacklist
 * followed by check_blacklist): a subscriber's whitelist row does not lift
 * a global block.
 *
 * bl_table.c holds the cache (no proxy dependency; unit tested),
 * bl_fn.c the policy function of modules/blacklist/blacklist.sipi. */
#ifndef SIPCC_BLACKLIST_BLACKLIST_H
#define SIPCC_BLACKLIST_BLACKLIST_H

#include <stdbool.h>
#include <stdint.h>
#include "core/str.h"
#include "db/db.h"
#include "db/db_cache.h"

/* Longest prefix a row may have (the schema's column width). */
#define BL_PREFIX_MAX 64

/* The module's cache of the blacklist table (made on first use; NULL
 * without memory). */
db_cache *bl_table(void);
/* Load the table from d now, on the caller's thread (tests, tools). The
 * old snapshot stays in use when the query fails. SIP_OK or a database
 * status. */
int bl_refresh(db *d);
/* Drop the cache (every number allowed until the next load). */
void bl_cache_clear(void);
/* Number of usable rows cached, and of rows left out (a prefix that is
 * not digits, a domain without a user). */
unsigned bl_count(void);
unsigned bl_skipped(void);

/* Whether user@host may call number (see above; user "" checks the
 * global list only). When not, *row (if not NULL) is the id of the row
 * that refused. */
bool bl_allowed(sip_str user, sip_str host, sip_str number, int64_t *row);

/* Whether s is a prefix a row may have: at most BL_PREFIX_MAX digits.
 * Shared with sipcc-ctl. */
bool bl_prefix_valid(sip_str s);

#endif
