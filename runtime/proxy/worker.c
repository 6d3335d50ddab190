/* Worker threads and the hand-off of messages to the worker that owns
 * them (see worker.h). */
#include "proxy/worker.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include "core/arena.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/mpsc.h"
#include "core/stats.h"
#include "core/status.h"
#include "core/worker.h"
#include "proxy/modules.h"
#include "proxy/worker_int.h"
#include "txn/txn.h"

/* At most this many handed-off messages a wakeup, so that the owner's own
 * socket and timers get their turn under a flood; the rest wait for the
 * next turn of the loop (the eventfd is made readable again). */
#define HANDOFF_BATCH 256
/* Messages a worker may have waiting from the others: beyond, one that
 * stalls (a policy stuck in a long computation) makes the others drop
 * what they read for it, as a full socket buffer would, instead of
 * growing without bound. */
#define HANDOFF_MAX 65536

struct proxy_workers W = { .n = 1 };

/* ---- ownership ---- */

static bool is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static bool eq_case(const char *a, size_t n, const char *lit)
{
	size_t m = strlen(lit);
	if (n != m)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(a[i]) != lit[i])
			return false;
	return true;
}

/* The value of the first header line named name (lowercase) or compact
 * (its one-letter form), without the whitespace around it. Lines end in
 * CRLF or a bare LF; a line that starts with whitespace continues the
 * previous one and is skipped; the empty line ends the search. */
static bool hdr_first(const char *buf, size_t len, const char *name, const char *compact,
		      sip_str *out)
{
	const char *p = memchr(buf, '\n', len), *end = buf + len;
	while (p && ++p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end;
		const char *l = le;
		if (l > p && l[-1] == '\r')
			l--;
		if (l == p)
			return false;           /* end of the headers */
		if (!is_ws(*p)) {
			const char *c = memchr(p, ':', (size_t)(l - p));
			if (c) {
				const char *ne = c;
				while (ne > p && is_ws(ne[-1]))
					ne--;
				if (eq_case(p, (size_t)(ne - p), name) ||
				    eq_case(p, (size_t)(ne - p), compact)) {
					const char *v = c + 1;
					while (v < l && is_ws(*v))
						v++;
					const char *ve = l;
					while (ve > v && is_ws(ve[-1]))
						ve--;
					*out = sip_str_make(v, (size_t)(ve - v));
					return true;
				}
			}
		}
		p = eol;
	}
	return false;
}

/* The branch parameter of the first Via value of via (up to a comma). */
static sip_str via_branch(sip_str via)
{
	const char *p = via.s, *end = via.s + via.len;
	const char *comma = memchr(p, ',', via.len);
	if (comma)
		end = comma;
	while ((p = memchr(p, ';', (size_t)(end - p)))) {
		p++;
		while (p < end && is_ws(*p))
			p++;
		const char *n = p;
		while (p < end && *p != '=' && *p != ';' && !is_ws(*p))
			p++;
		if (!eq_case(n, (size_t)(p - n), "branch"))
			continue;
		while (p < end && is_ws(*p))
			p++;
		if (p == end || *p != '=')
			continue;
		p++;
		while (p < end && is_ws(*p))
			p++;
		const char *v = p;
		while (p < end && *p != ';' && !is_ws(*p))
			p++;
		return sip_str_make(v, (size_t)(p - v));
	}
	return SIP_STR_NULL;
}

unsigned proxy_callid_owner(sip_str callid, unsigned n)
{
	if (n <= 1)
		return 0;
	/* FNV-1a's low bits are weak: mix, then scale to n by the high bits. */
	uint32_t h = sip_hash_str(callid);
	h ^= h >> 16;
	h *= 0x45d9f3bu;
	h ^= h >> 16;
	return (unsigned)(((uint64_t)h * n) >> 32);
}

/* The worker of the id in the top Via's branch when by_branch and the
 * branch is ours, else of the Call-ID; -1 without a Call-ID. */
static int owner_of(const char *buf, size_t len, unsigned n, bool by_branch)
{
	sip_str v;
	if (by_branch && hdr_first(buf, len, "via", "v", &v)) {
		int w = txn_branch_worker(via_branch(v));
		if (w >= 0 && (unsigned)w < n)
			return w;
	}
	if (!hdr_first(buf, len, "call-id", "i", &v) || !v.len)
		return -1;
	return (int)proxy_callid_owner(v, n);
}

int proxy_msg_owner(const char *buf, size_t len, unsigned n)
{
	if (n <= 1)
		return 0;
	while (len && (*buf == '\r' || *buf == '\n' || *buf == ' ' || *buf == '\0')) {
		buf++;
		len--;
	}
	if (len < 8)
		return -1;
	return owner_of(buf, len, n, memcmp(buf, "SIP/2.0 ", 8) == 0);
}

