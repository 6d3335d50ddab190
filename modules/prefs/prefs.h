/* Per-user and per-domain attributes (OpenSIPS usr_preferences and
 * avpops): the usr_preferences table cached in memory (db/db_cache.h), and
 * the owner and value rules the policy functions and sipcc-ctl share.
 *
 * An owner is "user@domain" (a subscriber; "sip:" or "sips:" may lead, a
 * port or parameters after the domain are ignored) or "@domain" (the
 * domain's own attributes, stored with username ''). A subscriber's
 * attribute that is not set falls back to its domain's. Domains compare
 * without case (stored lowercased by sipcc-ctl, lowercased when loaded);
 * user names and attribute names exactly. */
#ifndef SIPCC_MODULES_PREFS_H
#define SIPCC_MODULES_PREFS_H

#include <stdbool.h>
#include <stdint.h>
#include "core/str.h"
#include "db/db.h"
#include "db/db_cache.h"

/* Column sizes of usr_preferences (schema v5). */
#define PREFS_USER_MAX 128
#define PREFS_DOMAIN_MAX 128
#define PREFS_ATTR_MAX 64
#define PREFS_VALUE_MAX 255

/* usr_preferences.type */
enum { PREFS_TYPE_STR = 0, PREFS_TYPE_INT = 1 };

/* One attribute written whether or not it exists (db_prepare_upsert):
 * username, domain, attribute (the key), type, value. */
extern const db_upsert prefs_upsert;
/* Delete one attribute: $1 username, $2 domain, $3 attribute. */
#define PREFS_SQL_DELETE \
	"DELETE FROM usr_preferences WHERE username = $1 AND domain = $2 AND attribute = $3"

/* One owner: user ("" for a domain's attributes) and domain, the domain
 * lowercased into dom (PREFS_DOMAIN_MAX + 1 bytes); user points into the
 * owner text. False when owner is none of the forms above or too long. */
bool prefs_owner_parse(sip_str owner, sip_str *user, char *dom, sip_str *domain);

/* A value as an integer: optional sign, decimal digits, within int64,
 * nothing else. */
bool prefs_value_int(sip_str v, int64_t *out);

/* The cache of usr_preferences (created on first use). */
db_cache *prefs_table(void);
/* Load the table now on d (tests, a proxy without a worker). */
int prefs_refresh(db *d);
void prefs_cache_clear(void);

/* The attribute attr of user@domain in the snapshot in use, falling back
 * to @domain when user is not empty and has none: its value (valid until
 * the next cache swap: copy it within the event) and its type. False
 * when neither has it or no snapshot is loaded yet. */
bool prefs_find(sip_str user, sip_str domain, sip_str attr, sip_str *value, int *type);
/* Rows in the snapshot in use (0 before the first load). */
unsigned prefs_count(void);

#endif
