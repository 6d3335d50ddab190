/* The policy functions of the dispatcher (modules/dispatcher/dispatcher.sipi),
 * the destinations' health and its probes, the control commands and the
 * module's start-up.
 *
 * What ds_select_dst() chose is the call's state of the module
 * (proxy_call_slot): it moves into the transaction when the request is
 * relayed, so ds_next_dst() in the failure route finds the destinations
 * not tried yet. Health is kept per destination (set and URI) in a table
 * of the module that outlives the snapshots of the destination table:
 * ds_health_sync() adds the destinations a new snapshot brings and drops
 * those it no longer has.
 *
 * On several workers: the table of nodes changes only on worker 0 (the
 * snapshot's loaded callback, the probes and their answers, the control
 * commands) under ds_lock held for writing; the other workers look nodes
 * up under it held for reading, and a node is never freed while they
 * may hold it. A node's health is atomic (core/health.h), so a failure
 * marked on any worker is seen by the next selection on every worker.
 * The round-robin counters are shared under ds_rr_lock, so the turns
 * are taken by all the workers together; the random draws are per
 * worker. */
#include "dispatcher/dispatcher.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "core/hash.h"
#include "core/htable.h"
#include "core/log.h"
#include "core/status.h"
#include "core/worker.h"
#include "proxy/host.h"

/* ---- health ---- */

typedef struct ds_node {
	sip_hlink link;
	int64_t setid;
	char *uri;                  /* owned */
	size_t uri_len;
	sip_health h;
	unsigned in_flight;         /* probes whose answer has not come */
	bool seen;                  /* in the snapshot being synced */
	bool gone;                  /* out of the table: freed once no probe is in flight */
} ds_node;

static sip_htable ds_nodes;
static pthread_rwlock_t ds_lock = PTHREAD_RWLOCK_INITIALIZER;
static sip_health_cfg ds_hcfg = { 3, 2 };
static const char *ds_codes = "";
static int ds_probing_mode = 1;
static unsigned ds_ping_ms, ds_ping_timeout_ms = 3000;
static sip_timer_wheel *ds_wheel;
static sip_timer ds_ping_timer;

/* Round-robin counters, one per set (few sets: a small array). */
static struct { int64_t setid; uint32_t next; } ds_rr[64];
static unsigned ds_n_rr;
static pthread_mutex_t ds_rr_lock = PTHREAD_MUTEX_INITIALIZER;

struct ds_key { int64_t setid; sip_str uri; };

static uint32_t ds_key_hash(int64_t setid, sip_str uri)
{
	return sip_hash_more(sip_hash_bytes(&setid, sizeof setid), uri.s, uri.len);
}

static bool ds_node_eq(const sip_hlink *l, const void *key)
{
	const ds_node *n = SIP_HTABLE_ENTRY(l, ds_node, link);
	const struct ds_key *k = key;
	return n->setid == k->setid && n->uri_len == k->uri.len &&
	       memcmp(n->uri, k->uri.s, k->uri.len) == 0;
}

static ds_node *ds_node_find(int64_t setid, sip_str uri)
{
	if (!sip_htable_ready(&ds_nodes))
		return NULL;
	struct ds_key k = { setid, uri };
	sip_hlink *l = sip_htable_find(&ds_nodes, ds_key_hash(setid, uri), ds_node_eq, &k);
	return l ? SIP_HTABLE_ENTRY(l, ds_node, link) : NULL;
}

static void ds_node_free(ds_node *n)
{
	sip_mem_free(n->uri);
	sip_mem_free(n);
}

/* Every change of a destination's state passes here: the log line, and
 * the place for whatever must follow a destination going down or up.
 * Called without ds_lock (the event is queued for worker 0); uri is the
 * caller's copy or a node only worker 0 frees. */