int proxy_sent_owner(const char *buf, size_t len, unsigned n)
{
	if (n <= 1)
		return 0;
	return owner_of(buf, len, n, len >= 8 && memcmp(buf, "SIP/2.0 ", 8) != 0);
}

/* ---- hand-off ---- */

void worker_wake(struct worker *w)
{
	uint64_t one = 1;
	while (write(w->efd, &one, sizeof one) < 0 && errno == EINTR)
		;
}

/* Put h on worker o's queue and wake its loop when the queue was empty. */
static void handoff_push(unsigned o, struct handoff *h)
{
	if (sip_mpsc_push(&W.w[o].q, &h->node))
		worker_wake(&W.w[o]);
}

/* A hand-off item holding a copy of datagram buf (from or to addr on
 * sock), for no call; NULL without memory. */
static struct handoff *handoff_copy(sip_socket *sock, const sip_addr *addr, const char *buf,
				    size_t len)
{
	struct handoff *h = sip_mem_alloc(sizeof *h + len + 1);
	if (!h)
		return NULL;
	h->fn = NULL;
	h->arg = NULL;
	h->sock = sock;
	h->src = *addr;
	h->len = len;
	memcpy(h->buf, buf, len);
	h->buf[len] = '\0';
	return h;
}

static struct handoff *handoff_of(sip_mpsc_node *n)
{
	return (struct handoff *)((char *)n - offsetof(struct handoff, node));
}

/* The transport's dispatch hook on every worker: a message another
 * worker owns goes to it, a datagram read on any worker's socket as a
 * message read from a stream connection on worker 0 (the owner's replies
 * to it are posted back to worker 0, tcp.c). A stream's messages are
 * handed over in the order they were read, as the datagrams of a socket
 * are. */
static bool dispatch(sip_socket *sock, const sip_addr *src, const char *buf, size_t len)
{
	if (sock->tp->caps & TP_CAP_INTERNAL)
		return false;
	int o = proxy_msg_owner(buf, len, W.n);
	if (o < 0 || (unsigned)o == sip_worker_id)
		return false;
	struct worker *me = &W.w[sip_worker_id];
	if (__atomic_load_n(&W.w[o].backlog, __ATOMIC_RELAXED) >= HANDOFF_MAX) {
		__atomic_store_n(&me->dropped, me->dropped + 1, __ATOMIC_RELAXED);
		LOG_WARN("worker %d has %d messages waiting: message dropped", o, HANDOFF_MAX);
		return true;
	}
	struct handoff *h = handoff_copy(sock, src, buf, len);
	if (!h) {
		LOG_ERR("out of memory: message of %zu bytes for worker %d dropped", len, o);
		return true;
	}
	__atomic_store_n(&me->handed, me->handed + 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&W.w[o].backlog, 1, __ATOMIC_RELAXED);
	handoff_push((unsigned)o, h);
	return true;
}

/* A send that failed, reported on the worker that owns it. */
static void send_error_run(void *arg)
{
	struct handoff *h = arg;
	tp_send_error_here(h->sock, &h->src, h->buf, h->len);
}

/* The transport's send-error hook: an ICMP error read on one worker's
 * socket for a datagram another worker sent goes to that worker, found
 * from the quoted datagram (the branch of the request's top Via, which
 * the sender wrote, else its Call-ID). The item carries itself as the
 * call's argument: the hand-off frees it after the call. */
static bool send_error_dispatch(sip_socket *sock, const sip_addr *dst, const char *buf, size_t len)
{
	int o = proxy_sent_owner(buf, len, W.n);
	if (o < 0 || (unsigned)o == sip_worker_id)
		return false;
	struct handoff *h = handoff_copy(sock, dst, buf, len);
	if (!h)
		return false;
	h->fn = send_error_run;
	h->arg = h;
	handoff_push((unsigned)o, h);
	return true;
}

/* The owner's eventfd: hand the queued messages up, oldest first. */
static void on_handoff(sip_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)events;
	struct worker *w = arg;
	uint64_t v;
	while (read(fd, &v, sizeof v) < 0 && errno == EINTR)
		;
	sip_mpsc_rearm(&w->q);
	bool batched = tp_udp_batch_begin();
	unsigned k = 0, msgs = 0;
	for (; k < HANDOFF_BATCH; k++) {
		sip_mpsc_node *n = sip_mpsc_pop(&w->q);
		if (!n)
			break;
		struct handoff *h = handoff_of(n);
		if (h->fn) {
			h->fn(h->arg);
		} else {
			tp_deliver_here(h->sock, &h->src, h->buf, h->len);
			msgs++;
		}
		sip_mem_free(h);
	}
	tp_udp_batch_end(batched);
	if (msgs)
		__atomic_fetch_sub(&w->backlog, msgs, __ATOMIC_RELAXED);
	if (k == HANDOFF_BATCH)
		worker_wake(w);        /* more left: come back after the others */
}

