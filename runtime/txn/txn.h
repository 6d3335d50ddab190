/* RFC 3261 §17 transactions for a stateful proxy.
 *
 * A server transaction (the request as received) owns up to
 * TXN_MAX_BRANCHES client transactions (the forwarded copies). The layer
 * matches messages to transactions (§17.1.3, §17.2.3), runs timers A-M on a
 * timer wheel, absorbs retransmissions, generates 100 Trying, hop-by-hop
 * ACKs, CANCELs and local 408s, and picks the best final response among the
 * branches (§16.7). The proxy above sees it through two callbacks
 * (struct txn_user): every branch reply, and "all branches failed".
 *
 * Everything a transaction keeps is copied into its own arena or its reused
 * buffers; transactions come from a free list of at most TXN_FREE_MAX, so
 * steady state allocates nothing and a burst does not pin its peak. A
 * transaction that only waits out timer I, J, K or D (UDP) becomes a
 * compact record (txn_rec_*): what matching a retransmission and sending
 * the last message again need, and nothing else. Single-threaded: call it
 * from the event loop only. */
#ifndef SIPCC_TXN_TXN_H
#define SIPCC_TXN_TXN_H

#include <stdbool.h>
#include <stdint.h>
#include "core/arena.h"
#include "core/htable.h"
#include "core/str.h"
#include "core/timer.h"
#include "net/transport.h"
#include "sip/msg.h"

#define TXN_T1  500u
#define TXN_T2  4000u
#define TXN_T4  5000u
#define TXN_TIMER_C  180000u       /* proxy INVITE timer C (> 3 min) */
#define TXN_MAX_BRANCHES 8
#define TXN_HELD_RECHECK_MS 100u  /* a transaction due to end while a reply route waits */
#define TXN_FREE_MAX 64u          /* finished transactions kept for reuse, per worker */
#define TXN_TRIM_BYTES (1u << 20) /* memory freed (net) before it goes back to the system */

enum txn_state {
	TXN_TRYING,        /* non-INVITE: nothing sent/received yet */
	TXN_CALLING,       /* client INVITE before any response */
	TXN_PROCEEDING,
	TXN_COMPLETED,
	TXN_ACCEPTED,      /* RFC 6026: INVITE after a 2xx */
	TXN_CONFIRMED,     /* server INVITE: ACK for the non-2xx received */
	TXN_TERMINATED,
};

/* The header lines a locally generated response copies from its request
 * (§8.2.6.2): all Vias (with received/rport added), From, To (split where a
 * to-tag goes), Call-ID and CSeq. */
typedef struct txn_rhdrs {
	sip_str vias;
	sip_str from;
	sip_str to_head;    /* To line up to the end of its value */
	sip_str to_tail;    /* the rest of the To line (CRLF) */
	sip_str callid;
	sip_str cseq;
	bool to_has_tag;
} txn_rhdrs;

typedef struct txn txn;
/* State slots the modules above own in a transaction (proxy/module.h,
 * proxy_txn_slot): slot 0 is shared by modules not registered (unit
 * tests), 1..TXN_MOD_SLOTS-1 by the modules a policy uses. Room for every
 * module of modules/ at once and some more (examples/provider.sip alone
 * uses 16): a module beyond is not started. */
#define TXN_MOD_SLOTS 32

struct txn {
	bool is_client;
	bool is_invite;
	enum sip_method method;
	sip_str method_str;
	enum txn_state state;
	sip_str branch;                 /* matching key */
	sip_hlink hlink;                /* in the layer's table, by branch */
	txn *free_next;
	uint64_t id;

	sip_socket *sock;               /* socket we send on */
	sip_addr peer;                  /* server: where replies go; client: next hop */
	sip_timer t_retr;               /* A, E, G */
	sip_timer t_end;                /* B, F, H, D, I, J, K, L, M */
	sip_timer t_c;                  /* client INVITE: timer C / CANCEL wait */
	uint32_t retr_ms;
	uint64_t wait_until;            /* wheel ms its wait state ends (compacted first), 0 */
	unsigned pins;                  /* txn_pin: someone keeps a pointer across loop turns */
	bool dead;                      /* destroyed while pinned: freed by the last unpin */
	sip_arena arena;                /* per-transaction copies */
	char *out;                      /* server: last response; client: request */
	size_t out_len, out_cap;

