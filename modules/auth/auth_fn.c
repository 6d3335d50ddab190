/* The auth policy functions (modules/auth/auth.sipi): challenges, checking
 * credentials against the subscriber table, and what follows from a
 * successful check ($au, $ar, check_from, consume_credentials).
 *
 * The subscriber's stored secrets are read off the event loop: on a cache
 * miss www_authorize/proxy_authorize (declared async) queue the query on
 * the database worker and suspend the message (proxy_wait, proxy/proxy.h);
 * when the row is in, every request waiting for it goes on with its route
 * at the call, which now finds the row. What was read is cached for
 * auth.cache_expire seconds, a missing subscriber as well, so a scanner trying names
 * costs one query per name and period; the cache is emptied when the
 * subscriber table changes (its serial in sipcc_change: a password
 * changed with sipcc-ctl applies to the next request). A request waits at most
 * AUTH_DB_WAIT_MS. The loop's own database handle is never used: a
 * database that is down, too slow or has too many queries waiting, no
 * worker (its thread could not start) or a message that cannot wait make
 * the check AUTH_ERROR at once (the challenge functions then answer 503
 * with Retry-After), never a stalled loop.
 *
 * On several workers: the credential cache is shared under a mutex, and
 * what a check reads from it is a copy in the message's arena; a query
 * out on the database worker, the requests waiting for it and its
 * timeout belong to the worker that asked (its completion comes back
 * there), so each worker has its own list of them. Nonces (digest.c) are
 * shared: a challenge issued on one worker is answered on any.
 *
 * Several proxies (cluster.store set to a Redis URL): given the same
 * auth.secret they issue and accept each other's nonces, and the
 * nonce-counts are kept in the store rather than in the local slots: the
 * key sipcc:nc:NONCE holds the highest count accepted for the nonce, and
 * one script compares and sets it, so a count is accepted once over all
 * the proxies; the key expires with the nonce. Checking it is one more
 * wait, after the password matched (as with the slots, a forged request
 * cannot use up a client's counts), on the store's worker, bounded by
 * AUTH_DB_WAIT_MS. A store that is down, too slow or too busy makes the
 * check AUTH_ERROR, which the challenge functions answer 503 with
 * Retry-After, as for a subscriber database that is down: a phone asked
 * again would only bring a count that cannot be checked either. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <openssl/crypto.h>
#include "auth/auth.h"
#include "auth/auth_cache.h"
#include "core/log.h"
#include "core/status.h"
#include "core/worker.h"
#include "db/db.h"
#include "net/loop.h"
#include "proxy/host.h"


/* This worker's timer wheel (the queries' timeouts). */
static SIP_PER_WORKER sip_timer_wheel *auth_wheel;
/* Warned about checking without a database worker. */
static atomic_bool auth_warned;

/* The worker thread's statement on the worker's handle; forgotten once the
 * worker has stopped (its handle closed them), before another may start. */
static struct {
	db *d;
	db_stmt *st;
} AW;

/* What the subscriber table says about user@realm. */
#define AUTH_CACHE_S     600
#define AUTH_DB_WAIT_MS  3000
#define AUTH_MAX_QUERIES 256

struct auth_row {
	struct auth_cache_ent ce;   /* in the cache (auth_cache.h) */
	size_t size;                /* bytes, data included */
	int status;                 /* SIP_OK, SIP_ENOTFOUND, or why the query failed */
	bool disabled;              /* subscriber.disabled: credentials refused */
	sip_str user, realm;        /* in data */
	sip_str password, ha1, ha1_sha256;
	char data[];
};

static void auth_row_free_ent(struct auth_cache_ent *e)
{
	sip_mem_free(SIP_HTABLE_ENTRY(e, struct auth_row, ce));
}

/* A query out on the worker and the requests waiting for it. Freed when
 * both the worker is done with it and the waiters were run (the timer may
 * run them first). */
struct auth_waiter {
	struct sip_ctx *ctx;        /* suspended by proxy_wait() */
	struct auth_waiter *next;
};
struct auth_query {
	struct auth_query *next;
	sip_str user, realm;        /* in key */
	struct auth_row *row;       /* the result, once in */
	struct auth_waiter *waiters;
	sip_timer tm;
	bool job_done, waiters_run;
	char key[];
};
static SIP_PER_WORKER struct {
	struct auth_query *head;
	unsigned n;
	/* The result the request going on now waited for. */
	const struct auth_row *resuming;
} Q;

/* The credential cache (auth_cache.c serves one thread at a time). */
static pthread_mutex_t auth_cache_mu = PTHREAD_MUTEX_INITIALIZER;

/* Nonce-counts are checked in the cluster's store (set by init, read-only
 * after), and whether the store's last answer was a failure (logged once
 * per outage). */
static bool auth_nc_store;
static struct proxy_store_outage auth_store_outage = {
	.down_pre = "auth: cannot check nonce-counts in the cluster store: ",
	.down_post = "; authenticated requests are answered 503",
	.back = "auth: the cluster store checks nonce-counts again",
};

/* The store worker's statement, as AW for the database worker. */
static struct proxy_store_stmt SW;

/* A nonce-count out on the store's worker, and the request waiting for
 * it. Freed by the job's completion; the timeout may resume the request
 * first. */
struct auth_ncq {
	struct auth_ncq *next;
	struct sip_ctx *ctx;
	int verdict;                /* the script's answer: 1 new, 0 a replay */
	uint32_t nc;
	int64_t ttl_s;
	sip_timer tm;
	bool waiter_run;
	char key[sizeof "sipcc:nc:" + AUTH_NONCE_LEN];
};
static SIP_PER_WORKER struct {
	struct auth_ncq *head;
	unsigned n;
} NQ;

