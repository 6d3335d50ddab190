/* The registrar's REGISTER processing (RFC 3261 §10.3): expiry limits,
 * q ordering, "*", Call-ID/CSeq ordering, Path, expiry, RFC 5626
 * instance/reg-id matching, and the write-through that lets bindings
 * survive a restart, on the caller's thread and through a database
 * worker, which must leave the same rows. On a temporary SQLite file, or
 * on the server DB_URL names (test_registrar_pgsql.sh and
 * test_registrar_mysql.sh start one). */
#include <pthread.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "core/status.h"
#include "core/timer.h"
#include "registrar/registrar.h"
#include "test/tmpdb.h"

#define NOW 1700000000
#define AOR SIP_STR_LIT("alice@example.com")

static sip_arena ar;
static sip_arena lar;           /* what reg_lookup copies */
static char buf[4096];

/* REGISTER for alice (or reg_user) with the given Call-ID, CSeq and
 * extra header lines. */
static uint32_t reg_flags;      /* the branch flags do_register saves with */
static const char *reg_user = "alice";

static void do_register(reg_table *t, const char *callid, unsigned cseq, const char *hdrs,
			int64_t now, struct reg_result *r)
{
	sip_msg m;
	int n = snprintf(buf, sizeof buf,
			 "REGISTER sip:example.com SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-%u\r\n"
			 "From: <sip:%s@example.com>;tag=1\r\n"
			 "To: <sip:%s@Example.COM>\r\n"
			 "Call-ID: %s\r\n"
			 "CSeq: %u REGISTER\r\n"
			 "%s"
			 "Content-Length: 0\r\n\r\n", cseq, reg_user, reg_user, callid, cseq, hdrs);
	sip_arena_reset(&ar);
	assert_int_equal(sip_msg_parse(&ar, buf, (size_t)n, &m), SIP_OK);
	reg_save(t, &m, SIP_STR_LIT("sip:192.0.2.1:5060"), reg_flags, now, &ar, r);
}

static unsigned count(reg_table *t, int64_t now)
{
	unsigned n = 0;
	for (const reg_contact *c = reg_lookup(t, AOR, now, &lar); c; c = c->next)
		n += c->expires > now;
	return n;
}

static bool has(const struct reg_result *r, const char *s)
{
	return r->hdrs.len && memmem(r->hdrs.s, r->hdrs.len, s, strlen(s)) != NULL;
}

