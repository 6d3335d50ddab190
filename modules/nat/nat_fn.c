/* The NAT policy functions (modules/nat/nat.sipi): nat_uac_test,
 * fix_nated_contact, fix_nated_register, fix_nated_sdp; and the
 * keep-alive of the bindings fix_nated_register() marked. */
#include <stdint.h>
#include <string.h>
#include <time.h>
#include "core/log.h"
#include "core/status.h"
#include "nat/nat.h"
#include "proxy/host.h"
#include "registrar/registrar.h"



/* NAT keep-alive: every ping_interval seconds a datagram of CRLFCRLF (what
 * RFC 5626 section 3.5.1 sends as a keep-alive over streams; phones and
 * NATs take it as noise) goes to the received address of every UDP
 * binding marked by fix_nated_register(), so the NAT keeps the
 * binding's mapping open for calls to it. */
static struct {
	sip_timer_wheel *w;
	sip_timer tm;
	unsigned interval_s;
	unsigned long sent;
} N;

static void nat_ping_one(const reg_contact *c, void *arg)
{
	(void)arg;
	sip_str r = reg_field(c, REG_RECEIVED);
	static const char mark[] = ";nat=yes";
	if (r.len < sizeof mark || !memmem(r.s, r.len, mark, sizeof mark - 1) ||
	    memmem(r.s, r.len, ";transport=", 11))
		return;     /* not marked, or not UDP (a stream keeps its own connection) */
	sip_uri u;
	sip_addr dst;
	if (sip_uri_parse(r, &u) != SIP_OK || sip_addr_from_ip(&dst, u.host, u.port) != SIP_OK)
		return;
	sip_socket *s = tp_pick(NULL, &tp_udp, &dst);
	if (s && tp_send(s, &dst, "\r\n\r\n", 4) == SIP_OK)
		N.sent++;
}

static void nat_on_ping(sip_timer *tm, void *arg)
{
	(void)arg;
	/* The registrar, when the policy uses it: NAT functions alone do not
	 * pull it (and its database) in. */
	const struct reg_api *reg = proxy_module_api("registrar");
	if (reg)
		reg->foreach(reg->table_get(SIP_STR_LIT("location"), false), (int64_t)time(NULL),
			     nat_ping_one, NULL);
	sip_timer_add(N.w, tm, (uint64_t)N.interval_s * 1000u);
}

static void nat_module_init(sip_timer_wheel *w)
{
	N.w = w;
	N.interval_s = (unsigned)sipcc_setting_int_range("nat", "ping_interval", 0, 0, 3600);
	sip_timer_init(&N.tm, nat_on_ping, NULL);
	if (N.interval_s && proxy_module_api("registrar"))
		sip_timer_add(w, &N.tm, (uint64_t)N.interval_s * 1000u);
}

static void nat_module_destroy(void)
{
	if (N.w)
		sip_timer_cancel(N.w, &N.tm);
	N.w = NULL;
}

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
 * it as the address the binding is reached at (the mark in the module's
 * slot of the message, read by the registrar through the nat api), so
 * lookup() sends there with the Request-URI left as the Contact. */
static const char nat_register_mark = 1;

static bool nat_register_fixed(struct sip_ctx *ctx)
{
	return *proxy_ctx_slot(ctx, &sipcc_module_nat) == &nat_register_mark;
}

static const struct nat_api nat_api = { nat_register_fixed };

int64_t sipcc_fn_fix_nated_register(struct sip_ctx *ctx)
{
	if (!ctx->msg || !ctx->msg->is_request || ctx->msg->method != SIP_METHOD_REGISTER)
		return 0;
	*proxy_ctx_slot(ctx, &sipcc_module_nat) = (void *)&nat_register_mark;
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

/* Safe with several workers: its functions read and edit only the message
 * they are given; the keep-alive timer runs on worker 0 and reads the
 * registrar's table, which keeps a policy that uses it on one worker for
 * now. */
sipcc_module sipcc_module_nat = {
	.name = "nat",
	.init = nat_module_init,
	.destroy = nat_module_destroy,
	.api = &nat_api,
	.workers_safe = true,
};
