# test_blacklist: the blacklist module's cache on a temporary SQLite file (DB_URL
# names another database); the module on PostgreSQL is in the e2e test
# tests/e2e/perms_pgsql.sh.
check_PROGRAMS += tests/modules/blacklist/test_blacklist
TESTS += tests/modules/blacklist/test_blacklist
tests_modules_blacklist_test_blacklist_SOURCES = tests/modules/blacklist/test_blacklist.c \
	tests/modules/db_fixture.h
tests_modules_blacklist_test_blacklist_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SQLITE_CFLAGS) $(PQ_CFLAGS) $(MARIADB_CFLAGS)
tests_modules_blacklist_test_blacklist_LDADD = modules/libmod_blacklist.a $(SIPRT_DB) $(CMOCKA_LIBS) $(SQLITE_LIBS) $(PQ_LIBS) $(MARIADB_LIBS) $(HIREDIS_LIBS)
