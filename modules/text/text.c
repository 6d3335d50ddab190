/* String and address matching for policies (modules/text/text.sipi).
 *
 * Regular expressions: generated code passes a pattern that is a literal,
 * so the same pointer comes back on every message. Each worker thread
 * keeps a small cache of compiled patterns keyed by that pointer; the
 * pattern text is kept too and compared on a hit, so a pattern built at
 * run time in a reused buffer can never pick up a stale compilation. */
#include <arpa/inet.h>
#include <regex.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "core/log.h"
#include "proxy/host.h"
#include "text/text.h"

int64_t sipcc_fn_starts_with(struct sip_ctx *ctx, const char *s, size_t slen,
			     const char *prefix, size_t plen)
{
	(void)ctx;
	return plen <= slen && (plen == 0 || memcmp(s, prefix, plen) == 0);
}

int64_t sipcc_fn_ends_with(struct sip_ctx *ctx, const char *s, size_t slen,
			   const char *suffix, size_t xlen)
{
	(void)ctx;
	return xlen <= slen && (xlen == 0 || memcmp(s + slen - xlen, suffix, xlen) == 0);
}

int64_t sipcc_fn_contains(struct sip_ctx *ctx, const char *s, size_t slen,
			  const char *part, size_t plen)
{
	(void)ctx;
	if (plen == 0)
		return 1;
	return slen >= plen && memmem(s, slen, part, plen) != NULL;
}

enum { TEXT_RE_SLOTS = 64 };

struct text_re {
	const char *key;      /* the caller's pointer; NULL: empty slot */
	char *pattern;        /* NUL-terminated copy */
	size_t len;
	bool ok;              /* compiled; false: invalid, already logged */
	regex_t re;
};

static _Thread_local struct text_re text_re_cache[TEXT_RE_SLOTS];

static void text_re_free(struct text_re *c)
{
	if (!c->key)
		return;
	if (c->ok)
		regfree(&c->re);
	free(c->pattern);
	memset(c, 0, sizeof *c);
}

void text_regex_cache_clear(void)
{
	for (int i = 0; i < TEXT_RE_SLOTS; i++)
		text_re_free(&text_re_cache[i]);
}

/* The compiled form of re, compiling it on first use. A slot holds one
 * pattern; a collision recompiles, which costs time but stays correct.
 * Returns NULL for an invalid pattern or when memory runs out. */
static const regex_t *text_re_get(const char *re, size_t len)
{
	uintptr_t h = (uintptr_t)re;
	struct text_re *c = &text_re_cache[((h >> 4) ^ (h >> 12) ^ len) % TEXT_RE_SLOTS];

	if (c->key == re && c->len == len && memcmp(c->pattern, re, len) == 0)
		return c->ok ? &c->re : NULL;
	text_re_free(c);
	c->pattern = malloc(len + 1);
	if (!c->pattern)
		return NULL;
	memcpy(c->pattern, re, len);
	c->pattern[len] = '\0';
	c->key = re;
	c->len = len;
	int rc = regcomp(&c->re, c->pattern, REG_EXTENDED);
	c->ok = rc == 0;
	if (!c->ok) {
		char msg[128];
		regerror(rc, &c->re, msg, sizeof msg);
		LOG_WARN("invalid regular expression '%s': %s", c->pattern, msg);
	}
	return c->ok ? &c->re : NULL;
}

/* Run re over s[0..len). regexec wants a NUL-terminated subject and the
 * policy's strings are slices of the received message, so a short subject
 * is copied to the stack (the usual case: users, domains, URIs) and a long
 * one to the heap. REG_STARTEND would avoid the copy, but sanitizers read
 * the subject up to its NUL anyway and report the slice as an overflow. */
static bool text_re_exec(const regex_t *re, const char *s, size_t len,
			 regmatch_t *m, size_t nm)
{
	char stack[512];
	char *z = len < sizeof stack ? stack : malloc(len + 1);
	bool hit;

	if (!z)
		return false;
	if (len)
		memcpy(z, s, len);
	z[len] = '\0';
	hit = regexec(re, z, nm, nm ? m : NULL, 0) == 0;
	if (z != stack)
		free(z);
	return hit;
}

int64_t sipcc_fn_regex_match(struct sip_ctx *ctx, const char *s, size_t slen,
			     const char *re, size_t relen)
{
	const regex_t *r = text_re_get(re, relen);

	(void)ctx;
	return r && text_re_exec(r, s, slen, NULL, 0);
}

