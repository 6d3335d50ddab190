/* The accounting module: the policy functions of modules/acc/acc.sipi, the
 * hook through which the proxy reports a transaction's final reply
 * (acc_txn_final), the dialog end callback that writes CDRs, and the
 * queue of records on their way to the database.
 *
 * With several proxies sharing a cluster.store, the CDR of a dialog the
 * dialog module keeps in the store is written only when the store says
 * this proxy closes it (dlg_api.end_claim): once for the call, whichever
 * proxy ends it.
 *
 * do_accounting() marks the call in the module's state of it
 * (proxy_call_slot), which moves into the transaction with the request so
 * the final reply finds it. A dialog is marked in its user_flags.
 *
 * Records go to the database through the proxy's database worker, never
 * on the event loop, in batches (group commit): a record waits in a FIFO
 * bounded by the setting acc.queue_max for ACC_FLUSH_MS from the first
 * one queued, or until ACC_BATCH records wait, then the waiting ones go
 * as one job that writes them in one transaction (acc_rows_insert: one
 * commit for many rows, which is most of what a row costs SQLite; a
 * record reaches the table ACC_FLUSH_MS after its call event at most,
 * the database willing). At most ACC_INFLIGHT jobs at a time
 * (the rest of the proxy's queries keep their room). While the database
 * is down or not ready the records wait there and a timer tries again
 * every second; a record beyond the bound is dropped and counted, and the
 * first drop and every 1000th are logged. A worker that stops hands what
 * waits to the database worker, which writes it before the proxy exits.
 *
 * Several workers: a record is made on the worker of its transaction or
 * dialog (the final reply, the dialog's end: both run where the call
 * is), and each worker has its own queue, retry timer and scratch arena
 * (a database job submitted on a worker completes there); the bound is
 * per worker. The counters are shared atomics; the rest is set in init,
 * before the workers start, and only read after. */
#include "acc/acc.h"
#include "acc/acc_rad.h"

#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include "core/log.h"
#include "core/status.h"
#include "core/timer.h"
#include "core/worker.h"
#include "drouting/drouting.h"
#include "proxy/host.h"


/* The call's mark; the Request-URI lives in the arena of the slot
 * holding it. */
struct acc_call {
	unsigned flags;              /* what do_accounting() asked for (ACC_F_*) */
	sip_str ruri;                /* the Request-URI when it was asked */
};

enum {
	ACC_F_LOG = 1u << 0,         /* type "log": a log line */
	ACC_F_DB = 1u << 1,          /* type "db": a row */
	ACC_F_FAILED = 1u << 2,      /* also transactions that ended >= 300 */
	ACC_F_MISSED = 1u << 3,      /* INVITEs that ended >= 300 in missed_calls */
	ACC_F_CDR = 1u << 4,         /* the dialog's CDR when it ends */
	ACC_F_RADIUS = 1u << 5,      /* type "radius": an accounting request */
};
/* The types, which a dialog keeps for its CDR. */
#define ACC_F_TYPES (ACC_F_LOG | ACC_F_DB | ACC_F_RADIUS)

#define ACC_INFLIGHT      32
#define ACC_QUEUE_DEFAULT 10000
#define ACC_RETRY_MS      1000

static struct {
	bool up;
	unsigned queue_max;
	_Atomic unsigned long written, dropped, failed;
	const struct dlg_api *dlg;   /* the dialog module, NULL when not used */
	const struct dr_api *dr;     /* drouting, NULL when not used */
	const struct radius_api *rad; /* radius, NULL when not used */
	atomic_bool rad_warned;      /* said once that type radius has no module */
} A;

/* One worker's queue. */
struct acc_worker {
	sip_timer_wheel *w;
	sip_timer retry;
	acc_row *head, *tail;
	unsigned queued, inflight;
	sip_arena arena;             /* scratch: the final reply, re-parsed */
};

static struct acc_worker AW[SIP_WORKERS_MAX];

#define ACC_ME (&AW[sip_worker_id])

static int64_t acc_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the write queue ---- */

static void acc_pump(struct acc_worker *q, bool all);

