/* RFC 3263 resolution (runtime/net/resolve.c) against a real DNS server:
 * the test starts dnsmasq on 127.0.0.1 with a free port and the records
 * below, and drives the resolver through the event loop. Exits 77 when
 * dnsmasq is not installed (Debian: dnsmasq-base). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/status.h"
#include "net/loop.h"
#include "net/resolve.h"
#include "net/transport.h"

extern char **environ;

static sip_loop loop;
static pid_t dns_pid = -1;
static int dns_port;
static int silent_fd = -1;          /* a "DNS server" that never answers */
static int silent_port;
static bool have_v6;                /* an IPv6 UDP socket: AAAA lookups */
static char done_key[300];
static int done_status, done_count;

static int free_udp_port(int *fd_out)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t l = sizeof a;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0
	    || getsockname(fd, (struct sockaddr *)&a, &l) < 0)
		return -1;
	if (fd_out)
		*fd_out = fd;
	else
		close(fd);
	return ntohs(a.sin_port);
}

static bool udp_port_taken(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	bool taken;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	taken = bind(fd, (struct sockaddr *)&a, sizeof a) < 0 && errno == EADDRINUSE;
	close(fd);
	return taken;
}

static void on_done(const char *key, int status, void *arg)
{
	(void)arg;
	snprintf(done_key, sizeof done_key, "%s", key);
	done_status = status;
	done_count++;
}

/* Resolve, running the loop until the answer is there (at most 5 s). */
static int resolve(const char *host, int port, const sip_transport *tp, sip_res_result *out)
{
	const char *key = NULL;
	int rc = sip_resolve(sip_str_make(host, strlen(host)), port, tp, false, out, &key);
	int before = done_count;

	if (rc != SIP_AGAIN)
		return rc;
	assert_non_null(key);
	for (int i = 0; i < 500 && done_count == before; i++)
		assert_int_equal(sip_loop_once(&loop, 10), SIP_OK);
	assert_true(done_count > before);
	rc = sip_resolve(sip_str_make(host, strlen(host)), port, tp, false, out, NULL);
	assert_int_equal(rc, done_status);
	return rc;
}

static void assert_target(const sip_res_target *t, const sip_transport *tp, const char *ip, int port)
{
	char buf[64];

	assert_ptr_equal(t->tp, tp);
	assert_string_equal(sip_addr_ip(&t->addr, buf, sizeof buf), ip);
	assert_int_equal(sip_addr_port(&t->addr), port);
}

static int setup(void **state)
{
	char port_arg[32], cfg[64];
	char *argv[] = {
		"dnsmasq", "--no-daemon", port_arg, "--listen-address=127.0.0.1",
		"--bind-interfaces", "--no-resolv", "--no-hosts", cfg, "--local=/test/",
		/* NAPTR: TCP (order 10) before UDP (order 20). */
		"--naptr-record=svc.test,20,10,s,SIP+D2U,,_sip._udp.svc.test",
		"--naptr-record=svc.test,10,10,s,SIP+D2T,,_sip._tcp.svc.test",
		"--naptr-record=svc.test,5,10,s,SIP+D2X,,_sip._x.svc.test",
		"--srv-host=_sip._udp.svc.test,a.test,5070,10,0",
		"--srv-host=_sip._tcp.svc.test,b.test,5071,10,0",
		/* SRV priorities, listed in the wrong order. */
		"--srv-host=_sip._udp.prio.test,b.test,6002,20,0",
		"--srv-host=_sip._udp.prio.test,a.test,6001,10,0",
		"--srv-host=_sip._udp.prio.test,c.test,6003,30,5",
		/* No NAPTR: SRV of the transports the resolver has. */
		"--srv-host=_sip._tcp.nonaptr.test,c.test,7001,10,0",
		"--srv-host=_sip._udp.dot.test",
		"--host-record=a.test,127.0.0.1", "--host-record=b.test,127.0.0.2",
		"--host-record=c.test,127.0.0.3", "--host-record=plain.test,127.0.0.4",
		"--host-record=dot.test,127.0.0.5",
		"--host-record=six.test,::1", "--host-record=dual.test,127.0.0.6,::1",
		NULL,
	};
	struct sip_res_conf conf = { NULL, 200, 60 };
	char servers[64];

	(void)state;
	dns_port = free_udp_port(NULL);
	snprintf(port_arg, sizeof port_arg, "--port=%d", dns_port);
	snprintf(cfg, sizeof cfg, "--conf-file=/dev/null");
	if (posix_spawnp(&dns_pid, "dnsmasq", NULL, NULL, argv, environ) != 0)
		return -1;
	for (int i = 0; i < 100 && !udp_port_taken(dns_port); i++)
		usleep(50000);
	if (!udp_port_taken(dns_port))
		return -1;
	silent_port = free_udp_port(&silent_fd);
	if (sip_loop_init(&loop) != SIP_OK)
		return -1;
	/* The resolver offers the transports the proxy listens on. */
	if (tp_listen(&loop, &tp_udp, "127.0.0.1", 0, NULL) != SIP_OK
	    || tp_listen(&loop, &tp_tcp, "127.0.0.1", 0, NULL) != SIP_OK)
		return -1;
	have_v6 = tp_listen(&loop, &tp_udp, "::1", 0, NULL) == SIP_OK;
	snprintf(servers, sizeof servers, "127.0.0.1:%d", dns_port);
	conf.servers = servers;
	return sip_resolver_init(&loop, &conf, on_done, NULL) == SIP_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	sip_resolver_destroy();
	tp_close_all();
	sip_loop_destroy(&loop);
	if (dns_pid > 0) {
		kill(dns_pid, SIGTERM);
		waitpid(dns_pid, NULL, 0);
	}
	if (silent_fd >= 0)
		close(silent_fd);
	return 0;
}

