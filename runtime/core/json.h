/* A small JSON reader (RFC 8259) for the requests of the management
 * interface (JSON-RPC over HTTP) and the replies sipcc-ctl reads back.
 *
 * The whole text is parsed into a tree of nodes allocated from an arena
 * (freed with it); strings are unescaped into the arena, every node keeps
 * the slice of the input it was read from (raw), so a caller can copy a
 * value back out verbatim (a JSON-RPC id, a result object). Nesting is
 * bounded (SIP_JSON_MAX_DEPTH) so a hostile request cannot exhaust the
 * stack. */
#ifndef SIPCC_CORE_JSON_H
#define SIPCC_CORE_JSON_H

#include <stddef.h>
#include "core/arena.h"
#include "core/str.h"

#define SIP_JSON_MAX_DEPTH 32

enum sip_json_type {
	SIP_JSON_NULL,
	SIP_JSON_FALSE,
	SIP_JSON_TRUE,
	SIP_JSON_NUMBER,
	SIP_JSON_STRING,
	SIP_JSON_ARRAY,
	SIP_JSON_OBJECT,
};

typedef struct sip_json sip_json;
struct sip_json {
	enum sip_json_type type;
	sip_str raw;            /* the value's text in the input */
	sip_str str;            /* STRING: the value unescaped (UTF-8, NUL-terminated);
				   NUMBER: its text */
	sip_str key;            /* a member of an object: its name, unescaped */
	sip_json *child;        /* ARRAY, OBJECT: the first element */
	sip_json *next;         /* the next element of the parent */
	unsigned n;             /* ARRAY, OBJECT: how many elements */
};

/* Parse text[0..len), one value with white space around it. SIP_OK and
 * *out; SIP_EPARSE with *err_off (when not NULL) at the offending byte;
 * SIP_NOMEM. Control characters in strings, bad escapes, lone
 * surrogates, trailing commas, leading zeros and anything after the value
 * are refused. */
int sip_json_parse(sip_arena *a, const char *text, size_t len, sip_json **out, size_t *err_off);

/* The value of the four hex digits at p (a \uXXXX escape), or -1. */
int sip_json_hex4(const char *p);
/* Code point cp as UTF-8 at o (at most 4 bytes); the byte after it. */
char *sip_json_utf8(char *o, unsigned cp);

/* The member key of an object (the first of that name), or NULL. */
const sip_json *sip_json_get(const sip_json *obj, const char *key);

#endif
