# test_dialplan runs on a temporary SQLite file; test_dialplan_pgsql.sh
# runs the same program against a PostgreSQL server it starts (skipped
# without one).
check_PROGRAMS += tests/modules/dialplan/test_dialplan
TESTS += tests/modules/dialplan/test_dialplan tests/modules/dialplan/test_dialplan_pgsql.sh
EXTRA_DIST += tests/modules/dialplan/test_dialplan_pgsql.sh
tests_modules_dialplan_test_dialplan_SOURCES = tests/modules/dialplan/test_dialplan.c \
	tests/modules/db_fixture.h
tests_modules_dialplan_test_dialplan_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SQLITE_CFLAGS) $(PQ_CFLAGS) $(MARIADB_CFLAGS)
tests_modules_dialplan_test_dialplan_LDADD = modules/libmod_dialplan.a $(SIPRT_DB) $(CMOCKA_LIBS) $(SQLITE_LIBS) $(PQ_LIBS) $(MARIADB_LIBS) $(HIREDIS_LIBS)
