/* The statistics registry (see stats.h): a fixed table of names, looked
 * up through an open-addressing hash, so $stat() and update_stat() cost
 * one hash of the name. */
#include "core/hash.h"
#include "core/stats.h"

#include <string.h>
#include "core/status.h"

#define STAT_SLOTS 1024             /* a power of two, twice SIP_STAT_MAX */

struct stat_ent {
	const char *name;
	uint8_t len;
	int64_t *var;                   /* a counter: the layer's, or own */
	sip_stat_fn fn;                 /* a gauge */
	int64_t own;                    /* the value of a policy counter */
	char buf[SIP_STAT_NAME_MAX];    /* the name of a policy counter */
};

static struct {
	struct stat_ent ent[SIP_STAT_MAX];
	uint16_t slot[STAT_SLOTS];      /* index + 1 into ent; 0 empty */
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

/* The slot holding name, or the empty slot where it would go. */
static uint16_t *stat_slot(sip_str name)
{
	uint32_t i = stat_hash(name.s, name.len) & (STAT_SLOTS - 1);
	for (;;) {
		uint16_t *sl = &S.slot[i];
		if (!*sl)
			return sl;
		const struct stat_ent *e = &S.ent[*sl - 1];
		if (e->len == name.len && memcmp(e->name, name.s, name.len) == 0)
			return sl;
		i = (i + 1) & (STAT_SLOTS - 1);
	}
}

/* The entry of name, made empty when new; NULL when full. */
static struct stat_ent *stat_entry(sip_str name, bool *made)
{
	uint16_t *sl = stat_slot(name);
	*made = false;
	if (*sl)
		return &S.ent[*sl - 1];
	if (S.n >= SIP_STAT_MAX)
		return NULL;
	struct stat_ent *e = &S.ent[S.n];
	memset(e, 0, sizeof *e);
	e->name = name.s;
	e->len = (uint8_t)name.len;
	*sl = (uint16_t)++S.n;
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
	uint16_t *sl = sip_stat_name_ok(name) ? stat_slot(name) : NULL;
	if (found)
		*found = sl && *sl;
	if (!sl || !*sl)
		return 0;
	const struct stat_ent *e = &S.ent[*sl - 1];
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
