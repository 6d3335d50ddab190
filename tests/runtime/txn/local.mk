check_PROGRAMS += tests/runtime/txn/test_txn
TESTS += tests/runtime/txn/test_txn
tests_runtime_txn_test_txn_SOURCES = tests/runtime/txn/test_txn.c \
	$(TXN_SRC) $(NET_SRC) $(SIP_SRC) $(CORE_SRC)
tests_runtime_txn_test_txn_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_runtime_txn_test_txn_LDADD = $(CMOCKA_LIBS) $(OPENSSL_LIBS)
