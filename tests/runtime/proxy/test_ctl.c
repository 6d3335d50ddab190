/* The control socket's line protocol and its server (runtime/proxy/ctl.c):
 * commands run directly, then through a real Unix socket served by the
 * event loop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/log.h"
#include "core/stats.h"
#include "core/status.h"
#include "net/loop.h"
#include "proxy/ctl.h"

static char *run(const char *line)
{
	static char buf[PROXY_CTL_LINE_MAX * 2];
	static proxy_ctl_out o;
	snprintf(buf, sizeof buf, "%s", line);
	proxy_ctl_out_free(&o);
	proxy_ctl_exec(buf, &o);
	assert_non_null(o.buf);
	assert_true(o.len > 0 && o.buf[o.len - 1] == '\n');
	assert_null(memchr(o.buf, '\n', o.len - 1));
	return o.buf;
}

static bool cmd_echo(int argc, char **argv, proxy_ctl_out *o)
{
	if (argc < 1)
		return proxy_ctl_error(o, "usage: t echo WORD...");
	proxy_ctl_printf(o, ",\"argc\":%d,\"first\":", argc);
	proxy_ctl_json_str(o, argv[0], strlen(argv[0]));
	return true;
}

static bool cmd_t(int argc, char **argv, proxy_ctl_out *o)
{
	(void)argv;
	proxy_ctl_printf(o, ",\"one\":%d", argc);
	return true;
}

static bool cmd_big(int argc, char **argv, proxy_ctl_out *o)
{
	(void)argc;
	(void)argv;
	for (unsigned i = 0; i < PROXY_CTL_REPLY_MAX / 7 + 1; i++)
		proxy_ctl_printf(o, ",\"x\":12");
	return true;
}

static bool cmd_quote(int argc, char **argv, proxy_ctl_out *o)
{
	(void)argc;
	(void)argv;
	static const char s[] = "a\"b\\c\x01\x7f";
	proxy_ctl_printf(o, ",\"s\":");
	proxy_ctl_json_str(o, s, sizeof s - 1);
	return true;
}

static int64_t counter_rx;

static int setup(void **state)
{
	(void)state;
	sip_log_level = SIP_LOG_ERR;
	sip_stat_clear();
	sip_stat_counter("core.rcv_requests", &counter_rx);
	sip_stat_update(SIP_STR_LIT("policy.calls"), 2);
	proxy_ctl_register("t echo", "WORD...", "echo", cmd_echo);
	proxy_ctl_register("t", "", "one word", cmd_t);
	proxy_ctl_register("t big", "", "too large", cmd_big);
	proxy_ctl_register("t quote", "", "escaping", cmd_quote);
	return 0;
}

static void test_builtins(void **state)
{
	(void)state;
	counter_rx = 10;
	assert_string_equal(run("stats core."), "{\"ok\":true,\"stats\":{\"core.rcv_requests\":10}}\n");
	assert_string_equal(run("  stats\tpolicy "), "{\"ok\":true,\"stats\":{\"policy.calls\":2}}\n");
	assert_string_equal(run("stats"),
			    "{\"ok\":true,\"stats\":{\"core.rcv_requests\":10,\"policy.calls\":2}}\n");
	assert_string_equal(run("stats nothing"), "{\"ok\":true,\"stats\":{}}\n");
	assert_non_null(strstr(run("stats a b"), "\"ok\":false"));
	assert_non_null(strstr(run("version"), "{\"ok\":true,\"version\":\""));
	assert_non_null(strstr(run("uptime"), "{\"ok\":true,\"uptime_s\":"));
	char *h = run("help");
	assert_non_null(strstr(h, "\"command\":\"stats [PREFIX]\""));
	assert_non_null(strstr(h, "\"command\":\"t echo WORD...\""));
	assert_non_null(strstr(h, "\"command\":\"log level [LEVEL]\""));
}

static void test_log_level(void **state)
{
	(void)state;
	assert_string_equal(run("log level debug"), "{\"ok\":true,\"level\":\"debug\"}\n");
	assert_int_equal(sip_log_level, SIP_LOG_DEBUG);
	assert_string_equal(run("log level"), "{\"ok\":true,\"level\":\"debug\"}\n");
	assert_non_null(strstr(run("log level loud"), "{\"ok\":false,\"error\":\"unknown log level 'loud'"));
	assert_int_equal(sip_log_level, SIP_LOG_DEBUG);
	assert_string_equal(run("log level err"), "{\"ok\":true,\"level\":\"err\"}\n");
	assert_int_equal(sip_log_level, SIP_LOG_ERR);
}

static void test_bad_lines(void **state)
{
	(void)state;
	assert_string_equal(run(""), "{\"ok\":false,\"error\":\"empty command (try 'help')\"}\n");
	assert_string_equal(run("   "), "{\"ok\":false,\"error\":\"empty command (try 'help')\"}\n");
	assert_string_equal(run("frobnicate"),
			    "{\"ok\":false,\"error\":\"unknown command 'frobnicate' (try 'help')\"}\n");
	assert_string_equal(run("log loud"),
			    "{\"ok\":false,\"error\":\"unknown command 'log loud' (try 'help')\"}\n");
	assert_non_null(strstr(run("a b c d e f g h i"), "too many arguments"));
	/* A quote in a word comes back escaped. */
	assert_string_equal(run("what\"ever"),
			    "{\"ok\":false,\"error\":\"unknown command 'what\\\"ever' (try 'help')\"}\n");
}

