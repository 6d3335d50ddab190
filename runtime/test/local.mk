# The test engine (sipcc test): a policy linked with this library instead
# of the proxy's main runs its test cases in-process over the loop
# transport. Installed beside libsiprt.a; it needs libyaml besides the
# runtime's libraries.
pkglib_LIBRARIES += libsiprt_test.a
libsiprt_test_a_SOURCES = runtime/test/sipt.c runtime/test/sipt_case.c runtime/test/sipt_main.c \
	runtime/test/tmpdb.h \
	runtime/test/sipt.h runtime/test/sipt_case.h
libsiprt_test_a_CFLAGS = $(RUNTIME_CFLAGS) $(YAML_CFLAGS)
