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
# Reply routes (the unnamed one and one armed by t_on_reply) with sipp.
E2E_TESTS += tests/e2e/reply_route.sh
EXTRA_DIST += tests/e2e/reply_route.sip tests/e2e/uac_reply.xml
# Every route kind through sipp.
E2E_TESTS += tests/e2e/route_sipp.sh
EXTRA_DIST += tests/e2e/route_all.sip tests/e2e/uac_busy.xml tests/e2e/uas_busy.xml \
	tests/e2e/uac_bad_cseq.xml
# Dialogs and dialog variables with sipp.
E2E_TESTS += tests/e2e/dialog.sh
EXTRA_DIST += tests/e2e/dialog.sip tests/e2e/uas_dlg.xml tests/e2e/uas_dlg_bye.xml \
	tests/e2e/uac_dlg_bye.xml tests/e2e/uac_stray_bye.xml \
	tests/e2e/uas_reject.xml tests/e2e/uac_reject.xml \
	tests/e2e/uac_dlg_timeout.xml tests/e2e/uas_answer.xml
