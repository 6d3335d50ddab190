# test_ratelimit: the ratelimit module's pipes and algorithms (TAILDROP,
# RED, TOKEN_BUCKET) with a clock and a random seed of their own.
check_PROGRAMS += tests/modules/ratelimit/test_ratelimit
TESTS += tests/modules/ratelimit/test_ratelimit
tests_modules_ratelimit_test_ratelimit_SOURCES = tests/modules/ratelimit/test_ratelimit.c
tests_modules_ratelimit_test_ratelimit_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_modules_ratelimit_test_ratelimit_LDADD = modules/libmod_ratelimit.a $(SIPRT_CORE) $(CMOCKA_LIBS)
