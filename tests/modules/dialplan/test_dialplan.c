/* The translation engine of dial plans and its cache: priorities and ids,
 * exact and regular-expression matches, ignored case, back references,
 * the whole input replaced by the result (OpenSIPS's dp_translate), rules
 * that do not compile left out with their reason while the others work,
 * and the table loaded from a database migrated to the current schema
 * (disabled rules left out, a failed reload keeping the rules in use).
 * With DB_URL unset it runs on a temporary SQLite file;
 * test_dialplan_pgsql.sh sets DB_URL to a PostgreSQL server it started. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "../db_fixture.h"
#include "core/status.h"
#include "dialplan/dialplan.h"

static db *d;
static sip_arena ar;

#define S(lit) SIP_STR_LIT(lit)
#define Z(s) sip_str_make((s), strlen(s))

/* A rule of dial plan dpid. */
static dp_rule_def def(int64_t id, int64_t dpid, int64_t pr, int op, const char *match, int flags,
		       const char *subst, const char *repl, const char *attrs)
{
	return (dp_rule_def){
		.id = id, .dpid = dpid, .pr = pr, .match_op = op, .match_flags = flags,
		.match_exp = Z(match), .subst_exp = Z(subst), .repl_exp = Z(repl), .attrs = Z(attrs),
	};
}

static void add_ok(dp_set *s, dp_rule_def r)
{
	assert_int_equal(dp_set_add(s, &r), SIP_OK);
}

/* The translation of input by dpid in s: the result, or NULL. */
static const char *tr(const dp_set *s, int64_t dpid, const char *input, int64_t *rule)
{
	dp_result res;
	int rc = dp_set_translate(s, dpid, Z(input), &ar, &res);
	if (rule)
		*rule = res.rule_id;
	return rc == SIP_OK ? res.out.s : NULL;
}

static int engine_setup(void **state)
{
	(void)state;
	sip_arena_init(&ar, 4096);
	return 0;
}

static int engine_teardown(void **state)
{
	(void)state;
	sip_arena_destroy(&ar);
	return 0;
}

/* Rules are tried by priority, lowest first, then by id, whatever order
 * they were added in; the first that matches wins; other dial plans are
 * not looked at. */
static void test_priority(void **state)
{
	(void)state;
	dp_set *s = dp_set_new();
	assert_non_null(s);
	add_ok(s, def(4, 1, 5, DP_MATCH_REGEX, "^0", 0, "^0(.*)$", "+49\\1", "de"));
	add_ok(s, def(1, 1, 5, DP_MATCH_REGEX, "^0", 0, "^0(.*)$", "+44\\1", "uk"));
	add_ok(s, def(3, 1, 0, DP_MATCH_REGEX, "^00", 0, "^00(.*)$", "+\\1", "intl"));
	add_ok(s, def(2, 1, 1, DP_MATCH_EXACT, "112", 0, "", "sos", "emergency"));
	add_ok(s, def(5, 2, 0, DP_MATCH_REGEX, ".", 0, "", "other", ""));
	dp_set_done(s);
	assert_int_equal(dp_set_count(s), 5);
	assert_int_equal(dp_set_bad_count(s), 0);

	int64_t rule = 0;
	assert_string_equal(tr(s, 1, "02071234567", &rule), "+442071234567");
	assert_int_equal(rule, 1);                  /* pr 5: id 1 before id 4 */
	assert_string_equal(tr(s, 1, "0049301234", &rule), "+49301234");
	assert_int_equal(rule, 3);                  /* pr 0 before pr 5 */
	assert_string_equal(tr(s, 1, "112", &rule), "sos");
	assert_int_equal(rule, 2);
	assert_null(tr(s, 1, "1120", NULL));        /* exact: the whole input */
	assert_null(tr(s, 1, "4930", NULL));        /* no rule of dial plan 1 */
	assert_null(tr(s, 1, "", NULL));
	assert_null(tr(s, 3, "0207", NULL));        /* no dial plan 3 */
	assert_string_equal(tr(s, 2, "0207", NULL), "other");

	dp_result res;
	assert_int_equal(dp_set_translate(s, 1, S("112"), &ar, &res), SIP_OK);
	assert_true(sip_str_eq(res.attrs, S("emergency")));
	assert_int_equal(dp_set_translate(s, 1, S("4930"), &ar, &res), SIP_DECLINED);
	assert_int_equal(dp_set_translate(NULL, 1, S("4930"), &ar, &res), SIP_DECLINED);
	dp_set_free(s);
}

