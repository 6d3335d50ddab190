/* The gateway and rule cache of dynamic routing (drouting.h). */
#include "drouting/drouting.h"

#include <stdlib.h>
#include <string.h>
#include "core/log.h"
#include "core/status.h"

/* One snapshot of the tables (db/db_cache.h): everything in one arena,
 * built by the database worker and swapped in whole, so a reload never
 * leaves a half-read table in use. */
struct dr_cache {
	sip_arena arena;
	dr_gw *gws;                 /* sorted by id */
	unsigned n_gws;
	dr_rule *rules;             /* sorted: group, longest prefix, priority, id */
	unsigned n_rules;
};

static db_cache *dr_tables_cache;

static void dr_cache_free(void *p)
{
	struct dr_cache *c = p;
	if (!c)
		return;
	sip_arena_destroy(&c->arena);
	sip_mem_free(c);
}

static const struct dr_cache *dr_cur(void)
{
	return db_cache_get(dr_tables_cache);
}

void dr_cache_clear(void)
{
	db_cache_destroy(dr_tables_cache);
	dr_tables_cache = NULL;
}

unsigned dr_gw_count(void)
{
	const struct dr_cache *c = dr_cur();
	return c ? c->n_gws : 0;
}

unsigned dr_rule_count(void)
{
	const struct dr_cache *c = dr_cur();
	return c ? c->n_rules : 0;
}

int dr_gwlist_parse(sip_str s, int64_t *ids, unsigned max)
{
	return dr_gwlist_parse_w(s, ids, NULL, NULL, max);
}

int dr_gwlist_parse_w(sip_str s, int64_t *ids, unsigned *weights, bool *weighted, unsigned max)
{
	unsigned n = 0;
	size_t i = 0;

	if (weighted)
		*weighted = false;
	while (i < s.len && (s.s[i] == ' ' || s.s[i] == '\t'))
		i++;
	if (i == s.len)
		return -1;
	while (i < s.len) {
		int64_t v = 0, w = 1;
		size_t start = i;
		while (i < s.len && s.s[i] >= '0' && s.s[i] <= '9') {
			if (v > (INT64_MAX - 9) / 10)
				return -1;
			v = v * 10 + (s.s[i++] - '0');
		}
		if (i == start || v <= 0)
			return -1;
		if (i < s.len && s.s[i] == '=') {
			/* OpenSIPS's "ID=WEIGHT": the rule picks by weight. */
			size_t ws = ++i;
			w = 0;
			while (i < s.len && s.s[i] >= '0' && s.s[i] <= '9') {
				w = w * 10 + (s.s[i++] - '0');
				if (w > DR_MAX_WEIGHT)
					return -1;
			}
			if (i == ws)
				return -1;
			if (weighted)
				*weighted = true;
		}
		if (n < max) {
			ids[n] = v;
			if (weights)
				weights[n] = (unsigned)w;
		}
		n++;
		while (i < s.len && (s.s[i] == ' ' || s.s[i] == '\t'))
			i++;
		if (i == s.len)
			break;
		if (s.s[i++] != ',')
			return -1;
		while (i < s.len && (s.s[i] == ' ' || s.s[i] == '\t'))
			i++;
		if (i == s.len)
			return -1;      /* a trailing comma */
	}
	return n > max ? (int)max : (int)n;
}

