/* The usr_preferences cache (modules/prefs/prefs_table.c): owners
 * ("user@domain", URIs, "@domain"), integer values, a user's attribute
 * falling back to its domain's, domains without case, and a failed reload
 * keeping the copy loaded before. With DB_URL unset it runs on a temporary
 * SQLite file; test_prefs_pgsql.sh sets DB_URL to a PostgreSQL server it
 * started. */
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
#include "prefs/prefs.h"

static db *d;

#define S(lit) SIP_STR_LIT(lit)

static void row(const char *user, const char *dom, const char *attr, int type, const char *value)
{
	db_stmt *st;
	assert_int_equal(db_prepare(d, "INSERT INTO usr_preferences (username, domain, attribute,"
				    " type, value) VALUES ($1, $2, $3, $4, $5)", &st), SIP_OK);
	assert_int_equal(db_bind_text(st, 1, sip_str_make(user, strlen(user))), SIP_OK);
	assert_int_equal(db_bind_text(st, 2, sip_str_make(dom, strlen(dom))), SIP_OK);
	assert_int_equal(db_bind_text(st, 3, sip_str_make(attr, strlen(attr))), SIP_OK);
	assert_int_equal(db_bind_int(st, 4, type), SIP_OK);
	assert_int_equal(db_bind_text(st, 5, sip_str_make(value, strlen(value))), SIP_OK);
	assert_int_equal(db_step(st), SIP_OK);
	db_finalize(st);
}

static int setup(void **state)
{
	(void)state;
	return db_fixture_open("test_prefs", &d);
}

static int teardown(void **state)
{
	(void)state;
	prefs_cache_clear();
	db_fixture_close(d);
	return 0;
}

static void owner_is(const char *owner, const char *user, const char *dom)
{
	sip_str u, dm;
	char buf[PREFS_DOMAIN_MAX + 1];
	assert_true(prefs_owner_parse(sip_str_make(owner, strlen(owner)), &u, buf, &dm));
	assert_int_equal(u.len, strlen(user));
	assert_memory_equal(u.s, user, u.len);
	assert_string_equal(buf, dom);
	assert_int_equal(dm.len, strlen(dom));
}

static void test_owner(void **state)
{
	(void)state;
	owner_is("alice@Example.COM", "alice", "example.com");
	owner_is("sip:alice@example.com:5070;transport=udp", "alice", "example.com");
	owner_is("sips:bob@example.com?subject=x", "bob", "example.com");
	owner_is("@example.com", "", "example.com");
	owner_is("sip:@example.com", "", "example.com");
	sip_str u, dm;
	char buf[PREFS_DOMAIN_MAX + 1];
	assert_false(prefs_owner_parse(S("alice"), &u, buf, &dm));
	assert_false(prefs_owner_parse(S("alice@"), &u, buf, &dm));
	assert_false(prefs_owner_parse(S("sip:alice@:5060"), &u, buf, &dm));
	assert_false(prefs_owner_parse(S("a@b@c"), &u, buf, &dm));
	char big[PREFS_DOMAIN_MAX + 8];
	memset(big, 'x', sizeof big);
	big[0] = '@';
	assert_false(prefs_owner_parse(sip_str_make(big, sizeof big), &u, buf, &dm));
}

static void test_value_int(void **state)
{
	(void)state;
	int64_t n;
	assert_true(prefs_value_int(S("42"), &n));
	assert_int_equal(n, 42);
	assert_true(prefs_value_int(S("-7"), &n));
	assert_int_equal(n, -7);
	assert_true(prefs_value_int(S("+3"), &n));
	assert_int_equal(n, 3);
	assert_true(prefs_value_int(S("9223372036854775807"), &n));
	assert_true(n == INT64_MAX);
	assert_true(prefs_value_int(S("-9223372036854775808"), &n));
	assert_true(n == INT64_MIN);
	assert_false(prefs_value_int(S("9223372036854775808"), &n));
	assert_false(prefs_value_int(S(""), &n));
	assert_false(prefs_value_int(S("-"), &n));
	assert_false(prefs_value_int(S("12a"), &n));
	assert_false(prefs_value_int(S(" 12"), &n));
}

