# String and address matching (stdlib/text.sipi).
TEXT_SRC = modules/text/text.h modules/text/text.c
