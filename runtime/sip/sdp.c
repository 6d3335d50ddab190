/* SDP parser (RFC 4566 §5): one pass over the lines of a body, slices only. */
#include "sip/sdp.h"

#include "sip/sip_int.h"

/* Split off the next space-separated field of *rest (runs of SP count as
 * one separator, which real offers sometimes have). False when none is
 * left. */
static bool sdp_field(sip_str *rest, sip_str *out)
{
	const char *p, *end, *q;

	if (rest->len == 0)
		return false;
	p = rest->s;
	end = rest->s + rest->len;
	while (p < end && *p == ' ')
		p++;
	if (p == end)
		return false;
	for (q = p; q < end && *q != ' '; q++)
		;
	*out = sip_str_make(p, (size_t)(q - p));
	rest->s = q;
	rest->len = (size_t)(end - q);
	return true;
}

static bool sdp_rest_empty(sip_str rest)
{
	for (size_t i = 0; i < rest.len; i++)
		if (rest.s[i] != ' ')
			return false;
	return true;
}

static bool sdp_uint(sip_str s, uint64_t max, unsigned *out)
{
	uint64_t v;

	if (!sip_parse_uint(s, max, &v))
		return false;
	*out = (unsigned)v;
	return true;
}

/* connection-field = "c=" nettype SP addrtype SP connection-address
 * The address keeps neither the multicast /ttl nor the /count. */
static bool sdp_parse_conn(sip_str v, sip_sdp_conn *c)
{
	sip_str rest = v, addr;

	if (!sdp_field(&rest, &c->nettype) || !sdp_field(&rest, &c->addrtype)
	    || !sdp_field(&rest, &addr) || !sdp_rest_empty(rest))
		return false;
	for (size_t i = 0; i < addr.len; i++) {
		if (addr.s[i] == '/') {
			addr.len = i;
			break;
		}
	}
	if (addr.len == 0)
		return false;
	c->addr = addr;
	c->raw = v;
	c->present = true;
	return true;
}

/* origin-field = "o=" username SP sess-id SP sess-version SP nettype SP
 *                addrtype SP unicast-address */
static bool sdp_parse_origin(sip_str v, sip_sdp *d)
{
	sip_str rest = v;

	return sdp_field(&rest, &d->o_user) && sdp_field(&rest, &d->o_sess_id)
	       && sdp_field(&rest, &d->o_sess_version) && sdp_field(&rest, &d->o_nettype)
	       && sdp_field(&rest, &d->o_addrtype) && sdp_field(&rest, &d->o_addr)
	       && sdp_rest_empty(rest);
}

/* media-field = "m=" media SP port ["/" integer] SP proto 1*(SP fmt) */
static bool sdp_parse_media(sip_str v, sip_sdp_media *m)
{
	sip_str rest = v, port, fmt;
	unsigned n;

	if (!sdp_field(&rest, &m->type) || !sdp_field(&rest, &port) || !sdp_field(&rest, &m->proto))
		return false;
	m->nports = 1;
	for (size_t i = 0; i < port.len; i++) {
		if (port.s[i] == '/') {
			if (!sdp_uint(sip_str_make(port.s + i + 1, port.len - i - 1), 65535, &n) || n == 0)
				return false;
			m->nports = (int)n;
			port.len = i;
			break;
		}
	}
	if (!sdp_uint(port, 65535, &n))
		return false;
	m->port = (int)n;
	m->port_str = port;
	while (rest.len && rest.s[0] == ' ') {
		rest.s++;
		rest.len--;
	}
	m->fmts = rest;
	while (m->fmts.len && m->fmts.s[m->fmts.len - 1] == ' ')
		m->fmts.len--;
	/* At least one format. */
	return sdp_field(&rest, &fmt);
}

/* attribute-field = "a=" (att-field ":" att-value / att-field) */
static bool sdp_parse_attr(sip_str v, sip_str line, sip_sdp_attr *at)
{
	const char *p = v.s, *end = v.s + v.len;

	while (p < end && *p != ':')
		p++;
	at->name = sip_str_make(v.s, (size_t)(p - v.s));
	if (at->name.len == 0)
		return false;
	for (size_t i = 0; i < at->name.len; i++)
		if (!sip_is(at->name.s[i], SIP_C_TOKEN))
			return false;
	at->has_value = p < end;
	at->value = at->has_value ? sip_str_make(p + 1, (size_t)(end - p - 1)) : SIP_STR_NULL;
	at->line = line;
	return true;
}

static bool sdp_dir_of(sip_str name, enum sip_sdp_dir *d)
{
	if (sip_str_eq(name, SIP_STR_LIT("sendrecv")))
		*d = SIP_SDP_SENDRECV;
	else if (sip_str_eq(name, SIP_STR_LIT("sendonly")))
		*d = SIP_SDP_SENDONLY;
	else if (sip_str_eq(name, SIP_STR_LIT("recvonly")))
		*d = SIP_SDP_RECVONLY;
	else if (sip_str_eq(name, SIP_STR_LIT("inactive")))
		*d = SIP_SDP_INACTIVE;
	else
		return false;
	return true;
}

