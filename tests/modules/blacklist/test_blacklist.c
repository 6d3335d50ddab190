/* The blacklist cache, loaded from a database migrated to the current
 * schema: the longest matching prefix of each list decides, whitelist rows
 * are exceptions, a subscriber's list then the global one (a subscriber's
 * exception does not lift a global block), how subscribers are keyed,
 * leading non-digits of the number, bad rows left out, and a failed reload
 * keeping the rows in use. With DB_URL unset it runs on a temporary SQLite
 * file. */
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
#include "blacklist/blacklist.h"

static db *d;

#define S(lit) SIP_STR_LIT(lit)

static void row(int64_t id, const char *user, const char *dom, const char *prefix, int allow)
{
	db_stmt *st;
	assert_int_equal(db_prepare(d, "INSERT INTO blacklist (id, username, domain, prefix,"
				    " whitelist) VALUES ($1, $2, $3, $4, $5)", &st), SIP_OK);
	assert_int_equal(db_bind_int(st, 1, id), SIP_OK);
	assert_int_equal(db_bind_text(st, 2, sip_str_make(user, strlen(user))), SIP_OK);
	assert_int_equal(db_bind_text(st, 3, sip_str_make(dom, strlen(dom))), SIP_OK);
	assert_int_equal(db_bind_text(st, 4, sip_str_make(prefix, strlen(prefix))), SIP_OK);
	assert_int_equal(db_bind_int(st, 5, allow), SIP_OK);
	assert_int_equal(db_step(st), SIP_OK);
	db_finalize(st);
}

/* 0 when user@host may call number, else the id of the row that refused. */
static int64_t refused(const char *user, const char *host, const char *number)
{
	int64_t id = -1;
	if (bl_allowed(sip_str_make(user, strlen(user)), sip_str_make(host, strlen(host)),
		       sip_str_make(number, strlen(number)), &id))
		return 0;
	return id;
}

static int setup(void **state)
{
	(void)state;
	return db_fixture_open("test_blacklist", &d);
}

static int teardown(void **state)
{
	(void)state;
	bl_cache_clear();
	db_fixture_close(d);
	return 0;
}

static void test_prefix_valid(void **state)
{
	(void)state;
	assert_true(bl_prefix_valid(S("")));
	assert_true(bl_prefix_valid(S("0900")));
	assert_false(bl_prefix_valid(S("+49")));
	assert_false(bl_prefix_valid(S("09x")));
	assert_false(bl_prefix_valid(S("*31")));
	char longp[BL_PREFIX_MAX + 1];
	memset(longp, '1', sizeof longp);
	assert_true(bl_prefix_valid(sip_str_make(longp, BL_PREFIX_MAX)));
	assert_false(bl_prefix_valid(sip_str_make(longp, BL_PREFIX_MAX + 1)));
}

/* The global list alone: OpenSIPS's example (block everything, allow what
 * begins with 1, but block 123456 and 123455787 again). */
static void test_global(void **state)
{
	(void)state;
	assert_int_equal(refused("", "", "0900"), 0);        /* nothing loaded */
	row(1, "", "", "", 0);
	row(2, "", "", "1", 1);
	row(3, "", "", "123456", 0);
	row(4, "", "", "123455787", 0);
	assert_int_equal(bl_refresh(d), SIP_OK);
	assert_int_equal(bl_count(), 4);
	assert_int_equal(refused("", "", "4930123"), 1);
	assert_int_equal(refused("", "", "1555"), 0);
	assert_int_equal(refused("", "", "1234567"), 3);
	assert_int_equal(refused("", "", "12345"), 0);
	assert_int_equal(refused("", "", "123455787000"), 4);
	assert_int_equal(refused("", "", "12345578"), 0);
	assert_int_equal(refused("", "", ""), 1);
	/* Leading characters that are not digits are skipped. */
	assert_int_equal(refused("", "", "+1555"), 0);
	assert_int_equal(refused("", "", "+49"), 1);
	/* Every subscriber is held to the global list. */
	assert_int_equal(refused("alice", "example.com", "4930"), 1);
	assert_int_equal(refused("alice", "example.com", "1555"), 0);
}

/* A subscriber's list, then the global one. */
static void test_user(void **state)
{
	(void)state;
	row(1, "alice", "example.com", "00", 0);       /* no international calls */
	row(2, "alice", "example.com", "0049", 1);     /* but Germany */
	row(3, "alice", "example.com", "004930", 0);   /* except Berlin */
	row(4, "bob", "", "0033", 0);                  /* bob, in every domain */
	row(5, "bob", "example.com", "0033", 1);       /* his own domain first */
	row(6, "", "", "0900", 0);                     /* global: premium numbers */
	row(7, "alice", "example.com", "09001", 1);    /* does not lift the global block */
	assert_int_equal(bl_refresh(d), SIP_OK);

	assert_int_equal(refused("alice", "example.com", "0033123"), 1);
	assert_int_equal(refused("alice", "example.com", "0049891"), 0);
	assert_int_equal(refused("alice", "example.com", "0049301"), 3);
	assert_int_equal(refused("alice", "example.com", "030123"), 0);
	assert_int_equal(refused("alice", "EXAMPLE.COM", "0033123"), 1);   /* domain: no case */
	assert_int_equal(refused("Alice", "example.com", "0033123"), 0);   /* user: exact */
	assert_int_equal(refused("alice", "example.net", "0033123"), 0);
	assert_int_equal(refused("alice", "example.com", "09001234"), 6);
	assert_int_equal(refused("carol", "example.com", "09001234"), 6);
	assert_int_equal(refused("carol", "example.com", "0033"), 0);
	assert_int_equal(refused("bob", "example.net", "00331"), 4);
	assert_int_equal(refused("bob", "example.com", "00331"), 0);
	assert_int_equal(refused("bob", "example.com", "0900"), 6);
	/* The global list only. */
	assert_int_equal(refused("", "", "0033123"), 0);
	assert_int_equal(refused("", "", "0900"), 6);
}

static void test_bad_rows(void **state)
{
	(void)state;
	row(1, "", "", "09x", 0);
	row(2, "", "example.com", "0900", 0);
	row(3, "", "", "0901", 0);
	assert_int_equal(bl_refresh(d), SIP_OK);
	assert_int_equal(bl_count(), 1);
	assert_int_equal(bl_skipped(), 2);
	assert_int_equal(refused("", "", "0901"), 3);
	assert_int_equal(refused("", "", "0900"), 0);
	assert_int_equal(refused("", "", "09x"), 0);
}

static void test_reload(void **state)
{
	(void)state;
	row(1, "", "", "0900", 0);
	assert_int_equal(bl_refresh(d), SIP_OK);
	assert_int_equal(refused("", "", "09001"), 1);
	row(2, "", "", "09001", 1);
	assert_int_equal(bl_refresh(d), SIP_OK);
	assert_int_equal(refused("", "", "09001"), 0);
	assert_int_equal(refused("", "", "09002"), 1);
	assert_int_equal(db_exec(d, "DROP TABLE blacklist"), SIP_OK);
	assert_int_not_equal(bl_refresh(d), SIP_OK);
	assert_int_equal(refused("", "", "09002"), 1);
	assert_int_equal(refused("", "", "09001"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_valid),
		cmocka_unit_test_setup_teardown(test_global, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
