/* The sst module: session timers (RFC 4028) on the dialogs the proxy
 * tracks (modules/sst/sst.sipi says what the policy sees).
 *
 * What it keeps of a watched call is a small record per dialog, by the
 * dialog's id, in a table of the worker that owns the dialog: every
 * message of a call, its replies, its dialog's timers and its end run on
 * that worker (dialog/dialog.h), so the table is the worker's own
 * (SIP_PER_WORKER) and needs no lock. The deadline is a timer on the
 * dialog's wheel; when it fires the dialog ends (DLG_END_SESSION) and the
 * dialog module sends the BYEs, as for a lifetime that ran out. A record
 * goes when its dialog ends, however it ends (a dialog callback). */
#include <stdio.h>
#include <string.h>
#include "core/hash.h"
#include "core/htable.h"
#include "core/log.h"
#include "core/status.h"
#include "core/worker.h"
#include "dialog/dialog.h"
#include "proxy/host.h"
#include "sst/sst.h"

/* Set in init, before the workers start; read-only after. */
static struct {
	bool up;
	uint32_t min_se;
	uint32_t interval;
	const struct dlg_api *dlgs;
} M;

/* Statistics (every worker adds, relaxed atomics): calls ended for want
 * of a refresh, INVITEs answered 422. */
static int64_t sst_expired_n, sst_too_small_n;

/* What is known of the session timer of one call. */
struct sst_dlg {
	sip_hlink link;
	dlg *d;
	uint64_t id;                 /* d's id (a dialog is recycled) */
	uint32_t req_se;             /* Session-Expires of its last INVITE/UPDATE; 0: none */
	bool req_timer;              /* that request said Supported: timer */
	uint32_t interval;           /* settled by the last 2xx; 0: not watched */
	enum sst_refresher refresher;
	sip_timer t;                 /* the deadline */
};

static SIP_PER_WORKER sip_htable sst_table;

static uint32_t sst_hash(uint64_t id)
{
	return sip_hash_bytes(&id, sizeof id);
}

static bool sst_eq(const sip_hlink *l, const void *key)
{
	return SIP_HTABLE_ENTRY(l, struct sst_dlg, link)->id == *(const uint64_t *)key;
}

static struct sst_dlg *sst_find(const dlg *d)
{
	if (!d || !sip_htable_ready(&sst_table))
		return NULL;
	sip_hlink *l = sip_htable_find(&sst_table, sst_hash(d->id), sst_eq, &d->id);
	return l ? SIP_HTABLE_ENTRY(l, struct sst_dlg, link) : NULL;
}

static void sst_expired(sip_timer *t, void *arg);

/* The record of d, made when there is none; NULL without memory. */
static struct sst_dlg *sst_get(dlg *d)
{
	struct sst_dlg *st = sst_find(d);
	if (st)
		return st;
	if (!sip_htable_ready(&sst_table) && sip_htable_init(&sst_table, 6) != SIP_OK)
		return NULL;
	if (!(st = sip_mem_alloc(sizeof *st)))
		return NULL;
	memset(st, 0, sizeof *st);
	st->d = d;
	st->id = d->id;
	sip_timer_init(&st->t, sst_expired, st);
	sip_htable_insert(&sst_table, &st->link, sst_hash(d->id));
	return st;
}

static void sst_drop(struct sst_dlg *st)
{
	sip_timer_wheel *w = dlg_wheel(st->d);
	if (w)
		sip_timer_cancel(w, &st->t);
	sip_htable_remove(&sst_table, &st->link);
	sip_mem_free(st);
}

/* Free the caller's table (its dialogs end after this, at exit: their
 * end then finds no record). */
