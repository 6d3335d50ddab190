/* Accounting records (modules/acc/acc_row.c): what a record of a request,
 * of a final reply and of a dialog holds, the log line, and the rows they
 * become in acc, missed_calls and acc_cdrs of a database migrated to the
 * current schema, read back with SELECT. With DB_URL unset it runs on a
 * temporary SQLite file; test_acc_pgsql.sh sets DB_URL to a PostgreSQL
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
#include "acc/acc.h"
#include "core/arena.h"
#include "core/status.h"

#define S(lit) SIP_STR_LIT(lit)

static char path[256];
static db *d;
static sip_arena ar;
static sip_msg req, resp;

static const char invite[] =
	"INVITE sip:4921100@voip.example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds\r\n"
	"Max-Forwards: 70\r\n"
	"To: Bob <sip:bob@voip.example.com>\r\n"
	"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
	"Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
	"CSeq: 314159 INVITE\r\n"
	"Contact: <sip:alice@192.0.2.10>\r\n"
	"Content-Length: 0\r\n\r\n";

static const char busy[] =
	"SIP/2.0 486 Busy Here\r\n"
	"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds\r\n"
	"To: Bob <sip:bob@voip.example.com>;tag=a6c85cf\r\n"
	"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
	"Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
	"CSeq: 314159 INVITE\r\n"
	"Content-Length: 0\r\n\r\n";

static bool eq(sip_str s, const char *lit)
{
	return s.len == strlen(lit) && memcmp(s.s, lit, s.len) == 0;
}
#define assert_str(v, lit) do { \
	sip_str v_ = (v); \
	if (!eq(v_, (lit))) \
		fail_msg("'%.*s' != '%s'", (int)v_.len, v_.s ? v_.s : "", (lit)); \
} while (0)

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
		snprintf(path, sizeof path, "/tmp/test_acc.%ld.db", (long)getpid());
		unlink(path);
		snprintf(url, sizeof url, "sqlite:%s", path);
	}
	if (db_open(url, &d) != SIP_OK)
		return -1;
	if (db_schema_drop(d) != SIP_OK)
		return -1;
	if (db_schema_migrate(d) != SIP_OK)
		return -1;
	sip_arena_init(&ar, 4096);
	if (sip_msg_parse(&ar, invite, sizeof invite - 1, &req) != SIP_OK
	    || sip_msg_parse(&ar, busy, sizeof busy - 1, &resp) != SIP_OK)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	db_close(d);
	if (path[0])
		unlink(path);
	sip_arena_destroy(&ar);
	return 0;
}

static void test_tables(void **state)
{
	(void)state;
	enum acc_kind k = ACC_KIND_CDR;
	assert_true(acc_kind_of_table(S("acc"), &k));
	assert_int_equal(k, ACC_KIND_ACC);
	assert_true(acc_kind_of_table(S("missed_calls"), &k));
	assert_int_equal(k, ACC_KIND_MISSED);
	/* Only the request tables, and never anything that could be SQL. */
	assert_false(acc_kind_of_table(S("acc_cdrs"), &k));
	assert_false(acc_kind_of_table(S("acc; DROP TABLE acc"), &k));
	assert_false(acc_kind_of_table(S(""), &k));
	assert_string_equal(acc_kind_table(ACC_KIND_CDR), "acc_cdrs");
}

/* acc_db_request() in a request route: everything from the request; the
 * comment is the reason. */
