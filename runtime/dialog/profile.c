/* Dialog profiles (see profile.h). */
#include "dialog/profile.h"

#include <limits.h>
#include <pthread.h>
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

/* Every worker's dialogs are counted here: the declarations, the
 * counters and each dialog's list of memberships are read and changed
 * under lock only (a dialog's owner reads its own list without it). */
static struct {
	struct dlg_profile p[DLG_MAX_PROFILES];
	unsigned count;
} P;
static pthread_mutex_t P_lock = PTHREAD_MUTEX_INITIALIZER;

#define P_LOCK() pthread_mutex_lock(&P_lock)
#define P_UNLOCK() pthread_mutex_unlock(&P_lock)

int dlg_profile_register(unsigned idx, const char *name, bool has_value)
{
	if (idx >= DLG_MAX_PROFILES || !name || !*name)
		return SIP_EINVAL;
	P_LOCK();
	struct dlg_profile *p = &P.p[idx];
	p->name = name;
	p->has_value = has_value;
	if (idx + 1 > P.count)
		P.count = idx + 1;
	P_UNLOCK();
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
	P_LOCK();
	for (unsigned i = 0; i < DLG_MAX_PROFILES; i++)
		dlg_profile_free_values(&P.p[i]);
	memset(&P, 0, sizeof P);
	P_UNLOCK();
}

unsigned dlg_profile_count(void)
{
	P_LOCK();
	unsigned n = P.count;
	P_UNLOCK();
	return n;
}

static struct dlg_profile *dlg_profile_get(unsigned idx)
{
	return idx < DLG_MAX_PROFILES && P.p[idx].name ? &P.p[idx] : NULL;
}

const char *dlg_profile_name(unsigned idx)
{
	P_LOCK();
	struct dlg_profile *p = dlg_profile_get(idx);
	const char *name = p ? p->name : NULL;
	P_UNLOCK();
	return name;
}

bool dlg_profile_has_value(unsigned idx)
{
	P_LOCK();
	struct dlg_profile *p = dlg_profile_get(idx);
	bool v = p && p->has_value;
	P_UNLOCK();
	return v;
}

int dlg_profile_find(sip_str name)
{
	int found = -1;
	P_LOCK();
	for (unsigned i = 0; i < P.count && found < 0; i++)
		if (P.p[i].name && strlen(P.p[i].name) == name.len &&
		    memcmp(P.p[i].name, name.s, name.len) == 0)
			found = (int)i;
	P_UNLOCK();
	return found;
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

/* The check and the add are one step under the lock: dialogs of several
 * workers admitted at once cannot pass max together. */
int dlg_profile_add_max(dlg *d, unsigned idx, sip_str v, unsigned long max)
{
	if (d->state == DLG_ENDED || d->state == DLG_FREE)
		return SIP_EINVAL;
	struct dlg_pmember *m = sip_mem_alloc(sizeof *m);
	if (!m)
		return SIP_NOMEM;
	int rc = SIP_OK;
	P_LOCK();
	struct dlg_profile *p = dlg_profile_get(idx);
	if (!p) {
		rc = SIP_EINVAL;
		goto out;
	}
	if (!p->has_value)
		v = SIP_STR_NULL;
	for (const struct dlg_pmember *o = d->profiles; o; o = o->next)
		if (dlg_pmember_is(o, idx, v, false))
			goto out;    /* in already */
	if (max != ULONG_MAX) {
		struct dlg_pvalue *cur = p->has_value ? dlg_pvalue_find(p, v) : NULL;
		unsigned long n = p->has_value ? (cur ? cur->n : 0) : p->n;
		if (n >= max) {
			rc = SIP_ELIMIT;
			goto out;
		}
	}
	m->idx = idx;
	m->value = NULL;
	if (p->has_value && !(m->value = dlg_pvalue_get(p, v))) {
		rc = SIP_NOMEM;
		goto out;
	}
	if (m->value)
		m->value->n++;
	p->n++;
	m->next = d->profiles;
	d->profiles = m;
	m = NULL;
out:
	P_UNLOCK();
	sip_mem_free(m);
	return rc;
}

int dlg_profile_add(dlg *d, unsigned idx, sip_str v)
{
	return dlg_profile_add_max(d, idx, v, ULONG_MAX);
}

bool dlg_profile_remove(dlg *d, unsigned idx, sip_str v, bool any_value)
{
	bool found = false;
	P_LOCK();
	struct dlg_profile *p = dlg_profile_get(idx);
	for (struct dlg_pmember **mp = &d->profiles; p && *mp;) {
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
	P_UNLOCK();
	return found;
}

/* d's owner reads its own list: no lock (only the owner changes it). */
bool dlg_profile_is_in(const dlg *d, unsigned idx, sip_str v, bool any_value)
{
	for (const struct dlg_pmember *m = d->profiles; m; m = m->next)
		if (dlg_pmember_is(m, idx, v, any_value))
			return true;
	return false;
}

unsigned long dlg_profile_size(unsigned idx, sip_str v, bool any_value)
{
	unsigned long n = 0;
	P_LOCK();
	struct dlg_profile *p = dlg_profile_get(idx);
	if (p && (any_value || !p->has_value)) {
		n = p->n;
	} else if (p) {
		struct dlg_pvalue *pv = dlg_pvalue_find(p, v);
		n = pv ? pv->n : 0;
	}
	P_UNLOCK();
	return n;
}

void dlg_profile_clear(dlg *d)
{
	if (!d->profiles)
		return;
	P_LOCK();
	while (d->profiles) {
		struct dlg_pmember *m = d->profiles;
		d->profiles = m->next;
		struct dlg_profile *p = &P.p[m->idx];
		dlg_pvalue_put(p, m->value);
		p->n--;
		sip_mem_free(m);
	}
	P_UNLOCK();
}

void dlg_profile_members(const dlg *d, void (*fn)(unsigned idx, const char *name, bool has_value,
						  sip_str v, void *arg),
			 void *arg)
{
	P_LOCK();
	for (const struct dlg_pmember *m = d->profiles; m; m = m->next)
		fn(m->idx, P.p[m->idx].name, P.p[m->idx].has_value,
		   m->value ? m->value->v : SIP_STR_NULL, arg);
	P_UNLOCK();
}

sip_str dlg_pmember_value(const struct dlg_pmember *m)
{
	return m->value ? m->value->v : SIP_STR_NULL;
}

void dlg_profile_foreach_value(unsigned idx, void (*fn)(sip_str v, unsigned long n, void *arg),
			       void *arg)
{
	P_LOCK();
	struct dlg_profile *p = dlg_profile_get(idx);
	if (p && sip_htable_ready(&p->values)) {
		sip_hiter it;
		sip_hiter_init(&it, &p->values);
		for (sip_hlink *l; (l = sip_hiter_next(&it));) {
			const struct dlg_pvalue *pv = SIP_HTABLE_ENTRY(l, struct dlg_pvalue, hlink);
			fn(pv->v, pv->n, arg);
		}
	}
	P_UNLOCK();
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
	unsigned count = dlg_profile_count();
	for (unsigned i = 0; i < npending; i++)
		if (pending[i].idx >= count)
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