static bool auth_realm_ours(sip_str realm)
{
	return proxy_is_domain(realm) || proxy_domain_table_has(realm);
}

/* What proxy_strip_credentials removes: credentials for this proxy. */
static bool auth_creds_ours(sip_str body)
{
	return auth_creds_for_us(body, auth_realm_ours);
}

static void auth_cache_flush(void);

static void auth_module_init(sip_timer_wheel *w)
{
	proxy_set_credentials_filter(auth_creds_ours);
	auth_wheel = w;
	int64_t ne = sipcc_setting_int_range("auth", "nonce_expire", auth_conf.nonce_expire, 1,
					     INT32_MAX);
	auth_conf.nonce_expire = (unsigned)ne;
	/* The compiler checked the list; a proxy built otherwise keeps MD5. */
	const char *algs = sipcc_setting_str("auth", "algorithms", "MD5");
	enum auth_alg a[AUTH_NALGS];
	unsigned n = auth_algs_parse(algs, a);
	if (n) {
		for (unsigned i = 0; i < n; i++)
			auth_conf.algs[i] = a[i];
		auth_conf.n_algs = n;
	} else {
		LOG_WARN("auth: algorithms = \"%s\" is not a list of MD5 and SHA-256; offering MD5",
			 algs);
		auth_conf.algs[0] = AUTH_MD5;
		auth_conf.n_algs = 1;
	}
	const char *secret = sipcc_setting_str("auth", "secret", "");
	const char *store = proxy_store_configured() ? proxy_store_backend() : NULL;
	auth_nc_store = store && strcmp(store, "redis") == 0;
	auth_nonce_init_shared(secret, auth_nc_store);
	if (auth_nc_store && !*secret)
		LOG_WARN("auth: cluster.store is set but auth.secret is not: the nonces "
			 "of this proxy are refused by the others (challenged again)");
	else if (store && !auth_nc_store)
		LOG_NOTICE("auth: nonce-counts are shared only through a Redis cluster.store: "
			   "a nonce issued by another proxy is challenged again (stale)");
	int64_t ce = sipcc_setting_int_range("auth", "cache_expire", AUTH_CACHE_S, 0, 86400 * 7);
	int64_t cn = sipcc_setting_int_range("auth", "cache_entries", AUTH_CACHE_MAX, 1, 10000000);
	pthread_mutex_lock(&auth_cache_mu);
	auth_cache_init(auth_row_free_ent, (uint64_t)ce * 1000, (unsigned long)cn);
	pthread_mutex_unlock(&auth_cache_mu);
	proxy_db_want(NULL);
	proxy_db_on_change("subscriber", auth_cache_flush);
}

static void auth_worker_start(sip_timer_wheel *w)
{
	auth_wheel = w;
}

/* The worker's loop ends: the timeouts of its queries leave its wheel
 * (their completions, if they still come, free them). */
static void auth_worker_stop(void)
{
	for (struct auth_query *q = Q.head; q; q = q->next)
		sip_timer_cancel(auth_wheel, &q->tm);
	for (struct auth_ncq *q = NQ.head; q; q = q->next)
		sip_timer_cancel(auth_wheel, &q->tm);
	auth_wheel = NULL;
	auth_nonce_thread_done();
}

static void auth_module_destroy(void)
{
	proxy_set_credentials_filter(NULL);
	atomic_store(&auth_warned, false);
	AW.d = NULL;
	AW.st = NULL;
	SW.d = NULL;
	SW.st = NULL;
	auth_nc_store = false;
	atomic_store(&auth_store_outage.down, false);
	pthread_mutex_lock(&auth_cache_mu);
	auth_cache_clear();
	pthread_mutex_unlock(&auth_cache_mu);
	auth_nonce_thread_done();
}

/* What the checks of this message found (the module's slot in ctx), NULL
 * before the first. */
static struct auth_ctx *auth_cur(struct sip_ctx *ctx)
{
	return *proxy_ctx_slot(ctx, &sipcc_module_auth);
}

static struct auth_ctx *auth_state(struct sip_ctx *ctx)
{
	void **slot = proxy_ctx_slot(ctx, &sipcc_module_auth);
	if (!*slot) {
		struct auth_ctx *st = sip_arena_alloc(ctx->arena, sizeof *st);
		if (st)
			memset(st, 0, sizeof *st);
		*slot = st;
	}
	return *slot;
}

sip_str auth_user(struct sip_ctx *ctx)
{
	struct auth_ctx *st = auth_cur(ctx);
	return st && st->ok ? st->user : SIP_STR_NULL;
}

sip_str auth_realm(struct sip_ctx *ctx)
{
	struct auth_ctx *st = auth_cur(ctx);
	return st && st->ok ? st->realm : SIP_STR_NULL;
}

static int auth_reply_503(struct sip_ctx *ctx)
{
	return proxy_reply_hdrs(ctx, 503, SIP_STR_LIT("Service Unavailable"),
				SIP_STR_LIT("Retry-After: 5\r\n"), ctx->txn != NULL);
}

/* The cache's clock: the loop's (monotonic), which the test engine moves
 * ahead (sipt_advance) to let cached rows expire. */
static uint64_t auth_now_ms(void)
{
	return sip_loop_clock_ms();
}