static void test_row_request(void **state)
{
	(void)state;
	struct acc_req_in in = {
		.kind = ACC_KIND_ACC, .req = &req, .code = 0, .reason = S("call attempt"),
		.src_ip = S("192.0.2.10"), .time = 1700000000,
	};
	acc_row *r = acc_row_request(&in);
	assert_non_null(r);
	assert_int_equal(r->kind, ACC_KIND_ACC);
	assert_str(r->method, "INVITE");
	assert_str(r->from_tag, "1928301774");
	assert_str(r->to_tag, "");
	assert_str(r->callid, "a84b4c76e66710@pc33.atlanta.example.com");
	assert_int_equal(r->sip_code, 0);
	assert_str(r->sip_reason, "call attempt");
	assert_str(r->src_ip, "192.0.2.10");
	assert_str(r->from_user, "alice");
	assert_str(r->from_domain, "atlanta.example.com");
	assert_str(r->to_user, "bob");
	assert_str(r->to_domain, "voip.example.com");
	assert_str(r->ruri_user, "4921100");
	assert_str(r->ruri_domain, "voip.example.com");
	assert_int_equal(r->time, 1700000000);
	/* The record owns its strings: NUL-terminated copies, not pointers
	 * into the message. */
	assert_true(r->callid.s < invite || r->callid.s >= invite + sizeof invite);
	assert_int_equal(r->callid.s[r->callid.len], '\0');
	acc_row_free(r);

	/* A changed Request-URI wins; a malformed one leaves the fields empty. */
	in.ruri = S("sip:+4930123@gw.example.net;user=phone");
	r = acc_row_request(&in);
	assert_str(r->ruri_user, "+4930123");
	assert_str(r->ruri_domain, "gw.example.net");
	acc_row_free(r);
	in.ruri = S("not a uri");
	r = acc_row_request(&in);
	assert_non_null(r);
	assert_str(r->ruri_user, "");
	acc_row_free(r);

	/* Neither a request nor a reply: no record. */
	in.req = &resp;
	assert_null(acc_row_request(&in));
	in.req = NULL;
	assert_null(acc_row_request(&in));
}

/* At the final reply: the reply gives the code, reason and To tag, the
 * marked Request-URI the ruri fields, the CSeq the method. */
static void test_row_reply(void **state)
{
	(void)state;
	struct acc_req_in in = {
		.kind = ACC_KIND_MISSED, .resp = &resp, .ruri = S("sip:4921100@voip.example.com"),
		.src_ip = S("192.0.2.10"), .time = 1700000001,
	};
	acc_row *r = acc_row_request(&in);
	assert_non_null(r);
	assert_int_equal(r->kind, ACC_KIND_MISSED);
	assert_str(r->method, "INVITE");
	assert_str(r->from_tag, "1928301774");
	assert_str(r->to_tag, "a6c85cf");
	assert_int_equal(r->sip_code, 486);
	assert_str(r->sip_reason, "Busy Here");
	assert_str(r->ruri_user, "4921100");
	assert_str(r->to_user, "bob");
	acc_row_free(r);
	/* With the request too, the reply's tag and code still win. */
	in.req = &req;
	r = acc_row_request(&in);
	assert_str(r->to_tag, "a6c85cf");
	assert_int_equal(r->sip_code, 486);
	acc_row_free(r);
}

static void fake_dialog(dlg *g)
{
	memset(g, 0, sizeof *g);
	g->callid = S("cdr-1@example.com");
	g->caller_tag = S("ftag");
	g->callee_tag = S("ttag");
	g->caller_uri = S("sip:alice@atlanta.example.com");
	g->callee_uri = S("sip:bob@voip.example.com");
}

static void test_row_cdr(void **state)
{
	(void)state;
	dlg g;
	fake_dialog(&g);
	acc_row *r = acc_row_cdr(&g, DLG_END_BYE, 65432, 1700000100500, "callee");
	assert_non_null(r);
	assert_int_equal(r->kind, ACC_KIND_CDR);
	assert_str(r->callid, "cdr-1@example.com");
	assert_str(r->caller, "sip:alice@atlanta.example.com");
	assert_str(r->callee, "sip:bob@voip.example.com");
	assert_str(r->from_tag, "ftag");
	assert_str(r->to_tag, "ttag");
	assert_int_equal(r->duration_ms, 65432);
	assert_int_equal(r->end_time, 1700000100);
	assert_int_equal(r->start_time, 1700000035);    /* 1700000100500 - 65432 ms */
	assert_str(r->end_reason, "bye");
	assert_str(r->hangup_by, "callee");
	char line[512];
	size_t n = acc_row_format(r, line, sizeof line);
	assert_int_equal(n, strlen(line));
	assert_non_null(strstr(line, "callid=cdr-1@example.com"));
	assert_non_null(strstr(line, "duration_ms=65432 reason=bye hangup_by=callee"));
	/* Cut to the buffer, never past it. */
	assert_int_equal(acc_row_format(r, line, 10), 9);
	assert_int_equal(strlen(line), 9);
	acc_row_free(r);

	r = acc_row_cdr(&g, DLG_END_TIMEOUT, 0, 1700000100500, NULL);
	assert_str(r->end_reason, "timeout");
	assert_str(r->hangup_by, "");
	acc_row_free(r);
}

