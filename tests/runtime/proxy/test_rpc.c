/* JSON-RPC 2.0 over the control commands (runtime/proxy/rpc.c): request
 * parsing and validation, the method and params as a command line, the
 * error codes, batches and notifications, and replies a command finishes
 * later. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/arena.h"
#include "core/status.h"
#include "proxy/ctl.h"
#include "proxy/rpc.h"

static bool cmd_echo(int argc, char **argv, proxy_ctl_out *o)
{
	proxy_ctl_printf(o, ",\"argc\":%d", argc);
	for (int i = 0; i < argc; i++) {
		proxy_ctl_printf(o, ",\"a%d\":", i);
		proxy_ctl_json_str(o, argv[i], strlen(argv[i]));
	}
	return true;
}

static bool cmd_empty(int argc, char **argv, proxy_ctl_out *o)
{
	(void)argc;
	(void)argv;
	(void)o;
	return true;
}

static bool cmd_usage(int argc, char **argv, proxy_ctl_out *o)
{
	(void)argv;
	if (argc != 1)
		return proxy_ctl_error(o, "usage: t usage WORD");
	return true;
}

static bool cmd_fail(int argc, char **argv, proxy_ctl_out *o)
{
	(void)argc;
	(void)argv;
	return proxy_ctl_error(o, "the \"table\" is gone");
}

static proxy_ctl_later *later[4];
static unsigned n_later;

static bool cmd_later(int argc, char **argv, proxy_ctl_out *o)
{
	(void)argc;
	(void)argv;
	proxy_ctl_printf(o, ",\"started\":true");
	later[n_later++] = proxy_ctl_defer(o);
	return true;
}

static int setup(void **st)
{
	(void)st;
	proxy_ctl_register("t echo", "WORD...", "echo", cmd_echo);
	proxy_ctl_register("t empty", "", "nothing", cmd_empty);
	proxy_ctl_register("t usage", "WORD", "one word", cmd_usage);
	proxy_ctl_register("t fail", "", "fails", cmd_fail);
	proxy_ctl_register("t later", "", "answers later", cmd_later);
	proxy_ctl_register("solo", "", "a one-word command", cmd_echo);
	return 0;
}

static char answer[65536];
static unsigned answers;
static bool answered_null;

static void on_reply(void *arg, char *body, size_t len)
{
	(void)arg;
	answers++;
	answered_null = body == NULL;
	snprintf(answer, sizeof answer, "%.*s", (int)len, body ? body : "");
	sip_mem_free(body);
}

/* Run req, which answers at once; the answer. */
static const char *rpc(const char *req)
{
	proxy_rpc_req *p = (proxy_rpc_req *)1;
	answers = 0;
	answer[0] = '\0';
	assert_int_equal(proxy_rpc_handle(req, strlen(req), on_reply, NULL, &p), SIP_OK);
	assert_null(p);
	assert_int_equal(answers, 1);
	return answer;
}

#define R(id, result) "{\"jsonrpc\":\"2.0\",\"result\":" result ",\"id\":" id "}"
#define E(id, code) "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":" #code ",\"message\":"

static void expect_error(const char *req, const char *prefix)
{
	const char *a = rpc(req);
	if (strncmp(a, prefix, strlen(prefix)) != 0)
		fail_msg("%s\n  answered %s\n  expected %s...", req, a, prefix);
}

static void test_methods(void **st)
{
	(void)st;
	assert_string_equal(rpc("{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"params\":[\"a@b\",5,-1.5],\"id\":1}"),
			    R("1", "{\"argc\":3,\"a0\":\"a@b\",\"a1\":\"5\",\"a2\":\"-1.5\"}"));
	/* No params, an empty reply object, a string id echoed as written. */
	assert_string_equal(rpc("{\"id\":\"x\\\"y\",\"method\":\"t.empty\",\"jsonrpc\":\"2.0\"}"),
			    R("\"x\\\"y\"", "{}"));
	/* The one-word method with the second word first in params, as
	 * sipcc-ctl --rpc sends a command's words. */
	assert_string_equal(rpc("{\"jsonrpc\":\"2.0\",\"method\":\"t\",\"params\":[\"echo\",\"z\"],\"id\":2}"),
			    R("2", "{\"argc\":1,\"a0\":\"z\"}"));
	assert_string_equal(rpc("{\"jsonrpc\":\"2.0\",\"method\":\"solo\",\"params\":[\"q\"],\"id\":null}"),
			    R("null", "{\"argc\":1,\"a0\":\"q\"}"));
	/* A built-in command. */
	const char *a = rpc("{\"jsonrpc\":\"2.0\",\"method\":\"help\",\"id\":3}");
	assert_non_null(strstr(a, "{\"command\":\"t later\",\"help\":\"answers later\"}"));
}