static int acc_job_run(db *d, void *arg)
{
	return acc_rows_insert(d, arg);
}

static void acc_drop(acc_row *r, const char *why)
{
	unsigned long n = atomic_fetch_add(&A.dropped, 1) + 1;
	if (n == 1 || n % 1000 == 0)
		LOG_WARN("acc: %s; %lu accounting records dropped so far (acc.queue_max = %u)",
			 why, n, A.queue_max);
	acc_row_free(r);
}

static void acc_push(struct acc_worker *q, acc_row *r, bool front)
{
	if (q->queued >= A.queue_max) {
		acc_drop(r, "the queue of records waiting for the database is full");
		return;
	}
	if (front) {
		r->next = q->head;
		q->head = r;
		if (!q->tail)
			q->tail = r;
	} else {
		r->next = NULL;
		if (q->tail)
			q->tail->next = r;
		else
			q->head = r;
		q->tail = r;
	}
	q->queued++;
}

/* A batch the worker ran: each record stored, refused for good (logged,
 * not retried: the same row would fail again), or not stored because the
 * database went away (back to the front of the queue, in order). */
static void acc_job_done(int status, void *arg)
{
	(void)status;
	acc_row *batch = arg;
	/* The worker that submitted it (the completion is posted back to it;
	 * once that worker has stopped, it runs on the main thread at exit,
	 * and only frees). */
	struct acc_worker *q = &AW[batch->worker];
	bool mine = batch->worker == sip_worker_id && q->w;
	acc_row *again = NULL, **again_tail = &again;

	q->inflight--;
	for (acc_row *r = batch, *next; r; r = next) {
		next = r->next;
		r->next = NULL;
		if (r->status == SIP_OK) {
			atomic_fetch_add(&A.written, 1);
			acc_row_free(r);
		} else if (r->status == SIP_EDBDOWN || r->status == SIP_ETIMEOUT) {
			if (!A.up || !mine || proxy_db_stopping()) {
				acc_drop(r, "the proxy stops before the database took the records");
			} else {
				*again_tail = r;
				again_tail = &r->next;
			}
		} else {
			atomic_fetch_add(&A.failed, 1);
			LOG_ERR("acc: the database refused a %s record: %s", acc_kind_table(r->kind),
				sip_strerror(r->status));
			acc_row_free(r);
		}
	}
	bool put_back = again != NULL;
	if (again) {
		/* Back in front of the newer records, the oldest first. */
		acc_row *rev = NULL;
		while (again) {
			acc_row *r = again;
			again = r->next;
			r->next = rev;
			rev = r;
		}
		while (rev) {
			acc_row *r = rev;
			rev = r->next;
			acc_push(q, r, true);
		}
	}
	/* Records put back wait for the timer; a full batch goes now. */
	if (A.up && mine && (put_back || q->queued >= ACC_BATCH))
		acc_pump(q, false);
}

/* Hand the queued records of worker q (the caller's) to the database
 * worker in batches of at most ACC_BATCH while it takes them; all of
 * them when the worker stops (all), else at most ACC_INFLIGHT batches
 * out at once. */
static void acc_pump(struct acc_worker *q, bool all)
{
	while (q->head && (all || q->inflight < ACC_INFLIGHT)) {
		acc_row *head = q->head, *last = head;
		unsigned n = 1;
		head->worker = sip_worker_id;
		head->status = SIP_EDBDOWN;
		while (last->next && n < ACC_BATCH) {
			last = last->next;
			last->worker = sip_worker_id;
			last->status = SIP_EDBDOWN;
			n++;
		}
		acc_row *rest = last->next;
		last->next = NULL;
		if (proxy_db_submit(acc_job_run, acc_job_done, head) != SIP_OK) {
			last->next = rest;
			break;
		}
		q->head = rest;
		if (!q->head)
			q->tail = NULL;
		q->queued -= n;
		q->inflight++;
	}
	if (q->head && q->w && !all && !sip_timer_armed(&q->retry))
		sip_timer_add(q->w, &q->retry, ACC_RETRY_MS);
}

static void acc_retry(sip_timer *t, void *arg)
{
	(void)t;
	acc_pump(arg, false);
}

