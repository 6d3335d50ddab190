/* The proxy core: the receive path, request and response forwarding, and
 * the routing context generated policy code works on (struct sip_ctx).
 * Above txn and net; the policy's routes and the stdlib functions
 * (sipcc_fn_*, sipcc_pv_*) run on a sip_ctx. */
#ifndef SIPCC_PROXY_PROXY_H
#define SIPCC_PROXY_PROXY_H

#include <stdbool.h>
#include <stdint.h>
#include "core/arena.h"
#include "net/loop.h"
#include "net/transport.h"
#include "proxy/policy_abi.h"
#include "sip/msg.h"
#include "txn/txn.h"

/* What the routes of one message work on. */
struct proxy_policy;
struct sip_ctx {
	const struct proxy_policy *policy;  /* whose routes run (proxy/policy.h):
				       the running one when the context was made,
				       its transaction's in failure and reply routes */
	sip_msg *msg;               /* request, or response in reply routes */
	sip_arena *arena;           /* where strings made while routing live */
	sip_socket *sock;           /* receiving socket */
	sip_addr src;               /* source address */
	int route_kind;             /* SIPCC_ROUTE_* */
	txn *txn;                   /* server transaction, once there is one */
	txn *branch;                /* client transaction (reply routes) */
	txn *matched;               /* existing transaction the request matched */
	txn *cancel_target;         /* INVITE transaction a CANCEL refers to */
	bool cancel_done;           /* ... one that ended, kept as a record only */
	sip_str new_ruri;           /* $ru when changed */
	sip_str du;                 /* $du */
	sipcc_route_fn on_failure;  /* armed by t_on_failure */
	sipcc_route_fn on_reply;    /* armed by t_on_reply */
	sipcc_route_fn on_branch;   /* armed by t_on_branch (proxy/routes.h) */
	int err_code;               /* error route: the status the request earned */
	const char *err_reason;     /* error route: why */
	int reply_code;             /* $rs in failure routes */
	int maxfwd;                 /* new Max-Forwards value, -1 = not set */
	bool record_route;          /* add our Record-Route when relaying */
	sip_str rr_params;          /* ";NAME=VALUE..." in our Record-Route
				       entries (add_rr_param(), and modules
				       through proxy_rr_param_add) */
	sip_str rr_preset;          /* record_route_preset(): the URI of our
				       Record-Route instead of the socket's */
	bool prepared;              /* msg is a stored template: hop edits done */
	sip_str route_next;         /* where the Route set sends the request once
				       the values naming this proxy are removed
				       (proxy_route_self); empty when none */
	unsigned routes_ours;       /* Route values of this proxy removed */
	sip_str route_params;       /* URI parameters of the first of them (no
				       leading ';'), for check_route_param() */
	bool routes_done;           /* proxy_route_self() ran on msg */
	bool looped;                /* a branch was not sent: it came back here */
	bool replied;
	bool relayed;
	sip_str reply_hdrs;         /* append_to_reply(): lines (CRLF each) every
				       reply this context sends carries */
	struct script_vars *script; /* AVPs and flags (script/script.h) */
	struct proxy_fork *fork;    /* branches, serial contacts, timers (proxy/fork.h) */
	sip_addr hop_dst;           /* where the request being relayed goes (the
				       flow of a WebSocket Record-Route) */
	/* A route that waits (proxy_wait, policy_abi.h): the frames of the
	 * routes that were running, outermost first, and the next one a
	 * resumed route takes. */
	void **frames;
	unsigned nframes, frame_i, frames_cap;
	bool can_wait;              /* a pooled request context (proxy_wait) */
	bool suspended;             /* proxy_wait() said yes; the route returns */
	bool waiting;               /* suspended: kept until proxy_resume() */
	void (*then)(struct sip_ctx *ctx);  /* proxy_wait_then() */
	bool then_ready;            /* proxy_resume_then() came */
	void *mod[TXN_MOD_SLOTS];   /* one state slot a module (proxy/module.h) */
};

/* Runtime configuration filled by sipcc_policy_init() and the CLI. */
struct proxy_listen {
	char proto[8];
	char addr[64];
	int port;
};

#define PROXY_MAX_LISTEN  16
#define PROXY_MAX_DOMAINS 64

struct proxy_conf {
	struct proxy_listen listen[PROXY_MAX_LISTEN];
	unsigned n_listen;
	const char *domains[PROXY_MAX_DOMAINS];
	unsigned n_domains;
};

extern struct proxy_conf proxy_conf;

/* Wire the proxy to the transports and the transaction layer, with timers
 * on wheel w. */
int proxy_init(sip_timer_wheel *w);
void proxy_destroy(void);
/* The part of proxy_init() and proxy_destroy() each further worker thread
 * runs for itself (proxy/worker.h): its transaction layer, message
 * contexts and local requests, with timers on its own wheel w. */
int proxy_init_worker(sip_timer_wheel *w);
void proxy_destroy_worker(void);
/* Free the calling worker's compiled-pattern caches (fork.c, rr_fn.c). */
void proxy_fork_worker_done(void);
void proxy_rr_worker_done(void);
/* The transport receive callback: one datagram from src on sock. */
void proxy_receive(sip_socket *sock, const sip_addr *src, char *buf, size_t len, void *arg);

/* Forward the request of ctx statefully (creating the server transaction)
 * or statelessly. SIP_OK when sent. */
int proxy_relay(struct sip_ctx *ctx, bool stateful);
/* Reply to the request of ctx, statefully (through its server transaction,
 * created when needed) or statelessly. */
int proxy_reply(struct sip_ctx *ctx, int code, sip_str reason, bool stateful);
/* proxy_reply with extra header lines (each ending in CRLF) placed before
 * Content-Length: challenges, the Contact list of a REGISTER's 200. Both
 * add the lines append_to_reply() gave (ctx->reply_hdrs) before them. */
