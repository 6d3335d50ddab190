/* The transport table, socket list and address helpers. */
#include "net/transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "core/arena.h"
#include "core/log.h"
#include "core/status.h"
#include "net/ban.h"
#include "net/loop.h"

static const sip_transport *const transports[] = { &tp_udp, &tp_tcp, &tp_tls, &tp_loopback,
						   &tp_ws, &tp_wss };

static tp_recv_fn recv_fn;
static void *recv_arg;
static sip_socket *sockets;

const sip_transport *tp_find(const char *name)
{
	for (size_t i = 0; i < sizeof transports / sizeof transports[0]; i++)
		if (strcasecmp(transports[i]->name, name) == 0)
			return transports[i];
	return NULL;
}

const sip_transport *tp_find_str(sip_str name)
{
	for (size_t i = 0; i < sizeof transports / sizeof transports[0]; i++)
		if (sip_str_eq_lit_case(name, transports[i]->name))
			return transports[i];
	return NULL;
}

void tp_set_recv(tp_recv_fn fn, void *arg)
{
	recv_fn = fn;
	recv_arg = arg;
}

tp_capture_fn tp_capture;

void tp_set_capture(tp_capture_fn fn)
{
	tp_capture = fn;
}

static tp_dispatch_fn dispatch_fn;
bool tp_reuseport;

void tp_set_dispatch(tp_dispatch_fn fn)
{
	dispatch_fn = fn;
}

/* A packet from a banned address (net/ban.h) goes no further: it is
 * dropped here, before the upper layer copies or parses anything (and
 * before tracing: a flood that is refused is not mirrored either). */
void tp_deliver(sip_socket *sock, const sip_addr *src, char *buf, size_t len)
{
	if (tp_ban_check(src))
		return;
	if (dispatch_fn && dispatch_fn(sock, src, buf, len))
		return;
	tp_deliver_here(sock, src, buf, len);
}

void tp_deliver_here(sip_socket *sock, const sip_addr *src, char *buf, size_t len)
{
	if (__builtin_expect(tp_capture != NULL, 0))
		tp_capture(sock, src, buf, len, false);
	if (recv_fn)
		recv_fn(sock, src, buf, len, recv_arg);
}

static tp_send_error_fn send_error_fn;
static void *send_error_arg;

void tp_set_send_error(tp_send_error_fn fn, void *arg)
{
	send_error_fn = fn;
	send_error_arg = arg;
}

static tp_dispatch_fn send_error_dispatch;

void tp_set_send_error_dispatch(tp_dispatch_fn fn)
{
	send_error_dispatch = fn;
}

void tp_send_error(sip_socket *sock, const sip_addr *dst, const char *buf, size_t len)
{
	if (send_error_dispatch && send_error_dispatch(sock, dst, buf, len))
		return;
	tp_send_error_here(sock, dst, buf, len);
}

void tp_send_error_here(sip_socket *sock, const sip_addr *dst, const char *buf, size_t len)
{
	if (send_error_fn)
		send_error_fn(sock, dst, buf, len, send_error_arg);
}

sip_socket *tp_sockets(void)
{
	return sockets;
}

/* Copy ip (without brackets) into a stack buffer for inet_pton. */
static bool addr_strip(sip_str ip, char *buf, size_t sz)
{
	if (ip.len >= 2 && ip.s[0] == '[' && ip.s[ip.len - 1] == ']') {
		ip.s++;
		ip.len -= 2;
	}
	if (ip.len == 0 || ip.len >= sz)
		return false;
	memcpy(buf, ip.s, ip.len);
	buf[ip.len] = '\0';
	return true;
}

int sip_addr_from_ip(sip_addr *a, sip_str ip, int port)
{
	char buf[64];
	memset(a, 0, sizeof *a);
	if (sip_ipv4_parse(ip, (unsigned char *)&a->u.in.sin_addr)) {
		a->u.in.sin_family = AF_INET;
		a->u.in.sin_port = htons((uint16_t)port);
		a->len = sizeof a->u.in;
		return SIP_OK;
	}
	if (!addr_strip(ip, buf, sizeof buf))
		return SIP_EINVAL;
	if (inet_pton(AF_INET, buf, &a->u.in.sin_addr) == 1) {
		a->u.in.sin_family = AF_INET;
		a->u.in.sin_port = htons((uint16_t)port);
		a->len = sizeof a->u.in;
		return SIP_OK;
	}
	if (inet_pton(AF_INET6, buf, &a->u.in6.sin6_addr) == 1) {
		a->u.in6.sin6_family = AF_INET6;
		a->u.in6.sin6_port = htons((uint16_t)port);
		a->len = sizeof a->u.in6;
		return SIP_OK;
	}
	return SIP_EINVAL;
}

