# test_prefs runs on a temporary SQLite file; test_prefs_pgsql.sh runs the
# same program against a PostgreSQL server it starts (skipped without one).
check_PROGRAMS += tests/modules/prefs/test_prefs
TESTS += tests/modules/prefs/test_prefs tests/modules/prefs/test_prefs_pgsql.sh
EXTRA_DIST += tests/modules/prefs/test_prefs_pgsql.sh
tests_modules_prefs_test_prefs_SOURCES = tests/modules/prefs/test_prefs.c tests/modules/db_fixture.h
tests_modules_prefs_test_prefs_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SQLITE_CFLAGS) $(PQ_CFLAGS) $(MARIADB_CFLAGS)
tests_modules_prefs_test_prefs_LDADD = modules/libmod_prefs.a $(SIPRT_DB) $(CMOCKA_LIBS) $(SQLITE_LIBS) $(PQ_LIBS) $(MARIADB_LIBS) $(HIREDIS_LIBS)
