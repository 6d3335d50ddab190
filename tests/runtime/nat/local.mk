check_PROGRAMS += tests/runtime/nat/test_nat
TESTS += tests/runtime/nat/test_nat
tests_runtime_nat_test_nat_SOURCES = tests/runtime/nat/test_nat.c
tests_runtime_nat_test_nat_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_runtime_nat_test_nat_LDADD = runtime/libsiprt_nat.a $(SIPRT_NET) $(CMOCKA_LIBS) $(OPENSSL_LIBS)
