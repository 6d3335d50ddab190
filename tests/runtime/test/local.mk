# The test engine (runtime/test) and sipcc test: the examples' cases, a
# broken copy of an example that must fail naming its line, the command
# line, and the C API with a policy compiled by sipcc build -c --probes.
TESTS += tests/runtime/test/examples.sh tests/runtime/test/broken.sh tests/runtime/test/cli.sh
EXTRA_DIST += tests/runtime/test/examples.sh tests/runtime/test/broken.sh \
	tests/runtime/test/cli.sh tests/runtime/test/sipt_policy.sip

check_PROGRAMS += tests/runtime/test/test_sipt
TESTS += tests/runtime/test/test_sipt
tests_runtime_test_test_sipt_SOURCES = tests/runtime/test/test_sipt.c
tests_runtime_test_test_sipt_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_runtime_test_test_sipt_LDADD = tests/runtime/test/sipt_policy.$(OBJEXT) \
	libsiprt_test.a libsiprt.a $(YAML_LIBS) $(CMOCKA_LIBS) $(RUNTIME_LIBS)
tests_runtime_test_test_sipt_DEPENDENCIES = tests/runtime/test/sipt_policy.$(OBJEXT) \
	libsiprt_test.a libsiprt.a
# The object of a policy for a test program linked with libsiprt_test.a:
# $(SIPT_POLICY_BUILD) [OPTIONS] POLICY -o $@.
SIPT_POLICY_BUILD = $(AM_V_GEN)$(MKDIR_P) $(@D) && \
	SIPCC_STDLIB='$(BUILD_STDLIB)' ./sipcc$(EXEEXT) build -c -O1
tests/runtime/test/sipt_policy.$(OBJEXT): $(srcdir)/tests/runtime/test/sipt_policy.sip \
		sipcc$(EXEEXT) share/stdlib/.stamp
	$(SIPT_POLICY_BUILD) --probes $(srcdir)/tests/runtime/test/sipt_policy.sip -o $@
CLEANFILES += tests/runtime/test/sipt_policy.$(OBJEXT)
