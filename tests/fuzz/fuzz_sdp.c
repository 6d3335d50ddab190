/* libFuzzer target for the SDP parser: parse a body, walk every section,
 * attribute, format and rtpmap. Besides the sanitizers, it aborts when a
 * property the media code relies on does not hold (every slice lies inside
 * the body; the counts match the lists; the effective connection of a
 * media section is its own or the session's). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"
#include "sip/sdp.h"

#define FUZZ_ASSERT(cond) \
	do { if (!(cond)) { fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond); abort(); } } while (0)

static const char *fz_begin, *fz_end;

/* Touch every byte of a slice and check it lies inside the body. */
static unsigned fuzz_touch(sip_str s)
{
	unsigned h = 0;

	if (s.len == 0)
		return 0;
	FUZZ_ASSERT(s.s >= fz_begin && s.s + s.len <= fz_end);
	for (size_t i = 0; i < s.len; i++)
		h = h * 31 + (unsigned char)s.s[i];
	return h;
}

static unsigned fuzz_conn(const sip_sdp_conn *c)
{
	if (!c->present)
		return 0;
	FUZZ_ASSERT(c->addr.len > 0);
	return fuzz_touch(c->nettype) + fuzz_touch(c->addrtype) + fuzz_touch(c->addr)
	       + fuzz_touch(c->raw);
}

static unsigned fuzz_attrs(sip_sdp_attr *a, unsigned n)
{
	unsigned h = 0, k = 0;

	for (; a; a = a->next, k++) {
		FUZZ_ASSERT(a->name.len > 0);
		FUZZ_ASSERT(a->has_value || a->value.len == 0);
		h += fuzz_touch(a->name) + fuzz_touch(a->value) + fuzz_touch(a->line);
	}
	FUZZ_ASSERT(k == n);
	return h;
}

static unsigned fuzz_walk(sip_sdp *d)
{
	unsigned h = 0, k = 0;

	h += fuzz_touch(d->version) + fuzz_touch(d->o_user) + fuzz_touch(d->o_sess_id)
	     + fuzz_touch(d->o_sess_version) + fuzz_touch(d->o_nettype)
	     + fuzz_touch(d->o_addrtype) + fuzz_touch(d->o_addr) + fuzz_touch(d->session_name)
	     + fuzz_touch(d->timing) + fuzz_conn(&d->conn) + fuzz_attrs(d->attrs, d->n_attrs);
	for (sip_sdp_media *m = d->media; m; m = m->next, k++) {
		size_t pos = 0, prev = 0;
		unsigned nf = 0;
		sip_str f;
		const sip_sdp_conn *c = sip_sdp_media_conn(d, m);

		FUZZ_ASSERT(m->port >= 0 && m->port <= 65535 && m->nports >= 1);
		FUZZ_ASSERT(c == NULL ? !m->conn.present && !d->conn.present
				      : c == (m->conn.present ? &m->conn : &d->conn));
		h += fuzz_touch(m->type) + fuzz_touch(m->port_str) + fuzz_touch(m->proto)
		     + fuzz_touch(m->fmts) + fuzz_touch(m->section) + fuzz_conn(&m->conn)
		     + fuzz_attrs(m->attrs, m->n_attrs);
		while (sip_sdp_fmt_next(m, &pos, &f)) {
			sip_sdp_rtpmap rm;
			FUZZ_ASSERT(pos > prev && f.len > 0);
			prev = pos;
			h += fuzz_touch(f);
			nf++;
			uint64_t pt = 0;
			size_t i;
			for (i = 0; i < f.len && i < 4 && f.s[i] >= '0' && f.s[i] <= '9'; i++)
				pt = pt * 10 + (unsigned)(f.s[i] - '0');
			if (i == f.len && pt <= 127 && sip_sdp_rtpmap_find(m, (unsigned)pt, &rm) == SIP_OK) {
				FUZZ_ASSERT(rm.pt == pt && rm.encoding.len > 0 && rm.clock_rate > 0);
				h += fuzz_touch(rm.encoding) + fuzz_touch(rm.params);
			}
		}
		FUZZ_ASSERT(nf >= 1);
		h += (unsigned)(sip_sdp_attr_find(m->attrs, "candidate") != NULL);
		h += (unsigned)strlen(sip_sdp_dir_name(m->dir));
	}
	FUZZ_ASSERT(k == d->n_media && k <= SIP_SDP_MAX_MEDIA);
	return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size heap copy, so reading one byte past the end is caught. */
	char *buf = malloc(size ? size : 1);
	sip_arena arena;
	sip_sdp *d;
	const char *err = NULL;
	int rc;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	fz_begin = buf;
	fz_end = buf + size;
	sip_arena_init(&arena, 256);
	rc = sip_sdp_parse(&arena, sip_str_make(buf, size), &d, &err);
	FUZZ_ASSERT(rc == SIP_OK || rc == SIP_EPARSE || rc == SIP_ELIMIT);
	if (rc == SIP_OK) {
		FUZZ_ASSERT(d != NULL);
		fuzz_walk(d);
	} else {
		FUZZ_ASSERT(d == NULL && err != NULL);
	}
	sip_arena_destroy(&arena);
	free(buf);
	return 0;
}
