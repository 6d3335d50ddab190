# String and address matching (stdlib/text.sipi).
TEXT_SRC = runtime/text/text.h runtime/text/text.c