static int sdp_fail(const char **err, const char *why)
{
	if (err)
		*err = why;
	return SIP_EPARSE;
}

/* session-description = proto-version origin-field session-name-field
 *     information-field uri-field email-fields phone-fields
 *     connection-field bandwidth-fields time-fields key-field
 *     attribute-fields media-descriptions
 * The order of the lines inside a section is not enforced beyond v= first
 * (offers in the field break it); the type letters are, because RFC 4566
 * §5 asks for a description with an unknown letter to be ignored. */
int sip_sdp_parse(sip_arena *a, sip_str body, sip_sdp **out, const char **err)
{
	const char *p = body.s, *end = body.s + body.len;
	sip_sdp *d;
	sip_sdp_media *m = NULL, **mtail;
	sip_sdp_attr **atail;
	unsigned n_attrs = 0;
	bool have_o = false, have_s = false, have_t = false, media_dir = false;

	*out = NULL;
	if (!body.s || body.len == 0)
		return sdp_fail(err, "empty SDP");
	d = sip_arena_alloc(a, sizeof *d);
	if (!d)
		return SIP_NOMEM;
	memset(d, 0, sizeof *d);
	d->body = body;
	mtail = &d->media;
	atail = &d->attrs;

	while (p < end) {
		const char *ls = p, *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		sip_str line, v;

		p = nl ? nl + 1 : end;
		if (le > ls && le[-1] == '\r')
			le--;
		line = sip_str_make(ls, (size_t)(p - ls));
		if (le == ls)
			continue;       /* a blank line (usually the last) */
		for (const char *q = ls; q < le; q++)
			if ((unsigned char)*q < 0x20 && *q != '\t')
				return sdp_fail(err, "control character in SDP line");
		if (le - ls < 2 || ls[1] != '=')
			return sdp_fail(err, "SDP line is not <type>=<value>");
		v = sip_str_make(ls + 2, (size_t)(le - ls - 2));
		if (!d->version.s) {
			if (ls[0] != 'v' || !sip_str_eq(v, SIP_STR_LIT("0")))
				return sdp_fail(err, "SDP does not start with v=0");
			d->version = v;
			continue;
		}
		switch (ls[0]) {
		case 'v':
			return sdp_fail(err, "repeated v= line");
		case 'o':
			if (have_o || m)
				return sdp_fail(err, "misplaced o= line");
			if (!sdp_parse_origin(v, d))
				return sdp_fail(err, "bad o= line");
			have_o = true;
			break;
		case 's':
			if (have_s || m)
				return sdp_fail(err, "misplaced s= line");
			d->session_name = v;
			have_s = true;
			break;
		case 't':
			if (m)
				return sdp_fail(err, "t= line in a media section");
			if (!have_t)
				d->timing = v;
			have_t = true;
			break;
		case 'c': {
			sip_sdp_conn *c = m ? &m->conn : &d->conn;
			if (c->present)
				return sdp_fail(err, "repeated c= line");
			if (!sdp_parse_conn(v, c))
				return sdp_fail(err, "bad c= line");
			break;
		}
		case 'm':
			if (d->n_media >= SIP_SDP_MAX_MEDIA) {
				if (err)
					*err = "too many media sections";
				return SIP_ELIMIT;
			}
			if (m)
				m->section.len = (size_t)(ls - m->section.s);
			m = sip_arena_alloc(a, sizeof *m);
			if (!m)
				return SIP_NOMEM;
			memset(m, 0, sizeof *m);
			if (!sdp_parse_media(v, m))
				return sdp_fail(err, "bad m= line");
			m->section = sip_str_make(ls, (size_t)(end - ls));
			m->dir = d->dir;
			media_dir = false;
			*mtail = m;
			mtail = &m->next;
			atail = &m->attrs;
			d->n_media++;
			break;
		case 'a': {
			sip_sdp_attr *at;
			enum sip_sdp_dir dir;
			if (++n_attrs > SIP_SDP_MAX_ATTRS) {
				if (err)
					*err = "too many SDP attributes";
				return SIP_ELIMIT;
			}
			at = sip_arena_alloc(a, sizeof *at);
			if (!at)
				return SIP_NOMEM;
			memset(at, 0, sizeof *at);
			if (!sdp_parse_attr(v, line, at))
				return sdp_fail(err, "bad a= line");
			*atail = at;
			atail = &at->next;
			if (m)
				m->n_attrs++;
			else
				d->n_attrs++;
			if (!at->has_value && sdp_dir_of(at->name, &dir)) {
				if (m) {
					if (media_dir)
						return sdp_fail(err, "two direction attributes in a media section");
					m->dir = dir;
					media_dir = true;
				} else {
					d->dir = dir;
				}
			}
			break;
		}
		case 'i': case 'u': case 'e': case 'p': case 'b': case 'r': case 'z': case 'k':
			break;
		default:
			return sdp_fail(err, "unknown SDP line type");
		}
	}
	if (!d->version.s)
		return sdp_fail(err, "empty SDP");
	if (!have_o)
		return sdp_fail(err, "SDP without o= line");
	if (!have_s)
		return sdp_fail(err, "SDP without s= line");
	if (!have_t)
		return sdp_fail(err, "SDP without t= line");
	*out = d;
	return SIP_OK;
}

