/* What the command files of sipcc-ctl share (sipcc_ctl.c defines it):
 * the exit statuses, the messages, the checks of names and addresses,
 * user@domain and id parsing, KEY=VALUE options, running a prepared
 * statement and the subscriber insert with its digests. Each ctl_NAME.c
 * file has one entry point, called from main() with the database open and
 * migrated:
 *
 *     int ctl_NAME_cmd(db *d, int argc, char **argv);   argv[0]: "add", ...
 *
 * returning one of the statuses below. */
#ifndef SIPCC_CTL_CTL_H
#define SIPCC_CTL_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "db/db.h"

/* Exit status: 0 done, 1 refused (bad input, unknown or duplicate entry),
 * 2 usage error, 3 database unreachable or failing. */
enum { CTL_OK = 0, CTL_REFUSED = 1, CTL_USAGE = 2, CTL_DBFAIL = 3 };

/* The program's name for messages ("sipcc-ctl"). */
extern const char *ctl_prog;

/* "sipcc-ctl: MESSAGE" on stderr; returns status. */
int ctl_err(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A database failure: what, the status and the database's message;
 * returns CTL_DBFAIL. */
int ctl_dberr(db *d, const char *what, int rc);
/* RFC 3261 user part, 1..64 characters. */
bool ctl_valid_user(const char *s, size_t n);
/* A host name or an IPv4 address. */
bool ctl_valid_domain(const char *s);
/* "user@domain" (an optional "sip:" prefix allowed) into its parts, the
 * domain lowercased; false when either is not valid or too long. */
bool ctl_split(const char *arg, char *user, size_t usz, char *dom, size_t dsz);
/* Run a prepared statement to completion; returns its status. */
int ctl_run(db_stmt *st);
int ctl_domain_known(db *d, const char *dom, bool *known);
/* Whether the subscriber user@dom exists. A database status. */
int ctl_subscriber_exists(db *d, const char *user, const char *dom, bool *exists);
/* Insert subscriber user@dom with the digests of pw (ha1, ha1_sha256) and
 * pw itself when plaintext. *st is the statement, prepared on first use
 * and kept for the next row (the caller finalizes it). The status of the
 * insert (SIP_EDBCONSTRAINT when the subscriber exists). */
int ctl_subscriber_insert(db *d, db_stmt **st, const char *user, const char *dom, const char *pw,
			  bool plaintext);
/* Bind pw itself (or "" unless plaintext), then its MD5 and SHA-256 HA1
 * for user@dom, as parameters first, first + 1 and first + 2 of st (the
 * columns password, ha1, ha1_sha256). A database status. */
int ctl_bind_secrets(db_stmt *st, int first, const char *user, const char *dom, const char *pw,
		     bool plaintext);
/* A positive id that fits every backend's INTEGER. */
bool ctl_parse_id(const char *s, int64_t *out);
/* The value of KEY=VALUE among argv, NULL when not given. */
const char *ctl_opt(int argc, char **argv, const char *key);
/* CTL_OK when every argv is KEY=VALUE with a key of keys, else a usage
 * message naming cmd. */
int ctl_opts_known(int argc, char **argv, const char *const *keys, const char *cmd);

/* Gateways and routing rules (drouting's tables). Dialled digits: 0-9, a
 * leading '+', '*' and '#'; "" allowed. */
bool ctl_valid_digits(const char *s);
/* A gateway address [sip:|sips:]HOST[:PORT][;params] written to out with
 * its scheme; NULL when fine, else what is wrong. */
const char *ctl_gw_uri(const char *arg, char *out, size_t osz);
/* Bind id to st's $1, step, read the count; st is finalized. */
int ctl_count_id(db_stmt *st, int64_t id, int64_t *n);
/* The first rule (*rule, 0: none) whose gateway list names gateway id. */
int ctl_gw_used(db *d, int64_t id, int64_t *rule);

/* Attributes (ctl_pref.c), shared with the import of prefs. An owner is
 * user@domain or @domain (user ""); a name is what an AVP may be called. */
bool ctl_pref_owner(const char *arg, char *user, size_t usz, char *dom, size_t dsz);
bool ctl_pref_name(const char *s);
/* Why name = value (an integer when is_int) cannot be stored, or NULL. */
const char *ctl_pref_check(const char *name, const char *value, bool is_int);
/* Insert or replace one attribute; *st as for ctl_subscriber_insert. */
int ctl_pref_store(db *d, db_stmt **st, const char *user, const char *dom, const char *name,
		   const char *value, bool is_int);

/* Command groups (ctl_NAME.c): argv[0] is the subcommand. */
int ctl_group_cmd(db *d, int argc, char **argv);
int ctl_address_cmd(db *d, int argc, char **argv);
int ctl_blacklist_cmd(db *d, int argc, char **argv);
int ctl_pref_cmd(db *d, int argc, char **argv);
int ctl_import_cmd(db *d, int argc, char **argv, bool plaintext);
int ctl_ds_cmd(db *d, int argc, char **argv);
int ctl_trunk_cmd(db *d, int argc, char **argv);

#endif
