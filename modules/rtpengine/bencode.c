/* Bencoding (see bencode.h). */
#include "rtpengine/bencode.h"

#include <stdio.h>
#include <string.h>
#include "core/status.h"

void benc_init(benc_buf *b, char *p, size_t cap)
{
	*b = (benc_buf){ p, 0, cap, false };
}

static void put(benc_buf *b, const char *s, size_t n)
{
	if (b->overflow || n > b->cap - b->len) {
		b->overflow = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void benc_str(benc_buf *b, sip_str s)
{
	char n[24];
	int k = snprintf(n, sizeof n, "%zu:", s.len);
	put(b, n, (size_t)k);
	put(b, s.s ? s.s : "", s.len);
}

void benc_cstr(benc_buf *b, const char *s)
{
	benc_str(b, sip_str_make(s, strlen(s)));
}

void benc_int(benc_buf *b, int64_t v)
{
	char n[32];
	int k = snprintf(n, sizeof n, "i%llde", (long long)v);
	put(b, n, (size_t)k);
}

void benc_dict(benc_buf *b) { put(b, "d", 1); }
void benc_list(benc_buf *b) { put(b, "l", 1); }
void benc_end(benc_buf *b) { put(b, "e", 1); }

void benc_kv(benc_buf *b, const char *key, sip_str val)
{
	benc_cstr(b, key);
	benc_str(b, val);
}

struct dec {
	sip_arena *a;
	const char *p, *end;
};

/* A decimal number up to stop: digits only (a '-' first when sign),
 * no leading zeros but "0", no "-0". */
static int dec_num(struct dec *d, char stop, bool sign, int64_t *out)
{
	bool neg = false;
	if (sign && d->p < d->end && *d->p == '-') {
		neg = true;
		d->p++;
	}
	const char *start = d->p;
	uint64_t v = 0;
	while (d->p < d->end && *d->p >= '0' && *d->p <= '9') {
		if (v > (uint64_t)INT64_MAX / 10)
			return SIP_EPARSE;
		v = v * 10 + (uint64_t)(*d->p++ - '0');
		if (v > (uint64_t)INT64_MAX)
			return SIP_EPARSE;
	}
	size_t n = (size_t)(d->p - start);
	if (!n || d->p >= d->end || *d->p != stop)
		return SIP_EPARSE;
	if ((n > 1 && *start == '0') || (neg && v == 0))
		return SIP_EPARSE;
	d->p++;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return SIP_OK;
}

static int dec_value(struct dec *d, int depth, benc_node **out);

static int dec_string(struct dec *d, sip_str *s)
{
	int64_t n;
	int rc = dec_num(d, ':', false, &n);
	if (rc)
		return rc;
	if ((uint64_t)n > (uint64_t)(d->end - d->p))
		return SIP_EPARSE;
	*s = sip_str_make(d->p, (size_t)n);
	d->p += n;
	return SIP_OK;
}

static int dec_value(struct dec *d, int depth, benc_node **out)
{
	if (d->p >= d->end)
		return SIP_EPARSE;
	benc_node *n = sip_arena_alloc(d->a, sizeof *n);
	if (!n)
		return SIP_NOMEM;
	memset(n, 0, sizeof *n);
	int rc;
	char c = *d->p;
	if (c >= '0' && c <= '9') {
		n->type = BENC_STR;
		if ((rc = dec_string(d, &n->s)))
			return rc;
	} else if (c == 'i') {
		n->type = BENC_INT;
		d->p++;
		if ((rc = dec_num(d, 'e', true, &n->i)))
			return rc;
	} else if (c == 'l' || c == 'd') {
		if (depth >= BENC_MAX_DEPTH)
			return SIP_EPARSE;
		n->type = c == 'l' ? BENC_LIST : BENC_DICT;
		d->p++;
		benc_node **tail = &n->child;
		for (;;) {
			if (d->p >= d->end)
				return SIP_EPARSE;
			if (*d->p == 'e') {
				d->p++;
				break;
			}
			sip_str key = SIP_STR_NULL;
			if (n->type == BENC_DICT) {
				if (*d->p < '0' || *d->p > '9')
					return SIP_EPARSE;      /* keys are strings */
				if ((rc = dec_string(d, &key)))
					return rc;
			}
			benc_node *e;
			if ((rc = dec_value(d, depth + 1, &e)))
				return rc;
			e->key = key;
			*tail = e;
			tail = &e->next;
		}
	} else {
		return SIP_EPARSE;
	}
	*out = n;
	return SIP_OK;
}

int benc_decode(sip_arena *a, const char *buf, size_t len, benc_node **out, size_t *used)
{
	struct dec d = { a, buf, buf + len };
	benc_node *n = NULL;
	int rc = dec_value(&d, 0, &n);
	if (rc)
		return rc;
	*out = n;
	if (used)
		*used = (size_t)(d.p - buf);
	return SIP_OK;
}

benc_node *benc_get(const benc_node *d, const char *key)
{
	if (!d || d->type != BENC_DICT)
		return NULL;
	size_t kl = strlen(key);
	for (benc_node *e = d->child; e; e = e->next)
		if (e->key.len == kl && memcmp(e->key.s, key, kl) == 0)
			return e;
	return NULL;
}

sip_str benc_get_str(const benc_node *d, const char *key)
{
	benc_node *e = benc_get(d, key);
	return e && e->type == BENC_STR ? e->s : SIP_STR_NULL;
}