static void sst_table_free(void)
{
	sip_hiter it;
	sip_hlink *l;

	if (!sip_htable_ready(&sst_table))
		return;
	sip_hiter_init(&it, &sst_table);
	while ((l = sip_hiter_next(&it))) {
		struct sst_dlg *st = SIP_HTABLE_ENTRY(l, struct sst_dlg, link);
		sip_timer_wheel *w = dlg_wheel(st->d);
		if (w)
			sip_timer_cancel(w, &st->t);
		sip_mem_free(st);
	}
	sip_htable_destroy(&sst_table);
}

/* No refresh came in time: the call ends as a lifetime that ran out
 * does (a BYE to each side, the CDR closed), with its own reason. */
static void sst_expired(sip_timer *t, void *arg)
{
	struct sst_dlg *st = arg;
	(void)t;
	dlg *d = st->d;
	if (!dlg_valid(d, st->id) || d->state != DLG_CONFIRMED)
		return;
	LOG_NOTICE("dialog %llu: no session refresh within %u s (refresher %s): ending the call",
		   (unsigned long long)d->id, st->interval,
		   *sst_refresher_name(st->refresher) ? sst_refresher_name(st->refresher) : "unsaid");
	__atomic_fetch_add(&sst_expired_n, 1, __ATOMIC_RELAXED);
	dlg_end(d, DLG_END_SESSION);    /* its end drops st */
}

static void sst_arm(struct sst_dlg *st, uint32_t se, enum sst_refresher who)
{
	sip_timer_wheel *w = dlg_wheel(st->d);
	st->interval = se;
	st->refresher = who;
	if (!w)
		return;
	sip_timer_cancel(w, &st->t);
	sip_timer_add(w, &st->t, sst_deadline_ms(se));
}

static void sst_off(struct sst_dlg *st)
{
	sip_timer_wheel *w = dlg_wheel(st->d);
	if (w)
		sip_timer_cancel(w, &st->t);
	st->interval = 0;
	st->refresher = SST_REFRESHER_NONE;
}

/* The Session-Expires of m: 1 with *se, *who; 0 when it has none; -1
 * when it is malformed. */
static int msg_se(sip_msg *m, uint32_t *se, enum sst_refresher *who)
{
	sip_hdr *h = sip_msg_find_hdr(m, SIP_STR_LIT("Session-Expires"));
	if (!h)
		return 0;
	return sst_parse_se(h->body, se, who) == SIP_OK ? 1 : -1;
}

/* Min-SE of m, 0 when absent or malformed. */
static uint32_t msg_min_se(sip_msg *m)
{
	sip_hdr *h = sip_msg_find_hdr(m, SIP_STR_LIT("Min-SE"));
	uint32_t v = 0;
	return h && sst_parse_min_se(h->body, &v) == SIP_OK ? v : 0;
}

static bool msg_supports_timer(sip_msg *m)
{
	for (sip_hdr *h = m->first[SIP_HDR_SUPPORTED]; h; h = h->next_same)
		if (sst_has_timer(h->body))
			return true;
	return false;
}

/* What a request that may refresh the session asks for. */
static void sst_note_request(struct sst_dlg *st, sip_msg *m)
{
	uint32_t se = 0;
	enum sst_refresher who;
	st->req_se = msg_se(m, &se, &who) == 1 ? se : 0;
	st->req_timer = msg_supports_timer(m);
}

/* ---- proxy hooks ---- */

/* A re-INVITE or UPDATE of a watched call: what it asks for (the dialog
 * module, which this one requires, has matched it already). */
static void hook_request(struct sip_ctx *ctx)
{
	sip_msg *m = ctx->msg;
	if (!M.up || !m->to_tag.len ||
	    (m->method != SIP_METHOD_INVITE && m->method != SIP_METHOD_UPDATE))
		return;
	struct sst_dlg *st = sst_find(M.dlgs->of_ctx(ctx));
	if (st)
		sst_note_request(st, m);
}

/* A 2xx to an INVITE or UPDATE of a watched call settles the interval
 * (RFC 4028 §8.2) and starts it again. */
