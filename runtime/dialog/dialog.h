/* RFC 3261 §12 dialogs as a stateful proxy sees them.
 *
 * A dialog is created from the initial INVITE the policy asked to track
 * (dlg_manage()), becomes early with the first provisional reply carrying
 * a To tag, confirmed with a 2xx, and ends with a BYE from either side, a
 * negative final reply to the INVITE, or when its lifetime runs out. An
 * in-dialog request is matched by Call-ID and the two tags, in either
 * direction. Upper layers (accounting) register callbacks for the start
 * (confirmation) and the end of a dialog, with its duration.
 *
 * Each dialog owns an arena for what it keeps (Call-ID, tags, URIs, the
 * values of the policy's dialog variables). An ended dialog stays readable
 * for DLG_LINGER_MS, so the reply routes of the request that ended it see
 * its variables, then it is recycled; a stale reference is recognised by
 * its id (dlg_valid). Dialogs come from a free list. Single-threaded:
 * call it from the event loop only. */
#ifndef SIPCC_DIALOG_DIALOG_H
#define SIPCC_DIALOG_DIALOG_H

#include <stdbool.h>
#include <stdint.h>
#include "core/arena.h"
#include "core/htable.h"
#include "core/str.h"
#include "core/timer.h"
#include "sip/msg.h"

#define DLG_DEFAULT_TIMEOUT_S 43200u   /* 12 h, as OpenSIPS and Kamailio */
#define DLG_LINGER_MS         32000u   /* 64*T1: the ending request's transaction */
#define DLG_MAX_VARS          64
#define DLG_MAX_CALLBACKS     8

enum dlg_state {
	DLG_FREE = 0,
	DLG_UNCONFIRMED,     /* INVITE forwarded, no reply with a To tag yet */
	DLG_EARLY,           /* a provisional reply with a To tag */
	DLG_CONFIRMED,       /* a 2xx */
	DLG_ENDED,
};

enum dlg_end_reason {
	DLG_END_BYE,         /* a BYE from either side */
	DLG_END_REJECTED,    /* a negative final reply to the INVITE (or none at all) */
	DLG_END_TIMEOUT,     /* its lifetime ran out */
	DLG_END_SHUTDOWN,    /* the layer was destroyed */
};

/* A dialog variable: unset, an int or a str. */
struct dlg_var {
	bool set;
	int64_t ival;
	sip_str sval;
};

typedef struct dlg dlg;
struct dlg {
	uint64_t id;                 /* unique for the life of the process */
	enum dlg_state state;
	enum dlg_end_reason end_reason;
	sip_str callid;
	sip_str caller_tag;          /* From tag of the INVITE */
	sip_str callee_tag;          /* To tag of the reply that made it early or confirmed */
	sip_str caller_uri, callee_uri;
	uint64_t created_ms, confirmed_ms, ended_ms;
	uint32_t timeout_s;          /* lifetime from confirmation */
	uint32_t user_flags;         /* upper layers' marks (acc: write a CDR) */
	bool bye_from_callee;        /* the BYE that ended it came from the callee */
	struct dlg_var vars[DLG_MAX_VARS];
	sip_arena arena;
	sip_timer t_life;            /* lifetime; after the end, the linger time */
	sip_hlink hlink;             /* in the layer's table, by Call-ID */
	dlg *free_next;
};

/* What an upper layer hears about dialogs. Either may be NULL. */
struct dlg_callbacks {
	/* d was confirmed (a 2xx). */
	void (*on_start)(dlg *d, void *arg);
	/* d ended; duration_ms counts from the confirmation (0 when it never
	 * was confirmed). */
	void (*on_end)(dlg *d, enum dlg_end_reason why, uint64_t duration_ms, void *arg);
	void *arg;
};

/* Set up the layer with timers on w and 2^hash_bits buckets to start
 * with (the table grows with the number of dialogs). */
int dlg_layer_init(sip_timer_wheel *w, unsigned hash_bits);
/* End every live dialog (DLG_END_SHUTDOWN) and free everything. */
void dlg_layer_destroy(void);
/* Register callbacks (copied); SIP_ELIMIT beyond DLG_MAX_CALLBACKS. */
int dlg_callbacks_add(const struct dlg_callbacks *cb);

/* Track the dialog the initial INVITE req (no To tag) creates, with a
 * lifetime of timeout_s (0: DLG_DEFAULT_TIMEOUT_S). A second call for the
 * same INVITE returns the same dialog. NULL for another request or
 * without memory. */
dlg *dlg_create(sip_msg *req, uint32_t timeout_s);
/* The live dialog an in-dialog request belongs to, by Call-ID, From tag
 * and To tag; *from_caller (may be NULL) says it goes from the caller to
 * the callee. NULL when none. */
dlg *dlg_match(sip_msg *req, bool *from_caller);
/* A response to the dialog's INVITE was sent upstream (or received, for
 * provisional ones), with its To tag: 1xx with a tag -> early, 2xx ->
 * confirmed, 3xx-6xx before a 2xx -> ended (rejected). */
void dlg_response(dlg *d, int code, sip_str to_tag);
/* End d now (no effect when it has ended). */
void dlg_end(dlg *d, enum dlg_end_reason why);
/* A new lifetime for d, from now (seconds, at least 1). */
void dlg_set_timeout(dlg *d, uint32_t timeout_s);
/* True when d is the dialog with this id and not yet recycled. */
bool dlg_valid(const dlg *d, uint64_t id);
/* Dialogs that have not ended. */
unsigned long dlg_active(void);
/* Call fn for each dialog that has not ended (fn must not end or create
 * dialogs). */
void dlg_foreach(void (*fn)(const dlg *d, void *arg), void *arg);
/* "unconfirmed", "early", "confirmed", "ended". */
const char *dlg_state_name(enum dlg_state s);

/* Dialog variables, by index (the policy's declaration order). Values
 * are copied into the dialog's arena. */
int dlg_var_set_str(dlg *d, unsigned idx, sip_str v);
int dlg_var_set_int(dlg *d, unsigned idx, int64_t v);
const struct dlg_var *dlg_var_get(const dlg *d, unsigned idx);

/* What the dialog module publishes to the others (proxy_module_api
 * ("dialog")): the dialog of the message being routed, and of a
 * transaction; NULL when none (or the dialog ended and was recycled). */
struct sip_ctx;
struct txn;
struct dlg_api {
	dlg *(*of_ctx)(struct sip_ctx *ctx);
	dlg *(*of_txn)(struct txn *s);
};

#endif
