/* The dialplan module's statistics and control commands (proxy/ctl.h):
 * "dp reload" has the database worker read the dialplan table now and
 * answers when the new rules are in use; "dp translate DPID INPUT" shows
 * what dp_translate() gives with the rules in use (OpenSIPS's MI
 * dp_translate), without a call. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/arena.h"
#include "core/log.h"
#include "core/stats.h"
#include "core/status.h"
#include "dialplan/dialplan.h"
#include "proxy/host.h"

void dp_ctl_init(void);

static int64_t dp_rules_stat(void) { return dp_rule_count(); }
static int64_t dp_bad_stat(void) { return dp_bad_rule_count(); }

/* The reply's numbers, once the reload has ended. */
static void dp_ctl_fields(const void *snap, proxy_ctl_out *o)
{
	const dp_set *s = snap;
	LOG_NOTICE("dialplan: reloaded on request: %u rules, %u left out", dp_set_count(s),
		   dp_set_bad_count(s));
	proxy_ctl_printf(o, ",\"rules\":%u,\"bad_rules\":[", dp_set_count(s));
	for (unsigned i = 0; i < dp_set_bad_count(s); i++) {
		proxy_ctl_printf(o, "%s{\"id\":%lld,\"error\":", i ? "," : "",
				 (long long)dp_set_bad_id(s, i));
		const char *why = dp_set_bad_why(s, i);
		proxy_ctl_json_str(o, why, strlen(why));
		proxy_ctl_printf(o, "}");
	}
	proxy_ctl_printf(o, "]");
}

static bool dp_ctl_reload(int argc, char **argv, proxy_ctl_out *o)
{
	(void)argv;
	if (argc)
		return proxy_ctl_error(o, "usage: dp reload");
	db_cache *c = dp_tables();
	if (!c)
		return proxy_ctl_error(o, "out of memory");
	return proxy_db_cache_ctl(c, o, dp_ctl_fields);
}

static bool dp_ctl_translate(int argc, char **argv, proxy_ctl_out *o)
{
	char *end;
	if (argc != 2)
		return proxy_ctl_error(o, "usage: dp translate DPID INPUT");
	long long dpid = strtoll(argv[0], &end, 10);
	if (!*argv[0] || *end)
		return proxy_ctl_error(o, "bad dial plan id '%s' (an integer)", argv[0]);
	const dp_set *s = dp_current();
	if (!s)
		return proxy_ctl_error(o, "the dialplan table is not loaded");
	sip_arena a;
	dp_result res;
	sip_arena_init(&a, 1024);
	int rc = dp_set_translate(s, dpid, sip_str_make(argv[1], strlen(argv[1])), &a, &res);
	bool ok = true;
	if (rc == SIP_OK) {
		proxy_ctl_printf(o, ",\"output\":");
		proxy_ctl_json_str(o, res.out.s, res.out.len);
		proxy_ctl_printf(o, ",\"rule\":%lld,\"attrs\":", (long long)res.rule_id);
		proxy_ctl_json_str(o, res.attrs.s, res.attrs.len);
	} else if (rc == SIP_EINVAL) {
		ok = proxy_ctl_error(o, "rule %lld matched but gives no result (its subst_exp does"
				     " not match the input, or the result is too long)",
				     (long long)res.rule_id);
	} else if (rc == SIP_DECLINED) {
		ok = proxy_ctl_error(o, "no rule of dial plan %lld matches", dpid);
	} else {
		ok = proxy_ctl_error(o, "%s", sip_strerror(rc));
	}
	sip_arena_destroy(&a);
	return ok;
}

void dp_ctl_init(void)
{
	sip_stat_gauge("dialplan.rules", dp_rules_stat);
	sip_stat_gauge("dialplan.bad_rules", dp_bad_stat);
	proxy_ctl_register("dp reload", "", "reload the dialplan table from the database",
			   dp_ctl_reload);
	proxy_ctl_register("dp translate", "DPID INPUT",
			   "translate INPUT with the rules of dial plan DPID in use", dp_ctl_translate);
}
