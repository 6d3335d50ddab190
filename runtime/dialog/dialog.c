/* The dialog layer (see dialog.h). */
#include "dialog/dialog.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include "core/hash.h"
#include "core/log.h"
#include "core/status.h"
#include "core/worker.h"
#include "dialog/profile.h"

/* A dialog with the first block of its arena in one allocation: the
 * Call-ID, tags, URIs, the two legs and a few variables fit, about 1 KB
 * in all for a call as phones make them. */
struct dlg_mem {
	dlg d;
	char arena[512];
};

/* The dialogs of one worker: those of the calls it owns. Only its own
 * thread changes them (and reads them without a lock); it takes lock
 * while it changes the table or what dlg_foreach shows, which is how
 * another thread (the control socket's, on worker 0) reads them. */
struct dlg_worker {
	pthread_mutex_t lock;
	sip_timer_wheel *w;
	sip_htable table;               /* dialogs by Call-ID */
	dlg *free;
};

static struct dlg_worker DW[SIP_WORKERS_MAX] = {
	[0 ... SIP_WORKERS_MAX - 1] = { .lock = PTHREAD_MUTEX_INITIALIZER },
};

/* What every worker shares: the callbacks (registered at start-up, before
 * the workers run, then only read), the id counter and the count. */
static struct {
	unsigned hash_bits;
	_Atomic uint64_t next_id;
	_Atomic unsigned long active;
	struct dlg_callbacks cbs[DLG_MAX_CALLBACKS];
	unsigned n_cbs;
} D = { .next_id = 1 };

/* The caller's worker (the owner of the dialogs it handles). */
#define DLG_ME (&DW[sip_worker_id])

static struct dlg_worker *dlg_wk(const dlg *d)
{
	return &DW[d->worker];
}

sip_timer_wheel *dlg_wheel(const dlg *d)
{
	return dlg_wk(d)->w;
}

void dlg_lock(const dlg *d)
{
	pthread_mutex_lock(&dlg_wk(d)->lock);
}

void dlg_unlock(const dlg *d)
{
	pthread_mutex_unlock(&dlg_wk(d)->lock);
}

static uint32_t dlg_hash(sip_str s)
{
	return sip_hash_str(s);
}

/* The caller's table, with timers on w. */
static int dlg_worker_init(sip_timer_wheel *w)
{
	struct dlg_worker *k = DLG_ME;
	pthread_mutex_lock(&k->lock);
	int rc = sip_htable_init(&k->table, D.hash_bits);
	k->w = w;
	pthread_mutex_unlock(&k->lock);
	return rc == SIP_OK ? SIP_OK : SIP_NOMEM;
}

int dlg_layer_init(sip_timer_wheel *w, unsigned hash_bits)
{
	if (hash_bits < 4 || hash_bits > 24)
		return SIP_EINVAL;
	D.hash_bits = hash_bits;
	atomic_store(&D.active, 0);
	D.n_cbs = 0;
	return dlg_worker_init(w);
}

int dlg_layer_worker_start(sip_timer_wheel *w)
{
	if (!D.hash_bits)
		return SIP_ESTATE;
	return dlg_worker_init(w);
}

/* Back to the free list: the id changes, so references held elsewhere
 * (a transaction's) no longer validate. */
static void dlg_recycle(dlg *d)
{
	struct dlg_worker *k = dlg_wk(d);
	sip_timer_cancel(k->w, &d->t_life);
	sip_timer_cancel(k->w, &d->t_ka);
	dlg_profile_clear(d);
	pthread_mutex_lock(&k->lock);
	sip_htable_remove(&k->table, &d->hlink);
	d->state = DLG_FREE;
	d->id = 0;
	pthread_mutex_unlock(&k->lock);
	d->free_next = k->free;
	k->free = d;
}

/* End the caller's dialogs (DLG_END_SHUTDOWN) and free its table. One
 * at a time, the lock released around each end (its callbacks call other
 * modules). */
