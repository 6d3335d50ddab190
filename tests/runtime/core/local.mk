check_PROGRAMS += tests/runtime/core/test_arena
TESTS += tests/runtime/core/test_arena

tests_runtime_core_test_arena_SOURCES = tests/runtime/core/test_arena.c $(CORE_SRC)
tests_runtime_core_test_arena_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_runtime_core_test_arena_LDADD = $(CMOCKA_LIBS)
