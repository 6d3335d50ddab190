/* The policy functions of dynamic routing (modules/drouting/drouting.sipi) and the
 * module's start-up and refresh timer.
 *
 * What do_routing() chose is the call's state of the module
 * (proxy_call_slot): it moves into the transaction when the request is
 * relayed, so use_next_gw() in the failure route finds the number as it
 * was dialled and the gateways not yet tried, and $dr_gw_* read the
 * gateway in use in every route of the call.
 *
 * Safe on several workers: the tables are db_cache snapshots, the health
 * of the gateways is shared under dr_health.c's lock, the weighted draw
 * has a generator per worker, and everything else is the call's. */
#include "drouting/drouting.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "core/health.h"
#include "core/log.h"
#include "core/status.h"
#include "core/worker.h"
#include "proxy/host.h"

void dr_ctl_init(void);

/* The call's routing state; its strings live in the arena of the slot
 * holding it (the message's, then the transaction's). */
struct dr_call {
	sip_str number;                 /* the request-URI user before any rewrite */
	int64_t left[DR_MAX_GWLIST];    /* gateway ids not tried yet, in order */
	unsigned n_left;
	bool has_gw;                    /* a gateway was chosen */
	int64_t gw_id;                  /* the chosen gateway's id */
	sip_str gw_uri;                 /* its address */
	sip_str gw_attrs;               /* its attributes */
	int64_t failed_gw;              /* the gateway last reported for a 408 */
};

static sip_str dr_dup(sip_arena *a, sip_str v)
{
	return v.len ? sip_arena_strdup(a, v) : SIP_STR_NULL;
}

/* The call's state moved into its transaction's arena (call_copy). */
static void *dr_call_copy(const void *st, sip_arena *a)
{
	const struct dr_call *from = st;
	struct dr_call *c = sip_arena_alloc(a, sizeof *c);
	if (!c)
		return NULL;
	*c = *from;
	c->number = dr_dup(a, from->number);
	c->gw_uri = dr_dup(a, from->gw_uri);
	c->gw_attrs = dr_dup(a, from->gw_attrs);
	return c;
}

/* The state of the call ctx works on, made empty when create and none is
 * kept yet (NULL then only without memory); *a is the arena its strings
 * go in. */
static struct dr_call *dr_call_get(struct sip_ctx *ctx, bool create, sip_arena **a)
{
	sip_arena *ar;
	void **slot = proxy_call_slot(ctx, &sipcc_module_drouting, &ar);
	if (a)
		*a = ar;
	if (!*slot && create) {
		struct dr_call *c = sip_arena_alloc(ar, sizeof *c);
		if (c)
			memset(c, 0, sizeof *c);
		*slot = c;
	}
	return *slot;
}

static sip_uri *dr_ruri(struct sip_ctx *ctx, sip_uri *tmp)
{
	if (ctx->new_ruri.len)
		return sip_uri_parse(ctx->new_ruri, tmp) == SIP_OK ? tmp : NULL;
	return sip_msg_ruri(ctx->msg);
}

/* Send the request to gw: the Request-URI becomes the rewritten number at
 * the gateway's host and port (with the address's parameters), and $du
 * the gateway's address; c records the gateway. False (nothing changed)
 * for an address that does not parse. */
static bool dr_apply(struct sip_ctx *ctx, struct dr_call *c, sip_arena *a, const dr_gw *gw)
{
	sip_uri u;
	if (sip_uri_parse(gw->address, &u) != SIP_OK || !u.is_sip || !u.host.len) {
		LOG_WARN("drouting: gateway %lld has an unusable address '" SIP_STR_FMT "'",
			 (long long)gw->id, SIP_STR_ARG(gw->address));
		return false;
	}
	sip_str user = dr_rewrite(gw, c->number, ctx->arena);
	ctx->new_ruri = sip_arena_printf(ctx->arena,
		"%s:" SIP_STR_FMT "%s" SIP_STR_FMT "%s" SIP_STR_FMT "%s" SIP_STR_FMT,
		u.secure ? "sips" : "sip", SIP_STR_ARG(user), user.len ? "@" : "",
		SIP_STR_ARG(u.host), u.port_str.len ? ":" : "", SIP_STR_ARG(u.port_str),
		u.params.len ? ";" : "", SIP_STR_ARG(u.params));
	ctx->du = sip_arena_strdup(ctx->arena, gw->address);
	dr_gw_called(gw->id);
	c->has_gw = true;
	c->gw_id = gw->id;
	c->gw_uri = dr_dup(a, gw->address);
	c->gw_attrs = dr_dup(a, gw->attrs);
	return ctx->new_ruri.len > 0;
}

/* Take gateways off the list of the ones left until one can be used. A
 * gateway removed from the table since do_routing(), or inactive (its
 * probes fail), is skipped. */
static bool dr_next(struct sip_ctx *ctx, struct dr_call *c, sip_arena *a)
{
	unsigned i = 0;
	bool ok = false;
	while (i < c->n_left && !ok) {
		const dr_gw *gw = dr_gw_find(c->left[i++]);
		ok = gw && dr_gw_up(gw) && dr_apply(ctx, c, a, gw);
	}
	memmove(c->left, c->left + i, (c->n_left - i) * sizeof c->left[0]);
	c->n_left -= i;
	return ok;
}

/* A weighted rule's order for one call: drawn among the gateways of
 * weight above 0 in proportion to their weights, then those of weight 0
 * (failover only) in list order. */
