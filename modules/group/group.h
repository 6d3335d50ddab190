/* Group membership (OpenSIPS group): the grp table of the database
 * (runtime/db/schema.c v5; sipcc-ctl group ...), cached in memory
 * (db/db_cache.h: built by the database worker, swapped in whole, reloaded
 * when the table changes, every group.reload_interval seconds, on SIGHUP;
 * the copy in use stays while the database is down), so is_user_in()
 * never waits for a query.
 *
 * A subscriber is keyed as the registrar and the authentication key it:
 * the user part exactly as written (case-sensitive), the domain without
 * regard to case (stored lowercased). A row whose domain is '' makes the
 * user a member in every domain (OpenSIPS's use_domain = 0 for that row);
 * sipcc-ctl always writes a domain. Group names are case-sensitive.
 *
 * grp_table.c holds the cache (no proxy dependency; unit tested), grp_fn.c
 * the policy function of modules/group/group.sipi. */
#ifndef SIPCC_GROUP_GROUP_H
#define SIPCC_GROUP_GROUP_H

#include <stdbool.h>
#include "core/str.h"
#include "db/db.h"
#include "db/db_cache.h"

/* Longest user, domain and group name a row may have (the schema's
 * column widths); longer input is never a member. */
#define GROUP_USER_MAX 128
#define GROUP_DOMAIN_MAX 128
#define GROUP_NAME_MAX 64

/* The module's cache of the grp table (made on first use; NULL without
 * memory). */
db_cache *group_table(void);
/* Load the table from d now, on the caller's thread (tests, tools). The
 * old snapshot stays in use when the query fails. SIP_OK or a database
 * status. */
int group_refresh(db *d);
/* Drop the cache (no one is a member until the next load). */
void group_cache_clear(void);
/* Number of cached memberships. */
unsigned group_count(void);

/* Whether user@host is in group grp (see above). */
bool group_is_member(sip_str user, sip_str host, sip_str grp);

/* Whether s is a group name sipcc-ctl accepts: 1 to GROUP_NAME_MAX
 * letters, digits, '_', '-' and '.'. Shared with sipcc-ctl. */
bool group_name_valid(sip_str s);

#endif
