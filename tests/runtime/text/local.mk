check_PROGRAMS += tests/runtime/text/test_text
TESTS += tests/runtime/text/test_text
tests_runtime_text_test_text_SOURCES = tests/runtime/text/test_text.c \
	$(TEXT_SRC) $(CORE_SRC)
tests_runtime_text_test_text_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_runtime_text_test_text_LDADD = $(CMOCKA_LIBS)
