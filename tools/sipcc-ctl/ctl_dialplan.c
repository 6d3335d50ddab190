/* sipcc-ctl dp add|rm|list: the rules of dial plans (the dialplan table,
 * modules/dialplan/dialplan.h). A rule is compiled with the proxy's own
 * code (dp_rule_check) before it is written, so what sipcc-ctl accepts is
 * what the proxy loads; "dp list" marks the rules written by other means
 * that the proxy leaves out, with the reason. A running proxy loads the
 * change by itself (the table's change serial). */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/status.h"
#include "db/db.h"
#include "dialplan/dialplan.h"

int ctl_dp_cmd(db *d, int argc, char **argv);

/* sipcc-ctl's exit statuses (sipcc_ctl.c). */
enum { DP_OK = 0, DP_REFUSED = 1, DP_USAGE = 2, DP_DBFAIL = 3 };
/* The longest text a column holds (runtime/db/schema.c v5). */
#define DP_COL_MAX 255

static int dp_err(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int dp_err(int status, const char *fmt, ...)
{
	va_list ap;
	fputs("sipcc-ctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

static int dp_dberr(db *d, const char *what, int rc)
{
	return dp_err(DP_DBFAIL, "%s: %s%s%s", what, sip_strerror(rc), db_error(d)[0] ? ": " : "",
		      db_error(d));
}

/* A whole decimal integer in [min, max]. */
static bool dp_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	if (!*s)
		return false;
	long long v = strtoll(s, &end, 10);
	if (*end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static sip_str dp_s(const char *s)
{
	return sip_str_make(s, strlen(s));
}

static int dp_usage(void)
{
	return dp_err(DP_USAGE, "usage: sipcc-ctl dp add DPID PRIORITY MATCH SUBST REPLACEMENT"
		      " [attrs=TEXT] [op=regex|exact] [icase], dp rm ID, or dp list [DPID]");
}

/* dp add: the options after the five positional words. */
static int dp_add(db *d, int argc, char **argv)
{
	int64_t dpid, pr;
	if (argc < 5)
		return dp_usage();
	if (!dp_int(argv[0], 0, INT32_MAX, &dpid))
		return dp_err(DP_REFUSED, "bad dial plan id '%s' (an integer, 0 or more)", argv[0]);
	if (!dp_int(argv[1], -1000000, 1000000, &pr))
		return dp_err(DP_REFUSED, "bad priority '%s' (an integer; the lowest is tried first)",
			      argv[1]);
	dp_rule_def r = {
		.dpid = dpid, .pr = pr, .match_op = DP_MATCH_REGEX, .match_exp = dp_s(argv[2]),
		.subst_exp = dp_s(argv[3]), .repl_exp = dp_s(argv[4]), .attrs = dp_s(""),
	};
	for (int i = 5; i < argc; i++) {
		const char *o = argv[i];
		if (strncmp(o, "attrs=", 6) == 0) {
			r.attrs = dp_s(o + 6);
		} else if (strcmp(o, "op=regex") == 0) {
			r.match_op = DP_MATCH_REGEX;
		} else if (strcmp(o, "op=exact") == 0) {
			r.match_op = DP_MATCH_EXACT;
		} else if (strncmp(o, "op=", 3) == 0) {
			return dp_err(DP_REFUSED, "bad op '%s' (regex or exact)", o + 3);
		} else if (strcmp(o, "icase") == 0) {
			r.match_flags = DP_FLAG_ICASE;
		} else {
			return dp_err(DP_USAGE, "dp add: unknown option '%s' (attrs=TEXT, op=regex|exact,"
				      " icase)", o);
		}
	}
	if (!r.match_exp.len)
		return dp_err(DP_REFUSED, "empty MATCH (a regular expression, or with op=exact the"
			      " string to match)");
	const char *cols[] = { "MATCH", "SUBST", "REPLACEMENT", "attrs" };
	sip_str vals[] = { r.match_exp, r.subst_exp, r.repl_exp, r.attrs };
	for (int i = 0; i < 4; i++)
		if (vals[i].len > DP_COL_MAX)
			return dp_err(DP_REFUSED, "%s longer than %d characters", cols[i], DP_COL_MAX);
	char why[512];
	if (dp_rule_check(&r, why, sizeof why))
		return dp_err(DP_REFUSED, "bad rule: %s", why);

	db_stmt *st;
	int rc = db_prepare(d, "INSERT INTO dialplan (dpid, pr, match_op, match_exp, match_flags,"
			    " subst_exp, repl_exp, attrs, disabled)"
			    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0) RETURNING id", &st);
	if (rc == SIP_OK && (rc = db_bind_int(st, 1, r.dpid)) == SIP_OK
	    && (rc = db_bind_int(st, 2, r.pr)) == SIP_OK
	    && (rc = db_bind_int(st, 3, r.match_op)) == SIP_OK
	    && (rc = db_bind_text(st, 4, r.match_exp)) == SIP_OK
	    && (rc = db_bind_int(st, 5, r.match_flags)) == SIP_OK
	    && (rc = db_bind_text(st, 6, r.subst_exp)) == SIP_OK
	    && (rc = db_bind_text(st, 7, r.repl_exp)) == SIP_OK
	    && (rc = db_bind_text(st, 8, r.attrs)) == SIP_OK)
		rc = db_step(st);
	int64_t id = rc == DB_ROW ? db_column_int(st, 0) : 0;
	if (rc == DB_ROW)
		while ((rc = db_step(st)) == DB_ROW)
			;
	db_finalize(st);
	if (rc != SIP_OK)
		return dp_dberr(d, "cannot change the dialplan table", rc);
	/* The MariaDB adapter returns no row for INSERT ... RETURNING; the
	 * connection's last id is the same. */
	if (!id && strcmp(db_backend(d), "mysql") == 0 &&
	    db_query_int(d, "SELECT LAST_INSERT_ID()", &id) != SIP_OK)
		id = 0;
	if (id)
		printf("dp rule %lld\n", (long long)id);
	return DP_OK;
}

static int dp_rm(db *d, const char *arg)
{
	int64_t id;
	if (!dp_int(arg, 1, INT64_MAX, &id))
		return dp_err(DP_REFUSED, "bad rule id '%s' (a positive integer; see dp list)", arg);
	db_stmt *st;
	int rc = db_prepare(d, "DELETE FROM dialplan WHERE id = $1", &st);
	if (rc == SIP_OK && (rc = db_bind_int(st, 1, id)) == SIP_OK && (rc = db_step(st)) == DB_ROW)
		rc = SIP_OK;
	long changed = db_changes(st);
	db_finalize(st);
	if (rc != SIP_OK)
		return dp_dberr(d, "cannot change the dialplan table", rc);
	return changed ? DP_OK : dp_err(DP_REFUSED, "no dial-plan rule %lld", (long long)id);
}

/* One line per rule, in the order the proxy tries them. */
static int dp_list(db *d, int argc, char **argv)
{
	int64_t dpid = 0;
	if (argc > 1)
		return dp_usage();
	if (argc == 1 && !dp_int(argv[0], 0, INT32_MAX, &dpid))
		return dp_err(DP_REFUSED, "bad dial plan id '%s' (an integer, 0 or more)", argv[0]);
	db_stmt *st;
	int rc;
	if (argc)
		rc = db_prepare(d, "SELECT id, dpid, pr, match_op, match_exp, match_flags, subst_exp,"
				" repl_exp, attrs, disabled FROM dialplan WHERE dpid = $1"
				" ORDER BY dpid, pr, id", &st);
	else
		rc = db_prepare(d, "SELECT id, dpid, pr, match_op, match_exp, match_flags, subst_exp,"
				" repl_exp, attrs, disabled FROM dialplan ORDER BY dpid, pr, id", &st);
	if (rc == SIP_OK && argc)
		rc = db_bind_int(st, 1, dpid);
	while (rc == SIP_OK && (rc = db_step(st)) == DB_ROW) {
		dp_rule_def r = {
			.id = db_column_int(st, 0), .dpid = db_column_int(st, 1),
			.pr = db_column_int(st, 2), .match_op = db_column_int(st, 3),
			.match_exp = db_column_text(st, 4), .match_flags = db_column_int(st, 5),
			.subst_exp = db_column_text(st, 6), .repl_exp = db_column_text(st, 7),
			.attrs = db_column_text(st, 8),
		};
		printf("%lld dpid=%lld pr=%lld op=", (long long)r.id, (long long)r.dpid,
		       (long long)r.pr);
		if (r.match_op == DP_MATCH_REGEX || r.match_op == DP_MATCH_EXACT)
			fputs(r.match_op == DP_MATCH_REGEX ? "regex" : "exact", stdout);
		else
			printf("%lld", (long long)r.match_op);
		printf(" match=" SIP_STR_FMT " subst=" SIP_STR_FMT " repl=" SIP_STR_FMT,
		       SIP_STR_ARG(r.match_exp), SIP_STR_ARG(r.subst_exp), SIP_STR_ARG(r.repl_exp));
		if (r.match_flags & DP_FLAG_ICASE)
			fputs(" icase", stdout);
		if (r.attrs.len)
			printf(" attrs=" SIP_STR_FMT, SIP_STR_ARG(r.attrs));
		if (db_column_int(st, 9))
			fputs(" disabled", stdout);
		char why[512];
		if (dp_rule_check(&r, why, sizeof why))
			printf(" (left out by the proxy: %s)", why);
		putchar('\n');
		rc = SIP_OK;
	}
	db_finalize(st);
	return rc == SIP_OK ? DP_OK : dp_dberr(d, "cannot read the dialplan table", rc);
}

int ctl_dp_cmd(db *d, int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "add") == 0)
		return dp_add(d, argc - 1, argv + 1);
	if (argc == 2 && strcmp(argv[0], "rm") == 0)
		return dp_rm(d, argv[1]);
	if (argc >= 1 && strcmp(argv[0], "list") == 0)
		return dp_list(d, argc - 1, argv + 1);
	return dp_usage();
}
