/* The radius module: the settings of modules/radius/radius.sipi, two
 * threads that talk to the servers through radcli, the queue of
 * accounting records, and the policy functions radius_www_authorize and
 * radius_proxy_authorize.
 *
 * radcli's calls block (rc_aaa waits for the answer, sends again, goes
 * to the next server), so they run on threads of their own, each with
 * its own radcli handle, never on an event loop:
 *  - the accounting thread takes the records acc queued (acct_send of
 *    the module's api, under a mutex; at most radius.queue_max) one at a
 *    time in order. A record no server answered goes back to the front
 *    and the thread tries again every RAD_RETRY_MS, so while every server
 *    is down records wait, and are sent once one is back, in order. A
 *    record beyond the bound is dropped, counted and logged.
 *  - the authentication threads (RAD_AUTH_THREADS, each waiting for one
 *    answer at a time) check the credentials requests wait for, in the
 *    order they were asked. Their answers reach the loop of worker 0
 *    through an eventfd, and from there the worker that asked
 *    (proxy_worker_post), where the request waits (proxy_wait); a timer
 *    on that worker's wheel bounds the wait, so a server that never
 *    answers costs the request a 503, not a stalled route. A job whose
 *    request stopped waiting is not sent, and while no server answers
 *    the checks fail at once (one is sent every RAD_HOLD_MS), so a phone
 *    gets its 503 without waiting.
 *
 * Several workers: the queues are under mutexes, the counters atomic,
 * a request's job, its timer and its resumption belong to the worker
 * whose request waits (SIP_PER_WORKER wheel); the rest is set in init. */
#include "radius/radius.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include <radcli/radcli.h>
#include "auth/auth.h"
#include "core/log.h"
#include "core/status.h"
#include "core/worker.h"
#include "net/loop.h"
#include "proxy/host.h"
#include "proxy/worker.h"

#ifndef SIPCC_RADIUS_DICTIONARY
#define SIPCC_RADIUS_DICTIONARY "/usr/local/share/sipcc/radius/dictionary"
#endif

#define RAD_QUEUE_DEFAULT 10000
/* How often the accounting thread tries again while no server answers. */
#define RAD_RETRY_MS      1000
/* Credentials checks out on the threads at once, every worker together,
 * and the threads that send them (each waits for one answer at a time). */
#define RAD_AUTH_MAX      256
#define RAD_AUTH_THREADS  4
/* After a credentials check no server answered, how long the next ones
 * fail at once before one is sent again. */
#define RAD_HOLD_MS       2000
/* At shutdown, how long queued records may still be sent. */
#define RAD_DRAIN_MS      2000

/* A check of credentials out on the authentication thread. */
struct rad_job {
	struct rad_job *next;
	struct rad_job *wnext;       /* its worker's jobs with a request waiting */
	rad_rec *rec;
	struct sip_ctx *ctx;         /* the request waiting for it */
	unsigned worker;             /* its worker */
	atomic_bool abandoned;       /* its request stopped waiting: do not send */
	int verdict;                 /* SIPCC_AUTH_OK, _INVALID_PASSWORD or _ERROR */
	sip_timer tm;
	bool waiter_run;
};

/* What a waiting request finds when it goes on (its slot of the context). */
struct rad_ctx {
	bool have;
	int64_t verdict;
};

static struct {
	bool up;
	char *auth_servers, *acct_servers;  /* radcli's "host:port:secret,..." */
	char dictionary[1024], nas_id[128];
	unsigned timeout_s, retries, n_auth;
	const struct auth_api *auth;
	/* accounting */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	rad_queue q;
	bool stop, acct_started, acct_down;
	bool acct_broken;            /* radcli refused the settings: nothing is sent */
	int64_t drain_until_ms;
	pthread_t acct_th;
	/* authentication */
	pthread_mutex_t amu;
	pthread_cond_t acv;
	struct rad_job *ahead, *atail, *done;
	unsigned an;
	bool auth_started;
	bool auth_down;              /* the last check no server answered */
	int64_t hold_until;          /* till then checks fail at once */
	unsigned n_auth_th;
	pthread_t auth_th[RAD_AUTH_THREADS];
	int efd;
	sip_loop *loop;
	/* statistics */
	int64_t acct_sent, acct_dropped, acct_failed;
	int64_t auth_accepted, auth_rejected, auth_errors;
} R = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER,
	.amu = PTHREAD_MUTEX_INITIALIZER, .acv = PTHREAD_COND_INITIALIZER, .efd = -1 };

