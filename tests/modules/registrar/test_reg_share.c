/* The location shared by proxies (modules/registrar/reg_store.c with
 * reg_set_share, runtime/db/db_listen.c):
 *
 * - a binding's value in a Redis hash (reg_redis_encode/decode): every
 *   field back, separators inside fields, malformed values refused;
 * - with DB_URL (test_reg_share_redis.sh and test_reg_share_pgsql.sh
 *   start a real redis-server or PostgreSQL): bindings written by "proxy
 *   a" read back by "proxy b" with their node, removed, and the
 *   announcements of the writes received by a listener (db_listen),
 *   which reports its connection, is not stopped by the server going
 *   away and reports the new connection when it is back
 *   (DB_TEST_STOP/DB_TEST_START).
 *
 * Without DB_URL only the first part runs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <poll.h>
#include <cmocka.h>

#include "registrar/reg_int.h"
#include "db/db_listen.h"

static sip_str S(const char *s)
{
	return sip_str_make(s, strlen(s));
}

static reg_contact *binding(const char *uri, const char *node, int64_t expires)
{
	sip_str f[REG_NFIELDS] = {
		[REG_CONTACT] = S(uri), [REG_CALLID] = S("c:1,2@host"),
		[REG_PATH] = S("<sip:p1;lr>,<sip:p2;lr>"), [REG_RECEIVED] = S("sip:192.0.2.1:5060;nat=yes"),
		[REG_UA] = S("phone 1:2, 3"), [REG_PARAMS] = S("+sip.instance=\"<urn:uuid:1>\";reg-id=1"),
		[REG_NODE] = S(node),
	};
	reg_contact *c = reg_contact_new(f);
	assert_non_null(c);
	c->expires = expires;
	c->q = 500;
	c->cseq = 4000000000u;
	c->flags = 0x80000001u;
	return c;
}

static void test_encode_decode(void **state)
{
	(void)state;
	reg_contact *c = binding("sip:bob@192.0.2.1:5060", "sip1:5060", 1796637600);
	size_t n = reg_redis_encode(c, NULL, 0);
	char *buf = malloc(n);
	assert_int_equal(reg_redis_encode(c, buf, n), n);
	/* Too small a buffer: the length needed, as before. */
	char small[8];
	assert_int_equal(reg_redis_encode(c, small, sizeof small), n);

	struct reg_row r;
	memset(&r, 0, sizeof r);
	assert_true(reg_redis_decode(sip_str_make(buf, n), &r));
	assert_int_equal(r.expires, 1796637600);
	assert_int_equal(r.q, 500);
	assert_int_equal(r.cseq, 4000000000u);
	assert_int_equal((uint32_t)r.flags, 0x80000001u);
	for (int f = REG_CALLID; f < REG_NFIELDS; f++)
		assert_true(sip_str_eq(r.f[f], reg_field(c, f)));

	/* q -1 (none) and empty fields. */
	sip_str none[REG_NFIELDS] = { [REG_CONTACT] = S("sip:x@y") };
	reg_contact *e = reg_contact_new(none);
	e->q = -1;
	e->expires = 5;
	char b2[256];
	size_t n2 = reg_redis_encode(e, b2, sizeof b2);
	assert_true(n2 < sizeof b2);
	assert_true(reg_redis_decode(sip_str_make(b2, n2), &r));
	assert_int_equal(r.q, -1);
	assert_int_equal(r.f[REG_NODE].len, 0);

	/* Malformed: cut short, a length past the end, trailing bytes, no
	 * digits, a non-number. */
	assert_false(reg_redis_decode(sip_str_make(buf, n - 1), &r));
	assert_false(reg_redis_decode(S("99:1,"), &r));
	char *longer = malloc(n + 1);
	memcpy(longer, buf, n);
	longer[n] = 'x';
	assert_false(reg_redis_decode(sip_str_make(longer, n + 1), &r));
	assert_false(reg_redis_decode(S(":1,"), &r));
	assert_false(reg_redis_decode(S("1:x,1:0,1:0,1:0,0:,0:,0:,0:,0:,0:,"), &r));
	assert_true(reg_redis_decode(S("1:7,1:0,1:0,1:0,0:,0:,0:,0:,0:,0:,"), &r));
	free(longer);
	free(buf);
	sip_mem_free(c);
	sip_mem_free(e);
}

/* ---- against a server ---- */

static const char *db_url;

static bool is_redis(void)
{
	return strncmp(db_url, "redis:", 6) == 0;
}

static db *open_store(void)
{
	db *d = NULL;
	int rc = db_open(db_url, &d);
	if (rc != SIP_OK)
		fail_msg("db_open(%s): %s", db_url, sip_strerror(rc));
	if (is_redis())
		assert_int_equal(db_exec(d, "FLUSHDB"), SIP_OK);
	else {
		assert_int_equal(db_schema_migrate(d), SIP_OK);
		assert_int_equal(db_exec(d, "DELETE FROM location"), SIP_OK);
	}
	return d;
}

static void share(const char *node)
{
	reg_set_share(is_redis() ? REG_SHARE_REDIS : REG_SHARE_SQL, !is_redis(), node);
}

/* Received announcements. */
static struct {
	unsigned resets, n;
	char last[256];
} heard;

static void on_notify(const char *payload, size_t len, void *arg)
{
	(void)arg;
	if (!payload) {
		heard.resets++;
		return;
	}
	heard.n++;
	snprintf(heard.last, sizeof heard.last, "%.*s", (int)len, payload);
}

/* Drain l until cond holds, for at most ms. */
static bool wait_for(db_listener *l, bool (*cond)(void), int ms)
{
	for (int waited = 0; waited < ms && !cond(); waited += 50) {
		struct pollfd p = { db_listen_fd(l), POLLIN, 0 };
		if (poll(&p, 1, 50) > 0)
			db_listen_drain(l);
	}
	return cond();
}

