/* The statistics registry (see stats.h): a fixed array of names in
 * registration order, looked up through a hash table on fixed buckets, so
 * $stat() and update_stat() cost one hash of the name and nothing is
 * allocated. */
#include "core/hash.h"
#include "core/htable.h"
#include "core/stats.h"

#include <string.h>
#include "core/status.h"

#define STAT_BITS 10                /* 1024 buckets, twice SIP_STAT_MAX */

struct stat_ent {
	sip_hlink link;
	const char *name;
	uint8_t len;
	int64_t *var;                   /* a counter: the layer's, or own */
	sip_stat_fn fn;                 /* a gauge */
	int64_t own;                    /* the value of a policy counter */
	char buf[SIP_STAT_NAME_MAX];    /* the name of a policy counter */
};

static struct {
	struct stat_ent ent[SIP_STAT_MAX];
	sip_htable names;               /* ent by name */
	sip_hlink *buckets[1u << STAT_BITS];
	unsigned n;
} S;

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

static int stat_register(const char *name, int64_t *var, sip_stat_fn fn)
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
	e->fn = fn;
	return SIP_OK;
}

int sip_stat_counter(const char *name, int64_t *var)
{
	return var ? stat_register(name, var, NULL) : SIP_EINVAL;
}

int sip_stat_gauge(const char *name, sip_stat_fn fn)
{
	return fn ? stat_register(name, NULL, fn) : SIP_EINVAL;
}

int64_t sip_stat_get(sip_str name, bool *found)
{
	const struct stat_ent *e =
		sip_stat_name_ok(name) ? stat_find(name, stat_hash(name.s, name.len)) : NULL;
	if (found)
		*found = e != NULL;
	if (!e)
		return 0;
	return e->fn ? e->fn() : *e->var;
}

int sip_stat_update(sip_str name, int64_t delta)
{
	if (!sip_stat_name_ok(name))
		return SIP_EINVAL;
	bool made;
	struct stat_ent *e = stat_entry(name, &made);
	if (!e)
		return SIP_ELIMIT;
	if (made) {
		memcpy(e->buf, name.s, name.len);
		e->buf[name.len] = '\0';
		e->name = e->buf;
		e->var = &e->own;
	}
	if (e->var != &e->own)          /* a gauge, or a layer's counter */
		return SIP_EINVAL;
	*e->var += delta;
	return SIP_OK;
}

void sip_stat_foreach(sip_str prefix, void (*fn)(const char *name, int64_t v, void *arg),
		      void *arg)
{
	for (unsigned i = 0; i < S.n; i++) {
		const struct stat_ent *e = &S.ent[i];
		if (e->len < prefix.len || (prefix.len && memcmp(e->name, prefix.s, prefix.len)))
			continue;
		fn(e->name, e->fn ? e->fn() : *e->var, arg);
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
