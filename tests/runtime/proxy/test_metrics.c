/* The Prometheus exposition (runtime/proxy/metrics.c): metric names,
 * escaping in HELP lines and label values, bucket bounds in seconds,
 * cumulative histogram buckets with +Inf, counters against gauges, and
 * the durations measured at a server transaction's final response. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/stats.h"
#include "core/status.h"
#include "proxy/metrics.h"

static void test_names(void **st)
{
	(void)st;
	char m[80];
	assert_true(proxy_metrics_name("core.rcv_requests", true, m, sizeof m));
	assert_string_equal(m, "sipcc_core_rcv_requests_total");
	assert_true(proxy_metrics_name("tm.transactions_active", false, m, sizeof m));
	assert_string_equal(m, "sipcc_tm_transactions_active");
	/* No second _total; '-', ':' and '.' become '_'. */
	assert_true(proxy_metrics_name("calls.placed_total", true, m, sizeof m));
	assert_string_equal(m, "sipcc_calls_placed_total");
	assert_true(proxy_metrics_name("a-b:c.D9", false, m, sizeof m));
	assert_string_equal(m, "sipcc_a_b_c_D9");
	/* Exactly the room it needs, and one byte less. */
	assert_true(proxy_metrics_name("ab", true, m, strlen("sipcc_ab_total") + 1));
	assert_false(proxy_metrics_name("ab", true, m, strlen("sipcc_ab_total")));
	assert_false(proxy_metrics_name("", false, m, sizeof m));
}

static char *text(proxy_ctl_out *o)
{
	assert_false(o->overflow);
	return o->buf ? o->buf : (char *)"";
}

static void test_escaping(void **st)
{
	(void)st;
	proxy_ctl_out o = { 0 };
	/* HELP: backslash and newline only; a quote stays. */
	proxy_metrics_help_text(&o, "a\\b\nc \"q\"");
	assert_string_equal(text(&o), "a\\\\b\\nc \"q\"");
	proxy_ctl_out_free(&o);
	/* A label value escapes the quote too. */
	proxy_metrics_label_value(&o, "1.0 \"beta\"\\x\ny");
	assert_string_equal(text(&o), "1.0 \\\"beta\\\"\\\\x\\ny");
	proxy_ctl_out_free(&o);
}

