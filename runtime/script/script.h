/* Script state of the policy: per-transaction AVPs and message flags,
 * per-branch flags.
 *
 * While a request is routed before it has a transaction, the state lives
 * in the message arena; when the request gets its server transaction
 * (t_relay, t_reply) the state is copied into the transaction's arena and
 * hangs off txn->u_script, so the failure and reply routes of the
 * transaction see what the request route set. Single-threaded, like the
 * rest of the proxy core. */
#ifndef SIPCC_SCRIPT_SCRIPT_H
#define SIPCC_SCRIPT_SCRIPT_H

#include <stdbool.h>
#include <stdint.h>
#include "core/arena.h"
#include "core/str.h"
#include "txn/txn.h"

struct sip_ctx;

/* One AVP value; the list is newest first. The indexes are those of the
 * AVPs the policy declares (from 0). A module keeps the state the failure
 * and reply routes of the transaction must see in its own slot
 * (proxy/module.h, call_copy and proxy_call_slot), not in AVPs. */
struct script_avp {
	int64_t idx;            /* the AVP's declaration index */
	int64_t ival;
	sip_str sval;
	struct script_avp *next;
};

struct script_vars {
	uint64_t flags;         /* flag NAME */
	uint64_t bflags;        /* bflag NAME: the current branch's */
	uint64_t br_bflags[TXN_MAX_BRANCHES];   /* each branch sent, by index */
	struct script_avp *avps;
	sip_arena *arena;       /* where values are copied to */
};

/* The state ctx works on: its transaction's when it has one (created
 * from the message's state on first use), else the message's. NULL only
 * when no memory is left. */
struct script_vars *script_vars_get(struct sip_ctx *ctx);

/* Move the message's state into ctx->txn, now that it exists. */
void script_txn_bind(struct sip_ctx *ctx);

/* Branch flags (bflag NAME), as OpenSIPS and Kamailio keep them: every
 * branch of a request has its own. The request route works on the
 * Request-URI's branch; lookup() gives each contact's branch the flags
 * saved with the contact, append_branch() copies the current flags; each
 * branch sent keeps what it had when it left (after its branch route).
 * A reply route works on the flags of the reply's branch, a failure route
 * starts from those of the branch whose reply was picked.
 *
 * script_bflags() is the current branch's flags (0 without state);
 * script_bflags_set() replaces them (allocating no state for 0). */
uint64_t script_bflags(struct sip_ctx *ctx);
void script_bflags_set(struct sip_ctx *ctx, uint64_t f);
/* Branch idx of ctx->txn was just created: it keeps the current flags. */
void script_branch_keep(struct sip_ctx *ctx, unsigned idx);
/* A failure route of ctx->txn starts: the current flags become those of
 * the branch whose final reply was picked (of equal codes, the lowest
 * index). */
void script_failure_enter(struct sip_ctx *ctx);

#endif
