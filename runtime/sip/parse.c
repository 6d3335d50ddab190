#include <limits.h>

#include "sip/sip_int.h"

struct sip_limits sip_limits = { SIP_MAX_MSG_SIZE, SIP_MAX_HEADERS };

/* RFC 3261 §7 and the §25 grammar: the start-line, each header line and the
 * empty line end in CRLF (only the §7.3.1 folding of a line is lenient about
 * white space, not about the line end). A message with a bare LF is refused
 * (400 for a request, whose reply is all CRLF) rather than accepted.
 * Kamailio's parser takes LF alone and forwards the header lines as they
 * came next to its own CRLF ones: the mixed message that strict parsers,
 * sipp among them, cannot read. Forwarding it normalised would mean
 * rewriting every line of every such message for the benefit of a few
 * broken senders; the 400, whose reason phrase names the fault, tells them
 * what to fix. The body is not checked: its framing is Content-Length and
 * it is forwarded untouched. */
#define BARE_LF "line not terminated by CRLF"

/* Record why the parse failed; the first reason wins because later errors
 * are often consequences of it. Returns SIP_EPARSE for tail calls. */
static int msg_fail(sip_msg *m, const char *why)
{
	if (!m->error)
		m->error = why;
	return SIP_EPARSE;
}

/* The line starting at p: *nl is set to its LF (NULL when there is none) and
 * the end of its content (before CR LF) is returned. */
static const char *line_end(const char *p, const char *end, const char **nl)
{
	const char *n = memchr(p, '\n', (size_t)(end - p));

	*nl = n;
	if (!n)
		return NULL;
	return (n > p && n[-1] == '\r') ? n - 1 : n;
}

/* SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT */
static bool version_ok(const char *p, const char *e)
{
	const char *q;

	if (e - p < 7 || !sip_mem_caseeq(p, "SIP/", 4))
		return false;
	q = sip_skip_class(p + 4, e, SIP_C_DIGIT);
	if (q == p + 4 || q >= e || *q != '.')
		return false;
	p = q + 1;
	q = sip_skip_class(p, e, SIP_C_DIGIT);
	return q > p && q == e;
}

/* Request-Line = Method SP Request-URI SP SIP-Version CRLF
 * Status-Line  = SIP-Version SP Status-Code SP Reason-Phrase CRLF
 * Exactly one SP between the elements: extra white space is rejected rather
 * than forwarded (RFC 4475 §3.1.2.9/10). */
static int msg_parse_start(sip_msg *m, const char *p, const char *eol)
{
	const char *q;

	if (eol - p >= 4 && memcmp(p, "SIP/", 4) == 0) {
		q = memchr(p, ' ', (size_t)(eol - p));
		if (!q || !version_ok(p, q))
			return msg_fail(m, "bad SIP version in status line");
		m->version = sip_str_make(p, (size_t)(q - p));
		p = q + 1;
		if (eol - p < 3 || !sip_is(p[0], SIP_C_DIGIT) || !sip_is(p[1], SIP_C_DIGIT)
		    || !sip_is(p[2], SIP_C_DIGIT) || (eol - p > 3 && p[3] != ' '))
			return msg_fail(m, "bad status code");
		m->status = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
		p += eol - p > 3 ? 4 : 3;
		m->reason = sip_str_make(p, (size_t)(eol - p));
		return SIP_OK;
	}
	q = sip_skip_class(p, eol, SIP_C_TOKEN);
	if (q == p || q >= eol || *q != ' ')
		return msg_fail(m, "bad request method");
	m->is_request = true;
	m->method_str = sip_str_make(p, (size_t)(q - p));
	m->method = sip_method_from_str(m->method_str);
	p = q + 1;
	for (q = p; q < eol && (unsigned char)*q > ' ' && *q != 0x7f; q++)
		;
	if (q == p || q >= eol || *q != ' ')
		return msg_fail(m, "bad Request-URI");
	m->ruri_str = sip_str_make(p, (size_t)(q - p));
	p = q + 1;
	if (!version_ok(p, eol))
		return msg_fail(m, "bad SIP version in request line");
	m->version = sip_str_make(p, (size_t)(eol - p));
	return SIP_OK;
}

/* NUL is allowed in a header only as a quoted-pair inside a quoted-string
 * (RFC 4475 §3.1.1.2); anything else means a truncated or hostile message. */
static bool hdr_nul_allowed(const char *p, const char *end)
{
	bool inq = false;

	for (; p < end; p++) {
		if (inq && *p == '\\') {
			p++;
			continue;
		}
		if (*p == '"')
			inq = !inq;
		else if (*p == '\0')
			return false;
	}
	return true;
}

