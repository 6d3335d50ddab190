/* The connection to the HEP collector (see collector.h). */
#include "siptrace/collector.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include "core/arena.h"
#include "core/log.h"
#include "core/status.h"
#include "core/worker.h"
#include "net/loop.h"

/* A failed connection is tried again after this long. */
#define HEP_RETRY_MS 1000u

/* The caller's connection: one per worker, each on its own loop. */
static SIP_PER_WORKER struct {
	int fd;
	bool tcp;
	bool connecting;        /* tcp: connect() in progress */
	bool watched;           /* fd is in the loop */
	sip_addr addr;
	struct sip_loop *loop;
	hep_counters *cnt;
	char *q;                /* tcp: bytes not sent yet, [off, len) */
	size_t off, len;
	unsigned qpackets;      /* packets begun in q */
	uint64_t retry_at;      /* tcp: no connect before (monotonic ms) */
} C = { .fd = -1 };

static void coll_on_event(struct sip_loop *loop, int fd, uint32_t events, void *arg);

/* The counters are every worker's. */
static void cnt_add(int64_t *v, int64_t n)
{
	__atomic_fetch_add(v, n, __ATOMIC_RELAXED);
}

static void coll_unwatch(void)
{
	if (C.watched)
		sip_loop_del_fd(C.loop, C.fd);
	C.watched = false;
}

/* Watch the connection for ev: always for the collector closing it
 * (EPOLLIN, EPOLLRDHUP: noticed at once, not by the next packet lost on a
 * dead connection), and for room (EPOLLOUT) while connecting or while
 * something is queued. */
static bool coll_watch_for(uint32_t ev)
{
	if (!C.watched) {
		if (sip_loop_add_fd(C.loop, C.fd, coll_on_event, NULL) != SIP_OK)
			return false;
		C.watched = true;
	}
	if (sip_loop_mod_fd(C.loop, C.fd, ev | EPOLLIN | EPOLLRDHUP) != SIP_OK) {
		coll_unwatch();
		return false;
	}
	return true;
}

static bool coll_watch(void)
{
	return coll_watch_for(EPOLLOUT);
}

/* The TCP connection is gone: what was queued is lost; the next packet
 * after HEP_RETRY_MS connects again. */
static void coll_tcp_fail(const char *why, int err)
{
	if (C.fd >= 0) {
		char ip[64];
		LOG_WARN("siptrace: HEP collector tcp:%s:%d: %s: %s",
			 sip_addr_ip(&C.addr, ip, sizeof ip), sip_addr_port(&C.addr), why,
			 strerror(err));
		coll_unwatch();
		close(C.fd);
	}
	C.fd = -1;
	C.connecting = false;
	cnt_add(&C.cnt->send_errors, C.qpackets);
	C.off = C.len = 0;
	C.qpackets = 0;
	C.retry_at = sip_loop_clock_ms() + HEP_RETRY_MS;
}

static void coll_tcp_connect(void)
{
	int fd = socket(C.addr.u.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		coll_tcp_fail("socket", errno);
		return;
	}
	C.fd = fd;
	if (connect(fd, &C.addr.u.sa, C.addr.len) == 0) {
		C.connecting = false;
		if (!coll_watch_for(0))
			coll_tcp_fail("cannot watch the connection", ENOMEM);
		return;
	}
	if (errno != EINPROGRESS) {
		coll_tcp_fail("connect", errno);
		return;
	}
	C.connecting = true;
	if (!coll_watch())
		coll_tcp_fail("cannot watch the connection", ENOMEM);
}

/* Send what is queued; watch for room when the kernel takes only part. */
static void coll_tcp_flush(void)
{
	while (C.off < C.len) {
		ssize_t r = send(C.fd, C.q + C.off, C.len - C.off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (!coll_watch())
					coll_tcp_fail("cannot watch the connection", ENOMEM);
				return;
			}
			coll_tcp_fail("send", errno);
			return;
		}
		C.off += (size_t)r;
	}
	C.off = C.len = 0;
	C.qpackets = 0;
	if (!coll_watch_for(0))
		coll_tcp_fail("cannot watch the connection", ENOMEM);
}

/* The collector sends nothing: readable means it closed the connection
 * (or reset it). True when the connection is still up. */
