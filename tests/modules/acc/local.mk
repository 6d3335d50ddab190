# test_acc runs on a temporary SQLite file; test_acc_pgsql.sh runs the
# same program against a PostgreSQL server it starts (skipped without one).
check_PROGRAMS += tests/modules/acc/test_acc
TESTS += tests/modules/acc/test_acc tests/modules/acc/test_acc_pgsql.sh
EXTRA_DIST += tests/modules/acc/test_acc_pgsql.sh
tests_modules_acc_test_acc_SOURCES = tests/modules/acc/test_acc.c
tests_modules_acc_test_acc_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SQLITE_CFLAGS) $(PQ_CFLAGS) $(MARIADB_CFLAGS)
tests_modules_acc_test_acc_LDADD = modules/libmod_acc.a runtime/libsiprt_db.a $(SIPRT_SIP) $(CMOCKA_LIBS) $(SQLITE_LIBS) $(PQ_LIBS) $(MARIADB_LIBS) $(HIREDIS_LIBS)
# The attributes of RADIUS accounting requests (acc_rad.c).
check_PROGRAMS += tests/modules/acc/test_acc_rad
TESTS += tests/modules/acc/test_acc_rad
tests_modules_acc_test_acc_rad_SOURCES = tests/modules/acc/test_acc_rad.c
tests_modules_acc_test_acc_rad_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_modules_acc_test_acc_rad_LDADD = modules/libmod_acc.a $(SIPRT_CORE) $(CMOCKA_LIBS)
# The write queue with the host's database worker on a temporary SQLite
# file: records close together in one job, the interval, a full batch
# and the module's flush.
check_PROGRAMS += tests/modules/acc/test_acc_queue
TESTS += tests/modules/acc/test_acc_queue
tests_modules_acc_test_acc_queue_SOURCES = tests/modules/acc/test_acc_queue.c
tests_modules_acc_test_acc_queue_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_modules_acc_test_acc_queue_LDADD = modules/libmod_acc.a $(SIPRT_HOST) $(CMOCKA_LIBS) $(RUNTIME_LIBS)
