/* Script state of the policy: per-transaction AVPs and message flags.
 *
 * While a request is routed before it has a transaction, the state lives
 * in the message arena; when the request gets its server transaction
 * (t_relay, t_reply) the state is copied into the transaction's arena and
 * hangs off txn->u_script, so the failure and reply routes of the
 * transaction see what the request route set. Single-threaded, like the
 * rest of the proxy core. */
#ifndef SIPCC_SCRIPT_SCRIPT_H
#define SIPCC_SCRIPT_SCRIPT_H

#include <stdint.h>
#include "core/arena.h"
#include "core/str.h"

struct sip_ctx;

/* One AVP value; the list is newest first. */
struct script_avp {
	int64_t idx;            /* the AVP's declaration index */
	int64_t ival;
	sip_str sval;
	struct script_avp *next;
};

struct script_vars {
	uint64_t flags;         /* flag NAME */
	uint64_t bflags;        /* bflag NAME */
	struct script_avp *avps;
	sip_arena *arena;       /* where values are copied to */
};

/* The state ctx works on: its transaction's when it has one (created
 * from the message's state on first use), else the message's. NULL only
 * when no memory is left. */
struct script_vars *script_vars_get(struct sip_ctx *ctx);

/* Move the message's state into ctx->txn, now that it exists. */
void script_txn_bind(struct sip_ctx *ctx);

#endif
