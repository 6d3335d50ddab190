/* TCP transport (RFC 3261 §18): a listening socket per listen address and
 * connections in the epoll loop, both accepted ones and those the proxy
 * opens. Connections are kept in one table keyed by peer address and
 * listening socket, so a reply goes back over the connection its request
 * came on (the upper layer sends it to the request's source address) and
 * requests to a destination reuse the connection already open to it.
 *
 * Every received buffer is framed with sip_msg_frame (Content-Length is
 * mandatory on streams); CRLF keep-alives between messages are skipped
 * and a double-CRLF ping is answered with a CRLF pong (RFC 5626 §3.5.1).
 * TLS plugs its I/O in through struct tcp_io.
 *
 * With several workers (tp_set_post) every listening socket and
 * connection is on worker 0's loop: the messages it reads go to their
 * owners through tp_deliver's dispatch hook, and a send on another worker
 * is posted to worker 0 (send_remote). */
#include "net/tcp_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include "core/arena.h"
#include "core/hash.h"
#include "core/htable.h"
#include "core/log.h"
#include "core/status.h"
#include "core/worker.h"
#include "net/ban.h"
#include "net/limits.h"
#include "sip/msg.h"

/* The limits of net/limits.h (tcp.* settings). */
#define TCP_IDLE_MS     (tp_limits.tcp_idle_ms)
#define TCP_MAX_CONNS   (tp_limits.tcp_max_conns)
#define TCP_MAX_RBUF    (tp_limits.tcp_max_rbuf)
#define TCP_MAX_WBUF    (tp_limits.tcp_max_wbuf)
#define TCP_HASH_BITS   8           /* to start with; grows */

/* How long a listening socket stops accepting when the process is out of
 * descriptors or memory. */
#define TCP_ACCEPT_PAUSE_MS 100u
/* Handshake steps (TLS: a few ms of CPU each, the server's signature)
 * taken per batch of events the loop dispatches. A batch has up to 64
 * events: with thousands of clients connecting at once (a restart, a
 * network coming back), steps for all of them would hold every other
 * descriptor of the loop, UDP included, for a quarter of a second a
 * batch. The others wait for later batches: epoll reports a socket
 * with input again (level-triggered) and moves it behind the ones it
 * just reported, so those waiting take their turn. */
#define TCP_HANDSHAKES_PER_BATCH 4u

struct tcp_lsock {
	sip_loop *loop;
	const struct tcp_io *io;
	const struct tcp_framer *framer;
	sip_socket *sock;
	sip_timer pause;            /* armed while accepts are paused */
	unsigned n_conns;           /* open (atomic: read on any worker) */
};

static sip_htable conns;            /* by peer address; set up on first use */
static sip_loop *tcp_loop;
/* Several workers (tp_set_post): the connections live on worker 0, which
 * alone changes the table, under conns_lock; the other workers only look
 * up in it (tp_conn_open), under the lock too. With one worker the lock
 * is never taken. */
static tp_post_fn stream_post;
static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
/* A descriptor kept open for the moment the process runs out: closing it
 * lets one accept() succeed, so a waiting connection can be closed instead
 * of staying in the backlog (libuv's and nginx's EMFILE trick). */
static int reserve_fd = -1;

static ssize_t plain_read(struct tcp_conn *c, void *buf, size_t n)
{
	return read(c->fd, buf, n);
}

