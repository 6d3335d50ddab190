/* The part of the radius module without radcli and the proxy
 * (modules/radius/rad_rec.c): records own copies of their attributes,
 * the accounting queue keeps its bound and its order (a record put back
 * keeps its place), digest credentials are packed as the
 * sub-attributes of draft-sterman-aaa-sip that FreeRADIUS unpacks, and
 * the servers of a setting become radcli's list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "radius/radius.h"

static rad_rec *rec_of(const char *sid)
{
	struct rad_attr a[] = {
		{ .name = "Acct-Status-Type", .is_int = true, .i = RAD_ACCT_START },
		{ .name = "Acct-Session-Id", .s = sip_str_make(sid, strlen(sid)) },
	};
	return rad_rec_new(a, 2);
}

static const char *sid_of(const rad_rec *r)
{
	static char buf[64];
	const struct rad_attr *a = rad_rec_find(r, "acct-session-id");
	assert_non_null(a);
	snprintf(buf, sizeof buf, "%.*s", (int)a->s.len, a->s.s);
	return buf;
}

static void test_rec_copies(void **state)
{
	(void)state;
	char sid[] = "call-1@example.com";
	char name[] = "Sip-From-Tag";
	char big[400];
	memset(big, 'x', sizeof big);
	struct rad_attr a[] = {
		{ .name = "Acct-Session-Id", .s = sip_str_make(sid, strlen(sid)) },
		{ .name = name, .s = SIP_STR_NULL },          /* empty: left out */
		{ .name = "Sip-Response-Code", .is_int = true, .i = 486 },
		{ .name = "Called-Station-Id", .s = sip_str_make(big, sizeof big) },
	};
	rad_rec *r = rad_rec_new(a, 4);
	assert_non_null(r);
	/* The caller's buffers may go. */
	memset(sid, '?', sizeof sid - 1);
	memset(name, '?', sizeof name - 1);
	assert_int_equal(r->n, 3);
	assert_string_equal(sid_of(r), "call-1@example.com");
	assert_null(rad_rec_find(r, "Sip-From-Tag"));
	const struct rad_attr *c = rad_rec_find(r, "Sip-Response-Code");
	assert_non_null(c);
	assert_true(c->is_int);
	assert_int_equal(c->i, 486);
	/* RFC 2865 §5: at most 253 octets. */
	const struct rad_attr *b = rad_rec_find(r, "Called-Station-Id");
	assert_non_null(b);
	assert_int_equal(b->s.len, RAD_VALUE_MAX);
	rad_rec_free(r);

	struct rad_attr many[RAD_ATTRS_MAX + 1];
	for (size_t i = 0; i < RAD_ATTRS_MAX + 1; i++)
		many[i] = (struct rad_attr){ .name = "Class", .is_int = true, .i = 1 };
	assert_null(rad_rec_new(many, RAD_ATTRS_MAX + 1));
	r = rad_rec_new(many, RAD_ATTRS_MAX);
	assert_non_null(r);
	assert_int_equal(r->n, RAD_ATTRS_MAX);
	rad_rec_free(r);
}

static void test_queue_bound_and_order(void **state)
{
	(void)state;
	rad_queue q;
	rad_queue_init(&q, 3);
	char sid[16];
	for (int i = 1; i <= 3; i++) {
		snprintf(sid, sizeof sid, "c%d", i);
		assert_true(rad_queue_push(&q, rec_of(sid)));
	}
	/* Full: the fourth is refused and stays the caller's. */
	rad_rec *extra = rec_of("c4");
	assert_false(rad_queue_push(&q, extra));
	assert_int_equal(q.n, 3);
	rad_rec_free(extra);
	/* The first goes out, is not taken by the server, and comes back
	 * in front, even with the queue full again. */
	rad_rec *r = rad_queue_pop(&q);
	assert_string_equal(sid_of(r), "c1");
	assert_true(rad_queue_push(&q, rec_of("c5")));
	rad_queue_push_front(&q, r);
	assert_int_equal(q.n, 4);
	const char *want[] = { "c1", "c2", "c3", "c5" };
	for (int i = 0; i < 4; i++) {
		r = rad_queue_pop(&q);
		assert_non_null(r);
		assert_string_equal(sid_of(r), want[i]);
		rad_rec_free(r);
	}
	assert_null(rad_queue_pop(&q));
	assert_int_equal(q.n, 0);
	assert_true(rad_queue_push(&q, rec_of("c6")));
	assert_true(rad_queue_push(&q, rec_of("c7")));
	assert_int_equal(rad_queue_clear(&q), 2);
	assert_null(q.head);
	assert_null(q.tail);
}

static sip_str S(const char *s)
{
	return sip_str_make(s, strlen(s));
}

/* The value of the Digest-Attributes attribute with sub-type t. */
static const struct rad_attr *sub(const struct rad_attr *a, size_t n, int t)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(a[i].name, "Digest-Attributes") && a[i].s.len >= 2
		    && (unsigned char)a[i].s.s[0] == t)
			return &a[i];
	return NULL;
}

