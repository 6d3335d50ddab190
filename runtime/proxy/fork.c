/* The destination set, serial forking and final-response timers (see
 * proxy/fork.h), with the stdlib functions of stdlib/tm.sipi. */
#include "proxy/fork.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/log.h"
#include "core/re_cache.h"
#include "core/worker.h"
#include "core/status.h"
#include "proxy/proxy.h"
#include "proxy/settings.h"
#include "script/script.h"
#include "proxy/policy_fns.h"

/* Longest final-response timer a policy may set: one day. */
#define FORK_FR_MAX 86400000

struct proxy_fork *proxy_fork(struct sip_ctx *ctx)
{
	if (!ctx->fork) {
		ctx->fork = sip_arena_alloc(ctx->arena, sizeof *ctx->fork);
		if (ctx->fork) {
			memset(ctx->fork, 0, sizeof *ctx->fork);
			ctx->fork->q = -1;
		}
	}
	return ctx->fork;
}

/* The tm.fr_timer and tm.fr_inv_timer settings in milliseconds; out of
 * range keeps the RFC value (the default). */
void proxy_fork_init(void)
{
	int64_t fr = sipcc_setting_int_range("tm", "fr_timer", 64 * TXN_T1, 1, FORK_FR_MAX);
	int64_t fr_inv = sipcc_setting_int_range("tm", "fr_inv_timer", TXN_TIMER_C, 1, FORK_FR_MAX);
	txn_set_timers((uint32_t)fr, (uint32_t)fr_inv);
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
	f->q = -1;
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

/* The contact list a route works on: the one its lookup() or
 * t_load_contacts() made, else the one its transaction kept (a failure
 * route). NULL when there is none. */
static struct proxy_dest **contacts_of(struct sip_ctx *ctx, struct proxy_fork *f)
{
	if (f->serial_set)
		return &f->serial;
	if (ctx->txn)
		return (struct proxy_dest **)&ctx->txn->u_fork;
	return NULL;
}

bool proxy_fork_next(struct sip_ctx *ctx)
{
	struct proxy_fork *f = proxy_fork(ctx);
	if (!f)
		return false;
	struct proxy_dest **src = contacts_of(ctx, f);
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
	f->q = first->q;
	f->dset = first->next;
	return true;
}

bool proxy_fork_shift(struct sip_ctx *ctx)
{
	struct proxy_fork *f = ctx->fork;
	struct proxy_dest *e = f ? f->dset : NULL;
	if (!e)
		return false;
	LOG_INFO("cannot reach " SIP_STR_FMT "; forking to the other destinations",
		 SIP_STR_ARG(ctx->new_ruri.len ? ctx->new_ruri : ctx->msg->ruri_str));
	f->dset = e->next;
	ctx->new_ruri = e->uri;
	ctx->du = e->du;
	f->path = e->path;
	f->q = e->q;
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
	struct proxy_dest *list = NULL, **tail = &list;
	for (struct proxy_dest *e = f->serial; e; e = e->next) {
		struct proxy_dest *k = dest_new(&s->arena, e->uri, e->du, e->path, e->q);
		if (!k) {
			LOG_WARN("cannot keep the contacts for serial forking");
			break;
		}
		k->bflags = e->bflags;
		*tail = k;
		tail = &k->next;
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

/* Insert e into the list sorted by q, after those of the same q. */
static void dest_insert_q(struct proxy_dest **list, struct proxy_dest *e)
{
	while (*list && q_norm((*list)->q) >= q_norm(e->q))
		list = &(*list)->next;
	e->next = *list;
	*list = e;
}

int64_t sipcc_fn_t_load_contacts(struct sip_ctx *ctx)
{
	struct proxy_fork *f = proxy_fork(ctx);
	sip_msg *m = ctx->msg;
	if (!f || !m || !m->is_request)
		return 0;
	struct proxy_dest **src = contacts_of(ctx, f);
	struct proxy_dest *list = src ? *src : NULL;
	/* A transaction's list (t_reply() made one) moves to the route, as
	 * entries of the message arena join it: t_relay() hands a copy back. */
	if (src && !f->serial_set)
		*src = NULL;
	sip_str ru = ctx->new_ruri.len ? ctx->new_ruri : m->ruri_str;
	struct proxy_dest *e = dest_new(ctx->arena, ru, ctx->du, f->path, f->q);
	if (!e)
		return 0;
	struct proxy_dest *set = f->dset;
	dest_insert_q(&list, e);
	while (set) {
		struct proxy_dest *next = set->next;
		dest_insert_q(&list, set);
		set = next;
	}
	f->dset = NULL;
	f->serial = list;
	f->serial_set = true;
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

/* Compiled t_check_status() patterns, anchored: the pattern must match
 * the whole code ("48" is not 486). */
static SIP_PER_WORKER struct sip_re_cache fork_re;

void proxy_fork_worker_done(void)
{
	sip_re_cache_clear(&fork_re);
}

int64_t sipcc_fn_t_check_status(struct sip_ctx *ctx, const char *re, size_t len)
{
	int code = 0;
	if (ctx->route_kind == SIPCC_ROUTE_FAILURE)
		code = ctx->reply_code;
	else if (ctx->msg && !ctx->msg->is_request)
		code = ctx->msg->status;
	if (code < 100 || code > 699)
		return 0;
	bool fresh;
	const regex_t *rx = sip_re_cache_get(&fork_re, re, len, true, &fresh);
	if (!rx) {
		if (fresh)
			LOG_ERR("t_check_status: \"%.*s\" is not a regular expression", (int)len, re);
		return 0;
	}
	char s[8];
	snprintf(s, sizeof s, "%d", code);
	return regexec(rx, s, 0, NULL, 0) == 0;
}

/* OpenSIPS's and Kamailio's t_was_cancelled(): whether the caller
 * CANCELled the transaction, so a failure route can tell a 487 it caused
 * from one the callee chose, and not try elsewhere (t_relay() refuses
 * anyway). */
int64_t sipcc_fn_t_was_cancelled(struct sip_ctx *ctx)
{
	return ctx->txn && ctx->txn->canceled;
}

/* ---- following a redirect (get_redirects) ---- */

/* Most Contacts of one 3xx that become branches. */
#define FORK_REDIRECT_MAX 16

/* The q parameter of a Contact's header parameters (RFC 3261 §20.10) in
 * thousandths; -1 when absent or malformed. */
static int redirect_q(sip_str params)
{
	size_t i = 0;
	while (i < params.len) {
		size_t j = i;
		while (j < params.len && params.s[j] != ';')
			j++;
		sip_str p = sip_str_make(params.s + i, j - i);
		while (p.len && (p.s[0] == ' ' || p.s[0] == '\t'))
			p.s++, p.len--;
		if (p.len >= 2 && (p.s[0] == 'q' || p.s[0] == 'Q') && p.s[1] == '=') {
			sip_str v = sip_str_make(p.s + 2, p.len - 2);
			while (v.len && (v.s[v.len - 1] == ' ' || v.s[v.len - 1] == '\t'))
				v.len--;
			if (!v.len || (v.s[0] != '0' && v.s[0] != '1'))
				return -1;
			int q = (v.s[0] - '0') * 1000, scale = 100;
			if (v.len > 1 && (v.s[1] != '.' || v.len > 5))
				return -1;
			for (size_t k = 2; k < v.len; k++, scale /= 10) {
				if (v.s[k] < '0' || v.s[k] > '9')
					return -1;
				q += (v.s[k] - '0') * scale;
			}
			return q > 1000 ? -1 : q;
		}
		i = j + 1;
	}
	return -1;
}

/* get_redirects(max) in a failure route: the SIP Contacts of the 3xx
 * the transaction picked as its best reply become the contact list, as
 * lookup() makes one (highest q first, in their order within a q; at
 * most max, 0 for FORK_REDIRECT_MAX): the best q group goes into the
 * Request-URI and the destination set for t_relay(), the others wait for
 * t_next_contacts(). The reply is kept by the transaction (best, its top
 * Via removed) and parsed again into the route's arena. */
int64_t sipcc_fn_get_redirects(struct sip_ctx *ctx, int64_t max)
{
	txn *s = ctx->txn;
	if (ctx->route_kind != SIPCC_ROUTE_FAILURE || !s || s->best_local || !s->best_len ||
	    s->best_status < 300 || s->best_status > 399)
		return 0;
	if (max <= 0 || max > FORK_REDIRECT_MAX)
		max = FORK_REDIRECT_MAX;
	char *buf = sip_arena_alloc(ctx->arena, s->best_len + 1);
	sip_msg *r = sip_arena_alloc(ctx->arena, sizeof *r);
	if (!buf || !r)
		return 0;
	memcpy(buf, s->best, s->best_len);
	buf[s->best_len] = '\0';
	if (sip_msg_parse(ctx->arena, buf, s->best_len, r) != SIP_OK || r->is_request)
		return 0;
	struct { sip_str uri; int q; } c[FORK_REDIRECT_MAX];
	int n = 0;
	for (sip_hdr *h = r->first[SIP_HDR_CONTACT]; h; h = h->next_same) {
		for (sip_naddr *a = sip_hdr_naddrs(r, h); a; a = a->next) {
			sip_uri u;
			if (a->star || sip_uri_parse(a->uri_str, &u) != SIP_OK || !u.is_sip || !u.host.len) {
				LOG_INFO("get_redirects: Contact '" SIP_STR_FMT "' of the %d skipped: not a SIP URI",
					 SIP_STR_ARG(a->raw), s->best_status);
				continue;
			}
			/* Insertion by q, after those of the same q; the lowest
			 * falls off the end when the list is full. */
			int q = redirect_q(a->params), at = n;
			while (at > 0 && q_norm(c[at - 1].q) < q_norm(q))
				at--;
			if (at >= max)
				continue;
			if (n == max)
				n--;
			memmove(&c[at + 1], &c[at], (size_t)(n - at) * sizeof c[0]);
			c[at].uri = a->uri_str;
			c[at].q = q;
			n++;
		}
	}
	if (!n)
		return 0;
	proxy_fork_begin(ctx);
	for (int i = 0; i < n; i++)
		if (proxy_fork_add(ctx, c[i].uri, SIP_STR_NULL, SIP_STR_NULL, c[i].q, 0) != SIP_OK)
			return 0;
	LOG_INFO("get_redirects: %d contact%s of the %d", n, n == 1 ? "" : "s", s->best_status);
	return proxy_fork_next(ctx);
}
