/* The dialog module: the policy functions and pseudo-variables of
 * modules/dialog/dialog.sipi, the dialog variables the policy declares
 * ("dlgvar NAME: str"), and the hooks through which the proxy tells the
 * dialog layer what happens to the requests and replies of a dialog
 * (proxy/proxy.h). The proxy main starts it when a policy uses it
 * (proxy/modules.h).
 *
 * Several workers: every message of a call runs on its Call-ID's worker,
 * so the hooks and functions here see the dialogs of the caller's worker
 * (dialog/dialog.h: one table per worker, timers on its wheel, its BYEs
 * sent from it). Profiles count the dialogs of every worker under one
 * lock (set_dlg_profile_max checks and adds in one step); the control
 * commands reach another worker's dialogs through its lock or by posting
 * to it (dlg_ctl.c).
 *
 * Several proxies: with a Redis cluster.store, profiles are counted in the
 * store and confirmed dialogs kept there (dlg_share.c); set_dlg_profile,
 * set_dlg_profile_max and dlg_restore() then wait for the store. */
#include <stdint.h>
#include <string.h>
#include "core/log.h"
#include "core/status.h"
#include "core/worker.h"
#include "dialog/dialog.h"
#include "dialog/profile.h"
#include "dialog/dlg_mod.h"
#include "proxy/host.h"

/* Set in init, before the workers start; read-only after. */
static struct {
	bool up;
	uint32_t default_timeout;
} M;

/* ---- binding to transactions ---- */

/* The dialog of a transaction, in the module's slot of it: the dialog and
 * its id (a dialog is recycled; dlg_valid tells). */
struct dlg_ref {
	dlg *d;
	uint64_t id;
};

static dlg *dlg_of_txn(txn *s)
{
	const struct dlg_ref *r = *proxy_txn_slot(s, &sipcc_module_dialog);
	return r && dlg_valid(r->d, r->id) ? r->d : NULL;
}

static void dlg_bind(txn *s, dlg *d)
{
	void **slot = proxy_txn_slot(s, &sipcc_module_dialog);
	struct dlg_ref *r = *slot;
	if (!r && !(r = sip_arena_alloc(&s->arena, sizeof *r)))
		return;
	r->d = d;
	r->id = d->id;
	*slot = r;
}

/* The dialog of the message being routed (the module's slot of its
 * context), NULL when none. */
static dlg *dlg_cur(struct sip_ctx *ctx)
{
	return *proxy_ctx_slot(ctx, &sipcc_module_dialog);
}

static const struct dlg_api dlg_api = { dlg_cur, dlg_of_txn, dlg_share_end_claim };

static void dlg_set_cur(struct sip_ctx *ctx, dlg *d)
{
	*proxy_ctx_slot(ctx, &sipcc_module_dialog) = d;
}

/* ---- proxy hooks ---- */

/* Side s of d has a new target (RFC 3261 §12.2.1.2): a Contact sent in
 * a target refresh request or its 2xx. Without a route set towards it the
 * side is this proxy's neighbour, and the next hop of what the proxy sends
 * it (BYEs, probes) is where that message came from, src on sock: the
 * side moved, or, behind a NAT, its public address for the private
 * Contact (as when the dialog began, dlg_learn_caller). */
static void dlg_retarget(dlg *d, enum dlg_side s, sip_str target, const sip_addr *src,
			 const sip_socket *sock)
{
	if (!target.len)
		return;
	char buf[160];
	sip_str hop = SIP_STR_NULL;
	if (!d->leg[s].routes.len && src && sock)
		hop = dlg_addr_uri(src, sock, buf, sizeof buf);
	if (sip_str_eq(target, d->leg[s].target) && (!hop.len || sip_str_eq(hop, d->leg[s].next_hop)))
		return;
	dlg_set_leg(d, s, target, SIP_STR_NULL, hop);
	dlg_share_changed(d);
}

/* What in-dialog request ctx from side s says about it: its CSeq, and a
 * re-INVITE's or UPDATE's Contact is its new target. */
static void dlg_seen_request(struct sip_ctx *ctx, dlg *d, enum dlg_side s)
{
	sip_msg *m = ctx->msg;
	if (m->method != SIP_METHOD_ACK && m->method != SIP_METHOD_CANCEL)
		dlg_seen_cseq(d, s, m->cseq.num);
	if (m->method == SIP_METHOD_INVITE || m->method == SIP_METHOD_UPDATE)
		dlg_retarget(d, s, dlg_contact_uri(m), ctx->sock ? &ctx->src : NULL, ctx->sock);
}

