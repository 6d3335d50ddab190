/* The address cache of the permissions module (permissions.h). */
#include "permissions/permissions.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/arena.h"
#include "core/log.h"
#include "core/status.h"
#include "db/db_rows.h"

/* One snapshot (db/db_cache.h): the usable rows sorted most specific
 * first, in one arena; their compiled patterns are freed with it. */
struct perm_cache {
	sip_arena arena;            /* first: db_snap_new() */
	perm_row *rows;
	unsigned n;
	db_bad_row *bad;
	unsigned n_bad;
};

static db_cache *perm_cache_c;

static const struct perm_cache *perm_cur(void)
{
	return perm_cache_c ? db_cache_get(perm_cache_c) : NULL;
}

static void perm_cache_free(void *p)
{
	struct perm_cache *c = p;
	if (!c)
		return;
	for (unsigned i = 0; i < c->n; i++)
		if (c->rows[i].re)
			regfree(c->rows[i].re);
	db_snap_free(c);
}

void perm_cache_clear(void)
{
	db_cache_destroy(perm_cache_c);
	perm_cache_c = NULL;
}

unsigned perm_count(void)
{
	const struct perm_cache *c = perm_cur();
	return c ? c->n : 0;
}

unsigned perm_skipped(void)
{
	const struct perm_cache *c = perm_cur();
	return c ? c->n_bad : 0;
}

bool perm_addr_parse(const char *ip, unsigned char out[16], bool *v4)
{
	if (inet_pton(AF_INET, ip, out + 12) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		*v4 = true;
		return true;
	}
	*v4 = false;
	return inet_pton(AF_INET6, ip, out) == 1;
}

const char *perm_net_parse(const char *ip, int64_t mask, unsigned char net[16], int *bits,
			   bool *host_bits)
{
	bool v4;
	*host_bits = false;
	if (!perm_addr_parse(ip, net, &v4))
		return "not an IPv4 or IPv6 address";
	if (mask < 0 || mask > (v4 ? 32 : 128))
		return v4 ? "the mask of an IPv4 network is 0 to 32" :
			    "the mask of an IPv6 network is 0 to 128";
	*bits = (int)mask + (v4 ? 96 : 0);
	for (int i = *bits; i < 128; i++) {
		unsigned char bit = (unsigned char)(0x80u >> (i % 8));
		if (net[i / 8] & bit) {
			*host_bits = true;
			net[i / 8] &= (unsigned char)~bit;
		}
	}
	return NULL;
}

static const char *const perm_protos[] = { "any", "udp", "tcp", "tls", "ws", "wss" };

int perm_proto_parse(sip_str s)
{
	for (int i = 0; i < (int)(sizeof perm_protos / sizeof perm_protos[0]); i++)
		if (sip_str_eq_lit_case(s, perm_protos[i]))
			return i;
	return -1;
}

const char *perm_proto_name(int proto)
{
	return proto >= 0 && proto < (int)(sizeof perm_protos / sizeof perm_protos[0]) ?
	       perm_protos[proto] : "?";
}

/* Most specific first: longest network, a port, a transport, a pattern,
 * then the lowest id. */