static void dlg_worker_destroy(void)
{
	struct dlg_worker *k = DLG_ME;
	if (!sip_htable_ready(&k->table))
		return;
	for (;;) {
		pthread_mutex_lock(&k->lock);
		sip_hiter it;
		sip_hiter_init(&it, &k->table);
		sip_hlink *l = sip_hiter_next(&it);
		sip_hiter_done(&it);
		pthread_mutex_unlock(&k->lock);
		if (!l)
			break;
		dlg *d = SIP_HTABLE_ENTRY(l, dlg, hlink);
		dlg_end(d, DLG_END_SHUTDOWN);
		dlg_recycle(d);
	}
	while (k->free) {
		dlg *d = k->free;
		k->free = d->free_next;
		sip_arena_destroy(&d->arena);
		sip_mem_free(d);
	}
	pthread_mutex_lock(&k->lock);
	sip_htable_destroy(&k->table);
	k->w = NULL;
	pthread_mutex_unlock(&k->lock);
}

void dlg_layer_worker_stop(void)
{
	dlg_worker_destroy();
}

void dlg_layer_destroy(void)
{
	dlg_worker_destroy();
	atomic_store(&D.active, 0);
	D.n_cbs = 0;
}

int dlg_callbacks_add(const struct dlg_callbacks *cb)
{
	if (D.n_cbs >= DLG_MAX_CALLBACKS)
		return SIP_ELIMIT;
	D.cbs[D.n_cbs++] = *cb;
	return SIP_OK;
}

/* Every change of a dialog's state goes through here: the one place an
 * observer (the on_state callbacks) hears of it. */
static void dlg_change(dlg *d, enum dlg_state to)
{
	enum dlg_state from = d->state;
	dlg_lock(d);
	d->state = to;
	dlg_unlock(d);
	for (unsigned i = 0; i < D.n_cbs; i++)
		if (D.cbs[i].on_state)
			D.cbs[i].on_state(d, from, D.cbs[i].arg);
}

static void dlg_on_timer(sip_timer *t, void *arg)
{
	dlg *d = arg;
	(void)t;
	if (d->state == DLG_ENDED) {
		dlg_recycle(d);
		return;
	}
	LOG_INFO("dialog %llu (Call-ID " SIP_STR_FMT ") timed out after %u s",
		 (unsigned long long)d->id, SIP_STR_ARG(d->callid), d->timeout_s);
	dlg_end(d, DLG_END_TIMEOUT);
}

static dlg *dlg_alloc(void)
{
	struct dlg_worker *k = DLG_ME;
	dlg *d = k->free;
	sip_arena arena;
	if (d) {
		k->free = d->free_next;
		sip_arena_reset(&d->arena);
		arena = d->arena;
	} else {
		struct dlg_mem *mem = sip_mem_alloc(sizeof *mem);
		if (!mem)
			return NULL;
		d = &mem->d;
		sip_arena_init_buf(&arena, mem->arena, sizeof mem->arena, 1024);
	}
	memset(d, 0, sizeof *d);
	d->arena = arena;
	d->id = atomic_fetch_add(&D.next_id, 1);
	d->worker = sip_worker_id;
	sip_timer_init(&d->t_life, dlg_on_timer, d);
	sip_timer_init(&d->t_ka, NULL, d);
	return d;
}

static sip_str naddr_uri(sip_naddr *n)
{
	return n ? n->uri_str : SIP_STR_NULL;
}

static dlg *dlg_find(uint32_t h, sip_htable_eq eq, const sip_msg *req)
{
	sip_hlink *l = sip_htable_find(&DLG_ME->table, h, eq, req);
	return l ? SIP_HTABLE_ENTRY(l, dlg, hlink) : NULL;
}

/* A dialog going on that req's INVITE (a retransmission, another copy)
 * started already. */
static bool dlg_eq_caller(const sip_hlink *l, const void *arg)
{
	const dlg *d = SIP_HTABLE_ENTRY(l, dlg, hlink);
	const sip_msg *req = arg;
	return d->state != DLG_ENDED && sip_str_eq(d->callid, req->callid) &&
	       sip_str_eq(d->caller_tag, req->from_tag);
}

