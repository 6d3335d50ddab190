/* Inside the proxy (proxy.c, routes.c, dns.c): the per-message context
 * every route runs on. */
#ifndef SIPCC_PROXY_PROXY_INT_H
#define SIPCC_PROXY_PROXY_INT_H

#include "proxy/proxy.h"

/* A message with its arena and routing context, from a pool. The receive
 * path reuses one; a request whose route waits (proxy_wait) keeps its own
 * until it resumes; failure, local, startup and timer routes and a relay
 * resumed after DNS take one for their run and give it back. */
struct proxy_mctx {
	sip_arena arena;
	sip_msg msg;
	struct sip_ctx ctx;
	struct proxy_mctx *next;    /* in the pool or the waiting list */
};

/* A context with an empty arena; NULL when out of memory. */
struct proxy_mctx *proxy_mctx_take(void);
void proxy_mctx_give(struct proxy_mctx *mc);

/* The one initialiser of a routing context: message m (NULL for startup
 * and timer routes) in arena a, received on sock from src (NULL: none),
 * for a route of kind (SIPCC_ROUTE_*). */
void proxy_ctx_init(struct sip_ctx *ctx, sip_msg *m, sip_arena *a, sip_socket *sock,
		    const sip_addr *src, int kind);

#endif
