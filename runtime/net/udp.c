/* UDP transport: one socket per listen address and worker (tp_add_twins,
 * SO_REUSEPORT), drained with recvmmsg.
 * When it is the loop's only descriptor the loop lets it wait in recvmmsg
 * itself (SIP_LOOP_BLOCK): the socket is then in blocking mode with
 * SO_RCVTIMEO as the timer bound, and every other call passes
 * MSG_DONTWAIT, so nothing else ever blocks on it. */
#include "net/transport.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include "core/arena.h"
#include "core/log.h"
#include "core/status.h"
#include "core/worker.h"
#include "net/loop.h"

#define UDP_BATCH   32
/* Batches read in one wakeup before the loop gets its turn again. */
#define UDP_WAKEUP_BATCHES 4
#define UDP_BUFSZ   65536

/* Receive buffers shared by every UDP socket of a worker's loop: each
 * datagram is handed up (and done with, or copied to the worker that owns
 * it) before the next. One set per worker thread, allocated on its first
 * receive (2 MB: too big for thread-local storage itself). */
static SIP_PER_WORKER char (*udp_bufs)[UDP_BUFSZ];

/* Datagrams sent while a received batch is handled, sent together with
 * sendmmsg when the batch is done (in order). One system call instead of
 * one per datagram, and the peers are woken once the proxy is about to
 * wait instead of preempting it in the middle of the batch. Sends from
 * anywhere else (timers) go out at once. */
#define UDP_QMAX    64
#define UDP_QBYTES  (256 * 1024)

struct udp_qent {
	sip_socket *sock;
	sip_addr dst;
	size_t off, len;
};

static SIP_PER_WORKER struct {
	bool on;                        /* inside a received batch */
	unsigned n;
	size_t used;
	struct udp_qent e[UDP_QMAX];
	char buf[UDP_QBYTES];
} udp_q;

/* Per-socket state of the blocking mode and of the error queue. */
struct udp_priv {
	bool blocking;          /* O_NONBLOCK cleared */
	bool timed_out;         /* the last wait ended without input */
	bool err_pending;       /* the error queue may hold ICMP errors */
	int rcvtimeo_ms;        /* SO_RCVTIMEO in force (-1: none) */
};

/* With IP_RECVERR an ICMP error for any datagram of the socket is queued
 * on its error queue and also left as the socket's pending error, which
 * the next send or receive returns instead of doing its work. True when
 * err is such an error: the caller tries again and the queue is read
 * later (udp_read_errors()). */
static bool udp_async_error(sip_socket *s, int err)
{
	switch (err) {
	case ECONNREFUSED:
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EHOSTDOWN:
	case ENONET:
	case EPROTO:
	case EACCES:
		((struct udp_priv *)s->priv)->err_pending = true;
		return true;
	default:
		return false;
	}
}

/* The socket the layers above know: a worker's socket of an address
 * stands for the address's first one (tp_add_twins). */
static sip_socket *udp_primary(sip_socket *s)
{
	return s->twins ? s->twins[0] : s;
}

static void udp_send_failed(sip_socket *s, const sip_addr *dst, int err)
{
	char ip[64];
	LOG_WARN("sendto %s:%d from %s: %s", sip_addr_ip(dst, ip, sizeof ip),
		 sip_addr_port(dst), s->name, strerror(err));
}

/* Send the queued datagrams: one sendmmsg per run of the same socket; a
 * datagram the kernel refuses is logged, like a failed sendto, reported
 * to the upper layer and skipped. */
