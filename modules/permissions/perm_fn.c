/* The policy functions of the permissions module
 * (modules/permissions/permissions.sipi), its statistics and start-up.
 *
 * The tag of the row that admitted the request is the module's state of
 * the call (proxy_call_slot): it moves into the transaction with the
 * request and $trusted_tag reads it in a failure route too. */
#include "permissions/permissions.h"

#include <arpa/inet.h>
#include <string.h>
#include "core/log.h"
#include "core/stats.h"
#include "core/status.h"
#include "proxy/host.h"

/* The call's state: context_info of the row that matched, in the arena
 * of the slot holding it. */
struct perm_call {
	sip_str tag;
};

/* The call's state moved into its transaction's arena (call_copy). */
static void *perm_call_copy(const void *st, sip_arena *a)
{
	const struct perm_call *from = st;
	struct perm_call *c = sip_arena_alloc(a, sizeof *c);
	if (!c)
		return NULL;
	c->tag = from->tag.len ? sip_arena_strdup(a, from->tag) : SIP_STR_NULL;
	return c;
}

/* The request's source, transport and From URI as the rows see them. */
static bool perm_src_of(struct sip_ctx *ctx, perm_src *src)
{
	const sip_addr *a = &ctx->src;
	memset(src, 0, sizeof *src);
	if (a->u.sa.sa_family == AF_INET) {
		src->addr[10] = src->addr[11] = 0xff;
		memcpy(src->addr + 12, &a->u.in.sin_addr, 4);
		src->port = ntohs(a->u.in.sin_port);
	} else if (a->u.sa.sa_family == AF_INET6) {
		memcpy(src->addr, &a->u.in6.sin6_addr, 16);
		src->port = ntohs(a->u.in6.sin6_port);
	} else {
		return false;
	}
	const char *tp = ctx->sock && ctx->sock->tp ? ctx->sock->tp->name : "udp";
	src->proto = perm_proto_parse(sip_str_make(tp, strlen(tp)));
	if (src->proto == PERM_PROTO_ANY)
		src->proto = -1;
	sip_naddr *f = ctx->msg ? sip_msg_from(ctx->msg) : NULL;
	src->from = f && f->uri_str.len ? sip_arena_strdup(ctx->arena, f->uri_str).s : "";
	if (!src->from)
		src->from = "";
	return true;
}

static int64_t perm_check(struct sip_ctx *ctx, bool all_groups, int64_t grp)
{
	perm_src src;
	const perm_row *r = NULL;
	sip_arena *a;
	void **slot = proxy_call_slot(ctx, &sipcc_module_permissions, &a);
	struct perm_call *c = *slot;
	if (c)
		c->tag = SIP_STR_NULL;      /* a check that fails forgets the tag */
	if (ctx->msg && ctx->msg->is_request && perm_src_of(ctx, &src))
		r = perm_match(&src, all_groups, grp);
	if (!r)
		return 0;
	if (!c && (c = sip_arena_alloc(a, sizeof *c)) != NULL)
		*slot = c;
	if (c)
		c->tag = r->tag.len ? sip_arena_strdup(a, r->tag) : SIP_STR_NULL;
	return 1;
}

int64_t sipcc_fn_allow_trusted(struct sip_ctx *ctx)
{
	return perm_check(ctx, true, 0);
}

int64_t sipcc_fn_check_source_address(struct sip_ctx *ctx, int64_t group)
{
	return perm_check(ctx, false, group);
}

void sipcc_pv_trusted_tag_get(struct sip_ctx *ctx, sip_str *out)
{
	const struct perm_call *c = *proxy_call_slot(ctx, &sipcc_module_permissions, NULL);
	*out = c ? c->tag : SIP_STR_NULL;
}

static int64_t perm_rows_stat(void) { return perm_count(); }
static int64_t perm_bad_stat(void) { return perm_skipped(); }

/* The table is loaded by the database worker and reloaded when it changes
 * (sipcc_change), on the permissions.reload_interval timer and on SIGHUP
 * (proxy_db_cache_serve); perm_table.c logs the rows it left out. */
static void perm_module_init(sip_timer_wheel *w)
{
	(void)w;
	db_cache *c = perm_table();
	if (!c || proxy_db_cache_serve(c, "permissions") != SIP_OK)
		LOG_ERR("permissions: the address table cannot be served");
	sip_stat_gauge("permissions.addresses", perm_rows_stat);
	sip_stat_gauge("permissions.bad_rows", perm_bad_stat);
}

static void perm_module_destroy(void)
{
	perm_cache_clear();
}

sipcc_module sipcc_module_permissions = {
	.name = "permissions",
	.init = perm_module_init,
	.destroy = perm_module_destroy,
	.call_copy = perm_call_copy,
	/* Reads only its cached tables (db_cache: every worker). */
	.workers_safe = true,
};
