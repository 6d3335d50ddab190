/* The location tables in memory: addresses-of-record in a hash table,
 * each with its bindings best first; expiry by a sweep that walks a slice
 * of each table per second; RFC 5626 matching of bindings by instance.
 * Nothing here touches the database: the sweep hands the rows' side of
 * expiry, and the retry of failed writes, to reg_store.c.
 *
 * Every worker reads and changes the tables: each has a rwlock, taken
 * shared by lookups (which copy what they return) and exclusive by
 * REGISTER processing and the sweep. The list of tables only grows until
 * exit, so it is read without a lock. */
#include "registrar/reg_int.h"

#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include "core/hash.h"
#include "core/htable.h"
#include "core/log.h"
#include "core/status.h"

static _Atomic(reg_table *) reg_tables;
static pthread_mutex_t reg_tables_mu = PTHREAD_MUTEX_INITIALIZER;

static reg_table *reg_table_find(sip_str name)
{
	for (reg_table *t = atomic_load_explicit(&reg_tables, memory_order_acquire); t; t = t->next)
		if (t->name_len == name.len && memcmp(t->name, name.s, name.len) == 0)
			return t;
	return NULL;
}

/* A table is published whole (its lock and hash table ready) with a
 * release store; two workers making the same one meet on the mutex. */
reg_table *reg_table_get(sip_str name, bool create)
{
	reg_table *t = reg_table_find(name);
	if (t || !create)
		return t;
	pthread_mutex_lock(&reg_tables_mu);
	if ((t = reg_table_find(name)))
		goto out;
	t = sip_mem_alloc(sizeof *t + name.len + 1);
	if (!t)
		goto out;
	memset(t, 0, sizeof *t);
	if (sip_htable_init(&t->aors, 10) != SIP_OK) {
		sip_mem_free(t);
		t = NULL;
		goto out;
	}
	/* Writers first: lookups on every worker would otherwise keep the
	 * lock shared and a REGISTER (or the sweep) waiting for a gap. */
	pthread_rwlockattr_t attr;
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&t->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	pthread_mutex_init(&t->walk_mu, NULL);
	memcpy(t->name, name.s, name.len);
	t->name[name.len] = '\0';
	t->name_len = name.len;
	t->persist = sip_str_eq(name, SIP_STR_LIT("location"));
	t->next = atomic_load_explicit(&reg_tables, memory_order_relaxed);
	atomic_store_explicit(&reg_tables, t, memory_order_release);
out:
	pthread_mutex_unlock(&reg_tables_mu);
	return t;
}

void reg_table_rdlock(reg_table *t)
{
	pthread_rwlock_rdlock(&t->lock);
}

void reg_table_wrlock(reg_table *t)
{
	pthread_rwlock_wrlock(&t->lock);
}

void reg_table_unlock(reg_table *t)
{
	pthread_rwlock_unlock(&t->lock);
}

static void reg_aor_free(reg_aor *a)
{
	for (reg_contact *c = a->contacts, *n; c; c = n) {
		n = c->next;
		sip_mem_free(c);
	}
	sip_mem_free(a);
}

void reg_tables_destroy(void)
{
	for (reg_table *t = atomic_load(&reg_tables), *tn; t; t = tn) {
		tn = t->next;
		sip_hiter it;
		sip_hiter_init(&it, &t->aors);
		for (sip_hlink *l; (l = sip_hiter_next(&it));)
			reg_aor_free(SIP_HTABLE_ENTRY(l, reg_aor, hlink));
		sip_htable_destroy(&t->aors);
		pthread_rwlock_destroy(&t->lock);
		pthread_mutex_destroy(&t->walk_mu);
		sip_mem_free(t);
	}
	atomic_store(&reg_tables, NULL);
	reg_store_forget();
}

unsigned long reg_table_count(reg_table *t)
{
	if (!t)
		return 0;
	reg_table_rdlock(t);
	unsigned long n = t->n_contacts;
	reg_table_unlock(t);
	return n;
}

unsigned long reg_table_aors(reg_table *t)
{
	if (!t)
		return 0;
	reg_table_rdlock(t);
	unsigned long n = sip_htable_count(&t->aors);
	reg_table_unlock(t);
	return n;
}

void reg_table_foreach(reg_table *t, void (*fn)(const reg_aor *a, void *arg), void *arg)
{
	if (!t)
		return;
	reg_table_rdlock(t);
	pthread_mutex_lock(&t->walk_mu);
	sip_hiter it;
	sip_hiter_init(&it, &t->aors);
	for (sip_hlink *l; (l = sip_hiter_next(&it));)
		fn(SIP_HTABLE_ENTRY(l, reg_aor, hlink), arg);
	pthread_mutex_unlock(&t->walk_mu);
	reg_table_unlock(t);
}