static void test_format_request(void **state)
{
	(void)state;
	struct acc_req_in in = { .kind = ACC_KIND_ACC, .resp = &resp, .src_ip = S("192.0.2.10") };
	acc_row *r = acc_row_request(&in);
	char line[1024];
	acc_row_format(r, line, sizeof line);
	assert_non_null(strstr(line, "ACC: transaction: method=INVITE from_tag=1928301774"
			       " to_tag=a6c85cf callid=a84b4c76e66710@pc33.atlanta.example.com"
			       " code=486 reason=Busy Here src_ip=192.0.2.10"));
	acc_row_free(r);
}

/* Write one record of each kind and read the rows back. */
static void test_insert(void **state)
{
	(void)state;
	struct acc_req_in in = {
		.kind = ACC_KIND_ACC, .req = &req, .resp = &resp, .src_ip = S("192.0.2.10"),
		.time = 1700000002,
	};
	acc_row *a = acc_row_request(&in);
	in.kind = ACC_KIND_MISSED;
	acc_row *m = acc_row_request(&in);
	dlg g;
	fake_dialog(&g);
	acc_row *c = acc_row_cdr(&g, DLG_END_BYE, 2500, 1700000200000, "caller");
	assert_int_equal(acc_row_insert(d, a), SIP_OK);
	assert_int_equal(acc_row_insert(d, a), SIP_OK);
	assert_int_equal(acc_row_insert(d, m), SIP_OK);
	assert_int_equal(acc_row_insert(d, c), SIP_OK);

	db_stmt *st;
	assert_int_equal(db_prepare(d, "SELECT method, from_tag, to_tag, callid, sip_code,"
				    " sip_reason, time, src_ip, from_user, from_domain, to_user,"
				    " to_domain, ruri_user, ruri_domain FROM acc ORDER BY id", &st), SIP_OK);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(db_step(st), DB_ROW);
		assert_str(db_column_text(st, 0), "INVITE");
		assert_str(db_column_text(st, 1), "1928301774");
		assert_str(db_column_text(st, 2), "a6c85cf");
		assert_str(db_column_text(st, 3), "a84b4c76e66710@pc33.atlanta.example.com");
		assert_int_equal(db_column_int(st, 4), 486);
		assert_str(db_column_text(st, 5), "Busy Here");
		assert_int_equal(db_column_int(st, 6), 1700000002);
		assert_str(db_column_text(st, 7), "192.0.2.10");
		assert_str(db_column_text(st, 8), "alice");
		assert_str(db_column_text(st, 9), "atlanta.example.com");
		assert_str(db_column_text(st, 10), "bob");
		assert_str(db_column_text(st, 11), "voip.example.com");
		assert_str(db_column_text(st, 12), "4921100");
		assert_str(db_column_text(st, 13), "voip.example.com");
	}
	assert_int_equal(db_step(st), SIP_OK);
	db_finalize(st);

	assert_int_equal(db_prepare(d, "SELECT count(*), min(sip_code) FROM missed_calls", &st),
			 SIP_OK);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_column_int(st, 0), 1);
	assert_int_equal(db_column_int(st, 1), 486);
	db_finalize(st);

	assert_int_equal(db_prepare(d, "SELECT caller, callee, callid, from_tag, to_tag, start_time,"
				    " end_time, duration_ms, end_reason, hangup_by FROM acc_cdrs", &st),
			 SIP_OK);
	assert_int_equal(db_step(st), DB_ROW);
	assert_str(db_column_text(st, 0), "sip:alice@atlanta.example.com");
	assert_str(db_column_text(st, 1), "sip:bob@voip.example.com");
	assert_str(db_column_text(st, 2), "cdr-1@example.com");
	assert_str(db_column_text(st, 3), "ftag");
	assert_str(db_column_text(st, 4), "ttag");
	assert_int_equal(db_column_int(st, 5), 1700000197);
	assert_int_equal(db_column_int(st, 6), 1700000200);
	assert_int_equal(db_column_int(st, 7), 2500);
	assert_str(db_column_text(st, 8), "bye");
	assert_str(db_column_text(st, 9), "caller");
	assert_int_equal(db_step(st), SIP_OK);
	db_finalize(st);
	acc_row_free(a);
	acc_row_free(m);
	acc_row_free(c);
}

