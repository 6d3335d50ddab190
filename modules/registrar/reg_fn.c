/* The registrar's policy functions (modules/registrar/registrar.sipi): save, lookup,
 * unregister, registered; and its start-up, which the proxy main runs
 * when a policy uses them (proxy/modules.h). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "core/log.h"
#include "core/status.h"
#include "domain/domain.h"
#include "proxy/fork.h"
#include "proxy/host.h"
#include "nat/nat.h"
#include "registrar/registrar.h"
#include "script/script.h"

void reg_ctl_init(void);
void reg_share_init(sip_timer_wheel *w);
void reg_share_destroy(void);
bool reg_share_on(void);

/* Write-through off the loop, on the database worker. */
static bool reg_writer_ready(void)
{
	return proxy_db_ready() && proxy_db_worker() && db_worker_ready(proxy_db_worker());
}

static const struct reg_writer reg_fn_writer = { reg_writer_ready, proxy_db_submit };

static void reg_loaded(long n, void *arg)
{
	db *d = arg;
	if (n < 0)
		LOG_ERR("registrar: cannot load the location table: %s%s%s", sip_strerror((int)n),
			d ? ": " : "", d ? db_error(d) : "");
	else
		LOG_NOTICE("registrar: %ld bindings loaded from the database", n);
}

/* The location table is read by the database worker (the start-up wait
 * of proxy/modules.c covers it, so the first calls find the bindings);
 * without a worker, here. */
static void reg_on_db_ready(db *d)
{
	reg_set_db(d);
	if (proxy_db_worker())
		reg_set_writer(&reg_fn_writer);
	int64_t now = (int64_t)time(NULL);
	if (reg_load_async(now, reg_loaded, NULL) != SIP_OK)
		reg_loaded(reg_load(d, now), d);
}

/* A registrar.KEY setting of the policy, or dflt; a value outside
 * 0..2^31-1 keeps dflt. */
static unsigned reg_setting(const char *key, unsigned dflt)
{
	return (unsigned)sipcc_setting_int_range("registrar", key, dflt, 0, INT32_MAX);
}

/* A binding changed: the policy's event routes for it run (later, from
 * the loop: proxy/event.h). */
static void reg_raise(enum reg_change what, sip_str aor, const reg_contact *c, int64_t now)
{
	sip_str uri = reg_field(c, REG_CONTACT);
	int64_t left = what == REG_INSERTED || what == REG_REFRESHED ? c->expires - now : 0;
	switch (what) {
	case REG_INSERTED: sipcc_event_registrar_contact_inserted(aor, uri, left); break;
	case REG_REFRESHED: sipcc_event_registrar_contact_refreshed(aor, uri, left); break;
	case REG_DELETED: sipcc_event_registrar_contact_deleted(aor, uri, left); break;
	case REG_EXPIRED: sipcc_event_registrar_contact_expired(aor, uri, left); break;
	}
}

static void reg_module_init(sip_timer_wheel *w)
{
	reg_conf.min_expires = reg_setting("min_expires", reg_conf.min_expires);
	reg_conf.default_expires = reg_setting("default_expires", reg_conf.default_expires);
	reg_conf.max_expires = reg_setting("max_expires", reg_conf.max_expires);
	reg_conf.max_contacts = reg_setting("max_contacts", reg_conf.max_contacts);
	reg_timer_start(w);
	if (proxy_event_wanted("registrar.contact_inserted") ||
	    proxy_event_wanted("registrar.contact_refreshed") ||
	    proxy_event_wanted("registrar.contact_deleted") ||
	    proxy_event_wanted("registrar.contact_expired"))
		reg_on_change = reg_raise;
	/* Proxies sharing the location keep it in the store, not in the
	 * database (reg_share.c). */
	if (proxy_store_configured())
		reg_share_init(w);
	else
		proxy_db_want(reg_on_db_ready);
	reg_ctl_init();
}