static void ds_state_changed(int64_t setid, sip_str uri, bool down, sip_health_why why)
{
	const char *reason = sip_health_why_name(why);
	LOG_NOTICE("dispatcher: destination " SIP_STR_FMT " of set %lld is now %s (%s)",
		   SIP_STR_ARG(uri), (long long)setid, down ? "inactive" : "active", reason);
	sip_str r = sip_str_make(reason, strlen(reason));
	if (down)
		sipcc_event_dispatcher_destination_down(setid, uri, r);
	else
		sipcc_event_dispatcher_destination_up(setid, uri, r);
}

/* The same for node n, on worker 0 (which alone frees nodes). */
static void ds_node_changed(ds_node *n, sip_health_why why)
{
	ds_state_changed(n->setid, sip_str_make(n->uri, n->uri_len), sip_health_down(&n->h), why);
}

/* The destinations of the snapshot now in use get a node (active when
 * new); nodes of destinations no longer in the table go. On worker 0,
 * ds_lock held for writing throughout (no I/O, no other module). */
static void ds_health_sync(void)
{
	pthread_rwlock_wrlock(&ds_lock);
	if (!sip_htable_ready(&ds_nodes) && sip_htable_init(&ds_nodes, 4) != SIP_OK) {
		pthread_rwlock_unlock(&ds_lock);
		return;
	}
	sip_hiter it;
	sip_hlink *l;
	sip_hiter_init(&it, &ds_nodes);
	while ((l = sip_hiter_next(&it)))
		SIP_HTABLE_ENTRY(l, ds_node, link)->seen = false;
	sip_hiter_done(&it);
	for (unsigned i = 0; i < ds_set_count(); i++) {
		const ds_set *s = ds_set_at(i);
		for (unsigned j = 0; j < s->n; j++) {
			const ds_dst *d = &s->dsts[j];
			ds_node *n = ds_node_find(d->setid, d->uri);
			if (!n) {
				n = sip_mem_alloc(sizeof *n);
				char *u = sip_mem_alloc(d->uri.len + 1);
				if (!n || !u) {
					sip_mem_free(n);
					sip_mem_free(u);
					continue;
				}
				memset(n, 0, sizeof *n);
				memcpy(u, d->uri.s, d->uri.len);
				u[d->uri.len] = '\0';
				n->uri = u;
				n->uri_len = d->uri.len;
				n->setid = d->setid;
				sip_health_init(&n->h);
				sip_htable_insert(&ds_nodes, &n->link, ds_key_hash(d->setid, d->uri));
			}
			n->seen = true;
		}
	}
	sip_hiter_init(&it, &ds_nodes);
	while ((l = sip_hiter_next(&it))) {
		ds_node *n = SIP_HTABLE_ENTRY(l, ds_node, link);
		if (n->seen)
			continue;
		sip_htable_remove(&ds_nodes, l);
		if (n->in_flight)
			n->gone = true;
		else
			ds_node_free(n);
	}
	sip_hiter_done(&it);
	pthread_rwlock_unlock(&ds_lock);
}

/* Whether d may be selected; ds_lock held (for reading at least). */
static bool ds_dst_up_locked(const ds_dst *d)
{
	if (d->flags & DS_FLAG_DISABLED)
		return false;
	const ds_node *n = ds_node_find(d->setid, d->uri);
	return !n || !sip_health_down(&n->h);
}

static bool ds_dst_up(const ds_dst *d)
{
	pthread_rwlock_rdlock(&ds_lock);
	bool up = ds_dst_up_locked(d);
	pthread_rwlock_unlock(&ds_lock);
	return up;
}

/* ---- probes ---- */

/* One OPTIONS in flight per destination, answered within ping_timeout
 * (the UAC then says 408). The UAC's callback always comes, so a node
 * dropped from the table meanwhile is freed there. Probes are sent from
 * worker 0's timer and their answers come back to worker 0 (the branch
 * names the sender), where the nodes are added and dropped: in_flight and
 * gone need no lock, and n stays valid until this callback. */