static ssize_t plain_write(struct tcp_conn *c, const void *buf, size_t n)
{
	return send(c->fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static const struct tcp_io plain_io = { NULL, plain_read, plain_write, NULL, NULL, NULL };

/* The counts are kept apart from the table (atomics, changed where a
 * connection enters or leaves it) so that a statistic read on any worker
 * (a policy's route) needs no lock and no walk. */
static unsigned conns_open;
/* The bytes of the connections' read buffers. */
static size_t rbuf_bytes;
/* Handshake steps left for a later batch of events (handshake_turn). */
static unsigned long handshakes_deferred;

unsigned tcp_conn_count(void)
{
	return __atomic_load_n(&conns_open, __ATOMIC_RELAXED);
}

size_t tcp_read_buffer_bytes(void)
{
	return __atomic_load_n(&rbuf_bytes, __ATOMIC_RELAXED);
}

unsigned long tcp_handshakes_deferred(void)
{
	return __atomic_load_n(&handshakes_deferred, __ATOMIC_RELAXED);
}

unsigned tcp_conn_count_tp(const sip_transport *tp)
{
	unsigned n = 0;
	for (const sip_socket *s = tp_sockets(); s; s = s->next)
		if (s->tp == tp && s->priv) {
			const struct tcp_lsock *l = s->priv;
			n += __atomic_load_n(&l->n_conns, __ATOMIC_RELAXED);
		}
	return n;
}

/* The peer's address and port. */
static uint32_t addr_hash(const sip_addr *a)
{
	uint16_t port = (uint16_t)sip_addr_port(a);
	uint32_t h = sip_hash_bytes(&port, sizeof port);
	if (a->u.sa.sa_family == AF_INET)
		return sip_hash_more(h, &a->u.in.sin_addr, 4);
	return sip_hash_more(h, &a->u.in6.sin6_addr, 16);
}

/* What a connection is looked up by: its socket, or only its socket's
 * transport, and the peer. Connections being closed are skipped. */
struct conn_key {
	const sip_socket *sock;
	const sip_transport *tp;
	const sip_addr *peer;
};

static bool conn_eq(const sip_hlink *l, const void *arg)
{
	const struct tcp_conn *c = SIP_HTABLE_ENTRY(l, struct tcp_conn, hlink);
	const struct conn_key *k = arg;
	return (k->sock ? c->sock == k->sock : c->sock->tp == k->tp) && !c->dead &&
	       sip_addr_eq(&c->peer, k->peer);
}

static struct tcp_conn *conn_lookup(const struct conn_key *k)
{
	sip_hlink *l = sip_htable_find(&conns, addr_hash(k->peer), conn_eq, k);
	return l ? SIP_HTABLE_ENTRY(l, struct tcp_conn, hlink) : NULL;
}

static struct tcp_conn *conn_find(const sip_socket *sock, const sip_addr *peer)
{
	struct conn_key k = { sock, NULL, peer };
	return conn_lookup(&k);
}

static const char *conn_name(const struct tcp_conn *c, char *buf, size_t sz)
{
	char ip[64];
	snprintf(buf, sz, "%s %s:%d", c->sock->tp->name, sip_addr_ip(&c->peer, ip, sizeof ip),
		 sip_addr_port(&c->peer));
	return buf;
}

/* Report the whole messages still queued on a connection that failed, so
 * that the transactions that sent them end (RFC 3261 §16.9: 503). */
static void conn_report_unsent(struct tcp_conn *c)
{
	size_t off = c->woff;
	while (off < c->wlen && !c->framer) {
		long n = sip_msg_frame(c->wbuf + off, c->wlen - off);
		if (n <= 0)
			break;
		tp_send_error(c->sock, &c->peer, c->wbuf + off, (size_t)n);
		off += (size_t)n;
	}
	c->woff = c->wlen = 0;
}

static void conn_rbuf_free(struct tcp_conn *c)
{
	__atomic_fetch_sub(&rbuf_bytes, c->rcap, __ATOMIC_RELAXED);
	sip_mem_free(c->rbuf);
	c->rbuf = NULL;
	c->rcap = c->rlen = 0;
}

/* Close and free c, or mark it for its handler to close. */
static void conn_close(struct tcp_conn *c)
{
	if (c->busy) {
		c->dead = true;
		return;
	}
	if (c->connecting || c->wlen > c->woff) {
		c->dead = true;     /* conn_find skips it while the errors are reported */
		c->busy = true;
		conn_report_unsent(c);
		c->busy = false;
	}
	if (stream_post)
		pthread_mutex_lock(&conns_lock);
	sip_htable_remove(&conns, &c->hlink);
	if (stream_post)
		pthread_mutex_unlock(&conns_lock);
	__atomic_fetch_sub(&conns_open, 1, __ATOMIC_RELAXED);
	__atomic_fetch_sub(&((struct tcp_lsock *)c->sock->priv)->n_conns, 1, __ATOMIC_RELAXED);
	sip_timer_cancel(&tcp_loop->timers, &c->idle);
	sip_loop_del_fd(tcp_loop, c->fd);
	if (c->io->close)
		c->io->close(c);
	if (c->framer && c->framer->close)
		c->framer->close(c);
	close(c->fd);
	conn_rbuf_free(c);
	sip_mem_free(c->wbuf);
	sip_mem_free(c);
}

static void close_addr_run(void *arg)
{
	tcp_close_addr(arg);
	sip_mem_free(arg);
}

unsigned tcp_close_addr(const tp_addr_key *k)
{
	unsigned n = 0;
	if (stream_post && sip_worker_id != 0) {
		/* The connections are worker 0's: closed there, uncounted. */
		tp_addr_key *copy = sip_mem_alloc(sizeof *copy);
		if (copy) {
			*copy = *k;
			if (stream_post(0, close_addr_run, copy) != SIP_OK)
				sip_mem_free(copy);
		}
		return 0;
	}
	if (!sip_htable_ready(&conns))
		return 0;
	sip_hiter it;
	sip_hiter_init(&it, &conns);
	for (sip_hlink *l; (l = sip_hiter_next(&it));) {
		struct tcp_conn *c = SIP_HTABLE_ENTRY(l, struct tcp_conn, hlink);
		tp_addr_key ck;
		if (c->dead || !tp_addr_key_of(&c->peer, &ck) || !tp_addr_key_eq(&ck, k))
			continue;
		char nm[128];
		LOG_INFO("%s: closed, its address is banned", conn_name(c, nm, sizeof nm));
		conn_close(c);      /* the link just returned: may go */
		n++;
	}
	return n;
}

static void conn_watch_out(struct tcp_conn *c, bool on)
{
	if (c->want_out == on)
		return;
	if (sip_loop_mod_fd(tcp_loop, c->fd, on ? EPOLLIN | EPOLLOUT : EPOLLIN) == SIP_OK)
		c->want_out = on;
}

/* Write what is queued; false when the connection failed. */
static bool conn_flush(struct tcp_conn *c)
{
	while (c->woff < c->wlen) {
		ssize_t n = c->io->write(c, c->wbuf + c->woff, c->wlen - c->woff);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				conn_watch_out(c, !c->io_wait_read);
				return true;
			}
			char nm[96];
			LOG_INFO("%s: send: %s", conn_name(c, nm, sizeof nm), strerror(errno));
			return false;
		}
		c->woff += (size_t)n;
		c->last_ms = tcp_loop->timers.now_ms;
	}
	c->woff = c->wlen = 0;
	conn_watch_out(c, false);
	return true;
}

