/* Suspended relays and SRV failover (see dns.h). A kept relay is a copy of
 * the request as the policy left it (its own edits applied, none of the
 * hop edits), so running the relay again later adds Via, received,
 * Max-Forwards and Record-Route for the socket it then leaves from. */
#include "proxy/dns.h"
#include "proxy/proxy_int.h"
#include "proxy/counters.h"

#include <stdio.h>
#include <string.h>
#include "core/log.h"
#include "core/worker.h"
#include "core/status.h"
#include "net/resolve.h"
#include "proxy/module.h"
#include "proxy/policy_abi.h"
#include "proxy/settings.h"

#define DNS_RELAYS 256

struct dns_relay {
	bool used, pending;
	struct sip_ctx *ctx;        /* pending: the message that waits (proxy_wait_then) */
	int status;                 /* the lookup's outcome, for ctx */
	txn *s;
	uint64_t id;                /* s->id when kept: a reused txn is not ours */
	char key[300];              /* the lookup it waits for */
	char *base;                 /* the request, sip_mem_alloc'd */
	size_t base_len;
	sip_str du, ruri;           /* in base's allocation, after the request */
	sip_str rr_preset;          /* record_route_preset(), there too */
	int maxfwd;
	bool record_route;
	sipcc_route_fn on_failure, on_reply, on_branch;
	sip_res_result targets;     /* failover */
	unsigned next;
	uint64_t stamp;
};

static SIP_PER_WORKER struct {
	bool up;
	struct dns_relay r[DNS_RELAYS];
	uint64_t stamp;
	bool last_valid;            /* the current relay's targets */
	sip_res_result last;
	const char *last_key;
	char buf[SIP_MAX_MSG_SIZE + 4096];
} D;

static void dns_free(struct dns_relay *r)
{
	sip_mem_free(r->base);
	memset(r, 0, sizeof *r);
}

static struct dns_relay *dns_find(txn *s)
{
	for (unsigned i = 0; i < DNS_RELAYS; i++)
		if (D.r[i].used && D.r[i].s == s) {
			if (D.r[i].id == s->id)
				return &D.r[i];
			dns_free(&D.r[i]);     /* the transaction ended and was reused */
		}
	return NULL;
}

/* A free slot, else the oldest one that waits for nothing. */
static struct dns_relay *dns_slot(void)
{
	struct dns_relay *old = NULL;

	for (unsigned i = 0; i < DNS_RELAYS; i++) {
		struct dns_relay *r = &D.r[i];
		if (!r->used)
			return r;
		if (!r->pending && (!old || r->stamp < old->stamp))
			old = r;
	}
	if (old)
		dns_free(old);
	return old;
}

/* Keep the relay of ctx (for server transaction s) in a slot. */
static struct dns_relay *dns_keep(struct sip_ctx *ctx, txn *s)
{
	sip_msg *m = ctx->msg;
	struct dns_relay *r = dns_slot();
	long n;

	if (!r)
		return NULL;
	n = sip_msg_build(m, D.buf, sizeof D.buf);
	if (n < 0)
		return NULL;
	r->base = sip_mem_alloc((size_t)n + ctx->du.len + ctx->new_ruri.len + ctx->rr_preset.len +
				1);
	if (!r->base)
		return NULL;
	memcpy(r->base, D.buf, (size_t)n);
	r->base[n] = '\0';
	r->base_len = (size_t)n;
	memcpy(r->base + n + 1, ctx->du.s ? ctx->du.s : "", ctx->du.len);
	r->du = sip_str_make(r->base + n + 1, ctx->du.len);
	memcpy(r->base + n + 1 + ctx->du.len, ctx->new_ruri.s ? ctx->new_ruri.s : "", ctx->new_ruri.len);
	r->ruri = sip_str_make(r->base + n + 1 + ctx->du.len, ctx->new_ruri.len);
	char *pre = r->base + n + 1 + ctx->du.len + ctx->new_ruri.len;
	memcpy(pre, ctx->rr_preset.s ? ctx->rr_preset.s : "", ctx->rr_preset.len);
	r->rr_preset = sip_str_make(pre, ctx->rr_preset.len);
	r->used = true;
	r->s = s;
	r->id = s->id;
	r->maxfwd = ctx->maxfwd;
	r->record_route = ctx->record_route;
	r->on_failure = ctx->on_failure;
	r->on_reply = ctx->on_reply;
	r->on_branch = ctx->on_branch;
	r->stamp = ++D.stamp;
	return r;
}

/* Relay the kept request again, to du when given (a target of the
 * failover list), else to where the policy sent it. */
