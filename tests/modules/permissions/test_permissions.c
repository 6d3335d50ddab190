/* The address cache of the permissions module, loaded from a database
 * migrated to the current schema: IPv4 and IPv6 networks (and IPv4
 * sources in their IPv4-mapped IPv6 form), ports, transports, From URI
 * patterns, groups, which row gives the tag, rows with a bad pattern or
 * address left out while the others work, and a failed reload keeping
 * the rows in use. With DB_URL unset it runs on a temporary SQLite file. */
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
#include "permissions/permissions.h"

static db *d;

#define S(lit) SIP_STR_LIT(lit)

static void addr(int64_t id, int64_t grp, const char *ip, int64_t mask, int64_t port,
		 const char *proto, const char *pattern, const char *tag)
{
	db_stmt *st;
	assert_int_equal(db_prepare(d, "INSERT INTO address (id, grp, ip, mask, port, proto, pattern,"
				    " context_info) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", &st),
			 SIP_OK);
	assert_int_equal(db_bind_int(st, 1, id), SIP_OK);
	assert_int_equal(db_bind_int(st, 2, grp), SIP_OK);
	assert_int_equal(db_bind_text(st, 3, sip_str_make(ip, strlen(ip))), SIP_OK);
	assert_int_equal(db_bind_int(st, 4, mask), SIP_OK);
	assert_int_equal(db_bind_int(st, 5, port), SIP_OK);
	assert_int_equal(db_bind_text(st, 6, sip_str_make(proto, strlen(proto))), SIP_OK);
	assert_int_equal(db_bind_text(st, 7, sip_str_make(pattern, strlen(pattern))), SIP_OK);
	assert_int_equal(db_bind_text(st, 8, sip_str_make(tag, strlen(tag))), SIP_OK);
	assert_int_equal(db_step(st), SIP_OK);
	db_finalize(st);
}

/* A request from ip:port over proto with From URI from. */
static perm_src src(const char *ip, int port, int proto, const char *from)
{
	perm_src s = { .port = port, .proto = proto, .from = from };
	bool v4;
	assert_true(perm_addr_parse(ip, s.addr, &v4));
	return s;
}

/* The id of the row that admits the request, 0 when none does. */
static int64_t who(const char *ip, int port, int proto, const char *from, bool all, int64_t grp)
{
	perm_src s = src(ip, port, proto, from);
	const perm_row *r = perm_match(&s, all, grp);
	return r ? r->id : 0;
}

static int setup(void **state)
{
	(void)state;
	return db_fixture_open("test_permissions", &d);
}

static int teardown(void **state)
{
	(void)state;
	perm_cache_clear();
	db_fixture_close(d);
	return 0;
}

static void test_net_parse(void **state)
{
	(void)state;
	unsigned char net[16];
	int bits;
	bool host;
	assert_null(perm_net_parse("10.0.0.0", 8, net, &bits, &host));
	assert_int_equal(bits, 104);
	assert_false(host);
	assert_null(perm_net_parse("10.1.2.3", 8, net, &bits, &host));
	assert_true(host);                    /* cleared: 10.0.0.0/8 */
	assert_int_equal(net[12], 10);
	assert_int_equal(net[13], 0);
	assert_int_equal(net[15], 0);
	assert_null(perm_net_parse("192.168.1.128", 25, net, &bits, &host));
	assert_false(host);
	assert_null(perm_net_parse("192.168.1.129", 25, net, &bits, &host));
	assert_true(host);
	assert_int_equal(net[15], 128);
	assert_null(perm_net_parse("0.0.0.0", 0, net, &bits, &host));
	assert_int_equal(bits, 96);
	assert_non_null(perm_net_parse("10.0.0.0", 33, net, &bits, &host));
	assert_non_null(perm_net_parse("10.0.0.0", -1, net, &bits, &host));
	assert_null(perm_net_parse("2001:db8::", 32, net, &bits, &host));
	assert_int_equal(bits, 32);
	assert_null(perm_net_parse("2001:db8::1", 128, net, &bits, &host));
	assert_non_null(perm_net_parse("2001:db8::", 129, net, &bits, &host));
	assert_non_null(perm_net_parse("10.0.0", 8, net, &bits, &host));
	assert_non_null(perm_net_parse("example.com", 32, net, &bits, &host));
	assert_non_null(perm_net_parse("", 32, net, &bits, &host));

	assert_int_equal(perm_proto_parse(S("any")), PERM_PROTO_ANY);
	assert_int_equal(perm_proto_parse(S("UDP")), PERM_PROTO_UDP);
	assert_int_equal(perm_proto_parse(S("wss")), PERM_PROTO_WSS);
	assert_int_equal(perm_proto_parse(S("sctp")), -1);
	assert_int_equal(perm_proto_parse(S("")), -1);
	assert_string_equal(perm_proto_name(PERM_PROTO_TLS), "tls");
}