/* NAPTR order decides the transport; unknown services are skipped. */
static void test_naptr(void **state)
{
	sip_res_result r;

	(void)state;
	assert_int_equal(resolve("svc.test", 0, NULL, &r), SIP_OK);
	assert_string_equal(done_key, "sip:svc.test:0");
	assert_int_equal(r.n, 2);
	assert_target(&r.t[0], &tp_tcp, "127.0.0.2", 5071);
	assert_target(&r.t[1], &tp_udp, "127.0.0.1", 5070);
	/* Now from the cache, without the loop. */
	memset(&r, 0, sizeof r);
	assert_int_equal(sip_resolve(SIP_STR_LIT("svc.test"), 0, NULL, false, &r, NULL), SIP_OK);
	assert_int_equal(r.n, 2);
}

/* A transport in the URI: its SRV name only; RFC 2782 priorities. */
static void test_srv_priority(void **state)
{
	sip_res_result r;

	(void)state;
	assert_int_equal(resolve("prio.test", 0, &tp_udp, &r), SIP_OK);
	assert_int_equal(r.n, 3);
	assert_target(&r.t[0], &tp_udp, "127.0.0.1", 6001);
	assert_target(&r.t[1], &tp_udp, "127.0.0.2", 6002);
	assert_target(&r.t[2], &tp_udp, "127.0.0.3", 6003);
	/* No SRV for TCP there: the host's A record, default port. */
	assert_int_equal(resolve("prio.test", 0, &tp_tcp, &r), SIP_ENOTFOUND);
	assert_int_equal(resolve("plain.test", 0, &tp_tcp, &r), SIP_OK);
	assert_int_equal(r.n, 1);
	assert_target(&r.t[0], &tp_tcp, "127.0.0.4", 5060);
}

/* No NAPTR records: the SRV names of every transport; none: A, UDP, 5060. */
static void test_fallbacks(void **state)
{
	sip_res_result r;

	(void)state;
	assert_int_equal(resolve("nonaptr.test", 0, NULL, &r), SIP_OK);
	assert_int_equal(r.n, 1);
	assert_target(&r.t[0], &tp_tcp, "127.0.0.3", 7001);
	assert_int_equal(resolve("plain.test", 0, NULL, &r), SIP_OK);
	assert_int_equal(r.n, 1);
	assert_target(&r.t[0], &tp_udp, "127.0.0.4", 5060);
	/* A port in the URI: A only (no SRV even where there is one). */
	assert_int_equal(resolve("prio.test", 5099, NULL, &r), SIP_ENOTFOUND);
	assert_int_equal(resolve("a.test", 5099, NULL, &r), SIP_OK);
	assert_int_equal(r.n, 1);
	assert_target(&r.t[0], &tp_udp, "127.0.0.1", 5099);
}