/* A record whose text a backend cannot store is refused, not written
 * half. */
static void test_insert_refused(void **state)
{
	(void)state;
	static const char nul[] = "SIP/2.0 486 Busy\0Here\r\n";
	dlg g;
	fake_dialog(&g);
	g.callid = sip_str_make(nul, sizeof nul - 1);
	acc_row *c = acc_row_cdr(&g, DLG_END_BYE, 1, 1700000200000, "caller");
	assert_int_equal(acc_row_insert(d, c), SIP_EINVAL);
	acc_row_free(c);
	db_stmt *st;
	assert_int_equal(db_prepare(d, "SELECT count(*) FROM acc_cdrs", &st), SIP_OK);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_column_int(st, 0), 0);
	db_finalize(st);
}

static int64_t count_rows(const char *sql)
{
	db_stmt *st;
	int64_t n = -1;
	assert_int_equal(db_prepare_sql(d, sql, &st), SIP_OK);
	if (db_step(st) == DB_ROW)
		n = db_column_int(st, 0);
	db_finalize(st);
	return n;
}

/* A batch (acc_rows_insert): every record in one transaction, each into
 * its table; a refused record fails alone, the others are written. */
static void test_insert_batch(void **state)
{
	(void)state;
	struct acc_req_in in = {
		.kind = ACC_KIND_ACC, .req = &req, .resp = &resp, .src_ip = S("192.0.2.10"),
		.time = 1700000002,
	};
	acc_row *a = acc_row_request(&in);
	in.kind = ACC_KIND_MISSED;
	acc_row *m = acc_row_request(&in);
	dlg g;
	fake_dialog(&g);
	acc_row *c = acc_row_cdr(&g, DLG_END_BYE, 2500, 1700000200000, "caller");
	static const char nul[] = "bad\0callid";
	g.callid = sip_str_make(nul, sizeof nul - 1);
	acc_row *bad = acc_row_cdr(&g, DLG_END_BYE, 1, 1700000200000, "caller");

	assert_int_equal(acc_rows_insert(d, NULL), SIP_OK);
	a->next = m;
	m->next = c;
	c->next = NULL;
	a->status = m->status = c->status = SIP_EDBDOWN;
	assert_int_equal(acc_rows_insert(d, a), SIP_OK);
	assert_int_equal(a->status, SIP_OK);
	assert_int_equal(m->status, SIP_OK);
	assert_int_equal(c->status, SIP_OK);
	assert_int_equal(count_rows("SELECT count(*) FROM acc"), 1);
	assert_int_equal(count_rows("SELECT count(*) FROM missed_calls"), 1);
	assert_int_equal(count_rows("SELECT count(*) FROM acc_cdrs"), 1);

	/* The refused one in the middle: rolled back, then one by one. */
	a->next = bad;
	bad->next = c;
	c->next = NULL;
	assert_int_equal(acc_rows_insert(d, a), SIP_EINVAL);
	assert_int_equal(a->status, SIP_OK);
	assert_int_equal(bad->status, SIP_EINVAL);
	assert_int_equal(c->status, SIP_OK);
	assert_int_equal(count_rows("SELECT count(*) FROM acc"), 2);
	assert_int_equal(count_rows("SELECT count(*) FROM acc_cdrs"), 2);

	/* One record alone: written as acc_row_insert writes it. */
	c->next = NULL;
	c->status = SIP_EDBDOWN;
	assert_int_equal(acc_rows_insert(d, c), SIP_OK);
	assert_int_equal(c->status, SIP_OK);
	assert_int_equal(count_rows("SELECT count(*) FROM acc_cdrs"), 3);
	acc_row_free(a);
	acc_row_free(m);
	acc_row_free(c);
	acc_row_free(bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_row_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_row_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_row_cdr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_format_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_insert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_insert_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_insert_batch, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