/* CSeq = "CSeq" HCOLON 1*DIGIT LWS Method */
static bool cseq_parse(sip_str body, sip_cseq *c)
{
	const char *p = body.s, *end = body.s + body.len, *q, *r;
	uint64_t num;

	q = sip_skip_class(p, end, SIP_C_DIGIT);
	if (!sip_parse_uint(sip_str_make(p, (size_t)(q - p)), UINT32_MAX, &num))
		return false;
	r = sip_skip_lws(q, end);
	if (r == q)
		return false;
	q = sip_skip_class(r, end, SIP_C_TOKEN);
	if (q == r || sip_skip_lws(q, end) != end)
		return false;
	c->num = (uint32_t)num;
	c->method_str = sip_str_make(r, (size_t)(q - r));
	c->method = sip_method_from_str(c->method_str);
	return true;
}

/* Parse the value of the first header of a type the parser reads eagerly.
 * Errors are recorded and parsing goes on, so that the fields a 400 reply
 * needs are filled even when an earlier header is bad. Returns SIP_NOMEM or
 * SIP_OK. */
static int msg_parse_eager(sip_msg *m, sip_hdr *h, bool first)
{
	const char *err = NULL;
	uint64_t v;
	int rc;

	switch (h->type) {
	case SIP_HDR_VIA:
		if (!first)
			break;
		/* A Via whose sent-by was read before the error keeps it
		 * in via1, so the 400 can go back to the sender. */
		rc = sip_via_parse_hdr(m->arena, h, &m->via1, &err);
		if (rc == SIP_NOMEM)
			return rc;
		if (rc != SIP_OK)
			msg_fail(m, err);
		else
			h->parsed = m->via1;
		break;
	case SIP_HDR_FROM:
	case SIP_HDR_TO: {
		sip_naddr *n = NULL;
		if (!first)
			break;
		rc = sip_naddr_parse(m->arena, h->body, false, &n, &err);
		if (rc == SIP_NOMEM)
			return rc;
		if (rc != SIP_OK) {
			msg_fail(m, h->type == SIP_HDR_FROM ? "bad From header" : "bad To header");
			break;
		}
		h->parsed = n;
		if (h->type == SIP_HDR_FROM) {
			m->from_parsed = n;
			m->from_tag = n->tag;
		} else {
			m->to_parsed = n;
			m->to_tag = n->tag;
		}
		break;
	}
	case SIP_HDR_CALL_ID:
		if (!first)
			break;
		if (h->body.len == 0)
			msg_fail(m, "empty Call-ID");
		m->callid = h->body;
		break;
	case SIP_HDR_CSEQ:
		if (!first)
			break;
		if (!cseq_parse(h->body, &m->cseq)) {
			msg_fail(m, "bad CSeq");
		} else if (m->is_request && !sip_str_eq(m->cseq.method_str, m->method_str)) {
			msg_fail(m, "CSeq method does not match the request method");
		}
		break;
	case SIP_HDR_MAX_FORWARDS:
		if (!first)
			break;
		if (!sip_parse_uint(h->body, 255, &v))
			msg_fail(m, "bad Max-Forwards");
		else
			m->max_forwards = (int)v;
		break;
	case SIP_HDR_CONTENT_LENGTH:
		if (!sip_parse_uint(h->body, SIP_MAX_MSG_SIZE, &v))
			msg_fail(m, "bad Content-Length");
		else if (m->content_length >= 0 && (uint64_t)m->content_length != v)
			msg_fail(m, "conflicting Content-Length values");
		else
			m->content_length = (long)v;
		break;
	default:
		break;
	}
	return SIP_OK;
}

/* message-header = field-name HCOLON field-value CRLF, continued on lines
 * that start with SP or HT. has_nul: the buffer from *pp on holds a NUL
 * somewhere (lines are checked for it only then). Splits the header lines starting at *pp, links
 * them into m->hdrs and the per-type chains and parses the eager ones. On
 * return *pp is just after the empty line. Returns SIP_OK, SIP_EPARSE (the
 * message has no complete header section), SIP_NOMEM or SIP_ELIMIT; value
 * errors only set m->error. */