static void reg_module_destroy(void)
{
	reg_timer_stop();
	reg_on_change = NULL;
	reg_share_destroy();
	reg_set_writer(NULL);
	reg_set_db(NULL);
	reg_tables_destroy();
}

static const struct reg_api reg_api = { reg_table_get, reg_foreach };

static const sip_str reg_retry_after = SIP_STR_LIT("Retry-After: 5\r\n");
extern sipcc_module sipcc_module_registrar;

/* Reply through the REGISTER's server transaction (made now when there
 * is none): a retransmission of the request gets the same reply from the
 * transaction and is not processed again, so it cannot trip the
 * nonce-count replay check of its credentials. */
static void reg_reply(struct sip_ctx *ctx, int code, const char *reason, sip_str hdrs)
{
	proxy_reply_hdrs(ctx, code, sip_str_make(reason, strlen(reason)), hdrs, true);
}

/* A REGISTER waiting for its write-through (the module's slot in ctx):
 * the 200 to send once the bindings are stored, and how the write went. */
struct reg_wait {
	struct sip_ctx *ctx;
	struct reg_result r;
	int status;
	bool done;
};

/* The loop, when the write the REGISTER waits for ended. At shutdown the
 * proxy frees the waiting context. */
static void reg_write_done(int status, void *arg)
{
	struct reg_wait *wt = arg;
	wt->status = status;
	wt->done = true;
	if (!proxy_db_stopping())
		proxy_resume(wt->ctx);
}

static int64_t reg_answer(struct sip_ctx *ctx, struct reg_result *r)
{
	if (r->code == 503)
		r->hdrs = reg_retry_after;
	reg_reply(ctx, r->code, r->reason, r->hdrs);
	return r->code == 200;
}

/* save(): the change is written through before the 200 goes out. With
 * the database worker the request waits (proxy_wait) for the write and
 * the route goes on here when it ended: 200, or 503 when it failed (the
 * change undone); 503 as well when too many requests wait already. A
 * request in a context that cannot wait is answered at once, its write
 * queued. */
int64_t sipcc_fn_save(struct sip_ctx *ctx, const char *tn, size_t tlen)
{
	sip_msg *m = ctx->msg;
	void **slot = proxy_ctx_slot(ctx, &sipcc_module_registrar);
	struct reg_wait *wt = *slot;
	if (wt && wt->done) {
		*slot = NULL;
		if (wt->status != SIP_OK) {
			LOG_WARN("registrar: the bindings of a REGISTER were not stored: %s",
				 sip_strerror(wt->status));
			/* Not stored (down, a timeout, an error): try again later. */
			wt->r.code = wt->status == SIP_NOMEM ? 500 : 503;
			wt->r.reason = wt->r.code == 503 ? "Service Unavailable" : "Server Internal Error";
			wt->r.hdrs = SIP_STR_NULL;
		}
		return reg_answer(ctx, &wt->r);
	}
	if (!m->is_request || m->method != SIP_METHOD_REGISTER || ctx->replied)
		return 0;
	if (!reg_share_on() && proxy_db() && !proxy_db_ready()) {
		reg_reply(ctx, 503, "Service Unavailable", reg_retry_after);
		return 0;
	}
	reg_table *t = reg_table_get(sip_str_make(tn, tlen), true);
	if (!t) {
		reg_reply(ctx, 500, "Server Internal Error", SIP_STR_NULL);
		return 0;
	}
	char ip[64];
	sip_addr_ip(&ctx->src, ip, sizeof ip);
	bool v6 = strchr(ip, ':') != NULL;
	/* A WebSocket client is reached only over its connection (its
	 * Contact has an .invalid host, RFC 7118 §5): received says which,
	 * and lookup() sends there. */
	bool ws = (ctx->sock->tp->caps & TP_CAP_FLOW) != 0;
	/* After fix_nated_register() (nat/nat_fn.c) ";nat=yes" says lookup()
	 * sends to it as well. */
	const struct nat_api *na = proxy_module_api("nat");
	bool nat = na && na->register_fixed(ctx);
	sip_str received = sip_arena_printf(ctx->arena, "sip:%s%s%s:%d%s%s%s", v6 ? "[" : "", ip,
					    v6 ? "]" : "", sip_addr_port(&ctx->src), nat ? ";nat=yes" : "",
					    ws ? ";transport=" : "", ws ? ctx->sock->tp->name : "");
	wt = sip_arena_alloc(ctx->arena, sizeof *wt);
	if (!wt) {
		reg_reply(ctx, 500, "Server Internal Error", SIP_STR_NULL);
		return 0;
	}
	memset(wt, 0, sizeof *wt);
	wt->ctx = ctx;
	/* Too many requests waiting already: refused rather than
	 * acknowledged before it is stored. */
	int wr = proxy_wait(ctx);
	if (wr == SIP_ELIMIT) {
		reg_reply(ctx, 503, "Service Unavailable", reg_retry_after);
		return 0;
	}
	bool can_wait = wr == SIP_OK;
	/* The branch flags set so far go with the contacts (bflags 0-31). */
	reg_save_wait(t, m, received, (uint32_t)script_bflags(ctx), (int64_t)time(NULL), ctx->arena,
		      &wt->r, can_wait ? reg_write_done : NULL, wt);
	if (wt->r.pending) {
		*slot = wt;
		return 0;
	}
	if (can_wait)
		proxy_wait_cancel(ctx);
	return reg_answer(ctx, &wt->r);
}

