/* The credential cache (see auth_cache.h). */
#include "auth/auth_cache.h"

#include <string.h>
#include "core/hash.h"
#include "core/status.h"

/* Buckets to start with; the table grows to max / 2 buckets. */
#define AUTH_CACHE_BITS 8

static struct {
	sip_htable table;              /* entries by user and realm */
	struct auth_cache_ent *oldest, *newest;
	void (*free_ent)(struct auth_cache_ent *e);
	uint64_t keep_ms;
	unsigned long max;
} C;

void auth_cache_init(void (*free_ent)(struct auth_cache_ent *e), uint64_t keep_ms,
		     unsigned long max)
{
	auth_cache_clear();
	C.free_ent = free_ent;
	C.keep_ms = keep_ms;
	C.max = max ? max : 1;
}

static uint32_t auth_key_hash(sip_str user, sip_str realm)
{
	uint32_t h = sip_hash_sep(sip_hash_str(user));
	return sip_hash_more(h, realm.s, realm.len);
}

struct auth_key {
	sip_str user, realm;
};

static bool auth_cache_eq(const sip_hlink *l, const void *key)
{
	const struct auth_cache_ent *e = SIP_HTABLE_ENTRY(l, struct auth_cache_ent, link);
	const struct auth_key *k = key;
	return sip_str_eq(e->user, k->user) && sip_str_eq(e->realm, k->realm);
}

static void auth_cache_drop(struct auth_cache_ent *e)
{
	sip_htable_remove(&C.table, &e->link);
	if (e->older)
		e->older->newer = e->newer;
	else
		C.oldest = e->newer;
	if (e->newer)
		e->newer->older = e->older;
	else
		C.newest = e->older;
	C.free_ent(e);
}

static struct auth_cache_ent *cache_find(sip_str user, sip_str realm)
{
	struct auth_key k = { user, realm };
	sip_hlink *l = sip_htable_find(&C.table, auth_key_hash(user, realm), auth_cache_eq, &k);
	return l ? SIP_HTABLE_ENTRY(l, struct auth_cache_ent, link) : NULL;
}

void auth_cache_insert(struct auth_cache_ent *e, sip_str user, sip_str realm, uint64_t now)
{
	if (!sip_htable_ready(&C.table) &&
	    sip_htable_init(&C.table, AUTH_CACHE_BITS) != SIP_OK) {
		C.free_ent(e);
		return;
	}
	struct auth_cache_ent *old = cache_find(user, realm);
	if (old)
		auth_cache_drop(old);
	while (C.oldest && (now >= C.oldest->until || sip_htable_count(&C.table) >= C.max))
		auth_cache_drop(C.oldest);
	e->user = user;
	e->realm = realm;
	e->until = now + C.keep_ms;
	e->newer = NULL;
	e->older = C.newest;
	if (C.newest)
		C.newest->newer = e;
	else
		C.oldest = e;
	C.newest = e;
	sip_htable_insert(&C.table, &e->link, auth_key_hash(user, realm));
}

struct auth_cache_ent *auth_cache_lookup(sip_str user, sip_str realm, uint64_t now)
{
	struct auth_cache_ent *e = cache_find(user, realm);
	if (e && now >= e->until) {
		auth_cache_drop(e);
		return NULL;
	}
	return e;
}

unsigned long auth_cache_count(void)
{
	return sip_htable_count(&C.table);
}

void auth_cache_clear(void)
{
	while (C.oldest)
		auth_cache_drop(C.oldest);
	sip_htable_destroy(&C.table);
}