int sip_addr_resolve(sip_addr *a, sip_str host, int port)
{
	if (sip_addr_from_ip(a, host, port) == SIP_OK)
		return SIP_OK;
	char name[256];
	if (!addr_strip(host, name, sizeof name))
		return SIP_EINVAL;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM };
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(name, NULL, &hints, &res);
	if (rc != 0 || !res) {
		LOG_WARN("cannot resolve %s: %s", name, gai_strerror(rc));
		return SIP_ENOTFOUND;
	}
	memset(a, 0, sizeof *a);
	memcpy(&a->u.ss, res->ai_addr, res->ai_addrlen);
	a->len = res->ai_addrlen;
	if (a->u.sa.sa_family == AF_INET)
		a->u.in.sin_port = htons((uint16_t)port);
	else
		a->u.in6.sin6_port = htons((uint16_t)port);
	freeaddrinfo(res);
	return SIP_OK;
}

/* IPv4 by hand: this runs for every request (Via received= check), and
 * inet_ntop goes through sprintf. */
const char *sip_addr_ip(const sip_addr *a, char *buf, size_t sz)
{
	if (a->u.sa.sa_family == AF_INET && sz >= INET_ADDRSTRLEN) {
		const unsigned char *b = (const unsigned char *)&a->u.in.sin_addr;
		size_t n = 0;
		for (int i = 0; i < 4; i++) {
			if (i)
				buf[n++] = '.';
			n += sip_fmt_uint(buf + n, b[i]);
		}
		buf[n] = '\0';
		return buf;
	}
	const void *p = a->u.sa.sa_family == AF_INET6 ? (const void *)&a->u.in6.sin6_addr
						       : (const void *)&a->u.in.sin_addr;
	if (!inet_ntop(a->u.sa.sa_family, p, buf, (socklen_t)sz))
		snprintf(buf, sz, "?");
	return buf;
}

int sip_addr_port(const sip_addr *a)
{
	return ntohs(a->u.sa.sa_family == AF_INET6 ? a->u.in6.sin6_port : a->u.in.sin_port);
}

bool sip_addr_eq(const sip_addr *a, const sip_addr *b)
{
	if (a->u.sa.sa_family != b->u.sa.sa_family)
		return false;
	if (a->u.sa.sa_family == AF_INET)
		return a->u.in.sin_port == b->u.in.sin_port &&
		       a->u.in.sin_addr.s_addr == b->u.in.sin_addr.s_addr;
	return a->u.in6.sin6_port == b->u.in6.sin6_port &&
	       memcmp(&a->u.in6.sin6_addr, &b->u.in6.sin6_addr, 16) == 0;
}

/* Fill the advertised address and the log name of a new socket. */
static void socket_names(sip_socket *s, const char *ip, int port)
{
	bool v6 = strchr(ip, ':') != NULL;
	snprintf(s->ip, sizeof s->ip, v6 ? "[%s]" : "%s", ip);
	s->ip_str = sip_str_make(s->ip, strlen(s->ip));
	s->port = port;
	snprintf(s->name, sizeof s->name, "%s:%s:%d", s->tp->name, s->ip, port);
	int n = snprintf(s->via_prefix, sizeof s->via_prefix, "Via: SIP/2.0/%s %s:%d;branch=",
			 s->tp->via_name, s->ip, port);
	s->via_prefix_str = sip_str_make(s->via_prefix, (size_t)n);
	/* A stream transport says so, for in-dialog requests to come back
	 * over it. */
	if (s->tp->caps & TP_CAP_DATAGRAM)
		n = snprintf(s->rr_hdr, sizeof s->rr_hdr, "Record-Route: <sip:%s:%d;lr>\r\n", s->ip, port);
	else
		n = snprintf(s->rr_hdr, sizeof s->rr_hdr, "Record-Route: <sip:%s:%d;transport=%s;lr>\r\n",
			     s->ip, port, s->tp->name);
	s->rr_hdr_str = sip_str_make(s->rr_hdr, (size_t)n);
}

