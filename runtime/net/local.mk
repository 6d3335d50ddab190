# The transports (they need runtime/core/timer.c, TIMER_SRC, from core).
NET_SRC = runtime/net/loop.c runtime/net/transport.c runtime/net/udp.c \
	runtime/net/tcp.c runtime/net/tls.c runtime/net/tcp_int.h runtime/net/tls.h \
	runtime/net/limits.c runtime/net/limits.h
NET_SRC += runtime/net/ws.c runtime/net/ws_int.h
NET_SRC += runtime/net/ban.c runtime/net/ban.h
# RFC 3263 resolution with c-ares: in the runtime library, kept out of
# NET_SRC so that the unit tests of the transports do not link c-ares.
RESOLVE_SRC = runtime/net/resolve.c runtime/net/resolve.h
