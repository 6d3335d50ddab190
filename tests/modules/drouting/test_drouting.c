/* The gateway and rule cache of dynamic routing, loaded from a database
 * migrated to the current schema: longest-prefix rule choice, priorities,
 * groups, the strip/prefix rewrite, gateway lists, and a failed reload
 * keeping the previous tables. With DB_URL unset it runs on a temporary
 * SQLite file; test_drouting_pgsql.sh sets DB_URL to a PostgreSQL server
 * it started. */
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
#include "drouting/drouting.h"

static char path[256];
static db *d;
static sip_arena ar;

#define S(lit) SIP_STR_LIT(lit)

static void gw(int64_t id, const char *addr, int strip, const char *prefix)
{
	db_stmt *st;
	assert_int_equal(db_prepare(d, "INSERT INTO dr_gateway (id, address, strip, prefix, attrs)"
				    " VALUES ($1, $2, $3, $4, 'a=1')", &st), SIP_OK);
	assert_int_equal(db_bind_int(st, 1, id), SIP_OK);
	assert_int_equal(db_bind_text(st, 2, sip_str_make(addr, strlen(addr))), SIP_OK);
	assert_int_equal(db_bind_int(st, 3, strip), SIP_OK);
	assert_int_equal(db_bind_text(st, 4, sip_str_make(prefix, strlen(prefix))), SIP_OK);
	assert_int_equal(db_step(st), SIP_OK);
	db_finalize(st);
}

static void rule(int64_t id, int64_t group, const char *prefix, int64_t prio, const char *gws)
{
	db_stmt *st;
	assert_int_equal(db_prepare(d, "INSERT INTO dr_rule (id, groupid, prefix, priority, gwlist)"
				    " VALUES ($1, $2, $3, $4, $5)", &st), SIP_OK);
	assert_int_equal(db_bind_int(st, 1, id), SIP_OK);
	assert_int_equal(db_bind_int(st, 2, group), SIP_OK);
	assert_int_equal(db_bind_text(st, 3, sip_str_make(prefix, strlen(prefix))), SIP_OK);
	assert_int_equal(db_bind_int(st, 4, prio), SIP_OK);
	assert_int_equal(db_bind_text(st, 5, sip_str_make(gws, strlen(gws))), SIP_OK);
	assert_int_equal(db_step(st), SIP_OK);
	db_finalize(st);
}

/* Every test starts from an empty database at the current schema. */
static int setup(void **state)
{
	(void)state;
	char url[4096];
	const char *env = getenv("DB_URL");
	if (env && *env) {
		snprintf(url, sizeof url, "%s", env);
		path[0] = '\0';
	} else {
		snprintf(path, sizeof path, "/tmp/test_drouting.%ld.db", (long)getpid());
		unlink(path);
		snprintf(url, sizeof url, "sqlite:%s", path);
	}
	if (db_open(url, &d) != SIP_OK)
		return -1;
	if (db_schema_drop(d) != SIP_OK ||
	    db_schema_migrate(d) != SIP_OK)
		return -1;
	sip_arena_init(&ar, 4096);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dr_cache_clear();
	db_close(d);
	if (path[0])
		unlink(path);
	sip_arena_destroy(&ar);
	return 0;
}

static void test_gwlist_parse(void **state)
{
	(void)state;
	int64_t ids[4];
	assert_int_equal(dr_gwlist_parse(S("1"), ids, 4), 1);
	assert_int_equal(ids[0], 1);
	assert_int_equal(dr_gwlist_parse(S("3, 1 ,2"), ids, 4), 3);
	assert_int_equal(ids[0], 3);
	assert_int_equal(ids[1], 1);
	assert_int_equal(ids[2], 2);
	assert_int_equal(dr_gwlist_parse(S("1,2,3,4,5,6"), ids, 4), 4);
	assert_int_equal(ids[3], 4);
	assert_int_equal(dr_gwlist_parse(S(""), ids, 4), -1);
	assert_int_equal(dr_gwlist_parse(S("1,"), ids, 4), -1);
	assert_int_equal(dr_gwlist_parse(S(",1"), ids, 4), -1);
	assert_int_equal(dr_gwlist_parse(S("1;2"), ids, 4), -1);
	assert_int_equal(dr_gwlist_parse(S("0"), ids, 4), -1);
	assert_int_equal(dr_gwlist_parse(S("-1"), ids, 4), -1);
	assert_int_equal(dr_gwlist_parse(S("99999999999999999999"), ids, 4), -1);
}

/* Weights in a gateway list, OpenSIPS's "ID=WEIGHT", and the weights and
 * probe flags a load reads. */