static bool reg_aor_eq(const sip_hlink *l, const void *key)
{
	const reg_aor *a = SIP_HTABLE_ENTRY(l, reg_aor, hlink);
	const sip_str *aor = key;
	return a->len == aor->len && memcmp(a->aor, aor->s, aor->len) == 0;
}

reg_aor *reg_aor_find(reg_table *t, sip_str aor)
{
	sip_hlink *l = sip_htable_find(&t->aors, sip_hash_str(aor), reg_aor_eq, &aor);
	return l ? SIP_HTABLE_ENTRY(l, reg_aor, hlink) : NULL;
}

reg_aor *reg_aor_add(reg_table *t, sip_str aor)
{
	if (aor.len > REG_MAX_FIELD)
		return NULL;
	/* The name starts in the struct's tail padding: a hundred thousand
	 * addresses of record make those bytes count. */
	size_t n = offsetof(reg_aor, aor) + aor.len;
	reg_aor *a = sip_mem_alloc(n < sizeof *a ? sizeof *a : n);
	if (!a)
		return NULL;
	a->contacts = NULL;
	a->len = (uint16_t)aor.len;
	memcpy(a->aor, aor.s, aor.len);
	sip_htable_insert(&t->aors, &a->hlink, sip_hash_str(aor));
	return a;
}

void (*reg_on_change)(enum reg_change what, sip_str aor, const reg_contact *c, int64_t now);

void reg_aor_drop(reg_table *t, reg_aor *a)
{
	for (reg_contact *c = a->contacts, *cn; c; c = cn) {
		cn = c->next;
		if (reg_on_change)
			reg_on_change(REG_DELETED, sip_str_make(a->aor, a->len), c, 0);
		sip_mem_free(c);
		t->n_contacts--;
	}
	a->contacts = NULL;
	reg_aor_prune(t, a);
}

void reg_aor_clear(reg_table *t, reg_aor *a)
{
	for (reg_contact *c = a->contacts, *cn; c; c = cn) {
		cn = c->next;
		sip_mem_free(c);
		t->n_contacts--;
	}
	a->contacts = NULL;
}

void reg_aor_prune(reg_table *t, reg_aor *a)
{
	if (a->contacts)
		return;
	if (sip_htable_remove(&t->aors, &a->hlink))
		sip_mem_free(a);
}

/* The User-Agents of the bindings, each kept once: most phones of a
 * registrar are a few models, so a binding points to its User-Agent here
 * instead of holding a copy. Strings are added, never removed (a lookup's
 * copy of a binding may point to one after the binding is gone), up to
 * the pool's size; past it, bindings hold their own copy. Under
 * reg_ua_mu (taken after a table's lock); the strings are read without
 * it once added. */
#define REG_UA_SLOTS 2048               /* at most half of them used */
#define REG_UA_POOL (256 * 1024)
static struct {
	pthread_mutex_t mu;
	struct { uint32_t off; uint16_t len; bool used; } slot[REG_UA_SLOTS];
	unsigned n;
	size_t used;
	char pool[REG_UA_POOL];
} reg_ua = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* The pool's copy of ua, NULL when it is full. */
static const char *reg_ua_intern(sip_str ua)
{
	const char *r = NULL;
	uint32_t h = sip_hash_str(ua);
	pthread_mutex_lock(&reg_ua.mu);
	for (uint32_t i = h & (REG_UA_SLOTS - 1);; i = (i + 1) & (REG_UA_SLOTS - 1)) {
		if (!reg_ua.slot[i].used) {
			if (reg_ua.n >= REG_UA_SLOTS / 2 || reg_ua.used + ua.len > REG_UA_POOL)
				break;
			memcpy(reg_ua.pool + reg_ua.used, ua.s, ua.len);
			reg_ua.slot[i].off = (uint32_t)reg_ua.used;
			reg_ua.slot[i].len = (uint16_t)ua.len;
			reg_ua.slot[i].used = true;
			reg_ua.used += ua.len;
			reg_ua.n++;
			r = reg_ua.pool + reg_ua.slot[i].off;
			break;
		}
		if (reg_ua.slot[i].len == ua.len
		    && memcmp(reg_ua.pool + reg_ua.slot[i].off, ua.s, ua.len) == 0) {
			r = reg_ua.pool + reg_ua.slot[i].off;
			break;
		}
	}
	pthread_mutex_unlock(&reg_ua.mu);
	return r;
}