static bool coll_tcp_alive(void)
{
	char b[256];
	for (;;) {
		ssize_t r = recv(C.fd, b, sizeof b, MSG_DONTWAIT);
		if (r > 0)
			continue;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		coll_tcp_fail("closed by the collector", r == 0 ? ECONNRESET : errno);
		return false;
	}
}

static void coll_on_event(struct sip_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop; (void)fd; (void)arg;
	if (!C.connecting && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) &&
	    !coll_tcp_alive())
		return;
	if (C.connecting) {
		int err = 0;
		socklen_t l = sizeof err;
		if (getsockopt(C.fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0)
			err = errno;
		if (err == EINPROGRESS)
			return;
		if (err) {
			coll_tcp_fail("connect", err);
			return;
		}
		C.connecting = false;
	}
	coll_tcp_flush();
}

/* Queue the whole packet or count it lost. */
static void coll_tcp_queue(const uint8_t *p, size_t n)
{
	if (C.len + n > HEP_TCP_QUEUE) {
		if (C.off) {
			memmove(C.q, C.q + C.off, C.len - C.off);
			C.len -= C.off;
			C.off = 0;
		}
		if (C.len + n > HEP_TCP_QUEUE) {
			cnt_add(&C.cnt->send_errors, 1);
			return;
		}
	}
	memcpy(C.q + C.len, p, n);
	C.len += n;
	C.qpackets++;
	cnt_add(&C.cnt->sent, 1);
}

static void coll_tcp_send(const uint8_t *p, size_t n)
{
	if (C.fd < 0) {
		if (sip_loop_clock_ms() < C.retry_at) {
			cnt_add(&C.cnt->send_errors, 1);
			return;
		}
		coll_tcp_connect();
		if (C.fd < 0) {
			cnt_add(&C.cnt->send_errors, 1);
			return;
		}
	}
	if (C.connecting || C.len > C.off) {
		coll_tcp_queue(p, n);
		return;
	}
	ssize_t r = send(C.fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (r == (ssize_t)n) {
		cnt_add(&C.cnt->sent, 1);
		return;
	}
	if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		coll_tcp_fail("send", errno);
		cnt_add(&C.cnt->send_errors, 1);
		return;
	}
	/* The rest when the kernel has room: a packet is never cut. */
	size_t done = r > 0 ? (size_t)r : 0;
	coll_tcp_queue(p + done, n - done);
	if (C.len > C.off && !coll_watch())
		coll_tcp_fail("cannot watch the connection", ENOMEM);
}

/* A connected UDP socket reports the ICMP error of an earlier packet
 * (nobody on the collector's port) on the next send, which is not sent:
 * count it and send once more. */
static void coll_udp_send(const uint8_t *p, size_t n)
{
	for (int tries = 0; tries < 2; tries++) {
		if (send(C.fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)n) {
			cnt_add(&C.cnt->sent, 1);
			return;
		}
		cnt_add(&C.cnt->send_errors, 1);
		if (errno != ECONNREFUSED && errno != EHOSTUNREACH && errno != ENETUNREACH)
			return;
	}
}

int hep_coll_open(const sip_addr *a, bool tcp, struct sip_loop *loop, hep_counters *cnt)
{
	hep_coll_close();
	C.addr = *a;
	C.tcp = tcp;
	C.loop = loop;
	C.cnt = cnt;
	if (tcp) {
		if (!loop)
			return SIP_EINVAL;
		if (!(C.q = sip_mem_alloc(HEP_TCP_QUEUE)))
			return SIP_NOMEM;
		C.retry_at = 0;
		return SIP_OK;
	}
	int fd = socket(a->u.sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return SIP_EIO;
	if (connect(fd, &a->u.sa, a->len) < 0) {
		close(fd);
		return SIP_EIO;
	}
	C.fd = fd;
	return SIP_OK;
}

void hep_coll_send(const uint8_t *p, size_t n)
{
	if (C.tcp)
		coll_tcp_send(p, n);
	else if (C.fd >= 0)
		coll_udp_send(p, n);
}

void hep_coll_close(void)
{
	coll_unwatch();
	if (C.fd >= 0)
		close(C.fd);
	C.fd = -1;
	C.connecting = false;
	sip_mem_free(C.q);
	C.q = NULL;
	C.off = C.len = 0;
	C.qpackets = 0;
}

size_t hep_coll_queued(void)
{
	return C.len - C.off;
}