static void ds_probe_answer(void *arg, int code, const sip_msg *resp)
{
	ds_node *n = arg;
	(void)resp;
	if (n->in_flight)
		n->in_flight--;
	if (n->gone) {
		if (!n->in_flight)
			ds_node_free(n);
		return;
	}
	if (sip_health_probe_result(&n->h, &ds_hcfg, sip_health_code_ok(code, ds_codes)))
		ds_node_changed(n, SIP_HEALTH_PROBE);
}

static void ds_probe(ds_node *n)
{
	struct proxy_uac_req r;
	memset(&r, 0, sizeof r);
	r.method = sip_str_make("OPTIONS", 7);
	/* Empty, not NULL: the UAC copies them whatever their length. */
	r.headers = r.body = sip_str_make("", 0);
	r.ruri = sip_str_make(n->uri, n->uri_len);
	r.timeout_ms = ds_ping_timeout_ms;
	sip_health_probe_sent(&n->h);
	n->in_flight++;
	if (proxy_uac_send(&r, ds_probe_answer, n) != SIP_OK) {
		n->in_flight--;
		if (sip_health_probe_result(&n->h, &ds_hcfg, false))
			ds_node_changed(n, SIP_HEALTH_PROBE);
	}
}

static bool ds_probed(const ds_dst *d)
{
	if (d->flags & DS_FLAG_DISABLED)
		return false;
	return ds_probing_mode == 1 || (d->flags & DS_FLAG_PROBE);
}

/* Every ping_interval: one probe to each probed destination whose last
 * one is answered or decided. On worker 0, which alone changes the table
 * of nodes: it reads it without ds_lock and sends without holding it. */
static void ds_ping_all(sip_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	for (unsigned i = 0; i < ds_set_count(); i++) {
		const ds_set *s = ds_set_at(i);
		for (unsigned j = 0; j < s->n; j++) {
			ds_node *n = ds_node_find(s->dsts[j].setid, s->dsts[j].uri);
			if (n && !n->in_flight && ds_probed(&s->dsts[j]))
				ds_probe(n);
		}
	}
	sip_timer_add(ds_wheel, &ds_ping_timer, ds_ping_ms);
}

/* ---- the call's state ---- */

enum { DS_MODE_DST, DS_MODE_DOMAIN };

struct ds_call {
	int64_t setid;
	int mode;
	int64_t left[DS_MAX_DST];       /* destination ids not tried yet, in order */
	unsigned n_left;
	bool has_dst;
	sip_str uri, attrs;             /* the destination in use */
};

static sip_str ds_dup(sip_arena *a, sip_str v)
{
	return v.len ? sip_arena_strdup(a, v) : SIP_STR_NULL;
}

static void *ds_call_copy(const void *st, sip_arena *a)
{
	const struct ds_call *from = st;
	struct ds_call *c = sip_arena_alloc(a, sizeof *c);
	if (!c)
		return NULL;
	*c = *from;
	c->uri = ds_dup(a, from->uri);
	c->attrs = ds_dup(a, from->attrs);
	return c;
}


static struct ds_call *ds_call_get(struct sip_ctx *ctx, bool create, sip_arena **a)
{
	sip_arena *ar;
	void **slot = proxy_call_slot(ctx, &sipcc_module_dispatcher, &ar);
	if (a)
		*a = ar;
	if (!*slot && create) {
		struct ds_call *c = sip_arena_alloc(ar, sizeof *c);
		if (c)
			memset(c, 0, sizeof *c);
		*slot = c;
	}
	return *slot;
}

static const ds_dst *ds_dst_by_id(const ds_set *s, int64_t id)
{
	for (unsigned i = 0; s && i < s->n; i++)
		if (s->dsts[i].id == id)
			return &s->dsts[i];
	return NULL;
}

/* Send the request of ctx to d: $du, or the Request-URI's host, port and
 * parameters (its user kept). */
