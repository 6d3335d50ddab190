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
# The registrar suite against a MariaDB server the test starts.
E2E_TESTS += tests/e2e/registrar_mysql.sh
# A database that hangs under the proxy: SIP traffic goes on, requests that
# need the database get 503 within a bound, recovery when it is back.
E2E_TESTS += tests/e2e/db_outage.sh
EXTRA_DIST += tests/e2e/reg_auth_503.xml