static int setup(void **state)
{
	(void)state;
	sip_arena_init(&ar, 8192);
	sip_arena_init(&lar, 8192);
	reg_conf = (struct reg_conf){ 60, 3600, 7200, 0 };
	reg_set_db(NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	reg_tables_destroy();
	sip_arena_destroy(&ar);
	sip_arena_destroy(&lar);
	return 0;
}

static void test_expires_rules(void **state)
{
	(void)state;
	reg_table *t = reg_table_get(SIP_STR_LIT("t"), true);
	struct reg_result r;
	/* Too brief: 423 with Min-Expires, nothing stored. */
	do_register(t, "c1", 1, "Contact: <sip:a@192.0.2.1>;expires=10\r\n", NOW, &r);
	assert_int_equal(r.code, 423);
	assert_true(has(&r, "Min-Expires: 60\r\n"));
	assert_int_equal(count(t, NOW), 0);
	/* The header applies to contacts without a parameter; above max it
	 * is capped; without either the default applies. */
	do_register(t, "c1", 2, "Expires: 100000\r\nContact: <sip:a@192.0.2.1>\r\n", NOW, &r);
	assert_int_equal(r.code, 200);
	assert_true(has(&r, "Contact: <sip:a@192.0.2.1>;expires=7200\r\n"));
	do_register(t, "c1", 3, "Expires: 600\r\nContact: <sip:b@192.0.2.1>;expires=120\r\n", NOW, &r);
	assert_true(has(&r, "<sip:b@192.0.2.1>;expires=120\r\n"));
	do_register(t, "c1", 4, "Contact: <sip:c@192.0.2.1>\r\n", NOW, &r);
	assert_true(has(&r, "<sip:c@192.0.2.1>;expires=3600\r\n"));
	/* The 200 lists every binding. */
	assert_true(has(&r, "<sip:a@192.0.2.1>;expires=7200") && has(&r, "<sip:b@192.0.2.1>;expires=120"));
	assert_int_equal(count(t, NOW), 3);
	/* Malformed expiry: 400. */
	do_register(t, "c1", 5, "Contact: <sip:d@192.0.2.1>;expires=soon\r\n", NOW, &r);
	assert_int_equal(r.code, 400);
	/* Expiry: b goes after 120 s. */
	assert_int_equal(count(t, NOW + 121), 2);
	assert_int_equal(reg_sweep(t, NOW + 121), 1);
	assert_int_equal(reg_table_count(t), 2);
}

/* What lookup() answers when it finds nothing to use: an address nobody
 * registered, bindings whose methods parameter leaves the method out
 * (ACK and CANCEL always go; a binding without the parameter takes
 * anything), and bindings that expired but are not swept yet. */
static void test_lookup_status(void **state)
{
	(void)state;
	reg_table *t = reg_table_get(SIP_STR_LIT("t"), true);
	struct reg_result r;
	assert_int_equal(reg_lookup_status(t, AOR, NOW, SIP_STR_LIT("INVITE")), REG_NOT_FOUND);
	assert_int_equal(reg_lookup_status(NULL, AOR, NOW, SIP_STR_LIT("INVITE")), REG_NOT_FOUND);
	do_register(t, "c1", 1, "Contact: <sip:a@192.0.2.1>;methods=\"INVITE, BYE\";expires=100\r\n"
		    "Contact: <sip:b@192.0.2.1>;methods=\"invite,ACK\";expires=200\r\n", NOW, &r);
	assert_int_equal(r.code, 200);
	assert_int_equal(reg_lookup_status(t, AOR, NOW, SIP_STR_LIT("INVITE")), REG_FOUND);
	assert_int_equal(reg_lookup_status(t, AOR, NOW, SIP_STR_LIT("BYE")), REG_FOUND);
	assert_int_equal(reg_lookup_status(t, AOR, NOW, SIP_STR_LIT("MESSAGE")), REG_NO_METHOD);
	assert_int_equal(reg_lookup_status(t, AOR, NOW, SIP_STR_LIT("CANCEL")), REG_FOUND);
	/* a expired: BYE was only a's. */
	assert_int_equal(reg_lookup_status(t, AOR, NOW + 150, SIP_STR_LIT("BYE")), REG_NO_METHOD);
	assert_int_equal(reg_lookup_status(t, AOR, NOW + 150, SIP_STR_LIT("INVITE")), REG_FOUND);
	/* Both expired, not swept: expired; swept: not found. */
	assert_int_equal(reg_lookup_status(t, AOR, NOW + 200, SIP_STR_LIT("INVITE")), REG_ALL_EXPIRED);
	assert_int_equal(reg_lookup_status(t, AOR, NOW + 200, SIP_STR_LIT("MESSAGE")), REG_ALL_EXPIRED);
	reg_sweep(t, NOW + 200);
	assert_int_equal(reg_lookup_status(t, AOR, NOW + 200, SIP_STR_LIT("INVITE")), REG_NOT_FOUND);
	/* Without the parameter: every method. */
	do_register(t, "c1", 2, "Contact: <sip:c@192.0.2.1>;expires=100\r\n", NOW + 200, &r);
	assert_int_equal(reg_lookup_status(t, AOR, NOW + 200, SIP_STR_LIT("MESSAGE")), REG_FOUND);
}

static void test_q_order_and_star(void **state)
{
	(void)state;
	reg_table *t = reg_table_get(SIP_STR_LIT("t"), true);
	struct reg_result r;
	do_register(t, "c2", 1, "Contact: <sip:low@192.0.2.1>;q=0.1, <sip:high@192.0.2.2>;q=0.9\r\n"
		    "Contact: <sip:mid@192.0.2.3>;q=0.5\r\n", NOW, &r);
	assert_int_equal(r.code, 200);
	const reg_contact *c = reg_lookup(t, AOR, NOW, &lar);
	assert_non_null(c);
	assert_true(sip_str_eq(reg_field(c, REG_CONTACT), SIP_STR_LIT("sip:high@192.0.2.2")));
	assert_int_equal(c->q, 900);
	assert_true(sip_str_eq(reg_field(c->next, REG_CONTACT), SIP_STR_LIT("sip:mid@192.0.2.3")));
	assert_true(has(&r, ";q=0.9\r\n"));
	/* Bad q: 400. */
	do_register(t, "c2", 2, "Contact: <sip:x@192.0.2.1>;q=2\r\n", NOW, &r);
	assert_int_equal(r.code, 400);
	/* "*" needs Expires: 0 and no other contact. */
	do_register(t, "c2", 3, "Contact: *\r\n", NOW, &r);
	assert_int_equal(r.code, 400);
	do_register(t, "c2", 4, "Expires: 0\r\nContact: *, <sip:x@192.0.2.1>\r\n", NOW, &r);
	assert_int_equal(r.code, 400);
	assert_int_equal(count(t, NOW), 3);
	do_register(t, "c2", 5, "Expires: 0\r\nContact: *\r\n", NOW, &r);
	assert_int_equal(r.code, 200);
	assert_int_equal(count(t, NOW), 0);
	assert_null(reg_lookup(t, AOR, NOW, &lar));
}

static void test_callid_cseq_ordering(void **state)
{
	(void)state;
	reg_table *t = reg_table_get(SIP_STR_LIT("t"), true);
	struct reg_result r;
	do_register(t, "same", 10, "Contact: <sip:a@192.0.2.1>\r\n", NOW, &r);
	assert_int_equal(r.code, 200);
	/* Same Call-ID, same or lower CSeq: the request fails, nothing
	 * changes, not even a new contact in the same request. */
	do_register(t, "same", 10, "Contact: <sip:a@192.0.2.1>;expires=0, <sip:n@192.0.2.9>\r\n", NOW, &r);
	assert_int_equal(r.code, 500);
	do_register(t, "same", 9, "Contact: <sip:a@192.0.2.1>;expires=0\r\n", NOW, &r);
	assert_int_equal(r.code, 500);
	assert_int_equal(count(t, NOW), 1);
	do_register(t, "same", 9, "Expires: 0\r\nContact: *\r\n", NOW, &r);
	assert_int_equal(r.code, 500);
	assert_int_equal(count(t, NOW), 1);
	/* A higher CSeq, or another Call-ID with any CSeq, updates. */
	do_register(t, "other", 1, "Contact: <sip:a@192.0.2.1>;expires=300\r\n", NOW, &r);
	assert_int_equal(r.code, 200);
	assert_true(has(&r, "expires=300"));
	do_register(t, "other", 2, "Contact: <sip:a@192.0.2.1>;expires=0\r\n", NOW, &r);
	assert_int_equal(r.code, 200);
	assert_int_equal(count(t, NOW), 0);
}

static void test_path_and_query(void **state)
{
	(void)state;
	reg_table *t = reg_table_get(SIP_STR_LIT("t"), true);
	struct reg_result r;
	do_register(t, "p", 1, "Path: <sip:edge1.example.net;lr>\r\nPath: <sip:edge2.example.net;lr>\r\n"
		    "Contact: <sip:a@10.0.0.1:5062>\r\n", NOW, &r);
	assert_int_equal(r.code, 200);
	assert_true(has(&r, "Path: <sip:edge1.example.net;lr>, <sip:edge2.example.net;lr>\r\n"));
	const reg_contact *c = reg_lookup(t, AOR, NOW, &lar);
	assert_non_null(c);
	assert_true(sip_str_eq(reg_field(c, REG_PATH),
			       SIP_STR_LIT("<sip:edge1.example.net;lr>, <sip:edge2.example.net;lr>")));
	assert_true(sip_str_eq(reg_field(c, REG_RECEIVED), SIP_STR_LIT("sip:192.0.2.1:5060")));
	/* Without Contact: a query listing the bindings. */
	do_register(t, "p", 2, "", NOW + 10, &r);
	assert_int_equal(r.code, 200);
	assert_true(has(&r, "Contact: <sip:a@10.0.0.1:5062>;expires=3590\r\n"));
}

/* An empty database with the schema, its URL in url: the server DB_URL
 * names (its tables dropped first; path becomes ""), else a SQLite file
 * made from the template path. */
static db *tmp_db_open(char *path, char *url, size_t n)
{
	const char *env = getenv("DB_URL");
	db *d;
	if (env && *env) {
		snprintf(url, n, "%s", env);
		path[0] = '\0';
		assert_int_equal(db_open(url, &d), SIP_OK);
		assert_int_equal(db_schema_drop(d), SIP_OK);
	} else {
		int fd = mkstemp(path);
		assert_true(fd >= 0);
		close(fd);
		snprintf(url, n, "sqlite:%s", path);
		assert_int_equal(db_open(url, &d), SIP_OK);
	}
	assert_int_equal(db_schema_migrate(d), SIP_OK);
	return d;
}

/* Close d and remove its files (the WAL ones too). */
static void tmp_db_close(db *d, const char *path)
{
	db_close(d);
	sipt_sqlite_unlink(path);
}

static void test_write_through_and_reload(void **state)
{
	(void)state;
	char path[] = "/tmp/sipcc-test-reg-XXXXXX";
	char url[512];
	db *d = tmp_db_open(path, url, sizeof url);
	reg_set_db(d);
	reg_table *t = reg_table_get(SIP_STR_LIT("location"), true);
	struct reg_result r;
	do_register(t, "w", 1, "Contact: <sip:a@192.0.2.1>;q=0.5;expires=100, <sip:b@192.0.2.2>\r\n",
		    NOW, &r);
	assert_int_equal(r.code, 200);
	assert_int_equal(reg_lookup(t, AOR, NOW, &lar)->flags, 0);
	do_register(t, "w", 2, "Contact: <sip:b@192.0.2.2>;expires=0\r\n", NOW, &r);
	assert_int_equal(r.code, 200);
	/* A "restart": memory gone, the database brings a back. */
	reg_tables_destroy();
	reg_set_db(NULL);
	assert_int_equal(reg_load(d, NOW + 50), 1);
	t = reg_table_get(SIP_STR_LIT("location"), false);
	const reg_contact *c = reg_lookup(t, AOR, NOW + 50, &lar);
	assert_non_null(c);
	assert_true(sip_str_eq(reg_field(c, REG_CONTACT), SIP_STR_LIT("sip:a@192.0.2.1")));
	assert_int_equal(c->q, 500);
	assert_int_equal(c->cseq, 1);
	assert_true(sip_str_eq(reg_field(c, REG_CALLID), SIP_STR_LIT("w")));
	/* Expired rows are not loaded, and the sweep deletes them. */
	reg_tables_destroy();
	assert_int_equal(reg_load(d, NOW + 101), 0);
	reg_set_db(d);
	t = reg_table_get(SIP_STR_LIT("location"), true);
	reg_sweep(t, NOW + 101);
	reg_tables_destroy();
	assert_int_equal(reg_load(d, NOW), 0);
	reg_set_db(NULL);
	tmp_db_close(d, path);
}

/* ---- asynchronous write-through on a database worker ---- */

static db_worker *tw;
static bool tw_refuse;      /* ready() says no: a database that is down */

static bool tw_ready(void)
{
	return !tw_refuse && db_worker_ready(tw);
}

static int tw_submit(db_job_run run, db_job_done done, void *arg)
{
	return db_worker_submit(tw, run, done, arg);
}

static const struct reg_writer tw_writer = { tw_ready, tw_submit };

/* Run the callbacks of every job out. */
static void tw_drain(void)
{
	struct pollfd p = { .fd = db_worker_fd(tw), .events = POLLIN };
	for (int i = 0; i < 500 && db_worker_pending(tw); i++)
		if (poll(&p, 1, 10) > 0)
			db_worker_complete(tw);
	assert_int_equal(db_worker_pending(tw), 0);
}

static int64_t rows(db *d, const char *aor)
{
	db_stmt *st;
	int64_t n = -1;
	assert_int_equal(db_prepare(d, "SELECT count(*) FROM location WHERE aor = $1", &st), SIP_OK);
	assert_int_equal(db_bind_text(st, 1, sip_str_make(aor, strlen(aor))), SIP_OK);
	assert_int_equal(db_step(st), DB_ROW);
	n = db_column_int(st, 0);
	db_finalize(st);
	return n;
}

static long loaded;
static void on_loaded(long n, void *arg)
{
	(void)arg;
	loaded = n;
}

/* REGISTERs answered from memory, rows written by the worker in order; a
 * refused write gets 503 and changes nothing; a write that fails (the
 * table gone for a moment) is written again from memory afterwards; the
 * rows come back into memory through the worker (a restart). */
static void test_async_write_through(void **state)
{
	(void)state;
	char path[] = "/tmp/sipcc-test-regw-XXXXXX";
	char url[512];
	db *d = tmp_db_open(path, url, sizeof url);
	assert_int_equal(db_worker_start(url, 0, &tw), SIP_OK);
	reg_set_db(d);
	reg_set_writer(&tw_writer);
	reg_table *t = reg_table_get(SIP_STR_LIT("location"), true);
	struct reg_result r;

	/* Several changes of one AOR queued back to back end as the last. */
	do_register(t, "a", 1, "Contact: <sip:a@192.0.2.1>, <sip:b@192.0.2.2>\r\n", NOW, &r);
	assert_int_equal(r.code, 200);
	do_register(t, "a", 2, "Contact: <sip:b@192.0.2.2>;expires=0\r\n", NOW, &r);
	assert_int_equal(r.code, 200);
	do_register(t, "a", 3, "Contact: <sip:c@192.0.2.3>\r\n", NOW, &r);
	assert_int_equal(r.code, 200);
	assert_int_equal(count(t, NOW), 2);
	tw_drain();
	assert_int_equal(rows(d, "alice@example.com"), 2);

	/* Refused: 503, memory unchanged, nothing queued. */
	tw_refuse = true;
	do_register(t, "a", 4, "Contact: <sip:d@192.0.2.4>\r\n", NOW, &r);
	assert_int_equal(r.code, 503);
	assert_int_equal(count(t, NOW), 2);
	assert_int_equal(db_worker_pending(tw), 0);
	assert_int_equal(reg_remove_aor(t, AOR), SIP_EDBDOWN);
	assert_int_equal(count(t, NOW), 2);
	tw_refuse = false;

	/* A write that fails: marked, and written again by the sweep. */
	assert_int_equal(db_exec(d, "ALTER TABLE location RENAME TO location_away"), SIP_OK);
	do_register(t, "a", 5, "Contact: <sip:d@192.0.2.4>\r\n", NOW, &r);
	assert_int_equal(r.code, 200);
	tw_drain();
	assert_int_equal(reg_dirty_count(), 1);
	assert_int_equal(db_exec(d, "ALTER TABLE location_away RENAME TO location"), SIP_OK);
	assert_int_equal(rows(d, "alice@example.com"), 2);
	reg_sweep(t, NOW);
	assert_int_equal(reg_dirty_count(), 0);
	tw_drain();
	assert_int_equal(rows(d, "alice@example.com"), 3);

	/* A restart: the worker reads the rows, the loop puts them in
	 * memory (reg_load_async); the same bindings come back. */
	reg_tables_destroy();
	loaded = -1;
	assert_int_equal(reg_load_async(NOW, on_loaded, NULL), SIP_OK);
	assert_int_equal(loaded, -1);       /* not before the worker ran */
	tw_drain();
	assert_int_equal(loaded, 3);
	t = reg_table_get(SIP_STR_LIT("location"), true);
	assert_int_equal(count(t, NOW), 3);

	/* unregister: memory at once, the rows through the worker. */
	assert_int_equal(reg_remove_aor(t, AOR), SIP_OK);
	assert_int_equal(count(t, NOW), 0);
	tw_drain();
	assert_int_equal(rows(d, "alice@example.com"), 0);

	db_worker_stop(tw, 1000);
	tw = NULL;
	reg_set_writer(NULL);
	reg_set_db(NULL);
	tmp_db_close(d, path);
}

/* save() written through (reg_save_wait): the 200 waits for the worker
 * to store the bindings; done is told only once the rows are there. A
 * write that fails gets its status and the change is undone in memory
 * (the rows as they were), with nothing left to retry. */
static int wd_status;
static int wd_calls;
static int64_t wd_rows;         /* the rows when done ran */
static db *wd_db;

static void wd_done(int status, void *arg)
{
	(void)arg;
	wd_status = status;
	wd_calls++;
	wd_rows = status == SIP_OK ? rows(wd_db, "alice@example.com") : -1;
}

static void save_wait(reg_table *t, const char *callid, unsigned cseq, const char *hdrs,
		      struct reg_result *r)
{
	sip_msg m;
	int n = snprintf(buf, sizeof buf,
			 "REGISTER sip:example.com SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-%u\r\n"
			 "From: <sip:alice@example.com>;tag=1\r\n"
			 "To: <sip:alice@example.com>\r\n"
			 "Call-ID: %s\r\n"
			 "CSeq: %u REGISTER\r\n"
			 "%s"
			 "Content-Length: 0\r\n\r\n", cseq, callid, cseq, hdrs);
	sip_arena_reset(&ar);
	assert_int_equal(sip_msg_parse(&ar, buf, (size_t)n, &m), SIP_OK);
	reg_save_wait(t, &m, SIP_STR_LIT("sip:192.0.2.1:5060"), 0, NOW, &ar, r, wd_done, NULL);
}

/* Holds the worker before each job while set. */
static atomic_bool wd_gate;
static void wd_gate_hook(void *arg)
{
	(void)arg;
	while (atomic_load(&wd_gate))
		usleep(1000);
}

static void test_save_waits_for_write(void **state)
{
	(void)state;
	char path[] = "/tmp/sipcc-test-regwait-XXXXXX";
	char url[512];
	db *d = tmp_db_open(path, url, sizeof url);
	wd_db = d;
	assert_int_equal(db_worker_start(url, 0, &tw), SIP_OK);
	reg_set_db(d);
	reg_set_writer(&tw_writer);
	reg_table *t = reg_table_get(SIP_STR_LIT("location"), true);
	struct reg_result r;

	/* The 200 is prepared but not given: done comes with the rows. */
	wd_calls = 0;
	save_wait(t, "w", 1, "Contact: <sip:a@192.0.2.1>\r\n", &r);
	assert_true(r.pending);
	assert_int_equal(r.code, 200);
	assert_true(has(&r, "<sip:a@192.0.2.1>"));
	assert_int_equal(wd_calls, 0);
	tw_drain();
	assert_int_equal(wd_calls, 1);
	assert_int_equal(wd_status, SIP_OK);
	assert_int_equal(wd_rows, 1);
	assert_int_equal(count(t, NOW), 1);

	/* The write fails (the table gone): done says so, memory goes back
	 * to the one binding stored, nothing waits to be retried. */
	assert_int_equal(db_exec(d, "ALTER TABLE location RENAME TO location_away"), SIP_OK);
	save_wait(t, "w", 2, "Contact: <sip:b@192.0.2.2>\r\n", &r);
	assert_true(r.pending);
	assert_int_equal(count(t, NOW), 2);         /* the next REGISTER builds on it */
	tw_drain();
	assert_int_equal(wd_calls, 2);
	assert_int_not_equal(wd_status, SIP_OK);
	assert_int_equal(count(t, NOW), 1);
	const reg_contact *c = reg_lookup(t, AOR, NOW, &lar);
	assert_non_null(c);
	assert_true(sip_str_eq(reg_field(c, REG_CONTACT), SIP_STR_LIT("sip:a@192.0.2.1")));
	assert_int_equal(reg_dirty_count(), 0);

	assert_int_equal(db_exec(d, "ALTER TABLE location_away RENAME TO location"), SIP_OK);

	/* Two changes queued back to back, the first fails: the second was
	 * made on top of it, so memory stays and is written again. */
	assert_int_equal(db_exec(d, "ALTER TABLE location RENAME TO location_away"), SIP_OK);
	save_wait(t, "w", 3, "Contact: <sip:c@192.0.2.3>\r\n", &r);
	assert_true(r.pending);
	save_wait(t, "w", 4, "Contact: <sip:d@192.0.2.4>\r\n", &r);
	assert_true(r.pending);
	tw_drain();
	assert_int_equal(wd_calls, 4);
	assert_int_not_equal(wd_status, SIP_OK);
	assert_int_equal(count(t, NOW), 2);         /* only the last one undone */
	assert_int_equal(reg_dirty_count(), 1);
	assert_int_equal(db_exec(d, "ALTER TABLE location_away RENAME TO location"), SIP_OK);
	reg_sweep(t, NOW);
	tw_drain();
	assert_int_equal(reg_dirty_count(), 0);
	assert_int_equal(rows(d, "alice@example.com"), count(t, NOW));

	/* Writes queued while the worker is busy join one job (one
	 * transaction), each told its own result. */
	db_worker_stats st0, st1;
	atomic_store(&wd_gate, true);
	db_worker_set_hook(tw, wd_gate_hook, NULL);
	db_worker_get_stats(tw, &st0);
	int calls = wd_calls;
	save_wait(t, "w", 10, "Contact: <sip:e@192.0.2.5>\r\n", &r);
	assert_true(r.pending);
	save_wait(t, "w", 11, "Contact: <sip:f@192.0.2.6>\r\n", &r);
	assert_true(r.pending);
	save_wait(t, "w", 12, "Contact: <sip:e@192.0.2.5>;expires=0\r\n", &r);
	assert_true(r.pending);
	db_worker_get_stats(tw, &st1);
	assert_int_equal(st1.submitted - st0.submitted, 1);
	assert_int_equal(wd_calls, calls);
	atomic_store(&wd_gate, false);
	tw_drain();
	db_worker_set_hook(tw, NULL, NULL);
	assert_int_equal(wd_calls, calls + 3);
	assert_int_equal(wd_status, SIP_OK);
	assert_int_equal(count(t, NOW), 3);
	assert_int_equal(rows(d, "alice@example.com"), 3);

	db_worker_stop(tw, 1000);
	tw = NULL;
	reg_set_writer(NULL);
	reg_set_db(NULL);
	tmp_db_close(d, path);
}

/* A User-Agent is kept once for every binding with the same (usrloc.c):
 * each binding still gives it back whole, also from a lookup's copy and
 * after the binding it was registered with is gone, and the bindings do
 * not carry it. */
static void test_user_agent_shared(void **state)
{
	(void)state;
	reg_table *t = reg_table_get(SIP_STR_LIT("ua"), true);
	struct reg_result r;
	const char *ua = "User-Agent: Vendor Phone 1.2.3\r\nContact: <sip:a@192.0.2.1>\r\n";
	reg_user = "carol";
	do_register(t, "u1", 1, ua, NOW, &r);
	assert_int_equal(r.code, 200);
	reg_user = "dave";
	do_register(t, "u2", 1, "User-Agent: Vendor Phone 1.2.3\r\nContact: <sip:b@192.0.2.2>\r\n",
		    NOW, &r);
	assert_int_equal(r.code, 200);
	reg_user = "alice";
	const reg_contact *c1 = reg_lookup(t, SIP_STR_LIT("carol@example.com"), NOW, &lar);
	const reg_contact *c2 = reg_lookup(t, SIP_STR_LIT("dave@example.com"), NOW, &lar);
	assert_non_null(c1);
	assert_non_null(c2);
	sip_str u1 = reg_field(c1, REG_UA), u2 = reg_field(c2, REG_UA);
	assert_true(sip_str_eq(u1, SIP_STR_LIT("Vendor Phone 1.2.3")));
	assert_ptr_equal(u1.s, u2.s);
	assert_true(sip_str_eq(reg_field(c1, REG_CONTACT), SIP_STR_LIT("sip:a@192.0.2.1")));
	assert_true(sip_str_eq(reg_field(c1, REG_RECEIVED), SIP_STR_LIT("sip:192.0.2.1:5060")));
	size_t all = 0;
	for (int f = 0; f < REG_NFIELDS; f++)
		all += reg_field(c1, (enum reg_field)f).len;
	assert_true(reg_contact_size(c1) < sizeof *c1 + all);
	/* The binding gone, the copy's User-Agent still reads. */
	assert_int_equal(reg_remove_aor(t, SIP_STR_LIT("carol@example.com")), SIP_OK);
	assert_true(sip_str_eq(reg_field(c1, REG_UA), SIP_STR_LIT("Vendor Phone 1.2.3")));
}

/* The branch flags of the REGISTER go with each contact it adds or
 * updates, to the database and back (bit 31 included: the column is a
 * signed 32-bit integer on PostgreSQL and MariaDB). */
static void test_flags_saved_and_reloaded(void **state)
{
	(void)state;
	char path[] = "/tmp/sipcc-test-regflags-XXXXXX";
	char url[512];
	db *d = tmp_db_open(path, url, sizeof url);
	reg_set_db(d);
	reg_table *t = reg_table_get(SIP_STR_LIT("location"), true);
	struct reg_result r;
	reg_flags = 0x80000005u;
	do_register(t, "f1", 1, "Contact: <sip:nat@198.51.100.7:40000>;q=0.9\r\n", NOW, &r);
	assert_int_equal(r.code, 200);
	reg_flags = 0;
	do_register(t, "f2", 1, "Contact: <sip:lan@192.0.2.2>;q=0.5\r\n", NOW, &r);
	assert_int_equal(r.code, 200);
	/* A refresh replaces the flags of the contact it updates. */
	reg_flags = 2;
	do_register(t, "f2", 2, "Contact: <sip:lan@192.0.2.2>;q=0.5\r\n", NOW, &r);
	assert_int_equal(r.code, 200);
	const reg_contact *c = reg_lookup(t, AOR, NOW, &lar);
	assert_non_null(c);
	assert_true(sip_str_eq(reg_field(c, REG_CONTACT), SIP_STR_LIT("sip:nat@198.51.100.7:40000")));
	assert_int_equal(c->flags, 0x80000005u);
	assert_int_equal(c->next->flags, 2);
	/* Restart: the flags come back from the database. */
	reg_tables_destroy();
	reg_set_db(NULL);
	assert_int_equal(reg_load(d, NOW + 1), 2);
	t = reg_table_get(SIP_STR_LIT("location"), false);
	c = reg_lookup(t, AOR, NOW + 1, &lar);
	assert_non_null(c);
	assert_non_null(c->next);
	assert_true(sip_str_eq(reg_field(c, REG_CONTACT), SIP_STR_LIT("sip:nat@198.51.100.7:40000")));
	assert_int_equal(c->flags, 0x80000005u);
	assert_true(sip_str_eq(reg_field(c->next, REG_CONTACT), SIP_STR_LIT("sip:lan@192.0.2.2")));
	assert_int_equal(c->next->flags, 2);
	reg_tables_destroy();
	tmp_db_close(d, path);
}

/* RFC 5626 §6: a Contact with +sip.instance (and reg-id) replaces the
 * binding of the same instance and reg-id whatever its URI, and the 200
 * echoes the Contact's parameters. */
#define INST "+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>\""

static void test_instance_replaces_binding(void **state)
{
	(void)state;
	reg_table *t = reg_table_get(SIP_STR_LIT("t"), true);
	struct reg_result r;
	do_register(t, "i1", 1, "Contact: <sip:a@192.0.2.1:40001;transport=tcp>;" INST ";reg-id=1"
		    ";expires=600;+sip.ice\r\n", NOW, &r);
	assert_int_equal(r.code, 200);
	assert_true(has(&r, "Contact: <sip:a@192.0.2.1:40001;transport=tcp>;expires=600;" INST
			";reg-id=1;+sip.ice\r\n"));
	const reg_contact *c = reg_lookup(t, AOR, NOW, &lar);
	assert_non_null(c);
	assert_true(sip_str_eq(reg_instance(c),
			       SIP_STR_LIT("<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>")));
	assert_int_equal(reg_reg_id(c), 1);

	/* The phone comes back over a new connection: another port, another
	 * Call-ID, the same instance and reg-id (the uuid in another case).
	 * The old binding goes; the 200 lists the new one only. */
	do_register(t, "i2", 1, "Contact: <sip:a@192.0.2.1:40002;transport=tcp>;+sip.instance="
		    "\"<urn:uuid:00000000-0000-1000-8000-aabbccddeeff>\";reg-id=1\r\n", NOW + 5, &r);
	assert_int_equal(r.code, 200);
	assert_int_equal(count(t, NOW + 5), 1);
	assert_false(has(&r, "40001"));
	assert_true(has(&r, "<sip:a@192.0.2.1:40002;transport=tcp>;expires=3600;+sip.instance="));
	c = reg_lookup(t, AOR, NOW + 5, &lar);
	assert_true(sip_str_eq(reg_field(c, REG_CONTACT),
			       SIP_STR_LIT("sip:a@192.0.2.1:40002;transport=tcp")));
	assert_int_equal(reg_table_count(t), 1);

	/* Another flow of the same instance (reg-id 2) is a binding of its
	 * own; a contact without instance is matched by URI only. */
	do_register(t, "i2", 2, "Contact: <sip:a@192.0.2.1:40003;transport=tcp>;" INST ";reg-id=2\r\n",
		    NOW + 5, &r);
	assert_int_equal(r.code, 200);
	do_register(t, "plain", 1, "Contact: <sip:a@192.0.2.9:5060>\r\n", NOW + 5, &r);
	assert_int_equal(count(t, NOW + 5), 3);

	/* An instance without reg-id is matched on the instance alone. */
	do_register(t, "i3", 1, "Contact: <sip:b@192.0.2.2>;+sip.instance=\"<urn:uuid:1>\"\r\n",
		    NOW + 5, &r);
	do_register(t, "i4", 1, "Contact: <sip:b@192.0.2.3>;+sip.instance=\"<urn:uuid:1>\"\r\n",
		    NOW + 5, &r);
	assert_int_equal(r.code, 200);
	assert_int_equal(count(t, NOW + 5), 4);
	assert_false(has(&r, "<sip:b@192.0.2.2>"));

	/* The same Call-ID with an old CSeq is out of order, whatever the URI. */
	do_register(t, "i2", 1, "Contact: <sip:a@192.0.2.1:40009;transport=tcp>;" INST ";reg-id=1\r\n",
		    NOW + 5, &r);
	assert_int_equal(r.code, 500);
	assert_int_equal(count(t, NOW + 5), 4);

	/* Expires 0 with the instance removes its binding, URI aside. */
	do_register(t, "i9", 1, "Contact: <sip:a@10.9.9.9:1>;" INST ";reg-id=1;expires=0\r\n",
		    NOW + 5, &r);
	assert_int_equal(r.code, 200);
	assert_int_equal(count(t, NOW + 5), 3);
	assert_false(has(&r, "40002"));
	assert_true(has(&r, "40003"));

	/* A reg-id that is not a number from 1 to 2^31-1: 400, nothing changes. */
	do_register(t, "i9", 2, "Contact: <sip:a@10.9.9.9:1>;" INST ";reg-id=x\r\n", NOW + 5, &r);
	assert_int_equal(r.code, 400);
	do_register(t, "i9", 3, "Contact: <sip:a@10.9.9.9:1>;" INST ";reg-id=0\r\n", NOW + 5, &r);
	assert_int_equal(r.code, 400);
	assert_int_equal(count(t, NOW + 5), 3);
}

static int64_t rows_where(db *d, const char *where)
{
	db_stmt *st;
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM location WHERE %s", where);
	assert_int_equal(db_prepare_sql(d, sql, &st), SIP_OK);
	assert_int_equal(db_step(st), DB_ROW);
	int64_t n = db_column_int(st, 0);
	db_finalize(st);
	return n;
}

/* The instance is stored with the binding (schema version 4) and comes
 * back after a restart, so a phone that reconnects after the restart
 * still replaces its binding; the same through the database worker. */
static void test_instance_persisted(void **state)
{
	(void)state;
	char path[] = "/tmp/sipcc-test-reginst-XXXXXX";
	char url[512];
	db *d = tmp_db_open(path, url, sizeof url);
	reg_set_db(d);
	reg_table *t = reg_table_get(SIP_STR_LIT("location"), true);
	struct reg_result r;
	do_register(t, "p1", 1, "Contact: <sip:a@192.0.2.1:40001;transport=tcp>;" INST ";reg-id=1"
		    ";methods=\"INVITE,BYE\"\r\n", NOW, &r);
	assert_int_equal(r.code, 200);
	assert_int_equal(rows_where(d, "instance = '<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>'"
				    " AND reg_id = 1"), 1);
	reg_tables_destroy();
	reg_set_db(NULL);
	assert_int_equal(reg_load(d, NOW + 1), 1);
	t = reg_table_get(SIP_STR_LIT("location"), false);
	const reg_contact *c = reg_lookup(t, AOR, NOW + 1, &lar);
	assert_non_null(c);
	assert_true(sip_str_eq(reg_field(c, REG_PARAMS),
			       SIP_STR_LIT(INST ";reg-id=1;methods=\"INVITE,BYE\"")));
	assert_int_equal(reg_reg_id(c), 1);
	/* After the restart: a new port, the same instance. */
	reg_set_db(d);
	do_register(t, "p2", 1, "Contact: <sip:a@192.0.2.1:40002;transport=tcp>;" INST ";reg-id=1\r\n",
		    NOW + 2, &r);
	assert_int_equal(r.code, 200);
	assert_int_equal(count(t, NOW + 2), 1);
	assert_int_equal(rows(d, "alice@example.com"), 1);
	assert_int_equal(rows_where(d, "contact = 'sip:a@192.0.2.1:40002;transport=tcp'"), 1);

	/* Through the worker: the rows follow memory. */
	assert_int_equal(db_worker_start(url, 0, &tw), SIP_OK);
	reg_set_writer(&tw_writer);
	do_register(t, "p3", 1, "Contact: <sip:a@192.0.2.1:40003;transport=tcp>;" INST ";reg-id=1\r\n",
		    NOW + 3, &r);
	assert_int_equal(r.code, 200);
	tw_drain();
	assert_int_equal(rows(d, "alice@example.com"), 1);
	assert_int_equal(rows_where(d, "contact = 'sip:a@192.0.2.1:40003;transport=tcp'"
				    " AND reg_id = 1 AND params IS NOT NULL"), 1);
	db_worker_stop(tw, 1000);
	tw = NULL;
	reg_set_writer(NULL);
	reg_set_db(NULL);
	reg_tables_destroy();
	tmp_db_close(d, path);
}

/* ---- one write path: the same rows with and without the worker ---- */

#define DUMP_MAX 16384

/* Lines sorted and joined, so that two dumps compare as strings. */
static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void dump_lines(char **line, unsigned n, char *out)
{
	qsort(line, n, sizeof *line, line_cmp);
	size_t k = 0;
	out[0] = '\0';
	for (unsigned i = 0; i < n; i++) {
		size_t l = strlen(line[i]);
		assert_true(k + l + 2 < DUMP_MAX);
		memcpy(out + k, line[i], l);
		k += l;
		out[k++] = '\n';
		out[k] = '\0';
		free(line[i]);
	}
}

/* Every column of every location row, one line each; NULL shows as "~",
 * or, with nulls false, as empty text (what memory cannot tell apart). */
static void dump_rows(db *d, bool nulls, char *out)
{
	db_stmt *st;
	char *line[64];
	unsigned n = 0;
	assert_int_equal(db_prepare(d, "SELECT aor, contact, expires, q, callid, cseq, path, received,"
				    " user_agent, flags, params, instance, reg_id FROM location", &st),
			 SIP_OK);
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		char l[2048];
		size_t k = 0;
		assert_true(n < 64);
		for (int col = 0; col < 13; col++) {
			sip_str v = db_column_text(st, col);
			if (nulls && db_column_null(st, col))
				v = SIP_STR_LIT("~");
			k += (size_t)snprintf(l + k, sizeof l - k, "%s%.*s", col ? "|" : "", (int)v.len,
					      v.s ? v.s : "");
		}
		line[n++] = strdup(l);
	}
	assert_int_equal(rc, SIP_OK);
	db_finalize(st);
	dump_lines(line, n, out);
}

