# test_db runs on a temporary SQLite file; test_db_pgsql.sh and
# test_db_mysql.sh run the same program against a PostgreSQL or MariaDB
# server they start (skipped without one).
check_PROGRAMS += tests/runtime/db/test_db
TESTS += tests/runtime/db/test_db tests/runtime/db/test_db_pgsql.sh
EXTRA_DIST += tests/runtime/db/test_db_pgsql.sh tests/db_server_run.sh
TESTS += tests/runtime/db/test_db_mysql.sh
# The worker thread and its queues, on SQLite files.
check_PROGRAMS += tests/runtime/db/test_db_worker
TESTS += tests/runtime/db/test_db_worker
tests_runtime_db_test_db_worker_SOURCES = tests/runtime/db/test_db_worker.c
tests_runtime_db_test_db_worker_CFLAGS = $(tests_runtime_db_test_db_CFLAGS)
tests_runtime_db_test_db_worker_LDADD = $(tests_runtime_db_test_db_LDADD) -lpthread
EXTRA_DIST += tests/runtime/db/test_db_mysql.sh tests/mysql_server.sh

tests_runtime_db_test_db_SOURCES = tests/runtime/db/test_db.c
tests_runtime_db_test_db_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SQLITE_CFLAGS) $(PQ_CFLAGS) $(MARIADB_CFLAGS)
tests_runtime_db_test_db_LDADD = $(SIPRT_DB) $(CMOCKA_LIBS) $(SQLITE_LIBS) $(PQ_LIBS) $(MARIADB_LIBS) $(HIREDIS_LIBS)
# Tables cached from the database, loaded by a worker on SQLite files.
check_PROGRAMS += tests/runtime/db/test_db_cache
TESTS += tests/runtime/db/test_db_cache
tests_runtime_db_test_db_cache_SOURCES = tests/runtime/db/test_db_cache.c
tests_runtime_db_test_db_cache_CFLAGS = $(tests_runtime_db_test_db_CFLAGS)
tests_runtime_db_test_db_cache_LDADD = $(tests_runtime_db_test_db_LDADD) -lpthread
# The Redis adapter against a redis-server test_db_redis.sh starts.
check_PROGRAMS += tests/runtime/db/test_db_redis
TESTS += tests/runtime/db/test_db_redis.sh
EXTRA_DIST += tests/runtime/db/test_db_redis.sh tests/redis_server.sh
tests_runtime_db_test_db_redis_SOURCES = tests/runtime/db/test_db_redis.c
tests_runtime_db_test_db_redis_CFLAGS = $(tests_runtime_db_test_db_CFLAGS)
tests_runtime_db_test_db_redis_LDADD = $(tests_runtime_db_test_db_LDADD)
