/* TCP transport tests over real sockets on 127.0.0.1: framing of a
 * stream cut anywhere, keep-alives, replies over the connection a request
 * came on, connection reuse for sends, read buffers held only while a
 * message is incomplete, handshake steps shared out per batch of events,
 * the size limit, sends by a worker
 * other than the first posted to it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "core/status.h"
#include "core/worker.h"
#include "net/loop.h"
#include "net/tcp_int.h"
#include "net/transport.h"

static sip_loop loop;
static sip_socket *lsock;
static int port;

#define MAX_RX 8
static char rx[MAX_RX][1024];
static sip_addr rx_src[MAX_RX];
static unsigned n_rx;

static void on_recv(sip_socket *s, const sip_addr *src, char *buf, size_t len, void *arg)
{
	(void)s; (void)arg;
	assert_true(n_rx < MAX_RX);
	assert_int_equal(buf[len], '\0');
	snprintf(rx[n_rx], sizeof rx[n_rx], "%.*s", (int)len, buf);
	rx_src[n_rx++] = *src;
}

/* Let the kernel move the bytes, then run the loop a few times. */
static void spin(void)
{
	for (int i = 0; i < 5; i++) {
		usleep(1000);
		assert_int_equal(sip_loop_once(&loop, 10), SIP_OK);
	}
}

static int setup(void **state)
{
	(void)state;
	assert_int_equal(sip_loop_init(&loop), SIP_OK);
	tp_set_recv(on_recv, NULL);
	for (port = 35060; port < 35160; port++)
		if (tp_listen(&loop, &tp_tcp, "127.0.0.1", port, &lsock) == SIP_OK)
			return 0;
	return -1;
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
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	return fd;
}

static const char REQ[] =
	"OPTIONS sip:a@127.0.0.1 SIP/2.0\r\n"
	"Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK1\r\n"
	"From: <sip:b@x>;tag=1\r\nTo: <sip:a@x>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\n"
	"Content-Length: 4\r\n\r\nbody";

/* Two requests and keep-alives cut into one-byte writes arrive as two
 * whole messages; a double CRLF is answered with a CRLF. */
static void test_framing(void **state)
{
	(void)state;
	int fd = client();
	char all[2048];
	int n = snprintf(all, sizeof all, "\r\n\r\n%s\r\n%s", REQ, REQ);
	n_rx = 0;
	for (int i = 0; i < n; i++) {
		assert_int_equal(write(fd, all + i, 1), 1);
		if (i % 97 == 0)
			spin();
	}
	spin();
	assert_int_equal(n_rx, 2);
	assert_string_equal(rx[0], REQ);
	assert_string_equal(rx[1], REQ);
	char pong[8];
	struct pollfd p = { fd, POLLIN, 0 };
	assert_int_equal(poll(&p, 1, 1000), 1);
	assert_int_equal(read(fd, pong, sizeof pong), 2);
	assert_memory_equal(pong, "\r\n", 2);
	close(fd);
	spin();
}

/* A reply sent to the source address goes back over that connection,
 * without a new one. */
static void test_reply_same_connection(void **state)
{
	(void)state;
	int fd = client();
	n_rx = 0;
	assert_int_equal(write(fd, REQ, sizeof REQ - 1), (ssize_t)(sizeof REQ - 1));
	spin();
	assert_int_equal(n_rx, 1);
	unsigned before = tcp_conn_count();
	assert_int_equal(tp_send(lsock, &rx_src[0], "SIP/2.0 200 OK\r\n\r\n", 18), SIP_OK);
	assert_int_equal(tcp_conn_count(), before);
	char buf[64];
	struct pollfd p = { fd, POLLIN, 0 };
	assert_int_equal(poll(&p, 1, 1000), 1);
	assert_int_equal(read(fd, buf, sizeof buf), 18);
	close(fd);
	spin();
	assert_int_equal(tcp_conn_count(), before - 1);
}

