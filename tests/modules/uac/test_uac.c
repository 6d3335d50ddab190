/* The uac module without the proxy: From/To rewriting on parsed messages
 * (what leaves the proxy, built with the edits), what the Record-Route
 * carries and its reading back, the restore of the later requests of a
 * dialog in both directions and of their replies, the client side of
 * digest (RFC 2617's worked example) and the trunk table's choice of
 * credentials, on a temporary SQLite database (DB_URL names another). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "../db_fixture.h"
#include "core/status.h"
#include "uac/uac.h"

#define S(lit) SIP_STR_LIT(lit)

static sip_arena A;
static char out[4096];

static int arena_setup(void **state)
{
	(void)state;
	sip_arena_init(&A, 4096);
	return 0;
}

static int arena_teardown(void **state)
{
	(void)state;
	sip_arena_destroy(&A);
	return 0;
}

static sip_msg *parse(const char *text)
{
	sip_msg *m = sip_arena_alloc(&A, sizeof *m);
	char *buf = sip_arena_memdup(&A, text, strlen(text));
	assert_non_null(m);
	assert_int_equal(sip_msg_parse(&A, buf, strlen(text), m), SIP_OK);
	return m;
}

static const char *build(sip_msg *m)
{
	long n = sip_msg_build(m, out, sizeof out - 1);
	assert_true(n > 0);
	out[n] = '\0';
	return out;
}

static const char invite[] =
	"INVITE sip:bob@callee.example SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\n"
	"From: \"Alice\" <sip:alice@caller.example>;tag=a1\r\n"
	"To: Bob <sip:bob@callee.example>\r\n"
	"Call-ID: c1\r\n"
	"CSeq: 7 INVITE\r\n"
	"Content-Length: 0\r\n\r\n";

static void test_naddr_make(void **state)
{
	(void)state;
	sip_str r = uac_naddr_make(&A, S("Trunk"), S("sip:+1555@t.example"), NULL);
	assert_string_equal(sip_arena_printf(&A, SIP_STR_FMT "%c", SIP_STR_ARG(r), 0).s,
			    "\"Trunk\" <sip:+1555@t.example>");
	r = uac_naddr_make(&A, S("a \"b\" \\c"), S("sip:x@y"), NULL);
	assert_true(sip_str_eq(r, S("\"a \\\"b\\\" \\\\c\" <sip:x@y>")));
	r = uac_naddr_make(&A, S("\"Quoted\""), S("sip:x@y"), NULL);
	assert_true(sip_str_eq(r, S("\"Quoted\" <sip:x@y>")));
	r = uac_naddr_make(&A, S(""), S("tel:+15550100"), NULL);
	assert_true(sip_str_eq(r, S("<tel:+15550100>")));
	/* Not a URI a header may carry, or a display name with a line break. */
	assert_int_equal(uac_naddr_make(&A, S(""), S("sip:x@y>\r\nX: 1"), NULL).len, 0);
	assert_int_equal(uac_naddr_make(&A, S("a\r\nb"), S("sip:x@y"), NULL).len, 0);
	assert_int_equal(uac_naddr_make(&A, S(""), S("http://x"), NULL).len, 0);
	assert_int_equal(uac_naddr_make(&A, S(""), S(""), NULL).len, 0);
	/* The _uri forms keep the display name, quoted or not. */
	sip_msg *m = parse(invite);
	r = uac_naddr_make(&A, SIP_STR_NULL, S("sip:n@x"), sip_msg_from(m));
	assert_true(sip_str_eq(r, S("\"Alice\" <sip:n@x>")));
	r = uac_naddr_make(&A, SIP_STR_NULL, S("sip:n@x"), sip_msg_to(m));
	assert_true(sip_str_eq(r, S("Bob <sip:n@x>")));
}

