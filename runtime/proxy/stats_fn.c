/* Statistics for the policy (stdlib/stats.sipi). */
#include <stdint.h>
#include "core/log.h"
#include "core/stats.h"
#include "core/status.h"
#include "proxy/proxy.h"
#include "proxy/policy_fns.h"

int64_t sipcc_pv_stat_get(struct sip_ctx *ctx, const char *name, size_t len)
{
	(void)ctx;
	return sip_stat_get(sip_str_make(name, len), NULL);
}

int64_t sipcc_fn_update_stat(struct sip_ctx *ctx, const char *name, size_t len, int64_t delta)
{
	(void)ctx;
	int rc = sip_stat_update(sip_str_make(name, len), delta);
	if (rc != SIP_OK) {
		static unsigned warned;
		if (warned++ < 10)
			LOG_WARN("update_stat(\"%.*s\"): %s", (int)(len > 64 ? 64 : len), name,
				 rc == SIP_ELIMIT ? "too many statistics"
				 : rc == SIP_EINVAL && sip_stat_name_ok(sip_str_make(name, len))
					 ? "the proxy's own statistic; use a name of the policy's"
					 : "not a valid name");
	}
	return rc == SIP_OK;
}