static bool ds_apply(struct sip_ctx *ctx, struct ds_call *c, sip_arena *a, const ds_dst *d)
{
	if (c->mode == DS_MODE_DST) {
		ctx->du = sip_arena_strdup(ctx->arena, d->uri);
	} else {
		sip_uri du, tmp, *ru;
		if (sip_uri_parse(d->uri, &du) != SIP_OK)
			return false;
		ru = ctx->new_ruri.len ? (sip_uri_parse(ctx->new_ruri, &tmp) == SIP_OK ? &tmp : NULL)
				       : sip_msg_ruri(ctx->msg);
		sip_str user = ru ? ru->user : SIP_STR_NULL;
		ctx->new_ruri = sip_arena_printf(ctx->arena,
			"%s:" SIP_STR_FMT "%s" SIP_STR_FMT "%s" SIP_STR_FMT "%s" SIP_STR_FMT,
			du.secure ? "sips" : "sip", SIP_STR_ARG(user), user.len ? "@" : "",
			SIP_STR_ARG(du.host), du.port_str.len ? ":" : "", SIP_STR_ARG(du.port_str),
			du.params.len ? ";" : "", SIP_STR_ARG(du.params));
		if (!ctx->new_ruri.len)
			return false;
	}
	c->has_dst = true;
	c->uri = ds_dup(a, d->uri);
	c->attrs = ds_dup(a, d->attrs);
	pthread_rwlock_rdlock(&ds_lock);
	ds_node *n = ds_node_find(d->setid, d->uri);
	if (n)
		sip_health_call_sent(&n->h);
	pthread_rwlock_unlock(&ds_lock);
	return true;
}

/* The next destination of the order that is still in the table and
 * active. */
static bool ds_next(struct sip_ctx *ctx, struct ds_call *c, sip_arena *a)
{
	const ds_set *s = ds_set_find(c->setid);
	unsigned i = 0;
	bool ok = false;
	while (i < c->n_left && !ok) {
		const ds_dst *d = ds_dst_by_id(s, c->left[i++]);
		ok = d && ds_dst_up(d) && ds_apply(ctx, c, a, d);
	}
	memmove(c->left, c->left + i, (c->n_left - i) * sizeof c->left[0]);
	c->n_left -= i;
	return ok;
}

/* Random draws: a generator per worker, seeded apart. */
static SIP_PER_WORKER uint32_t ds_seed_state;

static uint32_t ds_seed(void)
{
	if (!ds_seed_state)
		ds_seed_state = ((uint32_t)time(NULL) ^ (uint32_t)getpid() << 16 ^
				 (sip_worker_id + 1u) * 2654435761u) | 1u;
	return sip_health_rand(&ds_seed_state);
}

/* The set's round-robin counter, one for all the workers (so the turns
 * are even across them); beyond the sets the array holds, a random start
 * (the same share on average). */
static uint32_t ds_rr_next(int64_t setid)
{
	uint32_t v;
	pthread_mutex_lock(&ds_rr_lock);
	for (unsigned i = 0; i < ds_n_rr; i++)
		if (ds_rr[i].setid == setid) {
			v = ds_rr[i].next++;
			pthread_mutex_unlock(&ds_rr_lock);
			return v;
		}
	if (ds_n_rr < sizeof ds_rr / sizeof ds_rr[0]) {
		ds_rr[ds_n_rr].setid = setid;
		ds_rr[ds_n_rr++].next = 1;
		pthread_mutex_unlock(&ds_rr_lock);
		return 0;
	}
	pthread_mutex_unlock(&ds_rr_lock);
	return ds_seed();
}

