/* The ABI between generated policy code and the runtime.
 *
 * The compiler emits one function per route:
 *     int64_t <route>(struct sip_ctx *ctx)
 * returning SIPCC_RET_*; and one entry point, sipcc_policy_init(), that
 * registers the policy's settings and routes by calling sipcc_reg_*().
 *
 * Stdlib functions and pseudo-variables (declared in the stdlib/ .sipi files) follow
 * one calling convention, so adding one never touches the compiler:
 *   - the first parameter is always struct sip_ctx *ctx;
 *   - a str result is returned through a second parameter sip_str *out and
 *     the C function returns void;
 *   - int, bool and method results are returned as int64_t (bool: nonzero
 *     is true); a void result returns void;
 *   - an int/bool/method argument is one int64_t; a str argument is two
 *     arguments (const char *s, size_t len); a route argument is a
 *     sipcc_route_fn;
 *   - a pseudo-variable declared "calls SYM" is read with SYM_get(ctx[, out])
 *     and, when writable, written with SYM_set(ctx, s, len) (or int64_t).
 * Strings made while a route runs (concatenation) live in the message arena.
 */
#ifndef SIPCC_PROXY_POLICY_ABI_H
#define SIPCC_PROXY_POLICY_ABI_H

#include <stdint.h>
#include <stddef.h>
#include "core/str.h"

struct sip_ctx;
typedef int64_t (*sipcc_route_fn)(struct sip_ctx *ctx);

/* What a route returns. */
enum {
	SIPCC_RET_CONTINUE = 0,   /* fell off the end or "return" */
	SIPCC_RET_EXIT = 1,       /* "exit": stop processing this message */
	SIPCC_RET_DROP = 2,       /* "drop": stop and discard (no reply / no forward) */
};

/* Route kinds, same numbering as the compiler's enum cc_route_kind. */
enum {
	SIPCC_ROUTE_REQUEST = 0,
	SIPCC_ROUTE_REPLY = 1,
	SIPCC_ROUTE_FAILURE = 2,
	SIPCC_ROUTE_BRANCH = 3,
	SIPCC_ROUTE_LOCAL = 4,
	SIPCC_ROUTE_ERROR = 5,
	SIPCC_ROUTE_NAMED = 6,
};

/* Generated. */
void sipcc_policy_init(void);

/* Called by sipcc_policy_init(); strings are NUL-terminated constants. */
void sipcc_reg_listen(const char *proto, const char *addr, int64_t port);
void sipcc_reg_domain(const char *name);
void sipcc_reg_route(int64_t kind, const char *name, sipcc_route_fn fn);

/* Helpers the generated code calls for language operations. */
void sipcc_str_concat(struct sip_ctx *ctx, sip_str *out,
		      const char *a, size_t alen, const char *b, size_t blen);
void sipcc_int_to_str(struct sip_ctx *ctx, sip_str *out, int64_t v);

#endif
