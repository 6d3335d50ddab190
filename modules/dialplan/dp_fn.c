/* The policy functions of dial plans (modules/dialplan/dialplan.sipi) and
 * the module's start-up.
 *
 * What the last dp_translate() applied (the rule's id and attributes) is
 * the module's state of the call (proxy_call_slot): it moves into the
 * transaction with the request, so the failure and reply routes see it
 * too. */
#include "dialplan/dialplan.h"

#include <string.h>
#include "core/log.h"
#include "core/status.h"
#include "proxy/host.h"

void dp_ctl_init(void);

/* The rule the last translation applied; its attributes live in the
 * arena of the slot holding it. */
struct dp_call {
	int64_t rule;               /* the id of the rule applied */
	sip_str attrs;              /* its attributes */
};

/* The call's state moved into its transaction's arena (call_copy). */
static void *dp_call_copy(const void *st, sip_arena *a)
{
	const struct dp_call *from = st;
	struct dp_call *c = sip_arena_alloc(a, sizeof *c);
	if (!c)
		return NULL;
	c->rule = from->rule;
	c->attrs = from->attrs.len ? sip_arena_strdup(a, from->attrs) : SIP_STR_NULL;
	return c;
}

static const struct dp_call *dp_call_get(struct sip_ctx *ctx)
{
	return *proxy_call_slot(ctx, &sipcc_module_dialplan, NULL);
}

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
	sip_arena *a;
	void **slot = proxy_call_slot(ctx, &sipcc_module_dialplan, &a);
	struct dp_call *c = *slot;
	if (!c && (c = sip_arena_alloc(a, sizeof *c)) != NULL)
		*slot = c;
	if (c) {
		c->rule = res.rule_id;
		c->attrs = res.attrs.len ? sip_arena_strdup(a, res.attrs) : SIP_STR_NULL;
	}
	return 1;
}

void sipcc_pv_dp_attrs_get(struct sip_ctx *ctx, sip_str *out)
{
	const struct dp_call *c = dp_call_get(ctx);
	*out = c ? c->attrs : SIP_STR_NULL;
}

int64_t sipcc_pv_dp_rule_get(struct sip_ctx *ctx)
{
	const struct dp_call *c = dp_call_get(ctx);
	return c ? c->rule : 0;
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
	.call_copy = dp_call_copy,
	/* Reads only its cached tables (db_cache: every worker). */
	.workers_safe = true,
};
