/* The stream machinery tcp.c provides to the transports built on it (TLS):
 * connections in the loop, framing, the connection table, limits. A
 * transport on top supplies the byte I/O of a connection. */
#ifndef SIPCC_NET_TCP_INT_H
#define SIPCC_NET_TCP_INT_H

#include <sys/types.h>
#include "core/htable.h"
#include "core/timer.h"
#include "net/loop.h"
#include "net/transport.h"

struct tcp_conn;

/* I/O on an established TCP connection. read and write return the byte
 * count, 0 from read at end of stream, or -1 with errno: EAGAIN when the
 * call has to be repeated once the socket is readable or writable (a TLS
 * handshake in progress included), anything else is fatal. */
struct tcp_io {
	/* A connection was accepted (outgoing false) or connected; SIP_OK or
	 * an error, which closes it. */
	int (*open)(struct tcp_conn *c, bool outgoing);
	ssize_t (*read)(struct tcp_conn *c, void *buf, size_t n);
	ssize_t (*write)(struct tcp_conn *c, const void *buf, size_t n);
	void (*close)(struct tcp_conn *c);
	/* Input already read from the socket but not returned yet (a TLS
	 * record larger than the read); epoll does not report it. */
	bool (*pending)(struct tcp_conn *c);
	/* The connection is still being set up at this level (a TLS
	 * handshake): its steps are costly and shared out (tcp.c). May be
	 * NULL. */
	bool (*handshaking)(struct tcp_conn *c);
};

/* A message layer that frames the stream itself instead of SIP's
 * Content-Length (WebSocket, ws.c). It sits above the byte I/O, so it
 * runs over plain TCP and over TLS alike. */
struct tcp_framer {
	/* The connection is set up (after tcp_io.open); may queue output (a
	 * client's handshake). An error closes it. */
	int (*open)(struct tcp_conn *c, bool outgoing);
	/* Input buf[0..len) (writable; buf[len] may be overwritten): hand up
	 * the complete messages and answer control input. Returns the bytes
	 * consumed, or a negative status to close the connection (logged). */
	long (*input)(struct tcp_conn *c, char *buf, size_t len);
	/* Send one SIP message over c (framed, or held until c is ready). */
	int (*send)(struct tcp_conn *c, const char *buf, size_t len);
	void (*close)(struct tcp_conn *c);
	/* c was quiet for the idle timeout: true keeps it open for another
	 * period (a WebSocket ping went out and the answer is awaited). */
	bool (*idle)(struct tcp_conn *c);
};

struct tcp_conn {
	int fd;
	sip_socket *sock;           /* the listening socket it belongs to */
	const struct tcp_io *io;
	void *io_priv;              /* the TLS session */
	sip_addr peer;
	bool outgoing;
	bool connecting;            /* connect() in progress */
	bool want_out;              /* watching EPOLLOUT */
	bool busy;                  /* inside its event handler */
	bool dead;                  /* close when the handler returns */
	bool io_wait_read;          /* the last EAGAIN waits for input, not output */
	char *rbuf;
	size_t rlen, rcap;
	char *wbuf;
	size_t woff, wlen, wcap;
	uint64_t last_ms;           /* last input or output */
	sip_timer idle;
	sip_hlink hlink;            /* in the connection table, by peer */
	const struct tcp_framer *framer;    /* NULL: Content-Length framing */
	void *framer_priv;
};

/* Listen on addr as transport tp with io for the connections. */
int tcp_listen_io(sip_loop *loop, const sip_addr *addr, sip_socket **out,
		  const sip_transport *tp, const struct tcp_io *io);
/* Send over the connection of sock to dst, connecting first when there is
 * none. */
int tcp_send_io(sip_socket *sock, const sip_addr *dst, const char *buf, size_t len);
void tcp_close_sock(sip_socket *sock);
/* tcp_listen_io with a framer for the connections of the socket (io
 * NULL: plain TCP). */
int tcp_listen_framed(sip_loop *loop, const sip_addr *addr, sip_socket **out,
		      const sip_transport *tp, const struct tcp_io *io,
		      const struct tcp_framer *framer);
/* Write bytes on c as they are (or queue them behind pending output);
 * SIP_OK, or SIP_EIO when c failed (it is then closed). */
int tcp_conn_write(struct tcp_conn *c, const char *buf, size_t len);
/* Close c (at the end of its event handler when inside it). */
void tcp_conn_close(struct tcp_conn *c);
/* The TLS byte I/O (tls.c) for a transport layered on TLS (wss), its
 * contexts loaded from the tls settings; NULL (logged) when they cannot
 * be. */
const struct tcp_io *tls_stream_io(void);
/* Number of open connections (tests, limits). */
unsigned tcp_conn_count(void);
/* The bytes the connections hold in read buffers: a buffer is kept only
 * while a message is incomplete (tests). */
size_t tcp_read_buffer_bytes(void);
/* Handshake steps put off to a later batch of events, at most
 * TCP_HANDSHAKES_PER_BATCH being taken per batch (tests). */
unsigned long tcp_handshakes_deferred(void);
/* Those of one transport (tcp, tls, ws, wss); walks the table. */
unsigned tcp_conn_count_tp(const sip_transport *tp);
struct tp_addr_key;
/* Close every connection (of any stream transport) to or from the
 * address of k, whatever the port: its address was banned (ban.c).
 * Walks the table; returns how many. On a worker other than 0 (several
 * workers) the closing is posted to worker 0 and 0 is returned. */
unsigned tcp_close_addr(const struct tp_addr_key *k);

#endif
