PROXY_SRC = runtime/proxy/proxy.c runtime/proxy/stdlib.c runtime/proxy/main.c