struct mem_dump {
	char *line[64];
	unsigned n;
};

static void dump_aor(const reg_aor *a, void *arg)
{
	struct mem_dump *m = arg;
	for (const reg_contact *c = a->contacts; c; c = c->next) {
		char l[2048];
		sip_str f[REG_NFIELDS];
		for (int i = 0; i < REG_NFIELDS; i++)
			f[i] = reg_field(c, (enum reg_field)i);
		sip_str inst = reg_instance(c);
		snprintf(l, sizeof l, "%.*s|%.*s|%lld|%d|%.*s|%u|%.*s|%.*s|%.*s|%d|%.*s|%.*s|%u",
			 (int)a->len, a->aor, (int)f[REG_CONTACT].len, f[REG_CONTACT].s,
			 (long long)c->expires, c->q, (int)f[REG_CALLID].len, f[REG_CALLID].s, c->cseq,
			 (int)f[REG_PATH].len, f[REG_PATH].s, (int)f[REG_RECEIVED].len, f[REG_RECEIVED].s,
			 (int)f[REG_UA].len, f[REG_UA].s, (int32_t)c->flags, (int)f[REG_PARAMS].len,
			 f[REG_PARAMS].s, (int)inst.len, inst.s, reg_reg_id(c));
		assert_true(m->n < 64);
		m->line[m->n++] = strdup(l);
	}
}

