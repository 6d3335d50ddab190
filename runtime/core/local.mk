CORE_SRC = runtime/core/status.c runtime/core/arena.c runtime/core/log.c
CORE_SRC += runtime/core/stats.c
