# test_sst: the session timer header values and deadline of the sst
# module (modules/sst/sst_hdr.c), without the proxy.
check_PROGRAMS += tests/modules/sst/test_sst
TESTS += tests/modules/sst/test_sst
tests_modules_sst_test_sst_SOURCES = tests/modules/sst/test_sst.c
tests_modules_sst_test_sst_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_modules_sst_test_sst_LDADD = modules/libmod_sst.a $(SIPRT_CORE) $(CMOCKA_LIBS)