/* This worker's wheel (the timeouts of its checks) and its jobs whose
 * request still waits. */
static SIP_PER_WORKER sip_timer_wheel *rad_wheel;
static SIP_PER_WORKER struct rad_job *rad_waiting;

static void rad_count(int64_t *c)
{
	__atomic_add_fetch(c, 1, __ATOMIC_RELAXED);
}

static int64_t rad_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- radcli ---- */

/* A radcli handle for the servers of R (its own per thread: radcli's
 * handles are not shared). NULL when radcli refuses the configuration;
 * why is logged. */
static rc_handle *rad_handle_new(void)
{
	rc_handle *rh = rc_new();
	if (!rh)
		return NULL;
	rh = rc_config_init(rh);
	if (!rh)
		return NULL;
	char num[16];
	bool ok = true;
	if (R.auth_servers)
		ok = ok && rc_add_config(rh, "authserver", R.auth_servers, "radius", 0) == 0;
	if (R.acct_servers)
		ok = ok && rc_add_config(rh, "acctserver", R.acct_servers, "radius", 0) == 0;
	ok = ok && rc_add_config(rh, "dictionary", R.dictionary, "radius", 0) == 0;
	snprintf(num, sizeof num, "%u", R.timeout_s);
	ok = ok && rc_add_config(rh, "radius_timeout", num, "radius", 0) == 0;
	/* radcli's radius_retries counts the sends after the first, as
	 * radius.retries does. */
	snprintf(num, sizeof num, "%u", R.retries);
	ok = ok && rc_add_config(rh, "radius_retries", num, "radius", 0) == 0;
	ok = ok && rc_add_config(rh, "radius_deadtime", "0", "radius", 0) == 0;
	ok = ok && rc_add_config(rh, "nas-identifier", R.nas_id, "radius", 0) == 0;
	if (!ok || rc_apply_config(rh) != 0) {
		LOG_ERR("radius: the client library refused the servers or settings");
		rc_destroy(rh);
		return NULL;
	}
	if (rc_read_dictionary(rh, R.dictionary) != 0) {
		LOG_ERR("radius: cannot read the dictionary %s", R.dictionary);
		rc_destroy(rh);
		return NULL;
	}
	return rh;
}

/* The attributes of r as radcli's list; an attribute the dictionary
 * does not name is left out (logged). NULL without memory. */
static VALUE_PAIR *rad_pairs(rc_handle *rh, const rad_rec *r)
{
	VALUE_PAIR *vp = NULL;
	for (unsigned i = 0; i < r->n; i++) {
		const struct rad_attr *a = &r->a[i];
		DICT_ATTR *da = rc_dict_findattr(rh, a->name);
		if (!da) {
			LOG_WARN("radius: the dictionary %s has no attribute %s; not sent",
				 R.dictionary, a->name);
			continue;
		}
		VALUE_PAIR *p;
		if (a->is_int) {
			uint32_t v = a->i;
			p = rc_avpair_add(rh, &vp, ATTRID(da->value), &v, 0, VENDOR(da->value));
		} else {
			p = rc_avpair_add(rh, &vp, ATTRID(da->value), a->s.s, (int)a->s.len,
					  VENDOR(da->value));
		}
		if (!p)
			LOG_WARN("radius: cannot add attribute %s", a->name);
	}
	return vp;
}

/* ---- accounting ---- */

static void rad_acct_drop(rad_rec *r, const char *why)
{
	int64_t n = __atomic_add_fetch(&R.acct_dropped, 1, __ATOMIC_RELAXED);
	if (n == 1 || n % 1000 == 0)
		LOG_WARN("radius: %s; %lld accounting records dropped so far (radius.queue_max = %u)",
			 why, (long long)n, R.q.max);
	rad_rec_free(r);
}

static void *rad_acct_main(void *arg);

/* The accounting thread starts with the first record (a policy that
 * never accounts to RADIUS, such as examples/provider.sip built without
 * ACC_RADIUS, has none). Under R.mu. */
static bool rad_acct_thread(void)
{
	if (R.acct_started)
		return !R.acct_broken;
	if (R.stop)
		return false;
	if (pthread_create(&R.acct_th, NULL, rad_acct_main, NULL) != 0) {
		LOG_ERR("radius: cannot start the accounting thread: %s", strerror(errno));
		return false;
	}
	R.acct_started = true;
	return true;
}

