# test_uac: the uac module's header rewriting, restore logic, digest and
# trunk table (a temporary SQLite file; DB_URL names another database).
check_PROGRAMS += tests/modules/uac/test_uac
TESTS += tests/modules/uac/test_uac
tests_modules_uac_test_uac_SOURCES = tests/modules/uac/test_uac.c tests/modules/db_fixture.h
tests_modules_uac_test_uac_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS) $(SQLITE_CFLAGS) $(PQ_CFLAGS) $(MARIADB_CFLAGS)
tests_modules_uac_test_uac_LDADD = modules/libmod_uac.a modules/libmod_auth.a runtime/libsiprt_sip.a $(SIPRT_DB) $(CMOCKA_LIBS) $(OPENSSL_LIBS) $(SQLITE_LIBS) $(PQ_LIBS) $(MARIADB_LIBS) $(HIREDIS_LIBS)
