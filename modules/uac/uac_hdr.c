/* From/To/CSeq rewriting and what the Record-Route carries for it (uac.h). */
#include "uac/uac.h"

#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include "core/status.h"

sip_str uac_naddr_part(const sip_naddr *n)
{
	const char *end = n->uri_str.s + n->uri_str.len;
	if (end < n->raw.s + n->raw.len && *end == '>')
		end++;
	return sip_str_make(n->raw.s, (size_t)(end - n->raw.s));
}

static bool uac_uri_ok(sip_str uri)
{
	if (!uri.len)
		return false;
	for (size_t i = 0; i < uri.len; i++)
		if (uri.s[i] == '\r' || uri.s[i] == '\n' || uri.s[i] == '<' || uri.s[i] == '>' ||
		    uri.s[i] == ' ' || uri.s[i] == '\t' || uri.s[i] == '"')
			return false;
	sip_uri u;
	if (sip_uri_parse(uri, &u) != SIP_OK)
		return false;
	return u.is_sip ? u.host.len > 0 : sip_str_eq_lit_case(u.scheme, "tel");
}

/* A display name as written in a header: a quoted string is kept as it
 * is (the policy quoted it), anything else is quoted with '"' and '\'
 * escaped (RFC 3261 §25.1 quoted-pair). */
static bool uac_display_quote(sip_arena *a, sip_str d, sip_str *out)
{
	for (size_t i = 0; i < d.len; i++)
		if (d.s[i] == '\r' || d.s[i] == '\n')
			return false;
	if (d.len >= 2 && d.s[0] == '"' && d.s[d.len - 1] == '"') {
		*out = d;
		return true;
	}
	char *p = sip_arena_alloc(a, 2 * d.len + 2);
	if (!p)
		return false;
	size_t n = 0;
	p[n++] = '"';
	for (size_t i = 0; i < d.len; i++) {
		if (d.s[i] == '"' || d.s[i] == '\\')
			p[n++] = '\\';
		p[n++] = d.s[i];
	}
	p[n++] = '"';
	*out = sip_str_make(p, n);
	return true;
}

sip_str uac_naddr_make(sip_arena *a, sip_str display, sip_str uri, const sip_naddr *keep)
{
	if (!uac_uri_ok(uri))
		return SIP_STR_NULL;
	sip_str d = SIP_STR_NULL;
	if (keep) {
		/* The display as the header had it: the parser gives a quoted
		 * one without its quotes, escapes and all. */
		if (keep->display.len) {
			bool quoted = keep->display.s > keep->raw.s && keep->display.s[-1] == '"';
			d = quoted ? sip_str_make(keep->display.s - 1, keep->display.len + 2) : keep->display;
		}
	} else if (display.len && !uac_display_quote(a, display, &d)) {
		return SIP_STR_NULL;
	}
	sip_str r = d.len ? sip_arena_printf(a, SIP_STR_FMT " <" SIP_STR_FMT ">", SIP_STR_ARG(d),
					     SIP_STR_ARG(uri))
			  : sip_arena_printf(a, "<" SIP_STR_FMT ">", SIP_STR_ARG(uri));
	return r.s ? r : SIP_STR_NULL;
}

int uac_hdr_set(sip_msg *m, int type, sip_str naddr)
{
	sip_naddr *n = type == SIP_HDR_FROM ? sip_msg_from(m) : sip_msg_to(m);
	if (!n || !naddr.len)
		return SIP_EINVAL;
	sip_str part = uac_naddr_part(n);
	/* An addr-spec without <> followed by parameters: the new value has
	 * <>, so the parameters stay the header's (RFC 3261 §20.10). */
	return sip_msg_edit(m, sip_msg_off(m, part.s), part.len, naddr);
}

int uac_cseq_set(sip_msg *m, uint32_t num, sip_arena *a)
{
	sip_hdr *h = m->first[SIP_HDR_CSEQ];
	if (!h)
		return SIP_EINVAL;
	size_t i = 0;
	while (i < h->body.len && h->body.s[i] >= '0' && h->body.s[i] <= '9')
		i++;
	if (!i)
		return SIP_EINVAL;
	char *d = sip_arena_alloc(a, 12);
	if (!d)
		return SIP_NOMEM;
	size_t n = sip_fmt_uint(d, num);
	return sip_msg_edit(m, sip_msg_off(m, h->body.s), i, sip_str_make(d, n));
}

