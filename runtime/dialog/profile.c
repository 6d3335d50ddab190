/* Dialog profiles (see profile.h). */
#include "dialog/profile.h"

#include <string.h>
#include "core/arena.h"
#include "core/hash.h"
#include "core/htable.h"
#include "core/log.h"
#include "core/status.h"
#include "dialog/dialog.h"
#include "proxy/policy_abi.h"

/* The counter of one value of a profile with values: in the profile's
 * table while a dialog is in the profile with that value. */
struct dlg_pvalue {
	sip_hlink hlink;
	unsigned long n;
	sip_str v;                   /* points into the same allocation */
};

struct dlg_profile {
	const char *name;            /* NULL: index not declared */
	bool has_value;
	unsigned long n;             /* members, every value */
	sip_htable values;           /* struct dlg_pvalue by value */
};

static struct {
	struct dlg_profile p[DLG_MAX_PROFILES];
	unsigned count;
} P;

int dlg_profile_register(unsigned idx, const char *name, bool has_value)
{
	if (idx >= DLG_MAX_PROFILES || !name || !*name)
		return SIP_EINVAL;
	struct dlg_profile *p = &P.p[idx];
	p->name = name;
	p->has_value = has_value;
	if (idx + 1 > P.count)
		P.count = idx + 1;
	return SIP_OK;
}

/* Free the counters of p (its members must be gone). */
static void dlg_profile_free_values(struct dlg_profile *p)
{
	if (!sip_htable_ready(&p->values))
		return;
	sip_hiter it;
	sip_hiter_init(&it, &p->values);
	for (sip_hlink *l; (l = sip_hiter_next(&it));) {
		sip_htable_remove(&p->values, l);
		sip_mem_free(SIP_HTABLE_ENTRY(l, struct dlg_pvalue, hlink));
	}
	sip_htable_destroy(&p->values);
}

void dlg_profile_reset(void)
{
	for (unsigned i = 0; i < DLG_MAX_PROFILES; i++)
		dlg_profile_free_values(&P.p[i]);
	memset(&P, 0, sizeof P);
}

unsigned dlg_profile_count(void)
{
	return P.count;
}

static struct dlg_profile *dlg_profile_get(unsigned idx)
{
	return idx < DLG_MAX_PROFILES && P.p[idx].name ? &P.p[idx] : NULL;
}

const char *dlg_profile_name(unsigned idx)
{
	struct dlg_profile *p = dlg_profile_get(idx);
	return p ? p->name : NULL;
}

bool dlg_profile_has_value(unsigned idx)
{
	struct dlg_profile *p = dlg_profile_get(idx);
	return p && p->has_value;
}

int dlg_profile_find(sip_str name)
{
	for (unsigned i = 0; i < P.count; i++)
		if (P.p[i].name && strlen(P.p[i].name) == name.len &&
		    memcmp(P.p[i].name, name.s, name.len) == 0)
			return (int)i;
	return -1;
}

static bool dlg_pvalue_eq(const sip_hlink *l, const void *key)
{
	return sip_str_eq(SIP_HTABLE_ENTRY(l, struct dlg_pvalue, hlink)->v, *(const sip_str *)key);
}

static struct dlg_pvalue *dlg_pvalue_find(struct dlg_profile *p, sip_str v)
{
	if (!sip_htable_ready(&p->values))
		return NULL;
	sip_hlink *l = sip_htable_find(&p->values, sip_hash_str(v), dlg_pvalue_eq, &v);
	return l ? SIP_HTABLE_ENTRY(l, struct dlg_pvalue, hlink) : NULL;
}

/* The counter of value v of p, made (at 0) when there is none. */
static struct dlg_pvalue *dlg_pvalue_get(struct dlg_profile *p, sip_str v)
{
	struct dlg_pvalue *pv = dlg_pvalue_find(p, v);
	if (pv)
		return pv;
	if (!sip_htable_ready(&p->values) && sip_htable_init(&p->values, 6) != SIP_OK)
		return NULL;
	pv = sip_mem_alloc(sizeof *pv + v.len + 1);
	if (!pv)
		return NULL;
	memset(pv, 0, sizeof *pv);
	char *s = (char *)(pv + 1);
	if (v.len)
		memcpy(s, v.s, v.len);
	s[v.len] = '\0';
	pv->v = sip_str_make(s, v.len);
	sip_htable_insert(&p->values, &pv->hlink, sip_hash_str(pv->v));
	return pv;
}

static void dlg_pvalue_put(struct dlg_profile *p, struct dlg_pvalue *pv)
{
	if (pv && --pv->n == 0) {
		sip_htable_remove(&p->values, &pv->hlink);
		sip_mem_free(pv);
	}
}

/* Whether membership m is of profile idx and (unless any) value v. */
static bool dlg_pmember_is(const struct dlg_pmember *m, unsigned idx, sip_str v, bool any)
{
	if (m->idx != idx)
		return false;
	return any || !m->value || sip_str_eq(m->value->v, v);
}