/* Queue buf behind what is pending; false at the output limit. */
static bool conn_queue(struct tcp_conn *c, const char *buf, size_t len)
{
	if (c->woff && c->woff == c->wlen)
		c->woff = c->wlen = 0;
	if (c->wlen - c->woff + len > TCP_MAX_WBUF) {
		char nm[96];
		LOG_WARN("%s: more than %u bytes of output not read by the peer "
			 "(tcp.write_buffer); closing", conn_name(c, nm, sizeof nm), TCP_MAX_WBUF);
		return false;
	}
	if (c->woff && c->wlen + len > c->wcap) {
		memmove(c->wbuf, c->wbuf + c->woff, c->wlen - c->woff);
		c->wlen -= c->woff;
		c->woff = 0;
	}
	if (c->wlen + len > c->wcap) {
		size_t cap = c->wcap ? c->wcap : 4096;
		while (cap < c->wlen + len)
			cap *= 2;
		char *p = sip_mem_realloc(c->wbuf, cap);
		if (!p)
			return false;
		c->wbuf = p;
		c->wcap = cap;
	}
	memcpy(c->wbuf + c->wlen, buf, len);
	c->wlen += len;
	return true;
}

static void conn_on_idle(sip_timer *t, void *arg)
{
	(void)t;
	struct tcp_conn *c = arg;
	uint64_t now = tcp_loop->timers.now_ms, quiet = now - c->last_ms;
	if (quiet < TCP_IDLE_MS) {
		sip_timer_add(&tcp_loop->timers, &c->idle, TCP_IDLE_MS - quiet);
		return;
	}
	if (c->framer && c->framer->idle) {
		c->busy = true;
		bool keep = c->framer->idle(c);
		c->busy = false;
		if (keep && !c->dead) {
			sip_timer_add(&tcp_loop->timers, &c->idle, TCP_IDLE_MS);
			return;
		}
	}
	char nm[96];
	LOG_INFO("%s: idle for %u s (tcp.idle_timeout); closing", conn_name(c, nm, sizeof nm),
		 TCP_IDLE_MS / 1000);
	conn_close(c);
}