/* Append n bytes to buf[*len] when they fit; false when they do not. */
static bool text_put(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
	if (n > cap - *len)
		return false;
	if (n)
		memcpy(buf + *len, s, n);
	*len += n;
	return true;
}

/* Build the replacement in a bounded buffer, then copy it into the message
 * arena through sipcc_str_concat (the ABI's way to make a string that
 * lives as long as the message). A result longer than the buffer, like a
 * pattern that does not match or is invalid, leaves s unchanged. */
void sipcc_fn_regex_subst(struct sip_ctx *ctx, sip_str *out, const char *s, size_t slen,
			  const char *re, size_t relen, const char *repl, size_t rlen)
{
	enum { CAP = 2048 };
	const regex_t *r = text_re_get(re, relen);
	regmatch_t m[10];
	char buf[CAP];
	size_t n = 0;
	bool ok;

	*out = sip_str_make(s, slen);
	if (!r || !text_re_exec(r, s, slen, m, 10))
		return;
	ok = text_put(buf, CAP, &n, s, (size_t)m[0].rm_so);
	for (size_t i = 0; ok && i < rlen; i++) {
		if (repl[i] == '\\' && i + 1 < rlen && repl[i + 1] >= '0' && repl[i + 1] <= '9') {
			int g = repl[++i] - '0';
			if ((size_t)g <= r->re_nsub && m[g].rm_so >= 0)
				ok = text_put(buf, CAP, &n, s + m[g].rm_so,
					      (size_t)(m[g].rm_eo - m[g].rm_so));
		} else if (repl[i] == '\\' && i + 1 < rlen && repl[i + 1] == '\\') {
			ok = text_put(buf, CAP, &n, "\\", 1);
			i++;
		} else {
			ok = text_put(buf, CAP, &n, repl + i, 1);
		}
	}
	if (ok)
		ok = text_put(buf, CAP, &n, s + m[0].rm_eo, slen - (size_t)m[0].rm_eo);
	if (!ok) {
		LOG_WARN("regex_subst: result longer than %d bytes; left unchanged", CAP);
		return;
	}
	sipcc_str_concat(ctx, out, buf, n, "", 0);
	if (!out->s)
		*out = sip_str_make(s, slen);
}

/* An address in network byte order, as IPv6 (IPv4 mapped into
 * ::ffff:0:0/96 so both families compare alike). */
static bool text_addr_parse(const char *s, size_t len, unsigned char a[16], bool *v4)
{
	char buf[INET6_ADDRSTRLEN + 1];

	if (len == 0 || len >= sizeof buf)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, a + 12) == 1) {
		memset(a, 0, 10);
		a[10] = a[11] = 0xff;
		*v4 = true;
		return true;
	}
	*v4 = false;
	return inet_pton(AF_INET6, buf, a) == 1;
}

/* ADDRESS[/PREFIX]; without a prefix the network is that one address. */
int64_t sipcc_fn_ip_in_net(struct sip_ctx *ctx, const char *ip, size_t iplen,
			   const char *net, size_t netlen)
{
	unsigned char a[16], n[16];
	const char *slash = memchr(net, '/', netlen);
	size_t alen = slash ? (size_t)(slash - net) : netlen;
	bool a4, n4;
	long bits;

	(void)ctx;
	if (!text_addr_parse(ip, iplen, a, &a4) || !text_addr_parse(net, alen, n, &n4))
		return 0;
	if (slash) {
		size_t plen = netlen - alen - 1;
		bits = 0;
		if (plen == 0 || plen > 3)
			return 0;
		for (size_t i = 0; i < plen; i++) {
			char c = slash[1 + i];
			if (c < '0' || c > '9')
				return 0;
			bits = bits * 10 + (c - '0');
		}
		if (bits > (n4 ? 32 : 128))
			return 0;
		if (n4)
			bits += 96;
	} else {
		bits = 128;
	}
	for (long i = 0; i < bits / 8; i++)
		if (a[i] != n[i])
			return 0;
	if (bits % 8) {
		unsigned char mask = (unsigned char)(0xff << (8 - bits % 8));
		if ((a[bits / 8] & mask) != (n[bits / 8] & mask))
			return 0;
	}
	return 1;
}