/* A row holding copies of its strings; NULL when out of memory. */
static struct auth_row *auth_row_new(int status, sip_str user, sip_str realm, sip_str pw,
				     sip_str ha1, sip_str ha1_256)
{
	size_t n = user.len + realm.len + pw.len + ha1.len + ha1_256.len;
	struct auth_row *r = sip_mem_alloc(sizeof *r + n + 1);
	if (!r)
		return NULL;
	r->size = sizeof *r + n + 1;
	r->status = status;
	r->disabled = false;
	char *p = r->data;
	sip_str *dst[5] = { &r->user, &r->realm, &r->password, &r->ha1, &r->ha1_sha256 };
	sip_str src[5] = { user, realm, pw, ha1, ha1_256 };
	for (int i = 0; i < 5; i++) {
		if (src[i].len)
			memcpy(p, src[i].s, src[i].len);
		*dst[i] = sip_str_make(p, src[i].len);
		p += src[i].len;
	}
	return r;
}

static bool auth_row_is(const struct auth_row *r, sip_str user, sip_str realm)
{
	return r && sip_str_eq(r->user, user) && sip_str_eq(r->realm, realm);
}

/* HA1 for alg from a row: the stored digest, else computed from the
 * password. SIP_OK or SIP_ENOTFOUND (no usable secret). */
static int auth_row_ha1(const struct auth_row *r, enum auth_alg alg, char *ha1, size_t *len)
{
	if (r->status != SIP_OK)
		return r->status;
	sip_str stored = alg == AUTH_SHA256 ? r->ha1_sha256 : r->ha1;
	size_t want = alg == AUTH_SHA256 ? 64 : 32;
	if (stored.len == want) {
		for (size_t i = 0; i < want; i++)
			ha1[i] = (char)(stored.s[i] | 0x20);
		ha1[want] = '\0';
		*len = want;
		return SIP_OK;
	}
	if (!r->password.len)
		return SIP_ENOTFOUND;
	*len = auth_ha1(alg, r->user, r->realm, r->password, ha1);
	return SIP_OK;
}

/* Read the row of user@realm on handle d with statement *st (prepared on
 * first use). Returns the row (its status says found or not found) or
 * NULL with *rc a database status. */
static struct auth_row *auth_read_row(db *d, db_stmt **st, sip_str user, sip_str realm, int *rc)
{
	if (!*st && (*rc = db_prepare(d, "SELECT password, ha1, ha1_sha256, disabled FROM subscriber"
				      " WHERE username = $1 AND domain = $2", st)) != SIP_OK)
		return NULL;
	*rc = db_bind_text(*st, 1, user);
	if (*rc == SIP_OK)
		*rc = db_bind_text(*st, 2, realm);
	if (*rc == SIP_OK)
		*rc = db_step(*st);
	struct auth_row *r = NULL;
	if (*rc == DB_ROW) {
		r = auth_row_new(SIP_OK, user, realm, db_column_text(*st, 0), db_column_text(*st, 1),
				 db_column_text(*st, 2));
		if (r)
			r->disabled = db_column_int(*st, 3) != 0;
	}
	else if (*rc == SIP_OK)
		r = auth_row_new(SIP_ENOTFOUND, user, realm, SIP_STR_NULL, SIP_STR_NULL, SIP_STR_NULL);
	if (!r && (*rc == DB_ROW || *rc == SIP_OK))
		*rc = SIP_NOMEM;
	db_reset(*st);
	return r;
}

static void auth_cache_put(struct auth_row *r)
{
	uint64_t now = auth_now_ms();
	pthread_mutex_lock(&auth_cache_mu);
	auth_cache_insert(&r->ce, r->user, r->realm, now);
	pthread_mutex_unlock(&auth_cache_mu);
}

/* A copy of r in a, its strings in the copy; NULL when out of memory. */
static struct auth_row *auth_row_copy(const struct auth_row *r, sip_arena *a)
{
	struct auth_row *c = sip_arena_alloc(a, r->size);
	if (!c)
		return NULL;
	memcpy(c, r, r->size);
	sip_str *s[5] = { &c->user, &c->realm, &c->password, &c->ha1, &c->ha1_sha256 };
	for (int i = 0; i < 5; i++)
		if (s[i]->s)
			s[i]->s = c->data + (s[i]->s - r->data);
	return c;
}

/* The cached row of user@realm, copied into a under the cache's lock:
 * another worker may replace or evict the entry once it is released. */
static const struct auth_row *auth_cache_get(sip_str user, sip_str realm, sip_arena *a)
{
	uint64_t now = auth_now_ms();
	const struct auth_row *r = NULL;
	pthread_mutex_lock(&auth_cache_mu);
	struct auth_cache_ent *e = auth_cache_lookup(user, realm, now);
	if (e)
		r = auth_row_copy(SIP_HTABLE_ENTRY(e, struct auth_row, ce), a);
	pthread_mutex_unlock(&auth_cache_mu);
	return r;
}

/* The subscriber table changed (its serial in sipcc_change moved): what
 * was read before may be stale (a new password, a removed subscriber). */
static void auth_cache_flush(void)
{
	pthread_mutex_lock(&auth_cache_mu);
	auth_cache_clear();
	pthread_mutex_unlock(&auth_cache_mu);
}

/* ---- the query on the worker ---- */

static int auth_job_run(db *d, void *arg)
{
	struct auth_query *q = arg;
	if (AW.d != d) {
		AW.d = d;
		AW.st = NULL;
	}
	int rc;
	q->row = auth_read_row(d, &AW.st, q->user, q->realm, &rc);
	return q->row ? SIP_OK : rc;
}

static void auth_query_unlink(struct auth_query *q)
{
	for (struct auth_query **pp = &Q.head; *pp; pp = &(*pp)->next)
		if (*pp == q) {
			*pp = q->next;
			Q.n--;
			return;
		}
}