static int rad_acct_send(const struct rad_attr *a, size_t n)
{
	if (!R.up || !R.acct_servers)
		return SIP_ESTATE;
	rad_rec *r = rad_rec_new(a, n);
	if (!r)
		return SIP_NOMEM;
	r->queued_ms = rad_now_ms();
	pthread_mutex_lock(&R.mu);
	if (!rad_acct_thread()) {
		pthread_mutex_unlock(&R.mu);
		rad_acct_drop(r, "accounting is off (see the error logged before)");
		return SIP_ESTATE;
	}
	bool ok = !R.stop && rad_queue_push(&R.q, r);
	if (ok)
		pthread_cond_signal(&R.cv);
	pthread_mutex_unlock(&R.mu);
	if (!ok) {
		rad_acct_drop(r, "the queue of accounting records waiting for a server is full");
		return SIP_ELIMIT;
	}
	return SIP_OK;
}

/* Wait on cv until ms have passed or the module stops. Under mu. */
static void rad_cond_wait_ms(pthread_cond_t *cv, pthread_mutex_t *mu, unsigned ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(cv, mu, &ts);
}

static void *rad_acct_main(void *arg)
{
	(void)arg;
	rc_handle *rh = rad_handle_new();
	pthread_mutex_lock(&R.mu);
	if (!rh) {
		R.acct_broken = true;
		unsigned n = rad_queue_clear(&R.q);
		__atomic_add_fetch(&R.acct_dropped, n, __ATOMIC_RELAXED);
		LOG_ERR("radius: accounting off: %u records dropped", n);
		pthread_mutex_unlock(&R.mu);
		return NULL;
	}
	for (;;) {
		if (R.stop && (!R.q.head || rad_now_ms() >= R.drain_until_ms))
			break;
		if (!R.q.head) {
			pthread_cond_wait(&R.cv, &R.mu);
			continue;
		}
		rad_rec *r = rad_queue_pop(&R.q);
		pthread_mutex_unlock(&R.mu);
		VALUE_PAIR *vp = rad_pairs(rh, r);
		int rc = vp ? rc_aaa(rh, 0, vp, NULL, NULL, 0, PW_ACCOUNTING_REQUEST) : ERROR_RC;
		rc_avpair_free(vp);
		pthread_mutex_lock(&R.mu);
		if (rc == OK_RC) {
			rad_count(&R.acct_sent);
			if (R.acct_down) {
				R.acct_down = false;
				LOG_NOTICE("radius: an accounting server answers again; %u records "
					   "waiting", R.q.n);
			}
			rad_rec_free(r);
		} else if (!vp) {
			rad_count(&R.acct_failed);
			LOG_ERR("radius: an accounting record has no attribute the dictionary names; "
				"dropped");
			rad_rec_free(r);
		} else {
			/* No server answered (or none with the right secret):
			 * the record keeps its place. */
			rad_queue_push_front(&R.q, r);
			if (!R.acct_down) {
				R.acct_down = true;
				LOG_WARN("radius: no accounting server answers (%s); records are kept "
					 "(%u waiting, at most %u) and sent when one is back",
					 rc == TIMEOUT_RC ? "timeout" : rc == BADRESP_RC
					 ? "bad response: check radius.secret" : "error", R.q.n, R.q.max);
			}
			if (R.stop)
				break;
			rad_cond_wait_ms(&R.cv, &R.mu, RAD_RETRY_MS);
		}
	}
	pthread_mutex_unlock(&R.mu);
	rc_destroy(rh);
	return NULL;
}

/* ---- authentication ---- */

static void rad_job_free(struct rad_job *j)
{
	rad_rec_free(j->rec);
	sip_mem_free(j);
}

