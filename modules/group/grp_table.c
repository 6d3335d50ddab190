/* The membership cache of the group module (group.h). */
#include "group/group.h"

#include <string.h>
#include "core/arena.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/status.h"
#include "db/db_rows.h"

struct grp_entry {
	struct grp_entry *next;
	uint32_t hash;
	sip_str user, host, grp;    /* host lowercased; "" for every domain */
};

/* One snapshot (db/db_cache.h): a hash set of (user, host, group) in one
 * arena, built by the database worker and swapped in whole. */
struct grp_cache {
	sip_arena arena;            /* first: db_snap_new() */
	struct grp_entry **buckets;
	uint32_t mask;
	unsigned n;
};

static db_cache *grp_cache_c;

static const struct grp_cache *grp_cur(void)
{
	return grp_cache_c ? db_cache_get(grp_cache_c) : NULL;
}

void group_cache_clear(void)
{
	db_cache_destroy(grp_cache_c);
	grp_cache_c = NULL;
}

unsigned group_count(void)
{
	const struct grp_cache *c = grp_cur();
	return c ? c->n : 0;
}

/* The host hashes lowercased, so that the key needs no copy to look up. */
static uint32_t grp_hash(sip_str user, sip_str host, sip_str grp)
{
	return sip_hash_more(sip_hash_user_host(user, host), grp.s, grp.len);
}

/* The loader (on the database worker's thread): the whole table into a
 * new snapshot. */
static int grp_load(db *d, void **out)
{
	int64_t n = 0;
	int rc;
	if ((rc = db_query_int(d, "SELECT count(*) FROM grp", &n)) != SIP_OK)
		return rc;
	struct grp_cache *c = db_snap_new(sizeof *c, 4096);
	if (!c)
		return SIP_NOMEM;
	c->buckets = db_snap_buckets(&c->arena, n, &c->mask);
	if (!c->buckets) {
		db_snap_free(c);
		return SIP_NOMEM;
	}
	db_stmt *st = NULL;
	if ((rc = db_prepare(d, "SELECT username, domain, grp FROM grp", &st)) != SIP_OK)
		goto fail;
	while ((rc = db_step(st)) == DB_ROW) {
		struct grp_entry *e = sip_arena_alloc(&c->arena, sizeof *e);
		if (!e) {
			rc = SIP_NOMEM;
			break;
		}
		e->user = sip_arena_strdup(&c->arena, db_column_text(st, 0));
		e->host = sip_arena_strdup_lower(&c->arena, db_column_text(st, 1));
		e->grp = sip_arena_strdup(&c->arena, db_column_text(st, 2));
		if (!e->user.len || !e->grp.len)
			continue;       /* a hand-written row that names no one */
		e->hash = grp_hash(e->user, e->host, e->grp);
		e->next = c->buckets[e->hash & c->mask];
		c->buckets[e->hash & c->mask] = e;
		c->n++;
	}
	db_finalize(st);
	if (rc != SIP_OK)
		goto fail;
	*out = c;
	return SIP_OK;
fail:
	db_snap_free(c);
	return rc;
}

/* A new snapshot is in use: say so when the number changed. */
static void grp_loaded(db_cache *dc, const void *snap)
{
	static db_rows_report report;
	const struct grp_cache *c = snap;
	(void)dc;
	if (db_rows_report_bad(&report, NULL, NULL, c->n, NULL, 0))
		LOG_NOTICE("group: %u memberships", c->n);
}

static const db_cache_def grp_def = {
	.name = "group", .load = grp_load, .free = db_snap_free, .loaded = grp_loaded,
	.tables = (const char *const[]){ "grp", NULL },
};

db_cache *group_table(void)
{
	return db_cache_once(&grp_def, &grp_cache_c);
}

int group_refresh(db *d)
{
	return db_cache_refresh(group_table(), d);
}

static bool grp_find(const struct grp_cache *c, sip_str user, sip_str host, sip_str grp)
{
	uint32_t h = grp_hash(user, host, grp);
	for (const struct grp_entry *e = c->buckets[h & c->mask]; e; e = e->next)
		if (e->hash == h && sip_str_eq(e->user, user) && sip_str_caseeq(e->host, host) &&
		    sip_str_eq(e->grp, grp))
			return true;
	return false;
}

bool group_is_member(sip_str user, sip_str host, sip_str grp)
{
	const struct grp_cache *c = grp_cur();
	if (!c || !user.len || !grp.len)
		return false;
	return grp_find(c, user, host, grp) || (host.len && grp_find(c, user, SIP_STR_NULL, grp));
}

bool group_name_valid(sip_str s)
{
	if (!s.len || s.len > GROUP_NAME_MAX)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		char ch = s.s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '_' || ch == '-' || ch == '.'))
			return false;
	}
	return true;
}