static void test_errors(void **st)
{
	(void)st;
	expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"t.nope\",\"id\":1}", E("1", -32601));
	expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"nope\",\"id\":1}", E("1", -32601));
	expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"t.echo.x\",\"id\":1}", E("1", -32601));
	expect_error("{\"jsonrpc\":\"2.0\",\"method\":\".t\",\"id\":1}", E("1", -32601));
	expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"t.\",\"id\":1}", E("1", -32601));
	expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"t echo\",\"id\":1}", E("1", -32601));
	expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"\",\"id\":1}", E("1", -32601));
	expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"t\",\"params\":[\"nope\"],\"id\":1}", E("1", -32601));
	/* Params: an array of words. */
	expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"params\":{\"a\":1},\"id\":1}", E("1", -32602));
	expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"params\":\"a\",\"id\":1}", E("1", -32602));
	expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"params\":[\"a b\"],\"id\":1}", E("1", -32602));
	expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"params\":[\"a\\nb\"],\"id\":1}", E("1", -32602));
	expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"params\":[\"a\\u0000b\"],\"id\":1}", E("1", -32602));
	expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"params\":[\"\"],\"id\":1}", E("1", -32602));
	expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"params\":[true],\"id\":1}", E("1", -32602));
	expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"params\":[[1]],\"id\":1}", E("1", -32602));
	expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"params\":[1,2,3,4,5,6,7],\"id\":1}", E("1", -32602));
	/* The command's own refusals. */
	assert_string_equal(rpc("{\"jsonrpc\":\"2.0\",\"method\":\"t.usage\",\"id\":9}"),
			    E("9", -32602) "\"usage: t usage WORD\"},\"id\":9}");
	assert_string_equal(rpc("{\"jsonrpc\":\"2.0\",\"method\":\"t.fail\",\"id\":9}"),
			    E("9", -32000) "\"the \\\"table\\\" is gone\"},\"id\":9}");
	/* Not JSON-RPC 2.0. */
	assert_string_equal(rpc("{\"jsonrpc\":\"2.0\",\"method\":"),
			    E("null", -32700) "\"Parse error\"},\"id\":null}");
	expect_error("", E("null", -32700));
	expect_error("{\"method\":\"t.echo\",\"id\":1}", E("1", -32600));
	expect_error("{\"jsonrpc\":\"1.0\",\"method\":\"t.echo\",\"id\":1}", E("1", -32600));
	expect_error("{\"jsonrpc\":2.0,\"method\":\"t.echo\",\"id\":1}", E("1", -32600));
	expect_error("{\"jsonrpc\":\"2.0\",\"method\":5,\"id\":1}", E("1", -32600));
	expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"id\":{}}", E("null", -32600));
	expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"id\":[1]}", E("null", -32600));
	expect_error("\"t.echo\"", E("null", -32600));
	expect_error("[]", E("null", -32600));
	/* A notification that is not a valid request is answered anyway. */
	expect_error("{\"jsonrpc\":\"2.0\"}", E("null", -32600));
}

