/* The log's repeated-line reduction (runtime/core/log.c): a burst of
 * identical lines is written, the rest counted and summarised. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/log.h"
#include "core/status.h"

static FILE *cap;
static int saved_stderr = -1;

/* stderr goes to a temporary file the test reads back. */
static int setup(void **state)
{
	(void)state;
	fflush(stderr);
	cap = tmpfile();
	if (!cap)
		return -1;
	saved_stderr = dup(2);
	dup2(fileno(cap), 2);
	sip_log_level = SIP_LOG_DEBUG;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sip_log_flush();
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	/* What went to stderr meanwhile, cmocka's failure messages included. */
	char buf[4096];
	size_t n;
	rewind(cap);
	fprintf(stderr, "---- captured stderr\n");
	while ((n = fread(buf, 1, sizeof buf, cap)) > 0)
		fwrite(buf, 1, n, stderr);
	fclose(cap);
	return 0;
}

/* Everything written since the last call, as one string. */
static char *captured(void)
{
	static char buf[1 << 16];
	static long done;
	fflush(stderr);
	long end = lseek(fileno(cap), 0, SEEK_END);
	size_t n = (size_t)(end - done);
	assert_true(n < sizeof buf);
	assert_int_equal(pread(fileno(cap), buf, n, done), (ssize_t)n);
	buf[n] = '\0';
	done = end;
	return buf;
}

