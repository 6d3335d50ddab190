/* The stdlib functions and pseudo-variables of stdlib/core.sipi, with the
 * calling convention of policy_abi.h, and the registration entry points
 * sipcc_policy_init() calls. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/clock.h"
#include "core/log.h"
#include "core/status.h"
#include "proxy/module.h"
#include "proxy/policy.h"
#include "proxy/proxy.h"
#include "proxy/routes.h"
#include "script/script.h"
#include "proxy/policy_fns.h"

/* ---- registration ---- */

void sipcc_reg_listen(const char *proto, const char *addr, int64_t port)
{
	if (proxy_policy_staging()) {
		proxy_policy_stage_listen(proto, addr, port);
		return;
	}
	if (proxy_conf.n_listen >= PROXY_MAX_LISTEN) {
		LOG_WARN("too many listen addresses; ignoring %s:%s:%lld", proto, addr, (long long)port);
		return;
	}
	struct proxy_listen *l = &proxy_conf.listen[proxy_conf.n_listen++];
	snprintf(l->proto, sizeof l->proto, "%s", proto);
	snprintf(l->addr, sizeof l->addr, "%s", addr);
	l->port = (int)port;
}

void sipcc_reg_domain(const char *name)
{
	if (proxy_policy_staging()) {
		proxy_policy_stage_domain(name);
		return;
	}
	if (proxy_conf.n_domains < PROXY_MAX_DOMAINS)
		proxy_conf.domains[proxy_conf.n_domains++] = name;
}

void sipcc_reg_route(int64_t kind, const char *name, sipcc_route_fn fn)
{
	proxy_routes_reg(kind, name, fn);
}

void sipcc_str_concat(struct sip_ctx *ctx, sip_str *out,
		      const char *a, size_t alen, const char *b, size_t blen)
{
	char *p = sip_arena_alloc(ctx->arena, alen + blen + 1);
	if (!p) {
		*out = SIP_STR_NULL;
		return;
	}
	if (alen) memcpy(p, a, alen);
	if (blen) memcpy(p + alen, b, blen);
	p[alen + blen] = '\0';
	*out = sip_str_make(p, alen + blen);
}

void sipcc_int_to_str(struct sip_ctx *ctx, sip_str *out, int64_t v)
{
	*out = sip_arena_printf(ctx->arena, "%lld", (long long)v);
}

/* A pattern that failed to compile: matched by nothing, logged once. The
 * compiler has checked every literal with the same regcomp, so this is
 * only a libc that disagrees. */
static char regex_bad;

/* The cache is one global of the policy per literal, shared by every
 * worker: the first to match compiles the pattern and publishes it with a
 * compare-and-swap (release); a worker that lost the race frees its copy
 * and uses the winner's. Readers load it with acquire, so the compiled
 * pattern is seen whole (regexec itself may run on several threads). */
