/* The media relay's policy functions (modules/rtpengine/rtpengine.sipi):
 * rtpengine_offer, rtpengine_answer, rtpengine_delete, rtpengine_manage;
 * the module's start-up from the "use rtpengine { ... }" settings, and the
 * delete of the media sessions of tracked dialogs when they end (the
 * dialogs with a media session are in rtpe_dlgset.c), and the media check:
 * every media_check seconds each worker asks rtpengine ("query") about
 * the media sessions of its confirmed dialogs; one rtpengine no longer
 * knows was torn down there (its --timeout or --silent-timeout: no media
 * for that long), and its dialog ends (DLG_END_MEDIA: a BYE to each side,
 * the CDR says media_timeout).
 *
 * The functions are declared async: in a route that can wait (request,
 * failure and reply routes) the command is sent, the message is suspended
 * (proxy_wait) and the loop goes on; when the answer is in (or the tries
 * are over) the route resumes at the call, which now finds the outcome in
 * the context's slot. In branch routes, which cannot wait, and without an
 * event loop, the command is waited for synchronously (bounded
 * by the timeout and retries settings, see rtpengine/rtpengine.h).
 *
 * With several workers each has its own control socket, watched by its
 * own loop (set up in rtpe_worker_start): a message waits for an answer
 * that comes back to its own worker, which resumes it. Whether rtpengine
 * answers is known to every worker at once (rtpengine.c), and so are the
 * dialogs with a media session (rtpe_dlgset.c, under its lock). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "core/log.h"
#include "core/status.h"
#include "core/worker.h"
#include "dialog/dialog.h"
#include "proxy/host.h"
#include "rtpengine/rtpe_dlgset.h"
#include "rtpengine/rtpengine.h"
#include "sip/sdp.h"

/* A command the message of ctx waits for: in its context's slot and its
 * arena until the route resumes and the call takes the outcome. */
struct rtpe_wait {
	struct sip_ctx *ctx;
	const char *command;
	bool done;
	int rc;
	benc_node *res;
	sip_str why;
};



/* The dialog module, when the policy tracks dialogs. */
static const struct dlg_api *rtpe_dlgs_api;

static dlg *rtpe_dlg(struct sip_ctx *ctx)
{
	return rtpe_dlgs_api ? rtpe_dlgs_api->of_ctx(ctx) : NULL;
}

/* The answer to the delete of an ended dialog's media: only logged. */
static void rtpe_dlg_deleted(int status, const char *ans, size_t len, void *arg)
{
	char *callid = arg;
	sip_arena a;
	sip_arena_init(&a, 1024);
	benc_node *res;
	int rc = status;
	if (status == SIP_OK)
		rc = rtpe_answer_parse(&a, "delete", ans, len, &res, NULL);
	/* DECLINED: the policy deleted it already (on the BYE). */
	if (rc != SIP_OK && rc != SIP_DECLINED)
		LOG_WARN("rtpengine: cannot delete the media of ended dialog %s: %s", callid,
			 sip_strerror(rc));
	sip_arena_destroy(&a);
	sip_mem_free(callid);
}

static void rtpe_on_dlg_end(dlg *d, enum dlg_end_reason why, uint64_t duration_ms, void *arg)
{
	(void)why;
	(void)duration_ms;
	(void)arg;
	if (!rtpe_dlgset_take(d->id))
		return;
	struct rtpe_req r = { .command = "delete", .callid = d->callid, .from_tag = d->caller_tag };
	/* The loop does not wait for the answer. */
	if (rtpe_can_start()) {
		char *callid = sip_mem_alloc(d->callid.len + 1);
		if (callid) {
			memcpy(callid, d->callid.s, d->callid.len);
			callid[d->callid.len] = '\0';
			int rc = rtpe_command_start(&r, rtpe_dlg_deleted, callid);
			if (rc == SIP_OK)
				return;
			sip_mem_free(callid);
			if (rc != SIP_ESTATE)
				LOG_WARN("rtpengine: cannot delete the media of ended dialog " SIP_STR_FMT
					 ": %s", SIP_STR_ARG(d->callid), sip_strerror(rc));
			return;
		}
	}
	sip_arena a;
	sip_arena_init(&a, 4096);
	benc_node *res;
	int rc = rtpe_command(&a, &r, &res, NULL);
	if (rc != SIP_OK && rc != SIP_DECLINED)
		LOG_WARN("rtpengine: cannot delete the media of ended dialog " SIP_STR_FMT ": %s",
			 SIP_STR_ARG(d->callid), sip_strerror(rc));
	sip_arena_destroy(&a);
}

