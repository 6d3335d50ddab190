/* The ban list (net/ban.h): a hash table of addresses, checked for every
 * packet read while it is not empty. Every worker checks it: the table is
 * under a read-write lock (the check takes it for reading, and only while
 * the list is not empty). */
#include "net/ban.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "core/arena.h"
#include "core/hash.h"
#include "core/htable.h"
#include "core/log.h"
#include "core/status.h"
#include "net/loop.h"
#include "net/tcp_int.h"

struct ban_entry {
	sip_hlink link;
	tp_ban_info info;
};

static sip_htable bans;
static pthread_rwlock_t ban_lock = PTHREAD_RWLOCK_INITIALIZER;
static uint64_t (*ban_clock)(void) = sip_loop_clock_ms;
unsigned tp_ban_n;
int64_t tp_ban_dropped;

void tp_ban_set_clock(uint64_t (*clock)(void))
{
	ban_clock = clock ? clock : sip_loop_clock_ms;
}

bool tp_addr_key_of(const sip_addr *a, tp_addr_key *k)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	memset(k, 0, sizeof *k);
	if (a->u.sa.sa_family == AF_INET) {
		k->family = AF_INET;
		k->len = 4;
		memcpy(k->b, &a->u.in.sin_addr, 4);
		return true;
	}
	if (a->u.sa.sa_family == AF_INET6) {
		const uint8_t *p = a->u.in6.sin6_addr.s6_addr;
		if (memcmp(p, mapped, sizeof mapped) == 0) {
			k->family = AF_INET;
			k->len = 4;
			memcpy(k->b, p + 12, 4);
		} else {
			k->family = AF_INET6;
			k->len = 16;
			memcpy(k->b, p, 16);
		}
		return true;
	}
	return false;
}

uint32_t tp_addr_key_hash(const tp_addr_key *k)
{
	return sip_hash_more(sip_hash_bytes(&k->family, 1), k->b, k->len);
}

bool tp_addr_key_eq(const tp_addr_key *a, const tp_addr_key *b)
{
	return a->family == b->family && a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}

const char *tp_addr_key_str(const tp_addr_key *k, char *buf, size_t sz)
{
	if (!inet_ntop(k->family == AF_INET6 ? AF_INET6 : AF_INET, k->b, buf, (socklen_t)sz))
		snprintf(buf, sz, "?");
	return buf;
}

static bool ban_eq(const sip_hlink *l, const void *key)
{
	return tp_addr_key_eq(&SIP_HTABLE_ENTRY(l, struct ban_entry, link)->info.key, key);
}

static struct ban_entry *ban_find(const tp_addr_key *k)
{
	if (!tp_ban_n)
		return NULL;
	sip_hlink *l = sip_htable_find(&bans, tp_addr_key_hash(k), ban_eq, k);
	return l ? SIP_HTABLE_ENTRY(l, struct ban_entry, link) : NULL;
}

static bool ban_expired(const struct ban_entry *e, uint64_t now)
{
	return e->info.until_ms && now >= e->info.until_ms;
}

static void ban_free(struct ban_entry *e, const char *why)
{
	char ip[64];
	sip_htable_remove(&bans, &e->link);
	__atomic_store_n(&tp_ban_n, tp_ban_n - 1, __ATOMIC_RELAXED);
	LOG_INFO("ban: %s %s (banned by %s, %llu packets dropped)",
		   tp_addr_key_str(&e->info.key, ip, sizeof ip), why, e->info.by,
		   (unsigned long long)e->info.dropped);
	sip_mem_free(e);
}

static int tp_ban_add_locked(const tp_addr_key *k, uint32_t seconds, const char *by)
{
	uint64_t now = ban_clock();
	struct ban_entry *e = ban_find(k);
	if (!e) {
		if (tp_ban_n >= TP_BAN_MAX)
			return SIP_ELIMIT;
		if (!sip_htable_ready(&bans) && sip_htable_init(&bans, 6) != SIP_OK)
			return SIP_NOMEM;
		if (!(e = sip_mem_alloc(sizeof *e)))
			return SIP_NOMEM;
		memset(e, 0, sizeof *e);
		e->info.key = *k;
		sip_htable_insert(&bans, &e->link, tp_addr_key_hash(k));
		__atomic_store_n(&tp_ban_n, tp_ban_n + 1, __ATOMIC_RELAXED);
	} else if (ban_expired(e, now)) {
		e->info.dropped = 0;
	}
	e->info.by = by;
	e->info.since_ms = now;
	e->info.until_ms = seconds ? now + (uint64_t)seconds * 1000u : 0;
	/* Its connections go too: their messages would only be dropped. */
	e->info.dropped += tcp_close_addr(k);
	return SIP_OK;
}

