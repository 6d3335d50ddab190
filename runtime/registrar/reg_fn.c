/* The registrar's policy functions (stdlib/registrar.sipi): save, lookup,
 * unregister, registered; and its start-up, which the proxy main runs
 * when a policy uses them (proxy/modules.h). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "core/log.h"
#include "core/status.h"
#include "domain/domain.h"
#include "proxy/modules.h"
#include "proxy/proxy.h"
#include "proxy/settings.h"
#include "registrar/registrar.h"

void reg_module_init(sip_timer_wheel *w);
void reg_module_destroy(void);

/* Write-through off the loop, on the database worker. */
static bool reg_writer_ready(void)
{
	return proxy_db_ready() && proxy_db_worker() && db_worker_ready(proxy_db_worker());
}

static const struct reg_writer reg_fn_writer = { reg_writer_ready, proxy_db_submit };

static void reg_on_db_ready(db *d)
{
	reg_set_db(d);
	if (proxy_db_worker())
		reg_set_writer(&reg_fn_writer);
	long n = reg_load(d, (int64_t)time(NULL));
	if (n < 0)
		LOG_ERR("registrar: cannot load the location table: %s: %s", sip_strerror((int)n),
			db_error(d));
	else
		LOG_NOTICE("registrar: %ld bindings loaded from the database", n);
}

/* A registrar.KEY setting of the policy, or dflt; a value outside
 * 0..2^31-1 keeps dflt. */
static unsigned reg_setting(const char *key, unsigned dflt)
{
	int64_t v = sipcc_setting_int("registrar", key, dflt);
	if (v < 0 || v > INT32_MAX) {
		LOG_WARN("registrar: %s = %lld is out of range; using %u", key, (long long)v, dflt);
		return dflt;
	}
	return (unsigned)v;
}

void reg_module_init(sip_timer_wheel *w)
{
	reg_conf.min_expires = reg_setting("min_expires", reg_conf.min_expires);
	reg_conf.default_expires = reg_setting("default_expires", reg_conf.default_expires);
	reg_conf.max_expires = reg_setting("max_expires", reg_conf.max_expires);
	reg_conf.max_contacts = reg_setting("max_contacts", reg_conf.max_contacts);
	reg_timer_start(w);
	proxy_db_want(reg_on_db_ready);
}

void reg_module_destroy(void)
{
	reg_timer_stop();
	reg_set_writer(NULL);
	reg_set_db(NULL);
	reg_tables_destroy();
}

static const sip_str reg_retry_after = SIP_STR_LIT("Retry-After: 5\r\n");

/* Reply statelessly unless a transaction exists already. */
static void reg_reply(struct sip_ctx *ctx, int code, const char *reason, sip_str hdrs)
{
	proxy_reply_hdrs(ctx, code, sip_str_make(reason, strlen(reason)), hdrs, ctx->txn != NULL);
}

int64_t sipcc_fn_save(struct sip_ctx *ctx, const char *tn, size_t tlen)
{
	sip_msg *m = ctx->msg;
	if (!m->is_request || m->method != SIP_METHOD_REGISTER || ctx->replied)
		return 0;
	if (proxy_db() && !proxy_db_ready()) {
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
	sip_str received = sip_arena_printf(ctx->arena, "sip:%s%s%s:%d", v6 ? "[" : "", ip,
					    v6 ? "]" : "", sip_addr_port(&ctx->src));
	struct reg_result r;
	reg_save(t, m, received, (int64_t)time(NULL), ctx->arena, &r);
	if (r.code == 503)
		r.hdrs = reg_retry_after;
	reg_reply(ctx, r.code, r.reason, r.hdrs);
	return r.code == 200;
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

/* Route the request along the Path of a binding (RFC 3327 §5.4): the
 * recorded values become Route headers and the first is the next hop. */
static void reg_apply_path(struct sip_ctx *ctx, sip_str path)
{
	sip_msg *m = ctx->msg;
	sip_hdr tmp = { .type = SIP_HDR_ROUTE, .body = path };
	sip_naddr *first = sip_hdr_naddrs(m, &tmp);
	if (!first || !first->uri_str.len)
		return;
	sip_str line = sip_arena_printf(ctx->arena, "Route: " SIP_STR_FMT "\r\n", SIP_STR_ARG(path));
	sip_hdr *r = m->first[SIP_HDR_ROUTE];
	size_t at = r ? sip_msg_off(m, r->raw.s) : sip_msg_hdrs_start(m);
	if (line.len && sip_msg_insert(m, at, line) == SIP_OK)
		ctx->du = sip_arena_strdup(ctx->arena, first->uri_str);
}

int64_t sipcc_fn_lookup(struct sip_ctx *ctx, const char *tn, size_t tlen)
{
	if (!ctx->msg->is_request)
		return 0;
	reg_table *t = reg_table_get(sip_str_make(tn, tlen), false);
	sip_str aor = reg_ruri_aor(ctx);
	const reg_contact *c = aor.len ? reg_lookup(t, aor, (int64_t)time(NULL)) : NULL;
	if (!c)
		return 0;
	ctx->new_ruri = sip_arena_strdup(ctx->arena, reg_field(c, REG_CONTACT));
	sip_str path = reg_field(c, REG_PATH);
	if (path.len)
		reg_apply_path(ctx, path);
	return 1;
}

int64_t sipcc_fn_registered(struct sip_ctx *ctx, const char *tn, size_t tlen)
{
	if (!ctx->msg->is_request)
		return 0;
	reg_table *t = reg_table_get(sip_str_make(tn, tlen), false);
	sip_str aor = reg_ruri_aor(ctx);
	return aor.len && reg_lookup(t, aor, (int64_t)time(NULL)) != NULL;
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
