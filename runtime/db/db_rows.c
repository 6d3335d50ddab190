/* Pieces of a cached table's snapshot (see db_rows.h). */
#include "db/db_rows.h"

#include <string.h>
#include "core/hash.h"
#include "core/log.h"
#include "core/status.h"

db_cache *db_cache_once(const db_cache_def *def, db_cache **slot)
{
	if (!*slot && db_cache_create(def, slot) != SIP_OK)
		*slot = NULL;
	return *slot;
}

int db_cache_refresh(db_cache *c, db *d)
{
	return c ? db_cache_load_now(c, d) : SIP_NOMEM;
}

void *db_snap_new(size_t size, size_t block_size)
{
	void *p = sip_mem_alloc(size);
	if (!p)
		return NULL;
	memset(p, 0, size);
	sip_arena_init((sip_arena *)p, block_size);
	return p;
}

void db_snap_free(void *snap)
{
	if (!snap)
		return;
	sip_arena_destroy((sip_arena *)snap);
	sip_mem_free(snap);
}

/* Room for n rows at one per bucket on average, bounded (2^25 buckets)
 * so that a count gone wrong cannot ask for gigabytes. */
void *db_snap_buckets(sip_arena *a, int64_t n, uint32_t *mask)
{
	uint32_t m = 63;
	while (m + 1 < (uint64_t)n && m < (1u << 24))
		m = m * 2 + 1;
	size_t sz = ((size_t)m + 1) * sizeof(void *);
	void *b = sip_arena_alloc(a, sz);
	if (!b)
		return NULL;
	memset(b, 0, sz);
	*mask = m;
	return b;
}

db_bad_row *db_bad_rows_new(sip_arena *a, int64_t n)
{
	return sip_arena_alloc(a, (size_t)((n > 0 ? n : 0) + 1) * sizeof(db_bad_row));
}

void db_bad_row_add(db_bad_row *bad, unsigned *n_bad, int64_t id, const char *why)
{
	bad[*n_bad].id = id;
	bad[*n_bad].why = sip_str_make(why, strlen(why));
	(*n_bad)++;
}

/* A digest of the count and every bad row stands for the last report: a
 * collision costs at most one report not logged. */
bool db_rows_report_bad(db_rows_report *r, const char *row, const char *verb, unsigned n,
			const db_bad_row *bad, unsigned n_bad)
{
	uint32_t h = sip_hash_more(SIP_HASH_INIT, &n, sizeof n);
	for (unsigned i = 0; i < n_bad; i++)
		h = sip_hash_sep(sip_hash_more(sip_hash_more(h, &bad[i].id, sizeof bad[i].id),
					       bad[i].why.s, bad[i].why.len));
	if (r->logged && h == r->last)
		return false;
	r->last = h;
	r->logged = true;
	for (unsigned i = 0; i < n_bad; i++)
		LOG_ERR("%s %lld %s: " SIP_STR_FMT, row, (long long)bad[i].id, verb,
			SIP_STR_ARG(bad[i].why));
	return true;
}
