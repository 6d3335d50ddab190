/* The routes the proxy runs besides the request route of a received
 * message: startup routes (once, before the proxy listens), timer routes
 * (periodically, on the timer wheel), the local route (for each request
 * the proxy generates itself: the CANCELs it sends), the branch route
 * armed with t_on_branch, and the error route. */
#ifndef SIPCC_PROXY_ROUTES_H
#define SIPCC_PROXY_ROUTES_H

#include <stdbool.h>
#include <stdint.h>
#include "core/timer.h"
#include "proxy/proxy.h"

/* Keep a route sipcc_reg_route() was given in the policy registering
 * (proxy/policy.h; startup and timer routes run from there). */
void proxy_routes_reg(int64_t kind, const char *name, sipcc_route_fn fn);


/* The txn layer's hook for a request it generated (buf, len), sent on
 * branch c's socket to its peer: run the local route on it. False when the
 * route dropped the request (it is then not sent). */
bool proxy_routes_local(txn *c, const char *buf, size_t len);

/* Run the branch route ctx->on_branch for the branch the request of ctx is
 * about to become; the route may change $ru and $du. False when it
 * dropped the branch. */
bool proxy_routes_branch(struct sip_ctx *ctx);

/* The request m, received from src on sock, failed to parse (parsed is
 * false) or the sanity checks with code and why: run the error route. True
 * when there is one (it decides what happens; the built-in reply is not
 * sent). */
bool proxy_routes_error(sip_msg *m, sip_arena *a, sip_socket *sock, const sip_addr *src,
			int code, const char *why);

#endif
