# test_web: sipcc-web's password hashes, tokens, sessions, CSRF check,
# form decoding and input checks, without a server.
check_PROGRAMS += tests/tools/web/test_web
TESTS += tests/tools/web/test_web
tests_tools_web_test_web_SOURCES = tests/tools/web/test_web.c tools/sipcc-web/web_auth.c \
	tools/sipcc-web/web_util.c
tests_tools_web_test_web_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)
tests_tools_web_test_web_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_tools_web_test_web_LDADD = tools/sipcc-ctl/libctl_common.a modules/libmod_auth.a $(SIPRT_DB) \
	runtime/libsiprt_sip.a $(CMOCKA_LIBS) $(OPENSSL_LIBS) $(SQLITE_LIBS) $(PQ_LIBS) $(MARIADB_LIBS) $(HIREDIS_LIBS) -lpthread