reg_contact *reg_contact_new(const sip_str f[REG_NFIELDS])
{
	size_t n = 0;
	for (int i = 0; i < REG_NFIELDS; i++) {
		if (f[i].len > REG_MAX_FIELD)
			return NULL;
		n += f[i].len;
	}
	const char *ua = f[REG_UA].len && f[REG_UA].len <= 255 ? reg_ua_intern(f[REG_UA]) : NULL;
	if (ua)
		n -= f[REG_UA].len;
	reg_contact *c = sip_mem_alloc(offsetof(reg_contact, data) + n);
	if (!c)
		return NULL;
	memset(c, 0, offsetof(reg_contact, data));
	c->ua = ua;
	n = 0;
	for (int i = 0; i < REG_NFIELDS; i++) {
		c->len[i] = (uint16_t)f[i].len;
		if (i == REG_UA && ua)
			continue;
		if (f[i].len)
			memcpy(c->data + n, f[i].s, f[i].len);
		n += f[i].len;
	}
	return c;
}

/* Before the first binding of lower q, and before those of equal q, so
 * the most recent of equal preference comes first. */
void reg_contact_insert(reg_table *t, reg_aor *a, reg_contact *c)
{
	int q = c->q < 0 ? 1000 : c->q;
	reg_contact **pp = &a->contacts;
	while (*pp && ((*pp)->q < 0 ? 1000 : (*pp)->q) > q)
		pp = &(*pp)->next;
	c->next = *pp;
	*pp = c;
	t->n_contacts++;
}

unsigned long reg_aor_expire(reg_table *t, reg_aor *a, int64_t now)
{
	unsigned long n = 0;
	for (reg_contact **pp = &a->contacts; *pp;) {
		if ((*pp)->expires <= now) {
			reg_contact *c = *pp;
			*pp = c->next;
			/* Every proxy sharing the binding sweeps it; the one
			 * it was made through tells. */
			if (reg_on_change && reg_contact_mine(c))
				reg_on_change(REG_EXPIRED, sip_str_make(a->aor, a->len), c, now);
			sip_mem_free(c);
			t->n_contacts--;
			n++;
		} else {
			pp = &(*pp)->next;
		}
	}
	return n;
}

size_t reg_contact_size(const reg_contact *c)
{
	size_t n = offsetof(reg_contact, data);
	for (int f = 0; f < REG_NFIELDS; f++)
		n += f == REG_UA && c->ua ? 0 : c->len[f];
	return n;
}

/* A copy of c in a (next cleared); NULL when out of memory. */
static reg_contact *reg_contact_copy(const reg_contact *c, sip_arena *a)
{
	size_t n = reg_contact_size(c);
	reg_contact *d = sip_arena_alloc(a, n);
	if (d) {
		memcpy(d, c, n);
		d->next = NULL;
	}
	return d;
}

/* The copies are made under the shared lock: once it is released a
 * REGISTER or the sweep on another worker may free the bindings. */
const reg_contact *reg_lookup(reg_table *t, sip_str aor, int64_t now, sip_arena *ar)
{
	if (!t)
		return NULL;
	reg_contact *head = NULL, **tail = &head;
	reg_table_rdlock(t);
	reg_aor *a = reg_aor_find(t, aor);
	for (const reg_contact *c = a ? a->contacts : NULL; c; c = c->next) {
		if (c->expires <= now)
			continue;
		if (!(*tail = reg_contact_copy(c, ar)))
			break;
		tail = &(*tail)->next;
	}
	reg_table_unlock(t);
	return head;
}

bool reg_contact_allows(const reg_contact *c, sip_str method)
{
	sip_str list;
	if (!method.len || sip_str_eq_lit_case(method, "ACK") || sip_str_eq_lit_case(method, "CANCEL") ||
	    !reg_param(reg_field(c, REG_PARAMS), "methods", &list))
		return true;
	for (size_t i = 0; i < list.len;) {
		size_t j = i;
		while (j < list.len && list.s[j] != ',')
			j++;
		sip_str m = sip_str_make(list.s + i, j - i);
		while (m.len && (m.s[0] == ' ' || m.s[0] == '\t'))
			m.s++, m.len--;
		while (m.len && (m.s[m.len - 1] == ' ' || m.s[m.len - 1] == '\t'))
			m.len--;
		if (sip_str_caseeq(m, method))
			return true;
		i = j + 1;
	}
	return false;
}

