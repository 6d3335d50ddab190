/* Inside the proxy (proxy.c, routes.c, dns.c): the per-message context
 * every route runs on. */
#ifndef SIPCC_PROXY_PROXY_INT_H
#define SIPCC_PROXY_PROXY_INT_H

#include "core/worker.h"
#include "proxy/policy.h"
#include "proxy/proxy.h"

/* A message with its arena and routing context, from a pool. The receive
 * path reuses one; a request, reply or failure route that waits
 * (proxy_wait) keeps its own until it resumes; failure, local, startup and timer routes and a relay
 * resumed after DNS take one for their run and give it back. */
struct proxy_mctx {
	sip_arena arena;
	sip_msg msg;
	struct sip_ctx ctx;
	sipcc_route_fn route;       /* a failure route that waits: the one to resume */
	int stage;                  /* reply routes: 0 the unnamed one, 1 t_on_reply's, 2 done */
	bool fwd;                   /* reply routes: the reply goes on (none dropped it) */
	int held_kind;              /* reply routes that wait: txn_reply_hold()'s answer */
	/* event routes (proxy/event.h): the event, its values (in the
	 * arena), the next of the policy's event routes to try */
	const char *ev_name;
	struct sipcc_event_val *ev_vals;
	unsigned ev_n, ev_next;
	struct proxy_mctx *next;    /* in the pool or the waiting list */
	txn *pinned[3];             /* waiting: the transactions its context points at */
	unsigned npinned;
};

/* A context with an empty arena; NULL when out of memory. */
struct proxy_mctx *proxy_mctx_take(void);
void proxy_mctx_give(struct proxy_mctx *mc);

/* Run the routes of the event mc holds (proxy/event.c) on its context,
 * from the loop's top level; keep it while one waits, give it back when
 * they are done (proxy.c). */
void proxy_event_start(struct proxy_mctx *mc);
/* The next routes of mc's event, until one waits (event.c). */
void proxy_event_routes_run(struct proxy_mctx *mc);

/* The server transaction of ctx's request, made now (ctx->txn; NULL
 * without memory), bound to the policy ctx runs: its reply and failure
 * routes are that policy's even after another one is loaded. */
txn *proxy_txn_create(struct sip_ctx *ctx);
/* The policy that routed s (the running one for a transaction of none). */
const struct proxy_policy *proxy_txn_policy(const txn *s);

/* The one initialiser of a routing context: message m (NULL for startup
 * and timer routes) in arena a, received on sock from src (NULL: none),
 * for a route of kind (SIPCC_ROUTE_*). */
void proxy_ctx_init(struct sip_ctx *ctx, sip_msg *m, sip_arena *a, sip_socket *sock,
		    const sip_addr *src, int kind);

/* The buffer outgoing requests and replies are printed into (one message
 * at a time: the loop is single-threaded), and the salt of stateless
 * branches. */
#define PROXY_BUFSZ (SIP_MAX_MSG_SIZE + 4096)
extern SIP_PER_WORKER char proxy_out[PROXY_BUFSZ];
extern uint64_t proxy_sl_salt;

/* Messages that may wait at once (proxy_wait). */
#define PROXY_MAX_WAITING 1024

/* Where a reply to m received on sock from src goes (RFC 3261 18.2.2
 * with RFC 3581; over a stream, back on its connection). */
void proxy_reply_dest(const sip_msg *m, const sip_socket *sock, const sip_addr *src,
		      sip_addr *dst);

/* The ban list's control commands, statistics and expiry timer on w
 * (ban_ctl.c); destroy empties the list. */
void proxy_ban_init(sip_timer_wheel *w);
void proxy_ban_destroy(void);

#endif