/* At exit: messages are dropped; calls still run (they free what they
 * own). */
void worker_drain(struct worker *w)
{
	for (sip_mpsc_node *n; (n = sip_mpsc_pop(&w->q));) {
		struct handoff *h = handoff_of(n);
		if (h->fn && h->fn != send_error_run)
			h->fn(h->arg);
		sip_mem_free(h);
	}
}

int proxy_worker_post(unsigned id, void (*fn)(void *arg), void *arg)
{
	if (id == sip_worker_id || W.n <= 1 || !W.w || id >= W.n) {
		fn(arg);
		return SIP_OK;
	}
	struct handoff *h = sip_mem_alloc(sizeof *h);
	if (!h)
		return SIP_NOMEM;
	memset(h, 0, sizeof *h);
	h->fn = fn;
	h->arg = arg;
	handoff_push(id, h);
	return SIP_OK;
}

int64_t proxy_workers_handed(void)
{
	int64_t n = 0;
	for (unsigned i = 0; i < W.n; i++)
		n += __atomic_load_n(&W.w[i].handed, __ATOMIC_RELAXED);
	return n;
}

static int64_t dropped_stat(void)
{
	int64_t n = 0;
	for (unsigned i = 0; i < W.n; i++)
		n += __atomic_load_n(&W.w[i].dropped, __ATOMIC_RELAXED);
	return n;
}

/* ---- threads ---- */

int proxy_workers_plan(unsigned requested, unsigned ncpu)
{
	const char *unsafe = proxy_modules_unsafe();
	if (requested > SIP_WORKERS_MAX) {
		LOG_ERR("--workers %u: at most %u workers", requested, SIP_WORKERS_MAX);
		return -1;
	}
	if (requested > 1) {
		if (unsafe) {
			LOG_ERR("--workers %u refused: the policy uses module %s, which runs with one "
				"worker only; use --workers 1", requested, unsafe);
			return -1;
		}
		return (int)requested;
	}
	if (requested == 1 || ncpu <= 1)
		return 1;
	if (unsafe) {
		LOG_NOTICE("running one worker: the policy uses module %s, which runs with one "
			   "worker only", unsafe);
		return 1;
	}
	return (int)(ncpu < SIP_WORKERS_MAX ? ncpu : SIP_WORKERS_MAX);
}

unsigned proxy_workers_cpus(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
		return (unsigned)CPU_COUNT(&set);
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

static int64_t handed_stat(void)
{
	return proxy_workers_handed();
}

int proxy_workers_setup(sip_loop *main, unsigned n)
{
	if (n < 1)
		n = 1;
	W.n = n;
	sip_workers_n = n;
	if (n == 1)
		return SIP_OK;
	if (!(W.w = sip_mem_alloc(n * sizeof *W.w)))
		return SIP_NOMEM;
	memset(W.w, 0, n * sizeof *W.w);
	for (unsigned i = 0; i < n; i++) {
		struct worker *w = &W.w[i];
		w->id = i;
		w->efd = -1;
		sip_mpsc_init(&w->q);
		if (i == 0) {
			w->loop = main;
		} else {
			if (sip_loop_init(&w->own) != SIP_OK)
				return SIP_EIO;
			w->loop = &w->own;
		}
		w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (w->efd < 0 || sip_loop_add_fd(w->loop, w->efd, on_handoff, w) != SIP_OK) {
			LOG_ERR("cannot set up worker %u: %s", i, strerror(errno));
			return SIP_EIO;
		}
	}
	tp_reuseport = true;
	tp_set_dispatch(dispatch);
	tp_set_send_error_dispatch(send_error_dispatch);
	tp_set_post(proxy_worker_post);
	sip_stat_counter_fn("core.handoff_messages", handed_stat);
	sip_stat_counter_fn("core.handoff_dropped", dropped_stat);
	return SIP_OK;
}

int proxy_workers_listen(sip_socket *s)
{
	if (W.n <= 1 || s->tp != &tp_udp)
		return SIP_OK;
	sip_loop *loops[SIP_WORKERS_MAX];
	for (unsigned i = 0; i < W.n; i++)
		loops[i] = W.w[i].loop;
	return tp_add_twins(s, loops, W.n);
}

void worker_teardown(void)
{
	tp_set_dispatch(NULL);
	tp_set_send_error_dispatch(NULL);
	for (unsigned i = 0; i < W.n; i++) {
		struct worker *w = &W.w[i];
		worker_drain(w);
		if (w->efd >= 0) {
			sip_loop_del_fd(w->loop, w->efd);
			close(w->efd);
		}
		if (i)
			sip_loop_destroy(&w->own);
	}
	tp_set_post(NULL);
	sip_mem_free(W.w);
	W.w = NULL;
	W.n = 1;
	sip_workers_n = 1;
}
