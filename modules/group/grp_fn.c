/* The policy function of the group module (modules/group/group.sipi) and
 * the module's start-up. */
#include "group/group.h"

#include <string.h>
#include "core/log.h"
#include "core/status.h"
#include "proxy/modules.h"
#include "proxy/proxy.h"
#include "proxy/module.h"
#include "proxy/policy_fns.h"

/* The user and host of what a policy passes for a subscriber: a SIP URI
 * ("sip:alice@example.com;user=phone", in <> or not, as $fu and $ru
 * give it) or a bare "alice@example.com". False when it names no user. */
static bool grp_addr(sip_str s, sip_str *user, sip_str *host)
{
	while (s.len && (s.s[0] == ' ' || s.s[0] == '<'))
		s = sip_str_make(s.s + 1, s.len - 1);
	while (s.len && (s.s[s.len - 1] == ' ' || s.s[s.len - 1] == '>'))
		s.len--;
	bool scheme = s.len > 4 && (sip_mem_caseeq(s.s, "sip:", 4) || sip_mem_caseeq(s.s, "sips:", 5));
	if (scheme) {
		sip_uri u;
		if (sip_uri_parse(s, &u) != SIP_OK || !u.is_sip || !u.user.len || !u.host.len)
			return false;
		*user = u.user;
		*host = u.host;
		return true;
	}
	const char *at = memchr(s.s, '@', s.len);
	if (!at || at == s.s)
		return false;
	*user = sip_str_make(s.s, (size_t)(at - s.s));
	size_t hl = s.len - user->len - 1;
	const char *h = at + 1;
	size_t n = 0;
	while (n < hl && h[n] != ';' && h[n] != ':' && h[n] != '>')
		n++;
	*host = sip_str_make(h, n);
	return n > 0;
}

int64_t sipcc_fn_is_user_in(struct sip_ctx *ctx, const char *uri, size_t ulen, const char *grp,
			    size_t glen)
{
	sip_str user, host;
	(void)ctx;
	if (!grp_addr(sip_str_make(uri, ulen), &user, &host))
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
};