enum reg_find reg_lookup_status(reg_table *t, sip_str aor, int64_t now, sip_str method)
{
	if (!t)
		return REG_NOT_FOUND;
	reg_table_rdlock(t);
	reg_aor *a = reg_aor_find(t, aor);
	enum reg_find st = REG_NOT_FOUND;
	if (a && a->contacts) {
		st = REG_ALL_EXPIRED;
		for (const reg_contact *c = a->contacts; c; c = c->next) {
			if (c->expires <= now)
				continue;
			if (reg_contact_allows(c, method)) {
				st = REG_FOUND;
				break;
			}
			st = REG_NO_METHOD;
		}
	}
	reg_table_unlock(t);
	return st;
}

bool reg_param(sip_str params, const char *name, sip_str *val)
{
	size_t nl = strlen(name), i = 0;
	while (i < params.len) {
		size_t j = i;
		while (j < params.len && params.s[j] != ';')
			j++;
		sip_str p = sip_str_make(params.s + i, j - i);
		while (p.len && (p.s[0] == ' ' || p.s[0] == '\t'))
			p.s++, p.len--;
		if (p.len >= nl && sip_mem_caseeq(p.s, name, nl)) {
			sip_str rest = sip_str_make(p.s + nl, p.len - nl);
			while (rest.len && (rest.s[0] == ' ' || rest.s[0] == '\t'))
				rest.s++, rest.len--;
			if (!rest.len) {
				*val = rest;
				return true;
			}
			if (rest.s[0] == '=') {
				rest.s++, rest.len--;
				while (rest.len && (rest.s[0] == ' ' || rest.s[0] == '\t'))
					rest.s++, rest.len--;
				while (rest.len && (rest.s[rest.len - 1] == ' ' || rest.s[rest.len - 1] == '\t'))
					rest.len--;
				if (rest.len >= 2 && rest.s[0] == '"' && rest.s[rest.len - 1] == '"')
					rest.s++, rest.len -= 2;
				*val = rest;
				return true;
			}
		}
		i = j + 1;
	}
	return false;
}

bool reg_parse_uint(sip_str s, uint64_t *out)
{
	uint64_t v = 0;
	if (!s.len || s.len > 19)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		if (s.s[i] < '0' || s.s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s.s[i] - '0');
	}
	*out = v;
	return true;
}

sip_str reg_instance(const reg_contact *c)
{
	sip_str v;
	if (!c->len[REG_PARAMS] || !reg_param(reg_field(c, REG_PARAMS), "+sip.instance", &v))
		return SIP_STR_NULL;
	return v;
}

uint32_t reg_reg_id(const reg_contact *c)
{
	sip_str v;
	uint64_t id;
	if (!reg_instance(c).len || !reg_param(reg_field(c, REG_PARAMS), "reg-id", &v)
	    || !reg_parse_uint(v, &id) || id > UINT32_MAX)
		return 0;
	return (uint32_t)id;
}

/* The same URI, or the same +sip.instance and reg-id (instance URNs
 * compare without case, as uuid URNs do): a device that comes back over a
 * new connection or port updates its binding instead of adding one. */
bool reg_contact_matches(const reg_contact *c, sip_str uri, sip_str instance, uint32_t reg_id)
{
	if (sip_str_eq(uri, reg_field(c, REG_CONTACT)))
		return true;
	if (!instance.len)
		return false;
	sip_str ci = reg_instance(c);
	return ci.len && sip_str_caseeq(ci, instance) && reg_reg_id(c) == reg_id;
}

sip_str reg_aor_of(sip_arena *ar, sip_str uri)
{
	sip_uri u;
	if (sip_uri_parse(uri, &u) != SIP_OK || !u.is_sip || !u.host.len)
		return SIP_STR_NULL;
	size_t n = u.user.len + 1 + u.host.len;
	char *p = sip_arena_alloc(ar, n + 1);
	if (!p)
		return SIP_STR_NULL;
	size_t k = 0;
	if (u.user.len) {
		memcpy(p, u.user.s, u.user.len);
		k = u.user.len;
		p[k++] = '@';
	}
	for (size_t i = 0; i < u.host.len; i++) {
		char ch = u.host.s[i];
		p[k++] = ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch;
	}
	p[k] = '\0';
	return sip_str_make(p, k);
}

struct reg_copy_walk {
	int64_t now;
	sip_arena *ar;
	reg_contact **tail;
};