/* The address-of-record the request is for: its current Request-URI, with
 * an alias replaced by the subscriber it stands for. */
static sip_str reg_ruri_aor(struct sip_ctx *ctx)
{
	sip_msg *m = ctx->msg;
	sip_str ru = ctx->new_ruri.len ? ctx->new_ruri : m->ruri_str;
	sip_str aor = reg_aor_of(ctx->arena, ru);
	if (aor.len) {
		sip_str real;
		if (domain_alias_resolve(aor, ctx->arena, &real))
			aor = real;
	}
	return aor;
}

/* Whether a binding's received address is a WebSocket connection (see
 * sipcc_fn_save). */
static bool reg_received_ws(sip_str r)
{
	static const char t[] = ";transport=ws";
	const size_t tl = sizeof t - 1;
	if (r.len > tl && sip_mem_caseeq(r.s + r.len - tl, t, tl))
		return true;
	return r.len > tl + 1 && sip_mem_caseeq(r.s + r.len - tl - 1, t, tl) &&
	       (r.s[r.len - 1] == 's' || r.s[r.len - 1] == 'S');
}

/* Whether a binding's received address was marked by fix_nated_register(). */
static bool reg_received_nat(sip_str r)
{
	static const char t[] = ";nat=yes";
	for (size_t i = 0; i + sizeof t - 1 <= r.len; i++)
		if (sip_mem_caseeq(r.s + i, t, sizeof t - 1))
			return true;
	return false;
}

/* False for a binding made over a WebSocket connection that is closed. */
static bool reg_reachable(const reg_contact *c)
{
	sip_str r = reg_field(c, REG_RECEIVED);
	sip_uri u;
	sip_addr a;
	if (!reg_received_ws(r) || sip_uri_parse(r, &u) != SIP_OK ||
	    sip_addr_from_ip(&a, u.host, u.port) != SIP_OK)
		return true;
	const sip_transport *tp = tp_find_str(u.transport);
	return !tp || tp_conn_open(tp, &a);
}

/* lookup(): a lookup_result (registrar.sipi). The bindings that can take
 * the request become the destination set; when none can, why not
 * (reg_lookup_status: nothing registered, the method not accepted, every
 * binding expired), or SIPCC_LOOKUP_NO_CONTACTS when the only valid
 * bindings were made over WebSocket connections that have closed. */