static int msg_parse_headers(sip_msg *m, const char **pp, const char *end, bool has_nul)
{
	const char *p = *pp;
	sip_hdr **tail = &m->hdrs;
	sip_hdr *last_of[SIP_HDR__COUNT] = { 0 };

	for (;;) {
		const char *line = p, *nl, *eol, *q;
		sip_hdr *h;
		sip_str name;

		if (p >= end)
			return msg_fail(m, "no empty line after the headers");
		if (*p == '\n' || (*p == '\r' && end - p >= 2 && p[1] == '\n')) {
			if (*p == '\n')
				msg_fail(m, BARE_LF);
			m->hdrs_end = (size_t)(p - m->buf);
			*pp = p + (*p == '\r' ? 2 : 1);
			return SIP_OK;
		}
		nl = memchr(p, '\n', (size_t)(end - p));
		while (nl && end - nl > 1 && (nl[1] == ' ' || nl[1] == '\t')) {
			if (nl[-1] != '\r')
				msg_fail(m, BARE_LF);
			nl = memchr(nl + 1, '\n', (size_t)(end - nl - 1));
		}
		if (!nl)
			return msg_fail(m, "header line without CRLF");
		if (nl[-1] == '\r') {
			eol = nl - 1;
		} else {
			eol = nl;
			msg_fail(m, BARE_LF);
		}
		p = nl + 1;
		if (has_nul && memchr(line, '\0', (size_t)(nl - line)) && !hdr_nul_allowed(line, nl)) {
			msg_fail(m, "NUL byte in a header");
			continue;
		}
		q = sip_skip_class(line, eol, SIP_C_TOKEN);
		name = sip_str_make(line, (size_t)(q - line));
		q = sip_skip_lws(q, eol);
		if (name.len == 0 || q >= eol || *q != ':') {
			msg_fail(m, line[0] == ' ' || line[0] == '\t'
				 ? "continuation line without a header" : "malformed header line");
			continue;
		}
		if (++m->hdr_count > sip_limits.max_headers) {
			m->error = "too many headers";
			return SIP_ELIMIT;
		}
		h = sip_arena_alloc(m->arena, sizeof(*h));
		if (!h) {
			m->error = "out of memory";
			return SIP_NOMEM;
		}
		h->type = sip_hdr_type_of(name);
		h->name = name;
		h->body = sip_str_trim(sip_str_make(q + 1, (size_t)(eol - q - 1)));
		h->raw = sip_str_make(line, (size_t)(p - line));
		h->next = NULL;
		h->next_same = NULL;
		h->parsed = NULL;
		*tail = h;
		tail = &h->next;
		if (h->type != SIP_HDR_OTHER) {
			if (last_of[h->type])
				last_of[h->type]->next_same = h;
			else
				m->first[h->type] = h;
			last_of[h->type] = h;
			if (msg_parse_eager(m, h, m->first[h->type] == h) == SIP_NOMEM) {
				m->error = "out of memory";
				return SIP_NOMEM;
			}
		}
	}
}

/* generic-message = start-line *message-header CRLF [ message-body ]
 * The body is Content-Length bytes after the empty line; octets after it
 * (a UDP datagram with trailing junk) are ignored, and without
 * Content-Length the body is the rest of the buffer (RFC 3261 §18.3). */
int sip_msg_parse(sip_arena *arena, const char *buf, size_t len, sip_msg *m)
{
	const char *p = buf, *end = buf + len, *nl, *eol;
	bool too_big;
	int rc;

	memset(m, 0, sizeof(*m));
	m->arena = arena;
	m->buf = buf;
	m->len = len;
	m->max_forwards = -1;
	m->content_length = -1;
	if (len > SIP_MAX_MSG_SIZE) {
		m->error = "message too large";
		return SIP_ETOOBIG;
	}
	/* Over the configured limit: read it anyway, so a 513 can be built. */
	too_big = len > sip_limits.max_msg_size;
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	if (p == end)
		return msg_fail(m, "empty message");
	eol = line_end(p, end, &nl);
	if (!eol)
		return msg_fail(m, "no CRLF after the start line");
	/* A request line that fails after its method still gets its headers
	 * read: with a readable Via the sender gets a 400 (RFC 4475 §3.1.2.8). */
	rc = msg_parse_start(m, p, eol);
	if (rc != SIP_OK && !m->is_request)
		return rc;
	if (eol == nl)
		msg_fail(m, BARE_LF);
	p = nl + 1;
	/* One scan of the whole datagram instead of one per header line: a
	 * NUL is rare, and only then are the lines checked one by one. */
	rc = msg_parse_headers(m, &p, end, memchr(p, '\0', (size_t)(end - p)) != NULL);
	if (rc != SIP_OK)
		return rc;
	if (m->content_length >= 0) {
		if ((size_t)m->content_length > (size_t)(end - p))
			return msg_fail(m, "Content-Length larger than the message");
		m->body = sip_str_make(p, (size_t)m->content_length);
	} else {
		m->body = sip_str_make(p, (size_t)(end - p));
	}
	if (too_big) {
		m->error = "message too large";
		return SIP_ETOOBIG;
	}
	return m->error ? SIP_EPARSE : SIP_OK;
}

