/* "Myself" tests (runtime/proxy/self.c): which hosts, URIs and addresses
 * are the proxy's (socket addresses by host and port, with the default
 * port of the URI; domains by host, whatever the port), the RFC 3261
 * §16.4 removal of the proxy's own Route values (preloaded outbound
 * proxy, double Record-Route, a strict router), and the credentials for
 * the proxy that never leave it. The sockets are of the loop transport. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "auth/auth.h"
#include "core/status.h"
#include "proxy/proxy.h"

/* proxy.c is not linked: its configuration lives here. */
struct proxy_conf proxy_conf;

/* What the authentication module tells the host (auth_fn.c: a nonce this
 * proxy issued, or a realm that is one of its domains); without it
 * proxy_strip_credentials does nothing. */
static bool test_creds_ours(sip_str body)
{
	return auth_creds_for_us(body, proxy_is_domain);
}

static sip_arena arena;
static char out[4096];

static int group_setup(void **state)
{
	(void)state;
	assert_non_null(tp_loopback_socket("127.0.0.1", 5070));
	assert_non_null(tp_loopback_socket("192.0.2.10", 5060));
	assert_non_null(tp_loopback_socket("0.0.0.0", 5080));
	assert_non_null(tp_loopback_socket("::1", 5090));
	proxy_conf.domains[0] = "voip.example.com";
	proxy_conf.n_domains = 1;
	auth_nonce_init();
	proxy_set_credentials_filter(test_creds_ours);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	tp_close_all();
	return 0;
}

static int setup(void **state)
{
	(void)state;
	sip_arena_init(&arena, 8192);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sip_arena_destroy(&arena);
	return 0;
}

static bool uri_us(const char *s)
{
	sip_uri u;
	assert_int_equal(sip_uri_parse(sip_str_make(s, strlen(s)), &u), SIP_OK);
	return proxy_uri_is_us(&u);
}

/* A proxy on 127.0.0.1:5070 is not sip:vm@127.0.0.1:5095 (a media server
 * beside it); a URI without a port names 5060 (5061 for sips: and TLS);
 * a domain of the proxy is the proxy's on any port. */
static void test_uri_host_and_port(void **state)
{
	(void)state;
	assert_true(uri_us("sip:x@127.0.0.1:5070"));
	assert_false(uri_us("sip:vm@127.0.0.1:5095"));
	assert_false(uri_us("sip:x@127.0.0.1"));
	assert_true(uri_us("sip:x@192.0.2.10"));
	assert_true(uri_us("sip:x@192.0.2.10:5060;lr"));
	assert_false(uri_us("sips:x@192.0.2.10"));
	assert_false(uri_us("sip:x@192.0.2.10;transport=tls"));
	assert_true(uri_us("sip:x@voip.example.com"));
	assert_true(uri_us("sip:x@VOIP.Example.COM:5095"));
	assert_false(uri_us("sip:x@example.org"));
	assert_false(uri_us("tel:+4930123456"));
	/* IPv6 by address, not by spelling. */
	assert_true(uri_us("sip:x@[::1]:5090"));
	assert_true(uri_us("sip:x@[0:0::1]:5090"));
	assert_false(uri_us("sip:x@[::1]:5070"));
	/* A socket on the wildcard address has the loopback addresses;
	 * another address is not claimed without asking the kernel. */
	assert_true(uri_us("sip:x@127.0.0.1:5080"));
	assert_false(uri_us("sip:x@198.51.100.7:5080"));
	/* uri_is_local() leaves the domain table out, not the domains. */
	assert_true(proxy_host_is_us(SIP_STR_LIT("voip.example.com"), 5060, false));
	assert_false(proxy_host_is_us(SIP_STR_LIT("127.0.0.1"), 5095, true));
	/* port 0: any port (the Via of a reply). */
	assert_true(proxy_is_us(SIP_STR_LIT("127.0.0.1"), 0));
	assert_false(proxy_is_us(SIP_STR_LIT("198.51.100.7"), 0));
}

static bool addr_us(const sip_transport *tp, const char *ip, int port)
{
	sip_addr a;
	assert_int_equal(sip_addr_from_ip(&a, sip_str_make(ip, strlen(ip)), port), SIP_OK);
	return proxy_addr_is_us(tp, &a);
}