/* Run the requests waiting for q: each finds r (its result, or the
 * failure) through Q.resuming. With the proxy stopping, only free them. */
static void auth_query_run_waiters(struct auth_query *q, const struct auth_row *r)
{
	q->waiters_run = true;
	auth_query_unlink(q);
	sip_timer_cancel(auth_wheel, &q->tm);
	while (q->waiters) {
		struct auth_waiter *wt = q->waiters;
		q->waiters = wt->next;
		if (!proxy_db_stopping()) {     /* at shutdown the proxy frees it */
			Q.resuming = r;
			proxy_resume(wt->ctx);
			Q.resuming = NULL;
		}
		sip_mem_free(wt);
	}
}

static void auth_query_free(struct auth_query *q)
{
	sip_mem_free(q->row);
	sip_mem_free(q);
}

/* Loop thread: the worker is done with q. A row found (or found missing)
 * goes to the cache; the waiters, unless the timer ran them already, run
 * with it or with the failure. */
static void auth_job_done(int status, void *arg)
{
	struct auth_query *q = arg;
	q->job_done = true;
	if (status != SIP_OK) {
		LOG_WARN("auth: cannot read subscriber " SIP_STR_FMT "@" SIP_STR_FMT ": %s",
			 SIP_STR_ARG(q->user), SIP_STR_ARG(q->realm), sip_strerror(status));
		sip_mem_free(q->row);
		q->row = auth_row_new(status, q->user, q->realm, SIP_STR_NULL, SIP_STR_NULL,
				      SIP_STR_NULL);
	}
	if (!q->waiters_run) {
		struct auth_row fail = { .status = status == SIP_OK ? SIP_NOMEM : status,
					 .user = q->user, .realm = q->realm };
		auth_query_run_waiters(q, q->row ? q->row : &fail);
	}
	if (q->row && (q->row->status == SIP_OK || q->row->status == SIP_ENOTFOUND)) {
		auth_cache_put(q->row);
		q->row = NULL;
	}
	auth_query_free(q);
}

/* The database took too long: the waiters go on with a timeout (503);
 * the query's result, when it comes, still fills the cache. */
static void auth_query_timeout(sip_timer *tm, void *arg)
{
	(void)tm;
	struct auth_query *q = arg;
	struct auth_row fail = { .status = SIP_ETIMEOUT, .user = q->user, .realm = q->realm };
	LOG_WARN("auth: no answer from the database in %d ms for " SIP_STR_FMT "@" SIP_STR_FMT,
		 AUTH_DB_WAIT_MS, SIP_STR_ARG(q->user), SIP_STR_ARG(q->realm));
	auth_query_run_waiters(q, &fail);
}

/* Queue the query for user@realm, or join the one out already, with h
 * waiting for it. SIP_OK, or why not (the caller answers 503). */
static int auth_query_start(sip_str user, sip_str realm, struct sip_ctx *ctx)
{
	struct auth_query *q;
	for (q = Q.head; q; q = q->next)
		if (sip_str_eq(q->user, user) && sip_str_eq(q->realm, realm))
			break;
	struct auth_waiter *wt = sip_mem_alloc(sizeof *wt);
	if (!wt)
		return SIP_NOMEM;
	if (!q) {
		if (Q.n >= AUTH_MAX_QUERIES) {
			sip_mem_free(wt);
			return SIP_ELIMIT;
		}
		q = sip_mem_alloc(sizeof *q + user.len + realm.len + 1);
		if (!q) {
			sip_mem_free(wt);
			return SIP_NOMEM;
		}
		memset(q, 0, sizeof *q);
		if (user.len)
			memcpy(q->key, user.s, user.len);
		if (realm.len)
			memcpy(q->key + user.len, realm.s, realm.len);
		q->key[user.len + realm.len] = '\0';
		q->user = sip_str_make(q->key, user.len);
		q->realm = sip_str_make(q->key + user.len, realm.len);
		int rc = proxy_db_submit(auth_job_run, auth_job_done, q);
		if (rc != SIP_OK) {
			sip_mem_free(q);
			sip_mem_free(wt);
			return rc;
		}
		sip_timer_init(&q->tm, auth_query_timeout, q);
		sip_timer_add(auth_wheel, &q->tm, AUTH_DB_WAIT_MS);
		q->next = Q.head;
		Q.head = q;
		Q.n++;
	}
	wt->ctx = ctx;
	wt->next = q->waiters;
	q->waiters = wt;
	return SIP_OK;
}

/* What the subscriber table holds for user@realm, into *out (its status:
 * SIP_OK or SIP_ENOTFOUND). SIP_OK, a database status, or SIP_AGAIN when
 * the message now waits for the worker to read the row (see the top of
 * the file). Only the worker reads the database. */
static int auth_fetch_row(struct sip_ctx *ctx, sip_str user, sip_str realm,
			  const struct auth_row **out)
{
	const struct auth_row *r = NULL;
	if (auth_row_is(Q.resuming, user, realm))
		r = Q.resuming;
	else
		r = auth_cache_get(user, realm, ctx->arena);
	if (r) {
		if (r->status != SIP_OK && r->status != SIP_ENOTFOUND)
			return r->status;
		*out = r;
		return SIP_OK;
	}
	if (!proxy_db())
		return SIP_EDBDOWN;
	if (!proxy_db_worker()) {
		if (!atomic_exchange(&auth_warned, true))
			LOG_ERR("auth: no database worker: subscribers not in the cache cannot be read");
		return SIP_EDBDOWN;
	}
	int rc = proxy_wait(ctx);
	if (rc == SIP_OK) {
		if ((rc = auth_query_start(user, realm, ctx)) == SIP_OK) {
			LOG_DEBUG("auth: request waits while " SIP_STR_FMT "@" SIP_STR_FMT
				  " is read from the database", SIP_STR_ARG(user), SIP_STR_ARG(realm));
			return SIP_AGAIN;
		}
		proxy_wait_cancel(ctx);
	}
	return rc == SIP_ELIMIT || rc == SIP_NOMEM || rc == SIP_ESTATE ? SIP_EDBDOWN : rc;
}

