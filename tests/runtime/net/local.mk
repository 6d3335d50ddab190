check_PROGRAMS += tests/runtime/net/test_tcp
TESTS += tests/runtime/net/test_tcp
tests_runtime_net_test_tcp_SOURCES = tests/runtime/net/test_tcp.c
tests_runtime_net_test_tcp_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_runtime_net_test_tcp_LDADD = $(SIPRT_NET) $(CMOCKA_LIBS) $(OPENSSL_LIBS)
check_PROGRAMS += tests/runtime/net/test_ws
TESTS += tests/runtime/net/test_ws
tests_runtime_net_test_ws_SOURCES = tests/runtime/net/test_ws.c
tests_runtime_net_test_ws_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_runtime_net_test_ws_LDADD = $(SIPRT_NET) $(CMOCKA_LIBS) $(OPENSSL_LIBS)

# RFC 3263 resolution against a dnsmasq the test starts.
check_PROGRAMS += tests/runtime/net/test_resolve
TESTS += tests/runtime/net/test_resolve
tests_runtime_net_test_resolve_SOURCES = tests/runtime/net/test_resolve.c
tests_runtime_net_test_resolve_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS) $(CARES_CFLAGS)
tests_runtime_net_test_resolve_LDADD = $(SIPRT_NET) $(CMOCKA_LIBS) $(OPENSSL_LIBS) $(CARES_LIBS)

# The event loop and the UDP transport's per-wakeup budget.
check_PROGRAMS += tests/runtime/net/test_loop
TESTS += tests/runtime/net/test_loop
tests_runtime_net_test_loop_SOURCES = tests/runtime/net/test_loop.c
tests_runtime_net_test_loop_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_runtime_net_test_loop_LDADD = $(SIPRT_NET) $(CMOCKA_LIBS) $(OPENSSL_LIBS)

# The capture hook of the transports (message tracing).
check_PROGRAMS += tests/runtime/net/test_capture
TESTS += tests/runtime/net/test_capture
tests_runtime_net_test_capture_SOURCES = tests/runtime/net/test_capture.c
tests_runtime_net_test_capture_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_runtime_net_test_capture_LDADD = $(SIPRT_NET) $(CMOCKA_LIBS) $(OPENSSL_LIBS)

# The ban list: entries, expiry on a fake clock, and the drop in
# tp_deliver() before the upper layer sees a packet.
check_PROGRAMS += tests/runtime/net/test_ban
TESTS += tests/runtime/net/test_ban
tests_runtime_net_test_ban_SOURCES = tests/runtime/net/test_ban.c
tests_runtime_net_test_ban_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_runtime_net_test_ban_LDADD = $(SIPRT_NET) $(CMOCKA_LIBS) $(OPENSSL_LIBS)