static void conn_on_event(sip_loop *loop, int fd, uint32_t events, void *arg);

/* A new connection on fd (non-blocking) in the table and the loop; NULL
 * (fd closed) at the connection limit or on failure. */
static struct tcp_conn *conn_new(sip_socket *sock, int fd, const sip_addr *peer, bool outgoing)
{
	struct tcp_lsock *l = sock->priv;
	char ip[64];
	if (sip_htable_count(&conns) >= TCP_MAX_CONNS) {
		/* Without the peer's port: a flood of refusals from one
		 * address is one line the log can fold. */
		LOG_WARN("%s: %u connections open (tcp.max_connections); refusing %s", sock->name, TCP_MAX_CONNS,
			 sip_addr_ip(peer, ip, sizeof ip));
		close(fd);
		return NULL;
	}
	struct tcp_conn *c = NULL;
	if (!sip_htable_ready(&conns)) {
		if (stream_post)
			pthread_mutex_lock(&conns_lock);
		int rc = sip_htable_init(&conns, TCP_HASH_BITS);
		if (stream_post)
			pthread_mutex_unlock(&conns_lock);
		if (rc != SIP_OK) {
			close(fd);
			return NULL;
		}
	}
	if (!(c = sip_mem_alloc(sizeof *c))) {
		close(fd);
		return NULL;
	}
	memset(c, 0, sizeof *c);
	c->fd = fd;
	c->sock = sock;
	c->io = l->io;
	c->framer = l->framer;
	c->peer = *peer;
	c->outgoing = outgoing;
	c->last_ms = l->loop->timers.now_ms;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (sip_loop_add_fd(l->loop, fd, conn_on_event, c) != SIP_OK) {
		close(fd);
		sip_mem_free(c);
		return NULL;
	}
	if (stream_post)
		pthread_mutex_lock(&conns_lock);
	sip_htable_insert(&conns, &c->hlink, addr_hash(peer));
	if (stream_post)
		pthread_mutex_unlock(&conns_lock);
	__atomic_fetch_add(&conns_open, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&l->n_conns, 1, __ATOMIC_RELAXED);
	sip_timer_init(&c->idle, conn_on_idle, c);
	sip_timer_add(&l->loop->timers, &c->idle, TCP_IDLE_MS);
	return c;
}

/* Hand every complete message in the read buffer up; false when the
 * stream cannot be framed (the connection is then closed). */
static bool conn_frame(struct tcp_conn *c)
{
	size_t off = 0;
	char nm[96];
	if (c->framer) {
		long k = c->framer->input(c, c->rbuf, c->rlen);
		if (k < 0)
			return false;
		off = (size_t)k;
	}
	while (!c->framer && off < c->rlen && !c->dead) {
		char *p = c->rbuf + off;
		size_t n = c->rlen - off, ws = 0;
		while (ws < n && (p[ws] == '\r' || p[ws] == '\n'))
			ws++;
		if (ws) {
			/* The start of a ping cut by the read: wait for the rest. */
			if (ws == n && ws < 4 && memcmp(p, "\r\n\r\n", ws) == 0)
				break;
			if (ws >= 4 && memcmp(p, "\r\n\r\n", 4) == 0 && conn_queue(c, "\r\n", 2))
				conn_flush(c);
			off += ws;
			continue;
		}
		long m = sip_msg_frame(p, n);
		if (m == SIP_EINCOMPLETE) {
			if (n >= TCP_MAX_RBUF) {
				LOG_WARN("%s: message larger than %u bytes (tcp.read_buffer); closing",
					 conn_name(c, nm, sizeof nm), TCP_MAX_RBUF);
				return false;
			}
			break;
		}
		if (m <= 0) {
			LOG_INFO("%s: cannot frame the stream (no Content-Length?); closing",
				 conn_name(c, nm, sizeof nm));
			return false;
		}
		/* The parser wants a NUL after the message; the byte there
		 * belongs to the next one and is put back. */
		char save = p[m];
		p[m] = '\0';
		tp_deliver(c->sock, &c->peer, p, (size_t)m);
		p[m] = save;
		off += (size_t)m;
	}
	if (off) {
		memmove(c->rbuf, c->rbuf + off, c->rlen - off);
		c->rlen -= off;
	}
	return true;
}