static void reg_copy_aor(sip_hlink *l, void *arg)
{
	struct reg_copy_walk *w = arg;
	for (reg_contact *c = SIP_HTABLE_ENTRY(l, reg_aor, hlink)->contacts; c; c = c->next)
		if (c->expires > w->now && reg_contact_mine(c) && (*w->tail = reg_contact_copy(c, w->ar)))
			w->tail = &(*w->tail)->next;
}

/* Buckets copied per turn of reg_foreach. */
#define REG_WALK_BUCKETS 256

/* fn sends (the NAT keep-alive): it runs on copies, made a slice of the
 * table at a time under the shared lock and used after it is released,
 * so a walk of a large table neither holds the lock long nor copies it
 * whole. A binding may come twice when the table shrinks meanwhile. */
void reg_foreach(reg_table *t, int64_t now, void (*fn)(const reg_contact *c, void *arg), void *arg)
{
	if (!t)
		return;
	sip_arena ar;
	sip_arena_init(&ar, 16384);
	uint32_t cursor = 0;
	do {
		reg_contact *head = NULL;
		struct reg_copy_walk w = { now, &ar, &head };
		reg_table_rdlock(t);
		pthread_mutex_lock(&t->walk_mu);
		unsigned n = 0;
		do
			cursor = sip_htable_scan(&t->aors, cursor, reg_copy_aor, &w);
		while (cursor && ++n < REG_WALK_BUCKETS);
		pthread_mutex_unlock(&t->walk_mu);
		reg_table_unlock(t);
		for (const reg_contact *c = head; c; c = c->next)
			fn(c, arg);
		sip_arena_reset(&ar);
	} while (cursor);
	sip_arena_destroy(&ar);
}

struct reg_sweep {
	reg_table *t;
	int64_t now;
	unsigned long n;               /* bindings removed */
};

/* Expire one address of record, and drop it when nothing is left. */
static void reg_sweep_aor(sip_hlink *l, void *arg)
{
	struct reg_sweep *s = arg;
	reg_aor *a = SIP_HTABLE_ENTRY(l, reg_aor, hlink);
	s->n += reg_aor_expire(s->t, a, s->now);
	reg_aor_prune(s->t, a);
}

unsigned long reg_sweep(reg_table *t, int64_t now)
{
	struct reg_sweep s = { t, now, 0 };
	reg_table_wrlock(t);
	sip_hiter it;
	sip_hiter_init(&it, &t->aors);
	for (sip_hlink *l; (l = sip_hiter_next(&it));)
		reg_sweep_aor(l, &s);
	reg_table_unlock(t);
	reg_store_expire(t, now);
	reg_store_retry(t);
	return s.n;
}

/* The timer sweeps an eighth of each table per second, so a full pass
 * takes 8 s and no tick walks 100,000 bindings at once; lookups skip
 * expired bindings meanwhile. The database rows go at the end of a pass. */
#define REG_SWEEP_MS     1000
#define REG_SWEEP_SLICES 8

static struct {
	sip_timer_wheel *w;
	sip_timer tm;
} reg_tmr;

static void reg_on_timer(sip_timer *tm, void *arg)
{
	(void)arg;
	int64_t now = (int64_t)time(NULL);
	for (reg_table *t = atomic_load_explicit(&reg_tables, memory_order_acquire); t; t = t->next) {
		struct reg_sweep s = { t, now, 0 };
		reg_table_wrlock(t);
		uint32_t slice = sip_htable_buckets(&t->aors) / REG_SWEEP_SLICES;
		if (!slice)
			slice = 1;
		do
			t->sweep_at = sip_htable_scan(&t->aors, t->sweep_at, reg_sweep_aor, &s);
		while (--slice && t->sweep_at);
		bool pass_done = t->sweep_at == 0;
		reg_table_unlock(t);
		if (s.n)
			LOG_DEBUG("registrar: %lu bindings of %s expired", s.n, t->name);
		if (pass_done)
			reg_store_expire(t, now);
		reg_store_retry(t);
	}
	sip_timer_add(reg_tmr.w, tm, REG_SWEEP_MS);
}

void reg_timer_start(sip_timer_wheel *w)
{
	reg_tmr.w = w;
	sip_timer_init(&reg_tmr.tm, reg_on_timer, NULL);
	sip_timer_add(w, &reg_tmr.tm, REG_SWEEP_MS);
}

void reg_timer_stop(void)
{
	if (reg_tmr.w)
		sip_timer_cancel(reg_tmr.w, &reg_tmr.tm);
	reg_tmr.w = NULL;
}