/* Send r to the RADIUS server (the radius module queues a copy). */
static void acc_rad_emit(const acc_row *r)
{
	if (!A.rad || !r) {
		if (!atomic_exchange(&A.rad_warned, true))
			LOG_ERR("acc: accounting type \"radius\" without the radius module (use radius "
				"{ acct_servers = ...; }): not sent");
		return;
	}
	struct acc_rad_buf b;
	size_t n = acc_rad_attrs(r, &b);
	int rc = A.rad->acct_send(b.a, n);
	if (rc == SIP_ESTATE && !atomic_exchange(&A.rad_warned, true))
		LOG_ERR("acc: no RADIUS accounting server (radius.acct_servers): records of type "
			"\"radius\" are not sent");
}

/* Log r, send it to RADIUS and/or queue it for the database; takes r. */
static void acc_emit(acc_row *r, unsigned flags)
{
	if (!r) {
		LOG_WARN("acc: no memory for an accounting record");
		return;
	}
	if (flags & ACC_F_RADIUS)
		acc_rad_emit(r);
	if (flags & ACC_F_LOG) {
		char line[1024];
		acc_row_format(r, line, sizeof line);
		LOG_NOTICE("%s", line);
	}
	struct acc_worker *q = ACC_ME;
	if ((flags & ACC_F_DB) && A.up && q->w) {
		/* Group commit: records gather for ACC_FLUSH_MS from the
		 * first one queued, or until ACC_BATCH wait, and go as one
		 * transaction. A commit costs SQLite more than the rows it
		 * writes: records sent one at a time as they came, at a few
		 * hundred calls a second, cost the database thread a commit
		 * each. The timer is also the retry while the database is
		 * away. */
		acc_push(q, r, false);
		if (q->queued >= ACC_BATCH)
			acc_pump(q, false);
		else if (!sip_timer_armed(&q->retry))
			sip_timer_add(q->w, &q->retry, ACC_FLUSH_MS);
	} else {
		acc_row_free(r);
	}
}

/* ---- transaction accounting ---- */

static sip_str acc_src_ip(const sip_addr *a, char *buf, size_t sz)
{
	const char *ip = sip_addr_ip(a, buf, sz);
	return ip ? sip_str_make(ip, strlen(ip)) : SIP_STR_NULL;
}

/* Parse "log", "db", "log|db" and "cdr|missed|failed" into ACC_F_*. An
 * unknown word makes it false. */
static bool acc_parse_words(sip_str s, bool types, unsigned *out)
{
	size_t i = 0;

	while (i < s.len) {
		size_t j = i;
		while (j < s.len && s.s[j] != '|')
			j++;
		sip_str w = sip_str_make(s.s + i, j - i);
		while (w.len && w.s[0] == ' ') {
			w.s++;
			w.len--;
		}
		while (w.len && w.s[w.len - 1] == ' ')
			w.len--;
		if (types && sip_str_eq(w, SIP_STR_LIT("log")))
			*out |= ACC_F_LOG;
		else if (types && sip_str_eq(w, SIP_STR_LIT("db")))
			*out |= ACC_F_DB;
		else if (types && sip_str_eq(w, SIP_STR_LIT("radius")))
			*out |= ACC_F_RADIUS;
		else if (!types && sip_str_eq(w, SIP_STR_LIT("cdr")))
			*out |= ACC_F_CDR;
		else if (!types && sip_str_eq(w, SIP_STR_LIT("missed")))
			*out |= ACC_F_MISSED;
		else if (!types && sip_str_eq(w, SIP_STR_LIT("failed")))
			*out |= ACC_F_FAILED;
		else if (w.len) {
			LOG_WARN("acc: do_accounting: unknown %s '" SIP_STR_FMT "'",
				 types ? "type" : "flag", SIP_STR_ARG(w));
			return false;
		}
		i = j + 1;
	}
	return true;
}

