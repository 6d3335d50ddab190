check_PROGRAMS += tests/runtime/rtpengine/test_bencode
TESTS += tests/runtime/rtpengine/test_bencode
tests_runtime_rtpengine_test_bencode_SOURCES = tests/runtime/rtpengine/test_bencode.c \
	runtime/rtpengine/bencode.c runtime/rtpengine/rtpengine.c \
	$(NET_SRC) $(SIP_SRC) $(CORE_SRC)
tests_runtime_rtpengine_test_bencode_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_runtime_rtpengine_test_bencode_LDADD = $(CMOCKA_LIBS) $(OPENSSL_LIBS)
