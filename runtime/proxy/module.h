/* The module interface: what a runtime module (registrar, auth, dialog,
 * drouting, ...) gives the host, in one struct (nginx ngx_module_t, PJSIP
 * pjsip_module, OpenSIPS module_exports).
 *
 * A module is a folder with its C and its stdlib declarations, whose
 * .sipi file starts with
 *
 *     module NAME [requires(A, ...)] [after(B, ...)];
 *
 * and one definition of this struct named sipcc_module_NAME. The compiler
 * emits sipcc_reg_module(&sipcc_module_NAME) for every module the policy
 * uses (calls one of its functions, reads one of its pseudo-variables or
 * names it in "use"), each after the modules it requires (started too)
 * and after those in after() that the policy uses. The host starts them in
 * that order and stops them in the reverse one, and calls their hooks in
 * that order. Every field but name may be NULL.
 *
 * Modules reach each other through the api they publish
 * (proxy_module_api("dialog")), never through symbols: a module the policy
 * does not use is neither linked nor started. */
#ifndef SIPCC_PROXY_MODULE_H
#define SIPCC_PROXY_MODULE_H

#include "core/timer.h"
#include "sip/msg.h"
#include "txn/txn.h"

struct sip_ctx;

typedef struct sipcc_module {
	const char *name;
	/* Start: read settings (sipcc_setting_*), arm timers on w, ask for the
	 * database (proxy_db_want), register control commands and statistics. */
	void (*init)(sip_timer_wheel *w);
	/* Optional, at exit on worker 0 before the database worker stops (the
	 * other workers have stopped): submit the last writes, which the
	 * database worker still runs. */
	void (*stop)(void);
	/* Optional, on the calling worker: submit now what the module holds
	 * back to write in batches later (acc's records), so that a reader
	 * of the database can see it (the test engine, sipcc test, before it
	 * checks a database expectation). */
	void (*flush)(void);
	/* Stop and free everything (at exit, after the database worker
	 * stopped). */
	void (*destroy)(void);
	/* With several workers (workers_safe modules only): set up / free
	 * what the module keeps per worker (a socket, a client handle in a
	 * SIP_PER_WORKER variable), on each worker thread but worker 0 (whose
	 * share init and destroy handle), with that worker's timer wheel.
	 * worker_start runs after every module's init, worker_stop before
	 * any destroy. */
	void (*worker_start)(sip_timer_wheel *w);
	void (*worker_stop)(void);

	/* Hooks. request: a request is about to run the request route;
	 * routed: its route is done (not while it waits, proxy_wait). */
	void (*request)(struct sip_ctx *ctx);
	void (*routed)(struct sip_ctx *ctx);
	/* A reply or failure route is about to run on ctx for transaction s. */
	void (*route_txn)(struct sip_ctx *ctx, txn *s);
	/* A reply to one of s's branches arrived (before the reply routes). */
	void (*reply)(txn *s, sip_msg *resp);
	/* s sent its final response upstream. */
	void (*final)(txn *s, int code);

	/* Per-call state: the copy into arena a of the state st the module
	 * keeps in a message's slot, NULL when there is no memory. A module
	 * that gives it keeps state the failure and reply routes of the
	 * request's transaction must see (proxy_call_slot): when the request
	 * gets its server transaction (a relay, a reply, a wait) the host
	 * moves the copy into the transaction's slot. */
	void *(*call_copy)(const void *st, sip_arena *a);

	/* What other modules may call, found with proxy_module_api(name). */
	const void *api;

	/* True when the module may run on several workers at once
	 * (proxy/worker.h): its functions and hooks are called from every
	 * worker thread, concurrently, and what it keeps beyond one message
	 * or transaction is shared under its own locks (or is read-only after
	 * init). Its timers and database completions run on worker 0. Unset
	 * (the default), a policy that uses it runs with one worker and
	 * --workers N > 1 is refused. */
	bool workers_safe;

	/* Set by the host: the index of the module's state slots. */
	unsigned slot;
} sipcc_module;

/* The state slot module m owns in a message's context and in a
 * transaction (NULL until the module stores something there): what it
 * keeps for one message (the credentials checked, the dialog matched) or
 * for one transaction, instead of a field in the core's structs. A slot
 * lives as long as its context or transaction; what it points to is the
 * module's (usually in ctx->arena or s->arena). */
void **proxy_ctx_slot(struct sip_ctx *ctx, const sipcc_module *m);
void **proxy_txn_slot(txn *s, const sipcc_module *m);

/* The slot of module m's state for the call ctx works on (m gives
 * call_copy): the transaction's when ctx has one (filled first from the
 * message's slot when empty), else the message's; *a (when not NULL) is
 * the arena what the slot points to belongs in. A request route, the
 * failure routes and the reply routes of one transaction see the same
 * state, as they see the policy's AVPs. */
void **proxy_call_slot(struct sip_ctx *ctx, const sipcc_module *m, sip_arena **a);

/* Where reply resp came from, in a reply hook (while the receive path
 * handles it): false for any other message. */
bool proxy_reply_source(const sip_msg *resp, sip_addr *src, sip_socket **sock);

/* The api of module name when the policy uses it, else NULL. */
const void *proxy_module_api(const char *name);

/* The host calls these; each runs the hook of every module that has it,
 * in start order. */
void proxy_modules_request(struct sip_ctx *ctx);
void proxy_modules_routed(struct sip_ctx *ctx);
void proxy_modules_route_txn(struct sip_ctx *ctx, txn *s);
void proxy_modules_reply(txn *s, sip_msg *resp);
void proxy_modules_final(txn *s, int code);
/* On each worker thread but worker 0, at its start and at its end: the
 * modules' worker_start and worker_stop. */
void proxy_modules_worker_start(sip_timer_wheel *w);
void proxy_modules_worker_stop(void);
/* The modules' flush, on the calling worker; false when no module has
 * one. */
bool proxy_modules_flush(void);
/* ctx's request got its transaction: move the modules' per-call state
 * into it (call_copy). */
void proxy_modules_txn_bind(struct sip_ctx *ctx);

#endif
