/* Domain and alias caches, and their policy functions (modules/domain/domain.sipi). */
#include "domain/domain.h"

#include <string.h>
#include "core/hash.h"
#include "core/htable.h"
#include "core/log.h"
#include "core/status.h"
#include "proxy/host.h"


struct domain_alias {
	sip_hlink link;
	sip_str alias, target;         /* "user@domain", host lowercased */
};

struct domain_name {
	sip_hlink link;
	sip_str name;                  /* compared without case */
};

/* One snapshot (db/db_cache.h): the rows in one arena, in two tables
 * sized for them, built by the database worker and swapped in whole;
 * never changed after (lookups from the loop only read). */
struct domain_cache {
	sip_arena arena;
	sip_htable domains;            /* domain_name by sip_hash_str_lower */
	sip_htable aliases;            /* domain_alias by sip_hash_str */
};

static db_cache *domain_tables_cache;

static const struct domain_cache *domain_cur(void)
{
	return db_cache_get(domain_tables_cache);
}

static uint32_t domain_hash(sip_str s)
{
	return sip_hash_str(s);
}

static void domain_cache_free(void *p)
{
	struct domain_cache *c = p;
	if (!c)
		return;
	sip_htable_destroy(&c->domains);
	sip_htable_destroy(&c->aliases);
	sip_arena_destroy(&c->arena);
	sip_mem_free(c);
}

void domain_cache_clear(void)
{
	db_cache_destroy(domain_tables_cache);
	domain_tables_cache = NULL;
}

/* "user@host" with the host lowercased, in a. */
static sip_str domain_addr(sip_arena *a, sip_str user, sip_str host)
{
	char *p = sip_arena_alloc(a, user.len + host.len + 2);
	if (!p)
		return SIP_STR_NULL;
	memcpy(p, user.s, user.len);
	p[user.len] = '@';
	for (size_t i = 0; i < host.len; i++) {
		char ch = host.s[i];
		p[user.len + 1 + i] = ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch;
	}
	p[user.len + 1 + host.len] = '\0';
	return sip_str_make(p, user.len + 1 + host.len);
}

/* Buckets for n rows: at least 64, one row per bucket or fewer (up to
 * 2^24 buckets). */
static unsigned domain_bits(int64_t n)
{
	unsigned bits = 6;
	while (bits < 24 && ((int64_t)1 << bits) < n)
		bits++;
	return bits;
}

/* The loader (on the database worker's thread): both tables into a new
 * snapshot. */
static int domain_load(db *d, void **out)
{
	int64_t nd = 0, na = 0;
	int rc;
	if ((rc = db_query_int(d, "SELECT count(*) FROM domain", &nd)) != SIP_OK ||
	    (rc = db_query_int(d, "SELECT count(*) FROM alias", &na)) != SIP_OK)
		return rc;
	struct domain_cache *c = sip_mem_alloc(sizeof *c);
	if (!c)
		return SIP_NOMEM;
	memset(c, 0, sizeof *c);
	sip_arena_init(&c->arena, 4096);
	if (sip_htable_init(&c->domains, domain_bits(nd)) != SIP_OK ||
	    sip_htable_init(&c->aliases, domain_bits(na)) != SIP_OK) {
		domain_cache_free(c);
		return SIP_NOMEM;
	}
	db_stmt *st = NULL;
	if ((rc = db_prepare(d, "SELECT domain FROM domain", &st)) != SIP_OK)
		goto fail;
	while ((rc = db_step(st)) == DB_ROW && (int64_t)sip_htable_count(&c->domains) < nd) {
		struct domain_name *e = sip_arena_alloc(&c->arena, sizeof *e);
		if (!e) {
			rc = SIP_NOMEM;
			break;
		}
		e->name = sip_arena_strdup(&c->arena, db_column_text(st, 0));
		sip_htable_insert(&c->domains, &e->link, sip_hash_str_lower(e->name));
	}
	db_finalize(st);
	st = NULL;
	if (rc != SIP_OK && rc != DB_ROW)
		goto fail;
	if ((rc = db_prepare(d, "SELECT alias_username, alias_domain, username, domain FROM alias",
			     &st)) != SIP_OK)
		goto fail;
	while ((rc = db_step(st)) == DB_ROW) {
		struct domain_alias *e = sip_arena_alloc(&c->arena, sizeof *e);
		if (!e) {
			rc = SIP_NOMEM;
			break;
		}
		e->alias = domain_addr(&c->arena, db_column_text(st, 0), db_column_text(st, 1));
		e->target = domain_addr(&c->arena, db_column_text(st, 2), db_column_text(st, 3));
		sip_htable_insert(&c->aliases, &e->link, domain_hash(e->alias));
	}
	db_finalize(st);
	if (rc != SIP_OK)
		goto fail;
	*out = c;
	return SIP_OK;
fail:
	domain_cache_free(c);
	return rc;
}

