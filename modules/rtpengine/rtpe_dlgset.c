/* The dialogs with a media session (see rtpe_dlgset.h). */
#include "rtpengine/rtpe_dlgset.h"

#include <pthread.h>
#include <string.h>
#include "core/arena.h"
#include "core/hash.h"
#include "core/htable.h"
#include "core/status.h"

/* Buckets to start with; the table grows with the calls in progress. */
#define RTPE_DLGSET_BITS 8

struct rtpe_dlg_ent {
	sip_hlink link;
	uint64_t id;
	unsigned worker;
	sip_str callid, from_tag;   /* in the same allocation, after the entry */
};

static sip_htable rtpe_dlgset;
/* The dialogs of every worker: an offer on one worker and the end of its
 * dialog on another (a timeout on worker 0) meet here. Held for one
 * lookup; never across a command. */
static pthread_mutex_t rtpe_dlgset_lock = PTHREAD_MUTEX_INITIALIZER;

static uint32_t rtpe_dlgset_hash(uint64_t id)
{
	return sip_hash_bytes(&id, sizeof id);
}

static bool rtpe_dlgset_eq(const sip_hlink *l, const void *key)
{
	return SIP_HTABLE_ENTRY(l, struct rtpe_dlg_ent, link)->id == *(const uint64_t *)key;
}

static struct rtpe_dlg_ent *rtpe_dlgset_find(uint64_t id)
{
	sip_hlink *l = sip_htable_find(&rtpe_dlgset, rtpe_dlgset_hash(id), rtpe_dlgset_eq, &id);
	return l ? SIP_HTABLE_ENTRY(l, struct rtpe_dlg_ent, link) : NULL;
}

static int dlgset_add_locked(uint64_t id, unsigned worker, sip_str callid, sip_str from_tag)
{
	if (!sip_htable_ready(&rtpe_dlgset)) {
		int rc = sip_htable_init(&rtpe_dlgset, RTPE_DLGSET_BITS);
		if (rc != SIP_OK)
			return rc;
	}
	if (rtpe_dlgset_find(id))
		return SIP_OK;      /* a re-offer (re-INVITE) of a dialog followed already */
	struct rtpe_dlg_ent *e = sip_mem_alloc(sizeof *e + callid.len + from_tag.len + 2);
	if (!e)
		return SIP_NOMEM;
	e->id = id;
	e->worker = worker;
	char *p = (char *)(e + 1);
	memcpy(p, callid.s, callid.len);
	p[callid.len] = '\0';
	e->callid = sip_str_make(p, callid.len);
	p += callid.len + 1;
	memcpy(p, from_tag.s, from_tag.len);
	p[from_tag.len] = '\0';
	e->from_tag = sip_str_make(p, from_tag.len);
	sip_htable_insert(&rtpe_dlgset, &e->link, rtpe_dlgset_hash(id));
	return SIP_OK;
}

int rtpe_dlgset_add(uint64_t id, unsigned worker, sip_str callid, sip_str from_tag)
{
	pthread_mutex_lock(&rtpe_dlgset_lock);
	int rc = dlgset_add_locked(id, worker, callid, from_tag);
	pthread_mutex_unlock(&rtpe_dlgset_lock);
	return rc;
}

bool rtpe_dlgset_take(uint64_t id)
{
	pthread_mutex_lock(&rtpe_dlgset_lock);
	struct rtpe_dlg_ent *e = sip_htable_ready(&rtpe_dlgset) ? rtpe_dlgset_find(id) : NULL;
	if (e)
		sip_htable_remove(&rtpe_dlgset, &e->link);
	pthread_mutex_unlock(&rtpe_dlgset_lock);
	sip_mem_free(e);
	return e != NULL;
}

bool rtpe_dlgset_has(uint64_t id)
{
	pthread_mutex_lock(&rtpe_dlgset_lock);
	bool has = sip_htable_ready(&rtpe_dlgset) && rtpe_dlgset_find(id);
	pthread_mutex_unlock(&rtpe_dlgset_lock);
	return has;
}

/* Two passes under the lock: count, then copy (the table does not change
 * between them). */
unsigned rtpe_dlgset_collect(unsigned worker, sip_arena *a, struct rtpe_dlg_ref **out)
{
	sip_hiter it;
	sip_hlink *l;
	unsigned n = 0, k = 0;

	*out = NULL;
	pthread_mutex_lock(&rtpe_dlgset_lock);
	if (!sip_htable_ready(&rtpe_dlgset))
		goto done;
	sip_hiter_init(&it, &rtpe_dlgset);
	while ((l = sip_hiter_next(&it)))
		n += SIP_HTABLE_ENTRY(l, struct rtpe_dlg_ent, link)->worker == worker;
	sip_hiter_done(&it);
	struct rtpe_dlg_ref *v = n ? sip_arena_alloc(a, n * sizeof *v) : NULL;
	if (!v)
		goto done;
	sip_hiter_init(&it, &rtpe_dlgset);
	while ((l = sip_hiter_next(&it)) && k < n) {
		const struct rtpe_dlg_ent *e = SIP_HTABLE_ENTRY(l, struct rtpe_dlg_ent, link);
		if (e->worker != worker)
			continue;
		v[k].id = e->id;
		v[k].callid = sip_arena_strdup(a, e->callid);
		v[k].from_tag = sip_arena_strdup(a, e->from_tag);
		if (!v[k].callid.s || (e->from_tag.len && !v[k].from_tag.s))
			break;
		k++;
	}
	sip_hiter_done(&it);
	*out = v;
done:
	pthread_mutex_unlock(&rtpe_dlgset_lock);
	return k;
}

unsigned long rtpe_dlgset_count(void)
{
	pthread_mutex_lock(&rtpe_dlgset_lock);
	unsigned long n = sip_htable_count(&rtpe_dlgset);
	pthread_mutex_unlock(&rtpe_dlgset_lock);
	return n;
}

void rtpe_dlgset_clear(void)
{
	sip_hiter it;
	sip_hlink *l;

	/* The iterator has read l's successor already: l may be freed. The
	 * table's arrays go with it, so nothing is unlinked. */
	pthread_mutex_lock(&rtpe_dlgset_lock);
	sip_hiter_init(&it, &rtpe_dlgset);
	while ((l = sip_hiter_next(&it)))
		sip_mem_free(SIP_HTABLE_ENTRY(l, struct rtpe_dlg_ent, link));
	sip_htable_destroy(&rtpe_dlgset);
	pthread_mutex_unlock(&rtpe_dlgset_lock);
}