/* SRV target "." (service not offered, RFC 2782) and NXDOMAIN. */
static void test_not_found(void **state)
{
	sip_res_result r;

	(void)state;
	assert_int_equal(resolve("nowhere.test", 0, NULL, &r), SIP_ENOTFOUND);
	/* Cached: no second lookup. */
	int before = done_count;
	assert_int_equal(sip_resolve(SIP_STR_LIT("nowhere.test"), 0, NULL, false, &r, NULL),
			 SIP_ENOTFOUND);
	assert_int_equal(done_count, before);
	/* "." says SIP over UDP is not offered there: no A fallback. */
	assert_int_equal(resolve("dot.test", 0, &tp_udp, &r), SIP_ENOTFOUND);
	/* Over TCP there is no SRV at all: the host's A record. */
	assert_int_equal(resolve("dot.test", 0, &tp_tcp, &r), SIP_OK);
	assert_target(&r.t[0], &tp_tcp, "127.0.0.5", 5060);
}

/* Lookups run in the loop: SIP_AGAIN at once, the answer later. */
static void test_async(void **state)
{
	sip_res_result r;
	const char *key = NULL;

	(void)state;
	assert_int_equal(sip_resolve(SIP_STR_LIT("b.test"), 5080, &tp_tcp, false, &r, &key), SIP_AGAIN);
	assert_string_equal(key, "sip:b.test:5080;transport=tcp");
	/* Asking again while it runs does not start another lookup. */
	assert_int_equal(sip_resolve(SIP_STR_LIT("b.test"), 5080, &tp_tcp, false, &r, &key), SIP_AGAIN);
	assert_int_equal(resolve("b.test", 5080, &tp_tcp, &r), SIP_OK);
	assert_target(&r.t[0], &tp_tcp, "127.0.0.2", 5080);
}

/* AAAA records for the family the proxy has an IPv6 socket of; A first. */
static void test_ipv6(void **state)
{
	sip_res_result r;

	(void)state;
	if (!have_v6)
		skip();
	assert_int_equal(resolve("six.test", 5070, NULL, &r), SIP_OK);
	assert_int_equal(r.n, 1);
	assert_target(&r.t[0], &tp_udp, "::1", 5070);
	assert_int_equal(resolve("dual.test", 5070, NULL, &r), SIP_OK);
	assert_int_equal(r.n, 2);
	assert_target(&r.t[0], &tp_udp, "127.0.0.6", 5070);
	assert_target(&r.t[1], &tp_udp, "::1", 5070);
	/* Over TCP the proxy has no IPv6 socket: the A record only. */
	assert_int_equal(resolve("dual.test", 5070, &tp_tcp, &r), SIP_OK);
	assert_int_equal(r.n, 1);
	assert_target(&r.t[0], &tp_tcp, "127.0.0.6", 5070);
}

/* A server that never answers: ETIMEOUT after the tries, from the loop. */
static void test_timeout(void **state)
{
	struct sip_res_conf conf = { NULL, 200, 60 };
	char servers[64];
	sip_res_result r;

	(void)state;
	sip_resolver_destroy();
	snprintf(servers, sizeof servers, "127.0.0.1:%d", silent_port);
	conf.servers = servers;
	assert_int_equal(sip_resolver_init(&loop, &conf, on_done, NULL), SIP_OK);
	assert_int_equal(resolve("svc.test", 0, NULL, &r), SIP_ETIMEOUT);
	/* A bad server list is refused. */
	sip_resolver_destroy();
	conf.servers = "not an address";
	assert_int_equal(sip_resolver_init(&loop, &conf, on_done, NULL), SIP_EINVAL);
	assert_int_equal(sip_resolve(SIP_STR_LIT("svc.test"), 0, NULL, false, &r, NULL), SIP_ESTATE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_naptr),
		cmocka_unit_test(test_srv_priority),
		cmocka_unit_test(test_fallbacks),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_async),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_timeout),
	};
	if (system("command -v dnsmasq >/dev/null 2>&1") != 0) {
		printf("SKIP: dnsmasq not found (apt-get install dnsmasq-base)\n");
		return 77;
	}
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
