# test_dispatcher runs on a temporary SQLite file; test_dispatcher_pgsql.sh
# runs the same program against a PostgreSQL server it starts (skipped
# without one).
check_PROGRAMS += tests/modules/dispatcher/test_dispatcher
TESTS += tests/modules/dispatcher/test_dispatcher tests/modules/dispatcher/test_dispatcher_pgsql.sh
EXTRA_DIST += tests/modules/dispatcher/test_dispatcher_pgsql.sh
tests_modules_dispatcher_test_dispatcher_SOURCES = tests/modules/dispatcher/test_dispatcher.c
tests_modules_dispatcher_test_dispatcher_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SQLITE_CFLAGS) $(PQ_CFLAGS) $(MARIADB_CFLAGS)
tests_modules_dispatcher_test_dispatcher_LDADD = modules/libmod_dispatcher.a $(SIPRT_DB) runtime/libsiprt_sip.a \
	$(SIPRT_CORE) $(CMOCKA_LIBS) $(SQLITE_LIBS) $(PQ_LIBS) $(MARIADB_LIBS) $(HIREDIS_LIBS)