int64_t sipcc_fn_do_accounting(struct sip_ctx *ctx, const char *type, size_t type_len,
			       const char *flags, size_t flags_len)
{
	unsigned f = 0;

	if (!A.up || !ctx->msg || !ctx->msg->is_request || ctx->msg->method == SIP_METHOD_ACK)
		return 0;
	if (!acc_parse_words(sip_str_make(type, type_len), true, &f)
	    || !acc_parse_words(sip_str_make(flags, flags_len), false, &f)
	    || !(f & ACC_F_TYPES))
		return 0;
	sip_arena *a;
	void **slot = proxy_call_slot(ctx, &sipcc_module_acc, &a);
	struct acc_call *c = *slot;
	if (!c && (c = sip_arena_alloc(a, sizeof *c)) != NULL) {
		memset(c, 0, sizeof *c);
		*slot = c;
	}
	if (!c)
		return 0;
	f |= c->flags;
	c->flags = f;
	sip_str ru = ctx->new_ruri.len ? ctx->new_ruri : ctx->msg->ruri_str;
	c->ruri = ru.len ? sip_arena_strdup(a, ru) : SIP_STR_NULL;
	dlg *d = A.dlg ? A.dlg->of_ctx(ctx) : NULL;
	if ((f & ACC_F_CDR) && d && d->state != DLG_ENDED)
		d->user_flags |= f & (ACC_F_TYPES | ACC_F_CDR);
	return 1;
}

/* The call's mark moved into its transaction's arena (call_copy). */
static void *acc_call_copy(const void *st, sip_arena *a)
{
	const struct acc_call *from = st;
	struct acc_call *c = sip_arena_alloc(a, sizeof *c);
	if (!c)
		return NULL;
	c->flags = from->flags;
	c->ruri = from->ruri.len ? sip_arena_strdup(a, from->ruri) : SIP_STR_NULL;
	return c;
}

/* The proxy sent the final reply of s (code): write what do_accounting()
 * asked for. The reply is read back from the transaction's copy of it
 * (its From, To with the tag, Call-ID, CSeq and reason). */
static void acc_txn_final(txn *s, int code)
{
	const struct acc_call *c = A.up ? *proxy_txn_slot(s, &sipcc_module_acc) : NULL;
	if (!c)
		return;
	unsigned f = c->flags;
	/* The dialog of an answered INVITE, also when dlg_manage() came after
	 * do_accounting(). */
	dlg *dd = A.dlg ? A.dlg->of_txn(s) : NULL;
	/* The gateway drouting sent the call to last: the one that answered
	 * or failed last. The CDR written at the dialog's end carries it. */
	int64_t gw = A.dr ? A.dr->txn_gw(s) : 0;
	if ((f & ACC_F_CDR) && code < 300 && dd && dd->state != DLG_ENDED) {
		dd->user_flags |= f & (ACC_F_TYPES | ACC_F_CDR);
		dd->gw_id = gw;
	}
	bool acc = code < 300 || (f & ACC_F_FAILED);
	bool missed = code >= 300 && s->is_invite && (f & ACC_F_MISSED);
	if (!acc && !missed)
		return;
	sip_arena *scratch = &ACC_ME->arena;
	sip_arena_reset(scratch);
	sip_msg resp;
	if (!s->out_len || sip_msg_parse(scratch, s->out, s->out_len, &resp) != SIP_OK
	    || resp.is_request) {
		LOG_WARN("acc: cannot read the final reply of a transaction back; not accounted");
		return;
	}
	char ip[64];
	struct acc_req_in in = {
		.resp = &resp,
		.ruri = c->ruri,
		.src_ip = acc_src_ip(&s->src, ip, sizeof ip),
		.time = acc_wall_ms() / 1000,
		.gw_id = gw,
	};
	if (acc) {
		in.kind = ACC_KIND_ACC;
		acc_emit(acc_row_request(&in), f);
	}
	if (missed) {
		in.kind = ACC_KIND_MISSED;
		/* One Failed request to RADIUS for the two records. */
		acc_emit(acc_row_request(&in), acc ? f & ~ACC_F_RADIUS : f);
	}
}

/* acc_log_request() and acc_db_request(): a record of the request now.
 * A comment that starts with a three-digit code gives the code, the rest
 * the reason (Kamailio's "486 Busy Here"); otherwise the comment is the
 * reason, and the code the reply's in a failure route. */
