/* The policy functions of dynamic routing (modules/drouting/drouting.sipi) and the
 * module's start-up and refresh timer.
 *
 * What do_routing() chose is kept as AVPs with indexes no declaration
 * uses (policy indexes start at 0), so it moves into the transaction with
 * the policy's own AVPs when the request is relayed, and use_next_gw() in
 * the failure route finds the number as it was dialled and the gateways
 * not yet tried. */
#include "drouting/drouting.h"

#include <stdio.h>
#include <string.h>
#include "core/log.h"
#include "core/status.h"
#include "proxy/modules.h"
#include "proxy/proxy.h"
#include "script/script.h"
#include "proxy/module.h"
#include "proxy/policy_fns.h"

void dr_ctl_init(void);

enum {
	DR_AVP_NUMBER = -1001,      /* the request-URI user before any rewrite */
	DR_AVP_LEFT = -1002,        /* gateway ids not tried yet, "2,3" */
	DR_AVP_GW = -1003,          /* the chosen gateway's id */
	DR_AVP_GW_URI = -1004,      /* its address */
	DR_AVP_GW_ATTRS = -1005,    /* its attributes */
};

static sip_uri *dr_ruri(struct sip_ctx *ctx, sip_uri *tmp)
{
	if (ctx->new_ruri.len)
		return sip_uri_parse(ctx->new_ruri, tmp) == SIP_OK ? tmp : NULL;
	return sip_msg_ruri(ctx->msg);
}

static void dr_set_str(struct sip_ctx *ctx, int64_t idx, sip_str v)
{
	sipcc_fn_avp_delete(ctx, idx);
	sipcc_avp_push_str(ctx, idx, v.s, v.len);
}

/* Send the request to gw: the Request-URI becomes the rewritten number at
 * the gateway's host and port (with the address's parameters), and $du
 * the gateway's address. False (nothing changed) for an address that does
 * not parse. */
static bool dr_apply(struct sip_ctx *ctx, const dr_gw *gw, sip_str number)
{
	sip_uri u;
	if (sip_uri_parse(gw->address, &u) != SIP_OK || !u.is_sip || !u.host.len) {
		LOG_WARN("drouting: gateway %lld has an unusable address '" SIP_STR_FMT "'",
			 (long long)gw->id, SIP_STR_ARG(gw->address));
		return false;
	}
	sip_str user = dr_rewrite(gw, number, ctx->arena);
	ctx->new_ruri = sip_arena_printf(ctx->arena,
		"%s:" SIP_STR_FMT "%s" SIP_STR_FMT "%s" SIP_STR_FMT "%s" SIP_STR_FMT,
		u.secure ? "sips" : "sip", SIP_STR_ARG(user), user.len ? "@" : "",
		SIP_STR_ARG(u.host), u.port_str.len ? ":" : "", SIP_STR_ARG(u.port_str),
		u.params.len ? ";" : "", SIP_STR_ARG(u.params));
	ctx->du = sip_arena_strdup(ctx->arena, gw->address);
	sipcc_fn_avp_delete(ctx, DR_AVP_GW);
	sipcc_avp_push_int(ctx, DR_AVP_GW, gw->id);
	dr_set_str(ctx, DR_AVP_GW_URI, gw->address);
	dr_set_str(ctx, DR_AVP_GW_ATTRS, gw->attrs);
	return ctx->new_ruri.len > 0;
}

/* Take gateways off the list of the ones left until one can be used. A
 * gateway removed from the table since do_routing() is skipped. */
static bool dr_next(struct sip_ctx *ctx)
{
	sip_str number, left;
	int64_t ids[DR_MAX_GWLIST];

	sipcc_avp_get_str(ctx, &number, DR_AVP_NUMBER);
	sipcc_avp_get_str(ctx, &left, DR_AVP_LEFT);
	int n = left.len ? dr_gwlist_parse(left, ids, DR_MAX_GWLIST) : 0;
	for (int i = 0; i < n; i++) {
		const dr_gw *gw = dr_gw_find(ids[i]);
		if (!gw || !dr_apply(ctx, gw, number))
			continue;
		char buf[DR_MAX_GWLIST * 21];
		size_t len = 0;
		for (int j = i + 1; j < n; j++)
			len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%lld", len ? "," : "",
						(long long)ids[j]);
		dr_set_str(ctx, DR_AVP_LEFT, sip_str_make(buf, len));
		return true;
	}
	sipcc_fn_avp_delete(ctx, DR_AVP_LEFT);
	return false;
}

int64_t sipcc_fn_do_routing(struct sip_ctx *ctx, int64_t group)
{
	sip_uri tmp, *u;
	if (!ctx->msg || !ctx->msg->is_request || !(u = dr_ruri(ctx, &tmp)) || !u->user.len)
		return 0;
	const dr_rule *r = dr_match(group, u->user);
	if (!r)
		return 0;
	char buf[DR_MAX_GWLIST * 21];
	size_t len = 0;
	for (unsigned j = 0; j < r->n_gws; j++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%lld", len ? "," : "",
					(long long)r->gws[j]);
	dr_set_str(ctx, DR_AVP_NUMBER, u->user);
	dr_set_str(ctx, DR_AVP_LEFT, sip_str_make(buf, len));
	return dr_next(ctx);
}

int64_t sipcc_fn_use_next_gw(struct sip_ctx *ctx)
{
	if (!ctx->msg || !ctx->msg->is_request)
		return 0;
	return dr_next(ctx);
}

int64_t sipcc_pv_dr_gw_id_get(struct sip_ctx *ctx)
{
	return sipcc_avp_get_int(ctx, DR_AVP_GW);
}

void sipcc_pv_dr_gw_uri_get(struct sip_ctx *ctx, sip_str *out)
{
	sipcc_avp_get_str(ctx, out, DR_AVP_GW_URI);
}

void sipcc_pv_dr_gw_attrs_get(struct sip_ctx *ctx, sip_str *out)
{
	sipcc_avp_get_str(ctx, out, DR_AVP_GW_ATTRS);
}

/* ---- start-up ---- */

/* The tables are loaded by the database worker and reloaded on the
 * drouting.reload_interval timer, on SIGHUP and by "dr reload"
 * (proxy_db_cache_serve); dr_table.c logs each load that changes the
 * numbers of gateways or rules. */
static void dr_module_init(sip_timer_wheel *w)
{
	(void)w;
	db_cache *c = dr_tables();
	if (!c || proxy_db_cache_serve(c, "drouting") != SIP_OK)
		LOG_ERR("drouting: the gateway tables cannot be served");
	dr_ctl_init();
}

static void dr_module_destroy(void)
{
	dr_cache_clear();
}

sipcc_module sipcc_module_drouting = {
	.name = "drouting",
	.init = dr_module_init,
	.destroy = dr_module_destroy,
};