static SIP_PER_WORKER uint32_t dr_seed;   /* one generator per worker */

static void dr_weighted(const dr_rule *r, struct dr_call *c)
{
	uint32_t seed = dr_seed;
	unsigned idx[DR_MAX_GWLIST], w[DR_MAX_GWLIST], order[DR_MAX_GWLIST], m = 0, k = 0;
	if (!seed)
		seed = ((uint32_t)time(NULL) ^ (uint32_t)getpid() << 16 ^
			(sip_worker_id + 1u) * 2654435761u) | 1u;
	for (unsigned i = 0; i < c->n_left; i++) {
		if (r->weights[i]) {
			idx[m] = i;
			w[m++] = r->weights[i];
		}
	}
	sip_health_weighted_order(w, m, sip_health_rand(&seed), order);
	dr_seed = seed;
	for (unsigned i = 0; i < m; i++)
		c->left[k++] = r->gws[idx[order[i]]];
	for (unsigned i = 0; i < c->n_left; i++)
		if (!r->weights[i])
			c->left[k++] = r->gws[i];
}

int64_t sipcc_fn_do_routing(struct sip_ctx *ctx, int64_t group)
{
	sip_uri tmp, *u;
	if (!ctx->msg || !ctx->msg->is_request || !(u = dr_ruri(ctx, &tmp)) || !u->user.len)
		return 0;
	const dr_rule *r = dr_match(group, u->user);
	if (!r)
		return 0;
	sip_arena *a;
	struct dr_call *c = dr_call_get(ctx, true, &a);
	if (!c)
		return 0;
	/* A new routing keeps the gateway chosen before until one is. */
	c->number = dr_dup(a, u->user);
	c->n_left = r->n_gws < DR_MAX_GWLIST ? r->n_gws : DR_MAX_GWLIST;
	if (r->weighted)
		dr_weighted(r, c);
	else
		memcpy(c->left, r->gws, c->n_left * sizeof c->left[0]);
	return dr_next(ctx, c, a);
}

int64_t sipcc_fn_use_next_gw(struct sip_ctx *ctx)
{
	sip_arena *a;
	struct dr_call *c;
	if (!ctx->msg || !ctx->msg->is_request || !(c = dr_call_get(ctx, false, &a)))
		return 0;
	return dr_next(ctx, c, a);
}

int64_t sipcc_pv_dr_gw_id_get(struct sip_ctx *ctx)
{
	const struct dr_call *c = dr_call_get(ctx, false, NULL);
	return c && c->has_gw ? c->gw_id : 0;
}

void sipcc_pv_dr_gw_uri_get(struct sip_ctx *ctx, sip_str *out)
{
	const struct dr_call *c = dr_call_get(ctx, false, NULL);
	*out = c && c->has_gw ? c->gw_uri : SIP_STR_NULL;
}

void sipcc_pv_dr_gw_attrs_get(struct sip_ctx *ctx, sip_str *out)
{
	const struct dr_call *c = dr_call_get(ctx, false, NULL);
	*out = c && c->has_gw ? c->gw_attrs : SIP_STR_NULL;
}

/* ---- gateways that time out ---- */

/* The gateway of call c ended in 408 (no answer, or it gave up): report
 * it once, so a probed gateway is skipped by the next calls. */
static void dr_call_timed_out(struct dr_call *c)
{
	if (!c || !c->has_gw || c->failed_gw == c->gw_id)
		return;
	c->failed_gw = c->gw_id;
	dr_gw_call_failed(c->gw_id);
}

/* A failure route is about to run for a branch that ended in 408. */
static void dr_route_txn(struct sip_ctx *ctx, txn *s)
{
	if (ctx->route_kind != SIPCC_ROUTE_FAILURE || ctx->reply_code != 408)
		return;
	dr_call_timed_out(*proxy_txn_slot(s, &sipcc_module_drouting));
}

/* The final response upstream is a 408 (no failure route took the call
 * elsewhere). */
static void dr_txn_final(txn *s, int code)
{
	if (code == 408)
		dr_call_timed_out(*proxy_txn_slot(s, &sipcc_module_drouting));
}

/* The gateway of s for accounting (struct dr_api). */
static int64_t dr_txn_gw(txn *s)
{
	const struct dr_call *c = *proxy_txn_slot(s, &sipcc_module_drouting);
	return c && c->has_gw ? c->gw_id : 0;
}

static const struct dr_api dr_api = { .txn_gw = dr_txn_gw };

/* ---- start-up ---- */

/* The tables are loaded by the database worker and reloaded on the
 * drouting.reload_interval timer, on SIGHUP and by "dr reload"
 * (proxy_db_cache_serve); dr_table.c logs each load that changes the
 * numbers of gateways or rules. */
static void dr_module_init(sip_timer_wheel *w)
{
	dr_health_init(w);
	db_cache *c = dr_tables();
	if (!c || proxy_db_cache_serve(c, "drouting") != SIP_OK)
		LOG_ERR("drouting: the gateway tables cannot be served");
	dr_ctl_init();
}

static void dr_module_destroy(void)
{
	dr_health_destroy();
	dr_cache_clear();
}

sipcc_module sipcc_module_drouting = {
	.name = "drouting",
	.init = dr_module_init,
	.destroy = dr_module_destroy,
	.route_txn = dr_route_txn,
	.final = dr_txn_final,
	.call_copy = dr_call_copy,
	.api = &dr_api,
	.workers_safe = true,
};