/* Networks, ports, transports, patterns and groups. */
static void test_match(void **state)
{
	(void)state;
	addr(1, 1, "192.0.2.0", 24, 0, "any", "", "net24");
	addr(2, 1, "192.0.2.7", 32, 5060, "udp", "", "gw7");
	addr(3, 2, "2001:db8::", 32, 0, "tls", "", "v6");
	addr(4, 2, "198.51.100.0", 25, 0, "any", "^sip:[^@]+@carrier\\.example$", "carrier");
	addr(5, 3, "203.0.113.5", 32, 0, "tcp", "", "tcp-only");
	assert_int_equal(perm_refresh(d), SIP_OK);
	assert_int_equal(perm_count(), 5);
	assert_int_equal(perm_skipped(), 0);

	/* The most specific row: 192.0.2.7 port 5060 over UDP is row 2, from
	 * another port or over TCP the /24 of row 1. */
	assert_int_equal(who("192.0.2.7", 5060, PERM_PROTO_UDP, "sip:a@b", true, 0), 2);
	assert_int_equal(who("192.0.2.7", 5061, PERM_PROTO_UDP, "sip:a@b", true, 0), 1);
	assert_int_equal(who("192.0.2.7", 5060, PERM_PROTO_TCP, "sip:a@b", true, 0), 1);
	assert_int_equal(who("192.0.2.255", 5060, PERM_PROTO_UDP, "", true, 0), 1);
	assert_int_equal(who("192.0.3.1", 5060, PERM_PROTO_UDP, "", true, 0), 0);
	/* The IPv4-mapped IPv6 form of an IPv4 source. */
	assert_int_equal(who("::ffff:192.0.2.9", 5060, PERM_PROTO_UDP, "", true, 0), 1);
	/* IPv6: in 2001:db8::/32 over TLS only. */
	assert_int_equal(who("2001:db8:1::5", 5061, PERM_PROTO_TLS, "", true, 0), 3);
	assert_int_equal(who("2001:db8:1::5", 5061, PERM_PROTO_TCP, "", true, 0), 0);
	assert_int_equal(who("2001:db9::5", 5061, PERM_PROTO_TLS, "", true, 0), 0);
	/* A /25: .0 to .127, and the pattern on the From URI. */
	assert_int_equal(who("198.51.100.127", 5060, PERM_PROTO_UDP,
			     "sip:+4930123@carrier.example", true, 0), 4);
	assert_int_equal(who("198.51.100.128", 5060, PERM_PROTO_UDP,
			     "sip:+4930123@carrier.example", true, 0), 0);
	assert_int_equal(who("198.51.100.1", 5060, PERM_PROTO_UDP,
			     "sip:+4930123@carrier.example.evil", true, 0), 0);
	assert_int_equal(who("198.51.100.1", 5060, PERM_PROTO_UDP, "", true, 0), 0);
	/* A transport no row names matches only "any" rows. */
	assert_int_equal(who("203.0.113.5", 5060, -1, "", true, 0), 0);
	assert_int_equal(who("203.0.113.5", 5060, PERM_PROTO_TCP, "", true, 0), 5);

	/* Groups: only that group's rows. */
	assert_int_equal(who("192.0.2.7", 5060, PERM_PROTO_UDP, "", false, 1), 2);
	assert_int_equal(who("192.0.2.7", 5060, PERM_PROTO_UDP, "", false, 2), 0);
	assert_int_equal(who("203.0.113.5", 1, PERM_PROTO_TCP, "", false, 3), 5);
	assert_int_equal(who("203.0.113.5", 1, PERM_PROTO_TCP, "", false, 1), 0);

	perm_src s = src("192.0.2.7", 5060, PERM_PROTO_UDP, "");
	const perm_row *r = perm_match(&s, true, 0);
	assert_non_null(r);
	assert_true(sip_str_eq(r->tag, S("gw7")));
}