static int64_t acc_request_now(struct sip_ctx *ctx, sip_str comment, enum acc_kind kind,
			       unsigned flags)
{
	if (!A.up || !ctx->msg || !ctx->msg->is_request)
		return 0;
	int code = ctx->route_kind == SIPCC_ROUTE_FAILURE ? ctx->reply_code : 0;
	if (comment.len >= 3 && comment.s[0] >= '1' && comment.s[0] <= '6'
	    && comment.s[1] >= '0' && comment.s[1] <= '9' && comment.s[2] >= '0'
	    && comment.s[2] <= '9' && (comment.len == 3 || comment.s[3] == ' ')) {
		code = (comment.s[0] - '0') * 100 + (comment.s[1] - '0') * 10 + (comment.s[2] - '0');
		comment.s += comment.len > 3 ? 4 : 3;
		comment.len -= comment.len > 3 ? 4 : 3;
	}
	char ip[64];
	struct acc_req_in in = {
		.kind = kind,
		.req = ctx->msg,
		.ruri = ctx->new_ruri,
		.code = code,
		.reason = comment,
		.src_ip = acc_src_ip(&ctx->src, ip, sizeof ip),
		.time = acc_wall_ms() / 1000,
	};
	acc_emit(acc_row_request(&in), flags);
	return 1;
}

int64_t sipcc_fn_acc_log_request(struct sip_ctx *ctx, const char *c, size_t len)
{
	return acc_request_now(ctx, sip_str_make(c, len), ACC_KIND_ACC, ACC_F_LOG);
}

int64_t sipcc_fn_acc_db_request(struct sip_ctx *ctx, const char *c, size_t len,
				const char *table, size_t table_len)
{
	enum acc_kind k;
	if (!acc_kind_of_table(sip_str_make(table, table_len), &k)) {
		LOG_WARN("acc: acc_db_request: unknown table '%.*s' (acc or missed_calls)",
			 (int)table_len, table);
		return 0;
	}
	return acc_request_now(ctx, sip_str_make(c, len), k, ACC_F_DB);
}

int64_t sipcc_fn_acc_rad_request(struct sip_ctx *ctx, const char *c, size_t len)
{
	if (!A.rad) {
		acc_rad_emit(NULL);
		return 0;
	}
	return acc_request_now(ctx, sip_str_make(c, len), ACC_KIND_ACC, ACC_F_RADIUS);
}

/* ---- CDRs ---- */

/* A CDR waiting to know whether this proxy closes its dialog. */
struct acc_cdr_wait {
	acc_row *r;
	unsigned flags;
};

static void acc_cdr_claimed(bool mine, void *arg)
{
	struct acc_cdr_wait *w = arg;
	if (mine && A.up) {
		acc_emit(w->r, w->flags);
	} else {
		LOG_INFO("acc: the CDR of Call-ID " SIP_STR_FMT " is another proxy's to write",
			 SIP_STR_ARG(w->r->callid));
		acc_row_free(w->r);
	}
	sip_mem_free(w);
}

static void acc_dlg_end(dlg *d, enum dlg_end_reason why, uint64_t duration_ms, void *arg)
{
	(void)arg;
	if (!A.up || !(d->user_flags & ACC_F_CDR) || !d->confirmed_ms)
		return;
	/* Who ended it: the caller or the callee (their BYE), the proxy (the
	 * lifetime ran out, a side stopped answering probes), the policy
	 * (dlg_end_dlg) or the operator (dlg end). */
	const char *by = dlg_ended_by(d);
	acc_row *r = acc_row_cdr(d, why, duration_ms, acc_wall_ms(), by);
	/* A dialog several proxies share (cluster.store) is closed by the one
	 * that owns it in the store: the CDR waits for the store to say. */
	struct acc_cdr_wait *w = r && A.dlg && A.dlg->end_claim ? sip_mem_alloc(sizeof *w) : NULL;
	if (w) {
		w->r = r;
		w->flags = d->user_flags;
		if (A.dlg->end_claim(d, acc_cdr_claimed, w) == SIP_OK)
			return;
		sip_mem_free(w);
	}
	acc_emit(r, d->user_flags);
}

