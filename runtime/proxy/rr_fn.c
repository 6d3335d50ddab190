/* Record-Route parameters and rport (stdlib/rr.sipi): what the proxy adds
 * to the routing headers of the requests it relays (add_rr_param(), the
 * Via's rport of force_rport()) and what it reads from the Route of the
 * in-dialog requests that come back (check_route_param(), $route_param).
 * The Route value naming this proxy is removed before the request route
 * runs (proxy_route_self): its parameters are kept in ctx->route_params. */
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include "core/log.h"
#include "core/re_cache.h"
#include "core/worker.h"
#include "core/status.h"
#include "proxy/proxy.h"
#include "proxy/policy_fns.h"

/* force_rport(): the top Via counts as having a bare ;rport (has_rport
 * with rport.s NULL: no such token in the text). Where replies go
 * (proxy_reply_dest, txn_server_create) and the Via of the relayed
 * request (txn_via_fix: ";rport=PORT" added at its end) follow it. */
void sipcc_fn_force_rport(struct sip_ctx *ctx)
{
	sip_msg *m = ctx->msg;
	if (!m || !m->is_request || !m->via1 || m->via1->has_rport)
		return;
	if (ctx->txn)
		LOG_INFO("force_rport: the request has its transaction already; its replies keep going "
			 "where its Via says");
	m->via1->has_rport = true;
	m->via1->rport = SIP_STR_NULL;
}

/* One URI parameter, "name" or "name=value": a token, and a value of
 * token characters or a quoted string; nothing that would end the URI or
 * the header (<, >, ;, ",", CR, LF, space). */
static bool rr_param_ok(const char *s, size_t len)
{
	static const char extra[] = "-_.!~*'()%+`[]:/&$";
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  (c && strchr(extra, c)) || (c == '=' && i > 0);
		if (!ok)
			return false;
	}
	return s[0] != '=';
}

int64_t sipcc_fn_add_rr_param(struct sip_ctx *ctx, const char *s, size_t len)
{
	sip_str p = sip_str_make(s, len);
	if (p.len && p.s[0] == ';')
		p.s++, p.len--;
	if (!p.len)
		goto bad;
	for (size_t i = 0; i < p.len;) {
		size_t j = i;
		while (j < p.len && p.s[j] != ';')
			j++;
		if (!rr_param_ok(p.s + i, j - i))
			goto bad;
		i = j + 1;
		if (j + 1 == p.len)
			goto bad;       /* a trailing ';' */
	}
	sip_str old = ctx->rr_params;
	sip_str add = sip_arena_printf(ctx->arena, "%.*s;" SIP_STR_FMT, (int)old.len,
				       old.len ? old.s : "", SIP_STR_ARG(p));
	if (!add.s)
		return 0;
	ctx->rr_params = add;
	return 1;
bad:
	LOG_WARN("add_rr_param: '%.*s' is not a list of ;name or ;name=value", (int)len, s);
	return 0;
}

/* record_route_preset(): a sip: or sips: URI without a user, header
 * parameters or angle brackets; ";lr" is added when it has none (this
 * proxy is a loose router). The URI names this proxy to loose_route only
 * when its host is ours (a listening address or a domain of the policy:
 * proxy_host_is_us), which is the point: a name every proxy of the
 * service has. */
int64_t sipcc_fn_record_route_preset(struct sip_ctx *ctx, const char *s, size_t len)
{
	sip_str u = sip_str_make(s, len);
	sip_uri pu;
	if (!len || len > 255 || memchr(s, '<', len) || memchr(s, '>', len) ||
	    memchr(s, ' ', len) || memchr(s, '\r', len) || memchr(s, '\n', len) ||
	    memchr(s, ',', len) || sip_uri_parse(u, &pu) != SIP_OK || !pu.is_sip || pu.user.len ||
	    pu.headers.len) {
		LOG_WARN("record_route_preset: '%.*s' is not a sip: URI without a user", (int)len, s);
		return 0;
	}
	sip_str v = pu.lr ? sip_arena_printf(ctx->arena, SIP_STR_FMT, SIP_STR_ARG(u))
			  : sip_arena_printf(ctx->arena, SIP_STR_FMT ";lr", SIP_STR_ARG(u));
	if (!v.s)
		return 0;
	ctx->rr_preset = v;
	ctx->record_route = true;
	return 1;
}

/* Compiled check_route_param() patterns: a policy has a few, each
 * compiled once (a literal, checked when the policy was). */
static SIP_PER_WORKER struct sip_re_cache rr_re;

void proxy_rr_worker_done(void)
{
	sip_re_cache_clear(&rr_re);
}

int64_t sipcc_fn_check_route_param(struct sip_ctx *ctx, const char *re, size_t len)
{
	sip_str p = ctx->route_params;
	if (!p.len)
		return 0;
	const regex_t *rx = sip_re_cache_get(&rr_re, re, len, false, NULL);
	if (!rx)
		return 0;
	char buf[512];
	if (p.len >= sizeof buf)
		return 0;
	memcpy(buf, p.s, p.len);
	buf[p.len] = '\0';
	return regexec(rx, buf, 0, NULL, 0) == 0;
}

/* $route_param(name): the value of ;name=value in ctx->route_params. */
void sipcc_pv_route_param_get(struct sip_ctx *ctx, sip_str *out, const char *name, size_t len)
{
	sip_str p = ctx->route_params;
	*out = SIP_STR_NULL;
	for (size_t i = 0; i < p.len;) {
		size_t j = i;
		while (j < p.len && p.s[j] != ';')
			j++;
		if (j - i > len && p.s[i + len] == '=' && sip_mem_caseeq(p.s + i, name, len)) {
			*out = sip_str_make(p.s + i + len + 1, j - i - len - 1);
			return;
		}
		i = j + 1;
	}
}