static const db_cache_def domain_tables_def = {
	.name = "domain", .load = domain_load, .free = domain_cache_free,
	.tables = (const char *const[]){ "domain", "alias", NULL },
};

db_cache *domain_tables(void)
{
	if (!domain_tables_cache &&
	    db_cache_create(&domain_tables_def, &domain_tables_cache) != SIP_OK)
		return NULL;
	return domain_tables_cache;
}

int domain_refresh(db *d)
{
	db_cache *c = domain_tables();
	return c ? db_cache_load_now(c, d) : SIP_NOMEM;
}

static bool domain_name_eq(const sip_hlink *l, const void *key)
{
	return sip_str_caseeq(SIP_HTABLE_ENTRY(l, struct domain_name, link)->name,
			      *(const sip_str *)key);
}

static bool domain_alias_eq(const sip_hlink *l, const void *key)
{
	return sip_str_eq(SIP_HTABLE_ENTRY(l, struct domain_alias, link)->alias,
			  *(const sip_str *)key);
}

bool domain_cached_local(sip_str host)
{
	const struct domain_cache *c = domain_cur();
	return c && sip_htable_find(&c->domains, sip_hash_str_lower(host), domain_name_eq, &host);
}

bool domain_alias_resolve(sip_str aor, sip_arena *a, sip_str *out)
{
	const struct domain_cache *c = domain_cur();
	if (!c)
		return false;
	sip_hlink *l = sip_htable_find(&c->aliases, domain_hash(aor), domain_alias_eq, &aor);
	if (!l)
		return false;
	*out = sip_arena_strdup(a, SIP_HTABLE_ENTRY(l, struct domain_alias, link)->target);
	return out->len > 0;
}

/* ---- start-up ---- */

void domain_ctl_init(void);

/* The tables are loaded by the database worker and reloaded on the
 * domains.reload_interval timer, on SIGHUP and by "domain reload"
 * (proxy_db_cache_serve). */
static void domain_module_init(sip_timer_wheel *w)
{
	proxy_set_domain_table(domain_cached_local);
	(void)w;
	db_cache *c = domain_tables();
	if (!c || proxy_db_cache_serve(c, "domains") != SIP_OK)
		LOG_ERR("domain: the domain tables cannot be served");
	domain_ctl_init();
}

static void domain_module_destroy(void)
{
	proxy_set_domain_table(NULL);
	domain_cache_clear();
}

/* ---- policy functions ---- */

static bool domain_host_local(sip_str host)
{
	return host.len && (proxy_is_domain(host) || domain_cached_local(host));
}

int64_t sipcc_fn_is_domain_local(struct sip_ctx *ctx, const char *s, size_t len)
{
	(void)ctx;
	return domain_host_local(sip_str_make(s, len));
}

int64_t sipcc_fn_is_from_local(struct sip_ctx *ctx)
{
	sip_naddr *f = sip_msg_from(ctx->msg);
	return f && domain_host_local(f->uri.host);
}

/* A domain (policy or table) matches whatever the port; an address of
 * the proxy only on the port it listens on: sip:vm@127.0.0.1:5095 is a
 * media server beside a proxy on 127.0.0.1:5070, not the proxy. */
int64_t sipcc_fn_is_uri_host_local(struct sip_ctx *ctx)
{
	sip_uri tmp, *u;
	if (ctx->new_ruri.len)
		u = sip_uri_parse(ctx->new_ruri, &tmp) == SIP_OK ? &tmp : NULL;
	else
		u = sip_msg_ruri(ctx->msg);
	return u && u->is_sip && proxy_host_is_us(u->host, proxy_uri_port(u), true);
}

/* Rewrite the Request-URI when its user@host is an alias. */
int64_t sipcc_fn_lookup_alias(struct sip_ctx *ctx)
{
	sip_uri tmp, *u;
	sip_msg *m = ctx->msg;
	if (!m->is_request)
		return 0;
	if (ctx->new_ruri.len)
		u = sip_uri_parse(ctx->new_ruri, &tmp) == SIP_OK ? &tmp : NULL;
	else
		u = sip_msg_ruri(m);
	if (!u || !u->is_sip || !u->user.len)
		return 0;
	sip_str target;
	if (!domain_alias_resolve(domain_addr(ctx->arena, u->user, u->host), ctx->arena, &target))
		return 0;
	ctx->new_ruri = sip_arena_printf(ctx->arena, "%s:" SIP_STR_FMT, u->secure ? "sips" : "sip",
					 SIP_STR_ARG(target));
	return 1;
}

sipcc_module sipcc_module_domain = {
	.name = "domain",
	.init = domain_module_init,
	.destroy = domain_module_destroy,
	/* Only db_cache snapshots, read without a lock on any worker and
	 * replaced on worker 0 (db/db_cache.h, core/qsbr.h). */
	.workers_safe = true,
};