static void *rad_auth_main(void *arg)
{
	rc_handle *rh = arg;
	pthread_mutex_lock(&R.amu);
	while (!R.stop) {
		struct rad_job *j = R.ahead;
		if (!j) {
			pthread_cond_wait(&R.acv, &R.amu);
			continue;
		}
		R.ahead = j->next;
		if (!R.ahead)
			R.atail = NULL;
		/* While no server answered the last try, the checks that
		 * follow fail at once (503 for the phone) rather than each
		 * waiting out every server; every RAD_HOLD_MS one of them
		 * is sent again. */
		bool send = !atomic_load(&j->abandoned);
		if (send && R.auth_down) {
			int64_t now = rad_now_ms();
			send = now >= R.hold_until;
			if (send)
				R.hold_until = now + RAD_HOLD_MS;
		}
		pthread_mutex_unlock(&R.amu);
		j->verdict = SIPCC_AUTH_ERROR;
		if (send) {
			VALUE_PAIR *vp = rad_pairs(rh, j->rec), *got = NULL;
			char msg[PW_MAX_MSG_SIZE];
			int rc = vp ? rc_aaa(rh, 0, vp, &got, msg, 0, PW_ACCESS_REQUEST) : ERROR_RC;
			rc_avpair_free(vp);
			rc_avpair_free(got);
			if (rc == OK_RC)
				j->verdict = SIPCC_AUTH_OK;
			else if (rc == REJECT_RC)
				j->verdict = SIPCC_AUTH_INVALID_PASSWORD;
			/* Logged when the servers go away and when one is
			 * back, not for every request meanwhile. */
			bool down = rc != OK_RC && rc != REJECT_RC;
			pthread_mutex_lock(&R.amu);
			if (down && !R.auth_down)
				LOG_WARN("radius: no authentication server answers (%s); checks are "
					 "AUTH_ERROR until one does", rc == TIMEOUT_RC ? "timeout"
					 : rc == BADRESP_RC ? "bad response: check radius.secret"
					 : "error");
			else if (!down && R.auth_down)
				LOG_NOTICE("radius: an authentication server answers again");
			if (down && !R.auth_down)
				R.hold_until = rad_now_ms() + RAD_HOLD_MS;
			R.auth_down = down;
			pthread_mutex_unlock(&R.amu);
		}
		pthread_mutex_lock(&R.amu);
		j->next = R.done;
		R.done = j;
		uint64_t one = 1;
		if (write(R.efd, &one, sizeof one) < 0 && errno != EAGAIN)
			LOG_ERR("radius: cannot wake the loop: %s", strerror(errno));
	}
	pthread_mutex_unlock(&R.amu);
	rc_destroy(rh);
	return NULL;
}

/* The request j waited for goes on with verdict (its route calls the
 * function again, which finds it in its slot). */
static void rad_job_run_waiter(struct rad_job *j, int verdict)
{
	j->waiter_run = true;
	/* Only on its worker, while it runs (at exit a call posted to a
	 * worker that stopped runs on the main thread: only free then). */
	if (j->worker != sip_worker_id || !rad_wheel)
		return;
	for (struct rad_job **pp = &rad_waiting; *pp; pp = &(*pp)->wnext)
		if (*pp == j) {
			*pp = j->wnext;
			break;
		}
	sip_timer_cancel(rad_wheel, &j->tm);
	if (verdict == SIPCC_AUTH_OK)
		rad_count(&R.auth_accepted);
	else if (verdict == SIPCC_AUTH_INVALID_PASSWORD)
		rad_count(&R.auth_rejected);
	else
		rad_count(&R.auth_errors);
	if (!R.up || proxy_db_stopping())
		return;
	void **slot = proxy_ctx_slot(j->ctx, &sipcc_module_radius);
	struct rad_ctx *st = *slot;
	if (!st && (st = sip_arena_alloc(j->ctx->arena, sizeof *st)) != NULL)
		*slot = st;
	if (st) {
		st->have = true;
		st->verdict = verdict;
	}
	proxy_resume(j->ctx);
}

/* On the worker that asked: the thread is done with j. */
static void rad_job_done(void *arg)
{
	struct rad_job *j = arg;
	if (!j->waiter_run)
		rad_job_run_waiter(j, j->verdict);
	rad_job_free(j);
}

static unsigned rad_wait_ms(void);

/* No answer in time: the request goes on with AUTH_ERROR; the job, when
 * the thread gets to it, is not sent. */
static void rad_job_timeout(sip_timer *t, void *arg)
{
	(void)t;
	struct rad_job *j = arg;
	atomic_store(&j->abandoned, true);
	LOG_INFO("radius: no answer from the authentication servers within %u ms",
		 rad_wait_ms());
	rad_job_run_waiter(j, SIPCC_AUTH_ERROR);
}

