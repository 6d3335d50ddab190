/* Requests that wait (proxy.h) and the frames of the routes that wait
 * (policy_abi.h). */
#include "proxy/proxy.h"
#include "proxy/proxy_int.h"

#include <stdlib.h>
#include <string.h>
#include "core/status.h"

int proxy_wait(struct sip_ctx *ctx)
{
	if (!ctx->can_wait)
		return SIP_ESTATE;
	if (!ctx->waiting && proxy_waiting_count() >= PROXY_MAX_WAITING)
		return SIP_ELIMIT;
	ctx->suspended = true;
	return SIP_OK;
}

int proxy_wait_then(struct sip_ctx *ctx, void (*then)(struct sip_ctx *ctx))
{
	if (!ctx->can_wait || ctx->then)
		return SIP_ESTATE;
	if (!ctx->waiting && proxy_waiting_count() >= PROXY_MAX_WAITING)
		return SIP_ELIMIT;
	ctx->then = then;
	ctx->then_ready = false;
	return SIP_OK;
}

void proxy_wait_cancel(struct sip_ctx *ctx)
{
	ctx->suspended = false;
}

void proxy_wait_then_cancel(struct sip_ctx *ctx)
{
	ctx->then = NULL;
	ctx->then_ready = false;
}

/* ---- frames of routes that wait (policy_abi.h) ---- */

void *sipcc_frame_enter(struct sip_ctx *ctx, int64_t size)
{
	if (ctx->frame_i < ctx->nframes)
		return ctx->frames[ctx->frame_i++];
	if (ctx->nframes == ctx->frames_cap) {
		unsigned cap = ctx->frames_cap ? 2 * ctx->frames_cap : 8;
		void **f = sip_arena_alloc(ctx->arena, cap * sizeof *f);
		if (!f)
			abort();    /* the route cannot go on without its variables */
		if (ctx->nframes)
			memcpy(f, ctx->frames, ctx->nframes * sizeof *f);
		ctx->frames = f;
		ctx->frames_cap = cap;
	}
	void *frame = sip_arena_alloc(ctx->arena, (size_t)size);
	if (!frame)
		abort();
	memset(frame, 0, (size_t)size);
	ctx->frames[ctx->nframes++] = frame;
	ctx->frame_i++;
	return frame;
}

void sipcc_frame_leave(struct sip_ctx *ctx)
{
	if (ctx->nframes) {
		ctx->nframes--;
		ctx->frame_i = ctx->nframes;
	}
}

int64_t sipcc_suspended(struct sip_ctx *ctx)
{
	return ctx->suspended;
}
