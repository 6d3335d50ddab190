check_PROGRAMS += tests/modules/auth/test_auth
TESTS += tests/modules/auth/test_auth
tests_modules_auth_test_auth_SOURCES = tests/modules/auth/test_auth.c
tests_modules_auth_test_auth_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_modules_auth_test_auth_LDADD = modules/libmod_auth.a $(SIPRT_CORE) $(CMOCKA_LIBS) $(OPENSSL_LIBS) -lpthread

check_PROGRAMS += tests/modules/auth/test_auth_cache
TESTS += tests/modules/auth/test_auth_cache
tests_modules_auth_test_auth_cache_SOURCES = tests/modules/auth/test_auth_cache.c
tests_modules_auth_test_auth_cache_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_modules_auth_test_auth_cache_LDADD = modules/libmod_auth.a $(SIPRT_CORE) $(CMOCKA_LIBS)
