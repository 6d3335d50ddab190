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

static inline bool sip_str_caseeq(sip_str a, sip_str b)
{
	return a.len == b.len && (a.len == 0 || strncasecmp(a.s, b.s, a.len) == 0);
}

static inline bool sip_str_eq_lit_case(sip_str a, const char *lit)
{
	size_t n = strlen(lit);
	return a.len == n && strncasecmp(a.s, lit, n) == 0;
}

#endif
