/* The domain module's control command (proxy/ctl.h): "domain reload" has
 * the database worker read the domain and alias tables now instead of at
 * the next refresh, and answers when they are in use. */
#include "core/log.h"
#include "core/status.h"
#include "domain/domain.h"
#include "proxy/host.h"

void domain_ctl_init(void);

static void domain_ctl_fields(const void *snap, proxy_ctl_out *o)
{
	(void)snap;
	(void)o;
	LOG_NOTICE("domain: domain and alias tables reloaded on request");
}

static bool domain_ctl_reload(int argc, char **argv, proxy_ctl_out *o)
{
	(void)argv;
	if (argc)
		return proxy_ctl_error(o, "usage: domain reload");
	db_cache *c = domain_tables();
	if (!c)
		return proxy_ctl_error(o, "out of memory");
	return proxy_db_cache_ctl(c, o, domain_ctl_fields);
}

void domain_ctl_init(void)
{
	proxy_ctl_register("domain reload", "",
			   "reload the domain and alias tables from the database", domain_ctl_reload);
}