/* Every binding t holds, as dump_rows(d, false) shows its row. */
static void dump_memory(reg_table *t, char *out)
{
	struct mem_dump m = { .n = 0 };
	reg_table_foreach(t, dump_aor, &m);
	dump_lines(m.line, m.n, out);
}

#define PARITY_STEPS 10
static char parity_rows[2][PARITY_STEPS][DUMP_MAX];

/* Every kind of change to the bindings, one step at a time: after each,
 * the rows are what memory holds, and they are kept in rows[step]. */
static void parity_script(db *d, bool worker, char rows[PARITY_STEPS][DUMP_MAX])
{
	static char mem[DUMP_MAX];
	reg_table *t = reg_table_get(SIP_STR_LIT("location"), true);
	struct reg_result r;
	for (int step = 0; step < PARITY_STEPS; step++) {
		reg_user = "alice";
		reg_flags = 0;
		switch (step) {
		case 0: /* two contacts, one of them short-lived, with a Path */
			reg_flags = 0x80000005u;
			do_register(t, "s1", 1, "Path: <sip:edge.example.net;lr>\r\nUser-Agent: phone/1\r\n"
				    "Contact: <sip:a@192.0.2.1>;q=0.5;expires=100, <sip:b@192.0.2.2>"
				    ";expires=60\r\n", NOW, &r);
			break;
		case 1: /* a refresh and a removal in one request */
			reg_flags = 2;
			do_register(t, "s1", 2, "Contact: <sip:a@192.0.2.1>;q=0.7;expires=300, "
				    "<sip:b@192.0.2.2>;expires=0\r\n", NOW + 10, &r);
			break;
		case 2: /* an RFC 5626 binding ... */
			do_register(t, "i1", 1, "Contact: <sip:a@192.0.2.1:40001;transport=tcp>;" INST
				    ";reg-id=1;expires=80\r\n", NOW + 10, &r);
			break;
		case 3: /* ... that comes back on another port, another Call-ID */
			do_register(t, "i2", 1, "Contact: <sip:a@192.0.2.1:40002;transport=tcp>;" INST
				    ";reg-id=1;expires=80\r\n", NOW + 20, &r);
			break;
		case 4: /* a binding expires (not swept yet) as another comes */
			do_register(t, "s1", 3, "Contact: <sip:c@192.0.2.3>;expires=600\r\n", NOW + 200, &r);
			break;
		case 5: /* another address-of-record */
			reg_user = "bob";
			do_register(t, "b1", 1, "Contact: <sip:bob@192.0.2.9>;expires=90\r\n", NOW + 200, &r);
			break;
		case 6: /* unregister */
			assert_int_equal(reg_remove_aor(t, SIP_STR_LIT("bob@example.com")), SIP_OK);
			r.code = 200;
			break;
		case 7: /* a query changes nothing */
			do_register(t, "s1", 4, "", NOW + 200, &r);
			break;
		case 8: /* the sweep */
			reg_sweep(t, NOW + 400);
			r.code = 200;
			break;
		case 9: /* "*" */
			do_register(t, "s1", 5, "Expires: 0\r\nContact: *\r\n", NOW + 400, &r);
			break;
		}
		assert_int_equal(r.code, 200);
		if (worker)
			tw_drain();
		dump_rows(d, false, rows[step]);
		dump_memory(t, mem);
		if (strcmp(rows[step], mem) != 0)
			fail_msg("step %d (%s): rows\n%s\nmemory\n%s", step,
				 worker ? "worker" : "no worker", rows[step], mem);
		dump_rows(d, true, rows[step]);
	}
	reg_user = "alice";
	reg_flags = 0;
	reg_tables_destroy();
}

