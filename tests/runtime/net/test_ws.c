/* WebSocket transport tests: the handshake and frame codec on their own
 * (RFC 6455 examples, every cut of a frame, the errors), then the ws
 * transport over real sockets on 127.0.0.1: upgrade, masked and
 * fragmented messages, ping, replies over the connection, the size
 * limit, bad handshakes and unmasked frames, and the client side (the
 * transport connecting to a ws listener of its own). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "core/status.h"
#include "net/loop.h"
#include "net/tcp_int.h"
#include "net/transport.h"
#include "net/ws_int.h"
#include "sip/msg.h"

/* ---- codec ---- */

static void test_accept_key(void **state)
{
	(void)state;
	char out[29];
	/* RFC 6455 §1.3 */
	ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", 24, out);
	assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

#define HS_HEAD "GET /sip HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
#define HS_UPG "Upgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n"
#define HS_KEY "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
#define HS_VER "Sec-WebSocket-Version: 13\r\n"
#define HS_PROTO "Sec-WebSocket-Protocol: foo, sip\r\n"

static const char HS[] = HS_HEAD HS_UPG HS_KEY HS_VER HS_PROTO "\r\n";

static void test_request_parse(void **state)
{
	(void)state;
	struct ws_request r;
	assert_int_equal(ws_request_parse(HS, sizeof HS - 1, &r), (long)(sizeof HS - 1));
	assert_int_equal(r.status, 0);
	assert_string_equal(r.accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	char out[512];
	size_t n = ws_response_print(&r, out, sizeof out);
	out[n] = '\0';
	assert_non_null(strstr(out, "HTTP/1.1 101 Switching Protocols\r\n"));
	assert_non_null(strstr(out, "\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
	assert_non_null(strstr(out, "\r\nSec-WebSocket-Protocol: sip\r\n"));
	/* Every shorter prefix waits for more. */
	for (size_t i = 0; i < sizeof HS - 1; i++)
		assert_int_equal(ws_request_parse(HS, i, &r), 0);
}

static void expect_refusal(const char *req, int status, const char *why_part)
{
	struct ws_request r;
	assert_int_equal(ws_request_parse(req, strlen(req), &r), (long)strlen(req));
	assert_int_equal(r.status, status);
	assert_non_null(strstr(r.why, why_part));
	char out[512];
	size_t n = ws_response_print(&r, out, sizeof out);
	out[n] = '\0';
	char line[32];
	snprintf(line, sizeof line, "HTTP/1.1 %d ", status);
	assert_true(strncmp(out, line, strlen(line)) == 0);
	if (status == 426)
		assert_non_null(strstr(out, "\r\nSec-WebSocket-Version: 13\r\n"));
}

static void test_bad_handshake(void **state)
{
	(void)state;
	expect_refusal(HS_HEAD HS_UPG HS_KEY HS_VER "\r\n", 400, "sip");
	expect_refusal(HS_HEAD HS_UPG HS_KEY HS_VER "Sec-WebSocket-Protocol: chat\r\n\r\n", 400, "sip");
	expect_refusal(HS_HEAD HS_UPG HS_KEY "Sec-WebSocket-Version: 8\r\n" HS_PROTO "\r\n", 426, "13");
	expect_refusal(HS_HEAD "Connection: Upgrade\r\n" HS_KEY HS_VER HS_PROTO "\r\n", 426, "Upgrade");
	expect_refusal(HS_HEAD "Upgrade: websocket\r\n" HS_KEY HS_VER HS_PROTO "\r\n", 400, "Connection");
	expect_refusal(HS_HEAD HS_UPG "Sec-WebSocket-Key: c2hvcnQ=\r\n" HS_VER HS_PROTO "\r\n", 400, "Key");
	expect_refusal("POST / HTTP/1.1\r\nHost: x\r\n" HS_UPG HS_KEY HS_VER HS_PROTO "\r\n", 400, "GET");
	expect_refusal("GET / HTTP/1.0\r\nHost: x\r\n" HS_UPG HS_KEY HS_VER HS_PROTO "\r\n", 400, "HTTP/1.1");
	expect_refusal("GET / HTTP/1.1\r\n" HS_UPG HS_KEY HS_VER HS_PROTO "\r\n", 400, "Host");
	/* Not HTTP at all: refused from the first bytes. */
	struct ws_request r;
	assert_int_equal(ws_request_parse("\x16\x03\x01", 3, &r), -1);
	assert_int_equal(ws_request_parse("INVITE sip:a@b SIP/2.0\r\n", 7, &r), 0);
	assert_int_equal(ws_request_parse("hello", 5, &r), -1);
	/* Too long without an end. */
	static char big[WS_MAX_HANDSHAKE + 16];
	memcpy(big, HS_HEAD, sizeof HS_HEAD - 1);
	memset(big + sizeof HS_HEAD - 1, 'a', sizeof big - sizeof HS_HEAD);
	assert_int_equal(ws_request_parse(big, sizeof big - 1, &r), -1);
	assert_non_null(strstr(r.why, "8192"));
}

static void test_client_handshake(void **state)
{
	(void)state;
	unsigned char nonce[16] = "the sample nonce";
	char req[512], accept[29];
	size_t n = ws_request_print("127.0.0.1:8080", nonce, req, sizeof req, accept);
	assert_string_equal(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	/* Our own server side accepts our client's request... */
	struct ws_request r;
	assert_int_equal(ws_request_parse(req, n, &r), (long)n);
	assert_int_equal(r.status, 0);
	char resp[512];
	size_t rn = ws_response_print(&r, resp, sizeof resp);
	const char *why = "x";
	assert_int_equal(ws_response_parse(resp, rn, accept, &why), (long)rn);
	assert_null(why);
	assert_int_equal(ws_response_parse(resp, rn - 1, accept, &why), 0);
	/* ... and the client refuses a wrong key or a refusal. */
	assert_int_equal(ws_response_parse(resp, rn, "AAAAAAAAAAAAAAAAAAAAAAAAAAA=", &why), -1);
	assert_non_null(strstr(why, "Accept"));
	r.status = 400;
	rn = ws_response_print(&r, resp, sizeof resp);
	assert_int_equal(ws_response_parse(resp, rn, accept, &why), -1);
}

static void test_frame_masked(void **state)
{
	(void)state;
	/* RFC 6455 §5.7: a masked text "Hello". */
	static const unsigned char hello[] = { 0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f,
					       0x4d, 0x51, 0x58 };
	char buf[sizeof hello];
	struct ws_frame f;
	for (size_t cut = 0; cut < sizeof hello; cut++) {
		memcpy(buf, hello, sizeof hello);
		assert_int_equal(ws_frame_parse(buf, cut, true, WS_MAX_MSG, &f), 0);
	}
	memcpy(buf, hello, sizeof hello);
	assert_int_equal(ws_frame_parse(buf, sizeof buf, true, WS_MAX_MSG, &f), (long)sizeof hello);
	assert_true(f.fin);
	assert_int_equal(f.opcode, WS_OP_TEXT);
	assert_int_equal(f.len, 5);
	assert_memory_equal(f.payload, "Hello", 5);
	/* The same frame is refused from a server; its unmasked form from a
	 * client. */
	memcpy(buf, hello, sizeof hello);
	assert_int_equal(ws_frame_parse(buf, sizeof buf, false, WS_MAX_MSG, &f), WS_EMASKED);
	static const unsigned char plain[] = { 0x81, 0x05, 'H', 'e', 'l', 'l', 'o' };
	memcpy(buf, plain, sizeof plain);
	assert_int_equal(ws_frame_parse(buf, sizeof plain, true, WS_MAX_MSG, &f), WS_EUNMASKED);
	assert_int_equal(ws_frame_parse(buf, sizeof plain, false, WS_MAX_MSG, &f), (long)sizeof plain);
	assert_memory_equal(f.payload, "Hello", 5);
}

static void test_frame_lengths(void **state)
{
	(void)state;
	static char buf[WS_MAX_HDR + 70000];
	unsigned char mask[4] = { 1, 2, 3, 4 };
	struct ws_frame f;
	size_t sizes[] = { 0, 125, 126, 1000, 65535 };
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		size_t n = sizes[k];
		size_t h = ws_frame_header((unsigned char *)buf, WS_OP_BINARY, false, n, mask);
		assert_int_equal(h, n < 126 ? 6 : 8);
		for (size_t i = 0; i < n; i++)
			buf[h + i] = (char)('a' + i % 26);
		ws_mask(buf + h, n, mask, 0);
		assert_int_equal(ws_frame_parse(buf, h + n - (n ? 1 : 0), true, WS_MAX_MSG, &f),
				 n ? 0 : (long)h);
		assert_int_equal(ws_frame_parse(buf, h + n, true, WS_MAX_MSG, &f), (long)(h + n));
		assert_false(f.fin);
		assert_int_equal(f.opcode, WS_OP_BINARY);
		assert_int_equal(f.len, n);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(f.payload[i], 'a' + i % 26);
	}
	/* 64-bit length; refused by the limit from the header alone. */
	size_t h = ws_frame_header((unsigned char *)buf, WS_OP_TEXT, true, 70000, mask);
	assert_int_equal(h, 14);
	assert_int_equal(ws_frame_parse(buf, h, true, WS_MAX_MSG, &f), WS_ETOOBIG);
	h = ws_frame_header((unsigned char *)buf, WS_OP_TEXT, true, 2000, mask);
	assert_int_equal(ws_frame_parse(buf, h, true, 1000, &f), WS_ETOOBIG);
}

static void test_frame_protocol_errors(void **state)
{
	(void)state;
	struct ws_frame f;
	char b[16];
	/* A reserved bit, an unknown opcode, a fragmented or long ping. */
	memcpy(b, "\xc1\x80\0\0\0\0", 6);
	assert_int_equal(ws_frame_parse(b, 6, true, WS_MAX_MSG, &f), WS_EPROTO);
	memcpy(b, "\x83\x80\0\0\0\0", 6);
	assert_int_equal(ws_frame_parse(b, 6, true, WS_MAX_MSG, &f), WS_EPROTO);
	memcpy(b, "\x09\x80\0\0\0\0", 6);
	assert_int_equal(ws_frame_parse(b, 6, true, WS_MAX_MSG, &f), WS_EPROTO);
	memcpy(b, "\x89\xfe\0\x7e", 4);
	assert_int_equal(ws_frame_parse(b, 4, true, WS_MAX_MSG, &f), WS_EPROTO);
	/* A ping with a payload is fine. */
	memcpy(b, "\x89\x82\0\0\0\0hi", 8);
	assert_int_equal(ws_frame_parse(b, 8, true, WS_MAX_MSG, &f), 8);
	assert_int_equal(f.opcode, WS_OP_PING);
	assert_int_equal(f.len, 2);
	assert_non_null(ws_frame_strerror(WS_EUNMASKED));
}

static void test_utf8(void **state)
{
	(void)state;
	assert_true(ws_utf8_valid("", 0));
	assert_true(ws_utf8_valid("INVITE sip:b\xc3\xb6" "b@x SIP/2.0", 26));
	assert_true(ws_utf8_valid("\xe2\x82\xac \xf0\x9f\x98\x80", 8));
	assert_false(ws_utf8_valid("\xff", 1));
	assert_false(ws_utf8_valid("\xc0\xaf", 2));            /* overlong '/' */
	assert_false(ws_utf8_valid("\xed\xa0\x80", 3));        /* a surrogate */
	assert_false(ws_utf8_valid("\xf4\x90\x80\x80", 4));    /* above U+10FFFF */
	assert_false(ws_utf8_valid("ab\xe2\x82", 4));           /* cut short */
	assert_false(ws_utf8_valid("\xc3(", 2));
}

/* ---- the transport over sockets ---- */

static sip_loop loop;
static sip_socket *lsock, *lsock2;
static int port, port2;

#define MAX_RX 8
static char rx[MAX_RX][2048];
static sip_socket *rx_sock[MAX_RX];
static sip_addr rx_src[MAX_RX];
static unsigned n_rx;

static void on_recv(sip_socket *s, const sip_addr *src, char *buf, size_t len, void *arg)
{
	(void)arg;
	assert_true(n_rx < MAX_RX);
	assert_int_equal(buf[len], '\0');
	snprintf(rx[n_rx], sizeof rx[n_rx], "%.*s", (int)len, buf);
	rx_sock[n_rx] = s;
	rx_src[n_rx++] = *src;
}

static unsigned n_send_err;

static void on_send_error(sip_socket *s, const sip_addr *dst, const char *buf, size_t len, void *arg)
{
	(void)s; (void)dst; (void)buf; (void)len; (void)arg;
	n_send_err++;
}

static void spin(void)
{
	for (int i = 0; i < 5; i++) {
		usleep(1000);
		assert_int_equal(sip_loop_once(&loop, 10), SIP_OK);
	}
}

/* spin() until cond holds, for up to ~2 s: a loaded machine (a parallel
 * make check) may take longer than a few rounds to move the bytes. */
#define SPIN_UNTIL(cond) \
	do { for (int spin_i_ = 0; spin_i_ < 40 && !(cond); spin_i_++) spin(); } while (0)

static int listen_any(sip_socket **s, int *p, int from)
{
	for (*p = from; *p < from + 100; (*p)++)
		if (tp_listen(&loop, &tp_ws, "127.0.0.1", *p, s) == SIP_OK)
			return 0;
	return -1;
}

static int setup(void **state)
{
	(void)state;
	assert_int_equal(sip_loop_init(&loop), SIP_OK);
	tp_set_recv(on_recv, NULL);
	tp_set_send_error(on_send_error, NULL);
	if (listen_any(&lsock, &port, 36060) || listen_any(&lsock2, &port2, port + 1))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tp_close_all();
	sip_loop_destroy(&loop);
	return 0;
}

static int client(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct timeval tv = { 5, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	return fd;
}

/* Everything the proxy has sent on fd within ~100 ms of loop turns. */
static size_t drain(int fd, char *buf, size_t sz)
{
	size_t n = 0;
	for (int i = 0; i < 20; i++) {
		spin();
		struct pollfd p = { fd, POLLIN, 0 };
		while (n < sz && poll(&p, 1, 0) == 1) {
			ssize_t k = read(fd, buf + n, sz - n);
			if (k <= 0)
				return n;
			n += (size_t)k;
		}
	}
	return n;
}

/* True when the peer closed fd (EOF after whatever it sent). */
static bool closed_by_peer(int fd)
{
	char tmp[4096];
	for (int i = 0; i < 50; i++) {
		spin();
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 0) == 1) {
			ssize_t k = read(fd, tmp, sizeof tmp);
			if (k <= 0)
				return true;
		}
	}
	return false;
}

static int upgraded_client(void)
{
	int fd = client();
	assert_int_equal(write(fd, HS, sizeof HS - 1), (ssize_t)(sizeof HS - 1));
	char resp[1024];
	size_t n = drain(fd, resp, sizeof resp - 1);
	resp[n] = '\0';
	assert_non_null(strstr(resp, "HTTP/1.1 101 "));
	assert_non_null(strstr(resp, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
	return fd;
}

/* Write payload as frames of at most chunk bytes (masked, fragmented). */
static void send_frames(int fd, uint8_t op, const char *payload, size_t len, size_t chunk)
{
	static unsigned char mask[4] = { 0xa5, 0x17, 0x3c, 0xe1 };
	size_t off = 0;
	do {
		size_t n = len - off < chunk ? len - off : chunk;
		char buf[WS_MAX_HDR + 4096];
		size_t h = ws_frame_header((unsigned char *)buf, off ? WS_OP_CONT : op,
					   off + n == len, n, mask);
		memcpy(buf + h, payload + off, n);
		ws_mask(buf + h, n, mask, 0);
		assert_int_equal(write(fd, buf, h + n), (ssize_t)(h + n));
		off += n;
	} while (off < len);
}

static const char REQ[] =
	"OPTIONS sip:a@127.0.0.1 SIP/2.0\r\n"
	"Via: SIP/2.0/WS abc.invalid;branch=z9hG4bK1\r\n"
	"From: <sip:b@x>;tag=1\r\nTo: <sip:a@x>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\n"
	"Content-Length: 0\r\n\r\n";

/* One message per frame, a fragmented one with a ping in the middle
 * (answered with a pong of its payload), and a reply back over the
 * connection in an unmasked text frame. */
static void test_messages(void **state)
{
	(void)state;
	int fd = upgraded_client();
	n_rx = 0;
	send_frames(fd, WS_OP_TEXT, REQ, sizeof REQ - 1, 4096);
	SPIN_UNTIL(n_rx >= 1);
	assert_int_equal(n_rx, 1);
	assert_string_equal(rx[0], REQ);
	assert_ptr_equal(rx_sock[0], lsock);

	/* Fragments of 7 bytes, the first half, a ping, the rest. */
	size_t half = (sizeof REQ - 1) / 2;
	static unsigned char mask[4] = { 9, 8, 7, 6 };
	char buf[256];
	size_t h = ws_frame_header((unsigned char *)buf, WS_OP_BINARY, false, half, mask);
	memcpy(buf + h, REQ, half);
	ws_mask(buf + h, half, mask, 0);
	assert_int_equal(write(fd, buf, h + half), (ssize_t)(h + half));
	h = ws_frame_header((unsigned char *)buf, WS_OP_PING, true, 4, mask);
	memcpy(buf + h, "ping", 4);
	ws_mask(buf + h, 4, mask, 0);
	assert_int_equal(write(fd, buf, h + 4), (ssize_t)(h + 4));
	const char *rest = REQ + half;
	size_t rl = sizeof REQ - 1 - half;
	h = ws_frame_header((unsigned char *)buf, WS_OP_CONT, false, 7, mask);
	memcpy(buf + h, rest, 7);
	ws_mask(buf + h, 7, mask, 0);
	assert_int_equal(write(fd, buf, h + 7), (ssize_t)(h + 7));
	spin();
	assert_int_equal(n_rx, 1);
	h = ws_frame_header((unsigned char *)buf, WS_OP_CONT, true, rl - 7, mask);
	memcpy(buf + h, rest + 7, rl - 7);
	ws_mask(buf + h, rl - 7, mask, 0);
	/* byte by byte: the framer waits for the whole frame */
	for (size_t i = 0; i < h + rl - 7; i++)
		assert_int_equal(write(fd, buf + i, 1), 1);
	char in[4096];
	size_t n = drain(fd, in, sizeof in);
	assert_int_equal(n_rx, 2);
	assert_string_equal(rx[1], REQ);
	/* the pong: unmasked, same payload */
	assert_int_equal(n, 6);
	assert_memory_equal(in, "\x8a\x04ping", 6);

	/* A reply to the source goes back over the connection. */
	static const char RESP[] = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";
	assert_int_equal(tp_send(lsock, &rx_src[0], RESP, sizeof RESP - 1), SIP_OK);
	n = drain(fd, in, sizeof in);
	assert_int_equal(n, 2 + sizeof RESP - 1);
	assert_int_equal((unsigned char)in[0], 0x81);
	assert_int_equal((unsigned char)in[1], sizeof RESP - 1);
	assert_memory_equal(in + 2, RESP, sizeof RESP - 1);
	assert_int_equal(tcp_conn_count(), 1);

	/* The close handshake: our close is echoed and the proxy closes. */
	h = ws_frame_header((unsigned char *)buf, WS_OP_CLOSE, true, 2, mask);
	memcpy(buf + h, "\x03\xe8", 2);
	ws_mask(buf + h, 2, mask, 0);
	assert_int_equal(write(fd, buf, h + 2), (ssize_t)(h + 2));
	n = drain(fd, in, sizeof in);
	assert_int_equal(n, 4);
	assert_memory_equal(in, "\x88\x02\x03\xe8", 4);
	assert_true(closed_by_peer(fd));
	assert_int_equal(tcp_conn_count(), 0);
	close(fd);
}

/* A message of 200 bytes over the limit in fragments, a frame whose
 * header says too much, an unmasked frame: each closes its connection
 * (with a close frame), and a new connection works. */
static void test_limits_and_bad_frames(void **state)
{
	(void)state;
	static char big[WS_MAX_MSG + 200];
	memset(big, 'x', sizeof big);
	int fd = upgraded_client();
	n_rx = 0;
	send_frames(fd, WS_OP_TEXT, big, sizeof big, 4000);
	assert_true(closed_by_peer(fd));
	close(fd);
	assert_int_equal(n_rx, 0);

	fd = upgraded_client();
	unsigned char hdr[WS_MAX_HDR];
	unsigned char mask[4] = { 1, 1, 1, 1 };
	size_t h = ws_frame_header(hdr, WS_OP_TEXT, true, 1u << 20, mask);
	assert_int_equal(write(fd, hdr, h), (ssize_t)h);
	char in[64];
	size_t n = drain(fd, in, sizeof in);
	assert_int_equal(n, 4);
	assert_memory_equal(in, "\x88\x02\x03\xf1", 4);    /* 1009 */
	assert_true(closed_by_peer(fd));
	close(fd);

	fd = upgraded_client();
	static const char plain[] = "\x81\x05Hello";
	assert_int_equal(write(fd, plain, sizeof plain - 1), (ssize_t)(sizeof plain - 1));
	n = drain(fd, in, sizeof in);
	assert_int_equal(n, 4);
	assert_memory_equal(in, "\x88\x02\x03\xea", 4);    /* 1002 */
	assert_true(closed_by_peer(fd));
	close(fd);
	assert_int_equal(n_rx, 0);

	/* A text message that is not UTF-8 (in two fragments): 1007. The
	 * same bytes in a binary message are handed up. */
	fd = upgraded_client();
	static const char latin1[] = "OPTIONS sip:b\xf6" "b@x SIP/2.0\r\n\r\n";
	send_frames(fd, WS_OP_TEXT, latin1, sizeof latin1 - 1, 10);
	n = drain(fd, in, sizeof in);
	assert_int_equal(n, 4);
	assert_memory_equal(in, "\x88\x02\x03\xef", 4);    /* 1007 */
	assert_true(closed_by_peer(fd));
	close(fd);
	assert_int_equal(n_rx, 0);

	fd = upgraded_client();
	send_frames(fd, WS_OP_BINARY, latin1, sizeof latin1 - 1, 10);
	send_frames(fd, WS_OP_TEXT, REQ, sizeof REQ - 1, 4096);
	SPIN_UNTIL(n_rx >= 2);
	assert_int_equal(n_rx, 2);
	assert_string_equal(rx[0], latin1);
	assert_string_equal(rx[1], REQ);
	close(fd);
	spin();
}

/* A handshake without the sip protocol gets 400 and a close; garbage is
 * closed without a reply; SIP before the handshake is refused too. */
static void test_bad_handshake_socket(void **state)
{
	(void)state;
	static const char noproto[] = HS_HEAD HS_UPG HS_KEY HS_VER "\r\n";
	int fd = client();
	assert_int_equal(write(fd, noproto, sizeof noproto - 1), (ssize_t)(sizeof noproto - 1));
	char in[1024];
	size_t n = drain(fd, in, sizeof in - 1);
	in[n] = '\0';
	assert_true(strncmp(in, "HTTP/1.1 400 ", 13) == 0);
	assert_true(closed_by_peer(fd));
	close(fd);

	fd = client();
	assert_int_equal(write(fd, "\x16\x03\x01\x02\x00", 5), 5);
	assert_true(closed_by_peer(fd));
	close(fd);

	n_rx = 0;
	fd = client();
	assert_int_equal(write(fd, REQ, sizeof REQ - 1), (ssize_t)(sizeof REQ - 1));
	n = drain(fd, in, sizeof in - 1);
	in[n] = '\0';
	assert_true(strncmp(in, "HTTP/1.1 400 ", 13) == 0);
	assert_true(closed_by_peer(fd));
	close(fd);
	assert_int_equal(n_rx, 0);
	assert_int_equal(tcp_conn_count(), 0);
}

/* The client side: a send to a ws address with no connection opens one,
 * holds the message until the 101, then sends it masked; the listener
 * (the same process) hands it up. A reply comes back over it. */
static void test_client_side(void **state)
{
	(void)state;
	sip_addr dst;
	assert_int_equal(sip_addr_from_ip(&dst, SIP_STR_LIT("127.0.0.1"), port2), SIP_OK);
	n_rx = 0;
	assert_int_equal(tp_send(lsock, &dst, REQ, sizeof REQ - 1), SIP_OK);
	assert_int_equal(tp_send(lsock, &dst, REQ, sizeof REQ - 1), SIP_OK);
	for (int i = 0; i < 10 && n_rx < 2; i++)
		spin();
	assert_int_equal(n_rx, 2);
	assert_string_equal(rx[0], REQ);
	assert_string_equal(rx[1], REQ);
	assert_ptr_equal(rx_sock[0], lsock2);
	assert_int_equal(tcp_conn_count(), 2);
	static const char RESP[] = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";
	assert_int_equal(tp_send(lsock2, &rx_src[0], RESP, sizeof RESP - 1), SIP_OK);
	for (int i = 0; i < 10 && n_rx < 3; i++)
		spin();
	assert_int_equal(n_rx, 3);
	assert_string_equal(rx[2], RESP);
	assert_ptr_equal(rx_sock[2], lsock);
	assert_int_equal(tcp_conn_count(), 2);

	/* A server that answers the handshake with something else than 101:
	 * the held message is reported as not sent. */
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in la = { .sin_family = AF_INET };
	la.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t ll = sizeof la;
	assert_int_equal(bind(l, (struct sockaddr *)&la, sizeof la), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&la, &ll), 0);
	assert_int_equal(sip_addr_from_ip(&dst, SIP_STR_LIT("127.0.0.1"), ntohs(la.sin_port)), SIP_OK);
	n_send_err = 0;
	assert_int_equal(tp_send(lsock, &dst, REQ, sizeof REQ - 1), SIP_OK);
	spin();
	int s = accept(l, NULL, NULL);
	assert_true(s >= 0);
	char req[1024];
	size_t n = drain(s, req, sizeof req - 1);
	req[n] = '\0';
	assert_true(strncmp(req, "GET / HTTP/1.1\r\n", 16) == 0);
	assert_non_null(strstr(req, "\r\nSec-WebSocket-Protocol: sip\r\n"));
	assert_null(strstr(req, "OPTIONS"));
	static const char no[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
	assert_int_equal(write(s, no, sizeof no - 1), (ssize_t)(sizeof no - 1));
	for (int i = 0; i < 10 && !n_send_err; i++)
		spin();
	assert_int_equal(n_send_err, 1);
	assert_true(closed_by_peer(s));
	close(s);
	close(l);
}

/* An idle connection gets a ping instead of being closed; answered, it
 * stays; unanswered for another period, it is closed. The clock of the
 * timer wheel is moved on by hand. */
static void test_idle_ping(void **state)
{
	(void)state;
	unsigned before = tcp_conn_count();     /* the client side test's pair */
	int fd = upgraded_client();
	char in[64];
	assert_int_equal(tcp_conn_count(), before + 1);
	assert_true(sip_timer_expire(&loop.timers, loop.timers.now_ms + 121000) >= 1);
	size_t n = drain(fd, in, sizeof in);
	assert_int_equal(n, 11);
	assert_memory_equal(in, "\x89\x09keepalive", 11);
	/* the pong */
	static unsigned char mask[4] = { 3, 1, 4, 1 };
	char buf[32];
	size_t h = ws_frame_header((unsigned char *)buf, WS_OP_PONG, true, 9, mask);
	memcpy(buf + h, "keepalive", 9);
	ws_mask(buf + h, 9, mask, 0);
	assert_int_equal(write(fd, buf, h + 9), (ssize_t)(h + 9));
	spin();
	sip_timer_expire(&loop.timers, loop.timers.now_ms + 121000);
	n = drain(fd, in, sizeof in);
	assert_int_equal(n, 11);    /* pinged again, still open */
	assert_int_equal(tcp_conn_count(), before + 1);
	/* no answer this time */
	sip_timer_expire(&loop.timers, loop.timers.now_ms + 121000);
	assert_true(closed_by_peer(fd));
	/* The pair of the client side test answered its pings. */
	assert_int_equal(tcp_conn_count(), before);
	close(fd);
}

/* Flow tokens name an address and cannot be forged. */
static void test_flow_token(void **state)
{
	(void)state;
	sip_addr a, b;
	char tok[128];
	assert_int_equal(sip_addr_from_ip(&a, SIP_STR_LIT("127.0.0.1"), 54321), SIP_OK);
	size_t n = tp_flow_token(&a, tok, sizeof tok);
	assert_true(n > 0);
	assert_true(strncmp(tok, "127.0.0.1~54321~", 16) == 0);
	assert_int_equal(tp_flow_parse(sip_str_make(tok, n), &b), SIP_OK);
	assert_true(sip_addr_eq(&a, &b));
	tok[8] = '2';   /* another address, the same signature */
	assert_int_equal(tp_flow_parse(sip_str_make(tok, n), &b), SIP_EINVAL);
	assert_int_equal(sip_addr_from_ip(&a, SIP_STR_LIT("::1"), 5060), SIP_OK);
	n = tp_flow_token(&a, tok, sizeof tok);
	assert_true(strncmp(tok, "[::1]~5060~", 11) == 0);
	assert_int_equal(tp_flow_parse(sip_str_make(tok, n), &b), SIP_OK);
	assert_true(sip_addr_eq(&a, &b));
	assert_int_equal(tp_flow_parse(SIP_STR_LIT("1.2.3.4~5~0123456789abcdef"), &b), SIP_EINVAL);
	/* An IPv6 token is a valid URI parameter: the URI of a Record-Route
	 * carrying it parses, with the token in its parameters. */
	char uri[256];
	int ul = snprintf(uri, sizeof uri, "sip:[::1]:8080;transport=ws;lr;flow=%s", tok);
	sip_uri u;
	assert_int_equal(sip_uri_parse(sip_str_make(uri, (size_t)ul), &u), SIP_OK);
	assert_true(u.lr);
	assert_true(sip_str_eq_lit_case(u.transport, "ws"));
	assert_int_equal(u.port, 8080);
	assert_non_null(memmem(u.params.s, u.params.len, tok, n));
}

int main(void)
{
	const struct CMUnitTest codec[] = {
		cmocka_unit_test(test_accept_key),
		cmocka_unit_test(test_request_parse),
		cmocka_unit_test(test_bad_handshake),
		cmocka_unit_test(test_client_handshake),
		cmocka_unit_test(test_frame_masked),
		cmocka_unit_test(test_frame_lengths),
		cmocka_unit_test(test_frame_protocol_errors),
		cmocka_unit_test(test_flow_token),
		cmocka_unit_test(test_utf8),
	};
	const struct CMUnitTest sockets[] = {
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_limits_and_bad_frames),
		cmocka_unit_test(test_bad_handshake_socket),
		cmocka_unit_test(test_client_side),
		cmocka_unit_test(test_idle_ping),
	};
	int rc = cmocka_run_group_tests_name("ws codec", codec, NULL, NULL);
	return rc | cmocka_run_group_tests_name("ws transport", sockets, setup, teardown);
}
