check_PROGRAMS += tests/runtime/core/test_arena
TESTS += tests/runtime/core/test_arena

tests_runtime_core_test_arena_SOURCES = tests/runtime/core/test_arena.c
tests_runtime_core_test_arena_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_runtime_core_test_arena_LDADD = $(SIPRT_CORE) $(CMOCKA_LIBS)

check_PROGRAMS += tests/runtime/core/test_stats
TESTS += tests/runtime/core/test_stats
tests_runtime_core_test_stats_SOURCES = tests/runtime/core/test_stats.c
tests_runtime_core_test_stats_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_runtime_core_test_stats_LDADD = $(SIPRT_CORE) $(CMOCKA_LIBS)

check_PROGRAMS += tests/runtime/core/test_log_quote
TESTS += tests/runtime/core/test_log_quote
tests_runtime_core_test_log_quote_SOURCES = tests/runtime/core/test_log_quote.c
tests_runtime_core_test_log_quote_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_runtime_core_test_log_quote_LDADD = $(SIPRT_CORE) $(CMOCKA_LIBS)

check_PROGRAMS += tests/runtime/core/test_log
TESTS += tests/runtime/core/test_log
tests_runtime_core_test_log_SOURCES = tests/runtime/core/test_log.c runtime/core/log.c
tests_runtime_core_test_log_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_runtime_core_test_log_LDADD = $(CMOCKA_LIBS) -lpthread

check_PROGRAMS += tests/runtime/core/test_htable
TESTS += tests/runtime/core/test_htable
tests_runtime_core_test_htable_SOURCES = tests/runtime/core/test_htable.c
tests_runtime_core_test_htable_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_runtime_core_test_htable_LDADD = $(SIPRT_CORE) $(CMOCKA_LIBS)

check_PROGRAMS += tests/runtime/core/test_health
TESTS += tests/runtime/core/test_health
tests_runtime_core_test_health_SOURCES = tests/runtime/core/test_health.c
tests_runtime_core_test_health_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_runtime_core_test_health_LDADD = $(SIPRT_CORE) $(CMOCKA_LIBS) -lpthread
check_PROGRAMS += tests/runtime/core/test_re_cache
TESTS += tests/runtime/core/test_re_cache
tests_runtime_core_test_re_cache_SOURCES = tests/runtime/core/test_re_cache.c
tests_runtime_core_test_re_cache_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_runtime_core_test_re_cache_LDADD = $(SIPRT_CORE) $(CMOCKA_LIBS)
check_PROGRAMS += tests/runtime/core/test_json
TESTS += tests/runtime/core/test_json
tests_runtime_core_test_json_SOURCES = tests/runtime/core/test_json.c
tests_runtime_core_test_json_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_runtime_core_test_json_LDADD = $(SIPRT_CORE) $(CMOCKA_LIBS)
check_PROGRAMS += tests/runtime/core/test_timerec
TESTS += tests/runtime/core/test_timerec
tests_runtime_core_test_timerec_SOURCES = tests/runtime/core/test_timerec.c
tests_runtime_core_test_timerec_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_runtime_core_test_timerec_LDADD = $(SIPRT_CORE) $(CMOCKA_LIBS)

# The lock-free hand-off queue between workers.
check_PROGRAMS += tests/runtime/core/test_mpsc
TESTS += tests/runtime/core/test_mpsc
tests_runtime_core_test_mpsc_SOURCES = tests/runtime/core/test_mpsc.c
tests_runtime_core_test_mpsc_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_runtime_core_test_mpsc_LDADD = $(SIPRT_CORE) $(CMOCKA_LIBS) -lpthread

check_PROGRAMS += tests/runtime/core/test_qsbr
TESTS += tests/runtime/core/test_qsbr
tests_runtime_core_test_qsbr_SOURCES = tests/runtime/core/test_qsbr.c
tests_runtime_core_test_qsbr_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_runtime_core_test_qsbr_LDADD = $(SIPRT_CORE) $(CMOCKA_LIBS) -lpthread

check_PROGRAMS += tests/runtime/core/test_timer
TESTS += tests/runtime/core/test_timer
tests_runtime_core_test_timer_SOURCES = tests/runtime/core/test_timer.c
tests_runtime_core_test_timer_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_runtime_core_test_timer_LDADD = $(SIPRT_CORE) $(CMOCKA_LIBS)