/* match_flags 1 ignores case in exact matches, in match_exp and in
 * subst_exp. */
static void test_icase(void **state)
{
	(void)state;
	dp_set *s = dp_set_new();
	add_ok(s, def(1, 1, 0, DP_MATCH_EXACT, "Alice", DP_FLAG_ICASE, "", "1001", ""));
	add_ok(s, def(2, 1, 0, DP_MATCH_EXACT, "Bob", 0, "", "1002", ""));
	add_ok(s, def(3, 1, 0, DP_MATCH_REGEX, "^sos$", DP_FLAG_ICASE, "", "112", ""));
	add_ok(s, def(4, 1, 0, DP_MATCH_REGEX, "^svc-", DP_FLAG_ICASE, "^SVC-(.*)$", "\\1", ""));
	add_ok(s, def(5, 1, 9, DP_MATCH_REGEX, "^x", 0, "", "lower", ""));
	dp_set_done(s);
	assert_string_equal(tr(s, 1, "ALICE", NULL), "1001");
	assert_string_equal(tr(s, 1, "alice", NULL), "1001");
	assert_string_equal(tr(s, 1, "Bob", NULL), "1002");
	assert_null(tr(s, 1, "BOB", NULL));
	assert_string_equal(tr(s, 1, "SoS", NULL), "112");
	assert_string_equal(tr(s, 1, "svc-Voicemail", NULL), "Voicemail");
	assert_string_equal(tr(s, 1, "xyz", NULL), "lower");
	assert_null(tr(s, 1, "Xyz", NULL));
	dp_set_free(s);
}

/* The result is repl_exp with the groups of subst_exp put in, and it
 * replaces the whole input: the part of the input subst_exp did not match
 * is not kept (OpenSIPS: "000" / "(000)(.+)" / "8\2" turns 55980007 into
 * 87). */
static void test_backrefs(void **state)
{
	(void)state;
	dp_set *s = dp_set_new();
	add_ok(s, def(1, 1, 0, DP_MATCH_REGEX, "000", 0, "(000)(.+)", "8\\2", ""));
	add_ok(s, def(2, 2, 0, DP_MATCH_REGEX, "^([0-9]{3})-([0-9]+)$", 0, "", "\\2\\1", ""));
	add_ok(s, def(3, 3, 0, DP_MATCH_REGEX, "^[0-9]+$", 0, "^(9)?([0-9]+)$", "<\\1|\\2|\\0>", ""));
	add_ok(s, def(4, 4, 0, DP_MATCH_REGEX, "^a", 0, "", "x\\\\y", ""));
	add_ok(s, def(5, 5, 0, DP_MATCH_EXACT, "123", 0, "^(1)(2)", "\\2\\1", ""));
	add_ok(s, def(6, 6, 0, DP_MATCH_REGEX, "^(0)([1-9])", 0, "", "", "keep"));
	add_ok(s, def(7, 7, 0, DP_MATCH_REGEX, "^0([0-9]{4})", 0, "", "+44\\1", ""));
	dp_set_done(s);
	assert_string_equal(tr(s, 1, "55980007", NULL), "87");
	assert_string_equal(tr(s, 2, "030-1234", NULL), "1234030");
	assert_string_equal(tr(s, 3, "9555", NULL), "<9|555|9555>");
	assert_string_equal(tr(s, 3, "555", NULL), "<|555|555>");  /* \1 took no part */
	assert_string_equal(tr(s, 4, "abc", NULL), "x\\y");
	assert_string_equal(tr(s, 5, "123", NULL), "21");         /* exact rule, own subst */
	assert_string_equal(tr(s, 6, "0301234", NULL), "0301234"); /* empty repl: unchanged */
	assert_string_equal(tr(s, 7, "02071234567", NULL), "+442071"); /* sipcc-policy(5) */
	dp_set_free(s);
}

/* A rule whose subst_exp does not match an input its match_exp matched
 * gives no result, and no later rule is tried (OpenSIPS too); a result
 * longer than DP_MAX_OUTPUT is refused. */
