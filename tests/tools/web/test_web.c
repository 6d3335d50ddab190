/* tests/tools/web/test_web.c: the security core of sipcc-web without a
 * server: password hashes (PBKDF2-HMAC-SHA256, checked against an
 * independent implementation's output), tokens, sessions (rotation at
 * login, idle and age limits, eviction), the CSRF check, form decoding
 * and the checks of every input a form brings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "tools/sipcc-web/web.h"

const char *ctl_prog = "test_web";

static bool is_hex(const char *s, size_t n)
{
	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdef", s[i]))
			return false;
	return true;
}

static void test_pw_hash_roundtrip(void **state)
{
	(void)state;
	char h1[WEB_HASH_MAX], h2[WEB_HASH_MAX];
	assert_true(web_pw_hash("s3cret-pass", 1000, h1, sizeof h1));
	assert_true(web_pw_hash("s3cret-pass", 1000, h2, sizeof h2));
	assert_true(strncmp(h1, "pbkdf2-sha256$1000$", 19) == 0);
	/* A random salt: the same password never hashes alike. */
	assert_string_not_equal(h1, h2);
	assert_true(web_pw_verify("s3cret-pass", h1));
	assert_true(web_pw_verify("s3cret-pass", h2));
	assert_false(web_pw_verify("s3cret-pasS", h1));
	assert_false(web_pw_verify("", h1));
	assert_false(web_pw_verify("s3cret-pass", "s3cret-pass"));
	/* One digit of the stored hash changed. */
	char t[WEB_HASH_MAX];
	strcpy(t, h1);
	size_t n = strlen(t);
	t[n - 1] = t[n - 1] == '0' ? '1' : '0';
	assert_false(web_pw_verify("s3cret-pass", t));
	/* The iteration count is part of the hash. */
	strcpy(t, h1);
	memcpy(t + 14, "1001", 4);
	assert_false(web_pw_verify("s3cret-pass", t));
}

/* The stored form of Python's hashlib.pbkdf2_hmac('sha256', b'correct
 * horse', bytes(range(16)), 1000, 32): the hash is standard PBKDF2. */
static void test_pw_known_vector(void **state)
{
	(void)state;
	const char *stored = "pbkdf2-sha256$1000$000102030405060708090a0b0c0d0e0f$"
			     "c914cc4f06cc6e8f46d157e3a1b5aa7abceebb17bb0444cd4c4ac16ca2ae9864";
	assert_true(web_pw_verify("correct horse", stored));
	assert_false(web_pw_verify("correct horsE", stored));
}

