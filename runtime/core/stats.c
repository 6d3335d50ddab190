/* The statistics registry (see stats.h): a fixed array of names in
 * registration order, looked up through a hash table on fixed buckets, so
 * $stat() and update_stat() cost one hash of the name and nothing is
 * allocated. */
#include "core/hash.h"
#include "core/htable.h"
#include "core/stats.h"

#include <pthread.h>
#include <string.h>
#include "core/status.h"

#define STAT_BITS 10                /* 1024 buckets, twice SIP_STAT_MAX */

struct stat_ent {
	sip_hlink link;
	const char *name;
	uint8_t len;
	int64_t *var;                   /* a counter: the layer's, or own */
	size_t stride;                  /* with n > 1: var is the first of n copies */
	unsigned n;
	sip_stat_fn fn;                 /* a gauge, or a counter with fn_counter */
	bool fn_counter;
	int64_t own;                    /* the value of a policy counter */
	char buf[SIP_STAT_NAME_MAX];    /* the name of a policy counter */
};

static struct {
	struct stat_ent ent[SIP_STAT_MAX];
	sip_htable names;               /* ent by name */
	sip_hlink *buckets[1u << STAT_BITS];
	unsigned n;
	struct {
		const char *name, *help;
		sip_stat_hist *h;
	} hist[SIP_STAT_HIST_MAX];
	unsigned n_hist;
} S;

/* Serialises making a policy counter at run time (update_stat with a new
 * name from two workers); lookups take no lock. */
static pthread_mutex_t stat_make_lock = PTHREAD_MUTEX_INITIALIZER;

/* The value of e: the sum of a per-worker counter's copies. */
static int64_t stat_value(const struct stat_ent *e)
{
	if (e->fn)
		return e->fn();
	if (e->n <= 1)
		return __atomic_load_n(e->var, __ATOMIC_RELAXED);
	int64_t v = 0;
	for (unsigned i = 0; i < e->n; i++)
		v += __atomic_load_n((int64_t *)((char *)e->var + i * e->stride), __ATOMIC_RELAXED);
	return v;
}

static uint32_t stat_hash(const char *s, size_t n)
{
	return sip_hash_bytes(s, n);
}

bool sip_stat_name_ok(sip_str name)
{
	if (!name.len || name.len >= SIP_STAT_NAME_MAX)
		return false;
	for (size_t i = 0; i < name.len; i++) {
		char c = name.s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
		      || c == '_' || c == '.' || c == '-' || c == ':'))
			return false;
	}
	return true;
}

static bool stat_eq(const sip_hlink *l, const void *key)
{
	const struct stat_ent *e = SIP_HTABLE_ENTRY(l, struct stat_ent, link);
	const sip_str *name = key;
	return e->len == name->len && memcmp(e->name, name->s, name->len) == 0;
}

/* The entry of name, or NULL. The table is set up on first use (and
 * again after sip_stat_clear). */
static struct stat_ent *stat_find(sip_str name, uint32_t h)
{
	if (!sip_htable_ready(&S.names))
		sip_htable_init_fixed(&S.names, S.buckets, STAT_BITS);
	sip_hlink *l = sip_htable_find(&S.names, h, stat_eq, &name);
	return l ? SIP_HTABLE_ENTRY(l, struct stat_ent, link) : NULL;
}

/* The entry of name, made empty when new; NULL when full. */
static struct stat_ent *stat_entry(sip_str name, bool *made)
{
	uint32_t h = stat_hash(name.s, name.len);
	struct stat_ent *e = stat_find(name, h);
	*made = false;
	if (e)
		return e;
	if (S.n >= SIP_STAT_MAX)
		return NULL;
	e = &S.ent[S.n++];
	memset(e, 0, sizeof *e);
	e->name = name.s;
	e->len = (uint8_t)name.len;
	sip_htable_insert(&S.names, &e->link, h);
	*made = true;
	return e;
}

static int stat_register(const char *name, int64_t *var, sip_stat_fn fn, bool fn_counter)
{
	sip_str n = sip_str_make(name, name ? strlen(name) : 0);
	if (!sip_stat_name_ok(n))
		return SIP_EINVAL;
	bool made;
	struct stat_ent *e = stat_entry(n, &made);
	if (!e)
		return SIP_ELIMIT;
	e->name = name;
	e->var = var;
	e->stride = 0;
	e->n = 1;
	e->fn = fn;
	e->fn_counter = fn_counter;
	return SIP_OK;
}

int sip_stat_counter(const char *name, int64_t *var)
{
	return var ? stat_register(name, var, NULL, false) : SIP_EINVAL;
}

