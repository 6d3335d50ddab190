SCRIPT_SRC = runtime/script/vars.c
EXTRA_DIST += runtime/script/script.h
