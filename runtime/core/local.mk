CORE_SRC = runtime/core/status.c
