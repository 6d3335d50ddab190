/* The proxy's statistics in the Prometheus text exposition format
 * (version 0.0.4), served on /metrics by the HTTP listener (httpd.h).
 *
 * Every name of the statistics registry (core/stats.h, what "sipcc-ctl
 * --ctl SOCK stats" shows) becomes one metric: "core.rcv_requests" is
 * sipcc_core_rcv_requests_total, a counter; a gauge ("tm.transactions_active")
 * keeps its name without _total; a policy's own statistic (update_stat)
 * is a gauge, since a policy may count down. The registry's histograms
 * (transaction time, call set-up time) become Prometheus histograms in
 * seconds. Besides them: sipcc_build_info{version} and
 * process_start_time_seconds.
 *
 * The durations are measured here, from the server transaction's arrival
 * to its first final response (proxy_metrics_final, called where a
 * server transaction sends it). */
#ifndef SIPCC_PROXY_METRICS_H
#define SIPCC_PROXY_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include "core/stats.h"
#include "proxy/ctl.h"
#include "txn/txn.h"

/* Register the histograms (tm.transaction_seconds,
 * tm.call_setup_seconds) and note the start time. */
void proxy_metrics_init(void);
/* Server transaction s sent its first final response, code: count the
 * time since its request came (every method), and for an INVITE answered
 * with a 2xx the call's set-up time. */
void proxy_metrics_final(const txn *s, int code);

/* The whole exposition into o (proxy_ctl_printf's buffer; o->overflow
 * when it did not fit). */
void proxy_metrics_render(proxy_ctl_out *o);

/* The pieces, for tests. The metric name of statistic stat ("core.rcv_requests",
 * counter: "sipcc_core_rcv_requests_total") into out; false when it
 * does not fit. */
bool proxy_metrics_name(const char *stat, bool counter, char *out, size_t size);
/* s as the text of a # HELP line (backslash and newline escaped). */
void proxy_metrics_help_text(proxy_ctl_out *o, const char *s);
/* s as a label value (backslash, double quote and newline escaped). */
void proxy_metrics_label_value(proxy_ctl_out *o, const char *s);
/* A bucket bound in microseconds as Prometheus writes seconds: 1000 is
 * "0.001", 2500000 "2.5", 1000000 "1". */
void proxy_metrics_seconds(char *out, size_t size, uint64_t us);
/* One histogram: HELP, TYPE, cumulative buckets, +Inf, _sum, _count. */
void proxy_metrics_histogram(proxy_ctl_out *o, const char *metric, const char *help,
			     const sip_stat_hist *h);

#endif