/* media-type "/" subtype with parameters; only application/sdp counts. */
static bool sdp_is_sdp_type(sip_str ct)
{
	size_t n = 0;

	while (n < ct.len && ct.s[n] != ';')
		n++;
	return sip_str_eq_lit_case(sip_str_trim(sip_str_make(ct.s, n)), "application/sdp");
}

sip_sdp *sip_msg_sdp(sip_msg *msg, int *status)
{
	sip_hdr *ct;
	int rc;

	if (!msg->sdp_done) {
		msg->sdp_done = true;
		ct = msg->first[SIP_HDR_CONTENT_TYPE];
		if (!ct || msg->body.len == 0 || !sdp_is_sdp_type(ct->body)) {
			msg->sdp_status = SIP_ENOTFOUND;
		} else {
			rc = sip_sdp_parse(msg->arena, msg->body, &msg->sdp, NULL);
			msg->sdp_status = rc;
			if (rc != SIP_OK)
				msg->sdp = NULL;
		}
	}
	if (status)
		*status = msg->sdp_status;
	return msg->sdp;
}

const sip_sdp_conn *sip_sdp_media_conn(const sip_sdp *sdp, const sip_sdp_media *m)
{
	if (m && m->conn.present)
		return &m->conn;
	return sdp->conn.present ? &sdp->conn : NULL;
}

sip_sdp_media *sip_sdp_find_media(const sip_sdp *sdp, const char *type)
{
	for (sip_sdp_media *m = sdp->media; m; m = m->next)
		if (sip_str_eq(m->type, sip_str_make(type, strlen(type))))
			return m;
	return NULL;
}

sip_sdp_attr *sip_sdp_attr_find(sip_sdp_attr *list, const char *name)
{
	sip_str n = sip_str_make(name, strlen(name));

	for (; list; list = list->next)
		if (sip_str_eq(list->name, n))
			return list;
	return NULL;
}

bool sip_sdp_fmt_next(const sip_sdp_media *m, size_t *pos, sip_str *fmt)
{
	sip_str rest;

	if (*pos >= m->fmts.len)
		return false;
	rest = sip_str_make(m->fmts.s + *pos, m->fmts.len - *pos);
	if (!sdp_field(&rest, fmt))
		return false;
	*pos = (size_t)(rest.s - m->fmts.s);
	return true;
}

int sip_sdp_rtpmap_find(const sip_sdp_media *m, unsigned pt, sip_sdp_rtpmap *out)
{
	for (sip_sdp_attr *at = sip_sdp_attr_find(m->attrs, "rtpmap"); at;
	     at = sip_sdp_attr_find(at->next, "rtpmap")) {
		sip_str rest = at->value, num, enc;
		unsigned n, rate;
		const char *p, *e;

		if (!sdp_field(&rest, &num) || !sdp_uint(num, 127, &n) || n != pt)
			continue;
		if (!sdp_field(&rest, &enc) || !sdp_rest_empty(rest))
			return SIP_EPARSE;
		e = enc.s + enc.len;
		p = memchr(enc.s, '/', enc.len);
		if (!p || p == enc.s)
			return SIP_EPARSE;
		out->pt = pt;
		out->encoding = sip_str_make(enc.s, (size_t)(p - enc.s));
		const char *r = p + 1, *q = memchr(r, '/', (size_t)(e - r));
		if (!sdp_uint(sip_str_make(r, (size_t)((q ? q : e) - r)), UINT32_MAX, &rate) || rate == 0)
			return SIP_EPARSE;
		out->clock_rate = rate;
		out->params = q ? sip_str_make(q + 1, (size_t)(e - q - 1)) : SIP_STR_NULL;
		return SIP_OK;
	}
	return SIP_ENOTFOUND;
}

const char *sip_sdp_dir_name(enum sip_sdp_dir d)
{
	switch (d) {
	case SIP_SDP_SENDONLY: return "sendonly";
	case SIP_SDP_RECVONLY: return "recvonly";
	case SIP_SDP_INACTIVE: return "inactive";
	default: return "sendrecv";
	}
}