	/* server */
	uint64_t start_us;              /* when the request came (CLOCK_MONOTONIC) */
	sip_str sent_by_host;
	int sent_by_port;
	sip_addr src;                   /* source of the request */
	txn_rhdrs rh;
	sip_str totag;
	int last_code;
	bool final_sent;
	bool canceled;
	bool no_new_branches;           /* a 6xx arrived (§16.7 step 5) */
	bool in_failure;
	bool fail_held;                 /* the failure route waits (txn_server_hold) */
	unsigned replies_held;          /* client: replies whose reply route waits */
	unsigned fail_from;             /* n_branches when the failure route began */
	unsigned n_branches;
	txn *branches[TXN_MAX_BRANCHES];
	int br_code[TXN_MAX_BRANCHES];  /* final code per branch, 0 = pending */
	int best_code;                  /* 0 = none yet */
	int best_status;                /* best_code as received (503 stays 503) */
	bool best_local;                /* no message: generate the reply */
	char *best;                     /* best response, top Via removed */
	size_t best_len, best_cap;
	char *tmpl;                     /* upper layer's request template */
	size_t tmpl_len, tmpl_cap;
	void *u_fail, *u_reply;         /* upper layer's armed routes */
	void *u_script;                 /* upper layer: the policy's AVPs and flags */
	const void *u_policy;           /* upper layer: the policy that routed it */
	void *u_fail_run;               /* the u_fail on_failure runs (u_fail is cleared first) */
	void *u_mod[TXN_MOD_SLOTS];     /* upper layer: one slot a module (proxy/module.h) */
	void *u_fork;                   /* upper layer: contacts for serial forking */
	uint32_t fr_ms;                 /* branches' timer B/F (a parentless client:
					   its own), 0 = the layer's */
	uint32_t fr_inv_ms;             /* branches' timer C, 0 = the layer's */

	/* client */
	txn *parent;
	unsigned idx;
	bool got_prov;
	bool cancel_pending;            /* CANCEL once a provisional comes */
	bool cancel_sent;
	bool absorb;                    /* a CANCEL we sent: keep replies */
	bool timed_out;                 /* timer C ended the branch with a local 408 */
	bool cancel_local;              /* cancelled before any reply: counted as 487 */
	bool ack_stored;                /* Completed INVITE: out holds the ACK we sent */
	/* A request of the proxy's own (proxy/uac.h), with no server
	 * transaction above: its final outcome (the status and the response,
	 * or 408/503 and NULL) goes here, once. */
	void (*u_done)(void *arg, int code, const sip_msg *resp);
	void *u_done_arg;
};

/* What the proxy registers. */
struct txn_user {
	/* A response for branch c of server s was processed (not an absorbed
	 * retransmission); resp is the message as received. Return false to
	 * keep a provisional response from being forwarded. */
	bool (*on_reply)(txn *s, txn *c, sip_msg *resp);
	/* Every branch of s ended without a 2xx; code is the best final code
	 * as received (a 503 is not yet the 500 sent upstream).
	 * Called only when s->u_fail is set (cleared before the call). The
	 * callee may add branches or reply through s; otherwise the best
	 * response is forwarded on return, unless the callee held s
	 * (txn_server_hold) until its route is done. */
	void (*on_failure)(txn *s, int code);
	/* Optional: the layer is about to send a request it generated itself
	 * (the CANCEL of branch c), built in buf. Return false to not send it. */
	bool (*on_local)(txn *c, const char *buf, size_t len);
	/* Optional: s sent its (first) final response, code. */
	void (*on_final)(txn *s, int code);
};

/* Monotonic microseconds, the clock of txn.start_us (durations a reader
 * measures: transaction time, call set-up time). */
