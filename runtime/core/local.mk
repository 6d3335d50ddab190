CORE_SRC = runtime/core/status.c runtime/core/arena.c runtime/core/log.c