/* An in-dialog request: find its dialog before the policy routes it, and
 * keep what it says about its sender (its CSeq; a re-INVITE's or
 * UPDATE's Contact is the sender's new target). */
static void hook_request(struct sip_ctx *ctx)
{
	if (!M.up)
		return;
	dlg_share_request(ctx);
	if (!ctx->msg->to_tag.len)
		return;
	bool from_caller = false;
	dlg *d = dlg_match(ctx->msg, &from_caller);
	dlg_set_cur(ctx, d);
	if (!d)
		return;
	dlg_seen_request(ctx, d, from_caller ? DLG_CALLER : DLG_CALLEE);
}

/* After the request route: the request's transaction belongs to the
 * dialog (its replies and failure route see it). A dialog created for an
 * INVITE that got no transaction (answered statelessly, forwarded
 * statelessly or dropped) or a local negative answer ends here; a BYE
 * ends its dialog once the policy has routed it. */
static void hook_routed(struct sip_ctx *ctx)
{
	dlg *d = dlg_cur(ctx);
	sip_msg *m = ctx->msg;
	if (!d || d->state == DLG_ENDED)
		return;
	if (ctx->txn && !dlg_of_txn(ctx->txn))
		dlg_bind(ctx->txn, d);
	bool initial = m->method == SIP_METHOD_INVITE && !m->to_tag.len;
	if (initial) {
		if (!ctx->txn)
			dlg_end(d, DLG_END_REJECTED);
		else if (ctx->txn->final_sent)
			dlg_response(d, ctx->txn->last_code, ctx->txn->totag);
		return;
	}
	if (m->method == SIP_METHOD_BYE) {
		d->bye_from_callee = !sip_str_eq(m->from_tag, d->caller_tag);
		dlg_end(d, DLG_END_BYE);
	}
}

/* A 2xx to a target refresh request inside the dialog (a re-INVITE, an
 * UPDATE): its Contact is the answering side's new target (RFC 3261
 * §12.2.1.2, RFC 3311 §5.1), where the BYEs and keep-alive probes the
 * proxy sends itself go from then on; the request's Contact was the
 * sender's (hook_request). The answering side is the one the request was
 * sent to: the callee when it came from the caller (its From tag is the
 * caller's). Only requests inside the dialog (their To had a tag): the
 * 2xx of the INVITE that creates it is dlg_learn_callee()'s. */
static void dlg_refresh_answerer(dlg *d, const txn *s, sip_msg *resp)
{
	enum sip_method m = resp->cseq.method;
	if (d->state == DLG_ENDED || !s->rh.to_has_tag ||
	    (m != SIP_METHOD_INVITE && m != SIP_METHOD_UPDATE))
		return;
	enum dlg_side answerer = sip_str_eq(resp->from_tag, d->caller_tag) ? DLG_CALLEE : DLG_CALLER;
	sip_addr src;
	sip_socket *sock = NULL;
	bool known = proxy_reply_source(resp, &src, &sock);
	dlg_retarget(d, answerer, dlg_contact_uri(resp), known ? &src : NULL, sock);
}

/* Provisional and 2xx replies to the INVITE move the dialog on; negative
 * ones wait for the final response (a failure route may re-route). */
static void hook_reply(txn *s, sip_msg *resp)
{
	dlg *d = dlg_of_txn(s);
	if (d && resp->status >= 200 && resp->status < 300)
		dlg_refresh_answerer(d, s, resp);
	if (!d || !s->is_invite || resp->cseq.method != SIP_METHOD_INVITE || resp->status >= 300)
		return;
	if (d->state == DLG_CONFIRMED || resp->to_tag.len == 0)
		return;
	/* Only the INVITE that created the dialog, not a re-INVITE. */
	if (resp->status >= 200)
		dlg_learn_callee(d, s, resp);
	dlg_response(d, resp->status, resp->to_tag);
}