dlg *dlg_create(sip_msg *req, uint32_t timeout_s)
{
	struct dlg_worker *k = DLG_ME;
	if (!sip_htable_ready(&k->table) || !req->is_request || req->method != SIP_METHOD_INVITE ||
	    req->to_tag.len || !req->callid.len || !req->from_tag.len)
		return NULL;
	uint32_t h = dlg_hash(req->callid);
	dlg *d = dlg_find(h, dlg_eq_caller, req);
	if (d)
		return d;
	d = dlg_alloc();
	if (!d)
		return NULL;
	d->callid = sip_arena_strdup(&d->arena, req->callid);
	d->caller_tag = sip_arena_strdup(&d->arena, req->from_tag);
	sip_str fu = naddr_uri(sip_msg_from(req)), tu = naddr_uri(sip_msg_to(req));
	d->caller_uri = fu.len ? sip_arena_strdup(&d->arena, fu) : SIP_STR_NULL;
	d->callee_uri = tu.len ? sip_arena_strdup(&d->arena, tu) : SIP_STR_NULL;
	if (!d->callid.s || !d->caller_tag.s || (fu.len && !d->caller_uri.s) ||
	    (tu.len && !d->callee_uri.s)) {
		d->free_next = k->free;
		k->free = d;
		return NULL;
	}
	d->timeout_s = timeout_s ? timeout_s : DLG_DEFAULT_TIMEOUT_S;
	d->created_ms = k->w->now_ms;
	pthread_mutex_lock(&k->lock);
	sip_htable_insert(&k->table, &d->hlink, h);
	pthread_mutex_unlock(&k->lock);
	atomic_fetch_add(&D.active, 1);
	dlg_change(d, DLG_UNCONFIRMED);
	/* Until it is confirmed the INVITE transaction bounds its set-up; the
	 * lifetime is a backstop should no final reply ever be seen. */
	sip_timer_add(k->w, &d->t_life, (uint64_t)d->timeout_s * 1000);
	return d;
}

static bool dlg_from_caller(const dlg *d, const sip_msg *req)
{
	return sip_str_eq(d->caller_tag, req->from_tag) && sip_str_eq(d->callee_tag, req->to_tag);
}

/* The dialog of an in-dialog request, sent by either side. */
static bool dlg_eq_tags(const sip_hlink *l, const void *arg)
{
	const dlg *d = SIP_HTABLE_ENTRY(l, dlg, hlink);
	const sip_msg *req = arg;
	if (d->state == DLG_ENDED || !d->callee_tag.len || !sip_str_eq(d->callid, req->callid))
		return false;
	return dlg_from_caller(d, req) ||
	       (sip_str_eq(d->callee_tag, req->from_tag) && sip_str_eq(d->caller_tag, req->to_tag));
}

dlg *dlg_match(sip_msg *req, bool *from_caller)
{
	if (!sip_htable_ready(&DLG_ME->table) || !req->callid.len || !req->to_tag.len)
		return NULL;
	dlg *d = dlg_find(dlg_hash(req->callid), dlg_eq_tags, req);
	if (d && from_caller)
		*from_caller = dlg_from_caller(d, req);
	return d;
}

/* Keep the callee's tag (a later fork's reply replaces an early one). */
static void dlg_set_callee_tag(dlg *d, sip_str tag)
{
	if (!tag.len || sip_str_eq(d->callee_tag, tag))
		return;
	sip_str c = sip_arena_strdup(&d->arena, tag);
	if (c.s) {
		dlg_lock(d);
		d->callee_tag = c;
		dlg_unlock(d);
	}
}

void dlg_response(dlg *d, int code, sip_str to_tag)
{
	if (d->state == DLG_ENDED || d->state == DLG_FREE || code <= 100)
		return;
	if (code < 200) {
		if (d->state == DLG_UNCONFIRMED && to_tag.len) {
			dlg_set_callee_tag(d, to_tag);
			dlg_change(d, DLG_EARLY);
		} else if (d->state == DLG_EARLY) {
			dlg_set_callee_tag(d, to_tag);
		}
		return;
	}
	if (code >= 300) {
		if (d->state != DLG_CONFIRMED)
			dlg_end(d, DLG_END_REJECTED);
		return;
	}
	if (d->state == DLG_CONFIRMED)
		return;    /* another fork's 2xx: the first one made the dialog */
	dlg_set_callee_tag(d, to_tag);
	dlg_lock(d);
	d->confirmed_ms = dlg_wheel(d)->now_ms;
	dlg_unlock(d);
	dlg_change(d, DLG_CONFIRMED);
	sip_timer_add(dlg_wheel(d), &d->t_life, (uint64_t)d->timeout_s * 1000);
	for (unsigned i = 0; i < D.n_cbs; i++)
		if (D.cbs[i].on_start)
			D.cbs[i].on_start(d, D.cbs[i].arg);
}