/* The stored secret of user@realm: HA1 for alg into ha1 (hex). SIP_OK,
 * SIP_ENOTFOUND (no such subscriber or no usable secret), a database
 * status, or SIP_AGAIN (auth_fetch_row). */
static int auth_fetch_ha1(struct sip_ctx *ctx, sip_str user, sip_str realm, enum auth_alg alg,
			  char *ha1, size_t *len, bool *disabled)
{
	const struct auth_row *r;
	int rc = auth_fetch_row(ctx, user, realm, &r);
	if (rc != SIP_OK)
		return rc;
	*disabled = r->status == SIP_OK && r->disabled;
	return auth_row_ha1(r, alg, ha1, len);
}

/* does_uri_exist(uri): whether user@host of uri is a subscriber (the
 * subscriber table, through the same cache and worker query as the
 * credentials): AUTH_OK, AUTH_USER_UNKNOWN, or AUTH_ERROR when the
 * database cannot tell. */
int64_t sipcc_fn_does_uri_exist(struct sip_ctx *ctx, const char *s, size_t len)
{
	sip_uri u;
	if (sip_uri_parse(sip_str_make(s, len), &u) != SIP_OK || !u.user.len || !u.host.len)
		return SIPCC_AUTH_USER_UNKNOWN;
	const struct auth_row *r;
	int rc = auth_fetch_row(ctx, u.user, u.host, &r);
	if (rc == SIP_AGAIN)
		return SIPCC_AUTH_ERROR;    /* the message waits; the route asks again */
	if (rc != SIP_OK) {
		LOG_WARN("auth: cannot read subscriber " SIP_STR_FMT "@" SIP_STR_FMT ": %s",
			 SIP_STR_ARG(u.user), SIP_STR_ARG(u.host), sip_strerror(rc));
		return SIPCC_AUTH_ERROR;
	}
	if (r->status != SIP_OK)
		return SIPCC_AUTH_USER_UNKNOWN;
	return r->disabled ? SIPCC_AUTH_USER_DISABLED : SIPCC_AUTH_OK;
}

/* ---- nonce-counts in the cluster's store (see the top of the file) ---- */

/* Store worker: compare and set the highest count of the nonce, in one
 * script. The key expires when the nonce is stale anyway. */
static int auth_nc_job_run(db *d, void *arg)
{
	struct auth_ncq *q = arg;
	int rc = proxy_store_stmt(&SW, d, "EVAL 'local c = tonumber(redis.call(\"GET\", KEYS[1]) or \"0\")"
			" if c >= tonumber(ARGV[1]) then return 0 end"
			" redis.call(\"SET\", KEYS[1], ARGV[1], \"EX\", ARGV[2]) return 1' 1 $1 $2 $3");
	if (rc == SIP_OK)
		rc = db_bind_text(SW.st, 1, sip_str_make(q->key, strlen(q->key)));
	if (rc == SIP_OK)
		rc = db_bind_int(SW.st, 2, q->nc);
	if (rc == SIP_OK)
		rc = db_bind_int(SW.st, 3, q->ttl_s);
	if (rc == SIP_OK)
		rc = db_step(SW.st);
	if (rc == DB_ROW) {
		q->verdict = db_column_int(SW.st, 0) == 1;
		rc = SIP_OK;
	} else if (rc == SIP_OK) {
		rc = SIP_EDB;       /* the script always answers */
	}
	if (SW.st)
		db_reset(SW.st);
	return rc;
}

/* Resume q's request with verdict (1, 0, or the failure's status) in its
 * auth state. The store's failures are logged once per outage. */
static void auth_nc_resume(struct auth_ncq *q, int verdict)
{
	q->waiter_run = true;
	for (struct auth_ncq **pp = &NQ.head; *pp; pp = &(*pp)->next)
		if (*pp == q) {
			*pp = q->next;
			NQ.n--;
			break;
		}
	sip_timer_cancel(auth_wheel, &q->tm);
	if (verdict < 0)
		proxy_store_outage_failed(&auth_store_outage, verdict);
	else
		proxy_store_outage_ok(&auth_store_outage);
	if (proxy_db_stopping())        /* at shutdown the proxy frees it */
		return;
	struct auth_ctx *st = auth_cur(q->ctx);
	if (st)
		st->nc_verdict = verdict;
	proxy_resume(q->ctx);
}

/* Loop thread (the worker that asked): the store answered, or failed. */
static void auth_nc_job_done(int status, void *arg)
{
	struct auth_ncq *q = arg;
	if (!q->waiter_run)
		auth_nc_resume(q, status == SIP_OK ? q->verdict : status);
	sip_mem_free(q);
}

static void auth_nc_timeout(sip_timer *tm, void *arg)
{
	(void)tm;
	auth_nc_resume(arg, SIP_ETIMEOUT);
}

/* Whether nonce-count nc of the nonce with sequence seq is new: 1 yes, 0
 * a replay; with the store SIP_AGAIN when the message now waits for its
 * answer (the route asks again and finds it in st), or the status that
 * kept the count from being checked. */
