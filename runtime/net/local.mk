NET_SRC = runtime/core/timer.c runtime/net/loop.c runtime/net/transport.c runtime/net/udp.c