/* Seconds between media checks; 0: none. Set in init, read-only after. */
static unsigned rtpe_media_check_s;
/* Calls ended for want of media (every worker adds, relaxed atomics). */
static int64_t rtpe_media_timeouts;
/* The caller's media check timer and wheel. */
static SIP_PER_WORKER sip_timer rtpe_check_t;
static SIP_PER_WORKER sip_timer_wheel *rtpe_check_w;

/* What one query of the media check waits for. */
struct rtpe_check {
	uint64_t id;
	char callid[];
};

/* True when an error-reason says rtpengine does not know the call
 * ("Unknown call-id", "Unknown call-ID"). */
static bool rtpe_unknown_call(sip_str why)
{
	static const char pfx[] = "unknown call";
	return why.len >= sizeof pfx - 1 && sip_mem_caseeq(why.s, pfx, sizeof pfx - 1);
}

/* The answer to a media check's query: a session rtpengine has
 * forgotten ends its dialog, unless the dialog ended (or its media was
 * deleted) while the query was out. On the worker that sent it, which
 * owns the dialog. */
static void rtpe_check_done(int status, const char *ans, size_t len, void *arg)
{
	struct rtpe_check *c = arg;
	sip_arena a;
	sip_arena_init(&a, 1024);
	benc_node *res;
	sip_str why = SIP_STR_NULL;
	int rc = status == SIP_OK ? rtpe_answer_parse(&a, "query", ans, len, &res, &why) : status;
	if (rc == SIP_DECLINED && rtpe_unknown_call(why) && rtpe_dlgset_has(c->id)) {
		dlg *d = dlg_by_id(c->id);
		if (d && d->state == DLG_CONFIRMED) {
			LOG_NOTICE("dialog %llu (%s): rtpengine has closed its media session (no "
				   "media): ending the call", (unsigned long long)c->id, c->callid);
			rtpe_dlgset_take(c->id);        /* nothing left to delete */
			__atomic_fetch_add(&rtpe_media_timeouts, 1, __ATOMIC_RELAXED);
			dlg_end(d, DLG_END_MEDIA);
		}
	} else if (rc != SIP_OK && rc != SIP_ETIMEOUT) {
		LOG_DEBUG("rtpengine: media check of %s: %s " SIP_STR_FMT, c->callid, sip_strerror(rc),
			  SIP_STR_ARG(why));
	}
	sip_arena_destroy(&a);
	sip_mem_free(c);
}

/* One round of the caller's worker: a query for each of its dialogs with
 * a media session (none while rtpengine is considered down), then the
 * next round. */
static void rtpe_check_fire(sip_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	sip_arena a;
	sip_arena_init(&a, 4096);
	struct rtpe_dlg_ref *v;
	unsigned n = rtpe_up() && rtpe_can_start() ? rtpe_dlgset_collect(sip_worker_id, &a, &v) : 0;
	for (unsigned i = 0; i < n; i++) {
		dlg *d = dlg_by_id(v[i].id);
		if (!d || d->state != DLG_CONFIRMED)
			continue;       /* not answered yet: the offer may be all there is */
		struct rtpe_check *c = sip_mem_alloc(sizeof *c + v[i].callid.len + 1);
		if (!c)
			break;
		c->id = v[i].id;
		memcpy(c->callid, v[i].callid.s, v[i].callid.len + 1);
		struct rtpe_req r = { .command = "query", .callid = v[i].callid,
				      .from_tag = v[i].from_tag };
		int rc = rtpe_command_start(&r, rtpe_check_done, c);
		if (rc != SIP_OK) {
			sip_mem_free(c);
			if (rc == SIP_ESTATE)
				break;  /* rtpengine stopped answering */
		}
	}
	sip_arena_destroy(&a);
	if (rtpe_check_w)
		sip_timer_add(rtpe_check_w, &rtpe_check_t, (uint64_t)rtpe_media_check_s * 1000);
}