static unsigned count(const char *s, const char *what)
{
	unsigned n = 0;
	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void test_burst_then_count(void **state)
{
	(void)state;
	sip_log_repeat_ms = 60000;
	LOG_WARN("start");
	for (int i = 0; i < 5000; i++)
		LOG_WARN("accept on tcp:127.0.0.1:5060: %s", "Too many open files");
	char *out = captured();
	assert_int_equal(count(out, "warn: accept on tcp:127.0.0.1:5060: Too many open files\n"),
			 SIP_LOG_REPEAT_BURST);
	assert_int_equal(count(out, "repeated"), 0);

	LOG_NOTICE("something else");
	out = captured();
	char want[128];
	snprintf(want, sizeof want, "warn: last message repeated %u times\nnotice: something else\n",
		 5000 - SIP_LOG_REPEAT_BURST);
	assert_string_equal(out, want);
}

static void test_few_repeats_all_written(void **state)
{
	(void)state;
	LOG_INFO("call ended");
	LOG_INFO("call ended");
	LOG_INFO("call ended");
	LOG_INFO("other");
	assert_string_equal(captured(), "info: call ended\ninfo: call ended\ninfo: call ended\ninfo: other\n");
	/* Same text at another level is another line. */
	LOG_INFO("x");
	LOG_WARN("x");
	assert_string_equal(captured(), "info: x\nwarn: x\n");
}

static void test_interval_and_flush(void **state)
{
	(void)state;
	sip_log_repeat_ms = 50;
	LOG_ERR("flood");
	for (unsigned i = 0; i < SIP_LOG_REPEAT_BURST - 1 + 7; i++)
		LOG_ERR("flood");
	char *out = captured();
	assert_int_equal(count(out, "err: flood\n"), SIP_LOG_REPEAT_BURST);
	assert_int_equal(count(out, "repeated"), 0);
	/* Still repeating after the interval: the count comes out once. */
	sleep_ms(80);
	LOG_ERR("flood");
	assert_string_equal(captured(), "err: last message repeated 8 times\n");
	LOG_ERR("flood");
	LOG_ERR("flood");
	assert_string_equal(captured(), "");
	sip_log_flush();
	assert_string_equal(captured(), "err: last message repeated 2 times\n");
	sip_log_flush();
	assert_string_equal(captured(), "");
	/* One more copy is counted (the run goes on), one at a time. */
	LOG_ERR("flood");
	sip_log_flush();
	assert_string_equal(captured(), "err: last message repeated 1 time\n");
	sip_log_repeat_ms = 10000;
}

/* JSON lines: time, level, the message whole, and a field for each
 * key=value word (quoted values without their quotes); what a value holds
 * is escaped; an unknown format or target is refused. */
static void test_json(void **state)
{
	(void)state;
	const char *why = NULL;
	assert_int_equal(sip_log_format("xml"), SIP_EINVAL);
	assert_int_equal(sip_log_open("syslog:local9", NULL, &why), SIP_EINVAL);
	assert_non_null(why);
	assert_int_equal(sip_log_open("file", NULL, &why), SIP_EINVAL);
	assert_int_equal(sip_log_open("journal", NULL, &why), SIP_EINVAL);  /* no writer here */
	assert_int_equal(sip_log_format("json"), SIP_OK);
	LOG_NOTICE("auth: failed: src=10.0.0.1:5060 transport=udp method=INVITE user=\"al ice\" realm=\"x\" why=bad");
	LOG_WARN("tab\there \"q\" back\\slash");
	char *out = captured();
	assert_int_equal(sip_log_format("text"), SIP_OK);
	char *nl = strchr(out, '\n');
	assert_non_null(nl);
	*nl = '\0';
	assert_true(!strncmp(out, "{\"time\":\"", 9));
	assert_non_null(strstr(out, "Z\",\"level\":\"notice\",\"msg\":\"auth: failed: src=10.0.0.1:5060 "));
	assert_non_null(strstr(out, ",\"src\":\"10.0.0.1:5060\",\"transport\":\"udp\",\"method\":\"INVITE\","
				    "\"user\":\"al ice\",\"realm\":\"x\",\"why\":\"bad\"}"));
	char *second = nl + 1;
	assert_non_null(strstr(second, "\"level\":\"warn\",\"msg\":\"tab\\u0009here \\\"q\\\" back\\\\slash\"}\n"));
	LOG_NOTICE("back to text");
	assert_string_equal(captured(), "notice: back to text\n");
}

/* One thread logs while another changes the threshold, as a worker logs
 * while the control socket's "log level" changes it on worker 0: every
 * line that comes out is whole, and the level set last holds. Under
 * ThreadSanitizer a plain read or write of the threshold fails this test
 * (a data race ends the program with a non-zero status). */
#define LEVEL_ROUNDS 1000

static void *log_while_level_changes(void *arg)
{
	(void)arg;
	for (int i = 0; i < LEVEL_ROUNDS; i++)
		LOG_INFO("tick %d", i);
	return NULL;
}

static void test_level_changed_while_logging(void **state)
{
	(void)state;
	captured();
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, log_while_level_changes, NULL), 0);
	for (int i = 0; i < LEVEL_ROUNDS; i++)
		sip_log_level_set(i % 2 ? SIP_LOG_DEBUG : SIP_LOG_ERR);
	pthread_join(t, NULL);
	sip_log_level_set(SIP_LOG_ERR);
	LOG_INFO("not written");
	sip_log_level_set(SIP_LOG_DEBUG);
	assert_int_equal(sip_log_level_get(), SIP_LOG_DEBUG);
	LOG_INFO("done");
	char *out = captured();
	assert_null(strstr(out, "not written"));
	int lines = 0, last = -1, done = 0;
	for (char *line = out, *nl; (nl = strchr(line, '\n')); line = nl + 1, lines++) {
		*nl = '\0';
		if (!strcmp(line, "info: done")) {
			done++;
			continue;
		}
		int n;
		char end;
		assert_int_equal(sscanf(line, "info: tick %d%c", &n, &end), 1);
		assert_true(n > last && n < LEVEL_ROUNDS);
		last = n;
	}
	assert_int_equal(done, 1);
	assert_true(lines >= 1 && lines <= LEVEL_ROUNDS + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_count),
		cmocka_unit_test(test_few_repeats_all_written),
		cmocka_unit_test(test_interval_and_flush),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_level_changed_while_logging),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