static void test_weights(void **state)
{
	(void)state;
	int64_t ids[4];
	unsigned w[4];
	bool weighted = true;
	assert_int_equal(dr_gwlist_parse_w(S("1,2"), ids, w, &weighted, 4), 2);
	assert_false(weighted);
	assert_int_equal(w[0], 1);
	assert_int_equal(dr_gwlist_parse_w(S("1=70, 2=30,3"), ids, w, &weighted, 4), 3);
	assert_true(weighted);
	assert_int_equal(ids[1], 2);
	assert_int_equal(w[0], 70);
	assert_int_equal(w[1], 30);
	assert_int_equal(w[2], 1);
	assert_int_equal(dr_gwlist_parse_w(S("1=0"), ids, w, &weighted, 4), 1);
	assert_int_equal(w[0], 0);
	assert_int_equal(dr_gwlist_parse(S("1=x"), ids, 4), -1);
	assert_int_equal(dr_gwlist_parse(S("1="), ids, 4), -1);
	assert_int_equal(dr_gwlist_parse(S("1=99999999"), ids, 4), -1);
	assert_int_equal(dr_gwlist_parse(S("=5"), ids, 4), -1);
	gw(1, "sip:10.0.0.1", 0, "");
	gw(2, "sip:10.0.0.2", 0, "");
	assert_int_equal(db_exec(d, "UPDATE dr_gateway SET probe = 1 WHERE id = 2"), SIP_OK);
	rule(1, 1, "49", 0, "1=1,2=3");
	assert_int_equal(dr_refresh(d), SIP_OK);
	const dr_rule *r = dr_match(1, S("4930"));
	assert_non_null(r);
	assert_true(r->weighted);
	assert_int_equal(r->weights[0], 1);
	assert_int_equal(r->weights[1], 3);
	assert_false(dr_gw_find(1)->probe);
	assert_true(dr_gw_find(2)->probe);
}

static void test_match(void **state)
{
	(void)state;
	gw(1, "sip:127.0.0.1:5091", 2, "00");
	gw(2, "sip:127.0.0.1:5092", 0, "");
	gw(3, "sip:gw3.example.net;transport=tcp", 1, "+");
	rule(1, 1, "49", 0, "1,2");
	rule(2, 1, "4922", 0, "2");
	rule(3, 1, "", 0, "3");
	rule(4, 1, "4922", 10, "3,1");    /* same prefix, higher priority */
	rule(5, 2, "49", 0, "2");
	rule(6, 1, "33", 0, "not a list"); /* not usable: skipped */
	assert_int_equal(dr_refresh(d), SIP_OK);
	assert_int_equal(dr_gw_count(), 3);
	assert_int_equal(dr_rule_count(), 5);

	const dr_rule *r = dr_match(1, S("4930123"));
	assert_non_null(r);
	assert_int_equal(r->id, 1);
	assert_int_equal(r->n_gws, 2);
	assert_int_equal(r->gws[0], 1);
	assert_int_equal(r->gws[1], 2);
	r = dr_match(1, S("49221234"));    /* longest prefix, then priority */
	assert_non_null(r);
	assert_int_equal(r->id, 4);
	r = dr_match(1, S("3312345"));     /* the default rule; rule 6 is unusable */
	assert_non_null(r);
	assert_int_equal(r->id, 3);
	r = dr_match(1, S("492"));         /* shorter than 4922 */
	assert_int_equal(r->id, 1);
	r = dr_match(2, S("4930"));
	assert_int_equal(r->id, 5);
	assert_null(dr_match(2, S("3312345")));
	assert_null(dr_match(7, S("4930")));
	assert_null(dr_match(2, S("4")));

	const dr_gw *g = dr_gw_find(1);
	assert_non_null(g);
	assert_true(sip_str_eq(g->address, S("sip:127.0.0.1:5091")));
	assert_true(sip_str_eq(g->attrs, S("a=1")));
	assert_null(dr_gw_find(4));
	sip_str n = dr_rewrite(g, S("4930123"), &ar);
	assert_true(sip_str_eq(n, S("0030123")));
	n = dr_rewrite(g, S("4"), &ar);     /* strip more than there is */
	assert_true(sip_str_eq(n, S("00")));
	n = dr_rewrite(dr_gw_find(2), S("4930123"), &ar);
	assert_true(sip_str_eq(n, S("4930123")));
	n = dr_rewrite(dr_gw_find(3), S("04930"), &ar);
	assert_true(sip_str_eq(n, S("+4930")));
}

/* A reload sees changes; one that fails keeps the tables in use. */
static void test_reload(void **state)
{
	(void)state;
	gw(1, "sip:127.0.0.1:5091", 0, "");
	rule(1, 1, "1", 0, "1");
	assert_int_equal(dr_refresh(d), SIP_OK);
	assert_null(dr_match(1, S("200")));
	rule(2, 1, "2", 0, "1");
	assert_int_equal(dr_refresh(d), SIP_OK);
	assert_non_null(dr_match(1, S("200")));
	assert_int_equal(db_exec(d, "DROP TABLE dr_rule"), SIP_OK);
	assert_int_not_equal(dr_refresh(d), SIP_OK);
	assert_non_null(dr_match(1, S("200")));
	assert_int_equal(dr_rule_count(), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gwlist_parse),
		cmocka_unit_test_setup_teardown(test_weights, setup, teardown),
		cmocka_unit_test_setup_teardown(test_match, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
