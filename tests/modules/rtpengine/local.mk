check_PROGRAMS += tests/modules/rtpengine/test_bencode
TESTS += tests/modules/rtpengine/test_bencode
tests_modules_rtpengine_test_bencode_SOURCES = tests/modules/rtpengine/test_bencode.c
tests_modules_rtpengine_test_bencode_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_modules_rtpengine_test_bencode_LDADD = modules/libmod_rtpengine.a $(SIPRT_NET) $(CMOCKA_LIBS) $(OPENSSL_LIBS)