/* Sends to one address share one outgoing connection. */
static void test_connect_reuse(void **state)
{
	(void)state;
	sip_addr dst;
	assert_int_equal(sip_addr_from_ip(&dst, SIP_STR_LIT("127.0.0.1"), port), SIP_OK);
	unsigned before = tcp_conn_count();
	n_rx = 0;
	assert_int_equal(tp_send(lsock, &dst, REQ, sizeof REQ - 1), SIP_OK);
	assert_int_equal(tp_send(lsock, &dst, REQ, sizeof REQ - 1), SIP_OK);
	spin();
	/* The proxy's own outgoing connection and the accepted end. */
	assert_int_equal(tcp_conn_count(), before + 2);
	assert_int_equal(n_rx, 2);
}

/* A connection holds a read buffer only while a message is incomplete:
 * it is freed once what was read is handed up, and the connection reads
 * the next message into a new one. */
static void test_read_buffer_released(void **state)
{
	(void)state;
	int fd = client();
	spin();
	size_t before = tcp_read_buffer_bytes();
	size_t half = (sizeof REQ - 1) / 2;
	n_rx = 0;
	assert_int_equal(write(fd, REQ, half), (ssize_t)half);
	spin();
	assert_int_equal(n_rx, 0);
	assert_true(tcp_read_buffer_bytes() > before);
	assert_int_equal(write(fd, REQ + half, sizeof REQ - 1 - half), (ssize_t)(sizeof REQ - 1 - half));
	spin();
	assert_int_equal(n_rx, 1);
	assert_string_equal(rx[0], REQ);
	assert_int_equal(tcp_read_buffer_bytes(), before);
	/* A message and the start of the next: the rest is kept. */
	char two[2048];
	int n = snprintf(two, sizeof two, "%s%.*s", REQ, (int)half, REQ);
	assert_int_equal(write(fd, two, (size_t)n), n);
	spin();
	assert_int_equal(n_rx, 2);
	assert_true(tcp_read_buffer_bytes() > before);
	assert_int_equal(write(fd, REQ + half, sizeof REQ - 1 - half), (ssize_t)(sizeof REQ - 1 - half));
	spin();
	assert_int_equal(n_rx, 3);
	assert_string_equal(rx[2], REQ);
	assert_int_equal(tcp_read_buffer_bytes(), before);
	close(fd);
	spin();
}

/* A connection "in its handshake" until its first input, which the
 * handshake takes (a stand-in for TLS in handshake_batches). */
static unsigned hs_steps;

static ssize_t hs_read(struct tcp_conn *c, void *buf, size_t n)
{
	ssize_t r = read(c->fd, buf, n);
	if (r > 0 && !c->io_priv) {
		c->io_priv = c;
		hs_steps++;
		errno = EAGAIN;
		return -1;
	}
	return r;
}

static ssize_t hs_write(struct tcp_conn *c, const void *buf, size_t n)
{
	return write(c->fd, buf, n);
}

static bool hs_handshaking(struct tcp_conn *c)
{
	return !c->io_priv;
}

static const struct tcp_io hs_io = { NULL, hs_read, hs_write, NULL, NULL, hs_handshaking };

/* Ten connections that want a handshake step in the same batch of
 * events: four take it, the others are reported again and take theirs
 * in the following batches; then messages flow. */