int dlg_profile_add(dlg *d, unsigned idx, sip_str v)
{
	struct dlg_profile *p = dlg_profile_get(idx);
	if (!p || d->state == DLG_ENDED || d->state == DLG_FREE)
		return SIP_EINVAL;
	if (!p->has_value)
		v = SIP_STR_NULL;
	for (const struct dlg_pmember *m = d->profiles; m; m = m->next)
		if (dlg_pmember_is(m, idx, v, false))
			return SIP_OK;
	struct dlg_pmember *m = sip_mem_alloc(sizeof *m);
	if (!m)
		return SIP_NOMEM;
	m->idx = idx;
	m->value = NULL;
	if (p->has_value && !(m->value = dlg_pvalue_get(p, v))) {
		sip_mem_free(m);
		return SIP_NOMEM;
	}
	if (m->value)
		m->value->n++;
	p->n++;
	m->next = d->profiles;
	d->profiles = m;
	return SIP_OK;
}

bool dlg_profile_remove(dlg *d, unsigned idx, sip_str v, bool any_value)
{
	struct dlg_profile *p = dlg_profile_get(idx);
	bool found = false;
	if (!p)
		return false;
	for (struct dlg_pmember **mp = &d->profiles; *mp;) {
		struct dlg_pmember *m = *mp;
		if (!dlg_pmember_is(m, idx, v, any_value)) {
			mp = &m->next;
			continue;
		}
		*mp = m->next;
		dlg_pvalue_put(p, m->value);
		p->n--;
		sip_mem_free(m);
		found = true;
	}
	return found;
}

bool dlg_profile_is_in(const dlg *d, unsigned idx, sip_str v, bool any_value)
{
	for (const struct dlg_pmember *m = d->profiles; m; m = m->next)
		if (dlg_pmember_is(m, idx, v, any_value))
			return true;
	return false;
}

unsigned long dlg_profile_size(unsigned idx, sip_str v, bool any_value)
{
	struct dlg_profile *p = dlg_profile_get(idx);
	if (!p)
		return 0;
	if (any_value || !p->has_value)
		return p->n;
	struct dlg_pvalue *pv = dlg_pvalue_find(p, v);
	return pv ? pv->n : 0;
}

void dlg_profile_clear(dlg *d)
{
	while (d->profiles) {
		struct dlg_pmember *m = d->profiles;
		d->profiles = m->next;
		struct dlg_profile *p = &P.p[m->idx];
		dlg_pvalue_put(p, m->value);
		p->n--;
		sip_mem_free(m);
	}
}

sip_str dlg_pmember_value(const struct dlg_pmember *m)
{
	return m->value ? m->value->v : SIP_STR_NULL;
}

void dlg_profile_foreach_value(unsigned idx, void (*fn)(sip_str v, unsigned long n, void *arg),
			       void *arg)
{
	struct dlg_profile *p = dlg_profile_get(idx);
	if (!p || !sip_htable_ready(&p->values))
		return;
	sip_hiter it;
	sip_hiter_init(&it, &p->values);
	for (sip_hlink *l; (l = sip_hiter_next(&it));) {
		const struct dlg_pvalue *pv = SIP_HTABLE_ENTRY(l, struct dlg_pvalue, hlink);
		fn(pv->v, pv->n, arg);
	}
}

/* While a policy is loaded into a running proxy, its profiles are compared
 * through its state string (sipcc_reg_policy) and only recorded: the
 * running ones stay as they are, the ones it adds after them are
 * registered once it is loaded (dlg_profile_reg_apply). */
static bool reg_closed;
static struct pending_profile {
	unsigned idx;
	const char *name;
	bool has_value;
} pending[DLG_MAX_PROFILES];
static unsigned npending;

void dlg_profile_reg_close(bool closed)
{
	reg_closed = closed;
	if (closed)
		npending = 0;
}

void dlg_profile_reg_apply(void)
{
	for (unsigned i = 0; i < npending; i++)
		if (pending[i].idx >= P.count)
			dlg_profile_register(pending[i].idx, pending[i].name, pending[i].has_value);
	npending = 0;
}

/* The compiled policy's declarations (policy_abi.h). */
void sipcc_reg_profile(int64_t idx, const char *name, int64_t has_value)
{
	if (reg_closed) {
		if (idx >= 0 && idx < DLG_MAX_PROFILES && npending < DLG_MAX_PROFILES)
			pending[npending++] = (struct pending_profile){ (unsigned)idx, name,
								    has_value != 0 };
		return;
	}
	if (idx < 0 || dlg_profile_register((unsigned)idx, name, has_value != 0) != SIP_OK)
		LOG_ERR("dialog: cannot declare profile %lld (%s): at most %d", (long long)idx,
			name ? name : "", DLG_MAX_PROFILES);
}
