/* sip_str: a pointer and a length into some buffer (usually the received
 * datagram or a message arena). Never NUL-terminated by contract. */
#ifndef SIPCC_CORE_STR_H
#define SIPCC_CORE_STR_H

#include <stddef.h>
#include <string.h>
#include <stdbool.h>
#include <strings.h>

typedef struct sip_str {
	const char *s;
	size_t len;
} sip_str;

#define SIP_STR_LIT(lit) ((sip_str){ (lit), sizeof(lit) - 1 })
#define SIP_STR_NULL ((sip_str){ NULL, 0 })
#define SIP_STR_FMT "%.*s"
#define SIP_STR_ARG(x) (int)(x).len, (x).s

static inline sip_str sip_str_make(const char *s, size_t len)
{
	return (sip_str){ s, len };
}

static inline bool sip_str_eq(sip_str a, sip_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.s, b.s, a.len) == 0);
}

/* ASCII case-insensitive equality of n bytes. SIP names and tokens are
 * ASCII, and the strings compared are short (parameter and header names,
 * hosts): an inline loop beats a locale-aware strncasecmp call, and unlike
 * it does not stop at an embedded NUL. */
static inline bool sip_mem_caseeq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x == y)
			continue;
		if ((x | 0x20) != (y | 0x20) || (unsigned char)((x | 0x20) - 'a') > 'z' - 'a')
			return false;
	}
	return true;
}

static inline bool sip_str_caseeq(sip_str a, sip_str b)
{
	return a.len == b.len && sip_mem_caseeq(a.s, b.s, a.len);
}

static inline bool sip_str_eq_lit_case(sip_str a, const char *lit)
{
	size_t n = strlen(lit);
	return a.len == n && sip_mem_caseeq(a.s, lit, n);
}

/* Number formatting for the message builders: snprintf's format parsing
 * costs more than the rest of building a forwarded request. Each writes at
 * p without a NUL and returns the number of bytes written. */

/* Decimal, at most 10 digits. */
static inline size_t sip_fmt_uint(char *p, unsigned long v)
{
	char tmp[20];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

/* Exactly digits lowercase hex digits of v (zero-padded). */
static inline size_t sip_fmt_hex(char *p, unsigned long long v, unsigned digits)
{
	static const char hex[] = "0123456789abcdef";
	for (unsigned i = digits; i > 0; i--) {
		p[i - 1] = hex[v & 0xf];
		v >>= 4;
	}
	return digits;
}

/* Dotted-quad IPv4 without a library call: four decimal parts of at most
 * 255 without leading zeros, the form inet_pton accepts. False for
 * anything else (callers fall back to inet_pton for other forms). */
static inline bool sip_ipv4_parse(sip_str ip, unsigned char out[4])
{
	unsigned char b[4];
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		if (part) {
			if (i >= ip.len || ip.s[i] != '.')
				return false;
			i++;
		}
		unsigned v = 0, digits = 0;
		while (i < ip.len && ip.s[i] >= '0' && ip.s[i] <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(ip.s[i++] - '0');
			digits++;
		}
		if (digits == 0 || digits > 3 || v > 255 || (digits > 1 && ip.s[i - digits] == '0'))
			return false;
		b[part] = (unsigned char)v;
	}
	if (i != ip.len)
		return false;
	memcpy(out, b, 4);
	return true;
}

#endif