/* The same REGISTERs leave the same rows whether the writes run on the
 * caller's handle or on the database worker, and after each of them the
 * rows are what memory holds: an expired binding's row goes with the
 * next change of its address-of-record, a binding replaced through its
 * instance leaves no row behind. */
static void test_write_paths_agree(void **state)
{
	(void)state;
	char path[] = "/tmp/sipcc-test-regpar-XXXXXX";
	char url[512];
	db *d = tmp_db_open(path, url, sizeof url);
	reg_set_db(d);
	parity_script(d, false, parity_rows[0]);

	assert_int_equal(db_exec(d, "DELETE FROM location"), SIP_OK);
	assert_int_equal(db_worker_start(url, 0, &tw), SIP_OK);
	reg_set_writer(&tw_writer);
	parity_script(d, true, parity_rows[1]);
	db_worker_stop(tw, 1000);
	tw = NULL;
	reg_set_writer(NULL);
	reg_set_db(NULL);
	for (int i = 0; i < PARITY_STEPS; i++)
		if (strcmp(parity_rows[0][i], parity_rows[1][i]) != 0)
			fail_msg("step %d: without the worker\n%s\nwith it\n%s", i, parity_rows[0][i],
				 parity_rows[1][i]);
	tmp_db_close(d, path);
}

