# test_http_util: JSON fields by path, response headers, URL checks (no
# libcurl, no loop); the client itself against a real HTTP server is the
# e2e test tests/e2e/http.sh.
check_PROGRAMS += tests/modules/http/test_http_util
TESTS += tests/modules/http/test_http_util
tests_modules_http_test_http_util_SOURCES = tests/modules/http/test_http_util.c
tests_modules_http_test_http_util_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_modules_http_test_http_util_LDADD = modules/libmod_http.a $(SIPRT_CORE) $(CMOCKA_LIBS)
