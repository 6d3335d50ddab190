check_PROGRAMS += tests/modules/nat/test_nat
TESTS += tests/modules/nat/test_nat
tests_modules_nat_test_nat_SOURCES = tests/modules/nat/test_nat.c
tests_modules_nat_test_nat_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_modules_nat_test_nat_LDADD = modules/libmod_nat.a $(SIPRT_NET) $(CMOCKA_LIBS) $(OPENSSL_LIBS)
