#!/bin/sh
# Run test_registrar against a real MariaDB server started for the test
# (tests/mysql_server.sh): the location rows written with and without the
# database worker, reloaded, swept. Exit 77 (skipped) when the MariaDB
# server is not installed (apt-get install mariadb-server).
. "${top_srcdir:-$(dirname "$0")/../../..}/tests/db_server_run.sh"
db_server_run mysql tests/modules/registrar/test_registrar