static void hook_reply(txn *s, sip_msg *resp)
{
	if (!M.up || resp->status < 200 || resp->status >= 300 ||
	    (resp->cseq.method != SIP_METHOD_INVITE && resp->cseq.method != SIP_METHOD_UPDATE))
		return;
	dlg *d = M.dlgs->of_txn(s);
	struct sst_dlg *st = d && d->state != DLG_ENDED ? sst_find(d) : NULL;
	if (!st)
		return;
	uint32_t se = 0;
	enum sst_refresher who = SST_REFRESHER_NONE;
	int has = msg_se(resp, &se, &who);
	if (has == 1) {
		sst_arm(st, se, who);
		return;
	}
	if (has == 0 && st->req_se && st->req_timer) {
		/* The callee does not do session timers, the caller does: it
		 * refreshes, as the 2xx now says. */
		char *h = sip_arena_alloc(resp->arena, 80);
		int n = h ? snprintf(h, 80, "Session-Expires: %u;refresher=uac\r\nRequire: timer\r\n",
				     st->req_se) : -1;
		if (n > 0 && n < 80 &&
		    sip_msg_insert(resp, resp->hdrs_end, sip_str_make(h, (size_t)n)) == SIP_OK) {
			sst_arm(st, st->req_se, SST_REFRESHER_UAC);
			return;
		}
	}
	if (st->interval)
		LOG_INFO("dialog %llu: the 2xx to a refresh has %s Session-Expires: session timer off",
			 (unsigned long long)d->id, has < 0 ? "a malformed" : "no");
	sst_off(st);
}

/* A dialog that ends takes its record with it. */
static void sst_dlg_end(dlg *d, enum dlg_end_reason why, uint64_t ms, void *arg)
{
	(void)why;
	(void)ms;
	(void)arg;
	struct sst_dlg *st = sst_find(d);
	if (st)
		sst_drop(st);
}

/* ---- start-up ---- */

static void sst_module_init(sip_timer_wheel *w)
{
	(void)w;
	int64_t v = sipcc_setting_int_range("sst", "min_se", SST_MIN_SE_DEFAULT, 1, SST_MAX_SE);
	if (v < SST_MIN_SE_DEFAULT)
		LOG_WARN("sst: min_se = %lld is below the %u of RFC 4028 (a test set-up?)",
			 (long long)v, SST_MIN_SE_DEFAULT);
	M.min_se = (uint32_t)v;
	M.interval = (uint32_t)sipcc_setting_int_range("sst", "interval", 1800, 0, SST_MAX_SE);
	M.dlgs = proxy_module_api("dialog");
	static const struct dlg_callbacks cb = { .on_end = sst_dlg_end };
	if (!M.dlgs || dlg_callbacks_add(&cb) != SIP_OK) {
		LOG_ERR("sst: the dialog module is not there: session timers are off");
		return;
	}
	sip_stat_counter("sst.expired", &sst_expired_n);
	sip_stat_counter("sst.too_small", &sst_too_small_n);
	M.up = true;
}

static void sst_module_worker_stop(void)
{
	sst_table_free();
}

static void sst_module_destroy(void)
{
	sst_table_free();
	M.up = false;
}

/* ---- policy functions ---- */

int64_t sipcc_fn_sst_check_min(struct sip_ctx *ctx, int64_t send_reply)
{
	sip_msg *m = ctx->msg;
	if (!m || (m->method != SIP_METHOD_INVITE && m->method != SIP_METHOD_UPDATE))
		return 0;
	uint32_t se = 0;
	enum sst_refresher who;
	int has = msg_se(m, &se, &who);
	if (has == 0)
		return 0;
	if (has < 0) {
		LOG_INFO("sst: malformed Session-Expires");
		if (send_reply)
			proxy_reply_hdrs(ctx, 400, SIP_STR_LIT("Bad Session-Expires"), SIP_STR_NULL, true);
		return 1;
	}
	uint32_t min = M.up ? M.min_se : SST_MIN_SE_DEFAULT;
	if (se >= min)
		return 0;
	if (send_reply) {
		__atomic_fetch_add(&sst_too_small_n, 1, __ATOMIC_RELAXED);
		char h[32];
		int n = snprintf(h, sizeof h, "Min-SE: %u\r\n", min);
		proxy_reply_hdrs(ctx, 422, SIP_STR_LIT("Session Interval Too Small"),
				 sip_str_make(h, (size_t)n), true);
	}
	return 1;
}