/* The tag comes from the most specific row whatever the ids: a network
 * before a wider one, a port, a transport, a pattern, then the lowest id. */
static void test_order(void **state)
{
	(void)state;
	addr(1, 0, "10.0.0.0", 8, 0, "any", "", "wide");
	addr(2, 0, "10.1.0.0", 16, 0, "any", "", "narrow");
	addr(3, 0, "10.1.0.0", 16, 0, "any", "gw", "pattern");
	addr(4, 0, "10.1.0.0", 16, 0, "udp", "", "proto");
	addr(5, 0, "10.1.0.0", 16, 5060, "any", "", "port");
	addr(6, 0, "10.1.0.0", 16, 0, "any", "", "narrow too");
	assert_int_equal(perm_refresh(d), SIP_OK);
	assert_int_equal(who("10.1.2.3", 5060, PERM_PROTO_UDP, "sip:gw", true, 0), 5);
	assert_int_equal(who("10.1.2.3", 5070, PERM_PROTO_UDP, "sip:gw", true, 0), 4);
	assert_int_equal(who("10.1.2.3", 5070, PERM_PROTO_TCP, "sip:gw", true, 0), 3);
	assert_int_equal(who("10.1.2.3", 5070, PERM_PROTO_TCP, "sip:x", true, 0), 2);
	assert_int_equal(who("10.2.0.1", 5060, PERM_PROTO_UDP, "sip:gw", true, 0), 1);
}

/* Bad rows are left out, each reported with its id; the others work. A
 * row written with host bits set is read as its network. */
static void test_bad_rows(void **state)
{
	(void)state;
	addr(1, 1, "192.0.2.1", 32, 0, "any", "(unclosed", "bad re");
	addr(2, 1, "192.0.2.2", 32, 0, "any", "", "good");
	addr(3, 1, "192.0.2.300", 32, 0, "any", "", "bad ip");
	addr(4, 1, "192.0.2.4", 40, 0, "any", "", "bad mask");
	addr(5, 1, "192.0.2.5", 32, 0, "sctp", "", "bad proto");
	addr(6, 1, "192.0.2.6", 32, 70000, "any", "", "bad port");
	addr(7, 1, "10.9.8.7", 8, 0, "any", "^sip:", "host bits");
	assert_int_equal(perm_refresh(d), SIP_OK);
	assert_int_equal(perm_count(), 2);
	assert_int_equal(perm_skipped(), 5);
	assert_int_equal(who("192.0.2.1", 5060, PERM_PROTO_UDP, "sip:x", true, 0), 0);
	assert_int_equal(who("192.0.2.2", 5060, PERM_PROTO_UDP, "sip:x", true, 0), 2);
	assert_int_equal(who("192.0.2.5", 5060, PERM_PROTO_UDP, "sip:x", true, 0), 0);
	assert_int_equal(who("10.0.0.1", 5060, PERM_PROTO_UDP, "sip:x", true, 0), 7);
}

static void test_reload(void **state)
{
	(void)state;
	addr(1, 1, "192.0.2.1", 32, 0, "any", "", "");
	assert_int_equal(perm_refresh(d), SIP_OK);
	assert_int_equal(who("192.0.2.1", 1, PERM_PROTO_UDP, "", true, 0), 1);
	assert_int_equal(db_exec(d, "DELETE FROM address"), SIP_OK);
	addr(2, 1, "192.0.2.2", 32, 0, "any", "", "");
	assert_int_equal(perm_refresh(d), SIP_OK);
	assert_int_equal(who("192.0.2.1", 1, PERM_PROTO_UDP, "", true, 0), 0);
	assert_int_equal(who("192.0.2.2", 1, PERM_PROTO_UDP, "", true, 0), 2);
	assert_int_equal(db_exec(d, "DROP TABLE address"), SIP_OK);
	assert_int_not_equal(perm_refresh(d), SIP_OK);
	assert_int_equal(who("192.0.2.2", 1, PERM_PROTO_UDP, "", true, 0), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_net_parse),
		cmocka_unit_test_setup_teardown(test_match, setup, teardown),
		cmocka_unit_test_setup_teardown(test_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
