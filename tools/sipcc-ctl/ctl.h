/* What the command files of sipcc-ctl share (sipcc_ctl.c defines it):
 * the exit statuses, the messages, user@domain and id parsing, KEY=VALUE
 * options and running a prepared statement. Each ctl_NAME.c file has one
 * entry point, called from main() with the database open and migrated:
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

enum { CTL_OK = 0, CTL_REFUSED = 1, CTL_USAGE = 2, CTL_DBFAIL = 3 };

/* The program's name for messages ("sipcc-ctl"). */
extern const char *ctl_prog;

/* "sipcc-ctl: MESSAGE" on stderr; returns status. */
int ctl_err(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "sipcc-ctl: WHAT: database error"; returns CTL_DBFAIL. */
int ctl_dberr(db *d, const char *what, int rc);
/* "user@domain" (an optional "sip:" prefix allowed) into its parts, the
 * domain lowercased; false when either is not valid or too long. */
bool ctl_split(const char *arg, char *user, size_t usz, char *dom, size_t dsz);
/* Run a prepared statement to completion; returns its status. */
int ctl_run(db_stmt *st);
/* Whether the subscriber user@dom exists. A database status. */
int ctl_subscriber_exists(db *d, const char *user, const char *dom, bool *exists);
/* A positive id that fits every backend's INTEGER. */
bool ctl_parse_id(const char *s, int64_t *out);
/* The value of KEY=VALUE among argv, NULL when not given. */
const char *ctl_opt(int argc, char **argv, const char *key);
/* CTL_OK when every argv is KEY=VALUE with a key of keys, else a usage
 * message naming cmd. */
int ctl_opts_known(int argc, char **argv, const char *const *keys, const char *cmd);

int ctl_group_cmd(db *d, int argc, char **argv);
int ctl_address_cmd(db *d, int argc, char **argv);
int ctl_blacklist_cmd(db *d, int argc, char **argv);

#endif
