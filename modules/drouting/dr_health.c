/* The health of the gateways (core/health.h): OPTIONS probes of the
 * gateways marked for them (dr_gateway.probe, or every gateway with
 * drouting.probing_mode 1), and calls to a probed gateway that end in 408,
 * move a gateway between active and inactive; do_routing() and
 * use_next_gw() skip an inactive one, so a call does not wait for a dead
 * gateway. "dr status" shows the states and counters, "dr set" changes
 * one by hand.
 *
 * States live in a table of the module keyed by gateway id, outside the
 * snapshots of the gateway table, so a reload keeps them; a gateway whose
 * address changed starts again as active.
 *
 * On several workers: the table of nodes changes only on worker 0 (the
 * snapshot's loaded callback, the probes and their answers, the control
 * commands) under dr_lock held for writing; routing on the other workers
 * looks nodes up under it held for reading. A node's health is atomic
 * (core/health.h): a 408 seen on one worker makes every worker skip the
 * gateway. */
#include "drouting/drouting.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "core/hash.h"
#include "core/health.h"
#include "core/htable.h"
#include "core/log.h"
#include "core/status.h"
#include "proxy/host.h"

typedef struct dr_node {
	sip_hlink link;
	int64_t id;
	char *address;              /* owned: the address probed */
	sip_health h;
	unsigned in_flight;
	bool seen, gone;
} dr_node;

static sip_htable dr_nodes;
static pthread_rwlock_t dr_lock = PTHREAD_RWLOCK_INITIALIZER;
static sip_health_cfg dr_hcfg = { 3, 2 };
static const char *dr_codes = "";
static int dr_probing_mode;
static unsigned dr_ping_ms, dr_ping_timeout_ms = 3000;
static sip_timer_wheel *dr_wheel;
static sip_timer dr_ping_timer;

static uint32_t dr_id_hash(int64_t id)
{
	return sip_hash_bytes(&id, sizeof id);
}

static bool dr_node_eq(const sip_hlink *l, const void *key)
{
	return SIP_HTABLE_ENTRY(l, dr_node, link)->id == *(const int64_t *)key;
}

static dr_node *dr_node_find(int64_t id)
{
	if (!sip_htable_ready(&dr_nodes))
		return NULL;
	sip_hlink *l = sip_htable_find(&dr_nodes, dr_id_hash(id), dr_node_eq, &id);
	return l ? SIP_HTABLE_ENTRY(l, dr_node, link) : NULL;
}

static void dr_node_free(dr_node *n)
{
	sip_mem_free(n->address);
	sip_mem_free(n);
}

/* Every change of a gateway's state passes here: the log line, and the
 * place for whatever must follow a gateway going down or up. Called
 * without dr_lock (the event is queued for worker 0); address is the
 * caller's copy or a node's that only worker 0 frees. */
static void dr_state_changed(int64_t id, sip_str address, bool down, sip_health_why why)
{
	const char *reason = sip_health_why_name(why);
	LOG_NOTICE("drouting: gateway %lld (" SIP_STR_FMT ") is now %s (%s)", (long long)id,
		   SIP_STR_ARG(address), down ? "inactive" : "active", reason);
	sip_str r = sip_str_make(reason, strlen(reason));
	if (down)
		sipcc_event_drouting_gateway_down(id, address, r);
	else
		sipcc_event_drouting_gateway_up(id, address, r);
}

/* The same for node n, on worker 0. */
static void dr_gw_state_changed(dr_node *n, sip_health_why why)
{
	dr_state_changed(n->id, sip_str_make(n->address, strlen(n->address)),
			 sip_health_down(&n->h), why);
}

/* Drop node n from the table (freed now, or by its last probe's answer). */
static void dr_node_drop(dr_node *n)
{
	sip_htable_remove(&dr_nodes, &n->link);
	if (n->in_flight)
		n->gone = true;
	else
		dr_node_free(n);
}

/* The gateways of the snapshot now in use get a node; the others go. On
 * worker 0, dr_lock held for writing throughout (no I/O). */
