/* The transports' capture hook (runtime/net/transport.h), over a real UDP
 * socket on 127.0.0.1: it sees a received message before the upper layer
 * with its source, and a message sent with tp_send() with its
 * destination, in order; unset, it sees nothing and sending and receiving
 * go on as before. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "core/status.h"
#include "net/loop.h"
#include "net/transport.h"

static sip_loop loop;

struct seen {
	const sip_socket *sock;
	sip_addr peer;
	char msg[64];
	bool sent;
	unsigned order;         /* when, counted with the upper layer's calls */
};
static struct seen seen[8];
static unsigned n_seen, clock_n, rx_order;

static void capture(const sip_socket *sock, const sip_addr *peer, const char *buf, size_t len,
		    bool sent)
{
	assert_true(n_seen < 8);
	struct seen *s = &seen[n_seen++];
	s->sock = sock;
	s->peer = *peer;
	snprintf(s->msg, sizeof s->msg, "%.*s", (int)len, buf);
	s->sent = sent;
	s->order = clock_n++;
}

/* The upper layer answers every message. */
static void on_recv(sip_socket *s, const sip_addr *src, char *buf, size_t len, void *arg)
{
	(void)buf; (void)len; (void)arg;
	rx_order = clock_n++;
	assert_int_equal(tp_send(s, src, "SIP/2.0 200 OK", 14), SIP_OK);
}

static int setup(void **state)
{
	(void)state;
	n_seen = clock_n = 0;
	rx_order = 99;
	tp_set_recv(on_recv, NULL);
	return sip_loop_init(&loop) == SIP_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	tp_set_capture(NULL);
	tp_close_all();
	sip_loop_destroy(&loop);
	return 0;
}

/* A client socket on 127.0.0.1 sends one datagram to us and reads the
 * answer. */
static void exchange(sip_socket *us, int c)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)us->port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(sendto(c, "OPTIONS sip:x SIP/2.0", 21, 0, (struct sockaddr *)&a, sizeof a),
			 21);
	for (int i = 0; i < 50 && rx_order == 99; i++)
		assert_int_equal(sip_loop_once(&loop, 100), SIP_OK);
	char b[64];
	struct timeval tv = { 2, 0 };
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	assert_int_equal(recv(c, b, sizeof b, 0), 14);
	assert_memory_equal(b, "SIP/2.0 200 OK", 14);
}

static void test_capture_udp(void **state)
{
	(void)state;
	sip_socket *us = NULL;
	for (int port = 36260; port < 36360 && !us; port++)
		if (tp_listen(&loop, &tp_udp, "127.0.0.1", port, &us) != SIP_OK)
			us = NULL;
	assert_non_null(us);
	int c = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in ca = { .sin_family = AF_INET };
	ca.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(c, (struct sockaddr *)&ca, sizeof ca), 0);
	socklen_t cl = sizeof ca;
	assert_int_equal(getsockname(c, (struct sockaddr *)&ca, &cl), 0);

	/* Unset: nothing is seen. */
	exchange(us, c);
	assert_int_equal(n_seen, 0);

	tp_set_capture(capture);
	rx_order = 99;
	clock_n = 0;
	exchange(us, c);
	assert_int_equal(n_seen, 2);
	/* The received message first, before the upper layer has it. */
	assert_false(seen[0].sent);
	assert_ptr_equal(seen[0].sock, us);
	assert_string_equal(seen[0].msg, "OPTIONS sip:x SIP/2.0");
	assert_int_equal(sip_addr_port(&seen[0].peer), ntohs(ca.sin_port));
	assert_true(seen[0].order < rx_order);
	/* Then the answer, to the client's address. */
	assert_true(seen[1].sent);
	assert_ptr_equal(seen[1].sock, us);
	assert_string_equal(seen[1].msg, "SIP/2.0 200 OK");
	assert_int_equal(sip_addr_port(&seen[1].peer), ntohs(ca.sin_port));

	tp_set_capture(NULL);
	n_seen = 0;
	rx_order = 99;
	exchange(us, c);
	assert_int_equal(n_seen, 0);
	close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_capture_udp, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