/* Worker 0's loop: hand the answers to the workers that asked. */
static void rad_on_done(sip_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)events;
	(void)arg;
	uint64_t v;
	if (read(fd, &v, sizeof v) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&R.amu);
	struct rad_job *j = R.done;
	R.done = NULL;
	pthread_mutex_unlock(&R.amu);
	while (j) {
		struct rad_job *next = j->next;
		pthread_mutex_lock(&R.amu);
		R.an--;
		pthread_mutex_unlock(&R.amu);
		/* Without memory for the hand-off the job stays (its
		 * request waits on that worker's timer, which knows it). */
		if (proxy_worker_post(j->worker, rad_job_done, j) != SIP_OK)
			LOG_ERR("radius: cannot hand an answer to worker %u", j->worker);
		j = next;
	}
}

/* How long a request may wait for the servers: every try of every
 * server, and a second more. */
static unsigned rad_wait_ms(void)
{
	return R.timeout_s * 1000 * (R.retries + 1) * (R.n_auth ? R.n_auth : 1) + 1000;
}

/* Queue the check of the credentials p of ctx's request. SIP_OK (the
 * request waits), or why not. */
static int rad_auth_start(struct sip_ctx *ctx, const struct auth_pending *p)
{
	const struct auth_creds *c = &p->c;
	struct rad_digest_in in = {
		.user_name = c->username,
		.username = c->username,
		.realm = c->realm,
		.nonce = c->nonce,
		.uri = c->uri,
		.response = c->response,
		.algorithm = c->algorithm,
		.qop = c->qop,
		.cnonce = c->cnonce,
		.nc = c->nc,
		.method = ctx->msg->method_str,
	};
	struct rad_attr a[RAD_ATTRS_MAX];
	static SIP_PER_WORKER char buf[RAD_ATTRS_MAX * RAD_VALUE_MAX];
	size_t n = rad_digest_attrs(&in, a, buf);
	if (!n)
		return SIP_EINVAL;
	struct rad_job *j = sip_mem_alloc(sizeof *j);
	if (!j)
		return SIP_NOMEM;
	memset(j, 0, sizeof *j);
	if (!(j->rec = rad_rec_new(a, n))) {
		sip_mem_free(j);
		return SIP_NOMEM;
	}
	int rc = proxy_wait(ctx);
	if (rc != SIP_OK) {
		rad_job_free(j);
		return rc;
	}
	j->ctx = ctx;
	j->worker = sip_worker_id;
	pthread_mutex_lock(&R.amu);
	bool ok = R.an < RAD_AUTH_MAX && !R.stop;
	if (ok) {
		R.an++;
		if (R.atail)
			R.atail->next = j;
		else
			R.ahead = j;
		R.atail = j;
		pthread_cond_signal(&R.acv);
	}
	pthread_mutex_unlock(&R.amu);
	if (!ok) {
		proxy_wait_cancel(ctx);
		rad_job_free(j);
		return SIP_ELIMIT;
	}
	/* Armed after the thread may already have it: the answer comes back
	 * through this worker's loop, after this function returns. */
	sip_timer_init(&j->tm, rad_job_timeout, j);
	sip_timer_add(rad_wheel, &j->tm, rad_wait_ms());
	j->wnext = rad_waiting;
	rad_waiting = j;
	return SIP_OK;
}

static int64_t rad_authorize(struct sip_ctx *ctx, const char *rs, size_t rlen, int ty)
{
	if (!R.up || !R.auth)
		return SIPCC_AUTH_ERROR;
	struct auth_pending p;
	int64_t r = R.auth->begin(ctx, sip_str_make(rs, rlen), ty, &p);
	struct rad_ctx *st = *proxy_ctx_slot(ctx, &sipcc_module_radius);
	bool have = st && st->have;
	int64_t verdict = have ? st->verdict : SIPCC_AUTH_ERROR;
	if (st)
		st->have = false;
	if (r != SIPCC_AUTH_OK)
		return r;
	if (have) {
		int64_t v = R.auth->finish(ctx, &p, verdict);
		/* The nonce-count waits for the cluster store: the verdict is
		 * kept for the route's next call. */
		if (ctx->suspended && st)
			st->have = true;
		return v;
	}
	if (!R.auth_started) {
		LOG_WARN("radius: no authentication server (radius.auth_servers)");
		return R.auth->finish(ctx, &p, SIPCC_AUTH_ERROR);
	}
	int rc = rad_auth_start(ctx, &p);
	if (rc == SIP_OK)
		return SIPCC_AUTH_ERROR;    /* the message waits; the route asks again */
	if (rc == SIP_ELIMIT)
		LOG_WARN("radius: %u credentials checks out already; answering 503", RAD_AUTH_MAX);
	else if (rc != SIP_EINVAL)
		LOG_WARN("radius: cannot ask the server: %s", sip_strerror(rc));
	return R.auth->finish(ctx, &p, rc == SIP_EINVAL ? SIPCC_AUTH_INVALID_PASSWORD
							: SIPCC_AUTH_ERROR);
}

