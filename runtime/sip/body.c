/* Replacing the body of a message through edits (see msg.h): the SDP
 * rewriters (fix_nated_sdp, the media relay) change the body, and the
 * Content-Length header must follow. */
#include <string.h>
#include "core/status.h"
#include "sip/msg.h"

/* Offset where the body starts (the end of the message when it has none). */
static size_t body_off(const sip_msg *m)
{
	return m->body.s ? sip_msg_off(m, m->body.s) : m->len;
}

/* The edit that rewrites the Content-Length value, -1 when there is none. */
static int cl_edit(const sip_msg *m)
{
	const sip_hdr *h = m->first[SIP_HDR_CONTENT_LENGTH];
	if (!h)
		return -1;
	size_t off = sip_msg_off(m, h->body.s);
	for (unsigned i = 0; i < m->n_edits; i++)
		if (m->edits[i].off == off && m->edits[i].del == h->body.len)
			return (int)i;
	return -1;
}

sip_str sip_msg_body_current(sip_msg *m)
{
	size_t start = body_off(m), end = start + m->body.len;
	size_t n = 0;
	bool edited = false;
	for (unsigned i = 0; i < m->n_edits; i++) {
		const sip_edit *e = &m->edits[i];
		if (e->off >= start && e->off <= end) {
			edited = true;
			n += e->ins.len;
		}
	}
	if (!edited)
		return m->body;
	char *d = sip_arena_alloc(m->arena, m->body.len + n + 1);
	if (!d)
		return SIP_STR_NULL;
	size_t pos = start, o = 0;
	for (unsigned i = 0; i < m->n_edits; i++) {
		const sip_edit *e = &m->edits[i];
		if (e->off < start || e->off > end)
			continue;
		if (e->off > pos) {
			memcpy(d + o, m->buf + pos, e->off - pos);
			o += e->off - pos;
		}
		if (e->ins.len) {
			memcpy(d + o, e->ins.s, e->ins.len);
			o += e->ins.len;
		}
		if (e->off + e->del > pos)
			pos = e->off + e->del;
	}
	if (pos < end) {
		memcpy(d + o, m->buf + pos, end - pos);
		o += end - pos;
	}
	d[o] = '\0';
	return sip_str_make(d, o);
}

int sip_msg_set_body(sip_msg *m, sip_str body)
{
	const sip_hdr *h = m->first[SIP_HDR_CONTENT_LENGTH];
	size_t start = body_off(m), end = start + m->body.len;
	/* Forget the earlier edits of the body and of Content-Length: the new
	 * body is what they made, rewritten. */
	int cl = cl_edit(m);
	unsigned j = 0;
	for (unsigned i = 0; i < m->n_edits; i++) {
		const sip_edit *e = &m->edits[i];
		bool in_body = e->off >= start && e->off <= end;
		if (in_body || (int)i == cl)
			continue;
		m->edits[j++] = *e;
	}
	m->n_edits = j;
	char *d = sip_arena_alloc(m->arena, 40);
	if (!d)
		return SIP_NOMEM;
	int rc;
	if (h) {
		size_t n = sip_fmt_uint(d, (unsigned long)body.len);
		rc = sip_msg_edit(m, sip_msg_off(m, h->body.s), h->body.len, sip_str_make(d, n));
	} else {
		memcpy(d, "Content-Length: ", 16);
		size_t n = 16 + sip_fmt_uint(d + 16, (unsigned long)body.len);
		d[n++] = '\r';
		d[n++] = '\n';
		rc = sip_msg_insert(m, sip_msg_hdrs_start(m), sip_str_make(d, n));
	}
	if (rc == SIP_OK)
		rc = sip_msg_edit(m, start, m->body.len, body);
	return rc;
}