/* Register n users named PREFIX<i> at time now (default expiry, 3600 s). */
static void register_many(reg_table *t, const char *prefix, unsigned from, unsigned n,
			  int64_t now)
{
	char user[64];
	struct reg_result r;
	const char *saved = reg_user;
	reg_user = user;
	for (unsigned i = from; i < from + n; i++) {
		snprintf(user, sizeof user, "%s%u", prefix, i);
		do_register(t, "cm", 1, "Contact: <sip:x@192.0.2.9>\r\n", now, &r);
		assert_int_equal(r.code, 200);
	}
	reg_user = saved;
}

/* The expiry timer sweeps an eighth of the table per second: a full pass
 * takes eight ticks, not fewer; and a pass during which the table grows
 * still reaches every address of record that was there when it began. */
static void test_timer_sweep_slices(void **state)
{
	(void)state;
	int64_t now = (int64_t)time(NULL);
	reg_table *t = reg_table_get(SIP_STR_LIT("sweep"), true);
	register_many(t, "old", 0, 3000, now - 10000);      /* expired */
	register_many(t, "live", 0, 100, now);
	assert_int_equal(reg_table_aors(t), 3100);
	sip_timer_wheel w;
	sip_timer_wheel_init(&w, 0);
	reg_timer_start(&w);
	for (unsigned tick = 1; tick <= 7; tick++)
		sip_timer_expire(&w, tick * 1000);
	assert_true(reg_table_count(t) > 100);              /* not all swept yet */
	sip_timer_expire(&w, 8000);
	assert_int_equal(reg_table_count(t), 100);
	assert_int_equal(reg_table_aors(t), 100);
	/* Growing from 1024 to 4096 buckets during the next pass. */
	register_many(t, "old", 0, 1000, now - 10000);
	for (unsigned tick = 9; tick <= 14; tick++) {
		register_many(t, "more", (tick - 9) * 600, 600, now);
		sip_timer_expire(&w, tick * 1000);
	}
	for (unsigned tick = 15; tick <= 40; tick++)
		sip_timer_expire(&w, tick * 1000);
	assert_int_equal(reg_table_count(t), 100 + 6 * 600);
	reg_timer_stop();
}