int64_t sipcc_fn_radius_www_authorize(struct sip_ctx *ctx, const char *realm, size_t len)
{
	return rad_authorize(ctx, realm, len, SIP_HDR_AUTHORIZATION);
}

int64_t sipcc_fn_radius_proxy_authorize(struct sip_ctx *ctx, const char *realm, size_t len)
{
	return rad_authorize(ctx, realm, len, SIP_HDR_PROXY_AUTHORIZATION);
}

/* ---- start-up ---- */

static unsigned rad_setting_range(const char *key, int64_t dflt, int64_t lo, int64_t hi)
{
	return (unsigned)sipcc_setting_int_range("radius", key, dflt, lo, hi);
}

static int64_t rad_acct_queued(void)
{
	pthread_mutex_lock(&R.mu);
	int64_t n = R.q.n;
	pthread_mutex_unlock(&R.mu);
	return n;
}

static void radius_module_init(sip_timer_wheel *w)
{
	rad_wheel = w;
	R.auth = proxy_module_api("auth");
	R.timeout_s = rad_setting_range("timeout", 2, 1, 60);
	R.retries = rad_setting_range("retries", 1, 0, 10);
	rad_queue_init(&R.q, rad_setting_range("queue_max", RAD_QUEUE_DEFAULT, 1, 10000000));
	R.stop = false;
	R.acct_down = false;
	R.acct_broken = false;
	const char *dict = sipcc_setting_str("radius", "dictionary", "");
	snprintf(R.dictionary, sizeof R.dictionary, "%s", *dict ? dict : SIPCC_RADIUS_DICTIONARY);
	snprintf(R.nas_id, sizeof R.nas_id, "%s", sipcc_setting_str("radius", "nas_identifier",
								    "sipcc"));
	const char *secret = sipcc_setting_str("radius", "secret", "");
	bool bad = false;
	unsigned n_acct = 0;
	R.auth_servers = rad_server_list(sipcc_setting_str("radius", "auth_servers", ""), secret, 1812,
				     &R.n_auth, &bad);
	R.acct_servers = rad_server_list(sipcc_setting_str("radius", "acct_servers", ""), secret, 1813,
				     &n_acct, &bad);
	sip_stat_counter("radius.acct_sent", &R.acct_sent);
	sip_stat_counter("radius.acct_dropped", &R.acct_dropped);
	sip_stat_counter("radius.acct_failed", &R.acct_failed);
	sip_stat_gauge("radius.acct_queued", rad_acct_queued);
	sip_stat_counter("radius.auth_accepted", &R.auth_accepted);
	sip_stat_counter("radius.auth_rejected", &R.auth_rejected);
	sip_stat_counter("radius.auth_errors", &R.auth_errors);
	R.up = true;
	if (bad) {
		LOG_ERR("radius: auth_servers and acct_servers take \"HOST[:PORT]\" items separated "
			"by commas; RADIUS disabled");
		sip_mem_free(R.auth_servers);
		sip_mem_free(R.acct_servers);
		R.auth_servers = R.acct_servers = NULL;
		return;
	}
	if ((R.auth_servers || R.acct_servers) && (!*secret || strpbrk(secret, ":, \t"))) {
		LOG_ERR("radius: radius.secret is required, without ':', ',' or blanks; RADIUS "
			"disabled");
		sip_mem_free(R.auth_servers);
		sip_mem_free(R.acct_servers);
		R.auth_servers = R.acct_servers = NULL;
		return;
	}
	if (!R.auth_servers && !R.acct_servers) {
		LOG_WARN("radius: neither radius.auth_servers nor radius.acct_servers is set");
		return;
	}
	/* Each thread gets its own handle, made here so that a bad
	 * dictionary is reported at start-up. */
	/* The accounting thread reads it when it starts. */
	if (access(R.dictionary, R_OK) != 0)
		LOG_WARN("radius: cannot read the dictionary %s (%s): nothing can be sent",
			 R.dictionary, strerror(errno));
	R.loop = proxy_host_loop();
	if (R.auth_servers && R.loop) {
		R.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		R.auth_down = false;
		R.hold_until = 0;
		R.n_auth_th = 0;
		if (R.efd >= 0 && sip_loop_add_fd(R.loop, R.efd, rad_on_done, NULL) == SIP_OK) {
			/* A radcli handle each (a bad dictionary is reported
			 * here, at start-up). */
			while (R.n_auth_th < RAD_AUTH_THREADS) {
				rc_handle *rh = rad_handle_new();
				if (!rh)
					break;
				if (pthread_create(&R.auth_th[R.n_auth_th], NULL, rad_auth_main, rh)) {
					rc_destroy(rh);
					break;
				}
				R.n_auth_th++;
			}
			R.auth_started = R.n_auth_th > 0;
			if (!R.auth_started)
				sip_loop_del_fd(R.loop, R.efd);
		}
		if (!R.auth_started)
			LOG_ERR("radius: authentication not started");
	}
	LOG_INFO("radius: accounting %s, authentication %s (dictionary %s)",
		 R.acct_servers ? "on" : "off",
		 R.auth_started ? "on" : "off", R.dictionary);
}

