/* Transports: a table of function pointers per protocol (udp, tcp, tls;
 * ws would plug in the same way), and the sockets they listen on. A stream
 * transport's socket is its listening socket: sending to an address goes
 * over the connection open to it (opened when there is none).
 *
 * Received messages go up through one callback the upper layer registers
 * with tp_set_recv(); sending is tp_send() on a socket. */
#ifndef SIPCC_NET_TRANSPORT_H
#define SIPCC_NET_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "core/str.h"

/* A socket address of any family. */
typedef struct sip_addr {
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
		struct sockaddr_storage ss;
	} u;
	socklen_t len;
} sip_addr;

/* Parse a numeric IPv4/IPv6 address (brackets allowed) and a port. */
int sip_addr_from_ip(sip_addr *a, sip_str ip, int port);
/* Resolve a host name or literal (getaddrinfo, blocking) for UDP. */
int sip_addr_resolve(sip_addr *a, sip_str host, int port);
/* "1.2.3.4" / "::1" (no brackets) into buf; returns buf. */
const char *sip_addr_ip(const sip_addr *a, char *buf, size_t sz);
int sip_addr_port(const sip_addr *a);
bool sip_addr_eq(const sip_addr *a, const sip_addr *b);

struct sip_transport;

/* One bound socket of a transport. */
typedef struct sip_socket {
	const struct sip_transport *tp;
	int fd;
	sip_addr local;
	char ip[64];            /* advertised address (Via, Record-Route) */
	sip_str ip_str;         /* slice of ip; IPv6 in brackets */
	int port;
	char name[96];          /* "udp:127.0.0.1:5060" for logs */
	void *priv;             /* transport-private */
	struct sip_socket *next;
	/* Made once when the socket is created, so that forwarding a request
	 * only copies them: "Via: SIP/2.0/UDP ip:port;branch=" and
	 * "Record-Route: <sip:ip:port;lr>" + CRLF. */
	char via_prefix[128];
	sip_str via_prefix_str;
	char rr_hdr[128];
	sip_str rr_hdr_str;
	/* With several workers (UDP): the sockets of this address, one per
	 * worker, twins[0] the one in tp_sockets() that the layers above see
	 * (NULL with one worker). */
	struct sip_socket **twins;
	unsigned n_twins;
} sip_socket;

/* Upper-layer receive callback: one complete message in buf (writable,
 * valid until the callback returns). */
typedef void (*tp_recv_fn)(sip_socket *sock, const sip_addr *src,
			   char *buf, size_t len, void *arg);

struct sip_loop;

/* What a transport can do, for the layers above that must not know
 * transports by name. */
enum {
	TP_CAP_DATAGRAM = 1u << 0,  /* one message a datagram: the Record-Route
				       for it names no transport (UDP) */
	TP_CAP_SECURE = 1u << 1,    /* TLS underneath: a sips: next hop, the
				       peer's name checked (TLS, WSS) */
	TP_CAP_FLOW = 1u << 2,      /* a client is reached only over its
				       connection (RFC 7118: WS, WSS) */
	TP_CAP_INTERNAL = 1u << 3,  /* never leaves the process (the loopback
				       of the tests): not for a listen line,
				       and a next hop leaves on the socket a
				       request came in on */
};

typedef struct sip_transport {
	const char *name;       /* "udp" */
	const char *via_name;   /* "UDP" as written in Via */
	bool reliable;          /* no retransmissions needed (TCP, TLS, WS) */
	unsigned caps;          /* TP_CAP_* */
	/* Create a socket listening on addr and register it with the loop. */
	int (*listen)(struct sip_loop *loop, const sip_addr *addr, sip_socket **out);
	/* Send (or queue, see tp_set_send_error) one message; SIP_OK or SIP_EIO. */
	int (*send)(sip_socket *sock, const sip_addr *dst, const char *buf, size_t len);
	void (*close)(sip_socket *sock);
} sip_transport;

extern const sip_transport tp_udp;
extern const sip_transport tp_tcp;
extern const sip_transport tp_tls;
extern const sip_transport tp_ws;       /* RFC 7118, ws.c */
extern const sip_transport tp_wss;      /* the same over TLS */

/* A flow token naming the connection to peer, "IP~PORT~SIGNATURE" (an
 * HMAC under a key of this process, so a token cannot be forged to reach
 * another client's connection): the proxy puts it in the Record-Route
 * it writes for a WebSocket connection, whose client's Contact is not an
 * address (RFC 7118 §5: an .invalid host). Returns its length (0 when it
 * does not fit in sz). */
size_t tp_flow_token(const sip_addr *peer, char *out, size_t sz);
/* The peer of a token this process made; SIP_EINVAL for any other. */
int tp_flow_parse(sip_str tok, sip_addr *peer);
/* Whether a connection of the stream transport tp to peer is open
 * (tcp.c): a WebSocket client can be reached only while it is. Safe on
 * every worker (the connection table is read under its lock there). */
bool tp_conn_open(const sip_transport *tp, const sip_addr *peer);
extern const sip_transport tp_loopback;

/* Find a transport by name ("udp", "tcp", "tls"); NULL when unknown. */
const sip_transport *tp_find(const char *name);
/* The same by a URI transport= value or a Via protocol ("TCP"). */
const sip_transport *tp_find_str(sip_str name);

/* Register the upper layer's receive callback (one per process). */
void tp_set_recv(tp_recv_fn fn, void *arg);

