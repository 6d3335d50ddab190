/* Event loop tests (runtime/net/loop.c) over pipes and a real UDP socket
 * on 127.0.0.1: watchers found by descriptor, removal from a callback of
 * the same batch, the single-descriptor path, and the UDP transport's
 * per-wakeup budget (a flood does not keep timers from running). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "core/status.h"
#include "net/loop.h"
#include "net/transport.h"

static sip_loop loop;
static int calls[256];
static int pair[2] = { -1, -1 };  /* a callback of one removes the other */

static void on_ready(sip_loop *l, int fd, uint32_t events, void *arg)
{
	(void)events; (void)arg;
	char b[64];
	calls[fd]++;
	if (read(fd, b, sizeof b) < 0)
		fail_msg("read(%d) failed", fd);
	if (fd == pair[0] || fd == pair[1]) {
		sip_loop_del_fd(l, fd == pair[0] ? pair[1] : pair[0]);
		pair[0] = pair[1] = -1;
	}
}

static int setup(void **state)
{
	(void)state;
	memset(calls, 0, sizeof calls);
	pair[0] = pair[1] = -1;
	return sip_loop_init(&loop) == SIP_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	tp_close_all();
	sip_loop_destroy(&loop);
	return 0;
}

static void test_add_mod_del(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(sip_loop_add_fd(&loop, p[0], on_ready, NULL), SIP_OK);
	/* One watcher a descriptor. */
	assert_int_equal(sip_loop_add_fd(&loop, p[0], on_ready, NULL), SIP_ESTATE);
	assert_int_equal(sip_loop_mod_fd(&loop, p[0], EPOLLIN), SIP_OK);
	assert_int_equal(sip_loop_mod_fd(&loop, p[1], EPOLLIN), SIP_ENOTFOUND);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(sip_loop_once(&loop, 100), SIP_OK);
	assert_int_equal(calls[p[0]], 1);
	sip_loop_del_fd(&loop, p[0]);
	sip_loop_del_fd(&loop, p[0]);       /* twice: harmless */
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(sip_loop_once(&loop, 10), SIP_OK);
	assert_int_equal(calls[p[0]], 1);
	/* The descriptor can be watched again. */
	assert_int_equal(sip_loop_add_fd(&loop, p[0], on_ready, NULL), SIP_OK);
	assert_int_equal(sip_loop_once(&loop, 100), SIP_OK);
	assert_int_equal(calls[p[0]], 2);
	sip_loop_del_fd(&loop, p[0]);
	close(p[0]);
	close(p[1]);
}

/* A descriptor above the first table size grows the table. */
static void test_high_descriptor(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	int hi = dup2(p[0], 200);
	assert_int_equal(hi, 200);
	assert_int_equal(sip_loop_add_fd(&loop, hi, on_ready, NULL), SIP_OK);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(sip_loop_once(&loop, 100), SIP_OK);
	assert_int_equal(calls[hi], 1);
	sip_loop_del_fd(&loop, hi);
	close(hi);
	close(p[0]);
	close(p[1]);
}

/* Both ready in one batch; the first callback removes the other, which
 * then is not called (its watcher is kept until the batch ends). */
static void test_remove_in_batch(void **state)
{
	(void)state;
	int a[2], b[2];
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	assert_int_equal(sip_loop_add_fd(&loop, a[0], on_ready, NULL), SIP_OK);
	assert_int_equal(sip_loop_add_fd(&loop, b[0], on_ready, NULL), SIP_OK);
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "x", 1), 1);
	usleep(1000);
	pair[0] = a[0];
	pair[1] = b[0];
	assert_int_equal(sip_loop_once(&loop, 100), SIP_OK);
	assert_int_equal(calls[a[0]] + calls[b[0]], 1);
	sip_loop_del_fd(&loop, a[0]);
	sip_loop_del_fd(&loop, b[0]);
	close(a[0]); close(a[1]); close(b[0]); close(b[1]);
}

/* ---- the UDP transport's budget ---- */

static unsigned n_rx;

static void on_recv(sip_socket *s, const sip_addr *src, char *buf, size_t len, void *arg)
{
	(void)s; (void)src; (void)buf; (void)len; (void)arg;
	n_rx++;
}

static int fired;
static void on_timer(sip_timer *t, void *arg)
{
	(void)t; (void)arg;
	fired = (int)n_rx + 1;      /* how many datagrams were in before it */
}

static void test_udp_budget(void **state)
{
	(void)state;
	sip_socket *us = NULL;
	int port;
	tp_set_recv(on_recv, NULL);
	for (port = 36060; port < 36160; port++)
		if (tp_listen(&loop, &tp_udp, "127.0.0.1", port, &us) == SIP_OK)
			break;
	assert_non_null(us);
	int c = socket(AF_INET, SOCK_DGRAM, 0);
	int big = 4 << 20;
	setsockopt(us->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	enum { N = 600 };
	for (int i = 0; i < N; i++)
		assert_int_equal(sendto(c, "OPTIONS", 7, 0, (struct sockaddr *)&a, sizeof a), 7);
	usleep(20000);
	/* One wakeup reads a bounded number of datagrams, however many wait. */
	n_rx = 0;
	assert_int_equal(sip_loop_once(&loop, 100), SIP_OK);
	assert_true(n_rx > 0);
	assert_true(n_rx < N);
	/* A timer due meanwhile runs before the flood is drained. */
	sip_timer t;
	fired = 0;
	sip_timer_init(&t, on_timer, NULL);
	sip_timer_add(&loop.timers, &t, 0);
	usleep(3 * SIP_TIMER_TICK_MS * 1000);   /* due at the next wakeup */
	for (int i = 0; i < 100 && n_rx < N; i++)
		assert_int_equal(sip_loop_once(&loop, 100), SIP_OK);
	assert_int_equal(n_rx, N);
	assert_true(fired > 0);
	assert_true(fired - 1 < N);
	close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_mod_del, setup, teardown),
		cmocka_unit_test_setup_teardown(test_high_descriptor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_in_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp_budget, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