static void test_pw_malformed(void **state)
{
	(void)state;
	const char *bad[] = {
		"", "pbkdf2-sha256$", "pbkdf2-sha256$0$000102030405060708090a0b0c0d0e0f$"
		"c914cc4f06cc6e8f46d157e3a1b5aa7abceebb17bb0444cd4c4ac16ca2ae9864",
		"pbkdf2-sha1$1000$000102030405060708090a0b0c0d0e0f$"
		"c914cc4f06cc6e8f46d157e3a1b5aa7abceebb17bb0444cd4c4ac16ca2ae9864",
		"pbkdf2-sha256$1000$0001$c914cc4f06cc6e8f46d157e3a1b5aa7abceebb17bb0444cd4c4ac16ca2ae9864",
		"pbkdf2-sha256$1000$000102030405060708090a0b0c0d0e0f$c914",
		"pbkdf2-sha256$1000$000102030405060708090A0B0C0D0E0F$"
		"c914cc4f06cc6e8f46d157e3a1b5aa7abceebb17bb0444cd4c4ac16ca2ae9864",
		"pbkdf2-sha256$x$000102030405060708090a0b0c0d0e0f$"
		"c914cc4f06cc6e8f46d157e3a1b5aa7abceebb17bb0444cd4c4ac16ca2ae9864",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(web_pw_verify("correct horse", bad[i]));
	assert_false(web_pw_verify(NULL, bad[0]));
	assert_false(web_pw_verify("x", NULL));
}

/* The default count is the one OWASP asks of PBKDF2-HMAC-SHA256. */
static void test_pw_default_cost(void **state)
{
	(void)state;
	char h[WEB_HASH_MAX];
	assert_true(WEB_PBKDF2_ITERATIONS >= 600000);
	assert_true(web_pw_hash("pw-default", WEB_PBKDF2_ITERATIONS, h, sizeof h));
	assert_non_null(strstr(h, "$600000$"));
	assert_true(web_pw_verify("pw-default", h));
	/* Too small a buffer is refused, not truncated. */
	assert_false(web_pw_hash("pw-default", 1000, h, 40));
}

static void test_tokens(void **state)
{
	(void)state;
	char a[WEB_TOKEN_HEX + 1], b[WEB_TOKEN_HEX + 1];
	assert_true(web_random_hex(a, WEB_TOKEN_HEX / 2));
	assert_true(web_random_hex(b, WEB_TOKEN_HEX / 2));
	assert_true(is_hex(a, 64));
	assert_string_not_equal(a, b);
	assert_true(web_token_eq(a, a));
	assert_false(web_token_eq(a, b));
	char c[WEB_TOKEN_HEX + 1];
	strcpy(c, a);
	c[63] = '\0';
	assert_false(web_token_eq(a, c));
	assert_false(web_token_eq("", ""));
	assert_false(web_token_eq(NULL, a));
	assert_false(web_token_eq(a, NULL));
	char pw[32];
	assert_true(web_pw_generate(pw, sizeof pw));
	assert_int_equal(strlen(pw), 20);
	assert_null(strpbrk(pw, "0O1lI"));
	assert_false(web_pw_generate(pw, 10));
}

static void test_session_login_rotates(void **state)
{
	(void)state;
	web_sessions_reset();
	time_t now = 1000000;
	web_session *s = web_session_new(now);
	assert_non_null(s);
	assert_true(is_hex(s->id, 64));
	assert_true(is_hex(s->csrf, 64));
	assert_string_not_equal(s->id, s->csrf);
	assert_string_equal(s->user, "");
	assert_false(web_session_writes(s));
	char old_id[WEB_TOKEN_HEX + 1], old_csrf[WEB_TOKEN_HEX + 1];
	strcpy(old_id, s->id);
	strcpy(old_csrf, s->csrf);
	assert_ptr_equal(web_session_find(old_id, now + 1), s);
	assert_null(web_session_find("00", now));
	assert_null(web_session_find(NULL, now));
	web_session *n = web_session_login(s, "alice", "admin", now + 2);
	assert_non_null(n);
	/* The id and token known before the login are dead after it. */
	assert_null(web_session_find(old_id, now + 3));
	assert_string_not_equal(n->id, old_id);
	assert_false(web_csrf_ok(n, old_csrf));
	assert_true(web_csrf_ok(n, n->csrf));
	assert_false(web_csrf_ok(n, ""));
	assert_false(web_csrf_ok(NULL, n->csrf));
	assert_ptr_equal(web_session_find(n->id, now + 3), n);
	assert_string_equal(n->user, "alice");
	assert_true(web_session_writes(n));
	web_session *sup = web_session_login(NULL, "bob", "support", now);
	assert_false(web_session_writes(sup));
	char id[WEB_TOKEN_HEX + 1];
	strcpy(id, n->id);
	web_session_end(n);
	assert_null(web_session_find(id, now + 4));
}

static void test_session_limits(void **state)
{
	(void)state;
	web_sessions_reset();
	time_t now = 2000000;
	web_session *s = web_session_login(NULL, "alice", "admin", now);
	char id[WEB_TOKEN_HEX + 1];
	strcpy(id, s->id);
	/* Idle too long: gone. */
	assert_null(web_session_find(id, now + WEB_SESSION_IDLE + 1));
	/* Used every 20 minutes, it still ends at its maximum age. */
	s = web_session_login(NULL, "alice", "admin", now);
	strcpy(id, s->id);
	time_t t = now;
	while (t + 1200 <= now + WEB_SESSION_MAX_AGE) {
		t += 1200;
		assert_non_null(web_session_find(id, t));
	}
	assert_null(web_session_find(id, now + WEB_SESSION_MAX_AGE + 1));
	/* A full table drops the least recently used session. */
	web_sessions_reset();
	web_session *first = web_session_new(now);
	strcpy(id, first->id);
	for (int i = 1; i <= WEB_SESSIONS_MAX; i++)
		assert_non_null(web_session_new(now + i));
	assert_null(web_session_find(id, now + WEB_SESSIONS_MAX + 1));
	/* Loading the login page again and again (sessions without a user)
	 * does not log out the staff; when all have a user, the least
	 * recently used goes. */
	web_sessions_reset();
	web_session *staff = web_session_login(NULL, "alice", "admin", now);
	strcpy(id, staff->id);
	for (int i = 1; i <= 10 * WEB_SESSIONS_MAX; i++)
		assert_non_null(web_session_new(now + 1));
	assert_non_null(web_session_find(id, now + 2));
	web_sessions_reset();
	staff = web_session_login(NULL, "alice", "admin", now);
	strcpy(id, staff->id);
	char bob1[WEB_TOKEN_HEX + 1];
	for (int i = 1; i < WEB_SESSIONS_MAX; i++) {
		web_session *b = web_session_login(NULL, "bob", "support", now + i);
		assert_non_null(b);
		if (i == 1)
			strcpy(bob1, b->id);
	}
	assert_non_null(web_session_find(id, now + WEB_SESSIONS_MAX));
	assert_non_null(web_session_login(NULL, "carol", "admin", now + WEB_SESSIONS_MAX + 1));
	assert_null(web_session_find(bob1, now + WEB_SESSIONS_MAX + 2));
	assert_non_null(web_session_find(id, now + WEB_SESSIONS_MAX + 2));
}

/* Five wrong passwords lock the name for a minute, the right one too;
 * other names are not affected; the lock ends; a good login forgets the
 * failures; failures spread beyond the window do not add up. */
static void test_login_throttle(void **state)
{
	(void)state;
	web_login_reset();
	time_t now = 3000000;
	for (int i = 0; i < WEB_LOGIN_FAILS - 1; i++) {
		web_login_failed("alice", now + i);
		assert_int_equal(web_login_locked("alice", now + i), 0);
	}
	web_login_failed("alice", now + 10);
	assert_int_equal(web_login_locked("alice", now + 10), WEB_LOGIN_LOCK);
	assert_int_equal(web_login_locked("alice", now + 30), WEB_LOGIN_LOCK - 20);
	assert_int_equal(web_login_locked("bob", now + 30), 0);
	assert_int_equal(web_login_locked("alice", now + 10 + WEB_LOGIN_LOCK), 0);
	/* A good login clears the count. */
	web_login_failed("bob", now);
	web_login_failed("bob", now);
	web_login_ok("bob");
	for (int i = 0; i < WEB_LOGIN_FAILS - 1; i++)
		web_login_failed("bob", now + 1);
	assert_int_equal(web_login_locked("bob", now + 1), 0);
	/* Failures further apart than the window start a new count. */
	web_login_reset();
	for (int i = 0; i < 3 * WEB_LOGIN_FAILS; i++) {
		web_login_failed("carol", now + (time_t)i * (WEB_LOGIN_WINDOW / 2 + 1));
		assert_int_equal(web_login_locked("carol", now + (time_t)i * (WEB_LOGIN_WINDOW / 2 + 1)), 0);
	}
	/* Many names: the table gives way, and still counts the new one. */
	web_login_reset();
	char name[16];
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof name, "u%d", i);
		web_login_failed(name, now + i);
	}
	for (int i = 0; i < WEB_LOGIN_FAILS; i++)
		web_login_failed("dave", now + 2000);
	assert_true(web_login_locked("dave", now + 2000) > 0);
}

