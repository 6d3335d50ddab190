/* Private to the SIP layer: character classes and the value parsers shared
 * by parse.c, uri.c, build.c and sanity.c. */
#ifndef SIPCC_SIP_INT_H
#define SIPCC_SIP_INT_H

#include "core/status.h"
#include "sip/msg.h"

#define SIP_C_TOKEN 0x01
#define SIP_C_LWS   0x02
#define SIP_C_DIGIT 0x04
#define SIP_C_ALPHA 0x08
#define SIP_C_HOST  0x10
#define SIP_C_USER  0x20
#define SIP_C_PARAM 0x40
#define SIP_C_HNV   0x80

extern const unsigned char sip_ctype[256];

static inline bool sip_is(char c, unsigned cls)
{
	return (sip_ctype[(unsigned char)c] & cls) != 0;
}

/* Skip linear white space (SP, HT and the CRLFs of folded lines: header
 * boundaries are already known, so a CR or LF inside a value is a fold). */
static inline const char *sip_skip_lws(const char *p, const char *end)
{
	while (p < end && sip_is(*p, SIP_C_LWS))
		p++;
	return p;
}

static inline const char *sip_skip_class(const char *p, const char *end, unsigned cls)
{
	while (p < end && sip_is(*p, cls))
		p++;
	return p;
}

/* Trim LWS from both ends of a slice. */
sip_str sip_str_trim(sip_str s);

/* Header type of a header name (compact forms included). */
enum sip_hdr_type sip_hdr_type_of(sip_str name);

/* Long form of a compact name without a type of its own ("s" -> "Subject"). */
sip_str sip_hdr_long_name(sip_str name);

/* Parse the quoted-string starting at *p (which must be '"'); returns the
 * position after the closing quote or NULL when it is unterminated. */
const char *sip_scan_quoted(const char *p, const char *end);

/* Parse every Via value of one header into a list allocated from the arena;
 * the header is recorded on each value. SIP_OK, SIP_EPARSE or SIP_NOMEM;
 * *err says why on SIP_EPARSE. */
int sip_via_parse_hdr(sip_arena *a, sip_hdr *h, sip_via **out, const char **err);

/* Parse one name-addr/addr-spec value or, when list is true, a
 * comma-separated list of them. Same return convention. */
int sip_naddr_parse(sip_arena *a, sip_str s, bool list, sip_naddr **out, const char **err);

/* Scan a host (hostname, IPv4 or bracketed IPv6) at p; returns its end or
 * NULL when there is none. */
const char *sip_scan_host(const char *p, const char *end);

/* Parse a decimal that fits in max; returns false on no digits or overflow. */
bool sip_parse_uint(sip_str s, uint64_t max, uint64_t *out);

#endif