static void udp_flush(void)
{
	struct mmsghdr h[UDP_QMAX];
	struct iovec iov[UDP_QMAX];
	unsigned i = 0;
	while (i < udp_q.n) {
		sip_socket *s = udp_q.e[i].sock;
		unsigned j = i;
		for (; j < udp_q.n && udp_q.e[j].sock == s; j++) {
			struct udp_qent *e = &udp_q.e[j];
			iov[j].iov_base = udp_q.buf + e->off;
			iov[j].iov_len = e->len;
			memset(&h[j], 0, sizeof h[j]);
			h[j].msg_hdr.msg_name = &e->dst.u.sa;
			h[j].msg_hdr.msg_namelen = e->dst.len;
			h[j].msg_hdr.msg_iov = &iov[j];
			h[j].msg_hdr.msg_iovlen = 1;
		}
		bool retried = false;
		while (i < j) {
			int r = sendmmsg(s->fd, h + i, j - i, MSG_DONTWAIT);
			if (r < 0) {
				if (errno == EINTR)
					continue;
				/* An ICMP error for an earlier datagram (to anyone)
				 * fails the next send once: send it again. */
				if (udp_async_error(s, errno) && !retried) {
					retried = true;
					continue;
				}
				retried = false;
				struct udp_qent *e = &udp_q.e[i];
				udp_send_failed(s, &e->dst, errno);
				tp_send_error(udp_primary(s), &e->dst, udp_q.buf + e->off, e->len);
				i++;
				continue;
			}
			i += (unsigned)r;
			retried = false;
		}
	}
	udp_q.n = 0;
	udp_q.used = 0;
}

/* Put s in the state a blocking wait of at most ms needs; false when the
 * socket options cannot be set (the caller then does not block). */