/* A next hop that is one of the proxy's sockets is a loop. */
static void test_addr_loop(void **state)
{
	(void)state;
	assert_true(addr_us(&tp_loopback, "127.0.0.1", 5070));
	assert_false(addr_us(&tp_loopback, "127.0.0.1", 5095));
	assert_true(addr_us(&tp_loopback, "192.0.2.10", 5060));
	assert_true(addr_us(&tp_loopback, "127.0.0.2", 5080));
	assert_true(addr_us(&tp_loopback, "::1", 5090));
	assert_false(addr_us(&tp_loopback, "::1", 5060));
	/* Over another transport nobody of ours listens there. */
	assert_false(addr_us(&tp_udp, "127.0.0.1", 5070));
}

static sip_msg msg;
static char buf[2048];

static void parse(const char *ruri, const char *extra, struct sip_ctx *ctx)
{
	int n = snprintf(buf, sizeof buf,
			 "OPTIONS %s SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKself\r\n"
			 "%s"
			 "Max-Forwards: 70\r\n"
			 "From: <sip:alice@voip.example.com>;tag=a\r\n"
			 "To: <sip:bob@voip.example.com>\r\n"
			 "Call-ID: self@10.0.0.1\r\n"
			 "CSeq: 1 OPTIONS\r\n"
			 "Content-Length: 0\r\n\r\n", ruri, extra);
	assert_int_equal(sip_msg_parse(&arena, buf, (size_t)n, &msg), SIP_OK);
	memset(ctx, 0, sizeof *ctx);
	ctx->msg = &msg;
	ctx->arena = &arena;
	ctx->maxfwd = -1;
}

static const char *built(void)
{
	long n = sip_msg_build(&msg, out, sizeof out);
	assert_true(n > 0);
	out[n] = '\0';
	return out;
}

static bool is(sip_str s, const char *want)
{
	return s.len == strlen(want) && (!s.len || memcmp(s.s, want, s.len) == 0);
}

/* A phone that has the proxy as its outbound proxy: the Route goes, and
 * nothing else routes the request. */
static void test_route_preloaded(void **state)
{
	(void)state;
	struct sip_ctx ctx;
	parse("sip:bob@voip.example.com", "Route: <sip:127.0.0.1:5070;lr>\r\n", &ctx);
	proxy_route_self(&ctx);
	assert_true(ctx.routes_done);
	assert_int_equal(ctx.routes_ours, 1);
	assert_int_equal(ctx.route_next.len, 0);
	assert_null(strstr(built(), "Route:"));
	/* Once per message. */
	proxy_route_self(&ctx);
	assert_int_equal(ctx.routes_ours, 1);
}

/* The topmost values of ours go (by address or domain, in one header or
 * several: double Record-Route); the first one left is the next hop and
 * stays in the request. */
static void test_route_next(void **state)
{
	(void)state;
	struct sip_ctx ctx;
	parse("sip:bob@voip.example.com",
	      "Route: <sip:127.0.0.1:5070;lr>, <sip:voip.example.com;lr>, <sip:10.0.0.9;lr>\r\n", &ctx);
	proxy_route_self(&ctx);
	assert_int_equal(ctx.routes_ours, 2);
	assert_true(is(ctx.route_next, "sip:10.0.0.9;lr"));
	assert_non_null(strstr(built(), "\r\nRoute: <sip:10.0.0.9;lr>\r\n"));

	parse("sip:bob@10.0.0.5",
	      "Route: <sip:192.0.2.10;lr>\r\nRoute: <sip:127.0.0.1:5070;lr>\r\n"
	      "Route: <sip:10.0.0.9;lr>, <sip:127.0.0.1:5070;lr>\r\n", &ctx);
	proxy_route_self(&ctx);
	assert_int_equal(ctx.routes_ours, 2);
	assert_true(is(ctx.route_next, "sip:10.0.0.9;lr"));
	/* Only the topmost: ours further down is a later visit (a spiral). */
	assert_non_null(strstr(built(), "\r\nRoute: <sip:10.0.0.9;lr>, <sip:127.0.0.1:5070;lr>\r\n"));
	assert_null(strstr(out, "192.0.2.10"));
}