static void test_form_get(void **state)
{
	(void)state;
	const char *body = "ab=no&a=1&b=x%20y+z&c=&e=%zz&f=%00&g=%0a";
	char v[16];
	bool bad = false;
	assert_true(web_form_get(body, strlen(body), "a", v, sizeof v, &bad));
	assert_string_equal(v, "1");
	assert_true(web_form_get(body, strlen(body), "b", v, sizeof v, &bad));
	assert_string_equal(v, "x y z");
	assert_true(web_form_get(body, strlen(body), "c", v, sizeof v, &bad));
	assert_string_equal(v, "");
	assert_false(bad);
	assert_false(web_form_get(body, strlen(body), "d", v, sizeof v, &bad));
	assert_false(bad);
	assert_false(web_form_get(body, strlen(body), "e", v, sizeof v, &bad));
	assert_true(bad);
	bad = false;
	assert_false(web_form_get(body, strlen(body), "f", v, sizeof v, &bad));
	assert_true(bad);
	assert_true(web_form_get(body, strlen(body), "g", v, sizeof v, NULL));
	assert_string_equal(v, "\n");
	bad = false;
	const char *lng = "k=0123456789abcdefXYZ";
	assert_false(web_form_get(lng, strlen(lng), "k", v, sizeof v, &bad));
	assert_true(bad);
	/* Only the first len bytes count. */
	assert_false(web_form_get(body, 4, "a", v, sizeof v, NULL));
}

