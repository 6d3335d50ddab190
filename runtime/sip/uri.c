#include <ctype.h>

#include "sip/sip_int.h"

/* True when [p, end) holds only chars of cls and well-formed %HH escapes. */
static bool uri_chars_ok(const char *p, const char *end, unsigned cls)
{
	for (; p < end; p++) {
		if (!sip_is(*p, cls))
			return false;
		if (*p == '%') {
			if (end - p < 3 || !isxdigit((unsigned char)p[1]) || !isxdigit((unsigned char)p[2]))
				return false;
			p += 2;
		}
	}
	return true;
}

/* host = hostname / IPv4address / IPv6reference
 * IPv6reference = "[" IPv6address "]"
 * Returns the end of the host or NULL when it is empty or malformed. */
const char *sip_scan_host(const char *p, const char *end)
{
	const char *q;

	if (p < end && *p == '[') {
		for (q = p + 1; q < end && *q != ']'; q++)
			if (!isxdigit((unsigned char)*q) && *q != ':' && *q != '.')
				return NULL;
		if (q == end || q == p + 1)
			return NULL;
		return q + 1;
	}
	q = sip_skip_class(p, end, SIP_C_HOST);
	return q == p ? NULL : q;
}

/* Record the parameters the proxy acts on: transport, maddr and lr.
 * uri-parameters = *( ";" uri-parameter )
 * uri-parameter  = transport-param / user-param / method-param / ttl-param
 *                  / maddr-param / lr-param / other-param
 * other-param    = pname [ "=" pvalue ] */
static int uri_parse_params(sip_uri *u)
{
	const char *p = u->params.s, *end = p + u->params.len;

	while (p <= end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *pe = semi ? semi : end;
		const char *eq = memchr(p, '=', (size_t)(pe - p));
		sip_str name = sip_str_make(p, (size_t)((eq ? eq : pe) - p));
		sip_str val = eq ? sip_str_make(eq + 1, (size_t)(pe - eq - 1)) : SIP_STR_NULL;

		if (name.len == 0 || !uri_chars_ok(name.s, name.s + name.len, SIP_C_PARAM))
			return SIP_EPARSE;
		if (eq && (val.len == 0 || !uri_chars_ok(val.s, val.s + val.len, SIP_C_PARAM)))
			return SIP_EPARSE;
		if (sip_str_eq_lit_case(name, "transport"))
			u->transport = val;
		else if (sip_str_eq_lit_case(name, "maddr"))
			u->maddr = val;
		else if (sip_str_eq_lit_case(name, "lr"))
			u->lr = true;
		if (!semi)
			break;
		p = semi + 1;
	}
	return SIP_OK;
}

/* SIP-URI  = "sip:" [ userinfo ] hostport uri-parameters [ headers ]
 * SIPS-URI = "sips:" [ userinfo ] hostport uri-parameters [ headers ]
 * userinfo = ( user / telephone-subscriber ) [ ":" password ] "@"
 * hostport = host [ ":" port ]
 * absoluteURI = scheme ":" ( hier-part / opaque-part )
 * Fills *out with slices of s. Other schemes are only checked for a valid
 * scheme and a non-empty rest without white space, kept in out->opaque. */
int sip_uri_parse(sip_str s, sip_uri *out)
{
	const char *p = s.s, *end = s.s + s.len, *q, *at;

	memset(out, 0, sizeof(*out));
	if (!s.s || s.len == 0 || !sip_is(*p, SIP_C_ALPHA))
		return SIP_EPARSE;
	for (q = p + 1; q < end && *q != ':'; q++)
		if (!sip_is(*q, SIP_C_ALPHA | SIP_C_DIGIT) && *q != '+' && *q != '-' && *q != '.')
			return SIP_EPARSE;
	if (q == end)
		return SIP_EPARSE;
	out->scheme = sip_str_make(p, (size_t)(q - p));
	p = q + 1;
	out->opaque = sip_str_make(p, (size_t)(end - p));
	if (sip_str_eq_lit_case(out->scheme, "sip")) {
		out->is_sip = true;
	} else if (sip_str_eq_lit_case(out->scheme, "sips")) {
		out->is_sip = out->secure = true;
	} else {
		if (p == end)
			return SIP_EPARSE;
		for (q = p; q < end; q++)
			if ((unsigned char)*q <= ' ' || *q == 0x7f)
				return SIP_EPARSE;
		return SIP_OK;
	}

	/* user and password cannot hold a raw '@', so the first one ends them. */
	at = memchr(p, '@', (size_t)(end - p));
	if (at) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		const char *ue = colon ? colon : at;
		if (ue == p || !uri_chars_ok(p, ue, SIP_C_USER))
			return SIP_EPARSE;
		out->user = sip_str_make(p, (size_t)(ue - p));
		if (colon) {
			if (!uri_chars_ok(colon + 1, at, SIP_C_USER))
				return SIP_EPARSE;
			out->password = sip_str_make(colon + 1, (size_t)(at - colon - 1));
		}
		p = at + 1;
	}
	q = sip_scan_host(p, end);
	if (!q)
		return SIP_EPARSE;
	out->host = sip_str_make(p, (size_t)(q - p));
	p = q;
	if (p < end && *p == ':') {
		unsigned port = 0;
		q = ++p;
		while (p < end && sip_is(*p, SIP_C_DIGIT) && port <= 65535)
			port = port * 10 + (unsigned)(*p++ - '0');
		if (p == q || port == 0 || port > 65535)
			return SIP_EPARSE;
		out->port_str = sip_str_make(q, (size_t)(p - q));
		out->port = (int)port;
	}
	if (p < end && *p == ';') {
		q = ++p;
		while (p < end && *p != '?')
			p++;
		out->params = sip_str_make(q, (size_t)(p - q));
		if (uri_parse_params(out) != SIP_OK)
			return SIP_EPARSE;
	}
	if (p < end && *p == '?') {
		q = ++p;
		if (q == end || !uri_chars_ok(q, end, SIP_C_HNV))
			return SIP_EPARSE;
		out->headers = sip_str_make(q, (size_t)(end - q));
		p = end;
	}
	return p == end ? SIP_OK : SIP_EPARSE;
}

/* Lenient on purpose: what a policy passes comes from headers, from the
 * database or from a literal, with or without its scheme and brackets. */
bool sip_user_host_parse(sip_str s, sip_str *user, sip_str *host)
{
	while (s.len && (s.s[0] == ' ' || s.s[0] == '<'))
		s = sip_str_make(s.s + 1, s.len - 1);
	while (s.len && (s.s[s.len - 1] == ' ' || s.s[s.len - 1] == '>'))
		s.len--;
	if (s.len > 4 && (sip_mem_caseeq(s.s, "sip:", 4) || sip_mem_caseeq(s.s, "sips:", 5))) {
		sip_uri u;
		if (sip_uri_parse(s, &u) != SIP_OK || !u.is_sip || !u.user.len || !u.host.len)
			return false;
		*user = u.user;
		*host = u.host;
		return true;
	}
	const char *at = memchr(s.s, '@', s.len);
	if (!at || at == s.s)
		return false;
	*user = sip_str_make(s.s, (size_t)(at - s.s));
	const char *h = at + 1;
	size_t hl = s.len - user->len - 1, n = 0;
	while (n < hl && h[n] != ';' && h[n] != ':' && h[n] != '>')
		n++;
	*host = sip_str_make(h, n);
	return n > 0;
}
