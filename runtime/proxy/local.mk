PROXY_SRC = runtime/proxy/proxy.c runtime/proxy/stdlib.c runtime/proxy/main.c runtime/proxy/modules.c runtime/proxy/settings.c runtime/proxy/routes.c runtime/proxy/sdp_fn.c runtime/proxy/limits.c runtime/proxy/dns.c \
	runtime/proxy/settings.h runtime/proxy/routes.h runtime/proxy/dns.h
# Header operations (stdlib/textops.sipi).
PROXY_SRC += runtime/proxy/hdr_fn.c
PROXY_SRC += runtime/proxy/fork.c runtime/proxy/fork.h
# Statistics (core/stats.h) and the control socket.
PROXY_SRC += runtime/proxy/counters.c runtime/proxy/counters.h
PROXY_SRC += runtime/proxy/ctl.c runtime/proxy/ctl.h
PROXY_SRC += runtime/proxy/stats_fn.c
# "Myself": the proxy's own addresses, domains, Route values and credentials.
PROXY_SRC += runtime/proxy/self.c
