/* A stand-in runtime for test_codegen: implements the few stdlib symbols the
 * test policy calls, records each call on stdout, and runs the registered
 * routes against a message described on the command line:
 *     prog MAXFWD METHOD RM RD
 * It includes policy_abi.h so its definitions are checked against the ABI
 * the generated code is written for. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/policy_abi.h"

struct sip_ctx {
	int64_t maxfwd;
	int64_t method;
	const char *rm;
	const char *rd;
	char du[256];
	char buf[4][256];       /* the "message arena" for made strings */
	int nbuf;
	/* Routes that wait: their frames, outermost first, and the next one
	 * a resumed route takes. */
	void *frames[16];
	int nframes, frame_i;
	int suspended;
};

static sipcc_route_fn request_route;
static sipcc_route_fn failure_route;

void sipcc_reg_policy(const char *abi, const char *state)
{
	printf("policy %s | %s\n", strncmp(abi, "sipcc policy abi ", 17) == 0 ? "abi" : abi, state);
}

void sipcc_reg_listen(const char *proto, const char *addr, int64_t port)
{
	printf("listen %s %s %lld\n", proto, addr, (long long)port);
}

void sipcc_reg_domain(const char *name)
{
	printf("domain %s\n", name);
}

void sipcc_reg_route(int64_t kind, const char *name, sipcc_route_fn fn)
{
	printf("route %lld %s\n", (long long)kind, name);
	if (kind == SIPCC_ROUTE_REQUEST)
		request_route = fn;
}

static char *rt_buf(struct sip_ctx *ctx)
{
	return ctx->buf[ctx->nbuf++ % 4];
}

void sipcc_str_concat(struct sip_ctx *ctx, sip_str *out,
		      const char *a, size_t alen, const char *b, size_t blen)
{
	char *p = rt_buf(ctx);
	memcpy(p, a, alen);
	memcpy(p + alen, b, blen);
	*out = sip_str_make(p, alen + blen);
}

void sipcc_int_to_str(struct sip_ctx *ctx, sip_str *out, int64_t v)
{
	char *p = rt_buf(ctx);
	*out = sip_str_make(p, (size_t)snprintf(p, 256, "%lld", (long long)v));
}

int64_t sipcc_fn_maxfwd_ok(struct sip_ctx *ctx, int64_t limit)
{
	printf("maxfwd_ok %lld\n", (long long)limit);
	return ctx->maxfwd > 0 ? 42 : 0;
}

int64_t sipcc_fn_reply(struct sip_ctx *ctx, int64_t code, const char *s, size_t len)
{
	printf("reply %lld %.*s\n", (long long)code, (int)len, s);
	return 1;
}

int64_t sipcc_fn_t_relay(struct sip_ctx *ctx)
{
	printf("relay %s\n", ctx->du);
	return strstr(ctx->du, "fail") == NULL;
}

void sipcc_fn_t_on_failure(struct sip_ctx *ctx, sipcc_route_fn fn)
{
	printf("on_failure\n");
	failure_route = fn;
}

void sipcc_fn_log(struct sip_ctx *ctx, int64_t level, const char *s, size_t len)
{
	printf("log %lld %.*s\n", (long long)level, (int)len, s);
}

void sipcc_loop_bound(struct sip_ctx *ctx, const char *where, int64_t max)
{
	printf("loop bound %s %lld\n", where, (long long)max);
}

/* The frames of routes that may wait, as the runtime keeps them. */
void *sipcc_frame_enter(struct sip_ctx *ctx, int64_t size)
{
	if (ctx->frame_i < ctx->nframes)
		return ctx->frames[ctx->frame_i++];
	void *f = calloc(1, (size_t)size);
	if (!f || ctx->nframes == 16)
		abort();
	ctx->frames[ctx->nframes++] = f;
	ctx->frame_i++;
	return f;
}

void sipcc_frame_leave(struct sip_ctx *ctx)
{
	if (ctx->nframes != ctx->frame_i || ctx->nframes == 0)
		abort();        /* only the innermost frame returns */
	free(ctx->frames[--ctx->nframes]);
	ctx->frame_i--;
}

int64_t sipcc_suspended(struct sip_ctx *ctx)
{
	return ctx->suspended;
}

/* An async function: the first call suspends, the call after the resume
 * returns n * 10. */
int64_t sipcc_fn_wait(struct sip_ctx *ctx, int64_t n)
{
	static int pending;
	if (!pending) {
		pending = 1;
		ctx->suspended = 1;
		printf("wait %lld suspends\n", (long long)n);
		return 0;
	}
	pending = 0;
	printf("wait %lld -> %lld\n", (long long)n, (long long)n * 10);
	return n * 10;
}

int64_t sipcc_fn_pick(struct sip_ctx *ctx, int64_t a, const char *s, size_t len)
{
	printf("pick %lld %.*s\n", (long long)a, (int)len, s);
	return a;
}

/* An int the optimiser cannot see through: arithmetic on it happens when
 * the program runs. */
int64_t sipcc_fn_num(struct sip_ctx *ctx, int64_t n)
{
	(void)ctx;
	return n;
}

int64_t sipcc_pv_method_get(struct sip_ctx *ctx)
{
	return ctx->method;
}

void sipcc_pv_rm_get(struct sip_ctx *ctx, sip_str *out)
{
	*out = sip_str_make(ctx->rm, strlen(ctx->rm));
}

void sipcc_pv_rd_get(struct sip_ctx *ctx, sip_str *out)
{
	/* an empty value comes back as a null pointer, as a parser may give */
	size_t n = strlen(ctx->rd);
	*out = sip_str_make(n ? ctx->rd : NULL, n);
}

void sipcc_pv_du_set(struct sip_ctx *ctx, const char *s, size_t len)
{
	snprintf(ctx->du, sizeof ctx->du, "%.*s", (int)len, s);
	printf("du %s\n", ctx->du);
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s MAXFWD METHOD RM RD\n", argv[0]);
		return 2;
	}
	struct sip_ctx ctx = {
		.maxfwd = atoll(argv[1]),
		.method = atoll(argv[2]),
		.rm = argv[3],
		.rd = argv[4],
	};
	sipcc_policy_init();
	if (!request_route)
		return 3;
	int64_t ret = request_route(&ctx);
	/* A route that waits: resume it at once, as the runtime does when the
	 * result is in. */
	for (int i = 0; ret == SIPCC_RET_SUSPEND && i < 10; i++) {
		printf("ret %lld\n", (long long)ret);
		ctx.suspended = 0;
		ctx.frame_i = 0;
		ret = request_route(&ctx);
	}
	printf("ret %lld\n", (long long)ret);
	if (ctx.nframes)
		printf("frames %d\n", ctx.nframes);
	if (failure_route)
		printf("failure ret %lld\n", (long long)failure_route(&ctx));
	return 0;
}
