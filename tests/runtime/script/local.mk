check_PROGRAMS += tests/runtime/script/test_script
TESTS += tests/runtime/script/test_script
tests_runtime_script_test_script_SOURCES = tests/runtime/script/test_script.c
tests_runtime_script_test_script_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_runtime_script_test_script_LDADD = $(SIPRT_SCRIPT) $(CMOCKA_LIBS)