/* What the hashing algorithms hash. */
static uint32_t ds_msg_key(struct sip_ctx *ctx, int alg)
{
	sip_msg *m = ctx->msg;
	sip_naddr *na;
	switch (alg) {
	case DS_ALG_HASH_CALLID:
		return sip_hash_str(m->callid);
	case DS_ALG_HASH_FROM:
		return (na = sip_msg_from(m)) ? sip_hash_str(na->uri_str) : 0;
	case DS_ALG_HASH_TO:
		return (na = sip_msg_to(m)) ? sip_hash_str(na->uri_str) : 0;
	case DS_ALG_HASH_RURI:
		return ctx->new_ruri.len ? sip_hash_str(ctx->new_ruri) : sip_hash_str(m->ruri_str);
	}
	return 0;
}

static int64_t ds_select(struct sip_ctx *ctx, int64_t setid, int64_t alg, int mode)
{
	if (!ctx->msg || !ctx->msg->is_request || !ds_alg_valid(alg))
		return 0;
	const ds_set *s = ds_set_find(setid);
	if (!s)
		return 0;
	bool up[DS_MAX_DST];
	unsigned order[DS_MAX_DST];
	unsigned n = s->n < DS_MAX_DST ? s->n : DS_MAX_DST;
	pthread_rwlock_rdlock(&ds_lock);
	for (unsigned i = 0; i < n; i++)
		up[i] = ds_dst_up_locked(&s->dsts[i]);
	pthread_rwlock_unlock(&ds_lock);
	uint32_t rr = alg == DS_ALG_ROUND_ROBIN ? ds_rr_next(setid) : 0;
	unsigned k = ds_order(s, (int)alg, up, ds_msg_key(ctx, (int)alg), rr, ds_seed(), order,
			      DS_MAX_DST);
	if (!k)
		return 0;
	sip_arena *a;
	struct ds_call *c = ds_call_get(ctx, true, &a);
	if (!c)
		return 0;
	c->setid = setid;
	c->mode = mode;
	c->n_left = k;
	for (unsigned i = 0; i < k; i++)
		c->left[i] = s->dsts[order[i]].id;
	return ds_next(ctx, c, a);
}

int64_t sipcc_fn_ds_select_dst(struct sip_ctx *ctx, int64_t set, int64_t alg)
{
	return ds_select(ctx, set, alg, DS_MODE_DST);
}

int64_t sipcc_fn_ds_select_domain(struct sip_ctx *ctx, int64_t set, int64_t alg)
{
	return ds_select(ctx, set, alg, DS_MODE_DOMAIN);
}

int64_t sipcc_fn_ds_next_dst(struct sip_ctx *ctx)
{
	sip_arena *a;
	struct ds_call *c;
	if (!ctx->msg || !ctx->msg->is_request || !(c = ds_call_get(ctx, false, &a)))
		return 0;
	return ds_next(ctx, c, a);
}

/* On any worker: the node is marked under ds_lock for reading (its
 * health is atomic), the change reported after with the call's copy of
 * the URI. */
int64_t sipcc_fn_ds_mark_dst(struct sip_ctx *ctx)
{
	struct ds_call *c = ds_call_get(ctx, false, NULL);
	if (!c || !c->has_dst)
		return 0;
	pthread_rwlock_rdlock(&ds_lock);
	ds_node *n = ds_node_find(c->setid, c->uri);
	bool found = n != NULL, changed = n && sip_health_call_failed(&n->h);
	pthread_rwlock_unlock(&ds_lock);
	if (!found)
		return 0;
	if (changed)
		ds_state_changed(c->setid, c->uri, true, SIP_HEALTH_CALL);
	return 1;
}

void sipcc_pv_ds_dst_uri_get(struct sip_ctx *ctx, sip_str *out)
{
	const struct ds_call *c = ds_call_get(ctx, false, NULL);
	*out = c && c->has_dst ? c->uri : SIP_STR_NULL;
}

void sipcc_pv_ds_dst_attrs_get(struct sip_ctx *ctx, sip_str *out)
{
	const struct ds_call *c = ds_call_get(ctx, false, NULL);
	*out = c && c->has_dst ? c->attrs : SIP_STR_NULL;
}

