/* The policy registry and the record of what a policy being loaded
 * registers (proxy/policy.h): no dependencies beyond the core, so the
 * registration entry points link without the rest of the proxy. */
#include "proxy/policy.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "core/log.h"

static struct proxy_policy first = { .gen = 1 };
struct proxy_policy *_Atomic proxy_policy = &first;
struct proxy_policy *proxy_policy_reg = &first;

struct proxy_policy_stage proxy_policy_stage;
#define S proxy_policy_stage

/* ---- registration ---- */

void sipcc_reg_policy(const char *abi, const char *state)
{
	proxy_policy_reg->abi = abi;
	proxy_policy_reg->state = state;
}

bool proxy_policy_staging(void)
{
	return S.on;
}

void proxy_policy_stage_begin(void)
{
	bool l = S.over_listen, d = S.over_database;
	memset(&S, 0, sizeof S);
	S.over_listen = l;
	S.over_database = d;
	S.on = true;
}

void proxy_policy_stage_vproblem(const char *fmt, va_list ap)
{
	S.nproblems++;
	if (S.plen + 8 >= sizeof S.problems)
		return;
	if (S.plen)
		S.plen += (size_t)snprintf(S.problems + S.plen, sizeof S.problems - S.plen, "; ");
	int n = vsnprintf(S.problems + S.plen, sizeof S.problems - S.plen, fmt, ap);
	if (n > 0)
		S.plen += (size_t)n < sizeof S.problems - S.plen ? (size_t)n
								 : sizeof S.problems - S.plen - 1;
}

void proxy_policy_stage_listen(const char *proto, const char *addr, int64_t port)
{
	if (S.n_listen >= PROXY_MAX_LISTEN)
		return;
	struct proxy_listen *l = &S.listen[S.n_listen++];
	snprintf(l->proto, sizeof l->proto, "%s", proto);
	snprintf(l->addr, sizeof l->addr, "%s", addr);
	l->port = (int)port;
}

void proxy_policy_stage_domain(const char *name)
{
	if (S.n_domains < PROXY_MAX_DOMAINS)
		S.domains[S.n_domains++] = name;
}

void proxy_policy_stage_database(const char *url)
{
	S.database = url;
}

void proxy_policy_stage_module(struct sipcc_module *m)
{
	if (S.n_mods < POLICY_STAGE_MAX_MODULES)
		S.mods[S.n_mods++] = m;
}

void proxy_policy_stage_problem(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	proxy_policy_stage_vproblem(fmt, ap);
	va_end(ap);
}

void proxy_policy_overrides(bool listen, bool database)
{
	S.over_listen = listen;
	S.over_database = database;
}

/* The policy's AVP declarations, by index (sipcc_reg_avp, from
 * sipcc_policy_init before anything of that policy runs; read-only
 * afterwards), kept with the policy (proxy/policy.h). */
void sipcc_reg_avp(int64_t idx, const char *name, int64_t is_int)
{
	if (idx < 0 || idx >= POLICY_MAX_AVPS) {
		LOG_ERR("avp %s: more than %d AVPs declared; it cannot be loaded by name",
			name, POLICY_MAX_AVPS);
		return;
	}
	proxy_policy_reg->avps[idx].name = name;
	proxy_policy_reg->avps[idx].is_int = is_int != 0;
}

const char *proxy_avp_decl(const struct sip_ctx *ctx, int64_t idx, bool *is_int)
{
	return proxy_policy_avp(ctx && ctx->policy ? ctx->policy : proxy_policy, idx, is_int);
}

const char *proxy_policy_avp(const struct proxy_policy *p, int64_t idx, bool *is_int)
{
	if (!p || idx < 0 || idx >= POLICY_MAX_AVPS || !p->avps[idx].name)
		return NULL;
	if (is_int)
		*is_int = p->avps[idx].is_int;
	return p->avps[idx].name;
}

