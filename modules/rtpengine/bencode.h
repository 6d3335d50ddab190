/* Bencoding (the encoding of rtpengine's "ng" control protocol, from
 * BitTorrent's BEP 3): byte strings "4:spam", integers "i42e", lists
 * "l...e" and dictionaries "d...e" whose keys are byte strings.
 *
 * The encoder writes into a caller's buffer and remembers an overflow
 * instead of failing each call; the decoder builds a tree in an arena whose
 * strings point into the input, and rejects truncated or malformed input
 * and nesting deeper than BENC_MAX_DEPTH with SIP_EPARSE. */
#ifndef SIPCC_RTPENGINE_BENCODE_H
#define SIPCC_RTPENGINE_BENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/arena.h"
#include "core/str.h"

#define BENC_MAX_DEPTH 32

typedef struct benc_buf {
	char *p;
	size_t len, cap;
	bool overflow;          /* something did not fit: the output is unusable */
} benc_buf;

void benc_init(benc_buf *b, char *p, size_t cap);
void benc_str(benc_buf *b, sip_str s);
void benc_cstr(benc_buf *b, const char *s);
void benc_int(benc_buf *b, int64_t v);
void benc_dict(benc_buf *b);            /* "d": keys and values follow */
void benc_list(benc_buf *b);            /* "l" */
void benc_end(benc_buf *b);             /* "e" */
/* A dictionary entry whose value is a string. */
void benc_kv(benc_buf *b, const char *key, sip_str val);

enum benc_type { BENC_STR, BENC_INT, BENC_LIST, BENC_DICT };

typedef struct benc_node {
	enum benc_type type;
	sip_str s;              /* BENC_STR: the bytes */
	int64_t i;              /* BENC_INT */
	sip_str key;            /* the key of a dictionary's member */
	struct benc_node *child;    /* first element / member */
	struct benc_node *next;     /* next sibling */
} benc_node;

/* Decode one value from buf[0..len) into *out (allocated from a).
 * *used, when not NULL, gets the bytes it took. SIP_OK, SIP_EPARSE for
 * malformed, truncated or too deeply nested input, SIP_NOMEM. */
int benc_decode(sip_arena *a, const char *buf, size_t len, benc_node **out, size_t *used);

/* The member key of dictionary d; NULL when d is not a dictionary or has
 * no such key. */
benc_node *benc_get(const benc_node *d, const char *key);
/* The string member key of d, {NULL, 0} when absent or not a string. */
sip_str benc_get_str(const benc_node *d, const char *key);

#endif