/* Workers at once on one table: two threads move their users from
 * contact to contact (each REGISTER adds the new one and removes the old
 * one), one registers short-lived users and sweeps them, two look users
 * up, two walk the table as the NAT keep-alive and the control listing
 * do. A lookup sees each
 * user's REGISTER whole (one binding, the user's own, intact in the
 * copy), never half of it; at the end every user has the contact of its
 * last REGISTER. The threads count; the main thread asserts. */
#define CT_USERS   300
#define CT_ROUNDS  40
#define CT_WRITERS 2
#define CT_READERS 2

struct ct {
	reg_table *t;
	int64_t now;
	unsigned id;
	_Atomic unsigned *stop;
	unsigned long bad, lookups, walked;
};

static int ct_register(struct ct *c, sip_arena *a, const char *user, unsigned cseq,
		       const char *contacts)
{
	char b[1024];
	sip_msg m;
	int n = snprintf(b, sizeof b,
			 "REGISTER sip:example.com SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-%u\r\n"
			 "From: <sip:%s@example.com>;tag=1\r\n"
			 "To: <sip:%s@example.com>\r\n"
			 "Call-ID: ct-%s\r\n"
			 "CSeq: %u REGISTER\r\n"
			 "%s"
			 "Content-Length: 0\r\n\r\n", cseq, user, user, user, cseq, contacts);
	sip_arena_reset(a);
	if (sip_msg_parse(a, b, (size_t)n, &m) != SIP_OK)
		return -1;
	struct reg_result r;
	reg_save(c->t, &m, SIP_STR_LIT("sip:192.0.2.1:5060"), 0, c->now, a, &r);
	return r.code;
}

