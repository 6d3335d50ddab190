/* The items of a stored dialog (see dlg_image.h). */
#include "dialog/dlg_image.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "core/arena.h"
#include "core/status.h"

static void img_cat(struct dlg_img_buf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 128;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = sip_mem_realloc(b->p, cap);
		if (!p) {
			b->failed = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void dlg_img_put(struct dlg_img_buf *b, enum dlg_img_kind kind, unsigned idx, int64_t ival,
		 sip_str sval)
{
	char head[64];
	int n;
	if (kind == DLG_IMG_INT)
		n = snprintf(head, sizeof head, "%c%u=%" PRId64 "\n", (char)kind, idx, ival);
	else
		n = snprintf(head, sizeof head, "%c%u=%zu:", (char)kind, idx, sval.len);
	if (n <= 0 || (size_t)n >= sizeof head || memchr(sval.s ? sval.s : "", '\0', sval.len)) {
		b->failed = true;
		return;
	}
	img_cat(b, head, (size_t)n);
	if (kind != DLG_IMG_INT) {
		img_cat(b, sval.s ? sval.s : "", sval.len);
		img_cat(b, "\n", 1);
	}
}

sip_str dlg_img_text(const struct dlg_img_buf *b)
{
	return b->failed || !b->len ? SIP_STR_LIT("") : sip_str_make(b->p, b->len);
}

void dlg_img_free(struct dlg_img_buf *b)
{
	sip_mem_free(b->p);
	memset(b, 0, sizeof *b);
}

/* Digits at text[*i..] into *out (at most max); false when none or too
 * big. */
static bool img_uint(sip_str t, size_t *i, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t start = *i;
	while (*i < t.len && t.s[*i] >= '0' && t.s[*i] <= '9') {
		unsigned dg = (unsigned)(t.s[*i] - '0');
		if (v > (max - dg) / 10)
			return false;
		v = v * 10 + dg;
		(*i)++;
	}
	*out = v;
	return *i > start;
}

int dlg_img_next(sip_str t, size_t *pos, struct dlg_img_item *it)
{
	size_t i = *pos;
	if (i >= t.len)
		return 0;
	char k = t.s[i++];
	if (k != DLG_IMG_INT && k != DLG_IMG_STR && k != DLG_IMG_PROFILE)
		return SIP_EINVAL;
	uint64_t idx, v;
	if (!img_uint(t, &i, UINT32_MAX, &idx) || i >= t.len || t.s[i++] != '=')
		return SIP_EINVAL;
	memset(it, 0, sizeof *it);
	it->kind = (enum dlg_img_kind)k;
	it->idx = (unsigned)idx;
	if (k == DLG_IMG_INT) {
		bool neg = i < t.len && t.s[i] == '-';
		if (neg)
			i++;
		if (!img_uint(t, &i, neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &v))
			return SIP_EINVAL;
		it->ival = neg ? (int64_t)(0 - v) : (int64_t)v;
	} else {
		if (!img_uint(t, &i, t.len, &v) || i >= t.len || t.s[i++] != ':' || v > t.len - i)
			return SIP_EINVAL;
		it->sval = sip_str_make(t.s + i, (size_t)v);
		i += (size_t)v;
	}
	if (i >= t.len || t.s[i] != '\n')
		return SIP_EINVAL;
	*pos = i + 1;
	return 1;
}