static void test_no_result(void **state)
{
	(void)state;
	dp_set *s = dp_set_new();
	add_ok(s, def(7, 1, 0, DP_MATCH_REGEX, "^0", 0, "^00(.*)$", "+\\1", ""));
	add_ok(s, def(8, 1, 1, DP_MATCH_REGEX, "^0", 0, "", "later", ""));
	add_ok(s, def(9, 2, 0, DP_MATCH_REGEX, "^(.*)$", 0, "",
		      "\\1\\1\\1\\1\\1\\1\\1\\1\\1\\1\\1\\1\\1\\1\\1\\1\\1\\1\\1\\1", ""));
	dp_set_done(s);
	dp_result res;
	assert_int_equal(dp_set_translate(s, 1, S("0301234"), &ar, &res), SIP_EINVAL);
	assert_int_equal(res.rule_id, 7);
	assert_string_equal(tr(s, 1, "00301234", NULL), "+301234");
	char in[40];
	memset(in, '7', sizeof in - 1);
	in[sizeof in - 1] = '\0';
	assert_int_equal(dp_set_translate(s, 2, Z(in), &ar, &res), SIP_EINVAL); /* 780 > 512 */
	in[20] = '\0';
	assert_non_null(tr(s, 2, in, NULL));                                   /* 400 */
	dp_set_free(s);
}

/* Rules that do not compile are set aside with their id and reason; the
 * others of the same dial plan work. */
