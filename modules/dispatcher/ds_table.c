/* The destination cache and the selection algorithms of the dispatcher
 * (dispatcher.h). */
#include "dispatcher/dispatcher.h"

#include <stdlib.h>
#include <string.h>
#include "core/log.h"
#include "core/status.h"
#include "sip/msg.h"

/* One snapshot of the table: everything in one arena, built by the
 * database worker and swapped in whole. */
struct ds_cache {
	sip_arena arena;
	ds_dst *dsts;               /* by set, priority (highest first), id */
	unsigned n_dsts;
	ds_set *sets;               /* by id; each points into dsts */
	unsigned n_sets;
};

static db_cache *ds_cache_ptr;

static void ds_cache_free(void *p)
{
	struct ds_cache *c = p;
	if (!c)
		return;
	sip_arena_destroy(&c->arena);
	sip_mem_free(c);
}

static const struct ds_cache *ds_cur(void)
{
	return ds_cache_ptr ? db_cache_get(ds_cache_ptr) : NULL;
}

void ds_cache_clear(void)
{
	db_cache_destroy(ds_cache_ptr);
	ds_cache_ptr = NULL;
}

unsigned ds_dst_count(void)
{
	const struct ds_cache *c = ds_cur();
	return c ? c->n_dsts : 0;
}

unsigned ds_set_count(void)
{
	const struct ds_cache *c = ds_cur();
	return c ? c->n_sets : 0;
}

const ds_set *ds_set_at(unsigned i)
{
	const struct ds_cache *c = ds_cur();
	return c && i < c->n_sets ? &c->sets[i] : NULL;
}