static void test_dispatch(void **state)
{
	(void)state;
	/* Two words win over one; the rest are arguments. */
	assert_string_equal(run("t echo hi there"), "{\"ok\":true,\"argc\":2,\"first\":\"hi\"}\n");
	assert_string_equal(run("t echo"), "{\"ok\":false,\"error\":\"usage: t echo WORD...\"}\n");
	assert_string_equal(run("t"), "{\"ok\":true,\"one\":0}\n");
	assert_string_equal(run("t other x"), "{\"ok\":true,\"one\":2}\n");
	assert_string_equal(run("t big"), "{\"ok\":false,\"error\":\"reply too large\"}\n");
	assert_string_equal(run("t quote"), "{\"ok\":true,\"s\":\"a\\\"b\\\\c\\u0001\\u007f\"}\n");
	/* Registering again replaces; the table is bounded. */
	int rc = SIP_OK;
	char names[PROXY_CTL_MAX_CMDS][16];
	for (unsigned i = 0; i < PROXY_CTL_MAX_CMDS && rc == SIP_OK; i++) {
		snprintf(names[i], sizeof names[i], "x%u", i);
		rc = proxy_ctl_register(names[i], "", "", cmd_t);
	}
	assert_int_equal(rc, SIP_ELIMIT);
	assert_int_equal(proxy_ctl_register("t", "", "again", cmd_echo), SIP_OK);
	assert_string_equal(run("t w"), "{\"ok\":true,\"argc\":1,\"first\":\"w\"}\n");
	assert_int_equal(proxy_ctl_register("", "", "", cmd_t), SIP_EINVAL);
}

/* ---- through the socket ---- */

static sip_loop loop;
static char sock_path[108];

static int connect_ctl(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, sock_path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	return fd;
}

static void spin(int rounds)
{
	for (int i = 0; i < rounds; i++)
		sip_loop_once(&loop, 5);
}

/* Run the loop until fd has a whole line (or is closed); the line in buf,
 * its length returned (0 at end of stream). */
static size_t read_line(int fd, char *buf, size_t sz)
{
	size_t n = 0;
	for (int i = 0; i < 400; i++) {
		sip_loop_once(&loop, 5);
		ssize_t k = recv(fd, buf + n, 1, MSG_DONTWAIT);
		while (k > 0) {
			n++;
			if (buf[n - 1] == '\n' || n + 1 >= sz) {
				buf[n] = '\0';
				return n;
			}
			k = recv(fd, buf + n, 1, MSG_DONTWAIT);
		}
		if (k == 0) {
			buf[n] = '\0';
			return n;
		}
	}
	fail_msg("no reply");
	return 0;
}

static bool closed(int fd)
{
	char c;
	for (int i = 0; i < 200; i++) {
		sip_loop_once(&loop, 5);
		ssize_t k = recv(fd, &c, 1, MSG_DONTWAIT);
		if (k == 0 || (k < 0 && errno == ECONNRESET))
			return true;
		if (k > 0)
			return false;
	}
	return false;
}

static int setup_socket(void **state)
{
	setup(state);
	snprintf(sock_path, sizeof sock_path, "%s/sipcc-test-ctl.%ld", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
		 (long)getpid());
	assert_int_equal(sip_loop_init(&loop), SIP_OK);
	/* A stale socket file is replaced. */
	int stale = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, sock_path);
	unlink(sock_path);
	assert_int_equal(bind(stale, (struct sockaddr *)&sa, sizeof sa), 0);
	close(stale);
	assert_int_equal(proxy_ctl_listen(&loop, sock_path), SIP_OK);
	return 0;
}

static int teardown_socket(void **state)
{
	(void)state;
	proxy_ctl_close();
	sip_loop_destroy(&loop);
	struct stat st;
	assert_int_not_equal(stat(sock_path, &st), 0);  /* removed */
	return 0;
}