/* RFC 4028 §8.1: a proxy whose minimum is above the request's Min-SE
 * (90 without one) raises it, so that no one downstream settles on less. */
static void sst_raise_min_se(struct sip_ctx *ctx, sip_msg *m)
{
	sip_hdr *h = sip_msg_find_hdr(m, SIP_STR_LIT("Min-SE"));
	uint32_t cur = SST_MIN_SE_DEFAULT;
	if (h && sst_parse_min_se(h->body, &cur) != SIP_OK)
		cur = 0;
	if (M.min_se <= cur)
		return;
	char *v = sip_arena_alloc(ctx->arena, 32);
	int k = v ? snprintf(v, 32, "Min-SE: %u\r\n", M.min_se) : -1;
	if (k <= 0 || k >= 32 || (h && sip_msg_remove_hdr(m, h) != SIP_OK))
		return;
	sip_msg_insert(m, m->hdrs_end, sip_str_make(v, (size_t)k));
}

int64_t sipcc_fn_sst_track(struct sip_ctx *ctx, int64_t interval)
{
	sip_msg *m = ctx->msg;
	if (!M.up || interval < 0 || m->method != SIP_METHOD_INVITE || m->to_tag.len)
		return 0;
	dlg *d = M.dlgs->of_ctx(ctx);
	if (!d || d->state == DLG_ENDED)
		return 0;
	struct sst_dlg *st = sst_get(d);
	if (!st) {
		LOG_WARN("sst: no memory to watch dialog %llu", (unsigned long long)d->id);
		return 0;
	}
	uint32_t se = 0;
	enum sst_refresher who;
	int has = msg_se(m, &se, &who);
	uint32_t n = interval ? (interval > SST_MAX_SE ? SST_MAX_SE : (uint32_t)interval) : M.interval;
	if (has == 0 && n) {
		uint32_t min = msg_min_se(m);
		if (n < M.min_se)
			n = M.min_se;
		if (n < min)
			n = min;
		char *h = sip_arena_alloc(ctx->arena, 40);
		int k = h ? snprintf(h, 40, "Session-Expires: %u\r\n", n) : -1;
		if (k <= 0 || k >= 40 || sip_msg_insert(m, m->hdrs_end, sip_str_make(h, (size_t)k)) != SIP_OK)
			return 0;
		se = n;
	}
	st->req_se = has < 0 ? 0 : se;
	st->req_timer = msg_supports_timer(m);
	sst_raise_min_se(ctx, m);
	return 1;
}

static struct sst_dlg *sst_cur(struct sip_ctx *ctx)
{
	return M.up ? sst_find(M.dlgs->of_ctx(ctx)) : NULL;
}

int64_t sipcc_pv_sst_interval_get(struct sip_ctx *ctx)
{
	const struct sst_dlg *st = sst_cur(ctx);
	return st ? st->interval : 0;
}

void sipcc_pv_sst_refresher_get(struct sip_ctx *ctx, sip_str *out)
{
	const struct sst_dlg *st = sst_cur(ctx);
	const char *n = st && st->interval ? sst_refresher_name(st->refresher) : "";
	*out = sip_str_make(n, strlen(n));
}

sipcc_module sipcc_module_sst = {
	.name = "sst",
	.init = sst_module_init,
	.destroy = sst_module_destroy,
	.worker_stop = sst_module_worker_stop,
	.request = hook_request,
	.reply = hook_reply,
	.workers_safe = true,
};
