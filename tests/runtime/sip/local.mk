SIP_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -DTOP_SRCDIR='"$(abs_top_srcdir)"'

check_PROGRAMS += tests/runtime/sip/test_parse tests/runtime/sip/test_uri \
	tests/runtime/sip/test_build tests/runtime/sip/test_sdp tests/runtime/sip/test_rfc5118
TESTS += tests/runtime/sip/test_parse tests/runtime/sip/test_uri \
	tests/runtime/sip/test_build tests/runtime/sip/test_sdp tests/runtime/sip/test_rfc5118

tests_runtime_sip_test_parse_SOURCES = tests/runtime/sip/test_parse.c
tests_runtime_sip_test_parse_CFLAGS = $(SIP_TEST_CFLAGS)
tests_runtime_sip_test_parse_LDADD = $(SIPRT_SIP) $(CMOCKA_LIBS)

tests_runtime_sip_test_uri_SOURCES = tests/runtime/sip/test_uri.c
tests_runtime_sip_test_uri_CFLAGS = $(SIP_TEST_CFLAGS)
tests_runtime_sip_test_uri_LDADD = $(SIPRT_SIP) $(CMOCKA_LIBS)

tests_runtime_sip_test_build_SOURCES = tests/runtime/sip/test_build.c
tests_runtime_sip_test_build_CFLAGS = $(SIP_TEST_CFLAGS)
tests_runtime_sip_test_build_LDADD = $(SIPRT_SIP) $(CMOCKA_LIBS)

tests_runtime_sip_test_sdp_SOURCES = tests/runtime/sip/test_sdp.c
tests_runtime_sip_test_sdp_CFLAGS = $(SIP_TEST_CFLAGS)
tests_runtime_sip_test_sdp_LDADD = $(SIPRT_SIP) $(CMOCKA_LIBS)

tests_runtime_sip_test_rfc5118_SOURCES = tests/runtime/sip/test_rfc5118.c
tests_runtime_sip_test_rfc5118_CFLAGS = $(SIP_TEST_CFLAGS)
tests_runtime_sip_test_rfc5118_LDADD = $(SIPRT_SIP) $(CMOCKA_LIBS)
EXTRA_DIST += tests/runtime/sip/sip_test.h