static void hook_final(txn *s, int code)
{
	dlg *d = dlg_of_txn(s);
	if (d && s->is_invite && code >= 300)
		dlg_response(d, code, SIP_STR_NULL);
	else if (d && s->is_invite && d->state != DLG_CONFIRMED)
		dlg_response(d, code, s->totag);    /* a 2xx the policy sent itself */
}

/* A reply or failure route of s sees the dialog of its request. */
static void hook_route_txn(struct sip_ctx *ctx, txn *s)
{
	dlg_set_cur(ctx, dlg_of_txn(s));
}

/* ---- start-up ---- */

/* The policy's event routes hear of every state change
 * (dialog.state_changed): registered only when the policy has one. */
static void dlg_event_state(dlg *d, enum dlg_state from, void *arg)
{
	(void)arg;
	if (d->state == DLG_UNCONFIRMED)
		return;         /* created: the INVITE is being relayed */
	const char *st = dlg_state_name(d->state), *prev = dlg_state_name(from);
	const char *why = d->state == DLG_ENDED ? dlg_end_reason_name(d->end_reason) : "";
	sipcc_event_dialog_state_changed(d->callid, d->caller_uri, d->callee_uri,
					 sip_str_make(st, strlen(st)), sip_str_make(prev, strlen(prev)),
					 sip_str_make(why, strlen(why)));
}

static void dlg_log_start(dlg *d, void *arg)
{
	(void)arg;
	LOG_INFO("dialog %llu confirmed: " SIP_STR_FMT " -> " SIP_STR_FMT,
		 (unsigned long long)d->id, SIP_STR_ARG(d->caller_uri), SIP_STR_ARG(d->callee_uri));
}

static void dlg_log_end(dlg *d, enum dlg_end_reason why, uint64_t ms, void *arg)
{
	(void)arg;
	const char *by = dlg_ended_by(d);
	LOG_INFO("dialog %llu ended (%s)%s%s after %llu ms; %lu active",
		 (unsigned long long)d->id, dlg_end_reason_name(why), *by ? " by " : "", by,
		 (unsigned long long)ms, dlg_active());
}

static void dlg_module_init(sip_timer_wheel *w)
{
	M.default_timeout = (uint32_t)sipcc_setting_int_range("dialog", "default_timeout",
							      DLG_DEFAULT_TIMEOUT_S, 1, INT32_MAX);
	if (dlg_layer_init(w, 12) != SIP_OK) {
		LOG_ERR("dialog: cannot set up the dialog table");
		return;
	}
	static const struct dlg_callbacks log_cb = { .on_start = dlg_log_start, .on_end = dlg_log_end };
	dlg_callbacks_add(&log_cb);
	static const struct dlg_callbacks end_cb = {
		.on_end = dlg_hangup_on_end, .on_state = dlg_ka_state,
	};
	dlg_callbacks_add(&end_cb);
	if (proxy_event_wanted("dialog.state_changed")) {
		static const struct dlg_callbacks ev_cb = { .on_state = dlg_event_state };
		dlg_callbacks_add(&ev_cb);
	}
	dlg_share_init();
	dlg_share_worker_start(w);
	M.up = true;
	dlg_ctl_init();
}

/* Each other worker's own table and timers (dialog.h). */
static void dlg_module_worker_start(sip_timer_wheel *w)
{
	if (M.up && dlg_layer_worker_start(w) != SIP_OK)
		LOG_ERR("dialog: cannot set up the dialog table of worker %u", sip_worker_id);
	if (M.up)
		dlg_share_worker_start(w);
}

static void dlg_module_worker_stop(void)
{
	if (M.up)
		dlg_layer_worker_stop();
	dlg_share_worker_stop();
	dlg_hangup_destroy();
}

static void dlg_module_destroy(void)
{
	if (M.up)
		dlg_layer_destroy();
	dlg_share_worker_stop();
	dlg_hangup_destroy();
	M.up = false;
}

/* ---- policy functions ---- */

int64_t sipcc_fn_dlg_manage(struct sip_ctx *ctx)
{
	if (!M.up)
		return 0;
	dlg *d = dlg_cur(ctx);
	if (d)
		return d->state != DLG_ENDED;
	d = dlg_create(ctx->msg, M.default_timeout);
	if (!d)
		return 0;
	dlg_learn_caller(d, ctx);
	dlg_set_cur(ctx, d);
	if (ctx->txn && !dlg_of_txn(ctx->txn))
		dlg_bind(ctx->txn, d);
	return 1;
}

