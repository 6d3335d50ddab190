/* The policy function of the blacklist module
 * (modules/blacklist/blacklist.sipi), its statistics and start-up. */
#include "blacklist/blacklist.h"

#include "core/log.h"
#include "core/stats.h"
#include "core/status.h"
#include "proxy/host.h"

/* An owner that names no subscriber ("" or garbage) has no list of its
 * own: only the global list applies. */
int64_t sipcc_fn_check_blacklist(struct sip_ctx *ctx, const char *owner, size_t olen,
				 const char *number, size_t nlen)
{
	sip_str user = SIP_STR_NULL, host = SIP_STR_NULL, num = sip_str_make(number, nlen);
	int64_t row = 0;
	(void)ctx;
	if (!sip_user_host_parse(sip_str_make(owner, olen), &user, &host))
		user = host = SIP_STR_NULL;
	if (bl_allowed(user, host, num, &row))
		return 1;
	LOG_INFO("blacklist: " SIP_STR_FMT " refused for '%.*s' by row %lld", SIP_STR_ARG(num),
		 (int)olen, owner, (long long)row);
	return 0;
}

static int64_t bl_rows_stat(void) { return bl_count(); }
static int64_t bl_bad_stat(void) { return bl_skipped(); }

/* The table is loaded by the database worker and reloaded when it changes
 * (sipcc_change), on the blacklist.reload_interval timer and on SIGHUP
 * (proxy_db_cache_serve). */
static void bl_module_init(sip_timer_wheel *w)
{
	(void)w;
	db_cache *c = bl_table();
	if (!c || proxy_db_cache_serve(c, "blacklist") != SIP_OK)
		LOG_ERR("blacklist: the blacklist table cannot be served");
	sip_stat_gauge("blacklist.prefixes", bl_rows_stat);
	sip_stat_gauge("blacklist.bad_rows", bl_bad_stat);
}

static void bl_module_destroy(void)
{
	bl_cache_clear();
}

sipcc_module sipcc_module_blacklist = {
	.name = "blacklist",
	.init = bl_module_init,
	.destroy = bl_module_destroy,
	/* Reads only its cached tables (db_cache: every worker). */
	.workers_safe = true,
};
