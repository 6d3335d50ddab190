/* The destination set, serial forking and final-response timers (see
 * proxy/fork.h), with the stdlib functions of stdlib/tm.sipi. */
#include "proxy/fork.h"

#include <string.h>
#include "core/log.h"
#include "core/status.h"
#include "proxy/proxy.h"
#include "proxy/settings.h"
#include "script/script.h"

/* Longest final-response timer a policy may set: one day. */
#define FORK_FR_MAX 86400000

struct proxy_fork *proxy_fork(struct sip_ctx *ctx)
{
	if (!ctx->fork) {
		ctx->fork = sip_arena_alloc(ctx->arena, sizeof *ctx->fork);
		if (ctx->fork)
			memset(ctx->fork, 0, sizeof *ctx->fork);
	}
	return ctx->fork;
}

/* A tm.KEY setting in milliseconds; out of range keeps 0 (the RFC value). */
static uint32_t fork_setting(const char *key, int64_t dflt)
{
	int64_t v = sipcc_setting_int("tm", key, dflt);
	if (v <= 0 || v > FORK_FR_MAX) {
		LOG_WARN("tm: %s = %lld is out of range (1..%d ms); using %lld", key, (long long)v,
			 FORK_FR_MAX, (long long)dflt);
		return 0;
	}
	return (uint32_t)v;
}

void proxy_fork_init(void)
{
	txn_set_timers(fork_setting("fr_timer", 64 * TXN_T1),
		       fork_setting("fr_inv_timer", TXN_TIMER_C));
}

void proxy_fork_begin(struct sip_ctx *ctx)
{
	struct proxy_fork *f = proxy_fork(ctx);
	if (!f)
		return;
	f->dset = NULL;
	f->serial = NULL;
	f->serial_set = true;
	f->path = SIP_STR_NULL;
}

/* The first URI of a Path value (the next hop of a branch that has one). */
static sip_str path_first(struct sip_ctx *ctx, sip_str path)
{
	if (!path.len || !ctx->msg)
		return SIP_STR_NULL;
	sip_hdr tmp = { .type = SIP_HDR_ROUTE, .body = path };
	sip_naddr *first = sip_hdr_naddrs(ctx->msg, &tmp);
	return first && first->uri_str.len ? first->uri_str : SIP_STR_NULL;
}

/* A destination in arena a with copies of the strings. */
static struct proxy_dest *dest_new(sip_arena *a, sip_str uri, sip_str du, sip_str path, int q)
{
	struct proxy_dest *e = sip_arena_alloc(a, sizeof *e);
	if (!e)
		return NULL;
	e->next = NULL;
	e->uri = sip_arena_strdup(a, uri);
	e->du = du.len ? sip_arena_strdup(a, du) : SIP_STR_NULL;
	e->path = path.len ? sip_arena_strdup(a, path) : SIP_STR_NULL;
	e->q = q;
	e->bflags = 0;
	if (!e->uri.s || (du.len && !e->du.s) || (path.len && !e->path.s))
		return NULL;
	return e;
}

static void dest_append(struct proxy_dest **list, struct proxy_dest *e)
{
	while (*list)
		list = &(*list)->next;
	*list = e;
}

int proxy_fork_add(struct sip_ctx *ctx, sip_str uri, sip_str path, sip_str du, int q,
		   uint64_t bflags)
{
	struct proxy_fork *f = proxy_fork(ctx);
	if (!f)
		return SIP_NOMEM;
	struct proxy_dest *e = dest_new(ctx->arena, uri, path.len ? SIP_STR_NULL : du, path, q);
	if (!e)
		return SIP_NOMEM;
	if (e->path.len)
		e->du = path_first(ctx, e->path);
	e->bflags = bflags;
	dest_append(&f->serial, e);
	return SIP_OK;
}

/* The q a contact without one is sorted with (as the registrar does). */
static int q_norm(int q)
{
	return q < 0 ? 1000 : q;
}

