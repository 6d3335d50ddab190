/* The domain module's cache of the domain and alias tables, loaded from a
 * database (a temporary SQLite file): served domains are matched without
 * case, aliases exactly, with enough rows that the tables' chains hold
 * several entries, and a reload replaces what was there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "core/status.h"
#include "domain/domain.h"

#define S(lit) SIP_STR_LIT(lit)

static char path[256];
static db *d;
static sip_arena ar;

static void bind(db_stmt *st, int idx, const char *v)
{
	assert_int_equal(db_bind_text(st, idx, sip_str_make(v, strlen(v))), SIP_OK);
}

static void add_domain(const char *name)
{
	db_stmt *st;
	assert_int_equal(db_prepare(d, "INSERT INTO domain (domain) VALUES ($1)", &st), SIP_OK);
	bind(st, 1, name);
	assert_int_equal(db_step(st), SIP_OK);
	db_finalize(st);
}

static void add_alias(const char *au, const char *ad, const char *u, const char *dom)
{
	db_stmt *st;
	assert_int_equal(db_prepare(d, "INSERT INTO alias (alias_username, alias_domain, username,"
				    " domain) VALUES ($1, $2, $3, $4)", &st), SIP_OK);
	bind(st, 1, au);
	bind(st, 2, ad);
	bind(st, 3, u);
	bind(st, 4, dom);
	assert_int_equal(db_step(st), SIP_OK);
	db_finalize(st);
}

static int setup(void **state)
{
	(void)state;
	char url[512];
	snprintf(path, sizeof path, "/tmp/test_domain.%ld.db", (long)getpid());
	unlink(path);
	snprintf(url, sizeof url, "sqlite:%s", path);
	if (db_open(url, &d) != SIP_OK || db_schema_migrate(d) != SIP_OK)
		return -1;
	sip_arena_init(&ar, 4096);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	domain_cache_clear();
	db_close(d);
	unlink(path);
	sip_arena_destroy(&ar);
	return 0;
}

static bool resolves(const char *aor, const char *want)
{
	sip_str out;
	if (!domain_alias_resolve(sip_str_make(aor, strlen(aor)), &ar, &out))
		return want == NULL;
	return want && sip_str_eq(out, sip_str_make(want, strlen(want)));
}

static void test_domains_and_aliases(void **state)
{
	(void)state;
	char a[64], b[64];
	/* Nothing loaded yet. */
	assert_false(domain_cached_local(S("voip.example.com")));
	add_domain("voip.example.com");
	add_domain("Other.Example.NET");
	for (int i = 0; i < 300; i++) {         /* more rows than the 64 first buckets */
		snprintf(a, sizeof a, "d%d.example.org", i);
		add_domain(a);
	}
	add_alias("4921100", "voip.example.com", "bob", "Voip.Example.com");
	for (int i = 0; i < 500; i++) {
		snprintf(a, sizeof a, "%d", 1000 + i);
		snprintf(b, sizeof b, "user%d", i);
		add_alias(a, "voip.example.com", b, "voip.example.com");
	}
	assert_int_equal(domain_refresh(d), SIP_OK);

	assert_true(domain_cached_local(S("voip.example.com")));
	assert_true(domain_cached_local(S("VOIP.example.COM")));
	assert_true(domain_cached_local(S("other.example.net")));
	assert_true(domain_cached_local(S("D299.EXAMPLE.ORG")));
	assert_false(domain_cached_local(S("d300.example.org")));
	assert_false(domain_cached_local(S("voip.example.co")));
	assert_false(domain_cached_local(S("")));

	/* The target's host is lowercased, the alias's user part is exact. */
	assert_true(resolves("4921100@voip.example.com", "bob@voip.example.com"));
	assert_true(resolves("1000@voip.example.com", "user0@voip.example.com"));
	assert_true(resolves("1499@voip.example.com", "user499@voip.example.com"));
	assert_true(resolves("1500@voip.example.com", NULL));
	assert_true(resolves("4921100@other.example.net", NULL));

	/* A reload replaces both tables. */
	assert_int_equal(db_exec(d, "DELETE FROM domain WHERE domain = 'voip.example.com'"), SIP_OK);
	assert_int_equal(db_exec(d, "DELETE FROM alias WHERE alias_username = '1000'"), SIP_OK);
	add_domain("new.example.com");
	assert_int_equal(domain_refresh(d), SIP_OK);
	assert_false(domain_cached_local(S("voip.example.com")));
	assert_true(domain_cached_local(S("NEW.example.com")));
	assert_true(domain_cached_local(S("d0.example.org")));
	assert_true(resolves("1000@voip.example.com", NULL));
	assert_true(resolves("1001@voip.example.com", "user1@voip.example.com"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_domains_and_aliases, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
