#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "sip_test.h"

#include "core/status.h"
#include "sip/msg.h"

static int parse(const char *s, sip_uri *u)
{
	return sip_uri_parse(sip_str_make(s, strlen(s)), u);
}

static void test_full_sip_uri(void **state)
{
	sip_uri u;

	(void)state;
	assert_int_equal(parse("sip:alice:secret@atlanta.com:5061;transport=tcp;maddr=239.255.255.1;lr;ttl=15?subject=project%20x&priority=urgent", &u), SIP_OK);
	assert_str(u.scheme, "sip");
	assert_true(u.is_sip);
	assert_false(u.secure);
	assert_str(u.user, "alice");
	assert_str(u.password, "secret");
	assert_str(u.host, "atlanta.com");
	assert_str(u.port_str, "5061");
	assert_int_equal(u.port, 5061);
	assert_str(u.params, "transport=tcp;maddr=239.255.255.1;lr;ttl=15");
	assert_str(u.transport, "tcp");
	assert_str(u.maddr, "239.255.255.1");
	assert_true(u.lr);
	assert_str(u.headers, "subject=project%20x&priority=urgent");
}

static void test_simple_forms(void **state)
{
	sip_uri u;

	(void)state;
	assert_int_equal(parse("sip:example.com", &u), SIP_OK);
	assert_int_equal(u.user.len, 0);
	assert_str(u.host, "example.com");
	assert_int_equal(u.port, 0);
	assert_false(u.lr);
	assert_int_equal(u.params.len, 0);

	assert_int_equal(parse("SIPS:bob@192.0.2.4", &u), SIP_OK);
	assert_true(u.secure);
	assert_true(u.is_sip);
	assert_str(u.host, "192.0.2.4");

	assert_int_equal(parse("sip:+1-212-555-1212:1234@gateway.com;user=phone", &u), SIP_OK);
	assert_str(u.user, "+1-212-555-1212");
	assert_str(u.password, "1234");
	assert_str(u.params, "user=phone");

	assert_int_equal(parse("sip:user;par=u%40example.net@example.com", &u), SIP_OK);
	assert_str(u.user, "user;par=u%40example.net");
	assert_str(u.host, "example.com");

	assert_int_equal(parse("sip:%61lice@example.com;LR", &u), SIP_OK);
	assert_str(u.user, "%61lice");
	assert_true(u.lr);
}

static void test_ipv6_host(void **state)
{
	sip_uri u;

	(void)state;
	assert_int_equal(parse("sip:[2001:db8::1]", &u), SIP_OK);
	assert_str(u.host, "[2001:db8::1]");
	assert_int_equal(u.port, 0);
	assert_int_equal(parse("sip:bob@[::ffff:192.0.2.1]:5070;transport=udp", &u), SIP_OK);
	assert_str(u.host, "[::ffff:192.0.2.1]");
	assert_int_equal(u.port, 5070);
	assert_str(u.transport, "udp");
	assert_int_equal(parse("sip:[2001:db8::1", &u), SIP_EPARSE);
	assert_int_equal(parse("sip:[]", &u), SIP_EPARSE);
	assert_int_equal(parse("sip:[2001:zz::1]", &u), SIP_EPARSE);
}

static void test_other_schemes(void **state)
{
	sip_uri u;

	(void)state;
	assert_int_equal(parse("tel:+1-201-555-0123;phone-context=example.com", &u), SIP_OK);
	assert_str(u.scheme, "tel");
	assert_false(u.is_sip);
	assert_str(u.opaque, "+1-201-555-0123;phone-context=example.com");
	assert_int_equal(u.host.len, 0);
	assert_int_equal(parse("soap.beep://192.0.2.103:3002", &u), SIP_OK);
	assert_str(u.scheme, "soap.beep");
	assert_int_equal(parse("nobodyKnowsThisScheme:totallyopaquecontent", &u), SIP_OK);
	assert_str(u.opaque, "totallyopaquecontent");
	assert_int_equal(parse("http:", &u), SIP_EPARSE);
	assert_int_equal(parse("mailto:a b@c", &u), SIP_EPARSE);
}

