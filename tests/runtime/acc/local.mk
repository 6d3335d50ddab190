# test_acc runs on a temporary SQLite file; test_acc_pgsql.sh runs the
# same program against a PostgreSQL server it starts (skipped without one).
check_PROGRAMS += tests/runtime/acc/test_acc
TESTS += tests/runtime/acc/test_acc tests/runtime/acc/test_acc_pgsql.sh
EXTRA_DIST += tests/runtime/acc/test_acc_pgsql.sh
tests_runtime_acc_test_acc_SOURCES = tests/runtime/acc/test_acc.c \
	runtime/acc/acc_row.c $(DB_SRC) $(SIP_SRC) $(CORE_SRC)
tests_runtime_acc_test_acc_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SQLITE_CFLAGS) $(PQ_CFLAGS) $(MARIADB_CFLAGS)
tests_runtime_acc_test_acc_LDADD = $(CMOCKA_LIBS) $(SQLITE_LIBS) $(PQ_LIBS) $(MARIADB_LIBS)
