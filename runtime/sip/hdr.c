#include <ctype.h>

#include "sip/sip_int.h"

sip_str sip_str_trim(sip_str s)
{
	const char *p = s.s, *e = s.s + s.len;

	if (!s.s)
		return s;
	p = sip_skip_lws(p, e);
	while (e > p && sip_is(e[-1], SIP_C_LWS))
		e--;
	return sip_str_make(p, (size_t)(e - p));
}

/* Decimal digits only (no sign, no white space); false on overflow of max. */
bool sip_parse_uint(sip_str s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (s.len == 0)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		unsigned d = (unsigned char)s.s[i] - '0';
		if (d > 9 || v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

#define NAME_IS(lit) sip_mem_caseeq(n, (lit), sizeof(lit) - 1)

/* Classify a header name. Dispatching on length, then on the first byte,
 * leaves at most one or two short compares per header on the hot path.
 * Compact forms (RFC 3261 §7.3.3 and later RFCs) map to the long form's type;
 * those without a type of their own (s, u, r, b, x, ...) are OTHER. */
enum sip_hdr_type sip_hdr_type_of(sip_str name)
{
	const char *n = name.s;

	switch (name.len) {
	case 1:
		switch (n[0] | 0x20) {
		case 'v': return SIP_HDR_VIA;
		case 'f': return SIP_HDR_FROM;
		case 't': return SIP_HDR_TO;
		case 'i': return SIP_HDR_CALL_ID;
		case 'm': return SIP_HDR_CONTACT;
		case 'l': return SIP_HDR_CONTENT_LENGTH;
		case 'c': return SIP_HDR_CONTENT_TYPE;
		case 'k': return SIP_HDR_SUPPORTED;
		case 'e': return SIP_HDR_CONTENT_ENCODING;
		case 'o': return SIP_HDR_EVENT;
		}
		break;
	case 2:
		if (NAME_IS("to"))
			return SIP_HDR_TO;
		break;
	case 3:
		if (NAME_IS("via"))
			return SIP_HDR_VIA;
		break;
	case 4:
		switch (n[0] | 0x20) {
		case 'f': if (NAME_IS("from")) return SIP_HDR_FROM; break;
		case 'c': if (NAME_IS("cseq")) return SIP_HDR_CSEQ; break;
		case 'p': if (NAME_IS("path")) return SIP_HDR_PATH; break;
		}
		break;
	case 5:
		switch (n[0] | 0x20) {
		case 'r': if (NAME_IS("route")) return SIP_HDR_ROUTE; break;
		case 'a': if (NAME_IS("allow")) return SIP_HDR_ALLOW; break;
		case 'e': if (NAME_IS("event")) return SIP_HDR_EVENT; break;
		}
		break;
	case 7:
		switch (n[0] | 0x20) {
		case 'c':
			if (NAME_IS("call-id")) return SIP_HDR_CALL_ID;
			if (NAME_IS("contact")) return SIP_HDR_CONTACT;
			break;
		case 'e': if (NAME_IS("expires")) return SIP_HDR_EXPIRES; break;
		case 'r': if (NAME_IS("require")) return SIP_HDR_REQUIRE; break;
		}
		break;
	case 9:
		if (NAME_IS("supported"))
			return SIP_HDR_SUPPORTED;
		break;
	case 10:
		if (NAME_IS("user-agent"))
			return SIP_HDR_USER_AGENT;
		break;
	case 11:
		if (NAME_IS("unsupported"))
			return SIP_HDR_UNSUPPORTED;
		break;
	case 12:
		switch (n[0] | 0x20) {
		case 'm': if (NAME_IS("max-forwards")) return SIP_HDR_MAX_FORWARDS; break;
		case 'c': if (NAME_IS("content-type")) return SIP_HDR_CONTENT_TYPE; break;
		case 'r': if (NAME_IS("record-route")) return SIP_HDR_RECORD_ROUTE; break;
		}
		break;
	case 13:
		switch (n[0] | 0x20) {
		case 'a': if (NAME_IS("authorization")) return SIP_HDR_AUTHORIZATION; break;
		case 'p': if (NAME_IS("proxy-require")) return SIP_HDR_PROXY_REQUIRE; break;
		}
		break;
	case 14:
		if (NAME_IS("content-length"))
			return SIP_HDR_CONTENT_LENGTH;
		break;
	case 16:
		switch (n[0] | 0x20) {
		case 'w': if (NAME_IS("www-authenticate")) return SIP_HDR_WWW_AUTHENTICATE; break;
		case 'c': if (NAME_IS("content-encoding")) return SIP_HDR_CONTENT_ENCODING; break;
		}
		break;
	case 18:
		if (NAME_IS("proxy-authenticate"))
			return SIP_HDR_PROXY_AUTHENTICATE;
		break;
	case 19:
		if (NAME_IS("proxy-authorization"))
			return SIP_HDR_PROXY_AUTHORIZATION;
		break;
	}
	return SIP_HDR_OTHER;
}

/* Long form of a compact header name that has no type of its own, so that
 * sip_msg_find_hdr("Subject") also finds "s:". Other names are returned as is. */
sip_str sip_hdr_long_name(sip_str name)
{
	if (name.len != 1)
		return name;
	switch (name.s[0] | 0x20) {
	case 'a': return SIP_STR_LIT("Accept-Contact");
	case 'b': return SIP_STR_LIT("Referred-By");
	case 'd': return SIP_STR_LIT("Request-Disposition");
	case 'j': return SIP_STR_LIT("Reject-Contact");
	case 'n': return SIP_STR_LIT("Identity-Info");
	case 'r': return SIP_STR_LIT("Refer-To");
	case 's': return SIP_STR_LIT("Subject");
	case 'u': return SIP_STR_LIT("Allow-Events");
	case 'x': return SIP_STR_LIT("Session-Expires");
	case 'y': return SIP_STR_LIT("Identity");
	}
	return name;
}

/* quoted-string = SWS DQUOTE *(qdtext / quoted-pair ) DQUOTE
 * quoted-pair   = "\" (%x00-09 / %x0B-0C / %x0E-7F) */
const char *sip_scan_quoted(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\') {
			if (++p == end)
				return NULL;
			continue;
		}
		if (*p == '"')
			return p + 1;
	}
	return NULL;
}