int tp_ban_add(const tp_addr_key *k, uint32_t seconds, const char *by)
{
	pthread_rwlock_wrlock(&ban_lock);
	int r = tp_ban_add_locked(k, seconds, by);
	pthread_rwlock_unlock(&ban_lock);
	return r;
}

static bool tp_ban_rm_locked(const tp_addr_key *k)
{
	struct ban_entry *e = ban_find(k);
	if (!e)
		return false;
	bool live = !ban_expired(e, ban_clock());
	ban_free(e, live ? "unbanned" : "ban expired");
	return live;
}

bool tp_ban_rm(const tp_addr_key *k)
{
	pthread_rwlock_wrlock(&ban_lock);
	bool r = tp_ban_rm_locked(k);
	pthread_rwlock_unlock(&ban_lock);
	return r;
}

static bool tp_ban_get_locked(const tp_addr_key *k, tp_ban_info *info)
{
	struct ban_entry *e = ban_find(k);
	if (!e || ban_expired(e, ban_clock()))
		return false;
	if (info)
		*info = e->info;
	return true;
}

bool tp_ban_get(const tp_addr_key *k, tp_ban_info *info)
{
	pthread_rwlock_rdlock(&ban_lock);
	bool r = tp_ban_get_locked(k, info);
	pthread_rwlock_unlock(&ban_lock);
	return r;
}

unsigned tp_ban_count(void)
{
	return __atomic_load_n(&tp_ban_n, __ATOMIC_RELAXED);
}

static void tp_ban_foreach_locked(void (*fn)(const tp_ban_info *info, void *arg), void *arg)
{
	if (!tp_ban_n)
		return;
	uint64_t now = ban_clock();
	sip_hiter it;
	sip_hiter_init(&it, &bans);
	for (sip_hlink *l; (l = sip_hiter_next(&it));) {
		struct ban_entry *e = SIP_HTABLE_ENTRY(l, struct ban_entry, link);
		if (ban_expired(e, now))
			ban_free(e, "ban expired");     /* the one just returned: allowed */
		else
			fn(&e->info, arg);
	}
}

void tp_ban_foreach(void (*fn)(const tp_ban_info *info, void *arg), void *arg)
{
	pthread_rwlock_wrlock(&ban_lock);
	tp_ban_foreach_locked(fn, arg);
	pthread_rwlock_unlock(&ban_lock);
}

static unsigned tp_ban_expire_locked(void)
{
	if (!tp_ban_n)
		return 0;
	uint64_t now = ban_clock();
	unsigned n = 0;
	sip_hiter it;
	sip_hiter_init(&it, &bans);
	for (sip_hlink *l; (l = sip_hiter_next(&it));) {
		struct ban_entry *e = SIP_HTABLE_ENTRY(l, struct ban_entry, link);
		if (ban_expired(e, now)) {
			ban_free(e, "ban expired");
			n++;
		}
	}
	return n;
}

unsigned tp_ban_expire(void)
{
	pthread_rwlock_wrlock(&ban_lock);
	unsigned r = tp_ban_expire_locked();
	pthread_rwlock_unlock(&ban_lock);
	return r;
}

static void tp_ban_clear_locked(void)
{
	if (sip_htable_ready(&bans)) {
		sip_hiter it;
		sip_hiter_init(&it, &bans);
		for (sip_hlink *l; (l = sip_hiter_next(&it));) {
			sip_htable_remove(&bans, l);
			sip_mem_free(SIP_HTABLE_ENTRY(l, struct ban_entry, link));
		}
		sip_htable_destroy(&bans);
	}
	__atomic_store_n(&tp_ban_n, 0, __ATOMIC_RELAXED);
}

void tp_ban_clear(void)
{
	pthread_rwlock_wrlock(&ban_lock);
	tp_ban_clear_locked();
	pthread_rwlock_unlock(&ban_lock);
}

/* One hash and one bucket walk; the clock is read only for an address
 * found. An expired entry found here is left for tp_ban_expire(): the
 * packet goes through. */
static bool tp_ban_check_slow_locked(const sip_addr *src)
{
	tp_addr_key k;
	if (!tp_addr_key_of(src, &k))
		return false;
	struct ban_entry *e = ban_find(&k);
	if (!e || ban_expired(e, ban_clock()))
		return false;
	__atomic_fetch_add(&e->info.dropped, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&tp_ban_dropped, 1, __ATOMIC_RELAXED);
	return true;
}

bool tp_ban_check_slow(const sip_addr *src)
{
	pthread_rwlock_rdlock(&ban_lock);
	bool r = tp_ban_check_slow_locked(src);
	pthread_rwlock_unlock(&ban_lock);
	return r;
}