int64_t sipcc_fn_dlg_set_timeout(struct sip_ctx *ctx, int64_t seconds)
{
	dlg *d = dlg_cur(ctx);
	if (!d || d->state == DLG_ENDED || seconds < 1 || seconds > INT32_MAX)
		return 0;
	dlg_set_timeout(d, (uint32_t)seconds);
	return 1;
}

int64_t sipcc_fn_dlg_end_dlg(struct sip_ctx *ctx)
{
	dlg *d = dlg_cur(ctx);
	if (!d || d->state != DLG_CONFIRMED)
		return 0;
	return dlg_hangup(d, DLG_END_POLICY);
}

int64_t sipcc_fn_dlg_set_keepalive(struct sip_ctx *ctx, int64_t seconds)
{
	dlg *d = dlg_cur(ctx);
	if (!d || d->state == DLG_ENDED || seconds < 0 || seconds > 86400)
		return 0;
	dlg_keepalive(d, (uint32_t)seconds);
	return 1;
}

/* ---- profiles ---- */

int64_t sipcc_fn_set_dlg_profile(struct sip_ctx *ctx, int64_t p, const char *v, size_t vlen)
{
	dlg *d = dlg_cur(ctx);
	if (!d || d->state == DLG_ENDED || p < 0)
		return 0;
	if (dlg_profile_has_value((unsigned)p) && !vlen) {
		LOG_WARN("dialog: set_dlg_profile(%s) with an empty value; not set",
			 dlg_profile_name((unsigned)p));
		return 0;
	}
	if (dlg_share_on())
		return dlg_share_profile_add(ctx, d, (unsigned)p, sip_str_make(v, vlen), -1);
	return dlg_profile_add(d, (unsigned)p, sip_str_make(v, vlen)) == SIP_OK;
}

/* Admitted in one step under the profiles' lock, so that calls routed at
 * once on several workers cannot pass max together (get_profile_size
 * then set_dlg_profile can: each worker reads the count before the
 * other adds). */
int64_t sipcc_fn_set_dlg_profile_max(struct sip_ctx *ctx, int64_t max, int64_t p, const char *v,
				     size_t vlen)
{
	dlg *d = dlg_cur(ctx);
	if (!d || d->state == DLG_ENDED || p < 0 || max < 0)
		return 0;
	if (dlg_profile_has_value((unsigned)p) && !vlen) {
		LOG_WARN("dialog: set_dlg_profile_max(%s) with an empty value; not set",
			 dlg_profile_name((unsigned)p));
		return 0;
	}
	if (dlg_share_on())
		return dlg_share_profile_add(ctx, d, (unsigned)p, sip_str_make(v, vlen), max);
	return dlg_profile_add_max(d, (unsigned)p, sip_str_make(v, vlen), (unsigned long)max) ==
	       SIP_OK;
}

/* An empty value names no value: every value of a profile with values. */
int64_t sipcc_fn_unset_dlg_profile(struct sip_ctx *ctx, int64_t p, const char *v, size_t vlen)
{
	dlg *d = dlg_cur(ctx);
	if (!d || p < 0)
		return 0;
	if (dlg_share_on())
		dlg_share_profile_remove(d, (unsigned)p, sip_str_make(v, vlen), vlen == 0);
	return dlg_profile_remove(d, (unsigned)p, sip_str_make(v, vlen), vlen == 0);
}

int64_t sipcc_fn_is_in_profile(struct sip_ctx *ctx, int64_t p, const char *v, size_t vlen)
{
	dlg *d = dlg_cur(ctx);
	if (!d || d->state == DLG_ENDED || p < 0)
		return 0;
	return dlg_profile_is_in(d, (unsigned)p, sip_str_make(v, vlen), vlen == 0);
}

int64_t sipcc_fn_get_profile_size(struct sip_ctx *ctx, int64_t p, const char *v, size_t vlen)
{
	(void)ctx;
	if (p < 0)
		return 0;
	return (int64_t)dlg_profile_size((unsigned)p, sip_str_make(v, vlen), vlen == 0);
}

/* The store is asked only for a request this proxy has no dialog of;
 * what the request hook would have kept of it (its CSeq, a new Contact)
 * is kept here once it is taken over. */