/* A transport may queue what is sent while it hands a received batch up
 * and send it all at once afterwards (UDP does); tp_send() then says
 * SIP_OK for a datagram not sent yet. One the kernel refuses later is
 * reported through this callback (RFC 3261 §16.9: a transport error is
 * taken as a 503 for that request). Sends that fail at once are not. */
typedef void (*tp_send_error_fn)(sip_socket *sock, const sip_addr *dst,
				 const char *buf, size_t len, void *arg);
void tp_set_send_error(tp_send_error_fn fn, void *arg);
/* Report a deferred send that failed (used by transports): to the
 * dispatch function when one is set (several workers: the ICMP error for
 * a datagram one worker sent may be read by another, the kernel choosing
 * among the sockets of the address), else to tp_send_error_here(). */
void tp_send_error(sip_socket *sock, const sip_addr *dst, const char *buf, size_t len);
void tp_send_error_here(sip_socket *sock, const sip_addr *dst, const char *buf, size_t len);
/* Hand a received message to the upper layer (used by transports): after
 * the ban check, to the dispatch function when one is set, else (or when
 * it declines) to tp_deliver_here(). */
void tp_deliver(sip_socket *sock, const sip_addr *src, char *buf, size_t len);
/* Hand a message to the upper layer on this thread: capture, then the
 * receive callback. */
void tp_deliver_here(sip_socket *sock, const sip_addr *src, char *buf, size_t len);

/* Several workers (proxy/worker.h): a received datagram may belong to
 * another worker. fn returns true when it took the message (a copy: buf
 * is reused once it returns), false to have it handled here. */
typedef bool (*tp_dispatch_fn)(sip_socket *sock, const sip_addr *src, const char *buf,
			       size_t len);
void tp_set_dispatch(tp_dispatch_fn fn);
/* The same for failed sends (tp_send_error): fn sees each first, with the
 * destination in src; true when it took it. */
void tp_set_send_error_dispatch(tp_dispatch_fn fn);

/* Several workers: the stream transports (TCP, TLS, WebSocket) keep
 * their listening sockets and connections on worker 0's loop, which
 * accepts, reads, frames and writes them; a message read from one is
 * handed to the worker that owns it like a datagram (tp_set_dispatch).
 * fn runs fn(arg) on worker id's loop (proxy_worker_post): a send over a
 * stream by any other worker is posted to worker 0 with it (SIP_OK once
 * posted; a failure comes back through tp_send_error), and so is closing
 * the connections of a banned address. Unset (one worker) streams are
 * handled where they are used, without a lock. */
typedef int (*tp_post_fn)(unsigned id, void (*fn)(void *arg), void *arg);
void tp_set_post(tp_post_fn fn);

/* Set before listening with several workers: UDP sockets are made with
 * SO_REUSEPORT so that each worker has one on the same address. */
extern bool tp_reuseport;
/* Give the UDP socket s one twin per further worker, bound to the same
 * address (SO_REUSEPORT) and registered on loops[1..n-1]; s stays the one
 * tp_sockets() lists. SIP_EINVAL for a transport other than UDP. */
int tp_add_twins(sip_socket *s, struct sip_loop *const *loops, unsigned n);
/* Datagrams sent between these two calls go out together at the end (as
 * those sent while a received batch is handled): for a worker handing up
 * a batch of messages other workers read, for the results of database
 * jobs handled together. Nests: begin returns whether a batch was open
 * already, and end given true leaves the sending to the outer one. */
bool tp_udp_batch_begin(void);
void tp_udp_batch_end(bool was);
/* Free what the UDP transport keeps for the calling worker thread. */
void tp_udp_worker_done(void);

/* All listening sockets, in creation order. */
sip_socket *tp_sockets(void);
/* Listen with transport tp on ip:port; appends to tp_sockets(). On failure
 * logs "cannot listen on udp:IP:PORT: <reason>" and returns an error. */
int tp_listen(struct sip_loop *loop, const sip_transport *tp, const char *ip, int port,
	      sip_socket **out);
/* Close every socket. */
void tp_close_all(void);

/* Capture (message tracing, modules/siptrace): when a function is set it
 * sees every message a transport hands up, before the layers above do,
 * and every message sent with tp_send() that the transport took, with the
 * socket, the peer (source or destination) and whether it was sent. It
 * must not send with tp_send() itself. Unset, it costs one test. */
typedef void (*tp_capture_fn)(const sip_socket *sock, const sip_addr *peer,
			      const char *buf, size_t len, bool sent);
extern tp_capture_fn tp_capture;
void tp_set_capture(tp_capture_fn fn);

static inline int tp_send(sip_socket *sock, const sip_addr *dst, const char *buf, size_t len)
{
	int rc = sock->tp->send(sock, dst, buf, len);
	if (__builtin_expect(tp_capture != NULL, 0) && rc == 0)
		tp_capture(sock, dst, buf, len, true);
	return rc;
}

/* A socket of transport tp (NULL: pref's) to send to dst from: pref when
 * it fits, else the first socket of that transport and family; NULL when
 * none. */
sip_socket *tp_pick(sip_socket *pref, const sip_transport *tp, const sip_addr *dst);

/* ---- loop transport (tests): records what is sent ---- */
typedef struct tp_sent {
	sip_socket *sock;
	sip_addr dst;
	char *buf;              /* NUL-terminated copy */
	size_t len;
} tp_sent;

/* A socket of the loop transport with this advertised address. */
sip_socket *tp_loopback_socket(const char *ip, int port);
/* Messages sent so far (oldest first), and forget them. */
size_t tp_loopback_count(void);
const tp_sent *tp_loopback_get(size_t i);
void tp_loopback_clear(void);

#endif
