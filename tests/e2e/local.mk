# End-to-end tests: a proxy built by sipcc, driven by sipp.
E2E_TESTS = \
	tests/e2e/examples.sh \
	tests/e2e/calls.sh \
	tests/e2e/cancel.sh \
	tests/e2e/malformed.sh \
	tests/e2e/residential.sh \
	tests/e2e/residential_yaml.sh
TESTS += $(E2E_TESTS)
EXTRA_DIST += $(E2E_TESTS) \
	tests/e2e/lib.sh \
	tests/e2e/uac_rr.xml \
	tests/e2e/uas_rr.xml \
	tests/e2e/uac_cancel.xml \
	tests/e2e/uas_ring.xml
