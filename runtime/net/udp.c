/* UDP transport: one non-blocking socket per listen address; readable
 * sockets are drained with recvmmsg until EAGAIN. */
#include "net/transport.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "core/arena.h"
#include "core/log.h"
#include "core/status.h"
#include "net/loop.h"

#define UDP_BATCH   32
#define UDP_BUFSZ   65536

/* Receive buffers shared by every UDP socket: the loop is single-threaded
 * and each datagram is handed up (and done with) before the next. */
static char udp_bufs[UDP_BATCH][UDP_BUFSZ];

static void udp_on_readable(sip_loop *loop, int fd, uint32_t events, void *arg)
{
	sip_socket *s = arg;
	struct mmsghdr hdrs[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	sip_addr src[UDP_BATCH];
	for (;;) {
		for (int i = 0; i < UDP_BATCH; i++) {
			iov[i].iov_base = udp_bufs[i];
			iov[i].iov_len = UDP_BUFSZ - 1;
			memset(&hdrs[i].msg_hdr, 0, sizeof hdrs[i].msg_hdr);
			hdrs[i].msg_hdr.msg_name = &src[i].u.ss;
			hdrs[i].msg_hdr.msg_namelen = sizeof src[i].u.ss;
			hdrs[i].msg_hdr.msg_iov = &iov[i];
			hdrs[i].msg_hdr.msg_iovlen = 1;
		}
		int n = recvmmsg(fd, hdrs, UDP_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				LOG_WARN("recvmmsg on %s: %s", s->name, strerror(errno));
			return;
		}
		for (int i = 0; i < n; i++) {
			size_t len = hdrs[i].msg_len;
			src[i].len = hdrs[i].msg_hdr.msg_namelen;
			udp_bufs[i][len] = '\0';
			tp_deliver(s, &src[i], udp_bufs[i], len);
		}
		if (n < UDP_BATCH || loop->stop)
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
	if (!s) {
		close(fd);
		return SIP_NOMEM;
	}
	memset(s, 0, sizeof *s);
	s->tp = &tp_udp;
	s->fd = fd;
	s->local = *addr;
	if (loop && sip_loop_add_fd(loop, fd, udp_on_readable, s) != SIP_OK) {
		close(fd);
		sip_mem_free(s);
		return SIP_EIO;
	}
	*out = s;
	return SIP_OK;
}

static int udp_send(sip_socket *s, const sip_addr *dst, const char *buf, size_t len)
{
	for (;;) {
		ssize_t n = sendto(s->fd, buf, len, 0, &dst->u.sa, dst->len);
		if (n >= 0)
			return SIP_OK;
		if (errno == EINTR)
			continue;
		char ip[64];
		LOG_WARN("sendto %s:%d from %s: %s", sip_addr_ip(dst, ip, sizeof ip),
			 sip_addr_port(dst), s->name, strerror(errno));
		return SIP_EIO;
	}
}

static void udp_close(sip_socket *s)
{
	if (s->fd >= 0)
		close(s->fd);
	sip_mem_free(s);
}

const sip_transport tp_udp = {
	.name = "udp", .via_name = "UDP", .reliable = false,
	.listen = udp_listen, .send = udp_send, .close = udp_close,
};
