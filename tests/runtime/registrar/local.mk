check_PROGRAMS += tests/runtime/registrar/test_registrar
TESTS += tests/runtime/registrar/test_registrar
tests_runtime_registrar_test_registrar_SOURCES = tests/runtime/registrar/test_registrar.c \
	runtime/registrar/registrar.c runtime/core/timer.c $(SIP_SRC) $(DB_SRC) $(CORE_SRC)
tests_runtime_registrar_test_registrar_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SQLITE_CFLAGS) $(PQ_CFLAGS) $(MARIADB_CFLAGS)
tests_runtime_registrar_test_registrar_LDADD = $(CMOCKA_LIBS) $(SQLITE_LIBS) $(PQ_LIBS) $(MARIADB_LIBS) -lpthread