/* ---- start-up ---- */

/* The caller's queue, retry timer on w. */
static void acc_worker_init(sip_timer_wheel *w)
{
	struct acc_worker *q = ACC_ME;
	memset(q, 0, sizeof *q);
	q->w = w;
	sip_timer_init(&q->retry, acc_retry, q);
	sip_arena_init(&q->arena, 4096);
}

/* Free the caller's queue; the records it still held. */
static unsigned acc_worker_destroy(void)
{
	struct acc_worker *q = ACC_ME;
	if (!q->w)
		return 0;
	sip_timer_cancel(q->w, &q->retry);
	/* What waits for the next batch goes to the database worker, which
	 * writes it before the proxy exits (when the database is there). */
	if (A.up)
		acc_pump(q, true);
	unsigned lost = q->queued;
	while (q->head) {
		acc_row *r = q->head;
		q->head = r->next;
		acc_row_free(r);
	}
	q->tail = NULL;
	q->queued = 0;
	q->w = NULL;
	sip_arena_destroy(&q->arena);
	return lost;
}

static void acc_module_init(sip_timer_wheel *w)
{
	int64_t q = sipcc_setting_int_range("acc", "queue_max", ACC_QUEUE_DEFAULT, 1, 10000000);
	A.up = false;
	A.queue_max = (unsigned)q;
	atomic_store(&A.written, 0);
	atomic_store(&A.dropped, 0);
	atomic_store(&A.failed, 0);
	acc_worker_init(w);
	/* The dialog module, when the policy tracks dialogs. */
	A.dlg = proxy_module_api("dialog");
	/* drouting, when the policy routes to gateways: their ids in rows. */
	A.dr = proxy_module_api("drouting");
	/* radius, when the policy accounts to a RADIUS server. */
	A.rad = proxy_module_api("radius");
	atomic_store(&A.rad_warned, false);
	static const struct dlg_callbacks cb = { .on_end = acc_dlg_end };
	if (dlg_callbacks_add(&cb) != SIP_OK)
		LOG_WARN("acc: cannot follow dialogs; no CDRs");
	proxy_db_want(NULL);
	A.up = true;
}

static void acc_module_worker_start(sip_timer_wheel *w)
{
	if (A.up)
		acc_worker_init(w);
}

static void acc_module_worker_stop(void)
{
	unsigned lost = acc_worker_destroy();
	if (lost)
		LOG_WARN("acc: %u accounting records of worker %u not written at shutdown", lost,
			 sip_worker_id);
}

/* The waiting records of the calling worker go now, without waiting for
 * the batch's time (sipcc test checks the tables after each step). */
static void acc_module_flush(void)
{
	struct acc_worker *q = ACC_ME;
	if (A.up && q->w && q->head)
		acc_pump(q, false);
}

/* Worker 0's waiting records to the database worker, which still runs. */
static void acc_module_stop(void)
{
	struct acc_worker *q = ACC_ME;
	if (A.up && q->w) {
		sip_timer_cancel(q->w, &q->retry);
		acc_pump(q, true);
	}
}

static void acc_module_destroy(void)
{
	if (!A.up)
		return;
	A.up = false;
	unsigned lost = acc_worker_destroy();
	unsigned long dropped = atomic_load(&A.dropped);
	if (lost || dropped)
		LOG_WARN("acc: %u accounting records not written at shutdown, %lu dropped before",
			 lost, dropped);
	LOG_INFO("acc: %lu records written, %lu refused by the database",
		 atomic_load(&A.written), atomic_load(&A.failed));
}

sipcc_module sipcc_module_acc = {
	.name = "acc",
	.init = acc_module_init,
	.stop = acc_module_stop,
	.flush = acc_module_flush,
	.destroy = acc_module_destroy,
	.worker_start = acc_module_worker_start,
	.worker_stop = acc_module_worker_stop,
	.final = acc_txn_final,
	.call_copy = acc_call_copy,
	.workers_safe = true,
};