static int dr_gw_cmp(const void *a, const void *b)
{
	const dr_gw *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int dr_rule_cmp(const void *a, const void *b)
{
	const dr_rule *x = a, *y = b;
	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	if (x->prefix.len != y->prefix.len)
		return x->prefix.len > y->prefix.len ? -1 : 1;
	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The loader (on the database worker's thread): both tables into a new
 * snapshot. */
static int dr_load(db *d, void **out)
{
	int64_t ng = 0, nr = 0;
	int rc;

	if ((rc = db_query_int(d, "SELECT count(*) FROM dr_gateway", &ng)) != SIP_OK ||
	    (rc = db_query_int(d, "SELECT count(*) FROM dr_rule", &nr)) != SIP_OK)
		return rc;
	struct dr_cache *c = sip_mem_alloc(sizeof *c);
	if (!c)
		return SIP_NOMEM;
	memset(c, 0, sizeof *c);
	sip_arena_init(&c->arena, 4096);
	c->gws = sip_arena_alloc(&c->arena, (size_t)(ng + 1) * sizeof *c->gws);
	c->rules = sip_arena_alloc(&c->arena, (size_t)(nr + 1) * sizeof *c->rules);
	if (!c->gws || !c->rules) {
		dr_cache_free(c);
		return SIP_NOMEM;
	}
	db_stmt *st = NULL;
	if ((rc = db_prepare(d, "SELECT id, address, strip, prefix, attrs, probe FROM dr_gateway",
			     &st)) != SIP_OK)
		goto fail;
	/* Rows added between the count and this query wait for the next
	 * refresh. */
	while ((rc = db_step(st)) == DB_ROW && c->n_gws < ng) {
		dr_gw *g = &c->gws[c->n_gws++];
		g->id = db_column_int(st, 0);
		g->address = sip_arena_strdup(&c->arena, db_column_text(st, 1));
		int64_t strip = db_column_int(st, 2);
		g->strip = strip < 0 ? 0 : strip > 64 ? 64 : (int)strip;
		g->prefix = sip_arena_strdup(&c->arena, db_column_text(st, 3));
		g->attrs = sip_arena_strdup(&c->arena, db_column_text(st, 4));
		g->probe = db_column_int(st, 5) != 0;
	}
	db_finalize(st);
	st = NULL;
	if (rc != SIP_OK && rc != DB_ROW)
		goto fail;
	if ((rc = db_prepare(d, "SELECT id, groupid, prefix, priority, gwlist FROM dr_rule", &st))
	    != SIP_OK)
		goto fail;
	while ((rc = db_step(st)) == DB_ROW && c->n_rules < nr) {
		dr_rule *r = &c->rules[c->n_rules];
		memset(r, 0, sizeof *r);
		r->id = db_column_int(st, 0);
		r->group = db_column_int(st, 1);
		r->prefix = sip_arena_strdup(&c->arena, db_column_text(st, 2));
		r->priority = db_column_int(st, 3);
		int n = dr_gwlist_parse_w(db_column_text(st, 4), r->gws, r->weights, &r->weighted,
					  DR_MAX_GWLIST);
		if (n <= 0)
			continue;       /* sipcc-ctl writes none such; a hand-made row */
		r->n_gws = (unsigned)n;
		c->n_rules++;
	}
	db_finalize(st);
	st = NULL;
	if (rc != SIP_OK && rc != DB_ROW)
		goto fail;
	qsort(c->gws, c->n_gws, sizeof *c->gws, dr_gw_cmp);
	qsort(c->rules, c->n_rules, sizeof *c->rules, dr_rule_cmp);
	*out = c;
	return SIP_OK;
fail:
	db_finalize(st);
	dr_cache_free(c);
	return rc;
}

static void (*dr_on_loaded)(void);

void dr_table_on_loaded(void (*fn)(void))
{
	dr_on_loaded = fn;
}

unsigned dr_gw_at(unsigned i, const dr_gw **out)
{
	const struct dr_cache *c = dr_cur();
	*out = c && i < c->n_gws ? &c->gws[i] : NULL;
	return c ? c->n_gws : 0;
}

/* A new snapshot is in use: the health states follow it; say so when the
 * numbers changed. */
static void dr_loaded(db_cache *dc, const void *snap)
{
	static unsigned n_gws, n_rules;
	static bool logged;
	const struct dr_cache *c = snap;
	(void)dc;
	if (dr_on_loaded)
		dr_on_loaded();
	if (logged && n_gws == c->n_gws && n_rules == c->n_rules)
		return;
	n_gws = c->n_gws;
	n_rules = c->n_rules;
	logged = true;
	LOG_NOTICE("drouting: %u gateways, %u rules", n_gws, n_rules);
}

static const db_cache_def dr_tables_def = {
	.name = "dr", .load = dr_load, .free = dr_cache_free, .loaded = dr_loaded,
	.tables = (const char *const[]){ "dr_gateway", "dr_rule", NULL },
};

db_cache *dr_tables(void)
{
	if (!dr_tables_cache && db_cache_create(&dr_tables_def, &dr_tables_cache) != SIP_OK)
		return NULL;
	return dr_tables_cache;
}

int dr_refresh(db *d)
{
	db_cache *c = dr_tables();
	return c ? db_cache_load_now(c, d) : SIP_NOMEM;
}

const dr_gw *dr_gw_find(int64_t id)
{
	const struct dr_cache *c = dr_cur();
	if (!c)
		return NULL;
	dr_gw key = { .id = id };
	return bsearch(&key, c->gws, c->n_gws, sizeof key, dr_gw_cmp);
}

/* The rules are sorted so that the first of the group whose prefix the
 * number begins with is the answer: longest prefix first, then priority. */
const dr_rule *dr_match(int64_t group, sip_str number)
{
	const struct dr_cache *c = dr_cur();
	if (!c)
		return NULL;
	unsigned lo = 0, hi = c->n_rules;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (c->rules[mid].group < group)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (unsigned i = lo; i < c->n_rules && c->rules[i].group == group; i++) {
		const dr_rule *r = &c->rules[i];
		if (r->prefix.len <= number.len &&
		    (r->prefix.len == 0 || memcmp(r->prefix.s, number.s, r->prefix.len) == 0))
			return r;
	}
	return NULL;
}

sip_str dr_rewrite(const dr_gw *gw, sip_str number, sip_arena *a)
{
	size_t strip = (size_t)gw->strip < number.len ? (size_t)gw->strip : number.len;
	size_t n = gw->prefix.len + number.len - strip;
	char *p = sip_arena_alloc(a, n + 1);
	if (!p)
		return SIP_STR_NULL;
	if (gw->prefix.len)
		memcpy(p, gw->prefix.s, gw->prefix.len);
	if (number.len > strip)
		memcpy(p + gw->prefix.len, number.s + strip, number.len - strip);
	p[n] = '\0';
	return sip_str_make(p, n);
}