static unsigned want_resets;
static bool got_resets(void)
{
	return heard.resets >= want_resets;
}

static unsigned want_n;
static bool got_n(void)
{
	return heard.n >= want_n;
}

/* The written rows of bob@x as "proxy b" reads them. */
static unsigned count_bob(db *d, const char *want_node)
{
	reg_tables_destroy();
	share("b");
	long n = reg_load(d, (int64_t)time(NULL));
	assert_true(n >= 0);
	reg_table *t = reg_table_get(S("location"), false);
	sip_arena ar;
	sip_arena_init(&ar, 4096);
	unsigned k = 0;
	for (const reg_contact *c = reg_lookup(t, S("bob@x"), (int64_t)time(NULL), &ar); c; c = c->next) {
		k++;
		if (want_node)
			assert_true(sip_str_eq(reg_field(c, REG_NODE), S(want_node)));
		/* Made through a: not this proxy's to ping or announce. */
		assert_false(reg_contact_mine(c));
		assert_true(sip_str_eq(reg_field(c, REG_UA), S("phone 1:2, 3")));
	}
	sip_arena_destroy(&ar);
	return k;
}

static void test_store(void **state)
{
	(void)state;
	if (!db_url)
		skip();
	db_listener *l = NULL;
	const char *ch = is_redis() ? REG_SHARE_CHANNEL_REDIS : REG_SHARE_CHANNEL_SQL;
	assert_int_equal(db_listen_start(db_url, ch, on_notify, NULL, &l), SIP_OK);
	want_resets = 1;
	assert_true(wait_for(l, got_resets, 10000));
	assert_true(db_listen_up(l));

	db *d = open_store();
	share("a");
	reg_set_db(d);
	int64_t now = (int64_t)time(NULL);
	reg_contact *c1 = binding("sip:bob@192.0.2.1:5060", "a", now + 300);
	reg_contact *c2 = binding("sip:bob@192.0.2.2:5060", "a", now + 600);
	reg_contact *old = binding("sip:bob@192.0.2.3:5060", "a", now - 1);
	const reg_contact *v[3] = { c1, c2, old };
	assert_int_equal(reg_store_write(S("bob@x"), v, 3), SIP_OK);
	want_n = 1;
	assert_true(wait_for(l, got_n, 10000));
	assert_string_equal(heard.last, "bob@x");
	reg_set_db(NULL);
	assert_int_equal(count_bob(d, "a"), 2);

	/* One binding left, then none: the store follows, each write
	 * announced. */
	share("a");
	reg_set_db(d);
	assert_int_equal(reg_store_write(S("bob@x"), v, 1), SIP_OK);
	assert_int_equal(reg_store_write(S("bob@x"), v, 0), SIP_OK);
	want_n = 3;
	assert_true(wait_for(l, got_n, 10000));
	reg_set_db(NULL);
	assert_int_equal(count_bob(d, NULL), 0);
	if (is_redis()) {
		int64_t k = -1;
		assert_int_equal(db_query_int(d, "EXISTS sipcc:loc:bob@x", &k), SIP_OK);
		assert_int_equal(k, 0);
		assert_int_equal(db_query_int(d, "ZCARD " REG_REDIS_INDEX, &k), SIP_OK);
		assert_int_equal(k, 0);
	}

	/* The server goes away and comes back: the listener is still there,
	 * and says it connected again (what was announced meanwhile is
	 * lost: the caller reads everything again). */
	const char *stop = getenv("DB_TEST_STOP"), *start = getenv("DB_TEST_START");
	if (stop && start) {
		unsigned long before = db_listen_connects(l);
		assert_int_equal(system(stop), 0);
		assert_int_equal(system(start), 0);
		want_resets = 2;
		assert_true(wait_for(l, got_resets, 20000));
		assert_true(db_listen_connects(l) > before);
		db_close(d);
		d = open_store();
		share("a");
		reg_set_db(d);
		assert_int_equal(reg_store_write(S("bob@x"), v, 2), SIP_OK);
		want_n = 4;
		assert_true(wait_for(l, got_n, 10000));
		reg_set_db(NULL);
		assert_int_equal(count_bob(d, "a"), 2);
	}
	db_listen_stop(l);
	reg_tables_destroy();
	reg_set_share(REG_SHARE_NONE, false, NULL);
	db_close(d);
	sip_mem_free(c1);
	sip_mem_free(c2);
	sip_mem_free(old);
}

static void test_listen_args(void **state)
{
	(void)state;
	db_listener *l = (db_listener *)1;
	assert_int_equal(db_listen_start("sqlite:x.db", "c", on_notify, NULL, &l), SIP_EINVAL);
	assert_null(l);
	assert_int_equal(db_listen_start("redis://:pw@", "c", on_notify, NULL, &l), SIP_EINVAL);
	assert_int_equal(db_listen_start("redis://h:0/", "c", on_notify, NULL, &l), SIP_EINVAL);
	assert_int_equal(db_listen_start("redis://127.0.0.1:1/0", "", on_notify, NULL, &l), SIP_EINVAL);
	assert_false(db_listen_supported("mysql://u@h/db"));
	assert_true(db_listen_supported("postgresql://u@h/db"));
	/* Nobody listens on port 1: the listener runs, retries, stops. */
	assert_int_equal(db_listen_start("redis://:p%40w@127.0.0.1:1/0", "c", on_notify, NULL, &l), SIP_OK);
	assert_false(db_listen_up(l));
	db_listen_stop(l);
}

int main(void)
{
	db_url = getenv("DB_URL");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_decode),
		cmocka_unit_test(test_listen_args),
		cmocka_unit_test(test_store),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
