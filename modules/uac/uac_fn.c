/* The policy functions of the uac module (modules/uac/uac.sipi), its hooks
 * (the later requests of a dialog on the way in, the replies on the way
 * back) and its start-up. */
#include "uac/uac.h"

#include <string.h>
#include <openssl/rand.h>
#include "core/log.h"
#include "core/status.h"
#include "proxy/host.h"

extern sipcc_module sipcc_module_uac;

/* The call's state, made on first use (NULL without memory); *a is where
 * its strings belong. */
static struct uac_call *uac_state(struct sip_ctx *ctx, sip_arena **a)
{
	void **slot = proxy_call_slot(ctx, &sipcc_module_uac, a);
	if (!*slot) {
		struct uac_call *st = sip_arena_alloc(*a, sizeof *st);
		if (!st)
			return NULL;
		memset(st, 0, sizeof *st);
		*slot = st;
	}
	return *slot;
}

/* call_copy: the state into the transaction's arena, strings and all. */
static void *uac_call_copy(const void *p, sip_arena *a)
{
	const struct uac_call *src = p;
	struct uac_call *st = sip_arena_alloc(a, sizeof *st);
	if (!st)
		return NULL;
	*st = *src;
	st->from_reply = sip_arena_strdup(a, src->from_reply);
	st->to_reply = sip_arena_strdup(a, src->to_reply);
	st->trunk = sip_arena_strdup(a, src->trunk);
	st->auth_realm = sip_arena_strdup(a, src->auth_realm);
	if ((src->from_reply.len && !st->from_reply.s) || (src->to_reply.len && !st->to_reply.s) ||
	    (src->trunk.len && !st->trunk.s) || (src->auth_realm.len && !st->auth_realm.s))
		return NULL;
	return st;
}

/* ---- uac_replace_from / uac_replace_to ---- */

static int64_t uac_replace(struct sip_ctx *ctx, bool to, sip_str display, sip_str uri, bool keep_display)
{
	sip_msg *m = ctx->msg;
	const char *what = to ? "uac_replace_to" : "uac_replace_from";
	if (!m || !m->is_request)
		return 0;
	sip_naddr *n = to ? sip_msg_to(m) : sip_msg_from(m);
	sip_arena *a;
	struct uac_call *st = uac_state(ctx, &a);
	if (!n || !st)
		return 0;
	if (to ? st->to_done : st->from_done) {
		LOG_WARN("%s: the %s of this request is replaced already", what, to ? "To" : "From");
		return 0;
	}
	if (!uri.len)
		uri = n->uri_str;
	sip_str repl = uac_naddr_make(ctx->arena, display, uri, keep_display ? n : NULL);
	if (!repl.len) {
		LOG_WARN("%s: '" SIP_STR_FMT "' is not a SIP, SIPS or tel URI (or the display name has a"
			 " line break)", what, SIP_STR_ARG(uri));
		return 0;
	}
	sip_str orig = uac_naddr_part(n);
	if (uac_hdr_set(m, to ? SIP_HDR_TO : SIP_HDR_FROM, repl) != SIP_OK) {
		LOG_WARN("%s: the %s header cannot be changed (edited already)", what, to ? "To" : "From");
		return 0;
	}
	/* In a's arena: once the request has its transaction (it waited for
	 * a credential check, say) the state is the transaction's, and the
	 * message goes away before the replies come. */
	sip_str kept = sip_arena_strdup(a, orig);
	if (!kept.s)
		return 0;
	if (to) {
		st->to_done = true;
		st->to_reply = kept;
	} else {
		st->from_done = true;
		st->from_reply = kept;
	}
	/* A request in a dialog has no Record-Route to carry it: its own
	 * replies are restored, and that is all. */
	if (!m->to_tag.len) {
		sip_str p = uac_rr_ident(ctx->arena, to, m->from_tag, orig, repl);
		if (!p.s || proxy_rr_param_add(ctx, p) != SIP_OK)
			LOG_WARN("%s: the original cannot be kept in the Record-Route", what);
	}
	return 1;
}

