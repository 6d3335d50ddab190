/* What the commands of sipcc-ctl share (sipcc_ctl.c): exit statuses,
 * messages, the checks of names and addresses, and the subscriber insert
 * with its digests. One file per group of commands (ctl_NAME.c) has one
 * entry point that main() dispatches to. */
#ifndef SIPCC_CTL_CTL_H
#define SIPCC_CTL_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include "db/db.h"

/* Exit status: 0 done, 1 refused (bad input, unknown or duplicate entry),
 * 2 usage error, 3 database unreachable or failing. */
enum { CTL_OK = 0, CTL_REFUSED = 1, CTL_USAGE = 2, CTL_DBFAIL = 3 };

extern const char *ctl_prog;

/* "sipcc-ctl: message" on stderr; returns status. */
int ctl_err(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A database failure: what, the status and the database's message;
 * returns CTL_DBFAIL. */
int ctl_dberr(db *d, const char *what, int rc);
/* RFC 3261 user part, 1..64 characters. */
bool ctl_valid_user(const char *s, size_t n);
/* A host name or an IPv4 address. */
bool ctl_valid_domain(const char *s);
/* "user@domain" ("sip:" allowed before) into its parts, the domain
 * lowercased; false when either is not valid or does not fit. */
bool ctl_split(const char *arg, char *user, size_t usz, char *dom, size_t dsz);
/* Run a prepared statement to completion; its status. */
int ctl_run(db_stmt *st);
int ctl_domain_known(db *d, const char *dom, bool *known);
int ctl_subscriber_exists(db *d, const char *user, const char *dom, bool *exists);
/* Insert subscriber user@dom with the digests of pw (ha1, ha1_sha256) and
 * pw itself when plaintext. *st is the statement, prepared on first use
 * and kept for the next row (the caller finalizes it). The status of the
 * insert (SIP_EDBCONSTRAINT when the subscriber exists). */
int ctl_subscriber_insert(db *d, db_stmt **st, const char *user, const char *dom, const char *pw,
			  bool plaintext);

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
int ctl_pref_cmd(db *d, int argc, char **argv);
int ctl_import_cmd(db *d, int argc, char **argv, bool plaintext);

#endif