uint64_t txn_clock_us(void);
/* Set up the layer: timers run on w; 2^hash_bits buckets to start with
 * (the table grows with the load). */
int txn_layer_init(sip_timer_wheel *w, const struct txn_user *u, unsigned hash_bits);
void txn_layer_destroy(void);
/* Final-response timers of new client transactions, in ms: fr_ms for
 * timers B and F (no final response; 0: 64*T1), fr_inv_ms for timer C (an
 * INVITE that had a provisional response; 0: TXN_TIMER_C). A server
 * transaction's own fr_ms/fr_inv_ms, when set, win for its branches. */
void txn_set_timers(uint32_t fr_ms, uint32_t fr_inv_ms);
/* Live transactions (server + client) of the calling worker. */
unsigned long txn_count(void);
/* Live transactions and transactions created so far, of every worker. */
unsigned long txn_count_all(void);
uint64_t txn_created_all(void);
/* Live transactions of worker id (0 when it has no transaction layer). */
unsigned long txn_count_worker(unsigned id);
/* The worker whose transaction sent a request with this branch: the
 * branches txn_client_create makes are "z9hG4bK" + two hex digits of the
 * worker + 16 hex digits + "." + the branch index. -1 for any other
 * branch (another element's, a stateless relay's). */
int txn_branch_worker(sip_str branch);

/* Compact records (what a finished transaction keeps while its timer I,
 * J, K or D runs over UDP) of the calling worker, and their bytes. */
unsigned long txn_rec_count(void);
size_t txn_rec_bytes(void);
/* Finished transactions kept for reuse by the calling worker (at most
 * TXN_FREE_MAX once its sweep ran). */
unsigned long txn_free_count(void);
/* Keep t's memory valid across loop turns (a route waiting with t in its
 * context) and t out of compaction; txn_unpin once done, even when t has
 * ended meanwhile (its state is then TXN_TERMINATED). */
void txn_pin(txn *t);
void txn_unpin(txn *t);

/* ---- server transactions ---- */

/* The server transaction req belongs to per §17.2.3 (an ACK matches its
 * INVITE's); NULL when none. */
txn *txn_server_match(sip_msg *req);
/* The INVITE server transaction a CANCEL refers to (§9.2); NULL when none. */
txn *txn_server_match_cancel(sip_msg *cancel);
/* A request matched the compact record of a finished server transaction
 * (§17.2.3; an ACK its INVITE's): it was answered or absorbed as the
 * transaction would have (the last response again for a non-INVITE in
 * Completed; an INVITE or ACK in Confirmed absorbed). False when no
 * record matches. */
bool txn_rec_request(sip_msg *req);
/* A CANCEL refers to an INVITE server transaction that ended as a
 * record (Confirmed): a matching response context, already final. */
bool txn_rec_match_cancel(sip_msg *cancel);
/* Create the server transaction of req, received from src on sock.
 * Copies what it keeps. NULL on allocation failure. */
txn *txn_server_create(sip_msg *req, sip_socket *sock, const sip_addr *src);
/* A retransmission of the request arrived: resend the last response when
 * the state calls for it. */
void txn_server_retransmit(txn *s);
/* An ACK matched s: true when it was absorbed (ACK for a non-2xx), false
 * when it must be routed like a new request (ACK after a 2xx). */
bool txn_server_ack(txn *s);
/* Generate and send a response (To tag added to finals when missing). */
int txn_server_reply(txn *s, int code, sip_str reason);
/* Send a response built elsewhere (a forwarded one) through s. */
int txn_server_send(txn *s, int code, const char *buf, size_t len);
/* CANCEL every pending branch: at once when it had a provisional reply;
 * one that had none cannot be cancelled yet (§9.1) and counts as 487 for
 * s right away, so the caller gets its final reply without waiting for
 * the callee. Such a branch still CANCELs when a provisional comes, and
 * ends the dialog of a late 2xx itself (ACK and BYE). When that leaves
 * no branch pending, s's failure route runs or its best reply goes out
 * before this returns. */
