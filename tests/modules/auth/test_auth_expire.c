/* How long the auth module keeps a subscriber's row (auth.cache_expire),
 * through the test engine's C API (runtime/test/sipt.h) with a policy
 * that answers an authenticated REGISTER 200, on a SQLite file. The same
 * program is built twice:
 *
 *   test_auth_expire    auth_expire.sip, auth.cache_expire = 60: a row
 *                       read less than that ago is used (a password changed
 *                       in the database meanwhile is not seen, no query
 *                       goes to the database); once it is older, the row is
 *                       read again and the new password applies.
 *   test_auth_nocache   auth_nocache.sip, auth.cache_expire = 0: nothing
 *                       is kept, every check queries the database, a new
 *                       password applies to the next REGISTER.
 *
 * Both set db.change_interval = 0: the change serial the trigger bumps on
 * the password's update is never polled, so only the expiry can let the
 * new password in. Time passes only when the test says (sipt_advance, the
 * loop's clock, which is the cache's); the queries are counted by the
 * database worker (jobs submitted: the policy has no other database
 * work). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/status.h"
#include "db/db.h"
#include "db/db_worker.h"
#include "proxy/modules.h"
#include "proxy/settings.h"
#include "test/sipt.h"
#include "uac/uac.h"
#include "test/tmpdb.h"

static char db_path[256], db_url[300];
static int64_t keep_s;           /* the policy's auth.cache_expire */
static int seq;

static unsigned long queries(void)
{
	db_worker_stats st;
	db_worker_get_stats(proxy_db_worker(), &st);
	return st.submitted;
}

/* The status of the last reply the proxy sent, 0 when none. */
static int last_status(void)
{
	int st = 0;
	for (size_t i = 0; i < sipt_out_count(); i++) {
		const char *t = sipt_out_get(i)->text;
		if (strncmp(t, "SIP/2.0 ", 8) == 0)
			st = atoi(t + 8);
	}
	return st;
}

static int send_register(const char *auth_line)
{
	char msg[2048];
	seq++;
	int len = snprintf(msg, sizeof msg,
			   "REGISTER sip:test.example SIP/2.0\r\n"
			   "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-r%d\r\n"
			   "Max-Forwards: 70\r\n"
			   "From: <sip:alice@test.example>;tag=r%d\r\n"
			   "To: <sip:alice@test.example>\r\n"
			   "Call-ID: expire-%d@192.0.2.10\r\n"
			   "CSeq: %d REGISTER\r\n"
			   "Contact: <sip:alice@192.0.2.10:5060>\r\n"
			   "%s"
			   "Content-Length: 0\r\n\r\n", seq, seq, seq, seq, auth_line);
	assert_true(len > 0 && (size_t)len < sizeof msg);
	sipt_out_clear();
	assert_int_equal(sipt_deliver(msg, (size_t)len, "192.0.2.10", 5060), SIP_OK);
	sipt_run();
	return last_status();
}

/* REGISTER as alice with password: challenged, then answered with the
 * credentials; the status of the answer to those. */
static int register_with(const char *password)
{
	assert_int_equal(send_register(""), 401);
	char chal[1024] = "";
	for (size_t i = 0; i < sipt_out_count(); i++) {
		const char *t = sipt_out_get(i)->text, *h = strstr(t, "\r\nWWW-Authenticate:");
		if (h) {
			h += strlen("\r\nWWW-Authenticate:");
			while (*h == ' ')
				h++;
			size_t n = strcspn(h, "\r");
			assert_true(n < sizeof chal);
			memcpy(chal, h, n);
			chal[n] = '\0';
		}
	}
	struct uac_chal c;
	assert_true(uac_chal_parse(sip_str_make(chal, strlen(chal)), &c));
	sip_arena a;
	sip_arena_init(&a, 2048);
	sip_str line = uac_auth_line(&a, false, &c, SIP_STR_LIT("alice"),
				     sip_str_make(password, strlen(password)), SIP_STR_LIT("REGISTER"),
				     SIP_STR_LIT("sip:test.example"), SIP_STR_LIT("0a4f113b"));
	assert_non_null(line.s);
	char auth[1024];
	snprintf(auth, sizeof auth, "%.*s", (int)line.len, line.s);
	sip_arena_destroy(&a);
	return send_register(auth);
}