static void test_bad_rules(void **state)
{
	(void)state;
	dp_set *s = dp_set_new();
	add_ok(s, def(1, 1, 9, DP_MATCH_REGEX, "^0", 0, "^0(.*)$", "+44\\1", ""));
	dp_rule_def bad[] = {
		def(20, 1, 0, DP_MATCH_REGEX, "^(0[0-9", 0, "", "x", ""),
		def(21, 1, 0, DP_MATCH_REGEX, "^0", 0, "^(0)([0-9]+)$", "\\3", ""),
		def(22, 1, 0, DP_MATCH_REGEX, "^0", 0, "^0(.*", "\\1", ""),
		def(23, 1, 0, DP_MATCH_REGEX, "^0", 0, "", "\\q", ""),
		def(24, 1, 0, 2, "0*", 0, "", "x", ""),
		def(25, 1, 0, DP_MATCH_EXACT, "0", 0, "", "a\\1", ""),
		def(26, 1, 0, DP_MATCH_REGEX, "^(0)", 0, "", "\\2", ""),
		def(27, 1, 0, DP_MATCH_REGEX, "", 0, "", "x", ""),
		def(28, 1, 0, DP_MATCH_REGEX, "^0", 0, "", "x\\", ""),
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(dp_set_add(s, &bad[i]), SIP_EINVAL);
	dp_set_done(s);
	assert_int_equal(dp_set_count(s), 1);
	assert_int_equal(dp_set_bad_count(s), 9);
	for (unsigned i = 0; i < 9; i++)
		assert_int_equal(dp_set_bad_id(s, i), 20 + i);
	assert_non_null(strstr(dp_set_bad_why(s, 0), "match_exp '^(0[0-9' is not a valid"));
	assert_non_null(strstr(dp_set_bad_why(s, 1), "refers to \\3, but subst_exp"));
	assert_non_null(strstr(dp_set_bad_why(s, 1), "has 2 groups"));
	assert_non_null(strstr(dp_set_bad_why(s, 2), "subst_exp '^0(.*' is not a valid"));
	assert_non_null(strstr(dp_set_bad_why(s, 3), "unknown escape '\\q'"));
	assert_non_null(strstr(dp_set_bad_why(s, 4), "match_op 2"));
	assert_non_null(strstr(dp_set_bad_why(s, 5), "exact rule without subst_exp"));
	assert_non_null(strstr(dp_set_bad_why(s, 6), "match_exp '^(0)' has 1 group"));
	assert_non_null(strstr(dp_set_bad_why(s, 7), "match_exp is empty"));
	assert_non_null(strstr(dp_set_bad_why(s, 8), "lone backslash"));
	int64_t rule;
	assert_string_equal(tr(s, 1, "02071234567", &rule), "+442071234567");
	assert_int_equal(rule, 1);
	dp_set_free(s);

	char why[256];
	dp_rule_def ok = def(1, 1, 0, DP_MATCH_REGEX, "^0", 0, "^0(.*)$", "+44\\1", "");
	assert_null(dp_rule_check(&ok, why, sizeof why));
	assert_ptr_equal(dp_rule_check(&bad[1], why, sizeof why), why);
	assert_non_null(strstr(why, "\\3"));
}

/* ---- the table ---- */

static void row(int64_t id, int64_t dpid, int64_t pr, int op, const char *match, int flags,
		const char *subst, const char *repl, const char *attrs, int disabled)
{
	db_stmt *st;
	assert_int_equal(db_prepare(d, "INSERT INTO dialplan (id, dpid, pr, match_op, match_exp,"
				    " match_flags, subst_exp, repl_exp, attrs, disabled)"
				    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)", &st), SIP_OK);
	assert_int_equal(db_bind_int(st, 1, id), SIP_OK);
	assert_int_equal(db_bind_int(st, 2, dpid), SIP_OK);
	assert_int_equal(db_bind_int(st, 3, pr), SIP_OK);
	assert_int_equal(db_bind_int(st, 4, op), SIP_OK);
	assert_int_equal(db_bind_text(st, 5, Z(match)), SIP_OK);
	assert_int_equal(db_bind_int(st, 6, flags), SIP_OK);
	assert_int_equal(db_bind_text(st, 7, Z(subst)), SIP_OK);
	assert_int_equal(db_bind_text(st, 8, Z(repl)), SIP_OK);
	assert_int_equal(db_bind_text(st, 9, Z(attrs)), SIP_OK);
	assert_int_equal(db_bind_int(st, 10, disabled), SIP_OK);
	assert_int_equal(db_step(st), SIP_OK);
	db_finalize(st);
}

/* Every table test starts from an empty database at the current schema. */
static int setup(void **state)
{
	(void)state;
	if (db_fixture_open("test_dialplan", &d) != 0)
		return -1;
	sip_arena_init(&ar, 4096);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dp_cache_clear();
	db_fixture_close(d);
	sip_arena_destroy(&ar);
	return 0;
}

/* The table as loaded: disabled rules and rules that do not compile left
 * out; the rest translate. */
static void test_table(void **state)
{
	(void)state;
	assert_null(dp_current());
	assert_null(tr(dp_current(), 1, "0207", NULL));
	row(1, 1, 0, DP_MATCH_REGEX, "^0[1-9]", 0, "^0(.*)$", "+44\\1", "national", 0);
	row(2, 1, 0, DP_MATCH_REGEX, "^00", 0, "^00(.*)$", "+\\1", "intl", 0);
	row(3, 1, 0, DP_MATCH_REGEX, "^0(", 0, "", "x", "", 0);        /* bad */
	row(4, 1, 0, DP_MATCH_EXACT, "999", 0, "", "112", "", 1);      /* disabled */
	row(5, 1, 0, DP_MATCH_EXACT, "voicemail", DP_FLAG_ICASE, "", "*98", "vm", 0);
	assert_int_equal(dp_refresh(d), SIP_OK);
	assert_int_equal(dp_rule_count(), 3);
	assert_int_equal(dp_bad_rule_count(), 1);
	assert_int_equal(dp_set_bad_id(dp_current(), 0), 3);

	dp_result res;
	assert_int_equal(dp_set_translate(dp_current(), 1, S("02071234567"), &ar, &res), SIP_OK);
	assert_true(sip_str_eq(res.out, S("+442071234567")));
	assert_true(sip_str_eq(res.attrs, S("national")));
	assert_int_equal(res.rule_id, 1);
	assert_string_equal(tr(dp_current(), 1, "0049301234", NULL), "+49301234");
	assert_string_equal(tr(dp_current(), 1, "VoiceMail", NULL), "*98");
	assert_null(tr(dp_current(), 1, "999", NULL));
}

/* A reload sees changes; one that fails keeps the rules in use. */
static void test_reload(void **state)
{
	(void)state;
	row(1, 1, 0, DP_MATCH_REGEX, "^0", 0, "^0(.*)$", "+44\\1", "", 0);
	assert_int_equal(dp_refresh(d), SIP_OK);
	assert_string_equal(tr(dp_current(), 1, "0207", NULL), "+44207");
	row(2, 1, -1, DP_MATCH_REGEX, "^0", 0, "^0(.*)$", "+49\\1", "", 0);
	assert_int_equal(dp_refresh(d), SIP_OK);
	assert_string_equal(tr(dp_current(), 1, "0207", NULL), "+49207");
	assert_int_equal(db_exec(d, "DROP TABLE dialplan"), SIP_OK);
	assert_int_not_equal(dp_refresh(d), SIP_OK);
	assert_string_equal(tr(dp_current(), 1, "0207", NULL), "+49207");
	assert_int_equal(dp_rule_count(), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_priority, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_icase, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_backrefs, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_no_result, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_bad_rules, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
