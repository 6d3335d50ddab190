/* The usr_preferences cache (prefs.h): one snapshot of the whole table,
 * built by the database worker, looked up by (user, domain, attribute)
 * without waiting for the database. */
#include "prefs/prefs.h"

#include <string.h>
#include <strings.h>
#include "core/arena.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/status.h"
#include "db/db_rows.h"

struct prefs_row {
	struct prefs_row *next;
	uint32_t hash;
	int type;
	sip_str user, domain, attr, value;
};

struct prefs_snap {
	sip_arena arena;            /* first: db_snap_new() */
	struct prefs_row **buckets;
	uint32_t mask;
	unsigned n;
};

static db_cache *prefs_cache;

const db_upsert prefs_upsert = {
	.table = "usr_preferences",
	.cols = (const char *const[]){ "username", "domain", "attribute", "type", "value" },
	.ncols = 5, .nkey = 3,
};

/* The domain is lowercase on both sides (stored so, and owners parse to
 * it); the hash ignores case all the same, as every user@host key does. */
static uint32_t prefs_hash(sip_str user, sip_str domain, sip_str attr)
{
	return sip_hash_more(sip_hash_user_host(user, domain), attr.s, attr.len);
}

static void prefs_lower(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] + 32);
}

/* On the database worker's thread: the whole table into a new snapshot.
 * The count sizes the hash table; rows added between the two queries are
 * still loaded (the table only grows longer chains). */
static int prefs_load(db *d, void **out)
{
	int64_t n = 0;
	int rc = db_query_int(d, "SELECT count(*) FROM usr_preferences", &n);
	if (rc != SIP_OK)
		return rc;
	struct prefs_snap *c = db_snap_new(sizeof *c, 16384);
	if (!c)
		return SIP_NOMEM;
	c->buckets = db_snap_buckets(&c->arena, n, &c->mask);
	if (!c->buckets) {
		db_snap_free(c);
		return SIP_NOMEM;
	}
	db_stmt *st = NULL;
	if ((rc = db_prepare(d, "SELECT username, domain, attribute, type, value"
			     " FROM usr_preferences", &st)) != SIP_OK) {
		db_snap_free(c);
		return rc;
	}
	while ((rc = db_step(st)) == DB_ROW) {
		struct prefs_row *r = sip_arena_alloc(&c->arena, sizeof *r);
		if (!r) {
			rc = SIP_NOMEM;
			break;
		}
		r->user = sip_arena_strdup(&c->arena, db_column_text(st, 0));
		r->domain = sip_arena_strdup_lower(&c->arena, db_column_text(st, 1));
		r->attr = sip_arena_strdup(&c->arena, db_column_text(st, 2));
		r->type = (int)db_column_int(st, 3);
		r->value = sip_arena_strdup(&c->arena, db_column_text(st, 4));
		r->hash = prefs_hash(r->user, r->domain, r->attr);
		r->next = c->buckets[r->hash & c->mask];
		c->buckets[r->hash & c->mask] = r;
		c->n++;
	}
	db_finalize(st);
	if (rc != SIP_OK) {
		db_snap_free(c);
		return rc;
	}
	*out = c;
	return SIP_OK;
}

static void prefs_loaded(db_cache *cache, const void *snap)
{
	(void)cache;
	const struct prefs_snap *c = snap;
	LOG_INFO("prefs: %u attributes loaded", c->n);
}

static const db_cache_def prefs_def = {
	.name = "prefs", .load = prefs_load, .free = db_snap_free, .loaded = prefs_loaded,
	.tables = (const char *const[]){ "usr_preferences", NULL },
};

db_cache *prefs_table(void)
{
	return db_cache_once(&prefs_def, &prefs_cache);
}

int prefs_refresh(db *d)
{
	return db_cache_refresh(prefs_table(), d);
}

void prefs_cache_clear(void)
{
	db_cache_destroy(prefs_cache);
	prefs_cache = NULL;
}

unsigned prefs_count(void)
{
	const struct prefs_snap *c = prefs_cache ? db_cache_get(prefs_cache) : NULL;
	return c ? c->n : 0;
}

static const struct prefs_row *prefs_get(const struct prefs_snap *c, sip_str user, sip_str domain,
					 sip_str attr)
{
	uint32_t h = prefs_hash(user, domain, attr);
	for (const struct prefs_row *r = c->buckets[h & c->mask]; r; r = r->next)
		if (r->hash == h && sip_str_eq(r->user, user) && sip_str_eq(r->domain, domain)
		    && sip_str_eq(r->attr, attr))
			return r;
	return NULL;
}

bool prefs_find(sip_str user, sip_str domain, sip_str attr, sip_str *value, int *type)
{
	const struct prefs_snap *c = prefs_cache ? db_cache_get(prefs_cache) : NULL;
	if (!c)
		return false;
	const struct prefs_row *r = prefs_get(c, user, domain, attr);
	if (!r && user.len)
		r = prefs_get(c, SIP_STR_NULL, domain, attr);
	if (!r)
		return false;
	*value = r->value;
	if (type)
		*type = r->type;
	return true;
}

bool prefs_owner_parse(sip_str owner, sip_str *user, char *dom, sip_str *domain)
{
	const char *s = owner.s, *end = owner.s + owner.len;
	if (owner.len >= 5 && strncasecmp(s, "sips:", 5) == 0)
		s += 5;
	else if (owner.len >= 4 && strncasecmp(s, "sip:", 4) == 0)
		s += 4;
	const char *at = memchr(s, '@', (size_t)(end - s));
	if (!at)
		return false;
	const char *h = at + 1, *he = h;
	while (he < end && *he != ':' && *he != ';' && *he != '?' && *he != '>')
		he++;
	size_t ul = (size_t)(at - s), dl = (size_t)(he - h);
	if (!dl || dl > PREFS_DOMAIN_MAX || ul > PREFS_USER_MAX || memchr(h, '@', dl))
		return false;
	memcpy(dom, h, dl);
	dom[dl] = '\0';
	prefs_lower(dom, dl);
	*user = sip_str_make(ul ? s : "", ul);
	*domain = sip_str_make(dom, dl);
	return true;
}

bool prefs_value_int(sip_str v, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	if (i < v.len && (v.s[i] == '-' || v.s[i] == '+'))
		neg = v.s[i++] == '-';
	if (i == v.len)
		return false;
	uint64_t n = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < v.len; i++) {
		if (v.s[i] < '0' || v.s[i] > '9')
			return false;
		unsigned dg = (unsigned)(v.s[i] - '0');
		if (n > (lim - dg) / 10)
			return false;
		n = n * 10 + dg;
	}
	*out = neg ? (int64_t)(0 - n) : (int64_t)n;
	return true;
}