int64_t sipcc_fn_uac_replace_from(struct sip_ctx *ctx, const char *display, size_t display_len,
				  const char *uri, size_t uri_len)
{
	return uac_replace(ctx, false, sip_str_make(display, display_len), sip_str_make(uri, uri_len), false);
}

int64_t sipcc_fn_uac_replace_from_uri(struct sip_ctx *ctx, const char *uri, size_t uri_len)
{
	return uac_replace(ctx, false, SIP_STR_NULL, sip_str_make(uri, uri_len), true);
}

int64_t sipcc_fn_uac_replace_to(struct sip_ctx *ctx, const char *display, size_t display_len,
				const char *uri, size_t uri_len)
{
	return uac_replace(ctx, true, sip_str_make(display, display_len), sip_str_make(uri, uri_len), false);
}

int64_t sipcc_fn_uac_replace_to_uri(struct sip_ctx *ctx, const char *uri, size_t uri_len)
{
	return uac_replace(ctx, true, SIP_STR_NULL, sip_str_make(uri, uri_len), true);
}

/* ---- uac_auth ---- */

/* The Record-Route values at the top of m that name this proxy: each gets
 * the CSeq shift, for the caller's later requests. False when there is
 * none (the dialog is not record-routed here). */
static bool uac_rr_mark(sip_msg *m, sip_str param, bool apply)
{
	bool any = false;
	for (sip_hdr *h = m->first[SIP_HDR_RECORD_ROUTE]; h; h = h->next_same) {
		for (sip_naddr *v = sip_hdr_naddrs(m, h); v; v = v->next) {
			if (!v->uri.is_sip || !proxy_uri_is_us(&v->uri))
				return any;
			any = true;
			if (!apply)
				continue;
			size_t at = sip_msg_off(m, v->uri_str.s + v->uri_str.len);
			sip_str ins = sip_arena_printf(m->arena, ";" SIP_STR_FMT, SIP_STR_ARG(param));
			if (!ins.s || sip_msg_insert(m, at, ins) != SIP_OK)
				return false;
		}
	}
	return any;
}

