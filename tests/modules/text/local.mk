check_PROGRAMS += tests/modules/text/test_text
TESTS += tests/modules/text/test_text
tests_modules_text_test_text_SOURCES = tests/modules/text/test_text.c
tests_modules_text_test_text_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_modules_text_test_text_LDADD = modules/libmod_text.a $(SIPRT_CORE) $(CMOCKA_LIBS)