static void *ct_writer(void *p)
{
	struct ct *c = p;
	sip_arena a;
	sip_arena_init(&a, 4096);
	for (unsigned r = 1; r <= CT_ROUNDS; r++)
		for (unsigned i = c->id; i < CT_USERS; i += CT_WRITERS) {
			char user[16], hdrs[256];
			snprintf(user, sizeof user, "u%u", i);
			snprintf(hdrs, sizeof hdrs,
				 "Contact: <sip:%s@192.0.2.1:%u>;expires=0\r\n"
				 "Contact: <sip:%s@192.0.2.1:%u>\r\n", user, 10000 + r - 1, user, 10000 + r);
			if (ct_register(c, &a, user, r + 1, hdrs) != 200)
				c->bad++;
		}
	sip_arena_destroy(&a);
	return NULL;
}

static void *ct_sweeper(void *p)
{
	struct ct *c = p;
	sip_arena a;
	sip_arena_init(&a, 4096);
	for (unsigned r = 0; r < CT_ROUNDS * 4; r++) {
		char user[16];
		snprintf(user, sizeof user, "tmp%u", r % 50);
		if (ct_register(c, &a, user, r + 1, "Contact: <sip:t@192.0.2.7>;expires=60\r\n") != 200)
			c->bad++;
		if (r % 10 == 9)
			reg_sweep(c->t, c->now + 100);
	}
	sip_arena_destroy(&a);
	return NULL;
}

static void *ct_reader(void *p)
{
	struct ct *c = p;
	sip_arena a;
	sip_arena_init(&a, 4096);
	unsigned i = c->id * 7;
	while (!atomic_load(c->stop)) {
		char aor[32], want[32];
		i = (i + 13) % CT_USERS;
		snprintf(aor, sizeof aor, "u%u@example.com", i);
		int wl = snprintf(want, sizeof want, "sip:u%u@192.0.2.1:", i);
		sip_arena_reset(&a);
		unsigned n = 0;
		for (const reg_contact *x = reg_lookup(c->t, sip_str_make(aor, strlen(aor)), c->now, &a); x;
		     x = x->next) {
			sip_str ct = reg_field(x, REG_CONTACT), cid = reg_field(x, REG_CALLID);
			if (ct.len < (size_t)wl || memcmp(ct.s, want, (size_t)wl) != 0 ||
			    cid.len != strlen(aor) - 12 + 3 || memcmp(cid.s, "ct-u", 4) != 0)
				c->bad++;
			n++;
		}
		if (n != 1)
			c->bad++;
		if (reg_lookup_status(c->t, sip_str_make(aor, strlen(aor)), c->now, SIP_STR_NULL) != REG_FOUND)
			c->bad++;
		c->lookups++;
	}
	sip_arena_destroy(&a);
	return NULL;
}

static void ct_count(const reg_contact *x, void *arg)
{
	(void)x;
	(*(unsigned long *)arg)++;
}

static void ct_count_aor(const reg_aor *a, void *arg)
{
	(void)a;
	(*(unsigned long *)arg)++;
}

/* The NAT keep-alive's walk (reg_foreach) and, on the other walker, the
 * control listing's (reg_table_foreach), at the same time. */
static void *ct_walker(void *p)
{
	struct ct *c = p;
	while (!atomic_load(c->stop)) {
		unsigned long n = 0;
		if (c->id % 2)
			reg_foreach(c->t, c->now, ct_count, &n);
		else
			reg_table_foreach(c->t, ct_count_aor, &n);
		if (n < CT_USERS)
			c->bad++;
		c->walked++;
		(void)reg_table_count(c->t);
	}
	return NULL;
}

static void test_concurrent_save_lookup(void **state)
{
	(void)state;
	reg_table *t = reg_table_get(SIP_STR_LIT("ct"), true);
	_Atomic unsigned stop = 0;
	struct ct c[CT_WRITERS + CT_READERS + 3];
	for (unsigned k = 0; k < sizeof c / sizeof c[0]; k++)
		c[k] = (struct ct){ .t = t, .now = NOW, .id = k, .stop = &stop };
	/* Every user registered once before the threads start. */
	for (unsigned i = 0; i < CT_USERS; i++) {
		char user[16], hdrs[128];
		snprintf(user, sizeof user, "u%u", i);
		snprintf(hdrs, sizeof hdrs, "Contact: <sip:%s@192.0.2.1:10000>\r\n", user);
		assert_int_equal(ct_register(&c[0], &ar, user, 1, hdrs), 200);
	}
	pthread_t th[sizeof c / sizeof c[0]];
	unsigned k = 0;
	for (unsigned w = 0; w < CT_WRITERS; w++, k++)
		assert_int_equal(pthread_create(&th[k], NULL, ct_writer, &c[k]), 0);
	assert_int_equal(pthread_create(&th[k], NULL, ct_sweeper, &c[k]), 0);
	k++;
	for (unsigned r = 0; r < CT_READERS; r++, k++)
		assert_int_equal(pthread_create(&th[k], NULL, ct_reader, &c[k]), 0);
	for (unsigned r = 0; r < 2; r++, k++)
		assert_int_equal(pthread_create(&th[k], NULL, ct_walker, &c[k]), 0);
	for (unsigned w = 0; w <= CT_WRITERS; w++)
		pthread_join(th[w], NULL);
	atomic_store(&stop, 1);
	for (unsigned j = CT_WRITERS + 1; j < k; j++)
		pthread_join(th[j], NULL);
	unsigned long lookups = 0;
	for (unsigned j = 0; j < k; j++) {
		assert_int_equal(c[j].bad, 0);
		lookups += c[j].lookups;
	}
	assert_true(lookups > 0);
	reg_sweep(t, NOW + 100);
	assert_int_equal(reg_table_count(t), CT_USERS);
	assert_int_equal(reg_table_aors(t), CT_USERS);
	for (unsigned i = 0; i < CT_USERS; i++) {
		char aor[32], want[64];
		snprintf(aor, sizeof aor, "u%u@example.com", i);
		snprintf(want, sizeof want, "sip:u%u@192.0.2.1:%u", i, 10000 + CT_ROUNDS);
		const reg_contact *x = reg_lookup(t, sip_str_make(aor, strlen(aor)), NOW, &lar);
		assert_non_null(x);
		assert_null(x->next);
		assert_true(sip_str_eq(reg_field(x, REG_CONTACT), sip_str_make(want, strlen(want))));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_expires_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_q_order_and_star, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_callid_cseq_ordering, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_and_query, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_through_and_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_async_write_through, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_waits_for_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_agent_shared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flags_saved_and_reloaded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_instance_replaces_binding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_instance_persisted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_paths_agree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timer_sweep_slices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_save_lookup, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
