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
tests/runtime/test/sipt_policy.$(OBJEXT): $(srcdir)/tests/runtime/test/sipt_policy.sip \
		sipcc$(EXEEXT) share/stdlib/.stamp
	$(AM_V_GEN)$(MKDIR_P) tests/runtime/test && \
	SIPCC_STDLIB='$(BUILD_STDLIB)' ./sipcc$(EXEEXT) build -c --probes -O1 \
		$(srcdir)/tests/runtime/test/sipt_policy.sip -o $@
CLEANFILES += tests/runtime/test/sipt_policy.$(OBJEXT)