/* A Route that is not ours (another port of our address) stays first. */
static void test_route_not_ours(void **state)
{
	(void)state;
	struct sip_ctx ctx;
	parse("sip:bob@voip.example.com", "Route: <sip:127.0.0.1:5095;lr>\r\n", &ctx);
	proxy_route_self(&ctx);
	assert_int_equal(ctx.routes_ours, 0);
	assert_true(is(ctx.route_next, "sip:127.0.0.1:5095;lr"));
	assert_non_null(strstr(built(), "\r\nRoute: <sip:127.0.0.1:5095;lr>\r\n"));
}

/* A strict router put our Record-Route in the Request-URI: the last Route
 * is the real target. A Request-URI of ours without ;lr (a REGISTER or
 * OPTIONS to the proxy's address) is not that. */
static void test_route_strict(void **state)
{
	(void)state;
	struct sip_ctx ctx;
	parse("sip:127.0.0.1:5070;lr", "Route: <sip:10.0.0.9>, <sip:bob@10.0.0.5>\r\n", &ctx);
	proxy_route_self(&ctx);
	assert_true(is(ctx.new_ruri, "sip:bob@10.0.0.5"));
	assert_true(is(ctx.route_next, "sip:10.0.0.9"));
	assert_non_null(strstr(built(), "\r\nRoute: <sip:10.0.0.9>\r\n"));
	assert_null(strstr(out, "bob@10.0.0.5"));   /* the Request-URI is rewritten later */

	parse("sip:127.0.0.1:5070", "Route: <sip:127.0.0.1:5070;lr>\r\n", &ctx);
	proxy_route_self(&ctx);
	assert_int_equal(ctx.new_ruri.len, 0);
	assert_int_equal(ctx.routes_ours, 1);
	assert_null(strstr(built(), "Route:"));
}

/* Credentials for the proxy (a nonce it issued, or a realm that is one of
 * its domains) are removed; those for another hop stay; a header the
 * policy consumed already is not removed twice. */
static void test_strip_credentials(void **state)
{
	(void)state;
	struct sip_ctx ctx;
	char nonce[AUTH_NONCE_LEN + 1], hdrs[1024];
	auth_nonce_make((int64_t)time(NULL), nonce);
	snprintf(hdrs, sizeof hdrs,
		 "Proxy-Authorization: Digest username=\"alice\", realm=\"voip.example.com\", "
		 "nonce=\"0123\", uri=\"sip:bob@voip.example.com\", response=\"00\"\r\n"
		 "Proxy-Authorization: Digest username=\"alice\", realm=\"pbx.example.org\", "
		 "nonce=\"%s\", uri=\"sip:bob@voip.example.com\", response=\"00\"\r\n"
		 "Proxy-Authorization: Digest username=\"alice\", realm=\"gw.example.net\", "
		 "nonce=\"abcd\", uri=\"sip:bob@voip.example.com\", response=\"00\"\r\n"
		 "Authorization: Digest username=\"alice\", realm=\"voip.example.com\", "
		 "nonce=\"4567\", uri=\"sip:bob@voip.example.com\", response=\"00\"\r\n", nonce);
	parse("sip:bob@voip.example.com", hdrs, &ctx);
	assert_int_equal(proxy_strip_credentials(&msg), SIP_OK);
	const char *b = built();
	assert_null(strstr(b, "voip.example.com\", nonce"));
	assert_null(strstr(b, "pbx.example.org"));
	assert_non_null(strstr(b, "realm=\"gw.example.net\""));
	assert_null(strstr(b, "\r\nAuthorization:"));

	/* consume_credentials() removed the first one already. */
	parse("sip:bob@voip.example.com", hdrs, &ctx);
	assert_int_equal(sip_msg_remove_hdr(&msg, msg.first[SIP_HDR_PROXY_AUTHORIZATION]), SIP_OK);
	assert_int_equal(proxy_strip_credentials(&msg), SIP_OK);
	b = built();
	assert_null(strstr(b, "pbx.example.org"));
	assert_non_null(strstr(b, "realm=\"gw.example.net\""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_uri_host_and_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_addr_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_preloaded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_next, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_not_ours, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_strict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strip_credentials, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
