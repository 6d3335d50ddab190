# test_drouting runs on a temporary SQLite file; test_drouting_pgsql.sh
# runs the same program against a PostgreSQL server it starts (skipped
# without one).
check_PROGRAMS += tests/modules/drouting/test_drouting
TESTS += tests/modules/drouting/test_drouting tests/modules/drouting/test_drouting_pgsql.sh
EXTRA_DIST += tests/modules/drouting/test_drouting_pgsql.sh
tests_modules_drouting_test_drouting_SOURCES = tests/modules/drouting/test_drouting.c
tests_modules_drouting_test_drouting_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SQLITE_CFLAGS) $(PQ_CFLAGS) $(MARIADB_CFLAGS)
tests_modules_drouting_test_drouting_LDADD = modules/libmod_drouting.a $(SIPRT_DB) $(CMOCKA_LIBS) $(SQLITE_LIBS) $(PQ_LIBS) $(MARIADB_LIBS) $(HIREDIS_LIBS)
