/* RADIUS records, their queue and the packing of digest credentials
 * (radius.h): the part of the module that needs neither radcli nor the
 * proxy. */
#include "radius/radius.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "core/arena.h"

rad_rec *rad_rec_new(const struct rad_attr *a, size_t n)
{
	if (n > RAD_ATTRS_MAX)
		return NULL;
	size_t bytes = 0;
	for (size_t i = 0; i < n; i++) {
		bytes += strlen(a[i].name) + 1;
		if (!a[i].is_int)
			bytes += a[i].s.len < RAD_VALUE_MAX ? a[i].s.len : RAD_VALUE_MAX;
	}
	rad_rec *r = sip_mem_alloc(sizeof *r + bytes + 1);
	if (!r)
		return NULL;
	memset(r, 0, sizeof *r);
	char *p = r->data;
	for (size_t i = 0; i < n; i++) {
		if (!a[i].is_int && !a[i].s.len)
			continue;
		struct rad_attr *d = &r->a[r->n++];
		size_t nl = strlen(a[i].name) + 1;
		memcpy(p, a[i].name, nl);
		d->name = p;
		p += nl;
		d->is_int = a[i].is_int;
		d->i = a[i].i;
		if (!a[i].is_int) {
			size_t l = a[i].s.len < RAD_VALUE_MAX ? a[i].s.len : RAD_VALUE_MAX;
			memcpy(p, a[i].s.s, l);
			d->s = sip_str_make(p, l);
			p += l;
		}
	}
	return r;
}

void rad_rec_free(rad_rec *r)
{
	sip_mem_free(r);
}

const struct rad_attr *rad_rec_find(const rad_rec *r, const char *name)
{
	for (unsigned i = 0; i < r->n; i++)
		if (!strcasecmp(r->a[i].name, name))
			return &r->a[i];
	return NULL;
}

void rad_queue_init(rad_queue *q, unsigned max)
{
	memset(q, 0, sizeof *q);
	q->max = max;
}

bool rad_queue_push(rad_queue *q, rad_rec *r)
{
	if (q->n >= q->max)
		return false;
	r->next = NULL;
	if (q->tail)
		q->tail->next = r;
	else
		q->head = r;
	q->tail = r;
	q->n++;
	return true;
}

void rad_queue_push_front(rad_queue *q, rad_rec *r)
{
	r->next = q->head;
	q->head = r;
	if (!q->tail)
		q->tail = r;
	q->n++;
}

rad_rec *rad_queue_pop(rad_queue *q)
{
	rad_rec *r = q->head;
	if (!r)
		return NULL;
	q->head = r->next;
	if (!q->head)
		q->tail = NULL;
	q->n--;
	r->next = NULL;
	return r;
}

unsigned rad_queue_clear(rad_queue *q)
{
	unsigned n = 0;
	rad_rec *r;
	while ((r = rad_queue_pop(q)) != NULL) {
		rad_rec_free(r);
		n++;
	}
	return n;
}

/* draft-sterman-aaa-sip-00 §3.2:
 *   Digest-Attributes = sub-type (1 octet) sub-length (1 octet) value
 * where sub-length counts the two octets before the value. */
size_t rad_digest_sub_pack(enum rad_digest_sub type, sip_str v, char *out)
{
	if (!v.len || v.len > RAD_VALUE_MAX - 2)
		return 0;
	out[0] = (char)type;
	out[1] = (char)(v.len + 2);
	memcpy(out + 2, v.s, v.len);
	return v.len + 2;
}

size_t rad_digest_attrs(const struct rad_digest_in *in, struct rad_attr *a, char *buf)
{
	size_t n = 0;
	if (!in->user_name.len || !in->response.len || in->user_name.len > RAD_VALUE_MAX
	    || in->response.len > RAD_VALUE_MAX)
		return 0;
	a[n++] = (struct rad_attr){ .name = "User-Name", .s = in->user_name };
	a[n++] = (struct rad_attr){ .name = "Digest-Response", .s = in->response };
	/* Service-Type = Sip-Session, as OpenSIPS sends it. */
	a[n++] = (struct rad_attr){ .name = "Service-Type", .is_int = true, .i = 15 };
	const struct {
		enum rad_digest_sub t;
		sip_str v;
		bool required;
	} sub[] = {
		{ RAD_DIGEST_REALM, in->realm, true },
		{ RAD_DIGEST_NONCE, in->nonce, true },
		{ RAD_DIGEST_METHOD, in->method, true },
		{ RAD_DIGEST_URI, in->uri, true },
		{ RAD_DIGEST_QOP, in->qop, false },
		{ RAD_DIGEST_ALGORITHM, in->algorithm, false },
		{ RAD_DIGEST_CNONCE, in->cnonce, false },
		{ RAD_DIGEST_NONCE_COUNT, in->nc, false },
		{ RAD_DIGEST_USER_NAME, in->username, true },
	};
	for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++) {
		if (!sub[i].v.len) {
			if (sub[i].required)
				return 0;
			continue;
		}
		char *p = buf + n * RAD_VALUE_MAX;
		size_t l = rad_digest_sub_pack(sub[i].t, sub[i].v, p);
		if (!l)
			return 0;
		a[n++] = (struct rad_attr){ .name = "Digest-Attributes", .s = sip_str_make(p, l) };
	}
	return n;
}

char *rad_server_list(const char *list, const char *secret, int dflt_port, unsigned *n,
		      bool *bad)
{
	*n = 0;
	if (!list || !*list)
		return NULL;
	/* At most one server a comma more; each gets ":PORT:SECRET,". */
	size_t nmax = 1;
	for (const char *c = list; *c; c++)
		nmax += *c == ',';
	size_t cap = strlen(list) + nmax * (strlen(secret) + 16) + 1;
	char *out = sip_mem_alloc(cap), *o = out;
	if (!out) {
		*bad = true;
		return NULL;
	}
	*o = '\0';
	const char *p = list;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		if (!*p)
			break;
		const char *e = p, *next;
		while (*e && *e != ',')
			e++;
		next = e;
		while (e > p && e[-1] == ' ')
			e--;
		if (memchr(p, ' ', (size_t)(e - p))) {
			*bad = true;
			break;
		}
		/* "[IPv6]:PORT": the port's colon after the bracket. */
		const char *hend = p;
		if (*p == '[') {
			hend = memchr(p, ']', (size_t)(e - p));
			if (!hend) {
				*bad = true;
				break;
			}
		}
		const char *colon = memchr(hend, ':', (size_t)(e - hend));
		int port = dflt_port;
		size_t hl = (size_t)(e - p);
		if (colon) {
			char *end;
			long v = strtol(colon + 1, &end, 10);
			if (end != e || v < 1 || v > 65535) {
				*bad = true;
				break;
			}
			port = (int)v;
			hl = (size_t)(colon - p);
		}
		if (!hl || (size_t)(o - out) + hl + strlen(secret) + 16 >= cap) {
			*bad = true;
			break;
		}
		o += sprintf(o, "%s%.*s:%d:%s", *n ? "," : "", (int)hl, p, port, secret);
		(*n)++;
		p = next;
	}
	if (*bad || !*n) {
		sip_mem_free(out);
		return NULL;
	}
	return out;
}
