check_PROGRAMS += tests/runtime/rtpengine/test_bencode
TESTS += tests/runtime/rtpengine/test_bencode
tests_runtime_rtpengine_test_bencode_SOURCES = tests/runtime/rtpengine/test_bencode.c
tests_runtime_rtpengine_test_bencode_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_runtime_rtpengine_test_bencode_LDADD = runtime/libsiprt_rtpengine.a $(SIPRT_NET) $(CMOCKA_LIBS) $(OPENSSL_LIBS)