/* Read what is there; false at end of stream or on an error. */
static bool conn_read(struct tcp_conn *c)
{
	if (c->rcap - c->rlen < 4096 + 1) {
		size_t cap = c->rcap ? c->rcap * 2 : 16384;
		if (cap > TCP_MAX_RBUF + 4096 + 1)
			cap = TCP_MAX_RBUF + 4096 + 1;
		if (cap <= c->rlen + 1)
			return false;
		char *p = sip_mem_realloc(c->rbuf, cap);
		if (!p)
			return false;
		__atomic_fetch_add(&rbuf_bytes, cap - c->rcap, __ATOMIC_RELAXED);
		c->rbuf = p;
		c->rcap = cap;
	}
	ssize_t n = c->io->read(c, c->rbuf + c->rlen, c->rcap - c->rlen - 1);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return true;
	if (n <= 0) {
		char nm[96];
		if (n < 0)
			LOG_INFO("%s: receive: %s", conn_name(c, nm, sizeof nm), strerror(errno));
		else
			LOG_DEBUG("%s: closed by the peer", conn_name(c, nm, sizeof nm));
		return false;
	}
	c->rlen += (size_t)n;
	c->last_ms = tcp_loop->timers.now_ms;
	if (!conn_frame(c))
		return false;
	/* Nothing left of the stream: the buffer goes until the next read
	 * (connections are mostly quiet; thousands of them would each keep
	 * 16 KB). The loop reads again while TLS has input pending. */
	if (!c->rlen && !(c->io->pending && c->io->pending(c)))
		conn_rbuf_free(c);
	return true;
}

/* A connect() that was in progress ended: start the upper I/O. */
static bool conn_connected(struct tcp_conn *c)
{
	int err = 0;
	socklen_t l = sizeof err;
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0)
		err = errno;
	char nm[96];
	if (err) {
		LOG_WARN("%s: connect: %s", conn_name(c, nm, sizeof nm), strerror(err));
		return false;
	}
	c->connecting = false;
	if (c->io->open && c->io->open(c, true) != SIP_OK)
		return false;
	LOG_DEBUG("%s: connected", conn_name(c, nm, sizeof nm));
	return !c->framer || !c->framer->open || c->framer->open(c, true) == SIP_OK;
}

/* Whether c, in its handshake, may take a step in this batch of events. */
static bool handshake_turn(sip_loop *loop, struct tcp_conn *c)
{
	static SIP_PER_WORKER uint64_t batch;
	static SIP_PER_WORKER unsigned steps;
	if (c->connecting || !c->io->handshaking || !c->io->handshaking(c))
		return true;
	if (batch != loop->batches) {
		batch = loop->batches;
		steps = 0;
	}
	if (steps >= TCP_HANDSHAKES_PER_BATCH) {
		__atomic_fetch_add(&handshakes_deferred, 1, __ATOMIC_RELAXED);
		return false;
	}
	steps++;
	return true;
}