/* Start the caller's media checks on w (nothing when they are off). */
static void rtpe_check_start(sip_timer_wheel *w)
{
	rtpe_check_w = w;
	if (!rtpe_media_check_s || !w || !rtpe_dlgs_api)
		return;
	sip_timer_init(&rtpe_check_t, rtpe_check_fire, NULL);
	sip_timer_add(w, &rtpe_check_t, (uint64_t)rtpe_media_check_s * 1000);
}

static void rtpe_check_stop(void)
{
	if (rtpe_check_w)
		sip_timer_cancel(rtpe_check_w, &rtpe_check_t);
	rtpe_check_w = NULL;
}

static void rtpe_module_init(sip_timer_wheel *w)
{
	const char *s = sipcc_setting_str("rtpengine", "socket", rtpe_conf.socket);
	if (strlen(s) < sizeof rtpe_conf.socket)
		memmove(rtpe_conf.socket, s, strlen(s) + 1);
	else
		LOG_WARN("rtpengine: socket '%s' is too long; using %s", s, rtpe_conf.socket);
	rtpe_conf.timeout_ms = (unsigned)sipcc_setting_int_range("rtpengine", "timeout",
								 rtpe_conf.timeout_ms, 1, 60000);
	rtpe_conf.retries = (unsigned)sipcc_setting_int_range("rtpengine", "retries",
							      rtpe_conf.retries, 0, 10);
	rtpe_conf.disable_s = (unsigned)sipcc_setting_int_range("rtpengine", "disable_time",
								rtpe_conf.disable_s, 0, 3600);
	if (rtpe_open() == SIP_OK)
		LOG_NOTICE("rtpengine: media relay at %s", rtpe_conf.socket);
	rtpe_use_loop(proxy_host_loop(), w);
	rtpe_media_check_s = (unsigned)sipcc_setting_int_range("rtpengine", "media_check", 10, 0,
							       86400);
	rtpe_dlgs_api = proxy_module_api("dialog");
	static const struct dlg_callbacks cb = { .on_end = rtpe_on_dlg_end };
	if (dlg_callbacks_add(&cb) != SIP_OK)
		LOG_WARN("rtpengine: cannot follow dialogs: their media is deleted only by the policy");
	sip_stat_counter("rtpengine.media_timeouts", &rtpe_media_timeouts);
	rtpe_check_start(w);
}

/* The loop whose timer wheel is w (a worker's). */
static sip_loop *rtpe_loop_of(sip_timer_wheel *w)
{
	return (sip_loop *)(void *)((char *)w - offsetof(sip_loop, timers));
}

/* Workers 1..n-1: their socket opens with their first command. */
static void rtpe_worker_start(sip_timer_wheel *w)
{
	rtpe_use_loop(rtpe_loop_of(w), w);
	rtpe_check_start(w);
}

static void rtpe_worker_stop(void)
{
	rtpe_check_stop();
	rtpe_pending_drop_all();
	rtpe_use_loop(NULL, NULL);
	rtpe_close();
}

static void rtpe_module_destroy(void)
{
	rtpe_check_stop();
	rtpe_pending_drop_all();
	rtpe_use_loop(NULL, NULL);
	rtpe_close();
	rtpe_dlgset_clear();
}