const ds_set *ds_set_find(int64_t setid)
{
	const struct ds_cache *c = ds_cur();
	if (!c)
		return NULL;
	unsigned lo = 0, hi = c->n_sets;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (c->sets[mid].id == setid)
			return &c->sets[mid];
		if (c->sets[mid].id < setid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool ds_alg_valid(int64_t alg)
{
	switch (alg) {
	case DS_ALG_HASH_CALLID: case DS_ALG_HASH_FROM: case DS_ALG_HASH_TO:
	case DS_ALG_HASH_RURI: case DS_ALG_ROUND_ROBIN: case DS_ALG_RANDOM:
	case DS_ALG_PRIORITY: case DS_ALG_WEIGHTED:
		return true;
	}
	return false;
}

const char *ds_uri_check(sip_str s)
{
	sip_uri u;
	if (!s.len)
		return "empty";
	if (s.len > 255)
		return "longer than 255 characters";
	if (sip_uri_parse(s, &u) != SIP_OK || !u.is_sip)
		return "not a sip: or sips: URI";
	if (!u.host.len)
		return "no host";
	return NULL;
}

static int ds_dst_cmp(const void *a, const void *b)
{
	const ds_dst *x = a, *y = b;
	if (x->setid != y->setid)
		return x->setid < y->setid ? -1 : 1;
	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The loader (on the database worker's thread). A row whose URI the
 * module could not send to is logged with its id and left out. */
static int ds_load(db *d, void **out)
{
	int64_t n = 0;
	int rc;
	if ((rc = db_query_int(d, "SELECT count(*) FROM dispatcher", &n)) != SIP_OK)
		return rc;
	struct ds_cache *c = sip_mem_alloc(sizeof *c);
	if (!c)
		return SIP_NOMEM;
	memset(c, 0, sizeof *c);
	sip_arena_init(&c->arena, 4096);
	c->dsts = sip_arena_alloc(&c->arena, (size_t)(n + 1) * sizeof *c->dsts);
	c->sets = sip_arena_alloc(&c->arena, (size_t)(n + 1) * sizeof *c->sets);
	if (!c->dsts || !c->sets) {
		ds_cache_free(c);
		return SIP_NOMEM;
	}
	db_stmt *st = NULL;
	if ((rc = db_prepare(d, "SELECT id, setid, destination, flags, priority, weight, attrs,"
			     " description FROM dispatcher", &st)) != SIP_OK)
		goto fail;
	while ((rc = db_step(st)) == DB_ROW && c->n_dsts < n) {
		ds_dst *x = &c->dsts[c->n_dsts];
		x->id = db_column_int(st, 0);
		x->setid = db_column_int(st, 1);
		sip_str uri = db_column_text(st, 2);
		const char *why = ds_uri_check(uri);
		if (why) {
			LOG_WARN("dispatcher: destination %lld of set %lld left out: '" SIP_STR_FMT
				 "' is %s", (long long)x->id, (long long)x->setid, SIP_STR_ARG(uri), why);
			continue;
		}
		x->uri = sip_arena_strdup(&c->arena, uri);
		x->flags = (int)db_column_int(st, 3);
		x->priority = db_column_int(st, 4);
		int64_t w = db_column_int(st, 5);
		x->weight = w < 0 ? 0 : w > 1000000 ? 1000000 : (unsigned)w;
		x->attrs = sip_arena_strdup(&c->arena, db_column_text(st, 6));
		x->description = sip_arena_strdup(&c->arena, db_column_text(st, 7));
		c->n_dsts++;
	}
	db_finalize(st);
	if (rc != SIP_OK && rc != DB_ROW) {
		st = NULL;
		goto fail;
	}
	qsort(c->dsts, c->n_dsts, sizeof *c->dsts, ds_dst_cmp);
	for (unsigned i = 0; i < c->n_dsts; i++) {
		if (!c->n_sets || c->sets[c->n_sets - 1].id != c->dsts[i].setid) {
			ds_set *s = &c->sets[c->n_sets++];
			s->id = c->dsts[i].setid;
			s->dsts = &c->dsts[i];
			s->n = 0;
		}
		c->sets[c->n_sets - 1].n++;
	}
	*out = c;
	return SIP_OK;
fail:
	db_finalize(st);
	ds_cache_free(c);
	return rc;
}

static void (*ds_on_loaded)(void);

void ds_table_on_loaded(void (*fn)(void))
{
	ds_on_loaded = fn;
}

static void ds_loaded(db_cache *dc, const void *snap)
{
	static unsigned n_dsts, n_sets;
	static bool logged;
	const struct ds_cache *c = snap;
	(void)dc;
	if (ds_on_loaded)
		ds_on_loaded();
	if (logged && n_dsts == c->n_dsts && n_sets == c->n_sets)
		return;
	n_dsts = c->n_dsts;
	n_sets = c->n_sets;
	logged = true;
	LOG_NOTICE("dispatcher: %u destinations in %u sets", n_dsts, n_sets);
}

static const db_cache_def ds_def = {
	.name = "dispatcher", .load = ds_load, .free = ds_cache_free, .loaded = ds_loaded,
	.tables = (const char *const[]){ "dispatcher", NULL },
};

db_cache *ds_tables(void)
{
	if (!ds_cache_ptr && db_cache_create(&ds_def, &ds_cache_ptr) != SIP_OK)
		return NULL;
	return ds_cache_ptr;
}

int ds_refresh(db *d)
{
	db_cache *c = ds_tables();
	return c ? db_cache_load_now(c, d) : SIP_NOMEM;
}

/* ---- the algorithms ---- */

/* From start, the usable destinations in set order, wrapping around. */
static unsigned ds_ring(const ds_set *s, const bool *up, unsigned start, unsigned *out,
			unsigned max)
{
	unsigned n = s->n < DS_MAX_DST ? s->n : DS_MAX_DST, k = 0;
	for (unsigned i = 0; i < n && k < max; i++) {
		unsigned j = (start + i) % n;
		if (up[j])
			out[k++] = j;
	}
	return k;
}

/* The hashing algorithms pick by key among all the set's destinations,
 * usable or not, and move on to the next usable one: a destination going
 * down moves only its own calls. Round robin takes turns among the usable
 * ones. Priority is the set's order (highest priority first). Weighted
 * and random draw. */
unsigned ds_order(const ds_set *s, int alg, const bool *up, uint32_t key, uint32_t rr,
		  uint32_t seed, unsigned *out, unsigned max)
{
	unsigned n = s->n < DS_MAX_DST ? s->n : DS_MAX_DST;
	if (!n || !max)
		return 0;
	switch (alg) {
	case DS_ALG_HASH_CALLID: case DS_ALG_HASH_FROM: case DS_ALG_HASH_TO:
	case DS_ALG_HASH_RURI:
		return ds_ring(s, up, key % n, out, max);
	case DS_ALG_ROUND_ROBIN: {
		/* Turns among the usable ones, so each gets its share while
		 * another is down. */
		unsigned m = 0, start = 0;
		for (unsigned i = 0; i < n; i++)
			m += up[i];
		if (!m)
			return 0;
		for (unsigned i = 0, k = 0; i < n; i++)
			if (up[i] && k++ == rr % m)
				start = i;
		return ds_ring(s, up, start, out, max);
	}
	case DS_ALG_RANDOM:
		return ds_ring(s, up, seed % n, out, max);
	case DS_ALG_PRIORITY:
		return ds_ring(s, up, 0, out, max);
	case DS_ALG_WEIGHTED: {
		unsigned idx[DS_MAX_DST], w[DS_MAX_DST], order[DS_MAX_DST], m = 0, k = 0;
		for (unsigned i = 0; i < n; i++) {
			/* A weight of 0 is a destination kept for failover only. */
			if (up[i] && s->dsts[i].weight) {
				idx[m] = i;
				w[m++] = s->dsts[i].weight;
			}
		}
		sip_health_weighted_order(w, m, seed, order);
		for (unsigned i = 0; i < m && k < max; i++)
			out[k++] = idx[order[i]];
		for (unsigned i = 0; i < n && k < max; i++)
			if (up[i] && !s->dsts[i].weight)
				out[k++] = i;
		return k;
	}
	}
	return 0;
}