int64_t sipcc_pv_ds_setid_get(struct sip_ctx *ctx)
{
	const struct ds_call *c = ds_call_get(ctx, false, NULL);
	return c && c->has_dst ? c->setid : 0;
}

/* ---- control commands ---- */

static bool ds_parse_int(const char *s, int64_t *out)
{
	char *end;
	if (!s || !*s)
		return false;
	long long v = strtoll(s, &end, 10);
	if (*end)
		return false;
	*out = v;
	return true;
}

/* ds status [SETID]: every destination with its state and counters (on
 * worker 0, which alone changes the table of nodes). */
static bool ds_ctl_status(int argc, char **argv, proxy_ctl_out *o)
{
	int64_t only = 0;
	if (argc > 1 || (argc == 1 && !ds_parse_int(argv[0], &only)))
		return proxy_ctl_error(o, "usage: ds status [SETID]");
	proxy_ctl_printf(o, ",\"probing\":%s,\"destinations\":[", ds_ping_ms ? "true" : "false");
	bool first = true;
	for (unsigned i = 0; i < ds_set_count(); i++) {
		const ds_set *s = ds_set_at(i);
		if (argc == 1 && s->id != only)
			continue;
		for (unsigned j = 0; j < s->n; j++) {
			const ds_dst *d = &s->dsts[j];
			const ds_node *n = ds_node_find(d->setid, d->uri);
			sip_health_view v, *h = &v;
			memset(&v, 0, sizeof v);
			if (n)
				sip_health_get(&n->h, &v);
			proxy_ctl_printf(o, "%s{\"set\":%lld,\"id\":%lld,\"uri\":", first ? "" : ",",
					 (long long)d->setid, (long long)d->id);
			proxy_ctl_json_str(o, d->uri.s, d->uri.len);
			proxy_ctl_printf(o, ",\"state\":\"%s\",\"probed\":%s,\"priority\":%lld,"
					 "\"weight\":%u,\"probes_sent\":%llu,\"probes_failed\":%llu,"
					 "\"calls_sent\":%llu,\"marked\":%llu,\"attrs\":",
					 (d->flags & DS_FLAG_DISABLED) ? "disabled"
					 : h->down ? "inactive" : "active",
					 ds_ping_ms && ds_probed(d) ? "true" : "false",
					 (long long)d->priority, d->weight,
					 (unsigned long long)h->probes_sent,
					 (unsigned long long)h->probes_failed,
					 (unsigned long long)h->calls_sent,
					 (unsigned long long)h->timeouts);
			proxy_ctl_json_str(o, d->attrs.s, d->attrs.len);
			proxy_ctl_printf(o, "}");
			first = false;
		}
	}
	proxy_ctl_printf(o, "]");
	return true;
}

/* ds set SETID URI active|inactive. */
static bool ds_ctl_set(int argc, char **argv, proxy_ctl_out *o)
{
	int64_t setid;
	if (argc != 3 || !ds_parse_int(argv[0], &setid) ||
	    (strcmp(argv[2], "active") && strcmp(argv[2], "inactive")))
		return proxy_ctl_error(o, "usage: ds set SETID URI active|inactive");
	ds_node *n = ds_node_find(setid, sip_str_make(argv[1], strlen(argv[1])));
	if (!n)
		return proxy_ctl_error(o, "no destination %s in set %lld", argv[1], (long long)setid);
	if (sip_health_set(&n->h, strcmp(argv[2], "inactive") == 0))
		ds_node_changed(n, SIP_HEALTH_ADMIN);
	proxy_ctl_printf(o, ",\"state\":\"%s\"", sip_health_state_name(&n->h));
	return true;
}

static int64_t ds_dsts_stat(void) { return ds_dst_count(); }