static void test_seconds(void **st)
{
	(void)st;
	static const struct {
		uint64_t us;
		const char *s;
	} cases[] = {
		{ 0, "0" }, { 1, "0.000001" }, { 500, "0.0005" }, { 1000, "0.001" },
		{ 2500, "0.0025" }, { 100000, "0.1" }, { 1000000, "1" }, { 2500000, "2.5" },
		{ 10000000, "10" }, { 180000000, "180" }, { 1234567, "1.234567" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char b[32];
		proxy_metrics_seconds(b, sizeof b, cases[i].us);
		assert_string_equal(b, cases[i].s);
	}
}

static void test_histogram(void **st)
{
	(void)st;
	static const uint64_t le[] = { 1000, 5000, 10000 };
	sip_stat_hist h;
	sip_stat_hist_init(&h, le, 3);
	sip_stat_hist_observe(&h, 1000);        /* on a bound: counted there (le) */
	sip_stat_hist_observe(&h, 1001);
	sip_stat_hist_observe(&h, 5000);
	sip_stat_hist_observe(&h, 20000);       /* above every bound */
	sip_stat_hist_observe(&h, 20000);
	assert_int_equal(h.bucket[0], 1);
	assert_int_equal(h.bucket[1], 2);
	assert_int_equal(h.bucket[2], 0);
	assert_int_equal(h.bucket[3], 2);
	assert_int_equal(h.count, 5);
	assert_int_equal(h.sum_us, 47001);
	proxy_ctl_out o = { 0 };
	proxy_metrics_histogram(&o, "sipcc_x_seconds", "Time\nof \\x.", &h);
	assert_string_equal(text(&o),
			    "# HELP sipcc_x_seconds Time\\nof \\\\x.\n"
			    "# TYPE sipcc_x_seconds histogram\n"
			    "sipcc_x_seconds_bucket{le=\"0.001\"} 1\n"
			    "sipcc_x_seconds_bucket{le=\"0.005\"} 3\n"
			    "sipcc_x_seconds_bucket{le=\"0.01\"} 3\n"
			    "sipcc_x_seconds_bucket{le=\"+Inf\"} 5\n"
			    "sipcc_x_seconds_sum 0.047001\n"
			    "sipcc_x_seconds_count 5\n");
	proxy_ctl_out_free(&o);
	/* Empty: every bucket 0, +Inf too. */
	sip_stat_hist_init(&h, le, 3);
	proxy_metrics_histogram(&o, "e", "", &h);
	assert_non_null(strstr(text(&o), "e_bucket{le=\"+Inf\"} 0\ne_sum 0.000000\ne_count 0\n"));
	proxy_ctl_out_free(&o);
}

static int64_t g_val = 7;
static int64_t gauge_fn(void) { return g_val; }
static int64_t cfn(void) { return 42; }

static void test_render(void **st)
{
	(void)st;
	static int64_t c1 = 3, c2 = 9;
	sip_stat_clear();
	assert_int_equal(sip_stat_counter("t.c", &c1), SIP_OK);
	assert_int_equal(sip_stat_counter("t_c", &c2), SIP_OK);        /* the same metric name */
	assert_int_equal(sip_stat_gauge("t.g", gauge_fn), SIP_OK);
	assert_int_equal(sip_stat_counter_fn("t.cf", cfn), SIP_OK);
	assert_int_equal(sip_stat_update(SIP_STR_LIT("t.p"), -3), SIP_OK);
	proxy_metrics_init();
	proxy_ctl_out o = { 0 };
	proxy_metrics_render(&o);
	const char *t = text(&o);
	assert_non_null(strstr(t, "# TYPE sipcc_t_c_total counter\nsipcc_t_c_total 3\n"));
	assert_null(strstr(t, "sipcc_t_c_total 9"));            /* the first one wins */
	assert_non_null(strstr(t, "# TYPE sipcc_t_g gauge\nsipcc_t_g 7\n"));
	assert_non_null(strstr(t, "# TYPE sipcc_t_cf_total counter\nsipcc_t_cf_total 42\n"));
	assert_non_null(strstr(t, "# HELP sipcc_t_p $stat(\"t.p\"), kept by the policy\n"
				  "# TYPE sipcc_t_p gauge\nsipcc_t_p -3\n"));
	assert_non_null(strstr(t, "# TYPE sipcc_tm_transaction_seconds histogram\n"));
	assert_non_null(strstr(t, "# TYPE sipcc_tm_call_setup_seconds histogram\n"));
	assert_non_null(strstr(t, "sipcc_build_info{version=\""));
	assert_non_null(strstr(t, "# TYPE process_start_time_seconds gauge\n"));
	/* Every sample line follows its family's HELP and TYPE. */
	unsigned help = 0, type = 0;
	for (const char *p = t; (p = strstr(p, "\n# HELP ")); p++)
		help++;
	for (const char *p = t; (p = strstr(p, "\n# TYPE ")); p++)
		type++;
	assert_int_equal(help + 1, type);      /* the first HELP starts the text */
	assert_int_equal(t[o.len - 1], '\n');
	proxy_ctl_out_free(&o);
	sip_stat_clear();
}

/* The durations come from the server transaction's arrival. */
static void test_final(void **st)
{
	(void)st;
	sip_stat_clear();
	proxy_metrics_init();
	txn s;
	memset(&s, 0, sizeof s);
	s.is_invite = true;
	s.start_us = txn_clock_us() - 30000;            /* 30 ms ago */
	proxy_metrics_final(&s, 200);
	proxy_metrics_final(&s, 486);                   /* not a set-up */
	s.is_invite = false;
	proxy_metrics_final(&s, 200);                   /* a BYE: not a set-up */
	s.start_us = 0;                                 /* never started: not counted */
	proxy_metrics_final(&s, 200);
	proxy_ctl_out o = { 0 };
	proxy_metrics_render(&o);
	const char *t = text(&o);
	assert_non_null(strstr(t, "sipcc_tm_transaction_seconds_count 3\n"));
	assert_non_null(strstr(t, "sipcc_tm_call_setup_seconds_count 1\n"));
	/* 30 ms: over the 25 ms bound, under the 50 ms one. */
	assert_non_null(strstr(t, "sipcc_tm_call_setup_seconds_bucket{le=\"0.025\"} 0\n"));
	assert_non_null(strstr(t, "sipcc_tm_call_setup_seconds_bucket{le=\"+Inf\"} 1\n"));
	assert_non_null(strstr(t, "sipcc_tm_transaction_seconds_bucket{le=\"0.025\"} 0\n"));
	assert_non_null(strstr(t, "sipcc_tm_transaction_seconds_bucket{le=\"+Inf\"} 3\n"));
	proxy_ctl_out_free(&o);
	sip_stat_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_seconds),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_final),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
