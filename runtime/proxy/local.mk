PROXY_SRC = runtime/proxy/proxy.c runtime/proxy/relay.c runtime/proxy/reply.c runtime/proxy/wait.c runtime/proxy/stdlib.c runtime/proxy/main.c runtime/proxy/modules.c runtime/proxy/settings.c runtime/proxy/routes.c runtime/proxy/policy.c runtime/proxy/policy_reg.c runtime/proxy/sdp_fn.c runtime/proxy/limits.c runtime/proxy/dns.c \
	runtime/proxy/settings.h runtime/proxy/routes.h runtime/proxy/policy.h runtime/proxy/dns.h runtime/proxy/proxy_int.h runtime/proxy/module.h runtime/proxy/host.h
# Header operations (stdlib/textops.sipi).
PROXY_SRC += runtime/proxy/hdr_fn.c
PROXY_SRC += runtime/proxy/fork.c runtime/proxy/fork.h
# Statistics (core/stats.h) and the control socket.
PROXY_SRC += runtime/proxy/counters.c runtime/proxy/counters.h
PROXY_SRC += runtime/proxy/ctl.c runtime/proxy/ctl.h
PROXY_SRC += runtime/proxy/stats_fn.c
# The ban list (net/ban.h) on the control socket.
PROXY_SRC += runtime/proxy/ban_ctl.c
# "Myself": the proxy's own addresses, domains, Route values and credentials.
PROXY_SRC += runtime/proxy/self.c
# The shared store of several proxies (cluster.store).
PROXY_SRC += runtime/proxy/store.c runtime/proxy/store_int.h
# A module's rounds on it: outages logged once, the timer of its rounds.
PROXY_SRC += runtime/proxy/store_sync.c runtime/proxy/store_sync.h
# Daemon, pid file, dropped privileges, systemd readiness and watchdog.
PROXY_SRC += runtime/proxy/service.c runtime/proxy/service.h
# Watching it: the Prometheus exposition (/metrics) and JSON-RPC over the
# control commands (/rpc), served by an HTTP listener on the loop.
PROXY_SRC += runtime/proxy/metrics.c runtime/proxy/metrics.h runtime/proxy/rpc.c runtime/proxy/rpc.h \
	runtime/proxy/httpd.c runtime/proxy/httpd.h
# Requests the proxy sends on its own (BYEs, OPTIONS probes, REGISTERs).
PROXY_SRC += runtime/proxy/uac.c runtime/proxy/uac.h
# Worker threads, one event loop each, and the hand-off of messages to
# the worker that owns them.
PROXY_SRC += runtime/proxy/worker.c runtime/proxy/worker.h runtime/proxy/worker_run.c \
	runtime/proxy/worker_int.h runtime/proxy/worker_ctl.c
# Events raised by modules and the policy's event routes.
PROXY_SRC += runtime/proxy/event.c runtime/proxy/event.h
# The C prototypes of the policy ABI, generated from the stdlib declarations
# ("sipcc doc --c-header"). Every file that defines a sipcc_fn_* or
# sipcc_pv_* function includes it, so a definition that disagrees with its
# declaration does not compile. Replaced only when its text changes, so a
# rebuilt compiler does not rebuild the runtime.
BUILT_SOURCES += runtime/proxy/policy_fns.h
CLEANFILES += runtime/proxy/policy_fns.h
runtime/proxy/policy_fns.h: sipcc$(EXEEXT) share/stdlib/.stamp
	$(AM_V_GEN)$(MKDIR_P) runtime/proxy && \
	SIPCC_STDLIB='$(BUILD_STDLIB)' ./sipcc$(EXEEXT) doc --c-header >$@.tmp && \
	if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
# Record-Route parameters and rport (stdlib/rr.sipi).
PROXY_SRC += runtime/proxy/rr_fn.c
# Time conditions (stdlib/time.sipi).
PROXY_SRC += runtime/proxy/time_fn.c
