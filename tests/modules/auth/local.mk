check_PROGRAMS += tests/modules/auth/test_auth
TESTS += tests/modules/auth/test_auth
tests_modules_auth_test_auth_SOURCES = tests/modules/auth/test_auth.c
tests_modules_auth_test_auth_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_modules_auth_test_auth_LDADD = modules/libmod_auth.a $(SIPRT_CORE) $(CMOCKA_LIBS) $(OPENSSL_LIBS) -lpthread

check_PROGRAMS += tests/modules/auth/test_auth_cache
TESTS += tests/modules/auth/test_auth_cache
tests_modules_auth_test_auth_cache_SOURCES = tests/modules/auth/test_auth_cache.c
tests_modules_auth_test_auth_cache_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_modules_auth_test_auth_cache_LDADD = modules/libmod_auth.a $(SIPRT_CORE) $(CMOCKA_LIBS)

# auth.cache_expire through the test engine (runtime/test/sipt.h): one
# program, built with a policy that keeps rows a minute and with one that
# keeps none (auth.cache_expire = 0).
check_PROGRAMS += tests/modules/auth/test_auth_expire tests/modules/auth/test_auth_nocache
TESTS += tests/modules/auth/test_auth_expire tests/modules/auth/test_auth_nocache
EXTRA_DIST += tests/modules/auth/auth_expire.sip tests/modules/auth/auth_nocache.sip
tests_modules_auth_test_auth_expire_SOURCES = tests/modules/auth/test_auth_expire.c
tests_modules_auth_test_auth_expire_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_modules_auth_test_auth_expire_LDADD = tests/modules/auth/auth_expire.$(OBJEXT) \
	libsiprt_test.a libsiprt.a $(YAML_LIBS) $(CMOCKA_LIBS) $(RUNTIME_LIBS)
tests_modules_auth_test_auth_expire_DEPENDENCIES = tests/modules/auth/auth_expire.$(OBJEXT) \
	libsiprt_test.a libsiprt.a
tests_modules_auth_test_auth_nocache_SOURCES = tests/modules/auth/test_auth_expire.c
tests_modules_auth_test_auth_nocache_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_modules_auth_test_auth_nocache_LDADD = tests/modules/auth/auth_nocache.$(OBJEXT) \
	libsiprt_test.a libsiprt.a $(YAML_LIBS) $(CMOCKA_LIBS) $(RUNTIME_LIBS)
tests_modules_auth_test_auth_nocache_DEPENDENCIES = tests/modules/auth/auth_nocache.$(OBJEXT) \
	libsiprt_test.a libsiprt.a
tests/modules/auth/auth_expire.$(OBJEXT): $(srcdir)/tests/modules/auth/auth_expire.sip \
		sipcc$(EXEEXT) share/stdlib/.stamp
	$(SIPT_POLICY_BUILD) $(srcdir)/tests/modules/auth/auth_expire.sip -o $@
tests/modules/auth/auth_nocache.$(OBJEXT): $(srcdir)/tests/modules/auth/auth_nocache.sip \
		sipcc$(EXEEXT) share/stdlib/.stamp
	$(SIPT_POLICY_BUILD) $(srcdir)/tests/modules/auth/auth_nocache.sip -o $@
CLEANFILES += tests/modules/auth/auth_expire.$(OBJEXT) tests/modules/auth/auth_nocache.$(OBJEXT)
