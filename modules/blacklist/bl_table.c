/* The blacklist cache (blacklist.h). */
#include "blacklist/blacklist.h"

#include <string.h>
#include "core/arena.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/status.h"
#include "db/db_rows.h"

struct bl_entry {
	struct bl_entry *next;
	uint32_t hash;
	sip_str user, host, prefix; /* host lowercased; both "" for the global list */
	bool whitelist;
	int64_t id;
};

/* One snapshot (db/db_cache.h): a hash of (user, host, prefix) in one
 * arena, built by the database worker and swapped in whole. A number is
 * looked up by its prefixes, longest first, so a lookup costs at most
 * max_prefix + 1 probes per list whatever the size of the table. */
struct bl_cache {
	sip_arena arena;            /* first: db_snap_new() */
	struct bl_entry **buckets;
	uint32_t mask;
	unsigned n, max_prefix;
	db_bad_row *bad;
	unsigned n_bad;
};

static db_cache *bl_cache_c;

static const struct bl_cache *bl_cur(void)
{
	return bl_cache_c ? db_cache_get(bl_cache_c) : NULL;
}

void bl_cache_clear(void)
{
	db_cache_destroy(bl_cache_c);
	bl_cache_c = NULL;
}

unsigned bl_count(void)
{
	const struct bl_cache *c = bl_cur();
	return c ? c->n : 0;
}

unsigned bl_skipped(void)
{
	const struct bl_cache *c = bl_cur();
	return c ? c->n_bad : 0;
}

bool bl_prefix_valid(sip_str s)
{
	if (s.len > BL_PREFIX_MAX)
		return false;
	for (size_t i = 0; i < s.len; i++)
		if (s.s[i] < '0' || s.s[i] > '9')
			return false;
	return true;
}

static uint32_t bl_hash(sip_str user, sip_str host, sip_str prefix)
{
	return sip_hash_more(sip_hash_user_host(user, host), prefix.s, prefix.len);
}

/* The loader (on the database worker's thread): the whole table into a
 * new snapshot; rows no lookup could use are left out and listed. */
static int bl_load(db *d, void **out)
{
	int64_t n = 0;
	int rc;
	if ((rc = db_query_int(d, "SELECT count(*) FROM blacklist", &n)) != SIP_OK)
		return rc;
	struct bl_cache *c = db_snap_new(sizeof *c, 4096);
	if (!c)
		return SIP_NOMEM;
	c->buckets = db_snap_buckets(&c->arena, n, &c->mask);
	c->bad = db_bad_rows_new(&c->arena, n);
	if (!c->buckets || !c->bad) {
		db_snap_free(c);
		return SIP_NOMEM;
	}
	db_stmt *st = NULL;
	if ((rc = db_prepare(d, "SELECT id, username, domain, prefix, whitelist FROM blacklist"
			     " ORDER BY id", &st)) != SIP_OK)
		goto fail;
	while ((rc = db_step(st)) == DB_ROW && c->n + c->n_bad < n) {
		struct bl_entry *e = sip_arena_alloc(&c->arena, sizeof *e);
		if (!e) {
			rc = SIP_NOMEM;
			break;
		}
		e->id = db_column_int(st, 0);
		e->user = sip_arena_strdup(&c->arena, db_column_text(st, 1));
		e->host = sip_arena_strdup_lower(&c->arena, db_column_text(st, 2));
		e->prefix = sip_arena_strdup(&c->arena, db_column_text(st, 3));
		e->whitelist = db_column_int(st, 4) != 0;
		const char *why = NULL;
		if (!bl_prefix_valid(e->prefix))
			why = sip_arena_printf(&c->arena, "bad prefix '" SIP_STR_FMT "' (up to %d digits)",
					       SIP_STR_ARG(e->prefix), BL_PREFIX_MAX).s;
		else if (!e->user.len && e->host.len)
			why = sip_arena_printf(&c->arena, "domain '" SIP_STR_FMT "' without a username"
					       " (a global row has neither)", SIP_STR_ARG(e->host)).s;
		if (why) {
			db_bad_row_add(c->bad, &c->n_bad, e->id, why);
			continue;
		}
		e->hash = bl_hash(e->user, e->host, e->prefix);
		e->next = c->buckets[e->hash & c->mask];
		c->buckets[e->hash & c->mask] = e;
		if (e->prefix.len > c->max_prefix)
			c->max_prefix = (unsigned)e->prefix.len;
		c->n++;
	}
	db_finalize(st);
	if (rc != SIP_OK && rc != DB_ROW)
		goto fail;
	*out = c;
	return SIP_OK;
fail:
	db_snap_free(c);
	return rc;
}

/* A new snapshot is in use: the number of rows and those left out, when
 * that changed. */
static void bl_loaded(db_cache *dc, const void *snap)
{
	static db_rows_report report;
	const struct bl_cache *c = snap;
	(void)dc;
	if (db_rows_report_bad(&report, "blacklist: row", "skipped", c->n, c->bad, c->n_bad))
		LOG_NOTICE("blacklist: %u prefixes%s", c->n, c->n_bad ? " (bad rows skipped)" : "");
}

static const db_cache_def bl_def = {
	.name = "blacklist", .load = bl_load, .free = db_snap_free, .loaded = bl_loaded,
	.tables = (const char *const[]){ "blacklist", NULL },
};

db_cache *bl_table(void)
{
	return db_cache_once(&bl_def, &bl_cache_c);
}

int bl_refresh(db *d)
{
	return db_cache_refresh(bl_table(), d);
}

static const struct bl_entry *bl_find(const struct bl_cache *c, sip_str user, sip_str host,
				      sip_str prefix)
{
	uint32_t h = bl_hash(user, host, prefix);
	for (const struct bl_entry *e = c->buckets[h & c->mask]; e; e = e->next)
		if (e->hash == h && sip_str_eq(e->prefix, prefix) && sip_str_eq(e->user, user) &&
		    sip_str_caseeq(e->host, host))
			return e;
	return NULL;
}

/* The row of one list with the longest prefix of number; for a
 * subscriber, a row of its domain before one for every domain. */
static const struct bl_entry *bl_longest(const struct bl_cache *c, sip_str user, sip_str host,
					 sip_str number)
{
	size_t len = number.len < c->max_prefix ? number.len : c->max_prefix;
	for (size_t i = len + 1; i-- > 0;) {
		sip_str p = sip_str_make(number.s, i);
		const struct bl_entry *e = bl_find(c, user, host, p);
		if (!e && user.len && host.len)
			e = bl_find(c, user, SIP_STR_NULL, p);
		if (e)
			return e;
	}
	return NULL;
}

bool bl_allowed(sip_str user, sip_str host, sip_str number, int64_t *row)
{
	const struct bl_cache *c = bl_cur();
	if (!c || !c->n)
		return true;
	while (number.len && (number.s[0] < '0' || number.s[0] > '9'))
		number = sip_str_make(number.s + 1, number.len - 1);
	const struct bl_entry *e = user.len ? bl_longest(c, user, host, number) : NULL;
	if (!e || e->whitelist)
		e = bl_longest(c, SIP_STR_NULL, SIP_STR_NULL, number);
	if (!e || e->whitelist)
		return true;
	if (row)
		*row = e->id;
	return false;
}
