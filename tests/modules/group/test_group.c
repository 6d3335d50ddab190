/* The membership cache of the group module, loaded from a database
 * migrated to the current schema: how subscribers are keyed (user exact,
 * domain without case), rows for every domain, group names, and a failed
 * reload keeping the memberships in use. With DB_URL unset it runs on a
 * temporary SQLite file; test_group_pgsql.sh sets DB_URL to a PostgreSQL
 * server it started. */
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
#include "group/group.h"

static db *d;

#define S(lit) SIP_STR_LIT(lit)

static void member(const char *user, const char *dom, const char *grp)
{
	db_stmt *st;
	assert_int_equal(db_prepare(d, "INSERT INTO grp (username, domain, grp) VALUES ($1, $2, $3)",
				    &st), SIP_OK);
	assert_int_equal(db_bind_text(st, 1, sip_str_make(user, strlen(user))), SIP_OK);
	assert_int_equal(db_bind_text(st, 2, sip_str_make(dom, strlen(dom))), SIP_OK);
	assert_int_equal(db_bind_text(st, 3, sip_str_make(grp, strlen(grp))), SIP_OK);
	assert_int_equal(db_step(st), SIP_OK);
	db_finalize(st);
}

/* Every test starts from an empty database at the current schema. */
static int setup(void **state)
{
	(void)state;
	return db_fixture_open("test_group", &d);
}

static int teardown(void **state)
{
	(void)state;
	group_cache_clear();
	db_fixture_close(d);
	return 0;
}

static void test_member(void **state)
{
	(void)state;
	assert_false(group_is_member(S("alice"), S("example.com"), S("pstn")));   /* nothing loaded */
	member("alice", "example.com", "pstn");
	member("alice", "Other.example.com", "intl");   /* written by hand: case kept */
	member("bob", "", "pstn");                      /* bob in every domain */
	assert_int_equal(group_refresh(d), SIP_OK);
	assert_int_equal(group_count(), 3);

	assert_true(group_is_member(S("alice"), S("example.com"), S("pstn")));
	assert_true(group_is_member(S("alice"), S("EXAMPLE.com"), S("pstn")));   /* domain: no case */
	assert_false(group_is_member(S("Alice"), S("example.com"), S("pstn")));  /* user: exact */
	assert_false(group_is_member(S("alice"), S("example.com"), S("PSTN")));  /* group: exact */
	assert_false(group_is_member(S("alice"), S("example.com"), S("intl")));
	assert_false(group_is_member(S("alice"), S("example.net"), S("pstn")));
	assert_true(group_is_member(S("alice"), S("other.example.com"), S("intl")));
	assert_true(group_is_member(S("bob"), S("example.com"), S("pstn")));
	assert_true(group_is_member(S("bob"), S("example.net"), S("pstn")));
	assert_false(group_is_member(S("bob"), S("example.net"), S("intl")));
	assert_false(group_is_member(S(""), S("example.com"), S("pstn")));
	assert_false(group_is_member(S("alice"), S("example.com"), S("")));
	/* A key that is a prefix of another is not the other. */
	assert_false(group_is_member(S("alic"), S("example.com"), S("pstn")));
	assert_false(group_is_member(S("alice"), S("example.co"), S("pstn")));
}

/* A reload sees removals and additions; one that fails keeps the
 * memberships in use. */
static void test_reload(void **state)
{
	(void)state;
	member("alice", "example.com", "pstn");
	assert_int_equal(group_refresh(d), SIP_OK);
	assert_true(group_is_member(S("alice"), S("example.com"), S("pstn")));
	assert_int_equal(db_exec(d, "DELETE FROM grp"), SIP_OK);
	member("carol", "example.com", "pstn");
	assert_int_equal(group_refresh(d), SIP_OK);
	assert_false(group_is_member(S("alice"), S("example.com"), S("pstn")));
	assert_true(group_is_member(S("carol"), S("example.com"), S("pstn")));
	assert_int_equal(db_exec(d, "DROP TABLE grp"), SIP_OK);
	assert_int_not_equal(group_refresh(d), SIP_OK);
	assert_true(group_is_member(S("carol"), S("example.com"), S("pstn")));
	assert_int_equal(group_count(), 1);
}

static void test_names(void **state)
{
	(void)state;
	assert_true(group_name_valid(S("pstn")));
	assert_true(group_name_valid(S("Intl-calls_2.x")));
	assert_false(group_name_valid(S("")));
	assert_false(group_name_valid(S("two words")));
	assert_false(group_name_valid(S("a'b")));
	char longname[GROUP_NAME_MAX + 2];
	memset(longname, 'g', sizeof longname);
	assert_true(group_name_valid(sip_str_make(longname, GROUP_NAME_MAX)));
	assert_false(group_name_valid(sip_str_make(longname, GROUP_NAME_MAX + 1)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test_setup_teardown(test_member, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
