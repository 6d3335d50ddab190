check_PROGRAMS += tests/runtime/auth/test_auth
TESTS += tests/runtime/auth/test_auth
tests_runtime_auth_test_auth_SOURCES = tests/runtime/auth/test_auth.c
tests_runtime_auth_test_auth_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_runtime_auth_test_auth_LDADD = runtime/libsiprt_auth.a $(SIPRT_CORE) $(CMOCKA_LIBS) $(OPENSSL_LIBS)
