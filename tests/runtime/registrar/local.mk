# test_registrar runs on temporary SQLite files; test_registrar_pgsql.sh and
# test_registrar_mysql.sh run the same program against a PostgreSQL or
# MariaDB server they start (skipped without one).
check_PROGRAMS += tests/runtime/registrar/test_registrar
TESTS += tests/runtime/registrar/test_registrar
TESTS += tests/runtime/registrar/test_registrar_pgsql.sh tests/runtime/registrar/test_registrar_mysql.sh
EXTRA_DIST += tests/runtime/registrar/test_registrar_pgsql.sh tests/runtime/registrar/test_registrar_mysql.sh
tests_runtime_registrar_test_registrar_SOURCES = tests/runtime/registrar/test_registrar.c
tests_runtime_registrar_test_registrar_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SQLITE_CFLAGS) $(PQ_CFLAGS) $(MARIADB_CFLAGS)
tests_runtime_registrar_test_registrar_LDADD = runtime/libsiprt_registrar.a runtime/libsiprt_db.a $(SIPRT_SIP) $(CMOCKA_LIBS) $(SQLITE_LIBS) $(PQ_LIBS) $(MARIADB_LIBS) -lpthread