/* The loop thread: the command a message waits for ended. */
static void rtpe_wait_done(int status, const char *ans, size_t len, void *arg)
{
	struct rtpe_wait *w = arg;
	w->done = true;
	w->rc = status;
	if (status == SIP_OK)
		w->rc = rtpe_answer_parse(w->ctx->arena, w->command, ans, len, &w->res, &w->why);
	proxy_resume(w->ctx);
}

/* Run r for the message of ctx: the outcome of rtpe_command, or SIP_AGAIN
 * when the message now waits for it (the route resumes at the call, which
 * then finds the outcome here). */
static int rtpe_run(struct sip_ctx *ctx, const struct rtpe_req *r, benc_node **res, sip_str *why)
{
	void **slot = proxy_ctx_slot(ctx, &sipcc_module_rtpengine);
	struct rtpe_wait *w = *slot;
	*slot = NULL;
	if (w && w->done && strcmp(w->command, r->command) == 0) {
		*res = w->res;
		*why = w->why;
		return w->rc;
	}
	if (rtpe_can_start()) {
		if (!rtpe_up())
			return SIP_ESTATE;
		int rc = proxy_wait(ctx);
		if (rc == SIP_OK) {
			if (!(w = sip_arena_alloc(ctx->arena, sizeof *w))) {
				proxy_wait_cancel(ctx);
				return SIP_NOMEM;
			}
			memset(w, 0, sizeof *w);
			w->ctx = ctx;
			w->command = r->command;
			if ((rc = rtpe_command_start(r, rtpe_wait_done, w)) == SIP_OK) {
				*slot = w;
				return SIP_AGAIN;
			}
			proxy_wait_cancel(ctx);
			return rc;
		}
		if (rc != SIP_ESTATE)
			return rc;      /* too many messages wait: no media relay */
	}
	return rtpe_command(ctx->arena, r, res, why);
}

/* Send command for ctx's message; with_sdp: send its SDP body and put
 * the one rtpengine returns in its place. */
static int64_t rtpe_do(struct sip_ctx *ctx, const char *command, bool with_sdp,
		       const char *fl, size_t flen)
{
	sip_msg *m = ctx->msg;
	if (!m)
		return 0;
	struct rtpe_req r = {
		.command = command, .callid = m->callid, .from_tag = m->from_tag,
		.to_tag = m->to_tag, .flags = sip_str_make(fl, flen),
	};
	/* An answer from the callee: rtpengine wants the offerer's tag as the
	 * from-tag, which is the From tag in both directions of a reply. A
	 * request from the callee (re-INVITE, ACK with SDP) swaps them. */
	if (with_sdp) {
		if (!sip_msg_sdp(m, NULL)) {
			LOG_INFO("rtpengine_%s: the message has no SDP body", command);
			return 0;
		}
		r.sdp = sip_msg_body_current(m);
		if (!r.sdp.s)
			return 0;
	}
	char ip[64];
	sip_addr_ip(&ctx->src, ip, sizeof ip);
	r.recv_ip = sip_str_make(ip, strlen(ip));
	r.recv_ip6 = strchr(ip, ':') != NULL;
	benc_node *res = NULL;
	sip_str why = SIP_STR_NULL;
	int rc = rtpe_run(ctx, &r, &res, &why);
	if (rc == SIP_AGAIN)
		return 0;       /* the message waits: the value is not used */
	if (rc == SIP_DECLINED) {
		/* A delete of a call without media (a BYE of a call that was
		 * not relayed) is an ordinary outcome. */
		if (with_sdp)
			LOG_WARN("rtpengine_%s of " SIP_STR_FMT ": rtpengine says: " SIP_STR_FMT, command,
				 SIP_STR_ARG(m->callid), SIP_STR_ARG(why));
		else
			LOG_INFO("rtpengine_%s of " SIP_STR_FMT ": rtpengine says: " SIP_STR_FMT, command,
				 SIP_STR_ARG(m->callid), SIP_STR_ARG(why));
		return 0;
	}
	if (rc != SIP_OK) {
		if (rc != SIP_ESTATE)
			LOG_WARN("rtpengine_%s of " SIP_STR_FMT ": %s", command, SIP_STR_ARG(m->callid),
				 sip_strerror(rc));
		return 0;
	}
	if (!with_sdp)
		return 1;
	sip_str sdp = benc_get_str(res, "sdp");
	if (!sdp.len) {
		LOG_WARN("rtpengine_%s: the answer has no SDP", command);
		return 0;
	}
	/* The answer lives in ctx->arena (rtpe_command copied it), which is
	 * the message's or outlives the build of the message. */
	rc = sip_msg_set_body(m, sdp);
	if (rc != SIP_OK) {
		LOG_WARN("rtpengine_%s: cannot rewrite the SDP body: %s", command, sip_strerror(rc));
		return 0;
	}
	/* The answer too: a policy that tracks the dialog after the offer
	 * (dlg_manage() after rtpengine_offer()) has it by then. */
	dlg *d = rtpe_dlg(ctx);
	if (d && d->state != DLG_ENDED &&
	    rtpe_dlgset_add(d->id, d->worker, d->callid, d->caller_tag) != SIP_OK)
		LOG_WARN("rtpengine: cannot follow dialog " SIP_STR_FMT
			 ": its media is deleted only by the policy", SIP_STR_ARG(m->callid));
	return 1;
}

