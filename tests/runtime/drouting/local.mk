# test_drouting runs on a temporary SQLite file; test_drouting_pgsql.sh
# runs the same program against a PostgreSQL server it starts (skipped
# without one).
check_PROGRAMS += tests/runtime/drouting/test_drouting
TESTS += tests/runtime/drouting/test_drouting tests/runtime/drouting/test_drouting_pgsql.sh
EXTRA_DIST += tests/runtime/drouting/test_drouting_pgsql.sh
tests_runtime_drouting_test_drouting_SOURCES = tests/runtime/drouting/test_drouting.c
tests_runtime_drouting_test_drouting_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SQLITE_CFLAGS) $(PQ_CFLAGS) $(MARIADB_CFLAGS)
tests_runtime_drouting_test_drouting_LDADD = runtime/libsiprt_drouting.a $(SIPRT_DB) $(CMOCKA_LIBS) $(SQLITE_LIBS) $(PQ_LIBS) $(MARIADB_LIBS)