/* ---- base64url (RFC 4648 §5), no padding ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

sip_str uac_b64_encode(sip_arena *a, sip_str in)
{
	char *o = sip_arena_alloc(a, in.len / 3 * 4 + 5);
	if (!o)
		return SIP_STR_NULL;
	const unsigned char *p = (const unsigned char *)in.s;
	size_t n = 0, i = 0;
	for (; i + 3 <= in.len; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		o[n++] = b64[v >> 18 & 63];
		o[n++] = b64[v >> 12 & 63];
		o[n++] = b64[v >> 6 & 63];
		o[n++] = b64[v & 63];
	}
	if (in.len - i == 1) {
		unsigned v = (unsigned)p[i] << 16;
		o[n++] = b64[v >> 18 & 63];
		o[n++] = b64[v >> 12 & 63];
	} else if (in.len - i == 2) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;
		o[n++] = b64[v >> 18 & 63];
		o[n++] = b64[v >> 12 & 63];
		o[n++] = b64[v >> 6 & 63];
	}
	return sip_str_make(o, n);
}

static int b64_val(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;
	return p ? (int)(p - b64) : -1;
}

bool uac_b64_decode(sip_arena *a, sip_str in, sip_str *out)
{
	if (in.len % 4 == 1)
		return false;
	unsigned char *o = sip_arena_alloc(a, in.len / 4 * 3 + 3);
	if (!o)
		return false;
	size_t n = 0;
	unsigned acc = 0, bits = 0;
	for (size_t i = 0; i < in.len; i++) {
		int v = b64_val(in.s[i]);
		if (v < 0)
			return false;
		acc = acc << 6 | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			o[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	*out = sip_str_make((const char *)o, n);
	return true;
}

bool uac_param(sip_str params, const char *name, sip_str *val)
{
	size_t nl = strlen(name);
	const char *p = params.s, *end = params.s + params.len;
	while (p && p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *e = semi ? semi : end;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if ((size_t)(e - p) >= nl && sip_mem_caseeq(p, name, nl) &&
		    (p + nl == e || p[nl] == '=')) {
			*val = p + nl == e ? SIP_STR_NULL : sip_str_make(p + nl + 1, (size_t)(e - p - nl - 1));
			return true;
		}
		p = semi ? semi + 1 : NULL;
	}
	return false;
}

/* ---- what the Record-Route carries ---- */

/* uac.restore_key: when set, the identities in the Record-Route are
 * sealed (the endpoints see the Record-Route: the callee would read the
 * caller's original From). Sealed bytes: an 8-byte random nonce, the text
 * XOR-ed with HMAC-SHA256(key, "s" nonce counter) blocks, and the first 8
 * bytes of HMAC-SHA256(key, "m" nonce ciphertext), so a value changed on
 * the way is refused rather than restored. */
static unsigned char rr_key[64];
static size_t rr_key_len;

void uac_rr_key_set(sip_str key)
{
	rr_key_len = key.len < sizeof rr_key ? key.len : sizeof rr_key;
	if (rr_key_len)
		memcpy(rr_key, key.s, rr_key_len);
}

static void rr_hmac(char kind, const unsigned char *a, size_t an, const unsigned char *b, size_t bn,
		    unsigned char out[32])
{
	unsigned char in[8 + 4 + 512 + 1];
	unsigned int len = 0;
	size_t n = 0;
	in[n++] = (unsigned char)kind;
	memcpy(in + n, a, an);
	n += an;
	memcpy(in + n, b, bn);
	n += bn;
	HMAC(EVP_sha256(), rr_key, (int)rr_key_len, in, n, out, &len);
}

static void rr_xor(const unsigned char nonce[8], unsigned char *p, size_t n)
{
	unsigned char block[32];
	for (size_t off = 0; off < n; off += 32) {
		unsigned char ctr[4] = { (unsigned char)(off >> 29), (unsigned char)(off >> 21),
					 (unsigned char)(off >> 13), (unsigned char)(off >> 5) };
		rr_hmac('s', nonce, 8, ctr, 4, block);
		for (size_t i = 0; i < 32 && off + i < n; i++)
			p[off + i] ^= block[i];
	}
}

/* raw sealed (with a key) and base64url. */
static sip_str rr_seal(sip_arena *a, sip_str raw)
{
	if (!rr_key_len)
		return uac_b64_encode(a, raw);
	if (raw.len > 512)
		return SIP_STR_NULL;
	unsigned char *b = sip_arena_alloc(a, raw.len + 16), mac[32];
	if (!b || RAND_bytes(b, 8) != 1)
		return SIP_STR_NULL;
	memcpy(b + 8, raw.s, raw.len);
	rr_xor(b, b + 8, raw.len);
	rr_hmac('m', b, 8, b + 8, raw.len, mac);
	memcpy(b + 8 + raw.len, mac, 8);
	return uac_b64_encode(a, sip_str_make((const char *)b, raw.len + 16));
}

/* The reverse: false when it does not decode or its seal is wrong. */
static bool rr_open(sip_arena *a, sip_str enc, sip_str *raw)
{
	sip_str b;
	if (!uac_b64_decode(a, enc, &b))
		return false;
	if (!rr_key_len) {
		*raw = b;
		return true;
	}
	if (b.len < 16 || b.len > 512 + 16)
		return false;
	unsigned char *p = (unsigned char *)b.s, mac[32];
	size_t n = b.len - 16;
	rr_hmac('m', p, 8, p + 8, n, mac);
	if (CRYPTO_memcmp(mac, p + 8 + n, 8) != 0)
		return false;
	rr_xor(p, p + 8, n);
	*raw = sip_str_make((const char *)p + 8, n);
	return true;
}

/* The three pieces joined by LF (none of them can hold one: they come
 * from header values), base64url. */