static int auth_nc_check(struct sip_ctx *ctx, struct auth_ctx *st, sip_str nonce, uint32_t seq,
			 uint32_t nc)
{
	if (!auth_nc_store)
		return auth_nc_accept(seq, nc);
	if (st->nc_val == nc && nonce.len == AUTH_NONCE_LEN
	    && memcmp(st->nc_nonce, nonce.s, AUTH_NONCE_LEN) == 0)
		return st->nc_verdict;
	if (NQ.n >= AUTH_MAX_QUERIES)
		return SIP_ELIMIT;
	int rc = proxy_wait(ctx);
	if (rc != SIP_OK)
		return rc;
	struct auth_ncq *q = sip_mem_alloc(sizeof *q);
	if (!q) {
		proxy_wait_cancel(ctx);
		return SIP_NOMEM;
	}
	memset(q, 0, sizeof *q);
	q->ctx = ctx;
	q->nc = nc;
	q->ttl_s = (int64_t)auth_conf.nonce_expire + 2;
	snprintf(q->key, sizeof q->key, "sipcc:nc:%.*s", (int)nonce.len, nonce.s);
	if ((rc = proxy_store_submit(auth_nc_job_run, auth_nc_job_done, q)) != SIP_OK) {
		sip_mem_free(q);
		proxy_wait_cancel(ctx);
		proxy_store_outage_failed(&auth_store_outage, rc);
		return rc == SIP_ESTATE ? SIP_EDBDOWN : rc;
	}
	sip_timer_init(&q->tm, auth_nc_timeout, q);
	sip_timer_add(auth_wheel, &q->tm, AUTH_DB_WAIT_MS);
	q->next = NQ.head;
	NQ.head = q;
	NQ.n++;
	memcpy(st->nc_nonce, nonce.s, AUTH_NONCE_LEN);
	st->nc_nonce[AUTH_NONCE_LEN] = '\0';
	st->nc_val = nc;
	st->nc_verdict = SIP_AGAIN;
	return SIP_AGAIN;
}

/* A failed check of credentials, at notice: what fail2ban-style tools
 * match. The source comes first and the client's strings last and
 * escaped, so nothing a client sends can forge the address a filter
 * reads. The format is documented in sipcc(1), LOGGING. */
static void auth_log_failure(struct sip_ctx *ctx, const struct auth_creds *c, sip_str realm,
			     const char *why)
{
	if (SIP_LOG_NOTICE > sip_log_level_get())
		return;
	char ip[64], user[200], rlm[200];
	sip_addr_ip(&ctx->src, ip, sizeof ip);
	bool v6 = strchr(ip, ':') != NULL;
	sip_log_quote(user, sizeof user, c->username.s, c->username.len);
	sip_log_quote(rlm, sizeof rlm, realm.s, realm.len);
	LOG_NOTICE("auth: failed: src=%s%s%s:%d transport=%s method=" SIP_STR_FMT
		   " reason=\"%s\" user=\"%s\" realm=\"%s\"", v6 ? "[" : "", ip, v6 ? "]" : "",
		   sip_addr_port(&ctx->src), ctx->sock && ctx->sock->tp ? ctx->sock->tp->name : "?",
		   SIP_STR_ARG(ctx->msg->method_str), why, user, rlm);
}

/* The local half of a check of the credentials of ctx's request for realm
 * in headers of type ty: find them, check the algorithm and the nonce.
 * SIPCC_AUTH_OK when the response remains to be checked (p is filled),
 * else what was found, an auth_result of modules/auth/auth.sipi. The
 * state says whether the nonce was stale. */
static int64_t auth_begin(struct sip_ctx *ctx, sip_str realm, int ty, struct auth_pending *p)
{
	sip_msg *m = ctx->msg;
	struct auth_ctx *st = auth_state(ctx);
	if (!st)
		return SIPCC_AUTH_ERROR;
	st->stale = false;
	st->db_error = false;
	st->disabled = false;
	if (!m->is_request || m->method == SIP_METHOD_ACK || m->method == SIP_METHOD_CANCEL)
		return SIPCC_AUTH_NO_CREDENTIALS;
	struct auth_creds *c = &p->c;
	sip_hdr *h;
	for (h = m->first[ty]; h; h = h->next_same)
		if (auth_creds_parse(h->body, c) && sip_str_eq(c->realm, realm))
			break;
	if (!h)
		return SIPCC_AUTH_NO_CREDENTIALS;
	p->hdr = h;
	p->realm = realm;
	if (!auth_alg_offered(c->alg)) {
		auth_log_failure(ctx, c, realm, c->alg == AUTH_SHA256 ? "algorithm SHA-256 not offered"
								      : "algorithm MD5 not offered");
		return SIPCC_AUTH_NO_CREDENTIALS;
	}
	int64_t now = (int64_t)time(NULL);
	switch (auth_nonce_check(c->nonce, now, &p->seq)) {
	case AUTH_NONCE_BAD:
		/* Not a guess at a password (the response is not even
		 * checked): a nonce from before a restart, or forged. */
		if (SIP_LOG_INFO <= sip_log_level_get()) {
			char user[200];
			sip_log_quote(user, sizeof user, c->username.s, c->username.len);
			LOG_INFO("auth: nonce not issued here, user=\"%s\"", user);
		}
		return SIPCC_AUTH_INVALID_NONCE;
	case AUTH_NONCE_STALE:
		st->stale = true;
		return SIPCC_AUTH_STALE_NONCE;
	case AUTH_NONCE_OK:
		break;
	}
	return SIPCC_AUTH_OK;
}

