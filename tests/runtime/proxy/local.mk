# The host's tests link the host library and the layers below it, not the
# modules: the host reaches modules only through their interface.
check_PROGRAMS += tests/runtime/proxy/test_fork
TESTS += tests/runtime/proxy/test_fork
tests_runtime_proxy_test_fork_SOURCES = tests/runtime/proxy/test_fork.c
tests_runtime_proxy_test_fork_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_runtime_proxy_test_fork_LDADD = $(SIPRT_HOST) $(CMOCKA_LIBS) $(RUNTIME_LIBS)

check_PROGRAMS += tests/runtime/proxy/test_ctl
TESTS += tests/runtime/proxy/test_ctl
tests_runtime_proxy_test_ctl_SOURCES = tests/runtime/proxy/test_ctl.c
tests_runtime_proxy_test_ctl_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_runtime_proxy_test_ctl_LDADD = $(SIPRT_HOST) $(CMOCKA_LIBS) $(RUNTIME_LIBS)

check_PROGRAMS += tests/runtime/proxy/test_self
TESTS += tests/runtime/proxy/test_self
tests_runtime_proxy_test_self_SOURCES = tests/runtime/proxy/test_self.c
tests_runtime_proxy_test_self_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_runtime_proxy_test_self_LDADD = runtime/libsiprt_proxy.a modules/libmod_auth.a $(SIPRT_HOST) $(CMOCKA_LIBS) $(RUNTIME_LIBS)

# Every symbol the stdlib declarations call is defined in libsiprt.a.
TESTS += tests/runtime/proxy/abi_symbols.sh
EXTRA_DIST += tests/runtime/proxy/abi_symbols.sh

check_PROGRAMS += tests/runtime/proxy/test_call_slot
TESTS += tests/runtime/proxy/test_call_slot
tests_runtime_proxy_test_call_slot_SOURCES = tests/runtime/proxy/test_call_slot.c
tests_runtime_proxy_test_call_slot_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_runtime_proxy_test_call_slot_LDADD = $(SIPRT_HOST) $(CMOCKA_LIBS) $(RUNTIME_LIBS)

check_PROGRAMS += tests/runtime/proxy/test_uac
TESTS += tests/runtime/proxy/test_uac
tests_runtime_proxy_test_uac_SOURCES = tests/runtime/proxy/test_uac.c
tests_runtime_proxy_test_uac_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_runtime_proxy_test_uac_LDADD = $(SIPRT_HOST) $(CMOCKA_LIBS) $(RUNTIME_LIBS)

# The Prometheus exposition and JSON-RPC over the control commands.
check_PROGRAMS += tests/runtime/proxy/test_metrics tests/runtime/proxy/test_rpc
TESTS += tests/runtime/proxy/test_metrics tests/runtime/proxy/test_rpc
tests_runtime_proxy_test_metrics_SOURCES = tests/runtime/proxy/test_metrics.c
tests_runtime_proxy_test_metrics_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_runtime_proxy_test_metrics_LDADD = $(SIPRT_HOST) $(CMOCKA_LIBS) $(RUNTIME_LIBS)
tests_runtime_proxy_test_rpc_SOURCES = tests/runtime/proxy/test_rpc.c
tests_runtime_proxy_test_rpc_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_runtime_proxy_test_rpc_LDADD = $(SIPRT_HOST) $(CMOCKA_LIBS) $(RUNTIME_LIBS)

check_PROGRAMS += tests/runtime/proxy/test_event
TESTS += tests/runtime/proxy/test_event
tests_runtime_proxy_test_event_SOURCES = tests/runtime/proxy/test_event.c
tests_runtime_proxy_test_event_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_runtime_proxy_test_event_LDADD = $(SIPRT_HOST) $(CMOCKA_LIBS) $(RUNTIME_LIBS)

# Which worker owns a message, the worker id in the branch, how many
# workers a policy may run with.
check_PROGRAMS += tests/runtime/proxy/test_worker
TESTS += tests/runtime/proxy/test_worker
tests_runtime_proxy_test_worker_SOURCES = tests/runtime/proxy/test_worker.c
tests_runtime_proxy_test_worker_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_runtime_proxy_test_worker_LDADD = $(SIPRT_HOST) $(CMOCKA_LIBS) $(RUNTIME_LIBS)

check_PROGRAMS += tests/runtime/proxy/test_policy
TESTS += tests/runtime/proxy/test_policy
tests_runtime_proxy_test_policy_SOURCES = tests/runtime/proxy/test_policy.c
tests_runtime_proxy_test_policy_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS)
tests_runtime_proxy_test_policy_LDADD = $(SIPRT_HOST) $(CMOCKA_LIBS) $(RUNTIME_LIBS)