void dlg_end(dlg *d, enum dlg_end_reason why)
{
	if (d->state == DLG_ENDED || d->state == DLG_FREE)
		return;
	bool confirmed = d->state == DLG_CONFIRMED;
	sip_timer_wheel *w = dlg_wheel(d);
	d->end_reason = why;
	d->ended_ms = w->now_ms;
	atomic_fetch_sub(&D.active, 1);
	sip_timer_cancel(w, &d->t_ka);
	/* It leaves its profiles however it ends. */
	dlg_profile_clear(d);
	dlg_change(d, DLG_ENDED);
	uint64_t dur = confirmed ? d->ended_ms - d->confirmed_ms : 0;
	for (unsigned i = 0; i < D.n_cbs; i++)
		if (D.cbs[i].on_end)
			D.cbs[i].on_end(d, why, dur, D.cbs[i].arg);
	if (why != DLG_END_SHUTDOWN)
		sip_timer_add_coarse(w, &d->t_life, DLG_LINGER_MS);
}

void dlg_set_timeout(dlg *d, uint32_t timeout_s)
{
	if (d->state == DLG_ENDED || d->state == DLG_FREE)
		return;
	dlg_lock(d);
	d->timeout_s = timeout_s ? timeout_s : 1;
	dlg_unlock(d);
	sip_timer_add(dlg_wheel(d), &d->t_life, (uint64_t)d->timeout_s * 1000);
}

/* Keep a copy of v in d's arena in *field (v empty: unchanged). */
static int dlg_keep(dlg *d, sip_str *field, sip_str v)
{
	if (!v.len || sip_str_eq(*field, v))
		return SIP_OK;
	sip_str c = sip_arena_strdup(&d->arena, v);
	if (!c.s)
		return SIP_NOMEM;
	*field = c;
	return SIP_OK;
}

int dlg_set_leg(dlg *d, enum dlg_side s, sip_str target, sip_str routes, sip_str next_hop)
{
	struct dlg_leg *l = &d->leg[s];
	int rc = dlg_keep(d, &l->target, target);
	if (rc == SIP_OK)
		rc = dlg_keep(d, &l->routes, routes);
	if (rc == SIP_OK)
		rc = dlg_keep(d, &l->next_hop, next_hop);
	return rc;
}

int dlg_set_caller_from(dlg *d, sip_str from)
{
	return dlg_keep(d, &d->caller_from, from);
}

int dlg_set_callee_to(dlg *d, sip_str to)
{
	return dlg_keep(d, &d->callee_to, to);
}

void dlg_seen_cseq(dlg *d, enum dlg_side s, uint32_t n)
{
	struct dlg_leg *l = &d->leg[s];
	if (!l->cseq_seen || n > l->cseq) {
		l->cseq = n;
		l->cseq_seen = true;
	}
}

dlg *dlg_by_id(uint64_t id)
{
	struct dlg_worker *k = DLG_ME;
	dlg *found = NULL;
	if (!sip_htable_ready(&k->table) || !id)
		return NULL;
	/* An iterator marks the table (no resize meanwhile): under the lock,
	 * as another thread's dlg_foreach. */
	pthread_mutex_lock(&k->lock);
	sip_hiter it;
	sip_hiter_init(&it, &k->table);
	for (sip_hlink *l; !found && (l = sip_hiter_next(&it));) {
		dlg *d = SIP_HTABLE_ENTRY(l, dlg, hlink);
		if (d->id == id && d->state != DLG_ENDED && d->state != DLG_FREE)
			found = d;
	}
	sip_hiter_done(&it);
	pthread_mutex_unlock(&k->lock);
	return found;
}

static bool dlg_eq_callid(const sip_hlink *l, const void *arg)
{
	const dlg *d = SIP_HTABLE_ENTRY(l, dlg, hlink);
	return d->state != DLG_ENDED && sip_str_eq(d->callid, *(const sip_str *)arg);
}