/* gen-value = token / host / quoted-string
 * Returns the end of the value or NULL when there is none. */
static const char *scan_gen_value(const char *p, const char *end)
{
	const char *q;

	if (p >= end)
		return NULL;
	if (*p == '"')
		return sip_scan_quoted(p, end);
	if (*p == '[')
		return sip_scan_host(p, end);
	q = p;
	while (q < end && (sip_is(*q, SIP_C_TOKEN) || *q == ':'))
		q++;
	return q == p ? NULL : q;
}

/* A parameter callback sees each name and value (value.s NULL without '='). */
typedef void (*param_fn)(void *obj, sip_str name, sip_str value, const char *name_end);

/* *( SEMI generic-param ), generic-param = token [ EQUAL gen-value ]
 * Parses from p (at the first ';' or where parameters would start), sets
 * *params to the span without the leading ';' and returns the position
 * after the last parameter, or NULL with *err set. */
static const char *parse_params(const char *p, const char *end, sip_str *params, const char **last,
				param_fn fn, void *obj, const char **err)
{
	const char *first = NULL;

	for (;;) {
		const char *q = sip_skip_lws(p, end), *ne, *ve;
		sip_str name, val = SIP_STR_NULL;

		if (q >= end || *q != ';')
			break;
		q = sip_skip_lws(q + 1, end);
		ne = sip_skip_class(q, end, SIP_C_TOKEN);
		if (ne == q) {
			*err = "empty or malformed parameter";
			return NULL;
		}
		if (!first)
			first = q;
		name = sip_str_make(q, (size_t)(ne - q));
		ve = ne;
		q = sip_skip_lws(ne, end);
		if (q < end && *q == '=') {
			q = sip_skip_lws(q + 1, end);
			ve = scan_gen_value(q, end);
			if (!ve) {
				*err = "malformed parameter value";
				return NULL;
			}
			val = sip_str_make(q, (size_t)(ve - q));
		}
		fn(obj, name, val, ne);
		*last = ve;
		p = ve;
	}
	if (first)
		*params = sip_str_make(first, (size_t)(*last - first));
	return p;
}

