/* The ABI between generated policy code and the runtime.
 *
 * The compiler emits one function per route:
 *     int64_t <route>(struct sip_ctx *ctx)
 * returning SIPCC_RET_*; and one entry point, sipcc_policy_init(), that
 * registers the policy's settings and routes by calling sipcc_reg_*().
 * Startup and timer routes run with a sip_ctx whose msg is NULL: the
 * stdlib lets only functions declared for those kinds run there.
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
 *     and, when writable, written with SYM_set(ctx, s, len) (or int64_t);
 *     one declared with an argument ($hdr(name)) gets it as (const char *arg,
 *     size_t len) after ctx and out: SYM_get(ctx[, out], arg, arglen);
 *   - a flag, bflag or avp parameter is the declaration's index (int64_t).
 *
 * Named routes with parameters or a result (route f(a: str): bool) are
 * internal to the generated code: int64_t f(ctx, result *, args...), still
 * returning SIPCC_RET_*.
 * Strings made while a route runs (concatenation) live in the message arena.
 */
#ifndef SIPCC_PROXY_POLICY_ABI_H
#define SIPCC_PROXY_POLICY_ABI_H

#include <stdint.h>
#include <stddef.h>
#include "core/str.h"

struct sip_ctx;
typedef int64_t (*sipcc_route_fn)(struct sip_ctx *ctx);

/* What a route returns; the compiler emits these values. */
enum {
	SIPCC_RET_CONTINUE = 0,   /* fell off the end or "return" */
	SIPCC_RET_EXIT = 1,       /* "exit": stop processing this message */
	SIPCC_RET_DROP = 2,       /* "drop": stop and discard (no reply / no forward) */
	SIPCC_RET_SUSPEND = 3,    /* a call waits: the message is suspended, the route
				     is called again when the result is in */
};

/* Route kinds, numbered from 0 without gaps: the compiler's enum
 * cc_route_kind takes these values. */
enum {
	SIPCC_ROUTE_REQUEST = 0,
	SIPCC_ROUTE_REPLY = 1,
	SIPCC_ROUTE_FAILURE = 2,
	SIPCC_ROUTE_BRANCH = 3,
	SIPCC_ROUTE_LOCAL = 4,
	SIPCC_ROUTE_ERROR = 5,
	SIPCC_ROUTE_STARTUP = 6,
	SIPCC_ROUTE_TIMER = 7,
	SIPCC_ROUTE_EVENT = 8,
	SIPCC_ROUTE_NAMED = 9,
};

/* The version of this interface: raised whenever a change here (or in
 * struct sip_ctx's use by generated code) makes a policy compiled before
 * it unfit to run on the runtime after it. Part of sipcc_policy_abi. */
#define SIPCC_POLICY_ABI_VERSION 1

/* Generated. */
void sipcc_policy_init(void);
/* "sipcc policy abi N; sipcc VERSION; stdlib HASH": what a running proxy
 * compares before it calls the sipcc_policy_init() of a policy built with
 * "sipcc build --hot" (proxy/policy.h). */
extern const char sipcc_policy_abi[];

/* Called by sipcc_policy_init(); strings are NUL-terminated constants. */
/* First: the policy's sipcc_policy_abi, and the declarations whose values
 * outlive a message ("bflag NAME; dlgvar NAME: TYPE; profile NAME[: str]; "
 * in index order), which a policy swapped in must keep. */
void sipcc_reg_policy(const char *abi, const char *state);
void sipcc_reg_listen(const char *proto, const char *addr, int64_t port);
void sipcc_reg_domain(const char *name);
void sipcc_reg_route(int64_t kind, const char *name, sipcc_route_fn fn);
/* route timer NAME every N: run fn every every_ms milliseconds. */
void sipcc_reg_timer(const char *name, sipcc_route_fn fn, int64_t every_ms);
/* A runtime module the policy uses (struct sipcc_module, proxy/module.h),
 * in the order they start: each after those it requires. */