static int64_t uac_auth_run(struct sip_ctx *ctx, const uac_trunk *forced, sip_str forced_name)
{
	txn *s = ctx->txn;
	sip_msg *m = ctx->msg;
	if (!s || !m || !s->best_len || s->best_local)
		return 0;
	sip_msg *r = sip_arena_alloc(ctx->arena, sizeof *r);
	char *buf = r ? sip_arena_memdup(ctx->arena, s->best, s->best_len) : NULL;
	if (!buf || sip_msg_parse(ctx->arena, buf, s->best_len, r) != SIP_OK || r->is_request)
		return 0;
	if (r->status != 401 && r->status != 407)
		return 0;
	bool proxy = r->status == 407;
	sip_uri *ru = sip_msg_ruri(m);
	sip_str host = ru ? ru->host : SIP_STR_NULL;
	struct uac_chal c;
	const uac_trunk *t = NULL;
	sip_str realm = SIP_STR_NULL;
	for (sip_hdr *h = r->first[proxy ? SIP_HDR_PROXY_AUTHENTICATE : SIP_HDR_WWW_AUTHENTICATE]; h;
	     h = h->next_same) {
		if (!uac_chal_parse(h->body, &c))
			continue;
		realm = c.realm;
		if (forced)
			t = !forced->realm.len || sip_str_eq(forced->realm, c.realm) ? forced : NULL;
		else
			t = uac_trunk_for_realm(c.realm, host);
		if (t)
			break;
	}
	if (!t) {
		if (forced_name.len && !forced)
			LOG_NOTICE("uac_auth: no trunk called '" SIP_STR_FMT "'", SIP_STR_ARG(forced_name));
		else
			LOG_NOTICE("uac_auth: no trunk has credentials for the %d's realm \"" SIP_STR_FMT "\"",
				   r->status, SIP_STR_ARG(realm));
		return 0;
	}
	sip_arena *a;
	struct uac_call *st = uac_state(ctx, &a);
	if (!st)
		return 0;
	/* The same realm challenging again, its nonce not stale: the
	 * credentials were refused (a wrong password). Answering again would
	 * only loop. */
	if (st->auth_count && sip_str_eq(st->auth_realm, c.realm) && !c.stale) {
		LOG_NOTICE("uac_auth: the credentials of trunk " SIP_STR_FMT " for realm \"" SIP_STR_FMT
			   "\" were refused (%d again) for " SIP_STR_FMT, SIP_STR_ARG(t->name),
			   SIP_STR_ARG(c.realm), r->status, SIP_STR_ARG(m->callid));
		return 0;
	}
	unsigned char rnd[8];
	char cn[17];
	if (RAND_bytes(rnd, sizeof rnd) != 1)
		return 0;
	for (int i = 0; i < 8; i++)
		sip_fmt_hex(cn + 2 * i, rnd[i], 2);
	sip_str uri = ctx->new_ruri.len ? ctx->new_ruri : m->ruri_str;
	sip_str line = uac_auth_line(ctx->arena, proxy, &c, t->username, t->password, m->method_str, uri,
				     sip_str_make(cn, 16));
	if (!line.len || sip_msg_insert(m, m->hdrs_end, line) != SIP_OK)
		return 0;
	/* RFC 3261 §22.2: the request with credentials is a new one, its
	 * CSeq one higher. An INVITE whose dialog does not pass here again
	 * keeps it: its ACK for a 2xx, sent with the caller's CSeq straight
	 * to the callee, would not match. A request inside a dialog keeps it
	 * too: its Route set cannot carry a new shift, and the caller's next
	 * requests would reach the trunk with a CSeq it has seen already. */
	bool dialog = m->method == SIP_METHOD_INVITE || m->method == SIP_METHOD_SUBSCRIBE;
	bool routed = uac_rr_mark(m, SIP_STR_NULL, false);
	if (!m->to_tag.len && (!dialog || routed)) {
		st->auth_shift++;
		st->cseq_fix = true;
		st->cseq = m->cseq.num;
		if (uac_cseq_set(m, m->cseq.num + st->auth_shift, ctx->arena) != SIP_OK)
			return 0;
		if (dialog) {
			sip_str p = uac_rr_shift(ctx->arena, st->auth_shift, m->from_tag);
			if (!p.s || !uac_rr_mark(m, p, true))
				LOG_WARN("uac_auth: the CSeq shift cannot be kept in the Record-Route");
		}
	}
	st->auth_realm = sip_arena_strdup(a, c.realm);
	st->auth_count++;
	LOG_INFO("uac_auth: answering the %d of realm \"" SIP_STR_FMT "\" for " SIP_STR_FMT
		 " with the credentials of trunk " SIP_STR_FMT, r->status, SIP_STR_ARG(c.realm),
		 SIP_STR_ARG(m->callid), SIP_STR_ARG(t->name));
	return 1;
}

int64_t sipcc_fn_uac_auth(struct sip_ctx *ctx)
{
	return uac_auth_run(ctx, NULL, SIP_STR_NULL);
}

int64_t sipcc_fn_uac_auth_trunk(struct sip_ctx *ctx, const char *name, size_t name_len)
{
	sip_str n = sip_str_make(name, name_len);
	const uac_trunk *t = uac_trunk_by_name(n);
	if (!t) {
		LOG_NOTICE("uac_auth_trunk: no trunk called '" SIP_STR_FMT "'", SIP_STR_ARG(n));
		return 0;
	}
	return uac_auth_run(ctx, t, n);
}

/* ---- is_from_trunk ---- */