static void radius_worker_start(sip_timer_wheel *w)
{
	rad_wheel = w;
}

/* The worker's loop ends: the timeouts of its checks leave its wheel;
 * their answers, if they still come, only free them. */
static void radius_worker_stop(void)
{
	for (struct rad_job *j = rad_waiting; j; j = j->wnext) {
		sip_timer_cancel(rad_wheel, &j->tm);
		j->waiter_run = true;
		atomic_store(&j->abandoned, true);
	}
	rad_waiting = NULL;
	rad_wheel = NULL;
}

static void radius_module_destroy(void)
{
	if (!R.up)
		return;
	radius_worker_stop();
	pthread_mutex_lock(&R.mu);
	pthread_mutex_lock(&R.amu);
	R.stop = true;
	R.drain_until_ms = rad_now_ms() + RAD_DRAIN_MS;
	pthread_cond_broadcast(&R.cv);
	pthread_cond_broadcast(&R.acv);
	pthread_mutex_unlock(&R.amu);
	pthread_mutex_unlock(&R.mu);
	if (R.acct_started)
		pthread_join(R.acct_th, NULL);

	for (unsigned i = 0; i < R.n_auth_th; i++)
		pthread_join(R.auth_th[i], NULL);
	R.n_auth_th = 0;
	R.up = false;
	/* Checks never answered: their requests are freed by the proxy. */
	struct rad_job *lists[2] = { R.ahead, R.done };
	for (int i = 0; i < 2; i++)
		while (lists[i]) {
			struct rad_job *j = lists[i];
			lists[i] = j->next;
			rad_job_free(j);
		}
	R.ahead = R.atail = R.done = NULL;
	R.an = 0;
	if (R.efd >= 0) {
		if (R.auth_started && R.loop)
			sip_loop_del_fd(R.loop, R.efd);
		close(R.efd);
		R.efd = -1;
	}
	unsigned lost = rad_queue_clear(&R.q);
	if (lost)
		LOG_WARN("radius: %u accounting records not sent at shutdown (no server answered)",
			 lost);
	LOG_INFO("radius: %lld accounting records sent, %lld dropped; %lld credentials accepted, "
		 "%lld refused, %lld not checked", (long long)R.acct_sent,
		 (long long)R.acct_dropped, (long long)R.auth_accepted, (long long)R.auth_rejected,
		 (long long)R.auth_errors);
	sip_mem_free(R.auth_servers);
	sip_mem_free(R.acct_servers);
	R.auth_servers = R.acct_servers = NULL;
	R.acct_started = R.auth_started = false;
}

static const struct radius_api radius_api = {
	.acct_send = rad_acct_send,
};

sipcc_module sipcc_module_radius = {
	.name = "radius",
	.init = radius_module_init,
	.destroy = radius_module_destroy,
	.worker_start = radius_worker_start,
	.worker_stop = radius_worker_stop,
	.api = &radius_api,
	/* Queues under mutexes, counters atomic, a request's job on its
	 * worker (see the top of the file). */
	.workers_safe = true,
};