bool proxy_fork_next(struct sip_ctx *ctx)
{
	struct proxy_fork *f = proxy_fork(ctx);
	if (!f)
		return false;
	/* The contacts of this route's lookup(), else those its transaction
	 * kept (a failure route). */
	struct proxy_dest **src = NULL;
	if (f->serial_set)
		src = &f->serial;
	else if (ctx->txn)
		src = (struct proxy_dest **)&ctx->txn->u_fork;
	if (!src || !*src)
		return false;
	struct proxy_dest *first = *src, *e = first->next, *last = first;
	while (e && q_norm(e->q) == q_norm(first->q)) {
		last = e;
		e = e->next;
	}
	*src = e;
	last->next = NULL;
	/* Each branch: the flags of its contact, plus, after lookup(), those
	 * set so far (in a failure route t_next_contacts() must not pass the
	 * failed branch's on, e.g. a NAT flag of another contact). */
	uint64_t base = f->serial_set ? script_bflags(ctx) : 0;
	for (e = first->next; e; e = e->next)
		e->bflags |= base;
	script_bflags_set(ctx, base | first->bflags);
	ctx->new_ruri = first->uri;
	if (first->du.len)
		ctx->du = first->du;
	f->path = first->path;
	f->dset = first->next;
	return true;
}

void proxy_fork_bind(struct sip_ctx *ctx, txn *s)
{
	struct proxy_fork *f = ctx->fork;
	if (!f)
		return;
	if (f->fr_ms)
		s->fr_ms = f->fr_ms;
	if (f->fr_inv_ms)
		s->fr_inv_ms = f->fr_inv_ms;
	if (!f->serial_set)
		return;
	/* The contacts outlive the message: into the transaction. */
	struct proxy_dest *list = NULL;
	for (struct proxy_dest *e = f->serial; e; e = e->next) {
		struct proxy_dest *k = dest_new(&s->arena, e->uri, e->du, e->path, e->q);
		if (!k) {
			LOG_WARN("cannot keep the contacts for serial forking");
			break;
		}
		k->bflags = e->bflags;
		dest_append(&list, k);
	}
	s->u_fork = list;
	f->serial = NULL;
	f->serial_set = false;
}

int proxy_fork_path_edit(struct sip_ctx *ctx)
{
	struct proxy_fork *f = ctx->fork;
	if (!f || !f->path.len)
		return SIP_OK;
	sip_msg *m = ctx->msg;
	sip_str line = sip_arena_printf(ctx->arena, "Route: " SIP_STR_FMT "\r\n", SIP_STR_ARG(f->path));
	if (!line.len)
		return SIP_NOMEM;
	sip_hdr *r = m->first[SIP_HDR_ROUTE];
	size_t at = r ? sip_msg_off(m, r->raw.s) : sip_msg_hdrs_start(m);
	return sip_msg_insert(m, at, line);
}

/* ---- stdlib (stdlib/tm.sipi) ---- */

int64_t sipcc_fn_append_branch(struct sip_ctx *ctx, const char *s, size_t len)
{
	sip_str uri = sip_str_make(s, len);
	sip_uri u;
	if (!ctx->msg || !ctx->msg->is_request || sip_uri_parse(uri, &u) != SIP_OK || !u.is_sip) {
		LOG_WARN("append_branch: '%.*s' is not a SIP URI", (int)len, s);
		return 0;
	}
	struct proxy_fork *f = proxy_fork(ctx);
	struct proxy_dest *e = f ? dest_new(ctx->arena, uri, SIP_STR_NULL, SIP_STR_NULL, -1) : NULL;
	if (!e)
		return 0;
	e->bflags = script_bflags(ctx);     /* as Kamailio: the current flags */
	dest_append(&f->dset, e);
	return 1;
}

int64_t sipcc_fn_t_next_contacts(struct sip_ctx *ctx)
{
	return ctx->msg && ctx->msg->is_request && proxy_fork_next(ctx);
}

/* A t_set_fr() value: 0 or less keeps the default. */
static uint32_t fr_value(int64_t ms)
{
	return ms <= 0 ? 0 : ms > FORK_FR_MAX ? FORK_FR_MAX : (uint32_t)ms;
}

void sipcc_fn_t_set_fr(struct sip_ctx *ctx, int64_t fr_inv_ms, int64_t fr_ms)
{
	struct proxy_fork *f = proxy_fork(ctx);
	if (f) {
		f->fr_inv_ms = fr_value(fr_inv_ms);
		f->fr_ms = fr_value(fr_ms);
	}
	/* In a failure route the transaction exists: its next branches. */
	if (ctx->txn) {
		ctx->txn->fr_inv_ms = fr_value(fr_inv_ms);
		ctx->txn->fr_ms = fr_value(fr_ms);
	}
}
