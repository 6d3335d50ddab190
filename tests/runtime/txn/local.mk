check_PROGRAMS += tests/runtime/txn/test_txn
TESTS += tests/runtime/txn/test_txn
tests_runtime_txn_test_txn_SOURCES = tests/runtime/txn/test_txn.c
tests_runtime_txn_test_txn_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_runtime_txn_test_txn_LDADD = $(SIPRT_TXN) $(CMOCKA_LIBS) $(OPENSSL_LIBS)