static void via_param(void *obj, sip_str name, sip_str val, const char *name_end)
{
	sip_via *v = obj;

	if (sip_str_eq_lit_case(name, "branch")) {
		v->branch = val;
	} else if (sip_str_eq_lit_case(name, "received")) {
		v->received = val;
	} else if (sip_str_eq_lit_case(name, "rport")) {
		v->has_rport = true;
		v->rport = val.s ? val : sip_str_make(name_end, 0);
	}
}

/* via-parm      = sent-protocol LWS sent-by *( SEMI via-params )
 * sent-protocol = protocol-name SLASH protocol-version SLASH transport
 * sent-by       = host [ COLON port ]
 * Returns the position after this value (at a ',' or the end) or NULL. */
static const char *via_parse_one(const char *p, const char *end, sip_via *v, const char **err)
{
	const char *start = p, *q, *last;
	unsigned port = 0;

	q = sip_skip_class(p, end, SIP_C_TOKEN);
	if (q == p)
		goto bad_proto;
	p = sip_skip_lws(q, end);
	if (p >= end || *p != '/')
		goto bad_proto;
	p = sip_skip_lws(p + 1, end);
	q = sip_skip_class(p, end, SIP_C_TOKEN);
	if (q == p)
		goto bad_proto;
	v->proto = sip_str_make(start, (size_t)(q - start));
	p = sip_skip_lws(q, end);
	if (p >= end || *p != '/')
		goto bad_proto;
	p = sip_skip_lws(p + 1, end);
	q = sip_skip_class(p, end, SIP_C_TOKEN);
	if (q == p)
		goto bad_proto;
	v->transport = sip_str_make(p, (size_t)(q - p));
	p = sip_skip_lws(q, end);
	if (p == q) {
		*err = "no white space before the Via sent-by";
		return NULL;
	}
	q = sip_scan_host(p, end);
	if (!q) {
		*err = "bad Via host";
		return NULL;
	}
	v->host = sip_str_make(p, (size_t)(q - p));
	last = q;
	p = sip_skip_lws(q, end);
	if (p < end && *p == ':') {
		p = sip_skip_lws(p + 1, end);
		q = p;
		while (q < end && sip_is(*q, SIP_C_DIGIT) && port <= 65535)
			port = port * 10 + (unsigned)(*q++ - '0');
		if (q == p || port == 0 || port > 65535) {
			*err = "bad Via port";
			return NULL;
		}
		v->port = (int)port;
		last = q;
	}
	v->raw = sip_str_make(start, (size_t)(last - start));     /* the sent-by, for a 400 */
	p = parse_params(last, end, &v->params, &last, via_param, v, err);
	if (!p)
		return NULL;
	v->raw = sip_str_make(start, (size_t)(last - start));
	return sip_skip_lws(p, end);

bad_proto:
	*err = "bad Via sent-protocol";
	return NULL;
}

/* Via = ( "Via" / "v" ) HCOLON via-parm *(COMMA via-parm)
 * On SIP_EPARSE, *out is still set when the first value's sent-protocol and
 * sent-by were read (the values read so far; a first value that failed in
 * its parameters has no parameters and its raw ends after the sent-by):
 * enough to send a 400 back to the sender of a request whose Via
 * parameters are garbage (RFC 4475 §3.1.2.1). Otherwise *out is left
 * alone. */
int sip_via_parse_hdr(sip_arena *a, sip_hdr *h, sip_via **out, const char **err)
{
	const char *p = h->body.s, *end = h->body.s + h->body.len;
	sip_via *head = NULL, **tail = &head;

	for (;;) {
		sip_via *v = sip_arena_alloc(a, sizeof(*v));
		if (!v) {
			*err = "out of memory";
			return SIP_NOMEM;
		}
		memset(v, 0, sizeof(*v));
		v->hdr = h;
		p = via_parse_one(sip_skip_lws(p, end), end, v, err);
		if (!p) {
			if (!head && v->raw.len) {
				v->params = SIP_STR_NULL;
				v->branch = SIP_STR_NULL;
				v->received = SIP_STR_NULL;
				v->rport = SIP_STR_NULL;
				v->has_rport = false;
				head = v;
			}
			if (head)
				*out = head;
			return SIP_EPARSE;
		}
		*tail = v;
		tail = &v->next;
		if (p == end)
			break;
		if (*p != ',') {
			*err = "unexpected characters in Via";
			*out = head;
			return SIP_EPARSE;
		}
		p++;
	}
	*out = head;
	return SIP_OK;
}