int proxy_reply_hdrs(struct sip_ctx *ctx, int code, sip_str reason, sip_str hdrs, bool stateful);
/* Add ";param" (NAME or NAME=VALUE of unescaped URI parameter characters,
 * RFC 3261 §25.1 paramchar) to the Record-Route entries this proxy puts in
 * the request of ctx when it relays it with record-routing: state the
 * later requests of the dialog bring back in their Route (read there from
 * the values proxy_route_self() removed). Copied into ctx's arena.
 * SIP_OK, SIP_EINVAL (not one parameter), SIP_NOMEM. */
int proxy_rr_param_add(struct sip_ctx *ctx, sip_str param);

/* ---- waiting for a result (stdlib functions declared marks(async)) ----
 *
 * A function that needs a result it must wait for (the credentials
 * www_authorize checks, read by the database worker) does not wait on the
 * loop: it starts the work, calls proxy_wait(ctx) and returns at once
 * (its return value is not used). The generated route sees
 * sipcc_suspended() and returns SIPCC_RET_SUSPEND, keeping its variables
 * in its frame (policy_abi.h). The message, its arena and its context stay
 * as they are; a server transaction is created for a request that has
 * none (an INVITE gets its 100 Trying), so retransmissions are absorbed
 * while it waits. When the result is in, the function's module calls
 * proxy_resume(ctx) from the loop's top level (a descriptor or timer
 * callback): the route goes on at the statement that waited, calling the
 * function again, which now finds its result. Nothing before that
 * statement runs twice.
 *
 * Request, failure and reply routes (and the named routes they call)
 * wait. A failure route that waits holds its transaction: no final
 * response goes upstream until the route is done (txn_server_hold); a
 * reply route holds its reply (txn_reply_hold). Branch, error, local,
 * startup and timer routes do not wait: there proxy_wait says SIP_ESTATE
 * and the caller does the work synchronously with its bounded waits (a
 * database query, a media relay's answer). */

/* Suspend the message of ctx once the route returns. SIP_OK; SIP_ESTATE
 * when ctx cannot wait (see above); SIP_ELIMIT when too many messages
 * wait already (answer 503). */
int proxy_wait(struct sip_ctx *ctx);
/* Take back a proxy_wait() the function could not follow up (its work
 * could not start): the route goes on at once. */
void proxy_wait_cancel(struct sip_ctx *ctx);
/* Go on with the route of ctx, suspended by proxy_wait(). From the loop's
 * top level, never while another message is being routed. */
void proxy_resume(struct sip_ctx *ctx);
/* Messages waiting now. */
unsigned proxy_waiting_count(void);

/* The same wait for work the runtime goes on with by itself, with no route
 * code to run again: a relay whose next hop is a name being looked up
 * (proxy/dns.h). The route goes on at once (the call returns its value);
 * when the route is done the message is kept, with its transaction (a
 * failure route's transaction is held), and when the work can go on the
 * runtime calls proxy_resume_then(ctx), from the loop's top level, which
 * runs then(ctx) (at once, or once the route is done when it waits for
 * something else meanwhile). SIP_OK; SIP_ESTATE when ctx cannot wait or
 * waits so already; SIP_ELIMIT when too many messages wait. */
int proxy_wait_then(struct sip_ctx *ctx, void (*then)(struct sip_ctx *ctx));
/* Take back a proxy_wait_then() whose work could not start. */
void proxy_wait_then_cancel(struct sip_ctx *ctx);
void proxy_resume_then(struct sip_ctx *ctx);

/* ---- myself (proxy/self.c) ---- */

/* True when host[:port] names one of our sockets (port 0: any port). An
 * IP literal is compared as an address; a socket bound to the wildcard
 * address has the loopback addresses. */
bool proxy_is_us(sip_str host, int port);
/* True when host is one of the policy's domains. */
bool proxy_is_domain(sip_str host);
/* The port of u, else its default: 5061 for sips: and transport=tls,
 * 5060 otherwise. */
int proxy_uri_port(const sip_uri *u);
/* OpenSIPS's "myself": host is one of the policy's domains (and, with
 * domain_table, of the domain table when the policy uses it) whatever
 * the port, or the address of one of our sockets on that port. */
bool proxy_host_is_us(sip_str host, int port, bool domain_table);
/* The domain module gives the host its table (NULL: none). */
void proxy_set_domain_table(bool (*is_local)(sip_str host));
/* True when host is in the domain table (false without one). */
bool proxy_domain_table_has(sip_str host);
/* proxy_host_is_us() for a sip:/sips: URI, with its default port. */
bool proxy_uri_is_us(const sip_uri *u);
/* True when dst is the address of one of our sockets of transport tp: a
 * request sent there would come back to this proxy. */
bool proxy_addr_is_us(const sip_transport *tp, const sip_addr *dst);
/* RFC 3261 §16.4 on the request of ctx before the request route runs: a
 * Request-URI that is our Record-Route is replaced by the last Route
 * (strict routing), the topmost Route values naming this proxy are
 * removed (edits of the message), ctx->route_next is set to where the
 * rest sends the request and ctx->routes_ours counts the removed values.
 * Once per message. */
void proxy_route_self(struct sip_ctx *ctx);
/* Remove the Authorization and Proxy-Authorization headers of m that are
 * for this proxy and not removed yet: credentials never leave the proxy
 * that asked for them. Which are is the authentication module's word
 * (proxy_set_credentials_filter: a nonce it issued, or a realm that is one
 * of the proxy's domains); nothing without one. */
int proxy_strip_credentials(sip_msg *m);
void proxy_set_credentials_filter(bool (*ours)(sip_str hdr_body));

#endif
