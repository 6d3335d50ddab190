/* NAT traversal for subscribers behind a NAT (the nathelper functions of
 * OpenSIPS): detecting a client behind NAT from what its request says
 * against where it came from, and rewriting what it says (Contact, SDP
 * connection address) to where it came from.
 *
 * The detection tests, bits of nat_test()'s flags, each true when:
 *   NAT_TEST_CONTACT_PRIVATE  1   the first Contact's host is a private
 *                                 address (nat_ip_private)
 *   NAT_TEST_VIA_RECEIVED     2   the top Via's sent-by host is not the
 *                                 source address (a name counts as differing)
 *   NAT_TEST_VIA_PRIVATE      4   the top Via's host is a private address
 *   NAT_TEST_SDP_PRIVATE      8   a c= line of the SDP body has a private
 *                                 address
 *   NAT_TEST_VIA_RPORT       16   the top Via's port (5060 when absent, 5061
 *                                 for TLS) is not the source port
 *   NAT_TEST_SRC_PRIVATE     32   the source address itself is private
 *                                 (a NAT between the client and us that
 *                                 is ours, or a client in our own network)
 * nat_test() is true when any of the requested tests is.
 *
 * Private means RFC 1918 (10/8, 172.16/12, 192.168/16), RFC 6598 shared
 * address space (100.64/10, carrier-grade NAT), RFC 3927 link-local
 * (169.254/16) and for IPv6 unique local fc00::/7 and link-local fe80::/10.
 * Loopback is not private: a client on the proxy's own host is not
 * behind a NAT.
 *
 * The rewriting functions record message edits (sip/msg.h); the SDP is
 * taken as earlier edits left it and Content-Length follows the body. */
#ifndef SIPCC_NAT_NAT_H
#define SIPCC_NAT_NAT_H

#include <stdbool.h>
#include "core/arena.h"
#include "core/str.h"
#include "net/transport.h"
#include "sip/msg.h"

enum {
	NAT_TEST_CONTACT_PRIVATE = 1,
	NAT_TEST_VIA_RECEIVED = 2,
	NAT_TEST_VIA_PRIVATE = 4,
	NAT_TEST_SDP_PRIVATE = 8,
	NAT_TEST_VIA_RPORT = 16,
	NAT_TEST_SRC_PRIVATE = 32,
	NAT_TEST_ALL = 63,
};

/* True when host (an IP literal, IPv6 with or without brackets) is in one
 * of the private ranges above; false for names and malformed input. */
bool nat_ip_private(sip_str host);

/* The tests of flags (NAT_TEST_*) on request or reply m received from src.
 * A test whose header is missing or malformed is false. */
bool nat_test(sip_msg *m, const sip_addr *src, int flags);

/* Rewrite the host:port of the first Contact URI to src's (IPv6 in
 * brackets). SIP_OK, SIP_ENOTFOUND without a Contact (or "*"), SIP_EPARSE
 * for a malformed one, SIP_NOMEM, SIP_EINVAL when an edit overlaps. */
int nat_fix_contact(sip_msg *m, const sip_addr *src, sip_arena *a);

/* Rewrite every c= address of the SDP body (session and media level) to
 * src's address, with the address type to match. SIP_OK, SIP_ENOTFOUND
 * when there is no SDP body or no c= line, SIP_EPARSE for a body that
 * does not parse, SIP_NOMEM. */
int nat_fix_sdp(sip_msg *m, const sip_addr *src, sip_arena *a);

/* What the nat module publishes (proxy_module_api("nat")): whether
 * fix_nated_register() was called for the message routed, so save()
 * marks its source as the address the binding is reached at. */
struct sip_ctx;
struct nat_api {
	bool (*register_fixed)(struct sip_ctx *ctx);
};

#endif