void txn_server_cancel(txn *s);
/* From the on_failure callback: the failure route of s waits for a result
 * (a media relay's answer, a database row). s sends nothing on return and
 * its failure route does not run again; txn_server_release(s) once the
 * route is done, from the loop's top level, does what the return of
 * on_failure would have done: wait for branches the route added, or send
 * the best response (487 when the caller cancelled meanwhile). */
void txn_server_hold(txn *s);
void txn_server_release(txn *s);

/* From the on_reply callback: the reply routes of resp (a reply of branch
 * c) wait for a result. The layer does nothing more with resp on return
 * (it is not forwarded; a final reply leaves its branch pending) and keeps
 * c and its server transaction alive; the caller keeps resp and, once the
 * routes are done (from the loop's top level), calls txn_reply_release
 * with the kind this returned and whether a provisional reply goes on
 * (fwd), which does what the return of on_reply would have done. 0 when
 * resp cannot be held (outside the callback). */
enum { TXN_REPLY_PROVISIONAL = 1, TXN_REPLY_FINAL, TXN_REPLY_2XX_AGAIN };
int txn_reply_hold(txn *c);
void txn_reply_release(txn *c, sip_msg *resp, int kind, bool fwd);
/* Keep a copy of the request as the upper layer wants to re-route it. */
int txn_server_set_template(txn *s, const char *buf, size_t len);

/* ---- client transactions ---- */

/* A new branch of s for method m towards dst via sock; its branch
 * parameter is in ->branch. NULL when s cannot take more branches. The
 * caller builds the request and calls txn_client_send() or _abort(). */
txn *txn_client_create(txn *s, enum sip_method m, sip_socket *sock, const sip_addr *dst);
/* Copy and send the request; start timers A/B or E/F. */
int txn_client_send(txn *c, const char *buf, size_t len);
/* Drop a branch that could not be sent, without reporting a response. */
void txn_client_abort(txn *c);
/* The client transaction a response belongs to per §17.1.3; NULL if none. */
txn *txn_client_match(sip_msg *resp);
/* A response matched the compact record of a finished client transaction
 * (§17.1.3): absorbed, and a non-2xx final for an INVITE acknowledged
 * again with the same ACK. False when no record matches. */
bool txn_rec_response(sip_msg *resp);
/* Process a response matched to c. */
void txn_client_receive(txn *c, sip_msg *resp);

/* ---- helpers shared with the proxy ---- */

/* What §18.2.1 and RFC 3581 add to the top Via of a request received
 * from src: the value of a bare ;rport ("=5070", inserted at offset
 * rport_at of the buffer) and ";received=IP" (at the end of the Via value,
 * offset end_at). Empty slices when nothing is needed. */
struct txn_via_fix {
	size_t rport_at;
	sip_str rport;
	size_t end_at;
	sip_str received;
};
void txn_via_fix(sip_msg *req, const sip_addr *src, sip_arena *a, struct txn_via_fix *out);
/* Collect the reply headers of req into a (copies), with the top Via fixed
 * for src when src is not NULL. */
int txn_rhdrs_make(sip_msg *req, const sip_addr *src, sip_arena *a, txn_rhdrs *out);
/* FNV-1a of a string (branches, hash keys). */
uint32_t txn_hash(sip_str key);
/* Print a response from rh into out; returns its length or a negative status. */
long txn_rhdrs_print(char *out, size_t sz, int code, sip_str reason,
		     const txn_rhdrs *rh, sip_str totag);
/* A To tag that is the same for retransmissions of req (16 hex digits). */
sip_str txn_totag_make(sip_msg *req, sip_arena *a);
/* Send a response on to the second Via (received/rport honoured), removing
 * the top one. SIP_DECLINED when there is no second Via. */
int txn_fwd_response(sip_msg *resp, sip_socket *sock);
/* The next-hop address of a Via per RFC 3261 §18.2.2 / RFC 3581. */
int txn_via_dest(const sip_via *v, sip_addr *out);
/* Default reason phrase of a status code. */
const char *txn_reason(int code);

#endif