static int dns_relay_again(struct dns_relay *r, sip_str du)
{
	txn *s = r->s;
	int rc;

	struct proxy_mctx *mc = proxy_mctx_take();
	if (!mc)
		return SIP_NOMEM;
	/* base is NUL-terminated after the request, as the parser wants. */
	if (sip_msg_parse(&mc->arena, r->base, r->base_len, &mc->msg) != SIP_OK) {
		LOG_WARN("dns: cannot re-parse the kept request");
		proxy_mctx_give(mc);
		return SIP_EPARSE;
	}
	struct sip_ctx ctx;
	proxy_ctx_init(&ctx, &mc->msg, &mc->arena, s->sock, &s->src, SIPCC_ROUTE_REQUEST);
	ctx.policy = proxy_txn_policy(s);
	ctx.txn = s;
	ctx.maxfwd = r->maxfwd;
	ctx.record_route = r->record_route;
	ctx.rr_preset = r->rr_preset;
	ctx.on_failure = r->on_failure;
	ctx.on_reply = r->on_reply;
	ctx.on_branch = r->on_branch;
	ctx.du = du.len ? du : r->du;
	ctx.new_ruri = r->ruri;
	rc = proxy_relay(&ctx, true);
	/* proxy_relay kept the targets of a name in r (same transaction). */
	proxy_mctx_give(mc);
	return rc;
}

/* "sip:IP:PORT;transport=NAME" of a target, in buf. */
static sip_str dns_target_uri(const sip_res_target *t, char *buf, size_t sz)
{
	char ip[64];
	bool v6 = t->addr.u.sa.sa_family == AF_INET6;
	int n;

	sip_addr_ip(&t->addr, ip, sizeof ip);
	n = snprintf(buf, sz, "sip:%s%s%s:%d;transport=%s", v6 ? "[" : "", ip, v6 ? "]" : "",
		     sip_addr_port(&t->addr), t->tp->name);
	return sip_str_make(buf, n > 0 && (size_t)n < sz ? (size_t)n : 0);
}

/* Relay r to its next targets until one can be sent; false when none is
 * left. */
static bool dns_next_target(struct dns_relay *r, int code)
{
	char uri[128];

	while (r->next < r->targets.n) {
		const sip_res_target *t = &r->targets.t[r->next++];
		sip_str u = dns_target_uri(t, uri, sizeof uri);
		LOG_NOTICE("dns: branch failed (%d); trying target %u of %u: " SIP_STR_FMT, code,
			   r->next, r->targets.n, SIP_STR_ARG(u));
		if (dns_relay_again(r, u) == SIP_OK) {
			if (!r->s->u_fail && r->next < r->targets.n)
				r->s->u_fail = (void *)proxy_dns_failover_route;
			return true;
		}
		code = 503;
	}
	return false;
}

static void dns_resume(struct dns_relay *r, int status)
{
	txn *s = r->s;

	r->pending = false;
	if (s->id != r->id || s->final_sent || s->state == TXN_TERMINATED) {
		dns_free(r);
		return;
	}
	if (s->canceled) {
		txn_server_reply(s, 487, SIP_STR_NULL);
		dns_free(r);
		return;
	}
	if (status != SIP_OK) {
		txn_server_reply(s, status == SIP_ETIMEOUT ? 408 : 503, SIP_STR_NULL);
		dns_free(r);
		return;
	}
	if (dns_relay_again(r, SIP_STR_NULL) == SIP_OK) {
		r = dns_find(s);
		if (r && r->targets.n <= 1)
			dns_free(r);
		return;
	}
	/* The first target could not be sent to: the others. */
	r = dns_find(s);
	if (!r || !dns_next_target(r, 503))
		txn_server_reply(s, 503, SIP_STR_NULL);
}

/* The message of ctx waited for its relay's lookup (proxy_wait_then):
 * relay it now, or answer why not. */
static void dns_then(struct sip_ctx *ctx)
{
	for (unsigned i = 0; i < DNS_RELAYS; i++) {
		struct dns_relay *r = &D.r[i];
		if (r->used && r->pending && r->ctx == ctx) {
			r->ctx = NULL;
			dns_resume(r, r->status);
			return;
		}
	}
}

/* The lookups of key ended: the messages waiting for them go on. */
static void dns_on_done(const char *key, int status, void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < DNS_RELAYS; i++) {
		struct dns_relay *r = &D.r[i];
		if (!r->used || !r->pending || strcmp(r->key, key) != 0)
			continue;
		if (r->ctx) {
			r->status = status;
			proxy_resume_then(r->ctx);
		} else {
			dns_resume(r, status);  /* a kept copy relayed again */
		}
	}
}

int proxy_dns_init(sip_loop *loop, const char *server)
{
	int64_t timeout = sipcc_setting_int("dns", "timeout", 2000);
	int64_t ttl = sipcc_setting_int("dns", "cache_ttl", 60);
	struct sip_res_conf conf;

	/* Out of range stops the proxy at start-up, as a limit does (limits.c). */
	if (timeout < 100 || timeout > 30000) {
		LOG_ERR("setting dns.timeout = %lld is out of range (100..30000)", (long long)timeout);
		return SIP_EINVAL;
	}
	if (ttl < 1 || ttl > 86400) {
		LOG_ERR("setting dns.cache_ttl = %lld is out of range (1..86400)", (long long)ttl);
		return SIP_EINVAL;
	}
	conf.servers = server ? server : sipcc_setting_str("dns", "server", "");
	conf.timeout_ms = (unsigned)timeout;
	conf.cache_s = (unsigned)ttl;
	if (sip_resolver_init(loop, &conf, dns_on_done, NULL) != SIP_OK)
		return SIP_EINVAL;
	D.up = true;
	return SIP_OK;
}

