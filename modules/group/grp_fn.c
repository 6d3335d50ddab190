/* The policy function of the group module (modules/group/group.sipi) and
 * the module's start-up. */
#include "group/group.h"

#include "core/log.h"
#include "core/status.h"
#include "proxy/host.h"

int64_t sipcc_fn_is_user_in(struct sip_ctx *ctx, const char *uri, size_t ulen, const char *grp,
			    size_t glen)
{
	sip_str user, host;
	(void)ctx;
	if (!sip_user_host_parse(sip_str_make(uri, ulen), &user, &host))
		return 0;
	return group_is_member(user, host, sip_str_make(grp, glen));
}

/* The table is loaded by the database worker and reloaded when it changes
 * (sipcc_change), on the group.reload_interval timer and on SIGHUP
 * (proxy_db_cache_serve). */
static void grp_module_init(sip_timer_wheel *w)
{
	(void)w;
	db_cache *c = group_table();
	if (!c || proxy_db_cache_serve(c, "group") != SIP_OK)
		LOG_ERR("group: the group table cannot be served");
}

static void grp_module_destroy(void)
{
	group_cache_clear();
}

sipcc_module sipcc_module_group = {
	.name = "group",
	.init = grp_module_init,
	.destroy = grp_module_destroy,
	/* Reads only its cached tables (db_cache: every worker). */
	.workers_safe = true,
};
