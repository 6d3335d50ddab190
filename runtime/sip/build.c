#include <stdio.h>

#include "sip/sip_int.h"

/* True when two edits touch the same original bytes: their deleted ranges
 * intersect, or one inserts strictly inside the range the other deletes. */
static bool edits_overlap(const sip_edit *a, size_t off, size_t del)
{
	size_t a_end = a->off + a->del, end = off + del;

	if (a->del && del)
		return off < a_end && a->off < end;
	if (a->del)
		return off > a->off && off < a_end;
	if (del)
		return a->off > off && a->off < end;
	return false;
}

/* Record an edit, keeping the array sorted by offset so sip_msg_build is a
 * single forward pass. At one offset, pure insertions come before a
 * deletion and keep the order they were recorded in. The inserted bytes are
 * not copied: they must live until the build (usually in the arena). */
int sip_msg_edit(sip_msg *m, size_t off, size_t del, sip_str ins)
{
	unsigned i;

	if (off > m->len || del > m->len - off || (ins.len && !ins.s))
		return SIP_EINVAL;
	for (i = 0; i < m->n_edits; i++)
		if (edits_overlap(&m->edits[i], off, del))
			return SIP_EINVAL;
	if (m->n_edits == m->cap_edits) {
		unsigned cap = m->cap_edits ? m->cap_edits * 2 : 8;
		sip_edit *e = sip_arena_alloc(m->arena, cap * sizeof(*e));
		if (!e)
			return SIP_NOMEM;
		if (m->n_edits)
			memcpy(e, m->edits, m->n_edits * sizeof(*e));
		m->edits = e;
		m->cap_edits = cap;
	}
	for (i = m->n_edits; i > 0; i--) {
		sip_edit *prev = &m->edits[i - 1];
		if (prev->off < off || (prev->off == off && (prev->del == 0 || del != 0)))
			break;
		m->edits[i] = *prev;
	}
	m->edits[i] = (sip_edit){ off, del, ins };
	m->n_edits++;
	return SIP_OK;
}

int sip_msg_remove_hdr(sip_msg *m, sip_hdr *h)
{
	if (!h)
		return SIP_EINVAL;
	return sip_msg_delete(m, sip_msg_off(m, h->raw.s), h->raw.len);
}

/* A Via header may carry several values; removing the top one deletes the
 * whole line only when it was alone, otherwise the value and the comma and
 * white space after it, so the next value moves up in place. */
int sip_msg_remove_via1(sip_msg *m)
{
	sip_via *v = m->via1;

	if (!v)
		return SIP_ENOTFOUND;
	if (!v->next || v->next->hdr != v->hdr)
		return sip_msg_remove_hdr(m, v->hdr);
	return sip_msg_delete(m, sip_msg_off(m, v->raw.s), (size_t)(v->next->raw.s - v->raw.s));
}

size_t sip_msg_hdrs_start(const sip_msg *m)
{
	return m->hdrs ? sip_msg_off(m, m->hdrs->raw.s) : m->hdrs_end;
}

/* Bounded output buffer; once full, further writes only mark the overflow so
 * a builder can write unconditionally and check once at the end. */
typedef struct {
	char *p;
	size_t n, cap;
	bool overflow;
} outbuf;

static void out_put(outbuf *o, const char *s, size_t n)
{
	if (o->overflow || n > o->cap - o->n) {
		o->overflow = true;
		return;
	}
	if (n)
		memcpy(o->p + o->n, s, n);
	o->n += n;
}

static void out_str(outbuf *o, sip_str s)
{
	out_put(o, s.s, s.len);
}

static void out_range(outbuf *o, const char *from, const char *to)
{
	out_put(o, from, (size_t)(to - from));
}

/* Copy header text into a reply with every line ending in CRLF: the request
 * it answers may have been refused because its lines ended in a bare LF,
 * and the reply must not repeat the fault. */
static void out_text(outbuf *o, const char *from, const char *to)
{
	const char *nl;

	while (from < to && (nl = memchr(from, '\n', (size_t)(to - from)))) {
		if (nl > from && nl[-1] == '\r') {
			out_range(o, from, nl + 1);
		} else {
			out_range(o, from, nl);
			out_put(o, "\r\n", 2);
		}
		from = nl + 1;
	}
	out_range(o, from, to);
}

static void out_line(outbuf *o, sip_str s)
{
	out_text(o, s.s, s.s + s.len);
}

/* Apply the recorded edits in one pass from the start line to the end of the
 * body; leading CRLFs and octets after the body (UDP junk) are not copied.
 * Returns the length written or SIP_ETOOBIG. */