static void test_handshake_batches(void **state)
{
	(void)state;
	sip_socket *hs = NULL;
	int hport;
	for (hport = port + 1; hport < port + 100; hport++) {
		sip_addr a;
		assert_int_equal(sip_addr_from_ip(&a, SIP_STR_LIT("127.0.0.1"), hport), SIP_OK);
		if (tcp_listen_io(&loop, &a, &hs, &tp_tcp, &hs_io) == SIP_OK)
			break;
	}
	assert_non_null(hs);
	int fds[10];
	for (int i = 0; i < 10; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)hport) };
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		assert_int_equal(connect(fds[i], (struct sockaddr *)&a, sizeof a), 0);
	}
	unsigned open = tcp_conn_count();
	for (int i = 0; i < 20 && tcp_conn_count() < open + 10; i++)
		spin();
	spin();
	unsigned long deferred = tcp_handshakes_deferred();
	hs_steps = 0;
	for (int i = 0; i < 10; i++)
		assert_int_equal(write(fds[i], "H", 1), 1);
	usleep(20000);
	assert_int_equal(sip_loop_once(&loop, 100), SIP_OK);
	assert_int_equal(hs_steps, 4);
	assert_int_equal(tcp_handshakes_deferred() - deferred, 6);
	for (int i = 0; i < 10 && hs_steps < 10; i++)
		spin();
	assert_int_equal(hs_steps, 10);
	n_rx = 0;
	assert_int_equal(write(fds[3], REQ, sizeof REQ - 1), (ssize_t)(sizeof REQ - 1));
	spin();
	assert_int_equal(n_rx, 1);
	assert_string_equal(rx[0], REQ);
	for (int i = 0; i < 10; i++)
		close(fds[i]);
	spin();
	tcp_close_sock(hs);
}

/* A message that never ends closes the connection at the limit. */
static void test_too_big(void **state)
{
	(void)state;
	int fd = client();
	spin();
	unsigned before = tcp_conn_count();
	static char junk[80000];
	memcpy(junk, "OPTIONS sip:a SIP/2.0\r\nX: ", 26);
	memset(junk + 26, 'a', sizeof junk - 26);
	size_t off = 0;
	while (off < sizeof junk) {
		ssize_t w = write(fd, junk + off, sizeof junk - off);
		if (w <= 0)
			break;
		off += (size_t)w;
		spin();
	}
	spin();
	assert_int_equal(tcp_conn_count(), before - 1);
	close(fd);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Out of descriptors: accept() fails with EMFILE and the connection stays
 * in the backlog. The listener must not spin on it (the loop would return
 * at once, forever): the waiting connections are closed and accepting
 * pauses; once descriptors are free again, connections are served. */
static void test_out_of_fds(void **state)
{
	(void)state;
	struct rlimit old, low;
	int waiting[3], spare[512], n_spare = 0;

	for (int i = 0; i < 3; i++)
		waiting[i] = client();
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	if (low.rlim_cur > 256)
		low.rlim_cur = 256;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	int base = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(base >= 0);
	while (n_spare < 512) {
		int fd = dup(base);
		if (fd < 0) {
			assert_int_equal(errno, EMFILE);
			break;
		}
		spare[n_spare++] = fd;
	}
	assert_true(n_spare < 512);

	/* Two tenths of a second of loop: a spinning listener makes
	 * thousands of iterations, a paused one a few dozen at most. */
	unsigned iterations = 0;
	for (uint64_t end = now_ms() + 200; now_ms() < end; iterations++)
		assert_int_equal(sip_loop_once(&loop, 10), SIP_OK);
	if (iterations > 100)
		fail_msg("the loop ran %u times in 200 ms: accept() spins at EMFILE", iterations);
	/* The waiting peers were told: their connections are closed. */
	for (int i = 0; i < 3; i++) {
		char b;
		struct pollfd p = { waiting[i], POLLIN, 0 };
		assert_int_equal(poll(&p, 1, 1000), 1);
		assert_true(read(waiting[i], &b, 1) <= 0);
		close(waiting[i]);
	}

	/* Descriptors back: after the pause, a new connection is served. */
	while (n_spare > 0)
		close(spare[--n_spare]);
	close(base);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	int fd = client();
	n_rx = 0;
	assert_int_equal(write(fd, REQ, sizeof REQ - 1), (ssize_t)(sizeof REQ - 1));
	for (uint64_t end = now_ms() + 2000; n_rx == 0 && now_ms() < end;)
		assert_int_equal(sip_loop_once(&loop, 10), SIP_OK);
	assert_int_equal(n_rx, 1);
	assert_string_equal(rx[0], REQ);
	close(fd);
	spin();
}

/* ---- several workers: sends posted to worker 0 ---- */

static struct posted {
	unsigned id;
	void (*fn)(void *);
	void *arg;
} posted[8];
static unsigned n_posted;

/* Stands in for proxy_worker_post: keeps the call for the test to run
 * "on worker 0" when it decides. */
static int fake_post(unsigned id, void (*fn)(void *), void *arg)
{
	assert_true(n_posted < 8);
	posted[n_posted++] = (struct posted){ id, fn, arg };
	return SIP_OK;
}

static void run_posted(void)
{
	unsigned saved = sip_worker_id;
	sip_worker_id = 0;
	for (unsigned i = 0; i < n_posted; i++) {
		assert_int_equal(posted[i].id, 0);
		posted[i].fn(posted[i].arg);
	}
	n_posted = 0;
	sip_worker_id = saved;
}

static char err_buf[1024];
static sip_addr err_dst;
static unsigned n_err;

static void on_send_error(sip_socket *s, const sip_addr *dst, const char *buf, size_t len,
			  void *arg)
{
	(void)s; (void)arg;
	snprintf(err_buf, sizeof err_buf, "%.*s", (int)len, buf);
	err_dst = *dst;
	n_err++;
}

/* A port of 127.0.0.1 nothing listens on. */
static int closed_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t l = sizeof a;
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &l), 0);
	close(fd);
	return ntohs(a.sin_port);
}