int sip_stat_counter_array(const char *name, int64_t *var, size_t stride, unsigned n)
{
	if (!var || !n)
		return SIP_EINVAL;
	int rc = stat_register(name, var, NULL, false);
	if (rc == SIP_OK) {
		struct stat_ent *e = stat_find(sip_str_make(name, strlen(name)),
					       stat_hash(name, strlen(name)));
		e->stride = stride;
		e->n = n;
	}
	return rc;
}

int sip_stat_gauge(const char *name, sip_stat_fn fn)
{
	return fn ? stat_register(name, NULL, fn, false) : SIP_EINVAL;
}

int sip_stat_counter_fn(const char *name, sip_stat_fn fn)
{
	return fn ? stat_register(name, NULL, fn, true) : SIP_EINVAL;
}

int64_t sip_stat_get(sip_str name, bool *found)
{
	const struct stat_ent *e =
		sip_stat_name_ok(name) ? stat_find(name, stat_hash(name.s, name.len)) : NULL;
	if (found)
		*found = e != NULL;
	if (!e)
		return 0;
	return stat_value(e);
}

int sip_stat_update(sip_str name, int64_t delta)
{
	if (!sip_stat_name_ok(name))
		return SIP_EINVAL;
	struct stat_ent *e = stat_find(name, stat_hash(name.s, name.len));
	if (!e) {
		/* Made complete before it is linked, under the lock, so a
		 * worker that finds it sees it whole. */
		bool made;
		pthread_mutex_lock(&stat_make_lock);
		e = stat_entry(name, &made);
		if (e && made) {
			memcpy(e->buf, name.s, name.len);
			e->buf[name.len] = '\0';
			e->name = e->buf;
			e->var = &e->own;
			e->n = 1;
		}
		pthread_mutex_unlock(&stat_make_lock);
		if (!e)
			return SIP_ELIMIT;
	}
	if (e->var != &e->own)          /* a gauge, or a layer's counter */
		return SIP_EINVAL;
	__atomic_fetch_add(e->var, delta, __ATOMIC_RELAXED);
	return SIP_OK;
}

void sip_stat_foreach(sip_str prefix, void (*fn)(const char *name, int64_t v, void *arg),
		      void *arg)
{
	for (unsigned i = 0; i < S.n; i++) {
		const struct stat_ent *e = &S.ent[i];
		if (e->len < prefix.len || (prefix.len && memcmp(e->name, prefix.s, prefix.len)))
			continue;
		fn(e->name, stat_value(e), arg);
	}
}

void sip_stat_foreach_kind(sip_str prefix,
			   void (*fn)(const char *name, enum sip_stat_kind kind, int64_t v, void *arg),
			   void *arg)
{
	for (unsigned i = 0; i < S.n; i++) {
		const struct stat_ent *e = &S.ent[i];
		if (e->len < prefix.len || (prefix.len && memcmp(e->name, prefix.s, prefix.len)))
			continue;
		enum sip_stat_kind k = e->var == &e->own ? SIP_STAT_POLICY
				       : e->fn && !e->fn_counter ? SIP_STAT_GAUGE : SIP_STAT_COUNTER;
		fn(e->name, k, stat_value(e), arg);
	}
}

unsigned sip_stat_count(void)
{
	return S.n;
}

void sip_stat_clear(void)
{
	memset(&S, 0, sizeof S);
}

void sip_stat_hist_init(sip_stat_hist *h, const uint64_t *le_us, unsigned n)
{
	memset(h, 0, sizeof *h);
	h->le_us = le_us;
	h->n = n < SIP_STAT_HIST_BUCKETS ? n : SIP_STAT_HIST_BUCKETS;
}

void sip_stat_hist_observe(sip_stat_hist *h, uint64_t us)
{
	unsigned i = 0;
	while (i < h->n && us > h->le_us[i])
		i++;
	__atomic_fetch_add(&h->bucket[i], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&h->count, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&h->sum_us, us, __ATOMIC_RELAXED);
}

int sip_stat_histogram(const char *name, const char *help, sip_stat_hist *h)
{
	if (!name || !h || !sip_stat_name_ok(sip_str_make(name, strlen(name))))
		return SIP_EINVAL;
	unsigned i = 0;
	while (i < S.n_hist && strcmp(S.hist[i].name, name) != 0)
		i++;
	if (i == S.n_hist) {
		if (S.n_hist >= SIP_STAT_HIST_MAX)
			return SIP_ELIMIT;
		S.n_hist++;
	}
	S.hist[i].name = name;
	S.hist[i].help = help ? help : "";
	S.hist[i].h = h;
	return SIP_OK;
}

void sip_stat_hist_foreach(void (*fn)(const char *name, const char *help,
				      const sip_stat_hist *h, void *arg),
			   void *arg)
{
	for (unsigned i = 0; i < S.n_hist; i++)
		fn(S.hist[i].name, S.hist[i].help, S.hist[i].h, arg);
}
