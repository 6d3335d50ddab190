check_PROGRAMS += tests/runtime/text/test_text
TESTS += tests/runtime/text/test_text
tests_runtime_text_test_text_SOURCES = tests/runtime/text/test_text.c
tests_runtime_text_test_text_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_runtime_text_test_text_LDADD = runtime/libsiprt_text.a $(SIPRT_CORE) $(CMOCKA_LIBS)
