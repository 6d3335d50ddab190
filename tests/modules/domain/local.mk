# test_domain: the domain and alias cache on a temporary SQLite file.
check_PROGRAMS += tests/modules/domain/test_domain
TESTS += tests/modules/domain/test_domain
tests_modules_domain_test_domain_SOURCES = tests/modules/domain/test_domain.c
tests_modules_domain_test_domain_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SQLITE_CFLAGS) $(PQ_CFLAGS) $(MARIADB_CFLAGS)
tests_modules_domain_test_domain_LDADD = modules/libmod_domain.a $(SIPRT_HOST) $(CMOCKA_LIBS) $(RUNTIME_LIBS)