/* Frame one message on a stream: the header section must be complete and
 * Content-Length (absent = 0) bytes of body must follow. Leading CRLFs
 * (keep-alives, RFC 5626 §3.5.1) belong to the frame; sip_msg_parse skips
 * them. A buffer holding only CRLFs is SIP_EINCOMPLETE. */
long sip_msg_frame(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *nl, *eol;
	long cl = -1;

	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	for (bool start = true;; start = false) {
		if (p >= end)
			return len >= SIP_MAX_MSG_SIZE ? SIP_EPARSE : SIP_EINCOMPLETE;
		eol = line_end(p, end, &nl);
		if (!eol)
			return len >= SIP_MAX_MSG_SIZE ? SIP_EPARSE : SIP_EINCOMPLETE;
		if (!start && eol == p)
			break;
		if (!start && p[0] != ' ' && p[0] != '\t') {
			const char *q = sip_skip_class(p, eol, SIP_C_TOKEN);
			sip_str name = sip_str_make(p, (size_t)(q - p));
			q = sip_skip_lws(q, eol);
			if (q < eol && *q == ':' && sip_hdr_type_of(name) == SIP_HDR_CONTENT_LENGTH) {
				uint64_t v;
				sip_str val = sip_str_trim(sip_str_make(q + 1, (size_t)(eol - q - 1)));
				if (!sip_parse_uint(val, SIP_MAX_MSG_SIZE, &v) || (cl >= 0 && (uint64_t)cl != v))
					return SIP_EPARSE;
				cl = (long)v;
			}
		}
		p = nl + 1;
	}
	p = nl + 1;
	if (cl < 0)
		cl = 0;
	if ((size_t)(p - buf) + (size_t)cl > SIP_MAX_MSG_SIZE)
		return SIP_EPARSE;
	if ((size_t)(end - p) < (size_t)cl)
		return SIP_EINCOMPLETE;
	return (long)(p - buf) + cl;
}

sip_uri *sip_msg_ruri(sip_msg *m)
{
	sip_uri *u;

	if (m->ruri_parsed || !m->is_request || !m->ruri_str.s)
		return m->ruri_parsed;
	u = sip_arena_alloc(m->arena, sizeof(*u));
	if (!u || sip_uri_parse(m->ruri_str, u) != SIP_OK)
		return NULL;
	m->ruri_parsed = u;
	return u;
}

sip_naddr *sip_msg_from(sip_msg *m)
{
	return m->from_parsed;
}

sip_naddr *sip_msg_to(sip_msg *m)
{
	return m->to_parsed;
}

/* Parse the Via headers not read yet and chain every value of every Via
 * header in message order. NULL when there is none or one is malformed. */
sip_via *sip_msg_vias(sip_msg *m)
{
	sip_via *head = NULL, *tail = NULL;

	for (sip_hdr *h = m->first[SIP_HDR_VIA]; h; h = h->next_same) {
		sip_via *list = h->parsed;
		const char *err;

		if (!list) {
			if (sip_via_parse_hdr(m->arena, h, &list, &err) != SIP_OK)
				return NULL;
			h->parsed = list;
		}
		if (tail)
			tail->next = list;
		else
			head = list;
		for (tail = list; tail->next && tail->next->hdr == h; tail = tail->next)
			;
	}
	if (tail)
		tail->next = NULL;
	return head;
}

/* Parse (once) a header holding name-addr values; From and To hold one value,
 * the others a comma-separated list. */
sip_naddr *sip_hdr_naddrs(sip_msg *m, sip_hdr *h)
{
	sip_naddr *n = NULL;
	const char *err;

	if (!h)
		return NULL;
	if (h->parsed)
		return h->parsed;
	if (h->type == SIP_HDR_VIA)
		return NULL;
	if (sip_naddr_parse(m->arena, h->body, h->type != SIP_HDR_FROM && h->type != SIP_HDR_TO,
			    &n, &err) != SIP_OK)
		return NULL;
	h->parsed = n;
	return n;
}

sip_hdr *sip_msg_find_hdr(sip_msg *m, sip_str name)
{
	enum sip_hdr_type t = sip_hdr_type_of(name);
	sip_str want;

	if (t != SIP_HDR_OTHER)
		return m->first[t];
	want = sip_hdr_long_name(name);
	for (sip_hdr *h = m->hdrs; h; h = h->next)
		if (h->type == SIP_HDR_OTHER && sip_str_caseeq(sip_hdr_long_name(h->name), want))
			return h;
	return NULL;
}
