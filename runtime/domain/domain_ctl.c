/* The domain module's control command (proxy/ctl.h): "domain reload"
 * reads the domain and alias tables now instead of at the next refresh. */
#include "core/log.h"
#include "core/status.h"
#include "domain/domain.h"
#include "proxy/ctl.h"
#include "proxy/modules.h"

void domain_ctl_init(void);

static bool domain_ctl_reload(int argc, char **argv, proxy_ctl_out *o)
{
	(void)argv;
	if (argc)
		return proxy_ctl_error(o, "usage: domain reload");
	if (!proxy_db_ready())
		return proxy_ctl_error(o, "the database is not ready");
	int rc = domain_refresh(proxy_db());
	if (rc != SIP_OK)
		return proxy_ctl_error(o, "cannot reload: %s: %s", sip_strerror(rc), db_error(proxy_db()));
	LOG_NOTICE("domain: domain and alias tables reloaded on request");
	return true;
}

void domain_ctl_init(void)
{
	proxy_ctl_register("domain reload", "",
			   "reload the domain and alias tables from the database", domain_ctl_reload);
}
