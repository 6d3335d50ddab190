# test_permissions: the permissions module's cache on a temporary SQLite file (DB_URL
# names another database); the module on PostgreSQL is in the e2e test
# tests/e2e/perms_pgsql.sh.
check_PROGRAMS += tests/modules/permissions/test_permissions
TESTS += tests/modules/permissions/test_permissions
tests_modules_permissions_test_permissions_SOURCES = tests/modules/permissions/test_permissions.c \
	tests/modules/db_fixture.h
tests_modules_permissions_test_permissions_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SQLITE_CFLAGS) $(PQ_CFLAGS) $(MARIADB_CFLAGS)
tests_modules_permissions_test_permissions_LDADD = modules/libmod_permissions.a $(SIPRT_DB) $(CMOCKA_LIBS) $(SQLITE_LIBS) $(PQ_LIBS) $(MARIADB_LIBS) $(HIREDIS_LIBS)