/* The response of p was checked (here or by another module): verdict is
 * SIPCC_AUTH_OK, _INVALID_PASSWORD, _USER_UNKNOWN, _USER_DISABLED (good
 * credentials of a disabled subscriber) or _ERROR (it could not be
 * checked: the challenge functions then answer 503). Spends the
 * nonce-count of good credentials, logs refused ones, and records the
 * authenticated identity. Returns the result. */
static int64_t auth_finish(struct sip_ctx *ctx, const struct auth_pending *p, int64_t verdict)
{
	struct auth_ctx *st = auth_state(ctx);
	const struct auth_creds *c = &p->c;
	if (!st)
		return SIPCC_AUTH_ERROR;
	switch (verdict) {
	case SIPCC_AUTH_OK:
	case SIPCC_AUTH_USER_DISABLED:
		break;
	case SIPCC_AUTH_USER_UNKNOWN:
		auth_log_failure(ctx, c, p->realm, "unknown user");
		return verdict;
	case SIPCC_AUTH_INVALID_PASSWORD:
		auth_log_failure(ctx, c, p->realm, "wrong password");
		return verdict;
	default:
		st->db_error = true;
		return SIPCC_AUTH_ERROR;
	}
	/* Only now does the nonce-count move, so forged requests cannot use
	 * up a client's counts. Without qop the nonce is good once. With a
	 * store the count is checked there, over every proxy: the message
	 * may wait (the route asks again and the answer is then in st). */
	int nv = auth_nc_check(ctx, st, c->nonce, p->seq, c->qop.len ? c->nc_val : 1);
	if (nv == SIP_AGAIN)
		return SIPCC_AUTH_ERROR;
	if (nv < 0) {
		st->db_error = true;        /* logged once per outage by auth_nc_check */
		return SIPCC_AUTH_ERROR;
	}
	if (!nv) {
		auth_log_failure(ctx, c, p->realm, "replayed nonce-count");
		return SIPCC_AUTH_INVALID_NONCE;
	}
	/* Only after the password matched: a guess learns nothing about
	 * whether the name exists or is disabled. */
	if (verdict == SIPCC_AUTH_USER_DISABLED) {
		auth_log_failure(ctx, c, p->realm, "disabled subscriber");
		st->disabled = true;
		return SIPCC_AUTH_USER_DISABLED;
	}
	st->ok = true;
	st->user = c->username;
	st->realm = p->realm;
	st->hdr = p->hdr;
	return SIPCC_AUTH_OK;
}

/* Check the credentials of ctx's request for realm in headers of type ty
 * against the subscriber table. Returns what was found, an auth_result
 * of modules/auth/auth.sipi (SIPCC_AUTH_OK when they are valid); the
 * state says whether the nonce was stale and whether the check could not
 * be made (the database is down: the challenge functions then answer
 * 503, nothing is sent from here). Credentials that fail for a reason a
 * password guess or a scan would produce (unknown user, wrong response,
 * a replay, an algorithm not offered) are logged by auth_log_failure(). */
static int64_t auth_authorize(struct sip_ctx *ctx, const char *rs, size_t rlen,
			      enum sip_hdr_type ty)
{
	sip_msg *m = ctx->msg;
	struct auth_pending p;
	int64_t r = auth_begin(ctx, sip_str_make(rs, rlen), ty, &p);
	if (r != SIPCC_AUTH_OK)
		return r;
	const struct auth_creds *c = &p.c;
	/* The digest-uri is not compared with the Request-URI: clients differ
	 * (sipp uses the proxy's address), and a response captured for one
	 * request cannot be reused anyway, its nonce-count being spent. */
	char ha1[AUTH_HEX_MAX + 1], want[AUTH_HEX_MAX + 1], got[AUTH_HEX_MAX + 1];
	size_t ha1_len = 0;
	bool disabled = false;
	int rc = auth_fetch_ha1(ctx, c->username, p.realm, c->alg, ha1, &ha1_len, &disabled);
	if (rc == SIP_AGAIN)
		return SIPCC_AUTH_ERROR;    /* the message waits; the route asks again */
	if (rc == SIP_ENOTFOUND)
		return auth_finish(ctx, &p, SIPCC_AUTH_USER_UNKNOWN);
	if (rc != SIP_OK) {
		if (rc == SIP_EDBDOWN || rc == SIP_ETIMEOUT)
			LOG_WARN("auth: subscriber database unavailable: %s", sip_strerror(rc));
		else
			LOG_WARN("auth: cannot read subscriber " SIP_STR_FMT ": %s",
				 SIP_STR_ARG(c->username), sip_strerror(rc));
		return auth_finish(ctx, &p, SIPCC_AUTH_ERROR);
	}
	size_t wl = auth_response(c->alg, sip_str_make(ha1, ha1_len), m->method_str, c, want);
	bool match = c->response.len == wl;
	for (size_t i = 0; match && i < wl; i++)
		got[i] = (char)(c->response.s[i] | 0x20);
	if (!match || CRYPTO_memcmp(got, want, wl) != 0)
		return auth_finish(ctx, &p, SIPCC_AUTH_INVALID_PASSWORD);
	return auth_finish(ctx, &p, disabled ? SIPCC_AUTH_USER_DISABLED : SIPCC_AUTH_OK);
}

int64_t sipcc_fn_www_authorize(struct sip_ctx *ctx, const char *realm, size_t len)
{
	return auth_authorize(ctx, realm, len, SIP_HDR_AUTHORIZATION);
}