static void test_invalid(void **state)
{
	static const char *const bad[] = {
		"", "sip", "example.com", "1sip:a@b", "<sip:a@b>", "sip:", "sip:@example.com",
		"sip:a@", "sip:a@b:", "sip:a@b:0", "sip:a@b:65536", "sip:a@b:5x", "sip:a b@c",
		"sip:a@b c", "sip:a%4@b", "sip:a%zz@b", "sip:a@b;", "sip:a@b;;lr", "sip:a@b;x=",
		"sip:a@b?", "sip:a@b>", "sip:a@b;x=\"q\"",
	};
	sip_uri u;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse(bad[i], &u) != SIP_EPARSE)
			fail_msg("'%s' should not parse", bad[i]);
	assert_int_equal(sip_uri_parse(SIP_STR_NULL, &u), SIP_EPARSE);
}

static void test_method_names(void **state)
{
	static const char *const names[] = {
		"INVITE", "ACK", "BYE", "CANCEL", "REGISTER", "OPTIONS", "INFO", "UPDATE",
		"PRACK", "SUBSCRIBE", "NOTIFY", "MESSAGE", "REFER", "PUBLISH",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		enum sip_method m = sip_method_from_str(sip_str_make(names[i], strlen(names[i])));
		assert_int_equal(m, (int)i + 1);
		assert_string_equal(sip_method_name(m), names[i]);
	}
	assert_int_equal(sip_method_from_str(SIP_STR_LIT("invite")), SIP_METHOD_UNKNOWN);
	assert_int_equal(sip_method_from_str(SIP_STR_LIT("INVITES")), SIP_METHOD_UNKNOWN);
	assert_int_equal(sip_method_from_str(SIP_STR_LIT("RE%47IST%45R")), SIP_METHOD_UNKNOWN);
	assert_int_equal(sip_method_from_str(SIP_STR_LIT("AC")), SIP_METHOD_UNKNOWN);
	assert_int_equal(sip_method_from_str(SIP_STR_LIT("XYZ")), SIP_METHOD_UNKNOWN);
	assert_string_equal(sip_method_name(SIP_METHOD_UNKNOWN), "UNKNOWN");
}

/* What a policy passes for a subscriber (blacklist owners, group
 * members): URIs with or without <>, bare user@host, and what names no
 * one. */
static bool user_host(const char *s, const char *user, const char *host)
{
	sip_str u, h;
	if (!sip_user_host_parse(sip_str_make(s, strlen(s)), &u, &h))
		return false;
	assert_str(u, user);
	assert_str(h, host);
	return true;
}

static void test_user_host(void **state)
{
	(void)state;
	assert_true(user_host("sip:alice@example.com", "alice", "example.com"));
	assert_true(user_host(" <sips:alice@Example.com:5061;user=phone> ", "alice", "Example.com"));
	assert_true(user_host("SIP:bob@10.0.0.1", "bob", "10.0.0.1"));
	assert_true(user_host("alice@example.com", "alice", "example.com"));
	assert_true(user_host("<alice@example.com>", "alice", "example.com"));
	assert_true(user_host("alice@example.com:5060;x=1", "alice", "example.com"));
	assert_true(user_host("<alice@example.com>;tag=1", "alice", "example.com"));
	assert_false(user_host("", "", ""));
	assert_false(user_host("sip:example.com", "", ""));
	assert_false(user_host("@example.com", "", ""));
	assert_false(user_host("alice@", "", ""));
	assert_false(user_host("alice@;x", "", ""));
	assert_false(user_host("tel:+4930123", "", ""));
	assert_false(user_host("example.com", "", ""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_sip_uri),
		cmocka_unit_test(test_simple_forms),
		cmocka_unit_test(test_ipv6_host),
		cmocka_unit_test(test_other_schemes),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_method_names),
		cmocka_unit_test(test_user_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