/* An iterator pauses the table's resizing (a write): ds_lock for writing. */
static int64_t ds_inactive_stat(void)
{
	int64_t k = 0;
	pthread_rwlock_wrlock(&ds_lock);
	if (sip_htable_ready(&ds_nodes)) {
		sip_hiter it;
		sip_hlink *l;
		sip_hiter_init(&it, &ds_nodes);
		while ((l = sip_hiter_next(&it)))
			k += sip_health_down(&SIP_HTABLE_ENTRY(l, ds_node, link)->h);
		sip_hiter_done(&it);
	}
	pthread_rwlock_unlock(&ds_lock);
	return k;
}

/* ---- start-up ---- */

static void ds_module_init(sip_timer_wheel *w)
{
	ds_wheel = w;
	int64_t v = sipcc_setting_int_range("dispatcher", "inactive_threshold", 3, 1, 1000);
	ds_hcfg.fails = (unsigned)v;
	v = sipcc_setting_int_range("dispatcher", "active_threshold", 2, 1, 1000);
	ds_hcfg.oks = (unsigned)v;
	ds_codes = sipcc_setting_str("dispatcher", "ping_reply_codes", "");
	if (!sip_health_codes_valid(ds_codes)) {
		LOG_ERR("dispatcher: ping_reply_codes '%s' is not a list of codes (\"403,404\","
			" \"4xx\"): only 2xx answers a probe", ds_codes);
		ds_codes = "";
	}
	ds_probing_mode = (int)sipcc_setting_int_range("dispatcher", "probing_mode", 1, 0, 1);
	v = sipcc_setting_int_range("dispatcher", "ping_timeout", 3000, 10, 600000);
	ds_ping_timeout_ms = (unsigned)v;
	v = sipcc_setting_int_range("dispatcher", "ping_interval", 10, 0, 86400);
	ds_ping_ms = (unsigned)v * 1000u;
	if (sip_htable_init(&ds_nodes, 4) != SIP_OK)
		LOG_ERR("dispatcher: out of memory");
	ds_table_on_loaded(ds_health_sync);
	db_cache *c = ds_tables();
	if (!c || proxy_db_cache_serve(c, "dispatcher") != SIP_OK)
		LOG_ERR("dispatcher: the dispatcher table cannot be served");
	sip_stat_gauge("dispatcher.destinations", ds_dsts_stat);
	sip_stat_gauge("dispatcher.inactive", ds_inactive_stat);
	proxy_ctl_register("ds status", "[SETID]",
			   "the destinations with their state (active, inactive, disabled) and counters",
			   ds_ctl_status);
	proxy_ctl_register("ds set", "SETID URI active|inactive",
			   "set a destination's state by hand (probes may change it again)",
			   ds_ctl_set);
	sip_timer_init(&ds_ping_timer, ds_ping_all, NULL);
	if (ds_ping_ms)
		sip_timer_add(w, &ds_ping_timer, ds_ping_ms);
}

static void ds_module_destroy(void)
{
	if (ds_wheel)
		sip_timer_cancel(ds_wheel, &ds_ping_timer);
	ds_table_on_loaded(NULL);
	ds_cache_clear();
	if (sip_htable_ready(&ds_nodes)) {
		sip_hiter it;
		sip_hlink *l;
		sip_hiter_init(&it, &ds_nodes);
		while ((l = sip_hiter_next(&it))) {
			ds_node *n = SIP_HTABLE_ENTRY(l, ds_node, link);
			/* A probe still in flight is never answered now: the loop
			 * has stopped and the transactions go without their
			 * callbacks. */
			sip_htable_remove(&ds_nodes, l);
			ds_node_free(n);
		}
		sip_hiter_done(&it);
		sip_htable_destroy(&ds_nodes);
	}
	ds_n_rr = 0;
	ds_wheel = NULL;
}

sipcc_module sipcc_module_dispatcher = {
	.name = "dispatcher",
	.init = ds_module_init,
	.destroy = ds_module_destroy,
	.call_copy = ds_call_copy,
	.workers_safe = true,
};