int64_t sipcc_fn_rtpengine_offer(struct sip_ctx *ctx, const char *fl, size_t flen)
{
	return rtpe_do(ctx, "offer", true, fl, flen);
}

int64_t sipcc_fn_rtpengine_answer(struct sip_ctx *ctx, const char *fl, size_t flen)
{
	return rtpe_do(ctx, "answer", true, fl, flen);
}

int64_t sipcc_fn_rtpengine_delete(struct sip_ctx *ctx, const char *fl, size_t flen)
{
	dlg *d = rtpe_dlg(ctx);
	if (d)
		rtpe_dlgset_take(d->id);
	return rtpe_do(ctx, "delete", false, fl, flen);
}

/* Kamailio's rtpengine_manage(): offer for an INVITE (or UPDATE) with SDP,
 * answer for its 2xx/18x with SDP and for an ACK with SDP, delete for a
 * BYE, a CANCEL and a negative final reply to an INVITE. */
int64_t sipcc_fn_rtpengine_manage(struct sip_ctx *ctx, const char *fl, size_t flen)
{
	sip_msg *m = ctx->msg;
	if (!m)
		return 0;
	if (m->is_request) {
		switch (m->method) {
		case SIP_METHOD_INVITE:
		case SIP_METHOD_UPDATE:
			return sip_msg_sdp(m, NULL) ? sipcc_fn_rtpengine_offer(ctx, fl, flen) : 0;
		case SIP_METHOD_ACK:
			return sip_msg_sdp(m, NULL) ? sipcc_fn_rtpengine_answer(ctx, fl, flen) : 0;
		case SIP_METHOD_BYE:
		case SIP_METHOD_CANCEL:
			return sipcc_fn_rtpengine_delete(ctx, fl, flen);
		default:
			return 0;
		}
	}
	enum sip_method meth = m->cseq.method;
	if (meth != SIP_METHOD_INVITE && meth != SIP_METHOD_UPDATE)
		return 0;
	if (m->status >= 300)
		return meth == SIP_METHOD_INVITE ? sipcc_fn_rtpengine_delete(ctx, fl, flen) : 0;
	if ((m->status >= 200 || (m->status > 100 && m->to_tag.len)) && sip_msg_sdp(m, NULL))
		return sipcc_fn_rtpengine_answer(ctx, fl, flen);
	return 0;
}

sipcc_module sipcc_module_rtpengine = {
	.name = "rtpengine",
	.init = rtpe_module_init,
	.destroy = rtpe_module_destroy,
	.worker_start = rtpe_worker_start,
	.worker_stop = rtpe_worker_stop,
	.workers_safe = true,
};