int64_t sipcc_fn_dlg_restore(struct sip_ctx *ctx)
{
	dlg *d = dlg_cur(ctx);
	if (d)
		return d->state != DLG_ENDED;
	sip_msg *m = ctx->msg;
	if (!M.up || !dlg_share_on() || !m->is_request || !m->to_tag.len || !m->from_tag.len ||
	    !m->callid.len)
		return 0;
	if (dlg_share_restore(ctx, &d) != SIP_OK || !d)
		return 0;
	dlg_set_cur(ctx, d);
	if (ctx->txn && !dlg_of_txn(ctx->txn))
		dlg_bind(ctx->txn, d);
	dlg_seen_request(ctx, d, sip_str_eq(d->caller_tag, m->from_tag) ? DLG_CALLER : DLG_CALLEE);
	return 1;
}

int64_t sipcc_pv_DLG_store_down_get(struct sip_ctx *ctx)
{
	return dlg_share_store_down(ctx);
}

int64_t sipcc_fn_is_in_dialog(struct sip_ctx *ctx)
{
	dlg *d = dlg_cur(ctx);
	return d && d->state != DLG_ENDED;
}

int64_t sipcc_pv_DLG_count_get(struct sip_ctx *ctx)
{
	(void)ctx;
	return (int64_t)dlg_active();
}

void sipcc_pv_DLG_state_get(struct sip_ctx *ctx, sip_str *out)
{
	dlg *d = dlg_cur(ctx);
	const char *n = d ? dlg_state_name(d->state) : "";
	*out = sip_str_make(n, strlen(n));
}

int64_t sipcc_pv_DLG_lifetime_get(struct sip_ctx *ctx)
{
	dlg *d = dlg_cur(ctx);
	if (!d || !d->confirmed_ms || !dlg_wheel(d))
		return 0;
	uint64_t end = d->state == DLG_ENDED ? d->ended_ms : dlg_wheel(d)->now_ms;
	return (int64_t)((end - d->confirmed_ms) / 1000);
}

/* ---- dialog variables (policy_abi.h) ---- */

void sipcc_dlgvar_set_str(struct sip_ctx *ctx, int64_t idx, const char *s, size_t len)
{
	dlg *d = dlg_cur(ctx);
	if (!d || idx < 0) {
		LOG_DEBUG("dialog variable %lld set outside a dialog; ignored", (long long)idx);
		return;
	}
	if (dlg_var_set_str(d, (unsigned)idx, sip_str_make(s, len)) != SIP_OK)
		LOG_WARN("dialog: cannot keep dialog variable %lld", (long long)idx);
	dlg_share_changed(d);
}

void sipcc_dlgvar_set_int(struct sip_ctx *ctx, int64_t idx, int64_t v)
{
	dlg *d = dlg_cur(ctx);
	if (!d || idx < 0) {
		LOG_DEBUG("dialog variable %lld set outside a dialog; ignored", (long long)idx);
		return;
	}
	dlg_var_set_int(d, (unsigned)idx, v);
	dlg_share_changed(d);
}

/* Dialog variable idx of the message's dialog, NULL when unset or outside
 * a dialog. */
static const struct dlg_var *dlg_var_of(struct sip_ctx *ctx, int64_t idx)
{
	dlg *d = dlg_cur(ctx);
	return d && idx >= 0 ? dlg_var_get(d, (unsigned)idx) : NULL;
}

void sipcc_dlgvar_get_str(struct sip_ctx *ctx, sip_str *out, int64_t idx)
{
	const struct dlg_var *v = dlg_var_of(ctx, idx);
	*out = v ? v->sval : SIP_STR_NULL;
}

int64_t sipcc_dlgvar_get_int(struct sip_ctx *ctx, int64_t idx)
{
	const struct dlg_var *v = dlg_var_of(ctx, idx);
	return v ? v->ival : 0;
}

sipcc_module sipcc_module_dialog = {
	.name = "dialog",
	.init = dlg_module_init,
	.destroy = dlg_module_destroy,
	.worker_start = dlg_module_worker_start,
	.worker_stop = dlg_module_worker_stop,
	.request = hook_request,
	.routed = hook_routed,
	.route_txn = hook_route_txn,
	.reply = hook_reply,
	.final = hook_final,
	.api = &dlg_api,
	.workers_safe = true,
};