/* Change alice's password in the database, as SQL would (the trigger
 * bumps the table's change serial, which nothing polls here). */
static void set_password(const char *password)
{
	db *d;
	char sql[256];
	assert_int_equal(db_open(db_url, &d), SIP_OK);
	snprintf(sql, sizeof sql, "UPDATE subscriber SET password = '%s' WHERE username = 'alice'",
		 password);
	assert_int_equal(db_exec_sql(d, sql), SIP_OK);
	db_close(d);
}

static int setup(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	snprintf(db_path, sizeof db_path, "%s/test_auth_expire-%d.db", tmp && *tmp ? tmp : "/tmp",
		 (int)getpid());
	snprintf(db_url, sizeof db_url, "sqlite:%s", db_path);
	assert_int_equal(sipt_db_create(db_path), SIP_OK);
	struct db *d;
	const char *cols[] = { "username", "domain", "password" };
	const char *vals[] = { "alice", "test.example", "first-secret" };
	assert_int_equal(sipt_db_open(db_path, &d), SIP_OK);
	assert_int_equal(sipt_db_insert(d, "subscriber", 3, cols, vals, NULL, 0), SIP_OK);
	sipt_db_close(d);
	assert_int_equal(sipcc_setting_int("db", "change_interval", -1), 0);
	assert_int_equal(sipt_start(db_url, "127.0.0.1", 5060), SIP_OK);
	assert_non_null(proxy_db_worker());
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sipt_stop();
	sipt_sqlite_unlink(db_path);
	return 0;
}

/* auth.cache_expire > 0: a row younger than that is used as it was read,
 * an older one is read again. */
static void test_expire(void **state)
{
	(void)state;
	assert_true(keep_s >= 20);
	unsigned long q0 = queries();
	assert_int_equal(register_with("first-secret"), 200);
	assert_int_equal(queries(), q0 + 1);
	set_password("second-secret");
	/* Younger: the row read before is used; the database is not asked. */
	assert_int_equal(register_with("second-secret"), 401);
	assert_int_equal(register_with("first-secret"), 200);
	sipt_advance((uint64_t)(keep_s - 10) * 1000);
	assert_int_equal(register_with("first-secret"), 200);
	assert_int_equal(queries(), q0 + 1);
	/* Older: read again, the new password applies, and is kept in turn. */
	sipt_advance(10 * 1000 + 1000);
	assert_int_equal(register_with("second-secret"), 200);
	assert_int_equal(queries(), q0 + 2);
	assert_int_equal(register_with("first-secret"), 401);
	assert_int_equal(queries(), q0 + 2);
}

/* auth.cache_expire = 0: nothing is kept; each REGISTER's check reads the
 * row, and a new password applies to the next one, no time passing. */
static void test_no_cache(void **state)
{
	(void)state;
	assert_int_equal(keep_s, 0);
	unsigned long q0 = queries();
	assert_int_equal(register_with("first-secret"), 200);
	assert_int_equal(register_with("first-secret"), 200);
	assert_int_equal(register_with("first-secret"), 200);
	assert_int_equal(queries(), q0 + 3);
	set_password("second-secret");
	assert_int_equal(register_with("second-secret"), 200);
	assert_int_equal(register_with("first-secret"), 401);
	assert_int_equal(queries(), q0 + 5);
}

int main(void)
{
	const struct CMUnitTest expire[] = {
		cmocka_unit_test(test_expire),
	};
	const struct CMUnitTest no_cache[] = {
		cmocka_unit_test(test_no_cache),
	};
	sip_log_level = SIP_LOG_ERR;
	/* The policy linked in says which case this program is. */
	sipt_policy_init();
	keep_s = sipcc_setting_int("auth", "cache_expire", -1);
	if (keep_s < 0) {
		fprintf(stderr, "the policy sets no auth.cache_expire\n");
		return 1;
	}
	if (keep_s == 0)
		return cmocka_run_group_tests(no_cache, setup, teardown);
	return cmocka_run_group_tests(expire, setup, teardown);
}
