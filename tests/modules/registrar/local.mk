# test_registrar runs on temporary SQLite files; test_registrar_pgsql.sh and
# test_registrar_mysql.sh run the same program against a PostgreSQL or
# MariaDB server they start (skipped without one).
check_PROGRAMS += tests/modules/registrar/test_registrar
TESTS += tests/modules/registrar/test_registrar
TESTS += tests/modules/registrar/test_registrar_pgsql.sh tests/modules/registrar/test_registrar_mysql.sh
EXTRA_DIST += tests/modules/registrar/test_registrar_pgsql.sh tests/modules/registrar/test_registrar_mysql.sh
tests_modules_registrar_test_registrar_SOURCES = tests/modules/registrar/test_registrar.c
tests_modules_registrar_test_registrar_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SQLITE_CFLAGS) $(PQ_CFLAGS) $(MARIADB_CFLAGS)
tests_modules_registrar_test_registrar_LDADD = modules/libmod_registrar.a runtime/libsiprt_db.a $(SIPRT_SIP) $(CMOCKA_LIBS) $(SQLITE_LIBS) $(PQ_LIBS) $(MARIADB_LIBS) $(HIREDIS_LIBS) -lpthread
# The location shared by proxies: a binding's Redis value, and with a
# server (test_reg_share_redis.sh, test_reg_share_pgsql.sh) the writes
# read back by another node and announced to a listener (db_listen) that
# outlives the server's restart.
check_PROGRAMS += tests/modules/registrar/test_reg_share
TESTS += tests/modules/registrar/test_reg_share
TESTS += tests/modules/registrar/test_reg_share_redis.sh tests/modules/registrar/test_reg_share_pgsql.sh
EXTRA_DIST += tests/modules/registrar/test_reg_share_redis.sh tests/modules/registrar/test_reg_share_pgsql.sh
tests_modules_registrar_test_reg_share_SOURCES = tests/modules/registrar/test_reg_share.c
tests_modules_registrar_test_reg_share_CFLAGS = $(tests_modules_registrar_test_registrar_CFLAGS)
tests_modules_registrar_test_reg_share_LDADD = $(tests_modules_registrar_test_registrar_LDADD)