static void naddr_param(void *obj, sip_str name, sip_str val, const char *name_end)
{
	sip_naddr *n = obj;

	(void)name_end;
	if (sip_str_eq_lit_case(name, "tag"))
		n->tag = val;
}

/* name-addr    = [ display-name ] LAQUOT addr-spec RAQUOT
 * display-name = *(token LWS) / quoted-string
 * addr-spec    = SIP-URI / SIPS-URI / absoluteURI
 * Without <>, the URI ends at ';', ',' or white space (RFC 3261 §20.10), so
 * what follows is a header parameter. White space inside <> is an error
 * rather than trimmed, since a proxy forwards the header as it came. Returns the position after the value
 * or NULL with *err set. */
static const char *naddr_parse_one(const char *p, const char *end, bool list, sip_naddr *n,
				   const char **err)
{
	const char *start = p, *q, *last;

	if (list && p < end && *p == '*') {
		n->star = true;
		n->raw = sip_str_make(p, 1);
		return sip_skip_lws(p + 1, end);
	}
	if (p < end && *p == '"') {
		q = sip_scan_quoted(p, end);
		if (!q) {
			*err = "unterminated quoted string";
			return NULL;
		}
		n->display = sip_str_make(p + 1, (size_t)(q - p - 2));
		p = sip_skip_lws(q, end);
		if (p >= end || *p != '<') {
			*err = "display name without <URI>";
			return NULL;
		}
	} else {
		q = p;
		while (q < end && sip_is(*q, SIP_C_TOKEN | SIP_C_LWS))
			q++;
		if (q < end && *q == '<') {
			n->display = sip_str_trim(sip_str_make(p, (size_t)(q - p)));
			p = q;
		}
	}
	if (p < end && *p == '<') {
		q = memchr(p + 1, '>', (size_t)(end - p - 1));
		if (!q) {
			*err = "missing '>'";
			return NULL;
		}
		n->uri_str = sip_str_make(p + 1, (size_t)(q - p - 1));
		p = q + 1;
	} else {
		q = p;
		while (q < end && *q != ';' && *q != ',' && !sip_is(*q, SIP_C_LWS))
			q++;
		n->uri_str = sip_str_make(p, (size_t)(q - p));
		p = q;
	}
	if (sip_uri_parse(n->uri_str, &n->uri) != SIP_OK) {
		*err = "bad URI";
		return NULL;
	}
	last = p;
	p = parse_params(p, end, &n->params, &last, naddr_param, n, err);
	if (!p)
		return NULL;
	n->raw = sip_str_make(start, (size_t)(last - start));
	return sip_skip_lws(p, end);
}

/* From/To: a single value; Contact, Route, Record-Route...: a list. */
int sip_naddr_parse(sip_arena *a, sip_str s, bool list, sip_naddr **out, const char **err)
{
	const char *p = s.s, *end = s.s + s.len;
	sip_naddr *head = NULL, **tail = &head;

	for (;;) {
		sip_naddr *n = sip_arena_alloc(a, sizeof(*n));
		if (!n) {
			*err = "out of memory";
			return SIP_NOMEM;
		}
		memset(n, 0, sizeof(*n));
		p = naddr_parse_one(sip_skip_lws(p, end), end, list, n, err);
		if (!p)
			return SIP_EPARSE;
		*tail = n;
		tail = &n->next;
		if (p == end)
			break;
		if (!list || *p != ',') {
			*err = "unexpected characters after the address";
			return SIP_EPARSE;
		}
		p++;
	}
	*out = head;
	return SIP_OK;
}