int64_t sipcc_regex_match(struct sip_ctx *ctx, void **cache, const char *re, size_t relen,
			  const char *s, size_t len)
{
	(void)relen;
	void *rx = __atomic_load_n(cache, __ATOMIC_ACQUIRE);
	if (!rx) {
		regex_t *r = malloc(sizeof *r);
		int rc = r ? regcomp(r, re, REG_EXTENDED | REG_NOSUB) : REG_ESPACE;
		void *mine = &regex_bad;
		if (rc != 0) {
			LOG_ERR("cannot compile the regular expression \"%s\" (error %d)", re, rc);
			free(r);
		} else {
			mine = r;
		}
		void *none = NULL;
		if (__atomic_compare_exchange_n(cache, &none, mine, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			rx = mine;
		} else {
			if (mine != &regex_bad) {
				regfree(r);
				free(r);
			}
			rx = none;
		}
	}
	if (rx == &regex_bad)
		return 0;
	char buf[512];
	char *subject = buf;
	if (len >= sizeof buf) {
		subject = sip_arena_alloc(ctx->arena, len + 1);
		if (!subject)
			return 0;
	}
	if (len)
		memcpy(subject, s, len);
	subject[len] = '\0';
	return regexec((const regex_t *)rx, subject, 0, NULL, 0) == 0;
}

void sipcc_loop_bound(struct sip_ctx *ctx, const char *where, int64_t max)
{
	(void)ctx;
	LOG_ERR("%s: while loop stopped after %lld iterations", where, (long long)max);
}

/* ---- replies and forwarding ---- */

int64_t sipcc_fn_reply(struct sip_ctx *ctx, int64_t code, const char *reason, size_t len)
{
	if (code < 100 || code > 699)
		return 0;
	return proxy_reply(ctx, (int)code, sip_str_make(reason, len), false) == SIP_OK;
}

int64_t sipcc_fn_t_reply(struct sip_ctx *ctx, int64_t code, const char *reason, size_t len)
{
	if (code < 100 || code > 699)
		return 0;
	int rc = proxy_reply(ctx, (int)code, sip_str_make(reason, len), true);
	script_txn_bind(ctx);
	proxy_modules_txn_bind(ctx);
	return rc == SIP_OK;
}

int64_t sipcc_fn_t_relay(struct sip_ctx *ctx)
{
	int rc = proxy_relay(ctx, true);
	/* The transaction exists now: AVPs and flags move into it so the
	 * failure and reply routes see them, and the modules' state too. */
	script_txn_bind(ctx);
	proxy_modules_txn_bind(ctx);
	return rc == SIP_OK;
}

int64_t sipcc_fn_forward(struct sip_ctx *ctx)
{
	return proxy_relay(ctx, false) == SIP_OK;
}

int64_t sipcc_fn_t_check_trans(struct sip_ctx *ctx)
{
	if (ctx->msg->method == SIP_METHOD_CANCEL)
		return ctx->cancel_target != NULL || ctx->cancel_done;
	return ctx->matched != NULL;
}

void sipcc_fn_t_on_failure(struct sip_ctx *ctx, sipcc_route_fn r)
{
	ctx->on_failure = r;
	if (ctx->txn && ctx->route_kind != SIPCC_ROUTE_REQUEST)
		ctx->txn->u_fail = (void *)r;
}

void sipcc_fn_t_on_branch(struct sip_ctx *ctx, sipcc_route_fn r)
{
	ctx->on_branch = r;
}

void sipcc_fn_t_on_reply(struct sip_ctx *ctx, sipcc_route_fn r)
{
	ctx->on_reply = r;
	if (ctx->txn && ctx->route_kind != SIPCC_ROUTE_REQUEST)
		ctx->txn->u_reply = (void *)r;
}

/* ---- routing headers ---- */

int64_t sipcc_fn_record_route(struct sip_ctx *ctx)
{
	if (!ctx->msg->is_request || ctx->prepared)
		return 0;
	ctx->record_route = true;
	return 1;
}

/* The §16.4 work is done before the request route runs
 * (proxy_route_self): the values naming this proxy are gone already.
 * True when the Route set routes the request, as Kamailio's and
 * OpenSIPS's loose_route() say: a Route is left to follow, or, inside a
 * dialog, the request came with Route values of ours (it then goes to
 * its Request-URI). An initial request whose only Route named this proxy
 * (a phone that preloads its outbound proxy) is not routed by it: false,
 * and the policy routes it as any initial request. $du is set to the
 * next Route when there is one and $du was empty. */
int64_t sipcc_fn_loose_route(struct sip_ctx *ctx)
{
	sip_msg *m = ctx->msg;
	if (!m->is_request || ctx->prepared)
		return 0;
	proxy_route_self(ctx);
	if (ctx->route_next.len && !ctx->du.len)
		ctx->du = ctx->route_next;
	return ctx->route_next.len || (ctx->routes_ours && m->to_tag.len);
}

int64_t sipcc_fn_has_totag(struct sip_ctx *ctx)
{
	return ctx->msg->to_tag.len > 0;
}

int64_t sipcc_fn_maxfwd_ok(struct sip_ctx *ctx, int64_t limit)
{
	sip_msg *m = ctx->msg;
	if (ctx->maxfwd >= 0)
		return ctx->maxfwd >= 0;
	if (m->max_forwards < 0) {
		ctx->maxfwd = (int)limit;
		return 1;
	}
	if (m->max_forwards == 0)
		return 0;
	int v = m->max_forwards > limit ? (int)limit : m->max_forwards;
	ctx->maxfwd = v - 1;
	return 1;
}

int64_t sipcc_fn_is_method(struct sip_ctx *ctx, const char *s, size_t len)
{
	sip_msg *m = ctx->msg;
	sip_str me = m->is_request ? m->method_str : m->cseq.method_str;
	size_t i = 0;
	while (i <= len) {
		size_t j = i;
		while (j < len && s[j] != '|')
			j++;
		if (sip_str_eq(me, sip_str_make(s + i, j - i)))
			return 1;
		i = j + 1;
	}
	return 0;
}

static sip_uri *cur_ruri(struct sip_ctx *ctx, sip_uri *tmp)
{
	if (ctx->new_ruri.len)
		return sip_uri_parse(ctx->new_ruri, tmp) == SIP_OK ? tmp : NULL;
	return sip_msg_ruri(ctx->msg);
}

int64_t sipcc_fn_uri_is_local(struct sip_ctx *ctx)
{
	sip_uri tmp, *u = cur_ruri(ctx, &tmp);
	return u && u->is_sip && proxy_host_is_us(u->host, proxy_uri_port(u), false);
}

void sipcc_fn_log(struct sip_ctx *ctx, int64_t level, const char *s, size_t len)
{
	int l = level < 0 ? 0 : level > SIP_LOG_DEBUG ? SIP_LOG_DEBUG : (int)level;
	SIP_LOG(l, "%.*s", (int)len, s);
}

/* ---- pseudo-variables ---- */

int64_t sipcc_pv_method_get(struct sip_ctx *ctx)
{
	sip_msg *m = ctx->msg;
	return m->is_request ? m->method : m->cseq.method;
}

void sipcc_pv_rm_get(struct sip_ctx *ctx, sip_str *out)
{
	sip_msg *m = ctx->msg;
	*out = m->is_request ? m->method_str : m->cseq.method_str;
}

void sipcc_pv_ru_get(struct sip_ctx *ctx, sip_str *out)
{
	*out = ctx->new_ruri.len ? ctx->new_ruri : (ctx->msg->is_request ? ctx->msg->ruri_str : SIP_STR_NULL);
}

void sipcc_pv_ru_set(struct sip_ctx *ctx, const char *s, size_t len)
{
	ctx->new_ruri = sip_arena_strdup(ctx->arena, sip_str_make(s, len));
}

void sipcc_pv_rU_get(struct sip_ctx *ctx, sip_str *out)
{
	sip_uri tmp, *u = cur_ruri(ctx, &tmp);
	*out = u ? u->user : SIP_STR_NULL;
}

void sipcc_pv_rd_get(struct sip_ctx *ctx, sip_str *out)
{
	sip_uri tmp, *u = cur_ruri(ctx, &tmp);
	*out = u ? u->host : SIP_STR_NULL;
}

/* Rebuild the Request-URI with a new user or host part. */
static void ruri_rebuild(struct sip_ctx *ctx, const sip_str *user, const sip_str *host)
{
	sip_uri tmp, *u = cur_ruri(ctx, &tmp);
	if (!u || !u->is_sip)
		return;
	sip_str us = user ? *user : u->user, hs = host ? *host : u->host;
	ctx->new_ruri = sip_arena_printf(ctx->arena, "%s:" SIP_STR_FMT "%s" SIP_STR_FMT "%s" SIP_STR_FMT "%s" SIP_STR_FMT "%s" SIP_STR_FMT,
		u->secure ? "sips" : "sip",
		SIP_STR_ARG(us), us.len ? "@" : "",
		SIP_STR_ARG(hs),
		u->port_str.len ? ":" : "", SIP_STR_ARG(u->port_str),
		u->params.len ? ";" : "", SIP_STR_ARG(u->params),
		u->headers.len ? "?" : "", SIP_STR_ARG(u->headers));
}

void sipcc_pv_rU_set(struct sip_ctx *ctx, const char *s, size_t len)
{
	sip_str v = sip_arena_strdup(ctx->arena, sip_str_make(s, len));
	ruri_rebuild(ctx, &v, NULL);
}

void sipcc_pv_rd_set(struct sip_ctx *ctx, const char *s, size_t len)
{
	sip_str v = sip_arena_strdup(ctx->arena, sip_str_make(s, len));
	ruri_rebuild(ctx, NULL, &v);
}

void sipcc_pv_du_get(struct sip_ctx *ctx, sip_str *out)
{
	*out = ctx->du;
}

void sipcc_pv_du_set(struct sip_ctx *ctx, const char *s, size_t len)
{
	ctx->du = sip_arena_strdup(ctx->arena, sip_str_make(s, len));
}

void sipcc_pv_fu_get(struct sip_ctx *ctx, sip_str *out)
{
	sip_naddr *a = sip_msg_from(ctx->msg);
	*out = a ? a->uri_str : SIP_STR_NULL;
}

void sipcc_pv_fU_get(struct sip_ctx *ctx, sip_str *out)
{
	sip_naddr *a = sip_msg_from(ctx->msg);
	*out = a ? a->uri.user : SIP_STR_NULL;
}

void sipcc_pv_fd_get(struct sip_ctx *ctx, sip_str *out)
{
	sip_naddr *a = sip_msg_from(ctx->msg);
	*out = a ? a->uri.host : SIP_STR_NULL;
}

void sipcc_pv_tu_get(struct sip_ctx *ctx, sip_str *out)
{
	sip_naddr *a = sip_msg_to(ctx->msg);
	*out = a ? a->uri_str : SIP_STR_NULL;
}

void sipcc_pv_tU_get(struct sip_ctx *ctx, sip_str *out)
{
	sip_naddr *a = sip_msg_to(ctx->msg);
	*out = a ? a->uri.user : SIP_STR_NULL;
}

void sipcc_pv_td_get(struct sip_ctx *ctx, sip_str *out)
{
	sip_naddr *a = sip_msg_to(ctx->msg);
	*out = a ? a->uri.host : SIP_STR_NULL;
}

void sipcc_pv_ci_get(struct sip_ctx *ctx, sip_str *out)
{
	*out = ctx->msg->callid;
}

void sipcc_pv_si_get(struct sip_ctx *ctx, sip_str *out)
{
	char ip[64];
	sip_addr_ip(&ctx->src, ip, sizeof ip);
	*out = sip_arena_strdup(ctx->arena, sip_str_make(ip, strlen(ip)));
}

int64_t sipcc_pv_sp_get(struct sip_ctx *ctx)
{
	return sip_addr_port(&ctx->src);
}

int64_t sipcc_pv_rs_get(struct sip_ctx *ctx)
{
	if (ctx->route_kind == SIPCC_ROUTE_FAILURE)
		return ctx->reply_code;
	return ctx->msg->is_request ? 0 : ctx->msg->status;
}

int64_t sipcc_pv_cs_get(struct sip_ctx *ctx)
{
	return ctx->msg->cseq.num;
}

static sip_str hdr_first(sip_msg *m, int type)
{
	sip_hdr *h = m->first[type];
	return h ? h->body : SIP_STR_NULL;
}

void sipcc_pv_ua_get(struct sip_ctx *ctx, sip_str *out)
{
	*out = hdr_first(ctx->msg, SIP_HDR_USER_AGENT);
}

void sipcc_pv_hdr_get(struct sip_ctx *ctx, sip_str *out, const char *name, size_t len)
{
	sip_hdr *h = sip_msg_find_hdr(ctx->msg, sip_str_make(name, len));
	*out = h ? h->body : SIP_STR_NULL;
}

void sipcc_pv_rb_get(struct sip_ctx *ctx, sip_str *out)
{
	*out = ctx->msg->body;
}

void sipcc_pv_rr_get(struct sip_ctx *ctx, sip_str *out)
{
	*out = ctx->msg->is_request ? SIP_STR_NULL : ctx->msg->reason;
}

void sipcc_pv_pr_get(struct sip_ctx *ctx, sip_str *out)
{
	const char *n = ctx->sock && ctx->sock->tp ? ctx->sock->tp->name : "udp";
	*out = sip_str_make(n, strlen(n));
}

void sipcc_pv_Ri_get(struct sip_ctx *ctx, sip_str *out)
{
	*out = ctx->sock ? ctx->sock->ip_str : SIP_STR_NULL;
}

int64_t sipcc_pv_Rp_get(struct sip_ctx *ctx)
{
	return ctx->sock ? ctx->sock->port : 0;
}

void sipcc_pv_fn_get(struct sip_ctx *ctx, sip_str *out)
{
	sip_naddr *a = sip_msg_from(ctx->msg);
	sip_str d = a ? a->display : SIP_STR_NULL;
	/* A quoted display name is given without its quotes. */
	if (d.len >= 2 && d.s[0] == '"' && d.s[d.len - 1] == '"')
		d = sip_str_make(d.s + 1, d.len - 2);
	*out = d;
}

void sipcc_pv_ft_get(struct sip_ctx *ctx, sip_str *out)
{
	*out = ctx->msg->from_tag;
}

void sipcc_pv_tt_get(struct sip_ctx *ctx, sip_str *out)
{
	*out = ctx->msg->to_tag;
}

int64_t sipcc_pv_T_branch_idx_get(struct sip_ctx *ctx)
{
	if (ctx->branch)
		return ctx->branch->idx;
	/* A branch route runs before its branch exists: it becomes the next. */
	if (ctx->route_kind == SIPCC_ROUTE_BRANCH && ctx->txn)
		return ctx->txn->n_branches;
	return 0;
}

int64_t sipcc_pv_Ts_get(struct sip_ctx *ctx)
{
	(void)ctx;
	return sip_wall_now();
}

int64_t sipcc_pv_err_code_get(struct sip_ctx *ctx)
{
	return ctx->err_code;
}

void sipcc_pv_err_reason_get(struct sip_ctx *ctx, sip_str *out)
{
	const char *why = ctx->err_reason ? ctx->err_reason : "";
	*out = sip_str_make(why, strlen(why));
}