static void conn_on_event(sip_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)fd;
	struct tcp_conn *c = arg;
	bool ok = true;
	if (!handshake_turn(loop, c))
		return;     /* reported again in a later batch */
	c->busy = true;
	if (c->connecting) {
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			ok = conn_connected(c);
		else
			ok = !c->connecting;
	}
	/* Reads and writes both, whatever the event said: a TLS session may
	 * need to read to write and the other way round. */
	if (ok && !c->connecting && c->wlen > c->woff)
		ok = conn_flush(c);
	if (ok && !c->connecting && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
		ok = conn_read(c);
		while (ok && !c->dead && c->io->pending && c->io->pending(c))
			ok = conn_read(c);
	}
	if (ok && !c->dead && !c->connecting && c->wlen > c->woff)
		ok = conn_flush(c);
	c->busy = false;
	if (!ok || c->dead)
		conn_close(c);
}

static void lsock_on_pause_end(sip_timer *t, void *arg)
{
	(void)t;
	struct tcp_lsock *l = arg;
	sip_loop_mod_fd(l->loop, l->sock->fd, EPOLLIN);
}

/* accept() failed for want of descriptors (EMFILE, ENFILE) or kernel
 * memory (ENOBUFS, ENOMEM). The connection stays in the backlog, so the
 * socket stays readable and the loop would call accept() again at once,
 * forever. Instead: with the reserve descriptor freed, accept and close
 * what is waiting (the peers see the connection closed rather than hang),
 * then stop watching the socket for TCP_ACCEPT_PAUSE_MS. The warning is the
 * same line every time, so the log folds a long shortage into a count. */
static void lsock_out_of_resources(struct tcp_lsock *l, int fd, int err)
{
	sip_socket *s = l->sock;
	unsigned shed = 0;

	if ((err == EMFILE || err == ENFILE) && reserve_fd >= 0) {
		close(reserve_fd);
		reserve_fd = -1;
		for (int cfd; shed < 64 && (cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC)) >= 0; shed++)
			close(cfd);
		reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	}
	LOG_WARN("accept on %s: %s; closing new connections for %u ms", s->name, strerror(err),
		 TCP_ACCEPT_PAUSE_MS);
	if (shed)
		LOG_DEBUG("accept on %s: %u waiting connections closed", s->name, shed);
	if (!sip_timer_armed(&l->pause) && sip_loop_mod_fd(l->loop, fd, 0) == SIP_OK)
		sip_timer_add(&l->loop->timers, &l->pause, TCP_ACCEPT_PAUSE_MS);
}

static void lsock_on_accept(sip_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop; (void)events;
	sip_socket *s = arg;
	for (int i = 0; i < 64; i++) {
		sip_addr peer;
		peer.len = sizeof peer.u.ss;
		int cfd = accept4(fd, &peer.u.sa, &peer.len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			int e = errno;
			if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM)
				lsock_out_of_resources(s->priv, fd, e);
			else if (e != EAGAIN && e != EWOULDBLOCK && e != EINTR && e != ECONNABORTED)
				LOG_WARN("accept on %s: %s", s->name, strerror(e));
			return;
		}
		if (tp_ban_check(&peer)) {
			close(cfd);     /* banned (net/ban.h): no connection at all */
			continue;
		}
		struct tcp_conn *c = conn_new(s, cfd, &peer, false);
		if (c && ((c->io->open && c->io->open(c, false) != SIP_OK) ||
			  (c->framer && c->framer->open && c->framer->open(c, false) != SIP_OK)))
			conn_close(c);
	}
}

int tcp_listen_io(sip_loop *loop, const sip_addr *addr, sip_socket **out,
		  const sip_transport *tp, const struct tcp_io *io)
{
	return tcp_listen_framed(loop, addr, out, tp, io, NULL);
}