static bool udp_prepare_wait(sip_socket *s, int ms)
{
	struct udp_priv *u = s->priv;
	if (!u->blocking) {
		int fl = fcntl(s->fd, F_GETFL);
		if (fl < 0 || fcntl(s->fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
			return false;
		u->blocking = true;
	}
	/* A shorter bound than needed costs only an early wakeup, so under
	 * load (every wait ends with input) it is kept rather than changed
	 * back and forth; it is lengthened once a wait times out (idle). A
	 * longer bound than allowed would delay timers: always shortened. */
	int cur = u->rcvtimeo_ms;
	bool too_long = ms > 0 && (cur < 0 || cur > ms);
	bool too_short = !too_long && cur != ms;
	if (too_long || (too_short && u->timed_out)) {
		struct timeval tv = { 0, 0 };
		if (ms > 0) {
			tv.tv_sec = ms / 1000;
			tv.tv_usec = (ms % 1000) * 1000;
		}
		if (setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0)
			return false;
		u->rcvtimeo_ms = ms;
	}
	return true;
}

/* The receive vectors, per worker like udp_bufs and set up once: after a
 * receive only the lengths the kernel wrote are reset. */
static SIP_PER_WORKER struct mmsghdr udp_hdrs[UDP_BATCH];
static SIP_PER_WORKER struct iovec udp_iov[UDP_BATCH];
static SIP_PER_WORKER sip_addr udp_src[UDP_BATCH];

static void udp_hdrs_reset(int n)
{
	for (int i = 0; i < n; i++) {
		udp_iov[i].iov_base = udp_bufs[i];
		udp_iov[i].iov_len = UDP_BUFSZ - 1;
		memset(&udp_hdrs[i].msg_hdr, 0, sizeof udp_hdrs[i].msg_hdr);
		udp_hdrs[i].msg_hdr.msg_name = &udp_src[i].u.ss;
		udp_hdrs[i].msg_hdr.msg_namelen = sizeof udp_src[i].u.ss;
		udp_hdrs[i].msg_hdr.msg_iov = &udp_iov[i];
		udp_hdrs[i].msg_hdr.msg_iovlen = 1;
	}
}

/* The calling worker's receive buffers, allocated on first use (by a
 * receive or by an error to read: a worker may get all its messages
 * from the others and still read ICMP errors for what it sent). */
static bool udp_bufs_ready(sip_socket *s)
{
	if (udp_bufs)
		return true;
	if (!(udp_bufs = sip_mem_alloc(UDP_BATCH * sizeof *udp_bufs))) {
		LOG_ERR("out of memory for the receive buffers of %s", s->name);
		return false;
	}
	udp_hdrs_reset(UDP_BATCH);
	return true;
}

/* Read the socket's error queue (IP_RECVERR / IPV6_RECVERR): an ICMP
 * port, host or network unreachable for a datagram this socket sent.
 * Each is reported like a send that failed (tp_send_error()) with the
 * datagram's destination and as much of it as the ICMP message quoted, so
 * the transaction layer fails that branch at once (RFC 3261 §8.1.3.1: a
 * transport error is a 503) instead of waiting 32 s for timer B. */
static void udp_read_errors(sip_socket *s)
{
	char ctl[512];
	if (!udp_bufs_ready(s))
		return;
	char *data = udp_bufs[0];      /* nothing else uses it meanwhile */
	((struct udp_priv *)s->priv)->err_pending = false;
	for (int k = 0; k < UDP_BATCH; k++) {
		sip_addr dst;
		struct iovec iov = { data, UDP_BUFSZ - 1 };
		struct msghdr mh = {
			.msg_name = &dst.u.ss, .msg_namelen = sizeof dst.u.ss,
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl, .msg_controllen = sizeof ctl,
		};
		ssize_t n = recvmsg(s->fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;         /* EAGAIN: the queue is empty */
		}
		dst.len = mh.msg_namelen;
		const struct sock_extended_err *ee = NULL;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
			if ((cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_RECVERR) ||
			    (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_RECVERR))
				ee = (const struct sock_extended_err *)CMSG_DATA(cm);
		if (!ee || !dst.len || (ee->ee_origin != SO_EE_ORIGIN_ICMP &&
					ee->ee_origin != SO_EE_ORIGIN_ICMP6))
			continue;
		if (ee->ee_errno == EMSGSIZE)
			continue;       /* path MTU news: the kernel's business */
		char ip[64];
		LOG_INFO("udp: %s:%d unreachable from %s: %s", sip_addr_ip(&dst, ip, sizeof ip),
			 sip_addr_port(&dst), s->name, strerror((int)ee->ee_errno));
		data[n] = '\0';
		tp_send_error(udp_primary(s), &dst, data, (size_t)n);
	}
	((struct udp_priv *)s->priv)->err_pending = true;      /* more left */
}

static void udp_on_readable(sip_loop *loop, int fd, uint32_t events, void *arg)
{
	sip_socket *s = arg;
	struct mmsghdr *hdrs = udp_hdrs;
	sip_addr *src = udp_src;
	if (!udp_bufs_ready(s))
		return;
	struct udp_priv *u = s->priv;
	if ((events & EPOLLERR) || u->err_pending)
		udp_read_errors(s);
	/* Only the first receive may wait; the drain after it never does. */
	bool wait = (events & SIP_LOOP_BLOCK) && loop->block_ms != 0 &&
		    udp_prepare_wait(s, loop->block_ms);
	/* At most UDP_WAKEUP_BATCHES full batches a wakeup (libuv reads 32
	 * datagrams): under a flood the loop comes back for its timers and
	 * its other descriptors; epoll reports the socket again. */
	for (int batch = 0; batch < UDP_WAKEUP_BATCHES; batch++) {
		int n = recvmmsg(fd, hdrs, UDP_BATCH, wait ? MSG_WAITFORONE : MSG_DONTWAIT, NULL);
		if (events & SIP_LOOP_BLOCK) {
			/* Timers first, at the time the wait ended, as the epoll
			 * path does; then the input. */
			int e = errno;
			((struct udp_priv *)s->priv)->timed_out = n < 0 && (e == EAGAIN || e == EWOULDBLOCK);
			sip_loop_woke(loop);
			errno = e;
			events &= ~SIP_LOOP_BLOCK;
			wait = false;
		}
		if (n < 0) {
			/* An ICMP error ended the wait: report it, read on. */
			if (udp_async_error(s, errno)) {
				udp_read_errors(s);
				if (sip_loop_stopped(loop))
					return;
				continue;
			}
			/* EINTR: a signal; the loop looks at stop and calls again. */
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				LOG_WARN("recvmmsg on %s: %s", s->name, strerror(errno));
			return;
		}
		udp_q.on = true;
		for (int i = 0; i < n; i++) {
			size_t len = hdrs[i].msg_len;
			src[i].len = hdrs[i].msg_hdr.msg_namelen;
			udp_bufs[i][len] = '\0';
			tp_deliver(udp_primary(s), &src[i], udp_bufs[i], len);
		}
		udp_q.on = false;
		udp_flush();
		udp_hdrs_reset(n);
		if (n < UDP_BATCH || sip_loop_stopped(loop))
			return;
	}
}

static int udp_listen(sip_loop *loop, const sip_addr *addr, sip_socket **out)
{
	int fd = socket(addr->u.sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return SIP_EIO;
	int one = 1;
	/* No SO_REUSEADDR: on Linux it lets a second UDP socket bind the same
	 * address, and two proxies would silently share the traffic. */
	if (addr->u.sa.sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	/* ICMP errors (a next hop with no one on its port) come to the error
	 * queue, so a branch to it fails in milliseconds (udp_read_errors). */
	if (addr->u.sa.sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof one);
	else
		setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof one);
	/* Several workers: one socket each on the same address, the kernel
	 * spreads the datagrams over them (tp_add_twins). */
	if (tp_reuseport)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
	int bufsz = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof bufsz);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof bufsz);
	if (bind(fd, &addr->u.sa, addr->len) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return e == EADDRINUSE ? SIP_EADDRINUSE : SIP_EIO;
	}
	sip_socket *s = sip_mem_alloc(sizeof *s);
	struct udp_priv *u = sip_mem_alloc(sizeof *u);
	if (!s || !u) {
		close(fd);
		sip_mem_free(s);
		sip_mem_free(u);
		return SIP_NOMEM;
	}
	memset(s, 0, sizeof *s);
	*u = (struct udp_priv){ .rcvtimeo_ms = -1 };
	s->tp = &tp_udp;
	s->fd = fd;
	s->local = *addr;
	s->priv = u;
	if (loop && sip_loop_add_fd_flags(loop, fd, udp_on_readable, s, SIP_LOOP_CAN_BLOCK) != SIP_OK) {
		close(fd);
		sip_mem_free(u);
		sip_mem_free(s);
		return SIP_EIO;
	}
	*out = s;
	return SIP_OK;
}

static int udp_send(sip_socket *s, const sip_addr *dst, const char *buf, size_t len)
{
	/* A worker sends on its own socket of the address: its loop reads
	 * that socket's ICMP errors, for its own transactions. */
	if (s->twins && sip_worker_id < s->n_twins)
		s = s->twins[sip_worker_id];
	if (udp_q.on && len <= UDP_QBYTES) {
		if (udp_q.n == UDP_QMAX || UDP_QBYTES - udp_q.used < len)
			udp_flush();
		struct udp_qent *e = &udp_q.e[udp_q.n++];
		e->sock = s;
		e->dst = *dst;
		e->off = udp_q.used;
		e->len = len;
		memcpy(udp_q.buf + udp_q.used, buf, len);
		udp_q.used += len;
		return SIP_OK;
	}
	bool retried = false;
	for (;;) {
		/* MSG_DONTWAIT: the socket may be in blocking mode for receiving. */
		ssize_t n = sendto(s->fd, buf, len, MSG_DONTWAIT, &dst->u.sa, dst->len);
		if (n >= 0)
			return SIP_OK;
		if (errno == EINTR)
			continue;
		/* An earlier datagram's ICMP error, not this one's. */
		if (udp_async_error(s, errno) && !retried) {
			retried = true;
			continue;
		}
		udp_send_failed(s, dst, errno);
		return SIP_EIO;
	}
}

static void udp_close(sip_socket *s)
{
	if (s->twins && s->twins[0] == s) {
		for (unsigned i = 1; i < s->n_twins; i++)
			if (s->twins[i])
				udp_close(s->twins[i]);
		sip_mem_free(s->twins);
	}
	if (s->fd >= 0)
		close(s->fd);
	sip_mem_free(s->priv);
	sip_mem_free(s);
}

bool tp_udp_batch_begin(void)
{
	bool was = udp_q.on;
	udp_q.on = true;
	return was;
}

void tp_udp_batch_end(bool was)
{
	if (was)
		return;
	udp_q.on = false;
	udp_flush();
}

void tp_udp_worker_done(void)
{
	sip_mem_free(udp_bufs);
	udp_bufs = NULL;
}

const sip_transport tp_udp = {
	.name = "udp", .via_name = "UDP", .reliable = false, .caps = TP_CAP_DATAGRAM,
	.listen = udp_listen, .send = udp_send, .close = udp_close,
};
