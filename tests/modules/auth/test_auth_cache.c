/* The credential cache (modules/auth/auth_cache.c): lookups by user and
 * realm, expiry, replacement of a key, and the bound on its size with the
 * oldest entries going first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "auth/auth_cache.h"

#define KEEP 30000

struct row {
	struct auth_cache_ent ce;
	int id;
	char user[32], realm[32];
};

static int freed;
static int last_freed;

static void row_free(struct auth_cache_ent *e)
{
	struct row *r = SIP_HTABLE_ENTRY(e, struct row, ce);
	freed++;
	last_freed = r->id;
	free(r);
}

static void put(int id, const char *user, const char *realm, uint64_t now)
{
	struct row *r = calloc(1, sizeof *r);
	assert_non_null(r);
	r->id = id;
	snprintf(r->user, sizeof r->user, "%s", user);
	snprintf(r->realm, sizeof r->realm, "%s", realm);
	auth_cache_insert(&r->ce, sip_str_make(r->user, strlen(r->user)),
			  sip_str_make(r->realm, strlen(r->realm)), now);
}

/* The id of the entry of user@realm at now, 0 when none. */
static int get(const char *user, const char *realm, uint64_t now)
{
	struct auth_cache_ent *e = auth_cache_lookup(sip_str_make(user, strlen(user)),
						     sip_str_make(realm, strlen(realm)), now);
	return e ? SIP_HTABLE_ENTRY(e, struct row, ce)->id : 0;
}

static int setup(void **state)
{
	(void)state;
	freed = 0;
	auth_cache_init(row_free, KEEP, AUTH_CACHE_MAX);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	auth_cache_clear();
	return 0;
}

static void test_put_get_expire(void **state)
{
	(void)state;
	assert_int_equal(get("alice", "example.com", 0), 0);
	put(1, "alice", "example.com", 1000);
	put(2, "bob", "example.com", 1000);
	assert_int_equal(get("alice", "example.com", 1000), 1);
	assert_int_equal(get("bob", "example.com", 1000 + KEEP - 1), 2);
	assert_int_equal(get("alice", "example.org", 1000), 0);
	/* The key's parts stay apart: ("ab", "c") is not ("a", "bc"). */
	put(3, "ab", "c", 1000);
	assert_int_equal(get("a", "bc", 1000), 0);
	assert_int_equal(get("ab", "c", 1000), 3);
	/* Expired: not found, and freed. */
	assert_int_equal(get("alice", "example.com", 1000 + KEEP), 0);
	assert_int_equal(freed, 1);
	assert_int_equal(last_freed, 1);
	assert_int_equal(auth_cache_count(), 2);
	auth_cache_clear();
	assert_int_equal(freed, 3);
	assert_int_equal(auth_cache_count(), 0);
}

/* A new row for a key replaces the old one, which is freed at once. */
static void test_replace(void **state)
{
	(void)state;
	put(1, "alice", "example.com", 1000);
	put(2, "alice", "example.com", 2000);
	assert_int_equal(freed, 1);
	assert_int_equal(last_freed, 1);
	assert_int_equal(get("alice", "example.com", 2000), 2);
	/* It lives from its own insertion. */
	assert_int_equal(get("alice", "example.com", 1000 + KEEP), 2);
	assert_int_equal(auth_cache_count(), 1);
}

/* Full: each new key pushes out the oldest, never a more recent one (a
 * collision in the hash does not cost an entry). Expired entries go
 * first, whatever the size. */
static void test_bounded_oldest_first(void **state)
{
	(void)state;
	char user[32];
	for (int i = 1; i <= AUTH_CACHE_MAX + 100; i++) {
		snprintf(user, sizeof user, "u%d", i);
		put(i, user, "example.com", 1000 + (uint64_t)i);
	}
	assert_int_equal(auth_cache_count(), AUTH_CACHE_MAX);
	assert_int_equal(freed, 100);
	assert_int_equal(last_freed, 100);
	for (int i = 1; i <= AUTH_CACHE_MAX + 100; i++) {
		snprintf(user, sizeof user, "u%d", i);
		assert_int_equal(get(user, "example.com", 2000), i <= 100 ? 0 : i);
	}
	/* Long after: the next put drops every expired entry. */
	put(1, "late", "example.com", 10 * KEEP);
	assert_int_equal(auth_cache_count(), 1);
	assert_int_equal(freed, AUTH_CACHE_MAX + 100);
	assert_int_equal(get("late", "example.com", 10 * KEEP), 1);
}

/* A smaller bound (auth.cache_entries): the fourth name pushes out the
 * first. */
static void test_bound_set(void **state)
{
	(void)state;
	auth_cache_init(row_free, KEEP, 3);
	put(1, "a", "example.com", 1000);
	put(2, "b", "example.com", 1001);
	put(3, "c", "example.com", 1002);
	assert_int_equal(auth_cache_count(), 3);
	put(4, "d", "example.com", 1003);
	assert_int_equal(auth_cache_count(), 3);
	assert_int_equal(get("a", "example.com", 1004), 0);
	assert_int_equal(get("b", "example.com", 1004), 2);
	assert_int_equal(get("d", "example.com", 1004), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_put_get_expire, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounded_oldest_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bound_set, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