static void dr_health_sync(void)
{
	pthread_rwlock_wrlock(&dr_lock);
	if (!sip_htable_ready(&dr_nodes) && sip_htable_init(&dr_nodes, 4) != SIP_OK) {
		pthread_rwlock_unlock(&dr_lock);
		return;
	}
	sip_hiter it;
	sip_hlink *l;
	sip_hiter_init(&it, &dr_nodes);
	while ((l = sip_hiter_next(&it)))
		SIP_HTABLE_ENTRY(l, dr_node, link)->seen = false;
	sip_hiter_done(&it);
	const dr_gw *g;
	for (unsigned i = 0; dr_gw_at(i, &g), g; i++) {
		dr_node *n = dr_node_find(g->id);
		if (n && (strlen(n->address) != g->address.len ||
			  memcmp(n->address, g->address.s, g->address.len) != 0)) {
			dr_node_drop(n);        /* a new address: a new peer */
			n = NULL;
		}
		if (!n) {
			n = sip_mem_alloc(sizeof *n);
			char *a = sip_mem_alloc(g->address.len + 1);
			if (!n || !a) {
				sip_mem_free(n);
				sip_mem_free(a);
				continue;
			}
			memset(n, 0, sizeof *n);
			memcpy(a, g->address.s, g->address.len);
			a[g->address.len] = '\0';
			n->address = a;
			n->id = g->id;
			sip_health_init(&n->h);
			sip_htable_insert(&dr_nodes, &n->link, dr_id_hash(g->id));
		}
		n->seen = true;
	}
	sip_hiter_init(&it, &dr_nodes);
	while ((l = sip_hiter_next(&it))) {
		dr_node *n = SIP_HTABLE_ENTRY(l, dr_node, link);
		if (!n->seen)
			dr_node_drop(n);
	}
	sip_hiter_done(&it);
	pthread_rwlock_unlock(&dr_lock);
}

static bool dr_probed(const dr_gw *g)
{
	return dr_ping_ms && (dr_probing_mode == 1 || g->probe);
}

bool dr_gw_up(const dr_gw *g)
{
	pthread_rwlock_rdlock(&dr_lock);
	const dr_node *n = dr_node_find(g->id);
	bool up = !n || !sip_health_down(&n->h);
	pthread_rwlock_unlock(&dr_lock);
	return up;
}

void dr_gw_called(int64_t id)
{
	pthread_rwlock_rdlock(&dr_lock);
	dr_node *n = dr_node_find(id);
	if (n)
		sip_health_call_sent(&n->h);
	pthread_rwlock_unlock(&dr_lock);
}

/* A call to gateway id ended in 408 (on any worker). Only a probed
 * gateway is disabled: nothing else would enable it again. The address
 * reported is the snapshot's (valid while this worker's loop turn lasts). */
void dr_gw_call_failed(int64_t id)
{
	const dr_gw *g = dr_gw_find(id);
	if (!g || !dr_probed(g))
		return;
	pthread_rwlock_rdlock(&dr_lock);
	dr_node *n = dr_node_find(id);
	bool changed = n && sip_health_call_failed(&n->h);
	pthread_rwlock_unlock(&dr_lock);
	if (changed)
		dr_state_changed(id, g->address, true, SIP_HEALTH_CALL);
}

/* ---- probes ---- */

/* Probes go out from worker 0's timer and their answers come back to
 * worker 0, where nodes are added and dropped: in_flight and gone need no
 * lock, and n stays valid until this callback. */
static void dr_probe_answer(void *arg, int code, const sip_msg *resp)
{
	dr_node *n = arg;
	(void)resp;
	if (n->in_flight)
		n->in_flight--;
	if (n->gone) {
		if (!n->in_flight)
			dr_node_free(n);
		return;
	}
	if (sip_health_probe_result(&n->h, &dr_hcfg, sip_health_code_ok(code, dr_codes)))
		dr_gw_state_changed(n, SIP_HEALTH_PROBE);
}

static void dr_probe(dr_node *n)
{
	struct proxy_uac_req r;
	memset(&r, 0, sizeof r);
	r.method = sip_str_make("OPTIONS", 7);
	/* Empty, not NULL: the UAC copies them whatever their length. */
	r.headers = r.body = sip_str_make("", 0);
	r.ruri = sip_str_make(n->address, strlen(n->address));
	r.timeout_ms = dr_ping_timeout_ms;
	sip_health_probe_sent(&n->h);
	n->in_flight++;
	if (proxy_uac_send(&r, dr_probe_answer, n) != SIP_OK) {
		n->in_flight--;
		if (sip_health_probe_result(&n->h, &dr_hcfg, false))
			dr_gw_state_changed(n, SIP_HEALTH_PROBE);
	}
}

static void dr_ping_all(sip_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	const dr_gw *g;
	for (unsigned i = 0; dr_gw_at(i, &g), g; i++) {
		dr_node *n = dr_node_find(g->id);
		if (n && !n->in_flight && dr_probed(g))
			dr_probe(n);
	}
	sip_timer_add(dr_wheel, &dr_ping_timer, dr_ping_ms);
}

/* ---- control commands ---- */

/* dr status: every gateway with its state and counters (on worker 0,
 * which alone changes the table of nodes). */
