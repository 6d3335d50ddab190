#!/bin/sh
# Run test_db_redis against a real redis-server started for the test
# (tests/redis_server.sh); the down-and-back test stops and restarts it
# through DB_TEST_STOP/START. Exit 77 (skipped) without redis-server
# (apt-get install redis-server).
. "${top_srcdir:-$(dirname "$0")/../../..}/tests/db_server_run.sh"
db_server_run redis tests/runtime/db/test_db_redis