int tcp_listen_framed(sip_loop *loop, const sip_addr *addr, sip_socket **out,
		      const sip_transport *tp, const struct tcp_io *io,
		      const struct tcp_framer *framer)
{
	int fd = socket(addr->u.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return SIP_EIO;
	int one = 1;
	/* Unlike UDP, SO_REUSEADDR on a stream socket does not let a second
	 * listener share the port; it only allows a restart while old
	 * connections are in TIME_WAIT. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (addr->u.sa.sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, &addr->u.sa, addr->len) < 0 || listen(fd, 1024) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return e == EADDRINUSE ? SIP_EADDRINUSE : SIP_EIO;
	}
	sip_socket *s = sip_mem_alloc(sizeof *s);
	struct tcp_lsock *l = sip_mem_alloc(sizeof *l);
	if (!s || !l) {
		close(fd);
		sip_mem_free(s);
		sip_mem_free(l);
		return SIP_NOMEM;
	}
	memset(s, 0, sizeof *s);
	*l = (struct tcp_lsock){ loop, io ? io : &plain_io, framer, s, { 0 }, 0 };
	sip_timer_init(&l->pause, lsock_on_pause_end, l);
	if (reserve_fd < 0)
		reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	s->tp = tp;
	s->fd = fd;
	s->local = *addr;
	s->priv = l;
	if (loop && sip_loop_add_fd(loop, fd, lsock_on_accept, s) != SIP_OK) {
		close(fd);
		sip_mem_free(l);
		sip_mem_free(s);
		return SIP_EIO;
	}
	tcp_loop = loop;
	*out = s;
	return SIP_OK;
}

/* Open a connection to dst from sock's address (so the peer sees the
 * address we advertise), without waiting for connect() to finish. */
static struct tcp_conn *conn_connect(sip_socket *sock, const sip_addr *dst)
{
	char ip[64];
	int fd = socket(dst->u.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		LOG_WARN("socket: %s", strerror(errno));
		return NULL;
	}
	sip_addr local = sock->local;
	if (local.u.sa.sa_family == AF_INET) {
		local.u.in.sin_port = 0;
		if (local.u.in.sin_addr.s_addr != htonl(INADDR_ANY))
			bind(fd, &local.u.sa, local.len);
	}
	int r;
	do
		r = connect(fd, &dst->u.sa, dst->len);
	while (r < 0 && errno == EINTR);
	if (r < 0 && errno != EINPROGRESS) {
		LOG_WARN("%s: connect to %s:%d: %s", sock->name, sip_addr_ip(dst, ip, sizeof ip),
			 sip_addr_port(dst), strerror(errno));
		close(fd);
		return NULL;
	}
	struct tcp_conn *c = conn_new(sock, fd, dst, true);
	if (!c)
		return NULL;
	if (r < 0) {
		c->connecting = true;
		conn_watch_out(c, true);
	} else if (c->io->open && c->io->open(c, true) != SIP_OK) {
		conn_close(c);
		return NULL;
	}
	if (c->framer && c->framer->open && !c->connecting && c->framer->open(c, true) != SIP_OK) {
		conn_close(c);
		return NULL;
	}
	return c;
}

/* Send over the connection of sock to dst, on worker 0. */
static int send_here(sip_socket *sock, const sip_addr *dst, const char *buf, size_t len)
{
	struct tcp_conn *c = conn_find(sock, dst);
	if (!c && !(c = conn_connect(sock, dst)))
		return SIP_EIO;
	if (c->framer)
		return c->framer->send(c, buf, len);
	return tcp_conn_write(c, buf, len);
}

/* A send another worker posted to worker 0. */
struct remote_send {
	sip_socket *sock;
	sip_addr dst;
	size_t len;
	char buf[];
};

/* On worker 0: send it; a failure goes to the transaction that sent it,
 * on its worker, as a deferred send error (tp_send_error finds that
 * worker from the message: the branch of a request's top Via). Messages
 * queued on a connection that fails later are reported the same way
 * (conn_report_unsent). */
static void remote_send_run(void *arg)
{
	struct remote_send *r = arg;
	if (send_here(r->sock, &r->dst, r->buf, r->len) != SIP_OK)
		tp_send_error(r->sock, &r->dst, r->buf, r->len);
	sip_mem_free(r);
}

/* Several workers: a worker other than 0 does not touch a connection. It
 * posts a copy of the message to worker 0, behind what it posted before,
 * so its messages leave in the order it sent them (a 180 before its
 * 200). SIP_OK once posted, like a datagram queued for a batch: whether
 * it went out is known on worker 0 only, and a failure is reported
 * back. */
static int send_remote(sip_socket *sock, const sip_addr *dst, const char *buf, size_t len)
{
	struct remote_send *r = sip_mem_alloc(sizeof *r + len);
	if (!r)
		return SIP_EIO;
	r->sock = sock;
	r->dst = *dst;
	r->len = len;
	memcpy(r->buf, buf, len);
	if (stream_post(0, remote_send_run, r) != SIP_OK) {
		sip_mem_free(r);
		return SIP_EIO;
	}
	return SIP_OK;
}

int tcp_send_io(sip_socket *sock, const sip_addr *dst, const char *buf, size_t len)
{
	if (stream_post && sip_worker_id != 0)
		return send_remote(sock, dst, buf, len);
	return send_here(sock, dst, buf, len);
}

void tp_set_post(tp_post_fn fn)
{
	stream_post = fn;
}

int tcp_conn_write(struct tcp_conn *c, const char *buf, size_t len)
{
	/* Behind queued output (or a connect in progress) it queues too, to
	 * keep the order. */
	bool queued = c->connecting || c->wlen > c->woff;
	size_t off = 0;
	while (!queued && off < len) {
		ssize_t n = c->io->write(c, buf + off, len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			char nm[96];
			LOG_INFO("%s: send: %s", conn_name(c, nm, sizeof nm), strerror(errno));
			conn_close(c);
			return SIP_EIO;
		}
		off += (size_t)n;
	}
	c->last_ms = tcp_loop->timers.now_ms;
	if (off == len)
		return SIP_OK;
	if (!conn_queue(c, buf + off, len - off)) {
		conn_close(c);
		return SIP_EIO;
	}
	if (!c->connecting)
		conn_watch_out(c, !c->io_wait_read);
	return SIP_OK;
}

void tcp_conn_close(struct tcp_conn *c)
{
	conn_close(c);
}

void tcp_close_sock(sip_socket *s)
{
	sip_hiter it;
	sip_hiter_init(&it, &conns);
	for (sip_hlink *l; (l = sip_hiter_next(&it));) {
		struct tcp_conn *c = SIP_HTABLE_ENTRY(l, struct tcp_conn, hlink);
		if (c->sock != s)
			continue;
		c->busy = false;
		c->connecting = false;
		c->woff = c->wlen = 0;
		conn_close(c);
	}
	struct tcp_lsock *l = s->priv;
	if (l && l->loop)
		sip_timer_cancel(&l->loop->timers, &l->pause);
	if (l && l->loop && s->fd >= 0)
		sip_loop_del_fd(l->loop, s->fd);
	if (s->fd >= 0)
		close(s->fd);
	sip_mem_free(s->priv);
	sip_mem_free(s);
}

static int tcp_listen(sip_loop *loop, const sip_addr *addr, sip_socket **out)
{
	return tcp_listen_io(loop, addr, out, &tp_tcp, &plain_io);
}

const sip_transport tp_tcp = {
	.name = "tcp", .via_name = "TCP", .reliable = true, .caps = 0,
	.listen = tcp_listen, .send = tcp_send_io, .close = tcp_close_sock,
};

/* The same as conn_eq without the closing flag, which only worker 0
 * reads: from another worker a connection being closed still counts as
 * open (a message sent to it fails on worker 0 and is reported back). */
static bool conn_eq_shared(const sip_hlink *l, const void *arg)
{
	const struct tcp_conn *c = SIP_HTABLE_ENTRY(l, struct tcp_conn, hlink);
	const struct conn_key *k = arg;
	return c->sock->tp == k->tp && sip_addr_eq(&c->peer, k->peer);
}

bool tp_conn_open(const sip_transport *tp, const sip_addr *peer)
{
	struct conn_key k = { NULL, tp, peer };
	if (!stream_post || sip_worker_id == 0)
		return conn_lookup(&k) != NULL;
	pthread_mutex_lock(&conns_lock);
	bool open = sip_htable_ready(&conns) &&
		    sip_htable_find(&conns, addr_hash(peer), conn_eq_shared, &k) != NULL;
	pthread_mutex_unlock(&conns_lock);
	return open;
}
