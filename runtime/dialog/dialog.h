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
 * its id (dlg_valid). Dialogs come from a free list.
 *
 * Workers (proxy/worker.h): every message of a call runs on the worker
 * that owns its Call-ID, so a dialog lives on that worker: in its table,
 * with its timers on its wheel, ended and hung up there. Each worker has
 * its own table (dlg_layer_init on worker 0, dlg_layer_worker_start on
 * the others); the functions below work on the caller's own dialogs,
 * without a lock. Only dlg_foreach, dlg_worker_of_id, dlg_active and the
 * profiles (profile.h) see the dialogs of every worker: the owner changes
 * its table and what dlg_foreach shows under its worker's lock
 * (dlg_lock), which those take to read. Callbacks are registered before
 * the workers start. */
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
	DLG_END_POLICY,      /* the policy ended it (dlg_end_dlg) */
	DLG_END_OPERATOR,    /* a control command ended it (dlg end) */
	DLG_END_KEEPALIVE,   /* a side did not answer an in-dialog probe */
	DLG_END_SESSION,     /* its session timer ran out: no refresh (RFC 4028) */
	DLG_END_MEDIA,       /* the media relay ended it: no media */
};

/* The two sides of a call. */
enum dlg_side { DLG_CALLER = 0, DLG_CALLEE = 1 };

/* What the proxy needs to send a request to one side on its own (a BYE
 * or OPTIONS of a dialog it ends or probes): learnt from the INVITE (the
 * caller) and the reply that confirmed the dialog (the callee). */
struct dlg_leg {
	sip_str target;      /* its Contact URI: the remote target */
	sip_str routes;      /* "Route: <...>\r\n" lines towards it (the part of
				the route set beyond this proxy); "" when none */
	sip_str next_hop;    /* the first of those routes, else where its
				messages came from (sip:IP:PORT;transport=T) */
	uint32_t cseq;       /* highest CSeq of the requests it sent */
	bool cseq_seen;
};

/* A dialog variable: unset, an int or a str. */
struct dlg_var {
	bool set;
	int64_t ival;
	sip_str sval;
};

/* A variable set in a dialog: a list in its arena, as a dialog sets few
 * of the DLG_MAX_VARS a policy may declare. */
struct dlg_varn {
	struct dlg_varn *next;
	unsigned idx;
	struct dlg_var v;
};

typedef struct dlg dlg;
struct dlg {
	uint64_t id;                 /* unique for the life of the process */
	unsigned worker;             /* the worker that owns it (sip_worker_id) */
	enum dlg_state state;
	enum dlg_end_reason end_reason;
	sip_str callid;
	sip_str caller_tag;          /* From tag of the INVITE */
	sip_str callee_tag;          /* To tag of the reply that made it early or confirmed */
	sip_str caller_uri, callee_uri;
	uint64_t created_ms, confirmed_ms, ended_ms;
	uint32_t timeout_s;          /* lifetime from confirmation */
	uint32_t user_flags;         /* upper layers' marks (acc: write a CDR) */
	int64_t gw_id;               /* acc: the drouting gateway that answered, 0: none */
	bool bye_from_callee;        /* the BYE that ended it came from the callee */
	sip_str caller_from;         /* the INVITE's whole From value (with the tag) */
	sip_str callee_to;           /* the confirming reply's whole To value (with the tag) */
	struct dlg_leg leg[2];       /* by enum dlg_side */
	struct dlg_pmember *profiles;  /* profiles it is in (dialog/profile.h) */
	uint16_t rr_upstream;        /* Record-Route values the INVITE came with */
	bool side_gone[2];           /* a side that stopped answering: no BYE to it */
	uint32_t keepalive_s;        /* in-dialog probes every so many seconds; 0: none */
	unsigned ka_pending;         /* probes sent whose answer has not come */
	uint64_t ka_round;           /* probe round, so a late answer is recognised */
	sip_timer t_ka;              /* next probe */
	struct dlg_varn *vars;       /* the variables set, in the arena (dlg_var_get) */
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
	/* d went from state from to d->state (every change: created
	 * (from DLG_FREE), early, confirmed, ended); runs before on_start and
	 * on_end. May be NULL. */
	void (*on_state)(dlg *d, enum dlg_state from, void *arg);
};

/* Set up the layer with timers on w and 2^hash_bits buckets to start
 * with (the table grows with the number of dialogs). */
int dlg_layer_init(sip_timer_wheel *w, unsigned hash_bits);
/* End every live dialog of the caller's worker (DLG_END_SHUTDOWN) and free
 * everything. */
void dlg_layer_destroy(void);
/* On each other worker's thread, after dlg_layer_init: its table, timers
 * on w; and at its end, its dialogs ended and freed. */
int dlg_layer_worker_start(sip_timer_wheel *w);
void dlg_layer_worker_stop(void);
/* The timer wheel of d's worker. */
sip_timer_wheel *dlg_wheel(const dlg *d);
/* d's worker's lock: its owner holds it while it changes what another
 * thread reads through dlg_foreach (state, tags, times, keep-alive, the
 * table); never across a callback, a send or a call into a module. */
void dlg_lock(const dlg *d);
void dlg_unlock(const dlg *d);
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
/* What to reach side s with (copied into d's arena; an empty str leaves
 * the field as it was). SIP_OK or SIP_NOMEM. */
int dlg_set_leg(dlg *d, enum dlg_side s, sip_str target, sip_str routes, sip_str next_hop);
/* The whole From value of the INVITE / To value of the confirming reply. */
int dlg_set_caller_from(dlg *d, sip_str from);
int dlg_set_callee_to(dlg *d, sip_str to);
/* Side s sent a request with CSeq n (keeps the highest). */
void dlg_seen_cseq(dlg *d, enum dlg_side s, uint32_t n);
/* The dialog with this id that has not ended; NULL when none. */
dlg *dlg_by_id(uint64_t id);
/* From any thread: the worker whose dialog with this id has not ended;
 * -1 when none. */
int dlg_worker_of_id(uint64_t id);
/* The dialogs with this Call-ID that have not ended: fn for each. */
void dlg_by_callid(sip_str callid, void (*fn)(dlg *d, void *arg), void *arg);
/* A new lifetime for d, from now (seconds, at least 1). */
void dlg_set_timeout(dlg *d, uint32_t timeout_s);
/* True when d is the dialog with this id and not yet recycled. */
bool dlg_valid(const dlg *d, uint64_t id);
/* Dialogs that have not ended, on every worker. */
unsigned long dlg_active(void);
/* From any thread: fn for each dialog of every worker that has not ended,
 * under its worker's lock (fn only reads what the owner changes under it,
 * must not end or create dialogs, and takes no lock but the profiles'). */
void dlg_foreach(void (*fn)(const dlg *d, void *arg), void *arg);
/* "unconfirmed", "early", "confirmed", "ended". */
const char *dlg_state_name(enum dlg_state s);
/* Why d ended, for records: "bye", "rejected", "timeout", "shutdown",
 * "ended" (by the policy or the operator), "keepalive", "session_expired",
 * "media_timeout". */
const char *dlg_end_reason_name(enum dlg_end_reason why);
/* Who ended d: "caller" or "callee" (a BYE), "proxy" (timeout,
 * keep-alive, session timer, media timeout), "policy", "operator"; ""
 * otherwise. */
const char *dlg_ended_by(const dlg *d);

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
