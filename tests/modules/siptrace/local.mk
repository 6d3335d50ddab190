check_PROGRAMS += tests/modules/siptrace/test_hep
TESTS += tests/modules/siptrace/test_hep
tests_modules_siptrace_test_hep_SOURCES = tests/modules/siptrace/test_hep.c
tests_modules_siptrace_test_hep_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_modules_siptrace_test_hep_LDADD = modules/libmod_siptrace.a $(SIPRT_NET) $(CMOCKA_LIBS) $(OPENSSL_LIBS)
