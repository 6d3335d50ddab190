/* Accounting records as RADIUS requests (modules/acc/acc_rad.c): the
 * Acct-Status-Type of each kind of record, the Sip-Method numbers of
 * OpenSIPS's dictionary, and the attributes of a transaction's record
 * and of a CDR (Acct-Session-Time, Acct-Terminate-Cause). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "acc/acc_rad.h"

static sip_str S(const char *s)
{
	return sip_str_make(s, strlen(s));
}

static const struct rad_attr *find(const struct acc_rad_buf *b, size_t n, const char *name)
{
	const struct rad_attr *hit = NULL;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(b->a[i].name, name)) {
			assert_null(hit);     /* each at most once */
			hit = &b->a[i];
		}
	return hit;
}

static void expect_str(const struct acc_rad_buf *b, size_t n, const char *name, const char *v)
{
	const struct rad_attr *a = find(b, n, name);
	assert_non_null(a);
	assert_false(a->is_int);
	char got[300];
	snprintf(got, sizeof got, "%.*s", (int)a->s.len, a->s.s);
	assert_string_equal(got, v);
}

static void expect_int(const struct acc_rad_buf *b, size_t n, const char *name, uint32_t v)
{
	const struct rad_attr *a = find(b, n, name);
	assert_non_null(a);
	assert_true(a->is_int);
	assert_int_equal(a->i, v);
}

static void test_methods(void **state)
{
	(void)state;
	assert_int_equal(acc_rad_sip_method(S("INVITE")), 1);
	assert_int_equal(acc_rad_sip_method(S("CANCEL")), 2);
	assert_int_equal(acc_rad_sip_method(S("ACK")), 4);
	assert_int_equal(acc_rad_sip_method(S("BYE")), 8);
	assert_int_equal(acc_rad_sip_method(S("REGISTER")), 128);
	assert_int_equal(acc_rad_sip_method(S("MESSAGE")), 256);
	assert_int_equal(acc_rad_sip_method(S("PUBLISH")), 8192);
	assert_int_equal(acc_rad_sip_method(S("FOO")), 0);
	assert_int_equal(acc_rad_sip_method(S("INVITEX")), 0);
}

static void test_status(void **state)
{
	(void)state;
	acc_row r;
	memset(&r, 0, sizeof r);
	r.kind = ACC_KIND_ACC;
	r.method = S("INVITE");
	r.sip_code = 200;
	assert_int_equal(acc_rad_status(&r), RAD_ACCT_START);
	r.sip_code = 486;
	assert_int_equal(acc_rad_status(&r), RAD_ACCT_FAILED);
	r.kind = ACC_KIND_MISSED;
	assert_int_equal(acc_rad_status(&r), RAD_ACCT_FAILED);
	r.kind = ACC_KIND_ACC;
	r.method = S("BYE");
	r.sip_code = 200;
	assert_int_equal(acc_rad_status(&r), RAD_ACCT_STOP);
	r.method = S("MESSAGE");
	assert_int_equal(acc_rad_status(&r), RAD_ACCT_INTERIM);
	r.kind = ACC_KIND_CDR;
	assert_int_equal(acc_rad_status(&r), RAD_ACCT_STOP);
}

static void test_request_record(void **state)
{
	(void)state;
	acc_row r;
	memset(&r, 0, sizeof r);
	r.kind = ACC_KIND_ACC;
	r.method = S("INVITE");
	r.sip_code = 200;
	r.callid = S("abc@host");
	r.from_tag = S("ft1");
	r.to_tag = S("tt1");
	r.from_user = S("alice");
	r.from_domain = S("example.com");
	r.to_user = S("bob");
	r.to_domain = S("example.com");
	r.ruri_user = S("bob");
	r.ruri_domain = S("10.0.0.2");
	r.src_ip = S("192.0.2.1");
	r.time = 1796665387;
	struct acc_rad_buf b;
	size_t n = acc_rad_attrs(&r, &b);
	assert_true(n > 0 && n <= RAD_ATTRS_MAX);
	expect_int(&b, n, "Acct-Status-Type", RAD_ACCT_START);
	expect_int(&b, n, "Service-Type", 15);
	expect_str(&b, n, "Acct-Session-Id", "abc@host");
	expect_str(&b, n, "Sip-From-Tag", "ft1");
	expect_str(&b, n, "Sip-To-Tag", "tt1");
	expect_str(&b, n, "Calling-Station-Id", "sip:alice@example.com");
	expect_str(&b, n, "Called-Station-Id", "sip:bob@example.com");
	expect_str(&b, n, "Sip-Translated-Request-URI", "sip:bob@10.0.0.2");
	expect_int(&b, n, "Sip-Method", 1);
	expect_int(&b, n, "Sip-Response-Code", 200);
	expect_str(&b, n, "Sip-Src-IP", "192.0.2.1");
	expect_int(&b, n, "Event-Timestamp", 1796665387);
	assert_null(find(&b, n, "Acct-Session-Time"));

	/* A user-less URI, and no To domain: no Called-Station-Id value. */
	r.from_user = SIP_STR_NULL;
	r.to_domain = SIP_STR_NULL;
	n = acc_rad_attrs(&r, &b);
	expect_str(&b, n, "Calling-Station-Id", "sip:example.com");
	const struct rad_attr *c = find(&b, n, "Called-Station-Id");
	assert_true(!c || c->s.len == 0);
}

static void test_cdr(void **state)
{
	(void)state;
	acc_row r;
	memset(&r, 0, sizeof r);
	r.kind = ACC_KIND_CDR;
	r.callid = S("cdr@host");
	r.from_tag = S("a");
	r.to_tag = S("b");
	r.caller = S("sip:alice@example.com");
	r.callee = S("sip:bob@example.com");
	r.duration_ms = 61600;
	r.end_time = 1796665500;
	r.end_reason = S("bye");
	struct acc_rad_buf b;
	size_t n = acc_rad_attrs(&r, &b);
	expect_int(&b, n, "Acct-Status-Type", RAD_ACCT_STOP);
	expect_str(&b, n, "Acct-Session-Id", "cdr@host");
	expect_str(&b, n, "Calling-Station-Id", "sip:alice@example.com");
	expect_str(&b, n, "Called-Station-Id", "sip:bob@example.com");
	expect_int(&b, n, "Sip-Method", 8);
	expect_int(&b, n, "Acct-Session-Time", 62);   /* rounded */
	expect_int(&b, n, "Acct-Terminate-Cause", 1); /* User-Request */
	expect_int(&b, n, "Event-Timestamp", 1796665500);
	r.end_reason = S("timeout");
	n = acc_rad_attrs(&r, &b);
	expect_int(&b, n, "Acct-Terminate-Cause", 5); /* Session-Timeout */
	r.end_reason = S("shutdown");
	n = acc_rad_attrs(&r, &b);
	expect_int(&b, n, "Acct-Terminate-Cause", 10); /* NAS-Request */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_request_record),
		cmocka_unit_test(test_cdr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