static void test_digest_attrs(void **state)
{
	(void)state;
	struct rad_digest_in in = {
		.user_name = S("alice"),
		.username = S("alice"),
		.realm = S("voip.example.com"),
		.nonce = S("0123abcd"),
		.uri = S("sip:voip.example.com"),
		.response = S("6629fae49393a05397450978507c4ef1"),
		.qop = S("auth"),
		.cnonce = S("c0ffee"),
		.nc = S("00000001"),
		.method = S("REGISTER"),
	};
	struct rad_attr a[RAD_ATTRS_MAX];
	static char buf[RAD_ATTRS_MAX * RAD_VALUE_MAX];
	size_t n = rad_digest_attrs(&in, a, buf);
	/* User-Name, Digest-Response, Service-Type and 8 sub-attributes
	 * (no algorithm given: none sent). */
	assert_int_equal(n, 11);
	assert_string_equal(a[0].name, "User-Name");
	assert_int_equal(a[0].s.len, 5);
	assert_string_equal(a[1].name, "Digest-Response");
	assert_int_equal(a[1].s.len, 32);
	assert_string_equal(a[2].name, "Service-Type");
	assert_int_equal(a[2].i, 15);
	const struct rad_attr *r = sub(a, n, RAD_DIGEST_REALM);
	assert_non_null(r);
	/* type, length of the whole, value */
	assert_int_equal(r->s.len, 2 + 16);
	assert_int_equal((unsigned char)r->s.s[1], 2 + 16);
	assert_memory_equal(r->s.s + 2, "voip.example.com", 16);
	const struct rad_attr *m = sub(a, n, RAD_DIGEST_METHOD);
	assert_non_null(m);
	assert_memory_equal(m->s.s + 2, "REGISTER", 8);
	assert_non_null(sub(a, n, RAD_DIGEST_NONCE_COUNT));
	assert_non_null(sub(a, n, RAD_DIGEST_USER_NAME));
	assert_null(sub(a, n, RAD_DIGEST_ALGORITHM));

	/* A required part missing, or a value too long to pack: nothing. */
	struct rad_digest_in bad = in;
	bad.nonce = SIP_STR_NULL;
	assert_int_equal(rad_digest_attrs(&bad, a, buf), 0);
	char big[300];
	memset(big, 'n', sizeof big);
	bad = in;
	bad.nonce = sip_str_make(big, sizeof big);
	assert_int_equal(rad_digest_attrs(&bad, a, buf), 0);
	char out[RAD_VALUE_MAX];
	assert_int_equal(rad_digest_sub_pack(RAD_DIGEST_URI, sip_str_make(big, 251), out), 253);
	assert_int_equal(rad_digest_sub_pack(RAD_DIGEST_URI, sip_str_make(big, 252), out), 0);
	assert_int_equal(rad_digest_sub_pack(RAD_DIGEST_URI, SIP_STR_NULL, out), 0);
}

/* list -> radcli's list (or NULL), with the count and whether bad. */
static void expect_list(const char *list, const char *want, unsigned n_want, bool bad_want)
{
	unsigned n = 99;
	bool bad = false;
	char *got = rad_server_list(list, "s3cret", 1813, &n, &bad);
	assert_int_equal(bad, bad_want);
	if (!want) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	assert_int_equal(n, n_want);
	sip_mem_free(got);
}

static void test_server_list(void **state)
{
	(void)state;
	expect_list("", NULL, 0, false);
	expect_list("127.0.0.1", "127.0.0.1:1813:s3cret", 1, false);
	expect_list("127.0.0.1:21813, radius.example.com ,10.0.0.2:1646",
		    "127.0.0.1:21813:s3cret,radius.example.com:1813:s3cret,10.0.0.2:1646:s3cret",
		    3, false);
	expect_list("[::1]:1813,[2001:db8::5]", "[::1]:1813:s3cret,[2001:db8::5]:1813:s3cret", 2,
		    false);
	/* Many short names: room for every secret. */
	expect_list("a,b,c,d,e,f,g,h,i,j", "a:1813:s3cret,b:1813:s3cret,c:1813:s3cret,"
		    "d:1813:s3cret,e:1813:s3cret,f:1813:s3cret,g:1813:s3cret,h:1813:s3cret,"
		    "i:1813:s3cret,j:1813:s3cret", 10, false);
	expect_list("127.0.0.1:0", NULL, 0, true);
	expect_list("127.0.0.1:70000", NULL, 0, true);
	expect_list("127.0.0.1:18x", NULL, 0, true);
	expect_list(":1813", NULL, 0, true);
	expect_list("::1", NULL, 0, true);
	expect_list("[::1:1813", NULL, 0, true);
	expect_list("a b:1813", NULL, 0, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rec_copies),
		cmocka_unit_test(test_queue_bound_and_order),
		cmocka_unit_test(test_digest_attrs),
		cmocka_unit_test(test_server_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