/* The parameters stay, the tag first; an addr-spec without <> gets them. */
static void test_hdr_set(void **state)
{
	(void)state;
	sip_msg *m = parse(invite);
	assert_true(sip_str_eq(uac_naddr_part(sip_msg_from(m)), S("\"Alice\" <sip:alice@caller.example>")));
	assert_int_equal(uac_hdr_set(m, SIP_HDR_FROM, S("\"T\" <sip:t@t.example>")), SIP_OK);
	assert_int_equal(uac_hdr_set(m, SIP_HDR_TO, S("<sip:u@t.example>")), SIP_OK);
	/* Twice: the edit overlaps. */
	assert_int_equal(uac_hdr_set(m, SIP_HDR_FROM, S("<sip:v@t.example>")), SIP_EINVAL);
	assert_int_equal(uac_cseq_set(m, 8, &A), SIP_OK);
	const char *o = build(m);
	assert_non_null(strstr(o, "\r\nFrom: \"T\" <sip:t@t.example>;tag=a1\r\n"));
	assert_non_null(strstr(o, "\r\nTo: <sip:u@t.example>\r\n"));
	assert_non_null(strstr(o, "\r\nCSeq: 8 INVITE\r\n"));

	m = parse("BYE sip:x@y SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK2\r\n"
		  "From: sip:alice@caller.example;tag=a1\r\nTo: sip:bob@callee.example ;tag=b2\r\n"
		  "Call-ID: c1\r\nCSeq: 8 BYE\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(uac_hdr_set(m, SIP_HDR_FROM, S("<sip:t@t.example>")), SIP_OK);
	assert_int_equal(uac_hdr_set(m, SIP_HDR_TO, S("<sip:u@t.example>")), SIP_OK);
	o = build(m);
	assert_non_null(strstr(o, "\r\nFrom: <sip:t@t.example>;tag=a1\r\n"));
	assert_non_null(strstr(o, "\r\nTo: <sip:u@t.example> ;tag=b2\r\n"));
}

static void test_b64(void **state)
{
	(void)state;
	static const char *const in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe" };
	static const char *const enc[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy", "__4" };
	for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
		sip_str e = uac_b64_encode(&A, sip_str_make(in[i], strlen(in[i]))), d;
		assert_true(sip_str_eq(e, sip_str_make(enc[i], strlen(enc[i]))));
		assert_true(uac_b64_decode(&A, e, &d));
		assert_true(sip_str_eq(d, sip_str_make(in[i], strlen(in[i]))));
	}
	sip_str d;
	assert_false(uac_b64_decode(&A, S("Zm9v+"), &d));
	assert_false(uac_b64_decode(&A, S("Z"), &d));
}

static void test_param(void **state)
{
	(void)state;
	sip_str v;
	assert_true(uac_param(S("lr;uacf=abc;uacs=1.x"), "uacf", &v));
	assert_true(sip_str_eq(v, S("abc")));
	assert_true(uac_param(S("lr;uacf=abc;uacs=1.x"), "lr", &v));
	assert_int_equal(v.len, 0);
	assert_false(uac_param(S("lr;uacfx=abc"), "uacf", &v));
	assert_false(uac_param(S("lr"), "uac", &v));
}

/* Written on the first request, read back from a Route of a later one. */
static void test_rr_roundtrip(void **state)
{
	(void)state;
	sip_str f = uac_rr_ident(&A, false, S("a1"), S("\"Alice\" <sip:alice@caller.example>"),
				 S("\"T\" <sip:t@t.example>"));
	sip_str t = uac_rr_ident(&A, true, S("a1"), S("Bob <sip:bob@callee.example>"), S("<sip:u@t.example>"));
	sip_str c = uac_rr_shift(&A, 2, S("a1"));
	assert_true(f.len > 5 && memcmp(f.s, "uacf=", 5) == 0);
	assert_true(t.len > 5 && memcmp(t.s, "uact=", 5) == 0);
	assert_true(sip_str_eq(c, S("uacs=2.YTE")));
	sip_str params = sip_arena_printf(&A, "lr;" SIP_STR_FMT ";" SIP_STR_FMT ";" SIP_STR_FMT,
					  SIP_STR_ARG(f), SIP_STR_ARG(t), SIP_STR_ARG(c));
	struct uac_rr rr;
	memset(&rr, 0, sizeof rr);
	assert_true(uac_rr_read(&A, params, &rr));
	assert_true(rr.from && rr.to);
	assert_true(sip_str_eq(rr.ftag, S("a1")));
	assert_true(sip_str_eq(rr.from_orig, S("\"Alice\" <sip:alice@caller.example>")));
	assert_true(sip_str_eq(rr.from_new, S("\"T\" <sip:t@t.example>")));
	assert_true(sip_str_eq(rr.to_orig, S("Bob <sip:bob@callee.example>")));
	assert_true(sip_str_eq(rr.to_new, S("<sip:u@t.example>")));
	assert_int_equal(rr.shift, 2);
	/* Nothing of ours, or something damaged: not read. */
	memset(&rr, 0, sizeof rr);
	assert_false(uac_rr_read(&A, S("lr;ftag=x"), &rr));
	assert_false(uac_rr_read(&A, S("lr;uacf=!!"), &rr));
	assert_false(uac_rr_read(&A, S("lr;uacf=YTE"), &rr));        /* one piece, not three */
	assert_false(uac_rr_read(&A, S("lr;uacs=x.YTE"), &rr));
	assert_false(uac_rr_read(&A, S("lr;uacs=0.YTE"), &rr));
}

/* With uac.restore_key the identities are sealed: the same value read
 * back, nothing of them readable, a changed byte or another key refused. */
static void test_rr_sealed(void **state)
{
	(void)state;
	uac_rr_key_set(S("k3y"));
	sip_str f = uac_rr_ident(&A, false, S("a1"), S("\"Alice\" <sip:alice@caller.example>"),
				 S("<sip:t@t.example>"));
	sip_str f2 = uac_rr_ident(&A, false, S("a1"), S("\"Alice\" <sip:alice@caller.example>"),
				  S("<sip:t@t.example>"));
	assert_false(sip_str_eq(f, f2));        /* a nonce each */
	sip_str v = sip_str_make(f.s + 5, f.len - 5), raw;
	assert_true(uac_b64_decode(&A, v, &raw));
	assert_null(memmem(raw.s, raw.len, "alice", 5));
	struct uac_rr rr;
	memset(&rr, 0, sizeof rr);
	assert_true(uac_rr_read(&A, f, &rr));
	assert_true(sip_str_eq(rr.ftag, S("a1")));
	assert_true(sip_str_eq(rr.from_orig, S("\"Alice\" <sip:alice@caller.example>")));
	assert_true(sip_str_eq(rr.from_new, S("<sip:t@t.example>")));
	char *bad = sip_arena_memdup(&A, f.s, f.len);
	bad[12] = bad[12] == 'A' ? 'B' : 'A';
	memset(&rr, 0, sizeof rr);
	assert_false(uac_rr_read(&A, sip_str_make(bad, f.len), &rr));
	uac_rr_key_set(S("other"));
	assert_false(uac_rr_read(&A, f, &rr));
	uac_rr_key_set(S(""));
}

static struct uac_rr dialog_rr(void)
{
	struct uac_rr rr = {
		.ftag = S("a1"), .from = true, .to = true,
		.from_orig = S("\"Alice\" <sip:alice@caller.example>"), .from_new = S("\"T\" <sip:t@t.example>"),
		.to_orig = S("<sip:bob@callee.example>"), .to_new = S("<sip:u@t.example>"), .shift = 1,
	};
	return rr;
}

/* The caller's BYE leaves with the new identities and a higher CSeq; its
 * 200 comes back with what the caller sent. */
static void test_dialog_down(void **state)
{
	(void)state;
	struct uac_rr rr = dialog_rr();
	struct uac_call st;
	memset(&st, 0, sizeof st);
	sip_msg *m = parse("BYE sip:bob@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK3\r\n"
			   "From: \"Alice\" <sip:alice@caller.example>;tag=a1\r\n"
			   "To: <sip:bob@callee.example>;tag=b2\r\nCall-ID: c1\r\nCSeq: 8 BYE\r\n"
			   "Content-Length: 0\r\n\r\n");
	assert_int_equal(uac_dialog_apply(m, &rr, &st, &A), SIP_OK);
	const char *o = build(m);
	assert_non_null(strstr(o, "\r\nFrom: \"T\" <sip:t@t.example>;tag=a1\r\n"));
	assert_non_null(strstr(o, "\r\nTo: <sip:u@t.example>;tag=b2\r\n"));
	assert_non_null(strstr(o, "\r\nCSeq: 9 BYE\r\n"));
	sip_msg *r = parse("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK3\r\n"
			   "From: \"T\" <sip:t@t.example>;tag=a1\r\nTo: <sip:u@t.example>;tag=b2\r\n"
			   "Call-ID: c1\r\nCSeq: 9 BYE\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(uac_reply_restore(r, &st, &A), SIP_OK);
	o = build(r);
	assert_non_null(strstr(o, "\r\nFrom: \"Alice\" <sip:alice@caller.example>;tag=a1\r\n"));
	assert_non_null(strstr(o, "\r\nTo: <sip:bob@callee.example>;tag=b2\r\n"));
	assert_non_null(strstr(o, "\r\nCSeq: 8 BYE\r\n"));
}

/* The callee's BYE carries the new identities the other way round: it
 * reaches the caller with the original ones, its CSeq untouched, and
 * its 200 goes back to the callee with the new ones. */
static void test_dialog_up(void **state)
{
	(void)state;
	struct uac_rr rr = dialog_rr();
	struct uac_call st;
	memset(&st, 0, sizeof st);
	sip_msg *m = parse("BYE sip:alice@10.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK4\r\n"
			   "From: <sip:u@t.example>;tag=b2\r\nTo: \"T\" <sip:t@t.example>;tag=a1\r\n"
			   "Call-ID: c1\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(uac_dialog_apply(m, &rr, &st, &A), SIP_OK);
	const char *o = build(m);
	assert_non_null(strstr(o, "\r\nFrom: <sip:bob@callee.example>;tag=b2\r\n"));
	assert_non_null(strstr(o, "\r\nTo: \"Alice\" <sip:alice@caller.example>;tag=a1\r\n"));
	assert_non_null(strstr(o, "\r\nCSeq: 1 BYE\r\n"));
	assert_false(st.cseq_fix);
	sip_msg *r = parse("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK4\r\n"
			   "From: <sip:bob@callee.example>;tag=b2\r\n"
			   "To: \"Alice\" <sip:alice@caller.example>;tag=a1\r\n"
			   "Call-ID: c1\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(uac_reply_restore(r, &st, &A), SIP_OK);
	o = build(r);
	assert_non_null(strstr(o, "\r\nFrom: <sip:u@t.example>;tag=b2\r\n"));
	assert_non_null(strstr(o, "\r\nTo: \"T\" <sip:t@t.example>;tag=a1\r\n"));
}

/* A reply whose CSeq is the caller's already is left as it is (the 407
 * of the first branch of a request uac_auth sent again). */
static void test_reply_cseq_kept(void **state)
{
	(void)state;
	struct uac_call st = { .cseq_fix = true, .cseq = 7 };
	sip_msg *r = parse("SIP/2.0 407 Proxy Authentication Required\r\n"
			   "Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=a1\r\n"
			   "To: <sip:c@d>;tag=x\r\nCall-ID: c1\r\nCSeq: 7 INVITE\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(uac_reply_restore(r, &st, &A), SIP_OK);
	assert_int_equal(r->n_edits, 0);
}

/* RFC 2617 §3.5. */
static void test_digest_rfc2617(void **state)
{
	(void)state;
	struct uac_chal c;
	assert_true(uac_chal_parse(S("Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\","
				     " nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\","
				     " opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""), &c));
	assert_true(c.qop_auth);
	assert_false(c.sha256);
	sip_str l = uac_auth_line(&A, false, &c, S("Mufasa"), S("Circle Of Life"), S("GET"),
				  S("/dir/index.html"), S("0a4f113b"));
	char *z = sip_arena_memdup(&A, l.s, l.len + 1);
	z[l.len] = '\0';
	assert_non_null(strstr(z, "Authorization: Digest username=\"Mufasa\", realm=\"testrealm@host.com\""));
	assert_non_null(strstr(z, "response=\"6629fae49393a05397450978507c4ef1\""));
	assert_non_null(strstr(z, "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""));
	assert_non_null(strstr(z, "qop=auth, nc=00000001, cnonce=\"0a4f113b\""));
	assert_true(l.len > 2 && memcmp(l.s + l.len - 2, "\r\n", 2) == 0);
	/* Without qop (RFC 2069 style): response = H(HA1:nonce:HA2). */
	assert_true(uac_chal_parse(S("Digest realm=\"up.example\", nonce=\"abc\", algorithm=MD5"), &c));
	assert_false(c.qop_auth);
	l = uac_auth_line(&A, true, &c, S("acme"), S("s3cret"), S("INVITE"), S("sip:+1@up.example"), S("x"));
	assert_true(l.len > 20 && memcmp(l.s, "Proxy-Authorization: Digest ", 28) == 0);
	z = sip_arena_memdup(&A, l.s, l.len + 1);
	z[l.len] = '\0';
	assert_null(strstr(z, "qop="));
	assert_null(strstr(z, "opaque="));
	assert_true(uac_chal_parse(S("Digest realm=\"r\", nonce=\"n\", algorithm=SHA-256, stale=true"), &c));
	assert_true(c.sha256 && c.stale);
	/* What the client cannot answer. */
	assert_false(uac_chal_parse(S("Basic realm=\"r\""), &c));
	assert_false(uac_chal_parse(S("Digest realm=\"r\", nonce=\"n\", algorithm=AKAv1-MD5"), &c));
	assert_false(uac_chal_parse(S("Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\""), &c));
	assert_false(uac_chal_parse(S("Digest realm=\"r\""), &c));
}

/* ---- the trunk table ---- */

static db *d;

static void trunk(const char *name, const char *realm, const char *user, const char *reg)
{
	db_stmt *st;
	assert_int_equal(db_prepare(d, "INSERT INTO trunk (name, realm, username, password, registrar)"
				    " VALUES ($1, $2, $3, 'pw', $4)", &st), SIP_OK);
	assert_int_equal(db_bind_text(st, 1, sip_str_make(name, strlen(name))), SIP_OK);
	assert_int_equal(db_bind_text(st, 2, sip_str_make(realm, strlen(realm))), SIP_OK);
	assert_int_equal(db_bind_text(st, 3, sip_str_make(user, strlen(user))), SIP_OK);
	assert_int_equal(db_bind_text(st, 4, sip_str_make(reg, strlen(reg))), SIP_OK);
	assert_int_equal(db_step(st), SIP_OK);
	db_finalize(st);
}

static int db_setup(void **state)
{
	(void)state;
	return db_fixture_open("test_uac", &d);
}

static int db_teardown(void **state)
{
	(void)state;
	uac_trunk_cache_clear();
	db_fixture_close(d);
	return 0;
}

static void test_trunk_choice(void **state)
{
	(void)state;
	assert_null(uac_trunk_for_realm(S("up.example"), S("")));
	trunk("any", "", "anyone", "");
	trunk("gw1", "up.example", "one", "sip:GW1.example:5070");
	trunk("gw2", "up.example", "two", "sip:gw2.example");
	trunk("other", "other.example", "o", "");
	assert_int_equal(uac_trunk_refresh(d), SIP_OK);
	assert_int_equal(uac_trunk_count(), 4);
	/* The realm's trunks first; of those, the one whose registrar is the
	 * request's host; else the lowest id. */
	assert_true(sip_str_eq(uac_trunk_for_realm(S("up.example"), S("gw2.example"))->name, S("gw2")));
	assert_true(sip_str_eq(uac_trunk_for_realm(S("up.example"), S("gw1.example"))->name, S("gw1")));
	assert_true(sip_str_eq(uac_trunk_for_realm(S("up.example"), S("x.example"))->name, S("gw1")));
	assert_true(sip_str_eq(uac_trunk_for_realm(S("third.example"), S(""))->name, S("any")));
	assert_true(sip_str_eq(uac_trunk_for_realm(S("other.example"), S(""))->name, S("other")));
	assert_true(sip_str_eq(uac_trunk_by_name(S("gw2"))->username, S("two")));
	assert_null(uac_trunk_by_name(S("GW2")));
	assert_true(sip_str_eq(uac_trunk_by_name(S("gw1"))->reg_host, S("gw1.example")));
	assert_true(uac_name_valid(S("pstn-1.a_b")));
	assert_false(uac_name_valid(S("a b")));
	assert_false(uac_name_valid(S("")));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_naddr_make, arena_setup, arena_teardown),
		cmocka_unit_test_setup_teardown(test_hdr_set, arena_setup, arena_teardown),
		cmocka_unit_test_setup_teardown(test_b64, arena_setup, arena_teardown),
		cmocka_unit_test_setup_teardown(test_param, arena_setup, arena_teardown),
		cmocka_unit_test_setup_teardown(test_rr_roundtrip, arena_setup, arena_teardown),
		cmocka_unit_test_setup_teardown(test_rr_sealed, arena_setup, arena_teardown),
		cmocka_unit_test_setup_teardown(test_dialog_down, arena_setup, arena_teardown),
		cmocka_unit_test_setup_teardown(test_dialog_up, arena_setup, arena_teardown),
		cmocka_unit_test_setup_teardown(test_reply_cseq_kept, arena_setup, arena_teardown),
		cmocka_unit_test_setup_teardown(test_digest_rfc2617, arena_setup, arena_teardown),
		cmocka_unit_test_setup_teardown(test_trunk_choice, db_setup, db_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
