/* The location shared by the proxies of one service (cluster.store,
 * proxy/modules.h). Each proxy keeps its table in memory as the read path
 * (lookup() stays a lock and a copy); what changes is where the
 * write-through goes and what else comes in:
 *
 * - A REGISTER's write-through goes to the store (its worker), and the
 *   write announces the address-of-record: pg_notify in the write's
 *   transaction on PostgreSQL, PUBLISH in the write's script on Redis
 *   (reg_store.c). A store known to be down answers 503 at once.
 * - Every proxy listens for those announcements on a connection of its
 *   own (db/db_listen.h); worker 0 reads the addresses-of-record named
 *   back from the store and makes memory what the store holds
 *   (reg_sync_async: nothing written back, no event raised twice).
 *   Announcements of its own writes are read back too: the read is
 *   queued behind the write on the store's worker, so it can only confirm
 *   it, and it repairs memory after a read that overtook a local change.
 * - Everything is read again from the store when the store becomes usable
 *   (start-up, after an outage), when the listener connected (notices may
 *   have been missed meanwhile), and every registrar.cluster_sync seconds
 *   as a safety net; with a SQL store that has no notifications (not
 *   PostgreSQL) that is the only way changes of other proxies arrive.
 *   Before that read, a Redis that came back without its data (restarted
 *   without persistence) gets the bindings memory holds written back
 *   (reg_store_check_async), so the registrations outlive it.
 *
 * Everything here runs on worker 0 (the store's callbacks, the listener's
 * descriptor, the timer), so its state needs no lock; only whether the
 * store was ready once is read by every worker (a REGISTER's write). */
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include "core/log.h"
#include "core/status.h"
#include "db/db_listen.h"
#include "net/loop.h"
#include "proxy/host.h"
#include "registrar/reg_int.h"

void reg_share_init(sip_timer_wheel *w);
void reg_share_destroy(void);
bool reg_share_on(void);

/* Addresses-of-record announced and not read yet; beyond this, a full
 * reload instead. */
#define REG_SHARE_PENDING_MAX 1024
/* Addresses-of-record read back per store job. */
#define REG_SHARE_BATCH 64
#define REG_SHARE_TICK_MS 1000
/* How many times a full read waits for failed writes to be retried. */
#define REG_SHARE_DIRTY_WAIT 10

static struct {
	bool on;                       /* cluster.store is set */
	atomic_bool ready;             /* the store was ready once: jobs go */
	unsigned sync_s;               /* registrar.cluster_sync */
	unsigned since_sync;           /* seconds since the last full read */
	bool want_all;                 /* a full read is due */
	bool tell;                     /* its count is worth a notice */
	bool checking;                 /* whether Redis lost the location */
	bool checked;                  /* and the answer is in, for the next read */
	unsigned dirty_waits;          /* kicks the full read waited for retries */
	db_listener *listener;
	sip_loop *loop;
	sip_timer_wheel *w;
	sip_timer tm;
	unsigned n;
	sip_str pending[REG_SHARE_PENDING_MAX];
} S;

bool reg_share_on(void)
{
	return S.on;
}

static bool reg_share_ready(void)
{
	return atomic_load_explicit(&S.ready, memory_order_acquire) && proxy_store_up();
}

static const struct reg_writer reg_share_writer = { reg_share_ready, proxy_store_submit };

/* A full read ended; arg non-NULL when the store just became usable (at
 * start-up, after an outage), which is worth a notice. */
static void reg_share_loaded(long n, void *arg)
{
	if (n < 0)
		LOG_WARN("registrar: cannot read the bindings from the shared store: %s",
			 sip_strerror((int)n));
	else if (arg)
		LOG_NOTICE("registrar: %ld bindings read from the shared store", n);
	else
		LOG_INFO("registrar: %ld bindings read from the shared store", n);
}

static void reg_share_read(long n, void *arg)
{
	(void)arg;
	if (n < 0)
		LOG_WARN("registrar: cannot read changed bindings from the shared store: %s",
			 sip_strerror((int)n));
}

static void reg_share_forget_pending(unsigned k)
{
	for (unsigned i = 0; i < k; i++)
		sip_mem_free((char *)S.pending[i].s);
	memmove(S.pending, S.pending + k, (S.n - k) * sizeof S.pending[0]);
	S.n -= k;
}

static void reg_share_checked(long r, void *arg);

/* Queue what is due: the full read (once no write waits to be retried, or
 * after REG_SHARE_DIRTY_WAIT tries), else the announced addresses-of-record. What
 * cannot be queued now (store down, queue full) stays for the next tick;
 * when the store comes back a full read follows anyway. */
static void reg_share_kick(void)
{
	if (!reg_share_ready() || S.checking)
		return;
	int64_t now = (int64_t)time(NULL);
	if (S.want_all) {
		/* Writes to retry go first (their bindings are kept by the
		 * read in any case, but each costs it a search), for a while. */
		if (reg_dirty_count() && ++S.dirty_waits < REG_SHARE_DIRTY_WAIT)
			return;
		S.dirty_waits = 0;
		/* Whatever made the read due (the store or the listener back
		 * after an outage), a Redis that restarted empty gets memory
		 * back first (reg_store_check_async): the read then finds the
		 * bindings instead of dropping them. */
		if (!S.checked) {
			int rc = reg_store_check_async(reg_share_checked, NULL);
			if (rc == SIP_OK) {
				S.checking = true;
				return;
			}
			if (rc != SIP_DECLINED)
				return;
		}
		if (reg_sync_async(NULL, 0, now, reg_share_loaded, S.tell ? &S : NULL) == SIP_OK) {
			S.want_all = false;
			S.tell = false;
			S.checked = false;
			S.since_sync = 0;
			reg_share_forget_pending(S.n);
		}
		return;
	}
	while (S.n) {
		unsigned k = S.n < REG_SHARE_BATCH ? S.n : REG_SHARE_BATCH;
		LOG_DEBUG("registrar: reading %u changed addresses-of-record (" SIP_STR_FMT "...)",
			  k, SIP_STR_ARG(S.pending[0]));
		if (reg_sync_async(S.pending, k, now, reg_share_read, NULL) != SIP_OK)
			return;
		reg_share_forget_pending(k);
	}
}