void dlg_by_callid(sip_str callid, void (*fn)(dlg *d, void *arg), void *arg)
{
	struct dlg_worker *k = DLG_ME;
	if (!sip_htable_ready(&k->table) || !callid.len)
		return;
	/* fn may end the dialog (it then no longer matches): look again
	 * after each, at most as many times as there are dialogs. */
	uint32_t h = dlg_hash(callid);
	for (unsigned long n = atomic_load(&D.active) + 1; n; n--) {
		sip_hlink *l = sip_htable_find(&k->table, h, dlg_eq_callid, &callid);
		if (!l)
			return;
		dlg *d = SIP_HTABLE_ENTRY(l, dlg, hlink);
		enum dlg_state before = d->state;
		fn(d, arg);
		if (d->state == before)
			return;   /* fn left it as it was: it would be found again */
	}
}

const char *dlg_end_reason_name(enum dlg_end_reason why)
{
	switch (why) {
	case DLG_END_BYE: return "bye";
	case DLG_END_REJECTED: return "rejected";
	case DLG_END_TIMEOUT: return "timeout";
	case DLG_END_SHUTDOWN: return "shutdown";
	case DLG_END_POLICY:
	case DLG_END_OPERATOR: return "ended";
	case DLG_END_KEEPALIVE: return "keepalive";
	case DLG_END_SESSION: return "session_expired";
	case DLG_END_MEDIA: return "media_timeout";
	}
	return "";
}

const char *dlg_ended_by(const dlg *d)
{
	if (d->state != DLG_ENDED)
		return "";
	switch (d->end_reason) {
	case DLG_END_BYE: return d->bye_from_callee ? "callee" : "caller";
	case DLG_END_TIMEOUT:
	case DLG_END_KEEPALIVE:
	case DLG_END_SESSION:
	case DLG_END_MEDIA: return "proxy";
	case DLG_END_POLICY: return "policy";
	case DLG_END_OPERATOR: return "operator";
	default: return "";
	}
}

bool dlg_valid(const dlg *d, uint64_t id)
{
	return d && id && d->id == id && d->state != DLG_FREE;
}

unsigned long dlg_active(void)
{
	return atomic_load_explicit(&D.active, memory_order_relaxed);
}

const char *dlg_state_name(enum dlg_state s)
{
	switch (s) {
	case DLG_UNCONFIRMED: return "unconfirmed";
	case DLG_EARLY: return "early";
	case DLG_CONFIRMED: return "confirmed";
	case DLG_ENDED: return "ended";
	default: return "";
	}
}

/* The slot of variable idx in d, added to its list when new; NULL when
 * out of memory. */
static struct dlg_var *var_slot(dlg *d, unsigned idx)
{
	for (struct dlg_varn *n = d->vars; n; n = n->next)
		if (n->idx == idx)
			return &n->v;
	struct dlg_varn *n = sip_arena_alloc(&d->arena, sizeof *n);
	if (!n)
		return NULL;
	memset(n, 0, sizeof *n);
	n->idx = idx;
	n->next = d->vars;
	d->vars = n;
	return &n->v;
}

int dlg_var_set_str(dlg *d, unsigned idx, sip_str v)
{
	if (idx >= DLG_MAX_VARS)
		return SIP_EINVAL;
	sip_str c = v.len ? sip_arena_strdup(&d->arena, v) : SIP_STR_NULL;
	struct dlg_var *x = (v.len && !c.s) ? NULL : var_slot(d, idx);
	if (!x)
		return SIP_NOMEM;
	x->set = true;
	x->sval = c;
	x->ival = 0;
	return SIP_OK;
}

int dlg_var_set_int(dlg *d, unsigned idx, int64_t v)
{
	if (idx >= DLG_MAX_VARS)
		return SIP_EINVAL;
	struct dlg_var *x = var_slot(d, idx);
	if (!x)
		return SIP_NOMEM;
	x->set = true;
	x->ival = v;
	x->sval = SIP_STR_NULL;
	return SIP_OK;
}

const struct dlg_var *dlg_var_get(const dlg *d, unsigned idx)
{
	if (idx >= DLG_MAX_VARS)
		return NULL;
	for (const struct dlg_varn *n = d->vars; n; n = n->next)
		if (n->idx == idx)
			return n->v.set ? &n->v : NULL;
	return NULL;
}

/* Each worker's table under its lock: what fn reads (dlg_foreach in
 * dialog.h) is changed only under it. */