long sip_msg_build(const sip_msg *m, char *out, size_t outsz)
{
	outbuf o = { out, 0, outsz, false };
	const char *start = m->is_request ? m->method_str.s : m->version.s;
	size_t pos = start ? sip_msg_off(m, start) : 0;
	size_t end = m->body.s ? sip_msg_off(m, m->body.s) + m->body.len : m->len;

	for (unsigned i = 0; i < m->n_edits; i++) {
		const sip_edit *e = &m->edits[i];
		size_t stop = e->off < end ? e->off : end;
		if (stop > pos)
			out_put(&o, m->buf + pos, stop - pos);
		out_str(&o, e->ins);
		if (e->off + e->del > pos)
			pos = e->off + e->del;
	}
	if (pos < end)
		out_put(&o, m->buf + pos, end - pos);
	if (o.overflow)
		return SIP_ETOOBIG;
	return (long)o.n;
}

/* Write the top Via header line with received= and rport= filled in from the
 * packet's source (RFC 3261 §18.2.1, RFC 3581 §4): received when the sent-by
 * differs from the source or rport was asked for, rport's value when it was
 * present without one. */
static void reply_put_via1(outbuf *o, const sip_msg *req, sip_str src_ip, int src_port)
{
	const sip_via *v = req->via1;
	const sip_hdr *h = v->hdr;
	const char *vend = v->raw.s + v->raw.len, *p = h->raw.s;
	char num[16];

	if (v->has_rport && v->rport.len == 0 && src_port > 0) {
		out_text(o, p, v->rport.s);
		out_put(o, num, (size_t)snprintf(num, sizeof(num), "=%d", src_port));
		p = v->rport.s;
	}
	out_text(o, p, vend);
	if (src_ip.len && !v->received.len && (v->has_rport || !sip_str_caseeq(v->host, src_ip))) {
		out_str(o, SIP_STR_LIT(";received="));
		out_str(o, src_ip);
	}
	out_text(o, vend, h->raw.s + h->raw.len);
}

/* Build a stateless reply to req (RFC 3261 §8.2.6): every Via, From, To (with
 * to_tag added when it has none and code > 100), Call-ID, CSeq, the caller's
 * extra header lines and an empty body, every line ended by CRLF. Works on a
 * request whose parse failed after its method, with whatever headers were
 * read. Returns the length written, SIP_EINVAL or SIP_ETOOBIG. */
long sip_msg_build_reply(const sip_msg *req, int code, sip_str reason, sip_str to_tag,
			 sip_str extra_hdrs, sip_str src_ip, int src_port, char *out, size_t outsz)
{
	outbuf o = { out, 0, outsz, false };
	char line[32];
	const sip_hdr *h;

	if (!req->is_request || code < 100 || code > 699)
		return SIP_EINVAL;
	out_put(&o, line, (size_t)snprintf(line, sizeof(line), "SIP/2.0 %d ", code));
	out_str(&o, reason);
	out_str(&o, SIP_STR_LIT("\r\n"));
	for (h = req->first[SIP_HDR_VIA]; h; h = h->next_same) {
		if (req->via1 && req->via1->hdr == h)
			reply_put_via1(&o, req, src_ip, src_port);
		else
			out_line(&o, h->raw);
	}
	if ((h = req->first[SIP_HDR_FROM]))
		out_line(&o, h->raw);
	if ((h = req->first[SIP_HDR_TO])) {
		if (code > 100 && to_tag.len && !req->to_tag.len) {
			const char *bend = h->body.s + h->body.len;
			out_text(&o, h->raw.s, bend);
			out_str(&o, SIP_STR_LIT(";tag="));
			out_str(&o, to_tag);
			out_text(&o, bend, h->raw.s + h->raw.len);
		} else {
			out_line(&o, h->raw);
		}
	}
	if ((h = req->first[SIP_HDR_CALL_ID]))
		out_line(&o, h->raw);
	if ((h = req->first[SIP_HDR_CSEQ]))
		out_line(&o, h->raw);
	if (extra_hdrs.len) {
		out_str(&o, extra_hdrs);
		if (extra_hdrs.s[extra_hdrs.len - 1] != '\n')
			out_str(&o, SIP_STR_LIT("\r\n"));
	}
	out_str(&o, SIP_STR_LIT("Content-Length: 0\r\n\r\n"));
	if (o.overflow)
		return SIP_ETOOBIG;
	return (long)o.n;
}