int64_t sipcc_fn_is_from_trunk(struct sip_ctx *ctx)
{
	sip_arena *a;
	struct uac_call *st = uac_state(ctx, &a);
	if (st)
		st->trunk = SIP_STR_NULL;
	char ip[64];
	sip_addr_ip(&ctx->src, ip, sizeof ip);
	sip_uri *ru = ctx->msg ? sip_msg_ruri(ctx->msg) : NULL;
	const uac_trunk *t = uac_reg_match(sip_str_make(ip, strlen(ip)), sip_addr_port(&ctx->src),
					   ru ? ru->user : SIP_STR_NULL);
	if (!t)
		return 0;
	if (st)
		st->trunk = sip_arena_strdup(a, t->name);
	return 1;
}

void sipcc_pv_trunk_get(struct sip_ctx *ctx, sip_str *out)
{
	const struct uac_call *st = *proxy_call_slot(ctx, &sipcc_module_uac, NULL);
	*out = st ? st->trunk : SIP_STR_NULL;
}

/* ---- hooks ---- */

#define UAC_ROUTE_MAX 8

/* A request in a dialog whose Route values of this proxy (removed by
 * proxy_route_self before this runs) carry what uac_replace_* and
 * uac_auth kept: rewrite it for its direction (uac_dialog_apply). */
static void uac_request(struct sip_ctx *ctx)
{
	sip_msg *m = ctx->msg;
	if (!ctx->routes_ours || !m->to_tag.len)
		return;
	struct uac_rr rr;
	memset(&rr, 0, sizeof rr);
	unsigned seen = 0;
	bool any = false;
	for (sip_hdr *h = m->first[SIP_HDR_ROUTE]; h && seen < ctx->routes_ours; h = h->next_same)
		for (sip_naddr *v = sip_hdr_naddrs(m, h); v && seen < ctx->routes_ours; v = v->next, seen++)
			if (v->uri.is_sip && proxy_uri_is_us(&v->uri) &&
			    uac_rr_read(ctx->arena, v->uri.params, &rr))
				any = true;
	if (!any)
		return;
	sip_arena *a;
	struct uac_call *st = uac_state(ctx, &a);
	if (!st || uac_dialog_apply(m, &rr, st, ctx->arena) != SIP_OK) {
		LOG_WARN("uac: cannot restore the identities of " SIP_STR_FMT " " SIP_STR_FMT,
			 SIP_STR_ARG(m->method_str), SIP_STR_ARG(m->callid));
		return;
	}
	st->from_reply = sip_arena_strdup(a, st->from_reply);
	st->to_reply = sip_arena_strdup(a, st->to_reply);
}

/* A reply of one of s's branches, before it goes upstream (or is kept as
 * the best): what the caller sent comes back. */
static void uac_reply(txn *s, sip_msg *resp)
{
	const struct uac_call *st = *proxy_txn_slot(s, &sipcc_module_uac);
	if (st && uac_reply_restore(resp, st, resp->arena) != SIP_OK)
		LOG_WARN("uac: cannot restore the identities of a %d reply", resp->status);
}

static int64_t uac_trunks_stat(void) { return uac_trunk_count(); }

/* The trunk table is loaded by the database worker and reloaded when it
 * changes (sipcc_change) and on SIGHUP; registrations follow it. */
static void uac_module_init(sip_timer_wheel *w)
{
	db_cache *c = uac_trunk_table();
	if (!c || proxy_db_cache_serve(c, "uac") != SIP_OK)
		LOG_ERR("uac: the trunk table cannot be served");
	sip_stat_gauge("uac.trunks", uac_trunks_stat);
	const char *key = sipcc_setting_str("uac", "restore_key", "");
	uac_rr_key_set(sip_str_make(key ? key : "", key ? strlen(key) : 0));
	uac_reg_init(w);
}

static void uac_module_destroy(void)
{
	uac_reg_destroy();
	uac_trunk_cache_clear();
}

sipcc_module sipcc_module_uac = {
	.name = "uac",
	.init = uac_module_init,
	.destroy = uac_module_destroy,
	.request = uac_request,
	.reply = uac_reply,
	.call_copy = uac_call_copy,
	/* The trunk table is a db_cache snapshot, the restore key is set in
	 * init and only read after, the registrations are shared under
	 * uac_reg.c's lock; the rest is the call's. */
	.workers_safe = true,
};
