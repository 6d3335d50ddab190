# The radius module's records, queue and digest attributes; the rest is
# tested against a real FreeRADIUS (tests/e2e/radius_acc.sh,
# tests/e2e/radius_auth.sh).
check_PROGRAMS += tests/modules/radius/test_radius
TESTS += tests/modules/radius/test_radius
tests_modules_radius_test_radius_SOURCES = tests/modules/radius/test_radius.c
tests_modules_radius_test_radius_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_modules_radius_test_radius_LDADD = modules/libmod_radius.a $(SIPRT_CORE) $(CMOCKA_LIBS)
