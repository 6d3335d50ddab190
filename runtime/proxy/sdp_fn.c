/* The SDP policy functions (stdlib/sdp.sipi): read-only views of the
 * first audio stream of the message's SDP body, parsed on first use. */
#include <stdint.h>
#include "proxy/proxy.h"
#include "sip/sdp.h"
#include "proxy/policy_fns.h"

/* The first audio stream, NULL when the message has no SDP or no audio. */
static sip_sdp_media *sdp_audio(struct sip_ctx *ctx, sip_sdp **sdp)
{
	if (!ctx->msg)
		return NULL;
	*sdp = sip_msg_sdp(ctx->msg, NULL);
	return *sdp ? sip_sdp_find_media(*sdp, "audio") : NULL;
}

int64_t sipcc_fn_has_sdp(struct sip_ctx *ctx)
{
	return ctx->msg && sip_msg_sdp(ctx->msg, NULL) != NULL;
}

void sipcc_pv_sdp_ip_get(struct sip_ctx *ctx, sip_str *out)
{
	sip_sdp *d = NULL;
	sip_sdp_media *m = sdp_audio(ctx, &d);
	const sip_sdp_conn *c = m ? sip_sdp_media_conn(d, m) : NULL;

	*out = c ? c->addr : SIP_STR_NULL;
}

void sipcc_pv_sdp_af_get(struct sip_ctx *ctx, sip_str *out)
{
	sip_sdp *d = NULL;
	sip_sdp_media *m = sdp_audio(ctx, &d);
	const sip_sdp_conn *c = m ? sip_sdp_media_conn(d, m) : NULL;

	*out = c ? c->addrtype : SIP_STR_NULL;
}

int64_t sipcc_pv_sdp_port_get(struct sip_ctx *ctx)
{
	sip_sdp *d = NULL;
	sip_sdp_media *m = sdp_audio(ctx, &d);

	return m ? m->port : -1;
}

void sipcc_pv_sdp_dir_get(struct sip_ctx *ctx, sip_str *out)
{
	sip_sdp *d = NULL;
	sip_sdp_media *m = sdp_audio(ctx, &d);
	const char *n = m ? sip_sdp_dir_name(m->dir) : NULL;

	*out = n ? sip_str_make(n, strlen(n)) : SIP_STR_NULL;
}
