/* The drouting module's statistics and control command (proxy/ctl.h):
 * "dr reload" has the database worker read the gateway and rule tables
 * now instead of at the next refresh, and answers when they are in use. */
#include <stdint.h>
#include "core/stats.h"
#include "core/log.h"
#include "core/status.h"
#include "drouting/drouting.h"
#include "proxy/host.h"

void dr_ctl_init(void);

static int64_t dr_gws_stat(void) { return dr_gw_count(); }
static int64_t dr_rules_stat(void) { return dr_rule_count(); }

/* The reply's numbers, once the reload has ended. */
static void dr_ctl_fields(const void *snap, proxy_ctl_out *o)
{
	(void)snap;
	LOG_NOTICE("drouting: reloaded on request: %u gateways, %u rules", dr_gw_count(),
		   dr_rule_count());
	proxy_ctl_printf(o, ",\"gateways\":%u,\"rules\":%u", dr_gw_count(), dr_rule_count());
}

static bool dr_ctl_reload(int argc, char **argv, proxy_ctl_out *o)
{
	(void)argv;
	if (argc)
		return proxy_ctl_error(o, "usage: dr reload");
	db_cache *c = dr_tables();
	if (!c)
		return proxy_ctl_error(o, "out of memory");
	return proxy_db_cache_ctl(c, o, dr_ctl_fields);
}

void dr_ctl_init(void)
{
	sip_stat_gauge("dr.gateways", dr_gws_stat);
	sip_stat_gauge("dr.rules", dr_rules_stat);
	proxy_ctl_register("dr reload", "", "reload the gateway and rule tables from the database",
			   dr_ctl_reload);
}