/* One announcement (payload: the address-of-record), or NULL: the
 * listener connected, what was announced meanwhile is unknown. */
static void reg_share_notified(const char *payload, size_t len, void *arg)
{
	(void)arg;
	if (!payload) {
		S.want_all = true;
		return;
	}
	if (S.want_all || !len)
		return;
	sip_str aor = sip_str_make(payload, len);
	for (unsigned i = 0; i < S.n; i++)
		if (sip_str_eq(S.pending[i], aor))
			return;
	char *copy = S.n < REG_SHARE_PENDING_MAX ? sip_mem_alloc(len + 1) : NULL;
	if (!copy) {
		S.want_all = true;
		return;
	}
	memcpy(copy, payload, len);
	copy[len] = '\0';
	S.pending[S.n++] = sip_str_make(copy, len);
}

/* The check before a full read ended (and what memory had is queued back
 * to a store that lost it): the read may go. */
static void reg_share_checked(long r, void *arg)
{
	(void)arg;
	S.checking = false;
	S.checked = r >= 0;
	if (r < 0)
		LOG_WARN("registrar: cannot ask the store whether it kept the location: %s",
			 sip_strerror((int)r));
	reg_share_kick();
}

static void reg_share_io(sip_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop, (void)fd, (void)events, (void)arg;
	db_listen_drain(S.listener);
	reg_share_kick();
}

/* Worker 0, each time the store becomes usable: writes go to it,
 * everything is read again, and the listener starts (once; it reconnects
 * by itself). */
static void reg_share_store_ready(void)
{
	atomic_store_explicit(&S.ready, true, memory_order_release);
	S.want_all = S.tell = true;
	const char *url = proxy_store_url();
	if (!S.listener && S.loop && db_listen_supported(url)) {
		const char *ch = strcmp(proxy_store_backend(), "redis") == 0 ? REG_SHARE_CHANNEL_REDIS
									     : REG_SHARE_CHANNEL_SQL;
		int rc = db_listen_start(url, ch, reg_share_notified, NULL, &S.listener);
		if (rc == SIP_OK && sip_loop_add_fd(S.loop, db_listen_fd(S.listener), reg_share_io,
						    NULL) != SIP_OK) {
			db_listen_stop(S.listener);
			S.listener = NULL;
			rc = SIP_EIO;
		}
		if (rc != SIP_OK)
			LOG_ERR("registrar: cannot listen for the other proxies' changes: %s; they are"
				" read every registrar.cluster_sync seconds", sip_strerror(rc));
	}
	reg_share_kick();
}

static void reg_share_tick(sip_timer *tm, void *arg)
{
	(void)arg;
	if (S.sync_s && ++S.since_sync >= S.sync_s)
		S.want_all = true;
	reg_share_kick();
	sip_timer_add(S.w, tm, REG_SHARE_TICK_MS);
}

/* From the module's init, when cluster.store is set: bindings go to the
 * store (reg_set_share) once it is ready. */
void reg_share_init(sip_timer_wheel *w)
{
	const char *be = proxy_store_backend();
	bool redis = be && strcmp(be, "redis") == 0;
	int64_t v = sipcc_setting_int_range("registrar", "cluster_sync", 60, 0, 86400);
	memset(&S, 0, sizeof S);
	S.on = true;
	S.sync_s = (unsigned)v;
	S.loop = proxy_host_loop();
	S.w = w;
	reg_set_share(redis ? REG_SHARE_REDIS : REG_SHARE_SQL, be && strcmp(be, "postgres") == 0,
		      proxy_cluster_node());
	if (!redis && !(be && strcmp(be, "postgres") == 0))
		LOG_NOTICE("registrar: a %s store has no notifications: the other proxies' bindings"
			   " are read every registrar.cluster_sync seconds", be ? be : "SQL");
	/* The writer from the start: until the store was ready once, a
	 * REGISTER is answered 503 rather than kept by this proxy alone. */
	reg_set_writer(&reg_share_writer);
	proxy_store_want(reg_share_store_ready);
	sip_timer_init(&S.tm, reg_share_tick, NULL);
	sip_timer_add(w, &S.tm, REG_SHARE_TICK_MS);
}

void reg_share_destroy(void)
{
	if (!S.on)
		return;
	if (S.w)
		sip_timer_cancel(S.w, &S.tm);
	if (S.listener) {
		if (S.loop)
			sip_loop_del_fd(S.loop, db_listen_fd(S.listener));
		db_listen_stop(S.listener);
	}
	reg_share_forget_pending(S.n);
	memset(&S, 0, sizeof S);
	reg_set_share(REG_SHARE_NONE, false, NULL);
}