struct sipcc_module;
void sipcc_reg_module(struct sipcc_module *m);
/* database "URL" */
void sipcc_reg_database(const char *url);
/* One setting of the stdlib, with the policy's value (s for a str
 * setting, NULL and i for int and bool ones); see proxy/settings.h. */
void sipcc_reg_setting(const char *module, const char *key, const char *s, int64_t i);

/* avp NAME: TYPE, declaration index idx (what an avp parameter of a
 * function receives); is_int for "int", else "str". */
void sipcc_reg_avp(int64_t idx, const char *name, int64_t is_int);

/* profile NAME [: str], declaration index idx (what a profile parameter
 * of a function receives); has_value for a profile with values. */
void sipcc_reg_profile(int64_t idx, const char *name, int64_t has_value);

/* Routes that may wait (a stdlib function declared marks(async)). Such a
 * route keeps its variables in a frame of size bytes whose first int64_t
 * is the resume state (0: start at the top). sipcc_frame_enter gives the
 * route its frame: while the message resumes, the frames of the routes
 * that were waiting, outermost first; otherwise a new zeroed one, kept
 * with the message. sipcc_frame_leave gives it back when the route
 * returns without waiting. After calling an async function the route asks
 * sipcc_suspended(): nonzero when the function suspended the message, and
 * the route then returns SIPCC_RET_SUSPEND up to the runtime. */
void *sipcc_frame_enter(struct sip_ctx *ctx, int64_t size);
void sipcc_frame_leave(struct sip_ctx *ctx);
int64_t sipcc_suspended(struct sip_ctx *ctx);

/* Event routes ("route event MODULE.NAME"): parameter i of the event
 * being handled, in the order its declaration lists them. */
void sipcc_event_arg_str(struct sip_ctx *ctx, sip_str *out, int64_t i);
int64_t sipcc_event_arg_int(struct sip_ctx *ctx, int64_t i);
/* What a module raises an event with (proxy_event_raise, proxy/event.h;
 * the C functions "sipcc doc --c-header" generates from the event
 * declarations build these): one value per parameter, s for a str one, i
 * for an int or bool one. */
struct sipcc_event_val {
	sip_str s;
	int64_t i;
};
int sipcc_event_raise(const char *name, const struct sipcc_event_val *v, unsigned n);
/* True when the policy has a route for event name: a module that must work
 * to build an event's values asks first. */
int sipcc_event_wanted(const char *name);

/* Helpers the generated code calls for language operations. */
void sipcc_str_concat(struct sip_ctx *ctx, sip_str *out,
		      const char *a, size_t alen, const char *b, size_t blen);
void sipcc_int_to_str(struct sip_ctx *ctx, sip_str *out, int64_t v);
/* s =~ "re": *cache holds the compiled pattern (NULL before first use). */
int64_t sipcc_regex_match(struct sip_ctx *ctx, void **cache, const char *re, size_t relen,
			  const char *s, size_t len);
/* A while loop ran into its bound at where ("file:line"); it is left. */
void sipcc_loop_bound(struct sip_ctx *ctx, const char *where, int64_t max);
/* $avp(name): push a value, read the newest (runtime/script/vars.c). */
void sipcc_avp_push_str(struct sip_ctx *ctx, int64_t idx, const char *s, size_t len);
void sipcc_avp_push_int(struct sip_ctx *ctx, int64_t idx, int64_t v);
void sipcc_avp_get_str(struct sip_ctx *ctx, sip_str *out, int64_t idx);
int64_t sipcc_avp_get_int(struct sip_ctx *ctx, int64_t idx);
/* $dlg(name): the value of a dialog variable of the current dialog
 * (modules/dialog/dlg_fn.c); "" or 0 when unset or outside a dialog. */
void sipcc_dlgvar_set_str(struct sip_ctx *ctx, int64_t idx, const char *s, size_t len);
void sipcc_dlgvar_set_int(struct sip_ctx *ctx, int64_t idx, int64_t v);
void sipcc_dlgvar_get_str(struct sip_ctx *ctx, sip_str *out, int64_t idx);
int64_t sipcc_dlgvar_get_int(struct sip_ctx *ctx, int64_t idx);

#endif
