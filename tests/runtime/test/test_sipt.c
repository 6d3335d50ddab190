/* The test engine's C API (runtime/test/sipt.h) with the policy
 * sipt_policy.sip, compiled with probes by "sipcc build -c --probes":
 * the database with the runtime's schema, the clock, delivering a request
 * and reading what the proxy sent, with the statement that sent it. One
 * proxy per process: the cases run in order on the same one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/log.h"
#include "core/status.h"
#include "test/sipt.h"

static char db_path[256];

static const char invite[] =
	"INVITE sip:bob@test.example SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-c%d\r\n"
	"Max-Forwards: %d\r\n"
	"From: <sip:alice@test.example>;tag=a%d\r\n"
	"To: <sip:bob@test.example>\r\n"
	"Call-ID: capi-%d@192.0.2.10\r\n"
	"CSeq: 1 INVITE\r\n"
	"Contact: <sip:alice@192.0.2.10:5060>\r\n"
	"Content-Length: 0\r\n\r\n";

static void send_invite(int n, int maxfwd)
{
	char msg[1024];
	int len = snprintf(msg, sizeof msg, invite, n, maxfwd, n, n);
	sipt_out_clear();
	assert_int_equal(sipt_deliver(msg, (size_t)len, "192.0.2.10", 5060), SIP_OK);
	sipt_run();
}

/* The last reply other than 100; NULL when none. */
static const struct sipt_out *last_reply(void)
{
	const struct sipt_out *r = NULL;
	for (size_t i = 0; i < sipt_out_count(); i++) {
		const struct sipt_out *o = sipt_out_get(i);
		if (strncmp(o->text, "SIP/2.0 ", 8) == 0 && strncmp(o->text + 8, "100", 3) != 0)
			r = o;
	}
	return r;
}

/* Where the site "file:line:col" of o points: the line. */
static int site_line(const struct sipt_out *o)
{
	const char *c = strstr(o->site, ".sip:");
	return c ? atoi(c + 5) : -1;
}

static int setup(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	snprintf(db_path, sizeof db_path, "%s/sipt-capi-%d.db", tmp && *tmp ? tmp : "/tmp",
		 (int)getpid());
	assert_int_equal(sipt_db_create(db_path), SIP_OK);
	struct db *d;
	const char *cols[] = { "aor", "contact", "expires" };
	const char *vals[] = { "bob@test.example", "sip:bob@10.0.0.12:5062", "4102444800" };
	assert_int_equal(sipt_db_open(db_path, &d), SIP_OK);
	assert_int_equal(sipt_db_insert(d, "location", 3, cols, vals, NULL, 0), SIP_OK);
	char why[256];
	const char *bad[] = { "no such column" };
	assert_int_not_equal(sipt_db_insert(d, "location", 1, bad, vals, why, sizeof why), SIP_OK);
	assert_true(strstr(why, "column") != NULL);
	sipt_db_close(d);
	char url[300];
	snprintf(url, sizeof url, "sqlite:%s", db_path);
	sipt_policy_init();
	assert_true(sipt_site_count() > 0);
	assert_int_equal(sipt_start(url, "127.0.0.1", 5060), SIP_OK);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sipt_stop();
	unlink(db_path);
	return 0;
}

/* A relay to the registered contact, named at the policy's t_relay(). */
static void test_relay(void **state)
{
	(void)state;
	sipt_clock_set(1796637600);             /* 2026-12-07 10:00 UTC */
	send_invite(1, 70);
	const struct sipt_out *rel = NULL;
	for (size_t i = 0; i < sipt_out_count(); i++)
		if (strncmp(sipt_out_get(i)->text, "INVITE ", 7) == 0)
			rel = sipt_out_get(i);
	assert_non_null(rel);
	assert_string_equal(rel->dst, "10.0.0.12:5062");
	assert_true(strncmp(rel->text, "INVITE sip:bob@10.0.0.12:5062 SIP/2.0\r\n", 39) == 0);
	assert_int_equal(site_line(rel), 28);
}

/* Max-Forwards 0: the 483 of line 8. */
static void test_reply_site(void **state)
{
	(void)state;
	send_invite(2, 0);
	const struct sipt_out *r = last_reply();
	assert_non_null(r);
	assert_true(strncmp(r->text, "SIP/2.0 483 Too Many Hops\r\n", 27) == 0);
	assert_string_equal(r->dst, "192.0.2.10:5060");
	assert_int_equal(site_line(r), 8);
}

/* The clock decides $time: 21:00 is closed, and back at 10:00 it is not. */
static void test_clock(void **state)
{
	(void)state;
	sipt_clock_set(1796677200);             /* 2026-12-07 21:00 UTC */
	send_invite(3, 70);
	const struct sipt_out *r = last_reply();
	assert_non_null(r);
	assert_true(strncmp(r->text, "SIP/2.0 480 Closed For The Night", 32) == 0);
	assert_int_equal(site_line(r), 21);
	sipt_clock_set(1796637600);
	send_invite(4, 70);
	r = last_reply();
	assert_true(r == NULL || strncmp(r->text, "SIP/2.0 480", 11) != 0);
}

/* Time passes only when the test says: a callee that never answers gets
 * the caller a 408 after timer B (32 s), not before. */
static void test_advance(void **state)
{
	(void)state;
	send_invite(5, 70);
	assert_null(last_reply());
	sipt_advance(31000);
	assert_null(last_reply());
	sipt_advance(2000);
	const struct sipt_out *r = last_reply();
	assert_non_null(r);
	assert_true(strncmp(r->text, "SIP/2.0 408 ", 12) == 0);
	assert_string_equal(r->dst, "192.0.2.10:5060");
}

/* Every statement reached so far was counted; line 14's challenge was not
 * reached (no REGISTER). */
static void test_probes(void **state)
{
	(void)state;
	unsigned reached = 0, n = sipt_site_count();
	bool challenge = false;
	for (unsigned i = 0; i < n; i++) {
		reached += sipt_site_hits(i) != 0;
		if (strstr(sipt_site(i), ".sip:14:") && sipt_site_hits(i) == 0)
			challenge = true;
	}
	assert_true(reached > 0 && reached < n);
	assert_true(challenge);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relay),
		cmocka_unit_test(test_reply_site),
		cmocka_unit_test(test_clock),
		cmocka_unit_test(test_advance),
		cmocka_unit_test(test_probes),
	};
	setenv("TZ", "UTC", 1);
	sip_log_level = SIP_LOG_ERR;
	return cmocka_run_group_tests(tests, setup, teardown);
}