static void test_socket_commands(void **state)
{
	(void)state;
	struct stat st;
	assert_int_equal(stat(sock_path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	/* A second server on the same path is refused while the first lives. */
	assert_int_equal(proxy_ctl_listen(&loop, sock_path), SIP_EADDRINUSE);
	int fd = connect_ctl();
	char buf[4096];
	counter_rx = 42;
	assert_int_equal(send(fd, "stats core.\n", 12, 0), 12);
	read_line(fd, buf, sizeof buf);
	assert_string_equal(buf, "{\"ok\":true,\"stats\":{\"core.rcv_requests\":42}}\n");
	/* Two commands in one write, the second in two pieces. */
	assert_int_equal(send(fd, "t echo x\nfoo\nt ec", 17, 0), 17);
	read_line(fd, buf, sizeof buf);
	assert_string_equal(buf, "{\"ok\":true,\"argc\":1,\"first\":\"x\"}\n");
	read_line(fd, buf, sizeof buf);
	assert_non_null(strstr(buf, "unknown command 'foo'"));
	spin(5);
	assert_int_equal(send(fd, "ho y\r\n", 6, 0), 6);
	read_line(fd, buf, sizeof buf);
	assert_string_equal(buf, "{\"ok\":true,\"argc\":1,\"first\":\"y\"}\n");
	/* An unknown command keeps the connection. */
	assert_false(closed(fd));
	assert_int_equal(proxy_ctl_clients(), 1);
	close(fd);
	spin(10);
	assert_int_equal(proxy_ctl_clients(), 0);
}

static void test_socket_garbage(void **state)
{
	(void)state;
	char buf[4096];
	int fd = connect_ctl();
	static const char bin[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03";
	assert_int_equal(send(fd, bin, sizeof bin - 1, 0), (ssize_t)sizeof bin - 1);
	read_line(fd, buf, sizeof buf);
	assert_string_equal(buf, "{\"ok\":false,\"error\":\"not a text line\"}\n");
	assert_true(closed(fd));
	close(fd);

	/* A line longer than the limit, with no newline. */
	fd = connect_ctl();
	char longline[PROXY_CTL_LINE_MAX + 100];
	memset(longline, 'a', sizeof longline);
	assert_int_equal(send(fd, longline, sizeof longline, 0), (ssize_t)sizeof longline);
	read_line(fd, buf, sizeof buf);
	assert_string_equal(buf, "{\"ok\":false,\"error\":\"line too long\"}\n");
	assert_true(closed(fd));
	close(fd);

	/* The longest line allowed still works. */
	fd = connect_ctl();
	memset(longline, ' ', PROXY_CTL_LINE_MAX - 1);
	memcpy(longline, "t echo", 6);
	memcpy(longline + PROXY_CTL_LINE_MAX - 4, "end", 3);
	longline[PROXY_CTL_LINE_MAX - 1] = '\n';
	assert_int_equal(send(fd, longline, PROXY_CTL_LINE_MAX, 0), PROXY_CTL_LINE_MAX);
	read_line(fd, buf, sizeof buf);
	assert_string_equal(buf, "{\"ok\":true,\"argc\":1,\"first\":\"end\"}\n");
	close(fd);
	spin(10);
	assert_int_equal(proxy_ctl_clients(), 0);
}

static void test_socket_client_limit(void **state)
{
	(void)state;
	char buf[4096];
	int fds[PROXY_CTL_MAX_CLIENTS];
	for (int i = 0; i < PROXY_CTL_MAX_CLIENTS; i++) {
		fds[i] = connect_ctl();
		spin(2);
	}
	spin(5);
	assert_int_equal(proxy_ctl_clients(), PROXY_CTL_MAX_CLIENTS);
	int extra = connect_ctl();
	read_line(extra, buf, sizeof buf);
	assert_string_equal(buf, "{\"ok\":false,\"error\":\"too many control clients\"}\n");
	assert_true(closed(extra));
	close(extra);
	/* Those connected are still served. */
	for (int i = 0; i < PROXY_CTL_MAX_CLIENTS; i++) {
		assert_int_equal(send(fds[i], "t\n", 2, 0), 2);
		read_line(fds[i], buf, sizeof buf);
		assert_string_equal(buf, "{\"ok\":true,\"one\":0}\n");
	}
	close(fds[0]);
	spin(10);
	int again = connect_ctl();
	assert_int_equal(send(again, "t\n", 2, 0), 2);
	read_line(again, buf, sizeof buf);
	assert_string_equal(buf, "{\"ok\":true,\"one\":0}\n");
	close(again);
	for (int i = 1; i < PROXY_CTL_MAX_CLIENTS; i++)
		close(fds[i]);
	spin(10);
	assert_int_equal(proxy_ctl_clients(), 0);
}

/* A client that does not read its replies: the server keeps what it
 * cannot send, stops reading from that client, and still serves others. */
static void test_socket_slow_reader(void **state)
{
	(void)state;
	char buf[4096];
	int slow = connect_ctl();
	int rcv = 4096;
	setsockopt(slow, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
	for (int i = 0; i < 2000; i++) {
		if (send(slow, "help\n", 5, MSG_DONTWAIT) != 5)
			break;
		if (i % 50 == 0)
			spin(1);
	}
	spin(20);
	int other = connect_ctl();
	assert_int_equal(send(other, "t\n", 2, 0), 2);
	read_line(other, buf, sizeof buf);
	assert_string_equal(buf, "{\"ok\":true,\"one\":0}\n");
	close(other);
	/* The slow one's replies are all there, in order. */
	size_t n = read_line(slow, buf, sizeof buf);
	assert_true(n > 0);
	assert_non_null(strstr(buf, "{\"ok\":true,\"commands\":["));
	close(slow);
	spin(10);
	assert_int_equal(proxy_ctl_clients(), 0);
}

/* A command whose answer comes later (a reload on the database worker):
 * the loop serves other clients meanwhile; the client's reply, and the
 * commands it sent after, come once the reply is finished; a client gone
 * meanwhile costs nothing. */
static proxy_ctl_later *pending;

static bool cmd_later(int argc, char **argv, proxy_ctl_out *o)
{
	(void)argc;
	(void)argv;
	proxy_ctl_printf(o, ",\"pre\":1");
	pending = proxy_ctl_defer(o);
	assert_non_null(pending);
	return true;
}

static void test_socket_deferred(void **state)
{
	(void)state;
	char buf[4096];
	char c;
	/* The table is full (test_dispatch): take over "t big". */
	assert_int_equal(proxy_ctl_register("t big", "", "answers later", cmd_later), SIP_OK);
	int fd = connect_ctl();
	assert_int_equal(send(fd, "t big\nt echo z\n", 15, 0), 15);
	spin(20);
	assert_non_null(pending);
	assert_int_equal(recv(fd, &c, 1, MSG_DONTWAIT), -1);   /* nothing yet */
	/* Another client is served meanwhile. */
	int other = connect_ctl();
	assert_int_equal(send(other, "t\n", 2, 0), 2);
	read_line(other, buf, sizeof buf);
	assert_string_equal(buf, "{\"ok\":true,\"one\":0}\n");
	close(other);
	spin(5);
	assert_int_equal(recv(fd, &c, 1, MSG_DONTWAIT), -1);
	proxy_ctl_printf(proxy_ctl_later_out(pending), ",\"n\":7");
	proxy_ctl_finish(pending, true);
	pending = NULL;
	read_line(fd, buf, sizeof buf);
	assert_string_equal(buf, "{\"ok\":true,\"pre\":1,\"n\":7}\n");
	read_line(fd, buf, sizeof buf);
	assert_string_equal(buf, "{\"ok\":true,\"argc\":1,\"first\":\"z\"}\n");
	/* Finished as an error. */
	assert_int_equal(send(fd, "t big\n", 6, 0), 6);
	spin(10);
	assert_non_null(pending);
	proxy_ctl_error(proxy_ctl_later_out(pending), "database down");
	proxy_ctl_finish(pending, false);
	pending = NULL;
	read_line(fd, buf, sizeof buf);
	assert_string_equal(buf, "{\"ok\":false,\"error\":\"database down\"}\n");
	/* The client leaves before the answer. */
	assert_int_equal(send(fd, "t big\n", 6, 0), 6);
	spin(10);
	assert_non_null(pending);
	close(fd);
	spin(10);
	assert_int_equal(proxy_ctl_clients(), 0);
	proxy_ctl_finish(pending, true);
	pending = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtins),
		cmocka_unit_test(test_log_level),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_dispatch),
	};
	const struct CMUnitTest sock_tests[] = {
		cmocka_unit_test(test_socket_commands),
		cmocka_unit_test(test_socket_garbage),
		cmocka_unit_test(test_socket_client_limit),
		cmocka_unit_test(test_socket_slow_reader),
		cmocka_unit_test(test_socket_deferred),
	};
	int rc = cmocka_run_group_tests(tests, setup, NULL);
	return rc | cmocka_run_group_tests(sock_tests, setup_socket, teardown_socket);
}
