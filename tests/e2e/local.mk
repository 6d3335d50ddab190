# End-to-end tests: a proxy built by sipcc, driven by sipp.
E2E_TESTS = \
	tests/e2e/examples.sh \
	tests/e2e/calls.sh \
	tests/e2e/cancel.sh \
	tests/e2e/malformed.sh \
	tests/e2e/residential.sh \
	tests/e2e/residential_yaml.sh \
	tests/e2e/language.sh
TESTS += $(E2E_TESTS)
EXTRA_DIST += $(E2E_TESTS) \
	tests/e2e/lib.sh \
	tests/e2e/language.sip \
	tests/e2e/uac_rr.xml \
	tests/e2e/uas_rr.xml \
	tests/e2e/uac_cancel.xml \
	tests/e2e/uas_ring.xml
E2E_TESTS += tests/e2e/registrar.sh tests/e2e/registrar_pgsql.sh
EXTRA_DIST += tests/e2e/auth_registrar.sip \
	tests/e2e/reg_auth.xml tests/e2e/reg_wrong.xml tests/e2e/uac_auth.xml \
	tests/e2e/uac_auth_404.xml tests/pgsql_server.sh
# The route kinds besides request and failure (startup, timer, branch,
# error, local), all with tests/e2e/route_kinds.sip.
E2E_TESTS += tests/e2e/route_startup.sh tests/e2e/route_branch.sh \
	tests/e2e/route_error.sh tests/e2e/route_local.sh
EXTRA_DIST += tests/e2e/route_kinds.sip
# Stream transports: TCP end to end and UDP to TCP; TLS between two proxies.
E2E_TESTS += tests/e2e/tcp.sh tests/e2e/tls.sh
# SDP: the pseudo-variables of stdlib/sdp.sipi.
E2E_TESTS += tests/e2e/sdp.sh
EXTRA_DIST += tests/e2e/sdp.sip
# IPv6 (RFC 5118 forms on the wire), and IPv6 to IPv4 through one proxy.
E2E_TESTS += tests/e2e/ipv6.sh
EXTRA_DIST += tests/e2e/ipv6.sip
# Limits from the policy (limits.*, tcp.*), each hit and logged.
E2E_TESTS += tests/e2e/limits.sh
EXTRA_DIST += tests/e2e/limits.sip
# RFC 3263 through dnsmasq: NAPTR, SRV, failover across SRV targets.
E2E_TESTS += tests/e2e/dns.sh
EXTRA_DIST += tests/e2e/dns.sip tests/e2e/uas_503.xml