static void test_checks(void **state)
{
	(void)state;
	assert_null(web_check_user("alice.b-1"));
	assert_non_null(strstr(web_check_user("o'brien"), "quote"));
	assert_non_null(strstr(web_check_user("a\"b"), "quote"));
	assert_non_null(strstr(web_check_user("a b"), "space"));
	assert_non_null(strstr(web_check_user(""), "empty"));
	assert_non_null(strstr(web_check_user("a@b"), "@"));
	assert_non_null(web_check_user("a<b"));
	assert_non_null(web_check_user("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	assert_null(web_check_domain("voip.example.com"));
	assert_non_null(strstr(web_check_domain("voip example.com"), "space"));
	assert_non_null(web_check_domain("bad_domain.com"));
	assert_non_null(web_check_domain(""));
	char u[128], d[256];
	assert_null(web_check_aor("sip:alice@Example.COM", u, sizeof u, d, sizeof d));
	assert_string_equal(u, "alice");
	assert_string_equal(d, "example.com");
	assert_non_null(strstr(web_check_aor("sip:alice @example.com", u, sizeof u, d, sizeof d), "space"));
	assert_non_null(strstr(web_check_aor("alice", u, sizeof u, d, sizeof d), "@"));
	assert_non_null(strstr(web_check_aor("a@b@c", u, sizeof u, d, sizeof d), "@"));
	assert_non_null(strstr(web_check_aor("<sip:a@b.com>", u, sizeof u, d, sizeof d), "angle"));
	assert_non_null(strstr(web_check_aor("o'x@b.com", u, sizeof u, d, sizeof d), "quote"));
	assert_null(web_check_forward("sip:voicemail@voip.example.com"));
	assert_null(web_check_forward("sips:+4930123@gw.example.com;user=phone"));
	assert_non_null(strstr(web_check_forward("sip:voice mail@x.com"), "space"));
	assert_non_null(strstr(web_check_forward("tel:+4930123"), "sip:"));
	assert_non_null(strstr(web_check_forward("sip:@x.com"), "user and a host"));
	assert_non_null(strstr(web_check_forward("sip:a@x.com\">"), "quotes"));
	assert_non_null(web_check_forward(""));
	assert_null(web_check_password("long enough"));
	assert_non_null(strstr(web_check_password("short"), "shorter"));
	assert_non_null(web_check_password("tab\there1"));
	assert_null(web_check_admin_name("ops.team-1"));
	assert_non_null(web_check_admin_name("ops team"));
	assert_non_null(web_check_admin_name("o'ps"));
	assert_null(web_check_search("alice"));
	assert_non_null(web_check_search("a\x01"));
	int64_t t = 7;
	assert_null(web_check_date("", &t));
	assert_int_equal(t, 7);
	assert_null(web_check_date("2024-02-29", &t));
	assert_int_equal(t, 1709164800);
	assert_null(web_check_date("1970-01-01", &t));
	assert_int_equal(t, 0);
	assert_non_null(web_check_date("2026-02-29", &t));
	assert_non_null(web_check_date("2026-13-01", &t));
	assert_non_null(web_check_date("2026-1-01", &t));
	assert_non_null(web_check_date("2026-01-01x", &t));
	assert_non_null(web_check_date("2026-01-01' OR 1=1", &t));
	char like[64];
	web_like_pattern("50%_!", like, sizeof like);
	assert_string_equal(like, "%50!%!_!!%");
	web_like_pattern("", like, sizeof like);
	assert_string_equal(like, "");
}

static void test_buf(void **state)
{
	(void)state;
	web_buf b = { 0 };
	web_buf_html(&b, "<a href=\"x\">'&");
	assert_string_equal(b.s, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;");
	web_buf_free(&b);
	web_buf_csv(&b, "plain");
	web_buf_puts(&b, "|");
	web_buf_csv(&b, "a,\"b\"");
	web_buf_puts(&b, "|");
	web_buf_csv(&b, "=cmd()");
	assert_string_equal(b.s, "plain|\"a,\"\"b\"\"\"|\"'=cmd()\"");
	web_buf_free(&b);
	web_buf_url(&b, "a b&c=d/é");
	assert_string_equal(b.s, "a%20b%26c%3Dd%2F%C3%A9");
	web_buf_free(&b);
	for (int i = 0; i < 2000; i++)
		web_buf_printf(&b, "%04d", i);
	assert_int_equal(b.len, 8000);
	assert_false(b.oom);
	web_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pw_hash_roundtrip), cmocka_unit_test(test_pw_known_vector),
		cmocka_unit_test(test_pw_malformed),      cmocka_unit_test(test_pw_default_cost),
		cmocka_unit_test(test_tokens),            cmocka_unit_test(test_session_login_rotates),
		cmocka_unit_test(test_session_limits),    cmocka_unit_test(test_login_throttle),
		cmocka_unit_test(test_form_get),
		cmocka_unit_test(test_checks),            cmocka_unit_test(test_buf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