int64_t sipcc_fn_proxy_authorize(struct sip_ctx *ctx, const char *realm, size_t len)
{
	return auth_authorize(ctx, realm, len, SIP_HDR_PROXY_AUTHORIZATION);
}

/* Send a 401/407 with a fresh nonce: one challenge per algorithm of
 * auth_conf, in its order (RFC 7616 §3.7: the preferred first). Only MD5
 * by default: many deployed clients (sipp, baresip 1.0) know only MD5,
 * and some of them give up when a challenge they cannot answer comes
 * along, even beside one they can. After a check that could not be made
 * (AUTH_ERROR) a 503 with Retry-After instead: the phone would answer a
 * challenge with credentials that cannot be checked either, in a loop. */
static bool auth_challenge(struct sip_ctx *ctx, const char *rs, size_t rlen, int code,
			   const char *hname)
{
	sip_msg *m = ctx->msg;
	if (ctx->replied || !m->is_request || m->method == SIP_METHOD_ACK)
		return false;
	struct auth_ctx *last = auth_cur(ctx);
	if (last && last->db_error)
		return auth_reply_503(ctx) == SIP_OK;
	/* A challenge would make the phone send the same good credentials
	 * again, in a loop: refuse for good, saying why. */
	if (last && last->disabled)
		return proxy_reply_hdrs(ctx, 403, SIP_STR_LIT("Subscriber Disabled"), SIP_STR_NULL,
					true) == SIP_OK;
	for (size_t i = 0; i < rlen; i++)
		if (rs[i] == '"' || rs[i] == '\\' || rs[i] == '\r' || rs[i] == '\n') {
			LOG_WARN("auth: realm '%.*s' cannot be quoted; not challenging", (int)rlen, rs);
			return false;
		}
	char nonce[AUTH_NONCE_LEN + 1];
	auth_nonce_make((int64_t)time(NULL), nonce);
	struct auth_ctx *st = auth_cur(ctx);
	bool stale = st && st->stale;
	sip_str one[AUTH_NALGS];
	size_t total = 0;
	for (unsigned i = 0; i < auth_conf.n_algs; i++) {
		one[i] = sip_arena_printf(ctx->arena,
			"%s: Digest realm=\"%.*s\", nonce=\"%s\", qop=\"auth\", algorithm=%s%s\r\n",
			hname, (int)rlen, rs, nonce, auth_alg_name(auth_conf.algs[i]),
			stale ? ", stale=true" : "");
		if (!one[i].len)
			return false;
		total += one[i].len;
	}
	char *p = sip_arena_alloc(ctx->arena, total + 1);
	if (!p || !total)
		return false;
	sip_str hdrs = sip_str_make(p, total);
	for (unsigned i = 0; i < auth_conf.n_algs; i++) {
		memcpy(p, one[i].s, one[i].len);
		p += one[i].len;
	}
	sip_str reason = code == 401 ? SIP_STR_LIT("Unauthorized")
				     : SIP_STR_LIT("Proxy Authentication Required");
	/* Through a server transaction, so a retransmitted request gets this
	 * challenge (the same nonce) again, and the ACK of a 407 is absorbed. */
	return proxy_reply_hdrs(ctx, code, reason, hdrs, true) == SIP_OK;
}

int64_t sipcc_fn_www_challenge(struct sip_ctx *ctx, const char *realm, size_t len)
{
	return auth_challenge(ctx, realm, len, 401, "WWW-Authenticate");
}

int64_t sipcc_fn_proxy_challenge(struct sip_ctx *ctx, const char *realm, size_t len)
{
	return auth_challenge(ctx, realm, len, 407, "Proxy-Authenticate");
}

int64_t sipcc_fn_consume_credentials(struct sip_ctx *ctx)
{
	struct auth_ctx *st = auth_cur(ctx);
	if (!st || !st->ok || !st->hdr || ctx->prepared)
		return 0;
	int rc = sip_msg_remove_hdr(ctx->msg, st->hdr);
	st->hdr = NULL;
	return rc == SIP_OK;
}

/* user@host of a name-addr against the authenticated identity. */
static bool auth_owns(struct sip_ctx *ctx, sip_naddr *a)
{
	struct auth_ctx *st = auth_cur(ctx);
	if (!st || !st->ok || !a || !a->uri.is_sip)
		return false;
	return sip_str_eq(a->uri.user, st->user) && sip_str_caseeq(a->uri.host, st->realm);
}

int64_t sipcc_fn_check_from(struct sip_ctx *ctx)
{
	return auth_owns(ctx, sip_msg_from(ctx->msg));
}

int64_t sipcc_fn_check_to(struct sip_ctx *ctx)
{
	return auth_owns(ctx, sip_msg_to(ctx->msg));
}

void sipcc_pv_au_get(struct sip_ctx *ctx, sip_str *out)
{
	*out = auth_user(ctx);
}

void sipcc_pv_ar_get(struct sip_ctx *ctx, sip_str *out)
{
	*out = auth_realm(ctx);
}

/* For a module that checks the response elsewhere (radius). */
static const struct auth_api auth_api = {
	.begin = auth_begin,
	.finish = auth_finish,
};

sipcc_module sipcc_module_auth = {
	.name = "auth",
	.api = &auth_api,
	.init = auth_module_init,
	.destroy = auth_module_destroy,
	.worker_start = auth_worker_start,
	.worker_stop = auth_worker_stop,
	/* The cache is shared under its mutex, the queries are per worker,
	 * the nonces atomic (see the top of the file and digest.c). */
	.workers_safe = true,
};
