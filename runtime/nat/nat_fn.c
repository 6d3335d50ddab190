/* The NAT policy functions (stdlib/nat.sipi): nat_uac_test,
 * fix_nated_contact, fix_nated_register, fix_nated_sdp. */
#include <stdint.h>
#include "core/log.h"
#include "core/status.h"
#include "nat/nat.h"
#include "proxy/proxy.h"

int64_t sipcc_fn_nat_uac_test(struct sip_ctx *ctx, int64_t flags)
{
	if (!ctx->msg || flags <= 0 || flags > NAT_TEST_ALL)
		return 0;
	return nat_test(ctx->msg, &ctx->src, (int)flags);
}

int64_t sipcc_fn_fix_nated_contact(struct sip_ctx *ctx)
{
	if (!ctx->msg)
		return 0;
	int rc = nat_fix_contact(ctx->msg, &ctx->src, ctx->arena);
	if (rc != SIP_OK && rc != SIP_ENOTFOUND)
		LOG_WARN("fix_nated_contact: %s", sip_strerror(rc));
	return rc == SIP_OK;
}

/* save() keeps the source of the REGISTER with each binding; this marks
 * it as the address the binding is reached at (proxy/proxy.h,
 * PROXY_NAT_REGISTER), so lookup() sends there with the Request-URI left
 * as the Contact. */
int64_t sipcc_fn_fix_nated_register(struct sip_ctx *ctx)
{
	if (!ctx->msg || !ctx->msg->is_request || ctx->msg->method != SIP_METHOD_REGISTER)
		return 0;
	ctx->nat_flags |= PROXY_NAT_REGISTER;
	return 1;
}

int64_t sipcc_fn_fix_nated_sdp(struct sip_ctx *ctx)
{
	if (!ctx->msg)
		return 0;
	int rc = nat_fix_sdp(ctx->msg, &ctx->src, ctx->arena);
	if (rc != SIP_OK && rc != SIP_ENOTFOUND)
		LOG_WARN("fix_nated_sdp: %s", sip_strerror(rc));
	return rc == SIP_OK;
}