static int perm_row_cmp(const void *a, const void *b)
{
	const perm_row *x = a, *y = b;
	if (x->bits != y->bits)
		return x->bits > y->bits ? -1 : 1;
	if (!x->port != !y->port)
		return x->port ? -1 : 1;
	if (!x->proto != !y->proto)
		return x->proto ? -1 : 1;
	if (!x->re != !y->re)
		return x->re ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Read one row into r; NULL when usable, else why not (in a). */
static const char *perm_row_read(db_stmt *st, perm_row *r, sip_arena *a)
{
	char ipbuf[80];
	memset(r, 0, sizeof *r);
	r->id = db_column_int(st, 0);
	r->grp = db_column_int(st, 1);
	sip_str ip = db_column_text(st, 2);
	int64_t mask = db_column_int(st, 3), port = db_column_int(st, 4);
	sip_str proto = db_column_text(st, 5);
	r->ip = sip_arena_strdup(a, ip);
	r->mask = (int)(mask < -1 ? -1 : mask > 999 ? 999 : mask);
	r->pattern = sip_arena_strdup(a, db_column_text(st, 6));
	r->tag = sip_arena_strdup(a, db_column_text(st, 7));
	if (!r->ip.s || !r->pattern.s || !r->tag.s)
		return "out of memory";
	if (ip.len >= sizeof ipbuf)
		return "bad address (too long)";
	memcpy(ipbuf, ip.s, ip.len);
	ipbuf[ip.len] = '\0';
	bool host_bits;
	const char *why = perm_net_parse(ipbuf, mask, r->net, &r->bits, &host_bits);
	if (why)
		return sip_arena_printf(a, "bad address '%s/%lld': %s", ipbuf, (long long)mask, why).s;
	if (port < 0 || port > 65535)
		return sip_arena_printf(a, "bad port %lld", (long long)port).s;
	r->port = (int)port;
	if ((r->proto = perm_proto_parse(proto)) < 0)
		return sip_arena_printf(a, "bad proto '" SIP_STR_FMT "' (any, udp, tcp, tls, ws, wss)",
					SIP_STR_ARG(proto)).s;
	if (r->pattern.len) {
		regex_t *re = sip_arena_alloc(a, sizeof *re);
		if (!re)
			return "out of memory";
		int rc = regcomp(re, r->pattern.s, REG_EXTENDED | REG_NOSUB);
		if (rc != 0) {
			char err[128];
			regerror(rc, re, err, sizeof err);
			return sip_arena_printf(a, "bad pattern '" SIP_STR_FMT "': %s",
						SIP_STR_ARG(r->pattern), err).s;
		}
		r->re = re;
	}
	return NULL;
}

/* The loader (on the database worker's thread): the whole table into a
 * new snapshot; bad rows are left out and listed in it. */
static int perm_load(db *d, void **out)
{
	int64_t n = 0;
	int rc;
	if ((rc = db_query_int(d, "SELECT count(*) FROM address", &n)) != SIP_OK)
		return rc;
	struct perm_cache *c = db_snap_new(sizeof *c, 4096);
	if (!c)
		return SIP_NOMEM;
	c->rows = sip_arena_alloc(&c->arena, (size_t)(n + 1) * sizeof *c->rows);
	c->bad = db_bad_rows_new(&c->arena, n);
	if (!c->rows || !c->bad) {
		perm_cache_free(c);
		return SIP_NOMEM;
	}
	db_stmt *st = NULL;
	if ((rc = db_prepare(d, "SELECT id, grp, ip, mask, port, proto, pattern, context_info"
			     " FROM address ORDER BY id", &st)) != SIP_OK)
		goto fail;
	/* Rows added between the count and this query wait for the next load. */
	while ((rc = db_step(st)) == DB_ROW && c->n + c->n_bad < n) {
		perm_row *r = &c->rows[c->n];
		const char *why = perm_row_read(st, r, &c->arena);
		if (!why) {
			c->n++;
			continue;
		}
		if (r->re) {
			regfree(r->re);
			r->re = NULL;
		}
		db_bad_row_add(c->bad, &c->n_bad, r->id, why);
	}
	db_finalize(st);
	if (rc != SIP_OK && rc != DB_ROW)
		goto fail;
	qsort(c->rows, c->n, sizeof *c->rows, perm_row_cmp);
	*out = c;
	return SIP_OK;
fail:
	perm_cache_free(c);
	return rc;
}

/* A new snapshot is in use: say how many rows, and which were left out,
 * when that changed (a timed reload of the same table says nothing). */
static void perm_loaded(db_cache *dc, const void *snap)
{
	static db_rows_report report;
	const struct perm_cache *c = snap;
	(void)dc;
	if (db_rows_report_bad(&report, "permissions: address row", "skipped", c->n, c->bad,
			       c->n_bad))
		LOG_NOTICE("permissions: %u addresses%s", c->n, c->n_bad ? " (bad rows skipped)" : "");
}

static const db_cache_def perm_def = {
	.name = "permissions", .load = perm_load, .free = perm_cache_free,
	.loaded = perm_loaded, .tables = (const char *const[]){ "address", NULL },
};

db_cache *perm_table(void)
{
	return db_cache_once(&perm_def, &perm_cache_c);
}

int perm_refresh(db *d)
{
	return db_cache_refresh(perm_table(), d);
}

static bool perm_in_net(const perm_row *r, const unsigned char a[16])
{
	int whole = r->bits / 8, rest = r->bits % 8;
	if (memcmp(a, r->net, (size_t)whole) != 0)
		return false;
	if (!rest)
		return true;
	unsigned char m = (unsigned char)(0xffu << (8 - rest));
	return (a[whole] & m) == r->net[whole];
}

const perm_row *perm_match(const perm_src *src, bool all_groups, int64_t grp)
{
	const struct perm_cache *c = perm_cur();
	if (!c)
		return NULL;
	for (unsigned i = 0; i < c->n; i++) {
		const perm_row *r = &c->rows[i];
		if ((!all_groups && r->grp != grp) || !perm_in_net(r, src->addr) ||
		    (r->port && r->port != src->port) || (r->proto && r->proto != src->proto))
			continue;
		if (r->re && regexec(r->re, src->from ? src->from : "", 0, NULL, 0) != 0)
			continue;
		return r;
	}
	return NULL;
}
