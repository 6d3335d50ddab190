SIP_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -DTOP_SRCDIR='"$(abs_top_srcdir)"'

check_PROGRAMS += tests/runtime/sip/test_parse tests/runtime/sip/test_uri \
	tests/runtime/sip/test_build tests/runtime/sip/test_sdp
TESTS += tests/runtime/sip/test_parse tests/runtime/sip/test_uri \
	tests/runtime/sip/test_build tests/runtime/sip/test_sdp

tests_runtime_sip_test_parse_SOURCES = tests/runtime/sip/test_parse.c $(SIP_SRC) $(CORE_SRC)
tests_runtime_sip_test_parse_CFLAGS = $(SIP_TEST_CFLAGS)
tests_runtime_sip_test_parse_LDADD = $(CMOCKA_LIBS)

tests_runtime_sip_test_uri_SOURCES = tests/runtime/sip/test_uri.c $(SIP_SRC) $(CORE_SRC)
tests_runtime_sip_test_uri_CFLAGS = $(SIP_TEST_CFLAGS)
tests_runtime_sip_test_uri_LDADD = $(CMOCKA_LIBS)

tests_runtime_sip_test_build_SOURCES = tests/runtime/sip/test_build.c $(SIP_SRC) $(CORE_SRC)
tests_runtime_sip_test_build_CFLAGS = $(SIP_TEST_CFLAGS)
tests_runtime_sip_test_build_LDADD = $(CMOCKA_LIBS)

tests_runtime_sip_test_sdp_SOURCES = tests/runtime/sip/test_sdp.c $(SIP_SRC) $(CORE_SRC)
tests_runtime_sip_test_sdp_CFLAGS = $(SIP_TEST_CFLAGS)
tests_runtime_sip_test_sdp_LDADD = $(CMOCKA_LIBS)
