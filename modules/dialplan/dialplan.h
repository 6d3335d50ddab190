/* Dial plans (the dialplan module of OpenSIPS): translation rules read
 * from the dialplan table (runtime/db/schema.c v5), cached in memory
 * (db/db_cache.h: loaded by the database worker, reloaded when the table
 * changes, every dialplan.reload_interval seconds, on SIGHUP and by "dp
 * reload"), so a translation never waits for a query.
 *
 * A rule belongs to a dial plan (dpid). The rules of a dial plan are tried
 * by priority (pr, lowest first), then by id; the first whose match_exp
 * matches the input is applied and the others are not tried:
 *   match_op 0   match_exp equals the whole input;
 *   match_op 1   match_exp, a POSIX extended regular expression, matches
 *                somewhere in the input (anchor it with ^ and $ to match
 *                the whole input);
 *   match_flags  bit 1: case is ignored (both the match and subst_exp).
 * The rule's result replaces the whole input, as OpenSIPS's dp_translate
 * does: it is repl_exp with \0 (what subst_exp matched) and \1..\9 (its
 * groups; "" for a group that took no part) put in, \\ a backslash.
 * subst_exp is a POSIX extended regular expression matched against the
 * input for those references; empty, it is match_exp when match_op is 1,
 * and no reference may be used when match_op is 0. When subst_exp does
 * not match an input match_exp matched, the translation fails (OpenSIPS
 * too). An empty repl_exp leaves the input as it is (the rule only
 * classifies: its attrs are what the policy wants); OpenSIPS gives an
 * empty result there.
 *
 * Rules are compiled when the table is loaded. A rule that does not
 * compile (a bad regular expression, a back reference beyond the groups
 * of its regular expression, an unknown escape, a match_op other than 0
 * or 1) is left out, reported in the log with its id and counted
 * (dialplan.bad_rules); the other rules work. Disabled rules (disabled
 * not 0) are not loaded.
 *
 * dp_table.c holds the rules and the cache (no proxy dependency; unit
 * tested), dp_fn.c the policy functions of modules/dialplan/dialplan.sipi,
 * dp_ctl.c the statistics and the control command. sipcc-ctl checks a rule
 * with dp_rule_check() before it writes it. */
#ifndef SIPCC_DIALPLAN_DIALPLAN_H
#define SIPCC_DIALPLAN_DIALPLAN_H

#include <stdbool.h>
#include <stdint.h>
#include "core/arena.h"
#include "core/str.h"
#include "db/db.h"
#include "db/db_cache.h"

enum { DP_MATCH_EXACT = 0, DP_MATCH_REGEX = 1 };
#define DP_FLAG_ICASE 1
/* The longest result a rule may produce; a longer one fails. */
#define DP_MAX_OUTPUT 512

/* One rule as the table holds it. */
typedef struct dp_rule_def {
	int64_t id, dpid, pr;
	int64_t match_op, match_flags;
	sip_str match_exp, subst_exp, repl_exp, attrs;
} dp_rule_def;

typedef struct dp_rule dp_rule;

/* Whether def compiles into a usable rule. NULL when it does; else why
 * not, in why (at most whysz bytes), which is returned. Shared with
 * sipcc-ctl so a rule it writes is one the proxy loads. */
const char *dp_rule_check(const dp_rule_def *def, char *why, size_t whysz);

/* A set of compiled rules: what one load of the table gives. */
typedef struct dp_set dp_set;
/* An empty set. NULL without memory. */
dp_set *dp_set_new(void);
void dp_set_free(dp_set *s);
/* Compile def into s (its strings are copied). SIP_OK, SIP_NOMEM, or
 * SIP_EINVAL when the rule does not compile: it is then kept in the
 * set's list of bad rules with the reason instead. */
int dp_set_add(dp_set *s, const dp_rule_def *def);
/* Sort the rules for dp_set_translate(); call once all are added. */
void dp_set_done(dp_set *s);
unsigned dp_set_count(const dp_set *s);
unsigned dp_set_bad_count(const dp_set *s);
/* The i-th bad rule (0 <= i < dp_set_bad_count()): its id and why. */
int64_t dp_set_bad_id(const dp_set *s, unsigned i);
const char *dp_set_bad_why(const dp_set *s, unsigned i);

/* The result of a translation. */
typedef struct dp_result {
	int64_t rule_id;            /* the rule applied */
	sip_str out;                /* the translated input (in the arena) */
	sip_str attrs;              /* the rule's attributes (in the set) */
} dp_result;

/* Translate input with the rules of dpid in s (see above). SIP_OK with
 * *res set; SIP_DECLINED when no rule of dpid matches (or input is
 * empty); SIP_EINVAL when the matching rule cannot produce its result
 * (subst_exp does not match, the result is longer than DP_MAX_OUTPUT;
 * res->rule_id says which); SIP_NOMEM. out is allocated in a. */
int dp_set_translate(const dp_set *s, int64_t dpid, sip_str input, sip_arena *a,
		     dp_result *res);

/* The module's cache of the dialplan table (made on first use; NULL
 * without memory). Its snapshot is a dp_set. */
db_cache *dp_tables(void);
/* The set in use; NULL before the first load. Valid within one event
 * (db_cache_get). */
const dp_set *dp_current(void);
/* Load the table from d now, on the caller's thread (tests, tools). The
 * set in use stays when the query fails. SIP_OK or a database status. */
int dp_refresh(db *d);
/* Drop the cache (nothing translates until the next load). */
void dp_cache_clear(void);
/* Rules in use, and rules of the table left out because they did not
 * compile. */
unsigned dp_rule_count(void);
unsigned dp_bad_rule_count(void);

#endif