void dlg_foreach(void (*fn)(const dlg *d, void *arg), void *arg)
{
	for (unsigned i = 0; i < SIP_WORKERS_MAX; i++) {
		struct dlg_worker *k = &DW[i];
		pthread_mutex_lock(&k->lock);
		if (sip_htable_ready(&k->table)) {
			sip_hiter it;
			sip_hiter_init(&it, &k->table);
			for (sip_hlink *l; (l = sip_hiter_next(&it));) {
				const dlg *d = SIP_HTABLE_ENTRY(l, dlg, hlink);
				if (d->state != DLG_ENDED && d->state != DLG_FREE)
					fn(d, arg);
			}
		}
		pthread_mutex_unlock(&k->lock);
	}
}

int dlg_worker_of_id(uint64_t id)
{
	for (unsigned i = 0; id && i < SIP_WORKERS_MAX; i++) {
		struct dlg_worker *k = &DW[i];
		int found = 0;
		pthread_mutex_lock(&k->lock);
		if (sip_htable_ready(&k->table)) {
			sip_hiter it;
			sip_hiter_init(&it, &k->table);
			for (sip_hlink *l; !found && (l = sip_hiter_next(&it));) {
				const dlg *d = SIP_HTABLE_ENTRY(l, dlg, hlink);
				found = d->id == id && d->state != DLG_ENDED && d->state != DLG_FREE;
			}
			if (found)
				sip_hiter_done(&it);
		}
		pthread_mutex_unlock(&k->lock);
		if (found)
			return (int)i;
	}
	return -1;
}

struct dlg_adopt_key {
	sip_str callid, caller_tag, callee_tag;
};

static bool dlg_eq_adopt(const sip_hlink *l, const void *arg)
{
	const dlg *d = SIP_HTABLE_ENTRY(l, dlg, hlink);
	const struct dlg_adopt_key *k = arg;
	return d->state != DLG_ENDED && sip_str_eq(d->callid, k->callid) &&
	       sip_str_eq(d->caller_tag, k->caller_tag) && sip_str_eq(d->callee_tag, k->callee_tag);
}

/* The dialog's state is set, not changed through dlg_change: the
 * observers heard of its start on the proxy that confirmed it. */
dlg *dlg_adopt(sip_str callid, sip_str caller_tag, sip_str callee_tag, uint64_t confirmed_ago_ms,
	       uint32_t timeout_s)
{
	struct dlg_worker *k = DLG_ME;
	if (!sip_htable_ready(&k->table) || !callid.len || !caller_tag.len || !callee_tag.len)
		return NULL;
	uint32_t h = dlg_hash(callid);
	struct dlg_adopt_key key = { callid, caller_tag, callee_tag };
	sip_hlink *l = sip_htable_find(&k->table, h, dlg_eq_adopt, &key);
	if (l)
		return SIP_HTABLE_ENTRY(l, dlg, hlink);
	dlg *d = dlg_alloc();
	if (!d)
		return NULL;
	d->callid = sip_arena_strdup(&d->arena, callid);
	d->caller_tag = sip_arena_strdup(&d->arena, caller_tag);
	d->callee_tag = sip_arena_strdup(&d->arena, callee_tag);
	if (!d->callid.s || !d->caller_tag.s || !d->callee_tag.s) {
		d->free_next = k->free;
		k->free = d;
		return NULL;
	}
	uint64_t now = k->w->now_ms;
	d->timeout_s = timeout_s ? timeout_s : DLG_DEFAULT_TIMEOUT_S;
	d->created_ms = now > confirmed_ago_ms ? now - confirmed_ago_ms : 0;
	d->confirmed_ms = d->created_ms ? d->created_ms : 1;
	uint64_t life = (uint64_t)d->timeout_s * 1000;
	uint64_t left = life > confirmed_ago_ms + 1000 ? life - confirmed_ago_ms : 1000;
	pthread_mutex_lock(&k->lock);
	d->state = DLG_CONFIRMED;
	sip_htable_insert(&k->table, &d->hlink, h);
	pthread_mutex_unlock(&k->lock);
	atomic_fetch_add(&D.active, 1);
	sip_timer_add(k->w, &d->t_life, left);
	return d;
}
