/* The policy functions of dial plans (modules/dialplan/dialplan.sipi) and
 * the module's start-up.
 *
 * What the last dp_translate() applied (the rule's id and attributes) is
 * kept as AVPs with indexes no declaration uses (policy indexes start at
 * 0), so it moves into the transaction with the policy's own AVPs when the
 * request is relayed and the failure and reply routes see it too. */
#include "dialplan/dialplan.h"

#include "core/log.h"
#include "core/status.h"
#include "proxy/modules.h"
#include "proxy/proxy.h"
#include "proxy/module.h"
#include "proxy/policy_fns.h"

void dp_ctl_init(void);

enum {
	DP_AVP_RULE = -1301,        /* the id of the rule applied */
	DP_AVP_ATTRS = -1302,       /* its attributes */
};

/* The rules are read from the cache only: a translation never waits. A
 * rule that matched but could not give its result is logged (the log
 * repeats are counted, so a busy dial plan with one broken rule does not
 * flood it). */
int64_t sipcc_fn_dp_translate(struct sip_ctx *ctx, int64_t dpid, const char *s, size_t len,
			      int64_t out)
{
	dp_result res;
	int rc = dp_set_translate(dp_current(), dpid, sip_str_make(s, len), ctx->arena, &res);
	if (rc == SIP_EINVAL) {
		LOG_WARN("dialplan: rule %lld of dial plan %lld matched '%.*s' but gives no result"
			 " (its subst_exp does not match it, or the result is longer than %d)",
			 (long long)res.rule_id, (long long)dpid, (int)len, s, DP_MAX_OUTPUT);
		return 0;
	}
	if (rc != SIP_OK)
		return 0;
	sipcc_avp_push_str(ctx, out, res.out.s, res.out.len);
	sipcc_fn_avp_delete(ctx, DP_AVP_RULE);
	sipcc_avp_push_int(ctx, DP_AVP_RULE, res.rule_id);
	sipcc_fn_avp_delete(ctx, DP_AVP_ATTRS);
	sipcc_avp_push_str(ctx, DP_AVP_ATTRS, res.attrs.s, res.attrs.len);
	return 1;
}

void sipcc_pv_dp_attrs_get(struct sip_ctx *ctx, sip_str *out)
{
	sipcc_avp_get_str(ctx, out, DP_AVP_ATTRS);
}

int64_t sipcc_pv_dp_rule_get(struct sip_ctx *ctx)
{
	return sipcc_avp_get_int(ctx, DP_AVP_RULE);
}

/* ---- start-up ---- */

/* The table is loaded by the database worker and reloaded when it changes,
 * on the dialplan.reload_interval timer, on SIGHUP and by "dp reload"
 * (proxy_db_cache_serve); dp_table.c logs the rules left out. */
static void dp_module_init(sip_timer_wheel *w)
{
	(void)w;
	db_cache *c = dp_tables();
	if (!c || proxy_db_cache_serve(c, "dialplan") != SIP_OK)
		LOG_ERR("dialplan: the dialplan table cannot be served");
	dp_ctl_init();
}

static void dp_module_destroy(void)
{
	dp_cache_clear();
}

sipcc_module sipcc_module_dialplan = {
	.name = "dialplan",
	.init = dp_module_init,
	.destroy = dp_module_destroy,
};