sip_str uac_rr_ident(sip_arena *a, bool to, sip_str ftag, sip_str orig, sip_str repl)
{
	sip_str raw = sip_arena_printf(a, SIP_STR_FMT "\n" SIP_STR_FMT "\n" SIP_STR_FMT,
				       SIP_STR_ARG(ftag), SIP_STR_ARG(orig), SIP_STR_ARG(repl));
	if (!raw.s)
		return SIP_STR_NULL;
	sip_str enc = rr_seal(a, raw);
	if (!enc.s)
		return SIP_STR_NULL;
	sip_str r = sip_arena_printf(a, "%s=" SIP_STR_FMT, to ? "uact" : "uacf", SIP_STR_ARG(enc));
	return r.s ? r : SIP_STR_NULL;
}

sip_str uac_rr_shift(sip_arena *a, unsigned shift, sip_str ftag)
{
	sip_str enc = uac_b64_encode(a, ftag);
	if (!enc.s)
		return SIP_STR_NULL;
	sip_str r = sip_arena_printf(a, "uacs=%u." SIP_STR_FMT, shift, SIP_STR_ARG(enc));
	return r.s ? r : SIP_STR_NULL;
}

static bool rr_split3(sip_str s, sip_str out[3])
{
	for (int i = 0; i < 2; i++) {
		const char *nl = memchr(s.s, '\n', s.len);
		if (!nl)
			return false;
		out[i] = sip_str_make(s.s, (size_t)(nl - s.s));
		s = sip_str_make(nl + 1, s.len - out[i].len - 1);
	}
	out[2] = s;
	return out[0].len && out[1].len && out[2].len && !memchr(s.s, '\n', s.len);
}

bool uac_rr_read(sip_arena *a, sip_str params, struct uac_rr *rr)
{
	static const char *const names[2] = { "uacf", "uact" };
	bool any = false;
	for (int w = 0; w < 2; w++) {
		sip_str v, raw, part[3];
		if (!uac_param(params, names[w], &v))
			continue;
		if (!rr_open(a, v, &raw) || !rr_split3(raw, part))
			return false;
		rr->ftag = part[0];
		if (w == 0) {
			rr->from = true;
			rr->from_orig = part[1];
			rr->from_new = part[2];
		} else {
			rr->to = true;
			rr->to_orig = part[1];
			rr->to_new = part[2];
		}
		any = true;
	}
	sip_str v;
	if (uac_param(params, "uacs", &v)) {
		const char *dot = memchr(v.s, '.', v.len);
		unsigned n = 0;
		size_t i = 0;
		for (; v.s + i < (dot ? dot : v.s + v.len) && v.s[i] >= '0' && v.s[i] <= '9' && i < 6; i++)
			n = n * 10 + (unsigned)(v.s[i] - '0');
		sip_str tag;
		if (!dot || v.s + i != dot || !n ||
		    !uac_b64_decode(a, sip_str_make(dot + 1, v.len - i - 1), &tag) || !tag.len)
			return false;
		rr->shift = n;
		rr->ftag = tag;
		any = true;
	}
	return any;
}

/* The later requests of a dialog. The caller's (From tag = the first
 * request's) go out as the first did: the From and To it knows are
 * replaced by the new ones and its CSeq goes up by the shift; replies come
 * back with what it sent. The callee's carry the new identities the other
 * way round (its To is the caller's new From): they reach the caller with
 * the original ones, and the replies go back to the callee with the new
 * ones. */
int uac_dialog_apply(sip_msg *m, const struct uac_rr *rr, struct uac_call *st, sip_arena *a)
{
	int rc = SIP_OK;
	bool down = sip_str_eq(m->from_tag, rr->ftag);
	if (rr->from) {
		if (down) {
			rc = uac_hdr_set(m, SIP_HDR_FROM, rr->from_new);
			st->from_reply = rr->from_orig;
		} else {
			rc = uac_hdr_set(m, SIP_HDR_TO, rr->from_orig);
			st->to_reply = rr->from_new;
		}
	}
	if (rc == SIP_OK && rr->to) {
		if (down) {
			rc = uac_hdr_set(m, SIP_HDR_TO, rr->to_new);
			st->to_reply = rr->to_orig;
		} else {
			rc = uac_hdr_set(m, SIP_HDR_FROM, rr->to_orig);
			st->from_reply = rr->to_new;
		}
	}
	if (rc == SIP_OK && rr->shift && down) {
		st->cseq_fix = true;
		st->cseq = m->cseq.num;
		rc = uac_cseq_set(m, m->cseq.num + rr->shift, a);
	}
	return rc;
}

int uac_reply_restore(sip_msg *resp, const struct uac_call *st, sip_arena *a)
{
	int rc = SIP_OK;
	if (st->from_reply.len)
		rc = uac_hdr_set(resp, SIP_HDR_FROM, st->from_reply);
	if (rc == SIP_OK && st->to_reply.len)
		rc = uac_hdr_set(resp, SIP_HDR_TO, st->to_reply);
	if (rc == SIP_OK && st->cseq_fix && resp->cseq.num != st->cseq)
		rc = uac_cseq_set(resp, st->cseq, a);
	return rc;
}