int tp_listen(sip_loop *loop, const sip_transport *tp, const char *ip, int port,
	      sip_socket **out)
{
	sip_addr a;
	int rc = sip_addr_from_ip(&a, sip_str_make(ip, strlen(ip)), port);
	if (rc != SIP_OK) {
		LOG_ERR("cannot listen on %s:%s:%d: not a numeric IP address", tp->name, ip, port);
		return rc;
	}
	sip_socket *s = NULL;
	/* SO_REUSEPORT would let the sockets of another proxy (of the same
	 * user) share the address silently: the address must be free first,
	 * tried with a socket without the option. */
	if (tp_reuseport && tp == &tp_udp) {
		int fd = socket(a.u.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		int e = fd < 0 || bind(fd, &a.u.sa, a.len) < 0 ? errno : 0;
		if (fd >= 0)
			close(fd);
		if (e) {
			LOG_ERR("cannot listen on %s:%s:%d: %s", tp->name, ip, port, strerror(e));
			return e == EADDRINUSE ? SIP_EADDRINUSE : SIP_EIO;
		}
	}
	rc = tp->listen(loop, &a, &s);
	if (rc != SIP_OK) {
		LOG_ERR("cannot listen on %s:%s:%d: %s", tp->name, ip, port,
			rc == SIP_EADDRINUSE ? "Address already in use" : strerror(errno));
		return rc;
	}
	socket_names(s, ip, port);
	sip_socket **pp = &sockets;
	while (*pp)
		pp = &(*pp)->next;
	*pp = s;
	if (out)
		*out = s;
	return SIP_OK;
}

int tp_add_twins(sip_socket *s, sip_loop *const *loops, unsigned n)
{
	if (s->tp != &tp_udp || n < 2 || s->twins)
		return SIP_EINVAL;
	sip_socket **tw = sip_mem_alloc(n * sizeof *tw);
	if (!tw)
		return SIP_NOMEM;
	memset(tw, 0, n * sizeof *tw);
	tw[0] = s;
	for (unsigned i = 1; i < n; i++) {
		int rc = s->tp->listen(loops[i], &s->local, &tw[i]);
		if (rc != SIP_OK) {
			LOG_ERR("cannot listen on %s for worker %u: %s", s->name, i,
				rc == SIP_EADDRINUSE ? "Address already in use" : strerror(errno));
			for (unsigned j = 1; j < i; j++)
				tw[j]->tp->close(tw[j]);
			sip_mem_free(tw);
			return rc;
		}
		sip_socket *t = tw[i];
		memcpy(t->ip, s->ip, sizeof t->ip);
		memcpy(t->name, s->name, sizeof t->name);
		memcpy(t->via_prefix, s->via_prefix, sizeof t->via_prefix);
		memcpy(t->rr_hdr, s->rr_hdr, sizeof t->rr_hdr);
		t->ip_str = sip_str_make(t->ip, s->ip_str.len);
		t->port = s->port;
		t->via_prefix_str = sip_str_make(t->via_prefix, s->via_prefix_str.len);
		t->rr_hdr_str = sip_str_make(t->rr_hdr, s->rr_hdr_str.len);
	}
	for (unsigned i = 0; i < n; i++) {
		tw[i]->twins = tw;
		tw[i]->n_twins = n;
	}
	return SIP_OK;
}

void tp_close_all(void)
{
	while (sockets) {
		sip_socket *s = sockets;
		sockets = s->next;
		s->tp->close(s);
	}
}

sip_socket *tp_pick(sip_socket *pref, const sip_transport *tp, const sip_addr *dst)
{
	if (!tp)
		tp = pref ? pref->tp : NULL;
	if (pref && pref->tp == tp && pref->local.u.sa.sa_family == dst->u.sa.sa_family)
		return pref;
	for (sip_socket *s = sockets; s; s = s->next)
		if ((!tp || s->tp == tp) && s->local.u.sa.sa_family == dst->u.sa.sa_family)
			return s;
	/* The loop transport of the tests stands for any. */
	if (pref && (!tp || pref->tp == tp || pref->tp == &tp_loopback))
		return pref;
	return NULL;
}

/* ---- loop transport ---- */

static tp_sent *sent;
static size_t n_sent, cap_sent;

static int loopback_send(sip_socket *sock, const sip_addr *dst, const char *buf, size_t len)
{
	if (n_sent == cap_sent) {
		size_t cap = cap_sent ? cap_sent * 2 : 16;
		tp_sent *p = sip_mem_realloc(sent, cap * sizeof *p);
		if (!p)
			return SIP_NOMEM;
		sent = p;
		cap_sent = cap;
	}
	char *copy = sip_mem_alloc(len + 1);
	if (!copy)
		return SIP_NOMEM;
	memcpy(copy, buf, len);
	copy[len] = '\0';
	sent[n_sent++] = (tp_sent){ sock, *dst, copy, len };
	return SIP_OK;
}

static int loopback_listen(sip_loop *loop, const sip_addr *addr, sip_socket **out)
{
	sip_socket *s = sip_mem_alloc(sizeof *s);
	if (!s)
		return SIP_NOMEM;
	memset(s, 0, sizeof *s);
	s->tp = &tp_loopback;
	s->fd = -1;
	s->local = *addr;
	*out = s;
	return SIP_OK;
}

static void loopback_close(sip_socket *s)
{
	sip_mem_free(s);
}

const sip_transport tp_loopback = {
	.name = "loop", .via_name = "UDP", .reliable = false,
	.caps = TP_CAP_DATAGRAM | TP_CAP_INTERNAL,
	.listen = loopback_listen, .send = loopback_send, .close = loopback_close,
};

sip_socket *tp_loopback_socket(const char *ip, int port)
{
	sip_socket *s = NULL;
	if (tp_listen(NULL, &tp_loopback, ip, port, &s) != SIP_OK)
		return NULL;
	return s;
}

size_t tp_loopback_count(void)
{
	return n_sent;
}

const tp_sent *tp_loopback_get(size_t i)
{
	return i < n_sent ? &sent[i] : NULL;
}

void tp_loopback_clear(void)
{
	for (size_t i = 0; i < n_sent; i++)
		sip_mem_free(sent[i].buf);
	n_sent = 0;
}