/* With several workers a send on worker 1 touches no connection: it is
 * posted to worker 0 (SIP_OK at once) and goes out when worker 0 runs
 * it, in the order sent. A send to an address nothing listens on comes
 * back through the send-error callback with the message. Worker 1 may
 * ask whether a connection is open (the table under its lock). */
static void test_posted_send(void **state)
{
	(void)state;
	sip_addr dst, gone;
	assert_int_equal(sip_addr_from_ip(&dst, SIP_STR_LIT("127.0.0.1"), port), SIP_OK);
	assert_int_equal(sip_addr_from_ip(&gone, SIP_STR_LIT("127.0.0.1"), closed_port()), SIP_OK);
	tp_set_post(fake_post);
	tp_set_send_error(on_send_error, NULL);
	sip_worker_id = 1;
	n_rx = n_posted = n_err = 0;

	assert_int_equal(tp_send(lsock, &dst, REQ, sizeof REQ - 1), SIP_OK);
	assert_int_equal(tp_send(lsock, &dst, REQ, sizeof REQ - 1), SIP_OK);
	assert_int_equal(n_posted, 2);
	spin();
	assert_int_equal(n_rx, 0);              /* not sent yet */
	run_posted();
	spin();
	assert_int_equal(n_rx, 2);
	assert_string_equal(rx[0], REQ);
	assert_true(tp_conn_open(&tp_tcp, &dst));

	assert_int_equal(tp_send(lsock, &gone, REQ, sizeof REQ - 1), SIP_OK);
	assert_int_equal(n_err, 0);
	run_posted();
	for (int i = 0; i < 20 && !n_err; i++)
		spin();
	assert_int_equal(n_err, 1);
	assert_string_equal(err_buf, REQ);
	assert_true(sip_addr_eq(&err_dst, &gone));
	assert_false(tp_conn_open(&tp_tcp, &gone));

	sip_worker_id = 0;
	tp_set_post(NULL);
	tp_set_send_error(NULL, NULL);
}

int main(void)
{
	/* A transport bug must fail the test, not hang it. */
	alarm(60);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_reply_same_connection),
		cmocka_unit_test(test_connect_reuse),
		cmocka_unit_test(test_read_buffer_released),
		cmocka_unit_test(test_handshake_batches),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_out_of_fds),
		cmocka_unit_test(test_posted_send),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