static void test_batch(void **st)
{
	(void)st;
	assert_string_equal(
		rpc("[{\"jsonrpc\":\"2.0\",\"method\":\"t.empty\",\"id\":1},"
		    " {\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"params\":[\"n\"]},"
		    " 7,"
		    " {\"jsonrpc\":\"2.0\",\"method\":\"nope\",\"id\":\"b\"},"
		    " {\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"params\":[\"w\"],\"id\":3}]"),
		"[" R("1", "{}") ","
		E("null", -32600) "\"Invalid Request: not an object\"},\"id\":null},"
		E("\"b\"", -32601) "\"Method not found: nope (try \\\"help\\\")\"},\"id\":\"b\"},"
		R("3", "{\"argc\":1,\"a0\":\"w\"}") "]");
	/* Only notifications: nothing to answer. */
	rpc("[{\"jsonrpc\":\"2.0\",\"method\":\"t.empty\"},{\"jsonrpc\":\"2.0\",\"method\":\"nope\"}]");
	assert_true(answered_null);
	rpc("{\"jsonrpc\":\"2.0\",\"method\":\"t.fail\"}");
	assert_true(answered_null);
	/* At most PROXY_RPC_BATCH_MAX requests. */
	char big[PROXY_RPC_BATCH_MAX * 64 + 64];
	size_t n = 0;
	big[n++] = '[';
	for (unsigned i = 0; i <= PROXY_RPC_BATCH_MAX; i++)
		n += (size_t)sprintf(big + n, "%s{\"jsonrpc\":\"2.0\",\"method\":\"t.empty\",\"id\":%u}",
				     i ? "," : "", i);
	big[n++] = ']';
	big[n] = '\0';
	expect_error(big, E("null", -32600) "\"Invalid Request: batch too large\"");
	/* One less is served. */
	char *last = strrchr(big, '{');
	last[-1] = ']';
	last[0] = '\0';
	const char *a = rpc(big);
	assert_int_equal(a[0], '[');
	assert_non_null(strstr(a, R("31", "{}") "]"));
}

/* A command that answers later: the request waits for it, in order. */
static void test_later(void **st)
{
	(void)st;
	const char *req = "[{\"jsonrpc\":\"2.0\",\"method\":\"t.later\",\"id\":1},"
			  "{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"params\":[\"now\"],\"id\":2},"
			  "{\"jsonrpc\":\"2.0\",\"method\":\"t.later\",\"id\":3}]";
	proxy_rpc_req *p = NULL;
	n_later = 0;
	answers = 0;
	assert_int_equal(proxy_rpc_handle(req, strlen(req), on_reply, NULL, &p), SIP_OK);
	assert_non_null(p);
	assert_int_equal(n_later, 2);
	assert_int_equal(answers, 0);
	proxy_ctl_printf(proxy_ctl_later_out(later[1]), ",\"rows\":2");
	proxy_ctl_finish(later[1], true);
	assert_int_equal(answers, 0);
	proxy_ctl_error(proxy_ctl_later_out(later[0]), "usage: t later");
	proxy_ctl_finish(later[0], false);
	assert_int_equal(answers, 1);
	assert_string_equal(answer, "[" E("1", -32602) "\"usage: t later\"},\"id\":1},"
			    R("2", "{\"argc\":1,\"a0\":\"now\"}") ","
			    R("3", "{\"started\":true,\"rows\":2}") "]");

	/* The caller went away: nothing is called, nothing leaks. */
	n_later = 0;
	answers = 0;
	const char *one = "{\"jsonrpc\":\"2.0\",\"method\":\"t.later\",\"id\":4}";
	assert_int_equal(proxy_rpc_handle(one, strlen(one), on_reply, NULL, &p), SIP_OK);
	assert_non_null(p);
	proxy_rpc_cancel(p);
	proxy_ctl_finish(later[0], true);
	assert_int_equal(answers, 0);
}

/* Out of memory anywhere: an error or an internal-error answer, never a
 * crash or a leak (run under the sanitizers). */
static void test_nomem(void **st)
{
	(void)st;
	const char *req = "[{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"params\":[\"a\"],\"id\":1},"
			  "{\"jsonrpc\":\"2.0\",\"method\":\"nope\",\"id\":2}]";
	for (unsigned long i = 1; i < 40; i++) {
		proxy_rpc_req *p = NULL;
		answers = 0;
		sip_mem_fail_after(i);
		int rc = proxy_rpc_handle(req, strlen(req), on_reply, NULL, &p);
		sip_mem_fail_after(0);
		assert_null(p);
		if (rc == SIP_OK)
			assert_int_equal(answers, 1);
		else
			assert_int_equal(rc, SIP_NOMEM);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_later),
		cmocka_unit_test(test_nomem),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