int64_t sipcc_fn_lookup(struct sip_ctx *ctx, const char *tn, size_t tlen)
{
	sip_msg *m = ctx->msg;
	if (!m->is_request)
		return SIPCC_LOOKUP_NOT_FOUND;
	reg_table *t = reg_table_get(sip_str_make(tn, tlen), false);
	sip_str aor = reg_ruri_aor(ctx);
	int64_t now = (int64_t)time(NULL);
	/* Copies: a REGISTER on another worker may change the table now. */
	const reg_contact *c = aor.len ? reg_lookup(t, aor, now, ctx->arena) : NULL;
	if (!c) {
		int st = aor.len ? reg_lookup_status(t, aor, now, m->method_str) : REG_NOT_FOUND;
		return st == REG_ALL_EXPIRED ? SIPCC_LOOKUP_NO_CONTACTS : SIPCC_LOOKUP_NOT_FOUND;
	}
	/* Every binding, best first: the best q is forked to in parallel, the
	 * rest is kept for t_next_contacts() (proxy/fork.h). A binding's Path
	 * (RFC 3327 §5.4) becomes the Route set of its branch; one that came
	 * over a WebSocket is reached over that connection (its Contact host
	 * is usually *.invalid). */
	proxy_fork_begin(ctx);
	unsigned added = 0, no_method = 0;
	for (; c; c = c->next) {
		if (c->expires <= now)
			continue;
		if (!reg_contact_allows(c, m->method_str)) {
			no_method++;
			continue;
		}
		/* A WebSocket client whose connection is gone cannot be
		 * reached: its other bindings are used. */
		if (!reg_reachable(c)) {
			LOG_DEBUG("registrar: skipping a binding of " SIP_STR_FMT ": its WebSocket connection is closed",
				  SIP_STR_ARG(aor));
			continue;
		}
		sip_str rcv = reg_field(c, REG_RECEIVED);
		sip_str du = reg_received_ws(rcv) || reg_received_nat(rcv) ? rcv : SIP_STR_NULL;
		if (proxy_fork_add(ctx, reg_field(c, REG_CONTACT), reg_field(c, REG_PATH), du, c->q,
				   c->flags) != SIP_OK)
			return SIPCC_LOOKUP_ERROR;
		added++;
	}
	if (added)
		return proxy_fork_next(ctx) ? SIPCC_LOOKUP_OK : SIPCC_LOOKUP_ERROR;
	return no_method ? SIPCC_LOOKUP_METHOD_NOT_ALLOWED : SIPCC_LOOKUP_NO_CONTACTS;
}

int64_t sipcc_fn_registered(struct sip_ctx *ctx, const char *tn, size_t tlen)
{
	if (!ctx->msg->is_request)
		return 0;
	reg_table *t = reg_table_get(sip_str_make(tn, tlen), false);
	sip_str aor = reg_ruri_aor(ctx);
	return aor.len && reg_lookup_status(t, aor, (int64_t)time(NULL), SIP_STR_NULL) == REG_FOUND;
}

int64_t sipcc_fn_unregister(struct sip_ctx *ctx, const char *tn, size_t tlen,
			    const char *s, size_t len)
{
	reg_table *t = reg_table_get(sip_str_make(tn, tlen), false);
	if (!t)
		return 0;
	sip_str aor = sip_str_make(s, len);
	if (len > 4 && (sip_mem_caseeq(s, "sip:", 4) || sip_mem_caseeq(s, "sips", 4)))
		aor = reg_aor_of(ctx->arena, aor);
	if (!aor.len)
		return 0;
	int rc = reg_remove_aor(t, aor);
	if (rc != SIP_OK)
		LOG_WARN("registrar: cannot remove the bindings of " SIP_STR_FMT ": %s",
			 SIP_STR_ARG(aor), sip_strerror(rc));
	return rc == SIP_OK;
}

sipcc_module sipcc_module_registrar = {
	.name = "registrar",
	.init = reg_module_init,
	.destroy = reg_module_destroy,
	.api = &reg_api,
	/* The tables are shared under their locks (usrloc.c); the sweep and
	 * the load run on worker 0, the write-through jobs end on the worker
	 * that queued them. */
	.workers_safe = true,
};
