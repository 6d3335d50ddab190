# test_group: the group module's cache on a temporary SQLite file (DB_URL
# names another database); the module on PostgreSQL is in the e2e test
# tests/e2e/perms_pgsql.sh.
check_PROGRAMS += tests/modules/group/test_group
TESTS += tests/modules/group/test_group
tests_modules_group_test_group_SOURCES = tests/modules/group/test_group.c tests/modules/db_fixture.h
tests_modules_group_test_group_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SQLITE_CFLAGS) $(PQ_CFLAGS) $(MARIADB_CFLAGS)
tests_modules_group_test_group_LDADD = modules/libmod_group.a $(SIPRT_DB) $(CMOCKA_LIBS) $(SQLITE_LIBS) $(PQ_LIBS) $(MARIADB_LIBS) $(HIREDIS_LIBS)