static bool dr_ctl_status(int argc, char **argv, proxy_ctl_out *o)
{
	(void)argv;
	if (argc)
		return proxy_ctl_error(o, "usage: dr status");
	proxy_ctl_printf(o, ",\"gateways\":[");
	const dr_gw *g;
	for (unsigned i = 0; dr_gw_at(i, &g), g; i++) {
		const dr_node *n = dr_node_find(g->id);
		sip_health_view v, *h = &v;
		memset(&v, 0, sizeof v);
		if (n)
			sip_health_get(&n->h, &v);
		proxy_ctl_printf(o, "%s{\"id\":%lld,\"address\":", i ? "," : "", (long long)g->id);
		proxy_ctl_json_str(o, g->address.s, g->address.len);
		proxy_ctl_printf(o, ",\"state\":\"%s\",\"probed\":%s,\"probes_sent\":%llu,"
				 "\"probes_failed\":%llu,\"calls_sent\":%llu,\"timeouts\":%llu}",
				 h->down ? "inactive" : "active", dr_probed(g) ? "true" : "false",
				 (unsigned long long)h->probes_sent,
				 (unsigned long long)h->probes_failed,
				 (unsigned long long)h->calls_sent, (unsigned long long)h->timeouts);
	}
	proxy_ctl_printf(o, "]");
	return true;
}

/* dr set GWID active|inactive. */
static bool dr_ctl_set(int argc, char **argv, proxy_ctl_out *o)
{
	char *end;
	long long id = argc == 2 ? strtoll(argv[0], &end, 10) : 0;
	if (argc != 2 || !*argv[0] || *end || (strcmp(argv[1], "active") &&
					       strcmp(argv[1], "inactive")))
		return proxy_ctl_error(o, "usage: dr set GWID active|inactive");
	dr_node *n = dr_node_find(id);
	if (!n)
		return proxy_ctl_error(o, "no gateway %lld", id);
	if (sip_health_set(&n->h, strcmp(argv[1], "inactive") == 0))
		dr_gw_state_changed(n, SIP_HEALTH_ADMIN);
	proxy_ctl_printf(o, ",\"state\":\"%s\"", sip_health_state_name(&n->h));
	return true;
}

/* An iterator pauses the table's resizing (a write): dr_lock for writing. */
static int64_t dr_inactive_stat(void)
{
	int64_t k = 0;
	pthread_rwlock_wrlock(&dr_lock);
	if (sip_htable_ready(&dr_nodes)) {
		sip_hiter it;
		sip_hlink *l;
		sip_hiter_init(&it, &dr_nodes);
		while ((l = sip_hiter_next(&it)))
			k += sip_health_down(&SIP_HTABLE_ENTRY(l, dr_node, link)->h);
		sip_hiter_done(&it);
	}
	pthread_rwlock_unlock(&dr_lock);
	return k;
}

/* ---- start-up ---- */

void dr_health_init(sip_timer_wheel *w)
{
	dr_wheel = w;
	int64_t v = sipcc_setting_int_range("drouting", "inactive_threshold", 3, 1, 1000);
	dr_hcfg.fails = (unsigned)v;
	v = sipcc_setting_int_range("drouting", "active_threshold", 2, 1, 1000);
	dr_hcfg.oks = (unsigned)v;
	dr_codes = sipcc_setting_str("drouting", "ping_reply_codes", "");
	if (!sip_health_codes_valid(dr_codes)) {
		LOG_ERR("drouting: ping_reply_codes '%s' is not a list of codes (\"403,404\","
			" \"4xx\"): only 2xx answers a probe", dr_codes);
		dr_codes = "";
	}
	dr_probing_mode = (int)sipcc_setting_int_range("drouting", "probing_mode", 0, 0, 1);
	v = sipcc_setting_int_range("drouting", "ping_timeout", 3000, 10, 600000);
	dr_ping_timeout_ms = (unsigned)v;
	v = sipcc_setting_int_range("drouting", "ping_interval", 10, 0, 86400);
	dr_ping_ms = (unsigned)v * 1000u;
	if (sip_htable_init(&dr_nodes, 4) != SIP_OK)
		LOG_ERR("drouting: out of memory");
	dr_table_on_loaded(dr_health_sync);
	sip_stat_gauge("dr.inactive", dr_inactive_stat);
	proxy_ctl_register("dr status", "",
			   "the gateways with their state (active, inactive) and counters", dr_ctl_status);
	proxy_ctl_register("dr set", "GWID active|inactive",
			   "set a gateway's state by hand (probes may change it again)", dr_ctl_set);
	sip_timer_init(&dr_ping_timer, dr_ping_all, NULL);
	if (dr_ping_ms)
		sip_timer_add(w, &dr_ping_timer, dr_ping_ms);
}

void dr_health_destroy(void)
{
	if (dr_wheel)
		sip_timer_cancel(dr_wheel, &dr_ping_timer);
	dr_table_on_loaded(NULL);
	if (sip_htable_ready(&dr_nodes)) {
		sip_hiter it;
		sip_hlink *l;
		sip_hiter_init(&it, &dr_nodes);
		while ((l = sip_hiter_next(&it))) {
			/* A probe in flight is never answered now (the loop has
			 * stopped; transactions go without their callbacks). */
			sip_htable_remove(&dr_nodes, l);
			dr_node_free(SIP_HTABLE_ENTRY(l, dr_node, link));
		}
		sip_hiter_done(&it);
		sip_htable_destroy(&dr_nodes);
	}
	dr_wheel = NULL;
}
