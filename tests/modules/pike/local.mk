# test_pike: the pike module's window counting, source table and its
# bounds, with a clock of its own (the ban list is tests/runtime/net/test_ban).
check_PROGRAMS += tests/modules/pike/test_pike
TESTS += tests/modules/pike/test_pike
tests_modules_pike_test_pike_SOURCES = tests/modules/pike/test_pike.c
tests_modules_pike_test_pike_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_modules_pike_test_pike_LDADD = modules/libmod_pike.a $(SIPRT_NET) $(CMOCKA_LIBS) $(OPENSSL_LIBS)