static void find_is(const char *user, const char *dom, const char *attr, const char *want,
		    int want_type)
{
	sip_str v;
	int type = -1;
	assert_true(prefs_find(sip_str_make(user, strlen(user)), sip_str_make(dom, strlen(dom)),
			       sip_str_make(attr, strlen(attr)), &v, &type));
	assert_int_equal(v.len, strlen(want));
	assert_memory_equal(v.s, want, v.len);
	assert_int_equal(type, want_type);
}

static void test_find(void **state)
{
	(void)state;
	sip_str v;
	assert_false(prefs_find(S("alice"), S("example.com"), S("cfu"), &v, NULL));
	row("alice", "example.com", "cfu", PREFS_TYPE_STR, "sip:bob@example.com");
	row("", "Example.com", "cfu", PREFS_TYPE_STR, "sip:vm@example.com");
	row("", "example.com", "max_calls", PREFS_TYPE_INT, "4");
	row("carol", "example.com", "max_calls", PREFS_TYPE_INT, "9");
	row("alice", "other.org", "cfu", PREFS_TYPE_STR, "sip:elsewhere@other.org");
	assert_int_equal(prefs_refresh(d), SIP_OK);
	assert_int_equal(prefs_count(), 5);
	find_is("alice", "example.com", "cfu", "sip:bob@example.com", PREFS_TYPE_STR);
	/* bob has none: the domain's (stored with a capital, found lowercased). */
	find_is("bob", "example.com", "cfu", "sip:vm@example.com", PREFS_TYPE_STR);
	find_is("", "example.com", "cfu", "sip:vm@example.com", PREFS_TYPE_STR);
	find_is("carol", "example.com", "max_calls", "9", PREFS_TYPE_INT);
	find_is("alice", "example.com", "max_calls", "4", PREFS_TYPE_INT);
	find_is("alice", "other.org", "cfu", "sip:elsewhere@other.org", PREFS_TYPE_STR);
	/* User names and attribute names are exact. */
	find_is("Alice", "example.com", "cfu", "sip:vm@example.com", PREFS_TYPE_STR);
	assert_false(prefs_find(S("alice"), S("example.com"), S("CFU"), &v, NULL));
	assert_false(prefs_find(S("bob"), S("other.org"), S("cfu"), &v, NULL));
	assert_false(prefs_find(S("alice"), S("example.com"), S("cfb"), &v, NULL));
}

/* A reload that fails keeps the copy in use; the next good one replaces it. */
static void test_reload(void **state)
{
	(void)state;
	sip_str v;
	row("alice", "example.com", "cfu", PREFS_TYPE_STR, "sip:bob@example.com");
	assert_int_equal(prefs_refresh(d), SIP_OK);
	assert_int_equal(db_exec(d, "ALTER TABLE usr_preferences RENAME TO usr_preferences_x"),
			 SIP_OK);
	assert_int_not_equal(prefs_refresh(d), SIP_OK);
	find_is("alice", "example.com", "cfu", "sip:bob@example.com", PREFS_TYPE_STR);
	assert_int_equal(db_exec(d, "ALTER TABLE usr_preferences_x RENAME TO usr_preferences"),
			 SIP_OK);
	assert_int_equal(db_exec(d, "DELETE FROM usr_preferences"), SIP_OK);
	assert_int_equal(prefs_refresh(d), SIP_OK);
	assert_false(prefs_find(S("alice"), S("example.com"), S("cfu"), &v, NULL));
	assert_int_equal(prefs_count(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_owner),
		cmocka_unit_test(test_value_int),
		cmocka_unit_test_setup_teardown(test_find, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