void proxy_dns_destroy(void)
{
	if (!D.up)
		return;
	sip_resolver_destroy();
	for (unsigned i = 0; i < DNS_RELAYS; i++)
		if (D.r[i].used)
			dns_free(&D.r[i]);
	D.up = false;
}

void proxy_dns_clear(void)
{
	D.last_valid = false;
	D.last_key = NULL;
}

int proxy_dns_dest(sip_str host, int port, bool secure, sip_addr *dst, const sip_transport **tp)
{
	int rc;

	if (!D.up)      /* no event loop (tests): the blocking resolver */
		return sip_addr_resolve(dst, host, port ? port : *tp == &tp_tls ? 5061 : 5060);
	rc = sip_resolve(host, port, *tp, secure, &D.last, &D.last_key);
	if (rc != SIP_OK)
		return rc;
	*dst = D.last.t[0].addr;
	*tp = D.last.t[0].tp;
	D.last_valid = true;
	return SIP_OK;
}

int proxy_dns_suspend(struct sip_ctx *ctx)
{
	struct dns_relay *r;
	const char *key = D.last_key;

	if (!key)
		return SIP_EINVAL;
	/* The message waits as any other does; no route code runs again. A
	 * kept copy relayed again (dns_relay_again) is no message that can
	 * wait: the copy itself waits in its slot. */
	int rc = proxy_wait_then(ctx, dns_then);
	bool copy = rc == SIP_ESTATE && !ctx->can_wait && ctx->txn && dns_find(ctx->txn);
	if (rc != SIP_OK && !copy)
		return rc;
	if (!ctx->txn) {
		proxy_txn_create(ctx);
		if (!ctx->txn) {
			if (!copy)
				proxy_wait_then_cancel(ctx);
			return SIP_NOMEM;
		}
		proxy_modules_txn_bind(ctx);
		if (ctx->msg->method == SIP_METHOD_INVITE)
			txn_server_reply(ctx->txn, 100, SIP_STR_NULL);
	}
	if (ctx->txn->final_sent) {
		if (!copy)
			proxy_wait_then_cancel(ctx);
		return SIP_ESTATE;
	}
	/* A relay kept already (a failover to a name) keeps its copy: the
	 * message of ctx may be that copy. */
	r = dns_find(ctx->txn);
	if (!r)
		r = dns_keep(ctx, ctx->txn);
	if (!r) {
		LOG_WARN("dns: cannot keep the request while %s is looked up", key);
		if (!copy)
			proxy_wait_then_cancel(ctx);
		return SIP_NOMEM;
	}
	snprintf(r->key, sizeof r->key, "%s", key);
	r->pending = true;
	r->ctx = copy ? NULL : ctx;
	ctx->relayed = true;
	proxy_count_inc(&proxy_cnt->dns_lookups);
	LOG_DEBUG("dns: relay waits for %s", key);
	return SIP_OK;
}

void proxy_dns_relayed(struct sip_ctx *ctx, txn *s)
{
	struct dns_relay *r;

	if (!D.last_valid || D.last.n <= 1 || !s)
		return;
	r = dns_find(s);
	if (!r) {
		r = dns_keep(ctx, s);
		if (!r)
			return;
	}
	r->targets = D.last;
	r->next = 1;
	D.last_valid = false;
	if (!s->u_fail)
		s->u_fail = (void *)proxy_dns_failover_route;
}

bool proxy_dns_send_failed(struct sip_ctx *ctx, txn *s)
{
	struct dns_relay *r;

	if (!D.last_valid || D.last.n <= 1 || !s)
		return false;
	r = dns_find(s);
	if (!r && !(r = dns_keep(ctx, s)))
		return false;
	r->targets = D.last;
	r->next = 1;
	D.last_valid = false;
	if (!dns_next_target(r, 503)) {
		dns_free(r);
		return false;
	}
	ctx->relayed = true;
	return true;
}

bool proxy_dns_failover(txn *s, int code)
{
	struct dns_relay *r = dns_find(s);

	if (!r || r->pending)
		return false;
	/* The best code says 500 for a 503 (§16.7); the branch says what it
	 * got. */
	if (s->n_branches)
		code = s->br_code[s->n_branches - 1];
	if ((code != 503 && code != 408) || s->canceled || dns_next_target(r, code) == false) {
		dns_free(r);
		return false;
	}
	return true;
}

int64_t proxy_dns_failover_route(struct sip_ctx *ctx)
{
	(void)ctx;
	return SIPCC_RET_CONTINUE;
}
