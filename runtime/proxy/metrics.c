/* The Prometheus exposition of the statistics (see metrics.h). */
#include "proxy/metrics.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "config.h"
#include "core/arena.h"
#include "proxy/worker.h"

/* Bucket bounds in microseconds: from a reply the proxy makes itself
 * (well under a millisecond) to an INVITE that rings for minutes. */
static const uint64_t txn_bounds_us[] = {
	500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000, 30000000, 60000000, 180000000,
};
static const uint64_t setup_bounds_us[] = {
	5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000,
	5000000, 10000000, 20000000, 30000000, 60000000, 120000000, 180000000,
};

static struct {
	sip_stat_hist txn_time, call_setup;
	time_t started;
} M;

void proxy_metrics_init(void)
{
	sip_stat_hist_init(&M.txn_time, txn_bounds_us,
			   sizeof txn_bounds_us / sizeof txn_bounds_us[0]);
	sip_stat_hist_init(&M.call_setup, setup_bounds_us,
			   sizeof setup_bounds_us / sizeof setup_bounds_us[0]);
	sip_stat_histogram("tm.transaction_seconds",
			   "Time from a request's arrival to the first final response of its "
			   "server transaction, every method.", &M.txn_time);
	sip_stat_histogram("tm.call_setup_seconds",
			   "Call set-up time: from an INVITE's arrival to the 2xx that answered it.",
			   &M.call_setup);
	M.started = time(NULL);
}

void proxy_metrics_final(const txn *s, int code)
{
	if (!s->start_us)
		return;
	uint64_t now = txn_clock_us();
	uint64_t us = now > s->start_us ? now - s->start_us : 0;
	sip_stat_hist_observe(&M.txn_time, us);
	if (s->is_invite && code >= 200 && code < 300)
		sip_stat_hist_observe(&M.call_setup, us);
}

/* metric names: [a-zA-Z_:][a-zA-Z0-9_:]*; ours are sipcc_ and the
 * statistic's name with '.', '-' and ':' made '_' (a colon is for
 * recording rules). */
bool proxy_metrics_name(const char *stat, bool counter, char *out, size_t size)
{
	size_t n = strlen(stat);
	static const char pre[] = "sipcc_", suf[] = "_total";
	bool has_total = n >= 6 && strcmp(stat + n - 6, suf) == 0;
	size_t need = sizeof pre - 1 + n + (counter && !has_total ? sizeof suf - 1 : 0) + 1;
	if (need > size || !n)
		return false;
	char *p = out;
	memcpy(p, pre, sizeof pre - 1);
	p += sizeof pre - 1;
	for (size_t i = 0; i < n; i++) {
		char c = stat[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
			  || c == '_';
		*p++ = ok ? c : '_';
	}
	if (counter && !has_total) {
		memcpy(p, suf, sizeof suf - 1);
		p += sizeof suf - 1;
	}
	*p = '\0';
	return true;
}

/* # HELP text: "\\" and "\n" are the only escapes. */
void proxy_metrics_help_text(proxy_ctl_out *o, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			proxy_ctl_printf(o, "\\\\");
		else if (*s == '\n')
			proxy_ctl_printf(o, "\\n");
		else
			proxy_ctl_printf(o, "%c", *s);
	}
}

/* A label value adds "\"". */
void proxy_metrics_label_value(proxy_ctl_out *o, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			proxy_ctl_printf(o, "\\\\");
		else if (*s == '"')
			proxy_ctl_printf(o, "\\\"");
		else if (*s == '\n')
			proxy_ctl_printf(o, "\\n");
		else
			proxy_ctl_printf(o, "%c", *s);
	}
}

/* Seconds the shortest way, as Go's FormatFloat('g', -1) writes the
 * bounds Prometheus' own clients use, so le="0.5" can be queried as such. */
void proxy_metrics_seconds(char *out, size_t size, uint64_t us)
{
	int n = snprintf(out, size, "%" PRIu64 ".%06" PRIu64, us / 1000000u, us % 1000000u);
	if (n <= 0 || (size_t)n >= size)
		return;
	char *p = out + n - 1;
	while (*p == '0')
		*p-- = '\0';
	if (*p == '.')
		*p = '\0';
}

void proxy_metrics_histogram(proxy_ctl_out *o, const char *metric, const char *help,
			     const sip_stat_hist *h)
{
	proxy_ctl_printf(o, "# HELP %s ", metric);
	proxy_metrics_help_text(o, help);
	proxy_ctl_printf(o, "\n# TYPE %s histogram\n", metric);
	/* Workers observe while this is read (relaxed atomic adds): a scrape
	 * may see an observation in count and not yet in its bucket. */
	uint64_t cum = 0;
	for (unsigned i = 0; i < h->n; i++) {
		char le[32];
		cum += __atomic_load_n(&h->bucket[i], __ATOMIC_RELAXED);
		proxy_metrics_seconds(le, sizeof le, h->le_us[i]);
		proxy_ctl_printf(o, "%s_bucket{le=\"%s\"} %" PRIu64 "\n", metric, le, cum);
	}
	cum += __atomic_load_n(&h->bucket[h->n], __ATOMIC_RELAXED);
	uint64_t sum = __atomic_load_n(&h->sum_us, __ATOMIC_RELAXED);
	proxy_ctl_printf(o, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", metric, cum);
	proxy_ctl_printf(o, "%s_sum %" PRIu64 ".%06" PRIu64 "\n", metric, sum / 1000000u,
			 sum % 1000000u);
	proxy_ctl_printf(o, "%s_count %" PRIu64 "\n", metric,
			 __atomic_load_n(&h->count, __ATOMIC_RELAXED));
}

/* What the built-in statistics count; the others (modules', a policy's)
 * get their registry name. */
static const struct {
	const char *name, *help;
} stat_help[] = {
	{ "core.rcv_requests", "SIP requests received." },
	{ "core.rcv_requests_", "SIP requests received with this method." },
	{ "core.rcv_replies", "SIP responses received." },
	{ "core.rcv_replies_", "SIP responses received in this status class." },
	{ "core.fwd_requests", "Requests relayed to a next hop." },
	{ "core.local_replies", "Responses the proxy generated itself." },
	{ "core.local_replies_", "Responses the proxy generated itself, in this status class." },
	{ "core.drop_requests", "Requests the policy dropped." },
	{ "core.drop_replies", "Responses the policy dropped." },
	{ "core.handoff_messages", "Messages read by one worker and handed to the worker that owns them." },
	{ "core.handoff_dropped", "Messages dropped because the worker that owns them had too many waiting." },
	{ "core.err_requests", "Requests refused as malformed or by the sanity checks." },
	{ "dns.lookups", "Next-hop names the proxy waited for." },
	{ "tm.transactions_active", "Transactions in memory now." },
	{ "tm.transactions_created", "Transactions created since start-up." },
	{ "net.stream_connections", "TCP, TLS and WebSocket connections open now." },
	{ "net.tcp_connections", "TCP connections open now." },
	{ "net.tls_connections", "TLS connections open now." },
	{ "net.ws_connections", "WebSocket connections (ws and wss) open now." },
	{ "mem.heap_used", "Bytes of heap in use." },
	{ "db.queue_depth", "Queries waiting for the database worker." },
	{ "db.queries", "Queries the database worker completed." },
	{ "db.failed_queries", "Queries that failed." },
	{ "db.refused_queries", "Queries refused (database down or queue full)." },
};

static const char *stat_help_for(const char *name)
{
	size_t n = strlen(name);
	const char *best = NULL;
	size_t best_len = 0;
	for (size_t i = 0; i < sizeof stat_help / sizeof stat_help[0]; i++) {
		size_t l = strlen(stat_help[i].name);
		bool prefix = stat_help[i].name[l - 1] == '_';
		if ((prefix ? n > l && memcmp(name, stat_help[i].name, l) == 0
			    : strcmp(name, stat_help[i].name) == 0) && l > best_len) {
			best = stat_help[i].help;
			best_len = l;
		}
	}
	return best;
}

#define METRIC_NAME_MAX (SIP_STAT_NAME_MAX + 16)

struct metrics_walk {
	proxy_ctl_out *o;
	char (*seen)[METRIC_NAME_MAX];  /* names written, so two statistics
					   that map to one name give one metric */
	unsigned n_seen, max_seen;
};

static bool walk_seen(struct metrics_walk *w, const char *metric)
{
	for (unsigned i = 0; i < w->n_seen; i++)
		if (strcmp(w->seen[i], metric) == 0)
			return true;
	if (w->n_seen < w->max_seen)
		strcpy(w->seen[w->n_seen++], metric);
	return false;
}

static void walk_stat(const char *name, enum sip_stat_kind kind, int64_t v, void *arg)
{
	struct metrics_walk *w = arg;
	char metric[METRIC_NAME_MAX];
	bool counter = kind == SIP_STAT_COUNTER;
	if (!proxy_metrics_name(name, counter, metric, sizeof metric) || walk_seen(w, metric))
		return;
	const char *help = stat_help_for(name);
	proxy_ctl_printf(w->o, "# HELP %s ", metric);
	if (help)
		proxy_metrics_help_text(w->o, help);
	proxy_ctl_printf(w->o, "%s$stat(\"%s\")%s\n", help ? " (" : "", name,
			 help ? ")" : kind == SIP_STAT_POLICY ? ", kept by the policy" : "");
	proxy_ctl_printf(w->o, "# TYPE %s %s\n%s %" PRId64 "\n", metric,
			 counter ? "counter" : "gauge", metric, v);
}

static void walk_hist(const char *name, const char *help, const sip_stat_hist *h, void *arg)
{
	struct metrics_walk *w = arg;
	char metric[METRIC_NAME_MAX];
	if (!proxy_metrics_name(name, false, metric, sizeof metric) || walk_seen(w, metric))
		return;
	proxy_metrics_histogram(w->o, metric, help, h);
}

void proxy_metrics_render(proxy_ctl_out *o)
{
	struct metrics_walk w = { o, NULL, 0, SIP_STAT_MAX + SIP_STAT_HIST_MAX };
	w.seen = sip_mem_alloc(sizeof *w.seen * w.max_seen);
	if (!w.seen) {
		o->overflow = true;
		return;
	}
	proxy_ctl_printf(o, "# HELP sipcc_build_info The proxy's version.\n"
			 "# TYPE sipcc_build_info gauge\nsipcc_build_info{version=\"");
	proxy_metrics_label_value(o, PACKAGE_VERSION);
	proxy_ctl_printf(o, "\"} 1\n");
	proxy_ctl_printf(o, "# HELP process_start_time_seconds Start time of the process since the "
			 "Unix epoch in seconds.\n# TYPE process_start_time_seconds gauge\n"
			 "process_start_time_seconds %lld\n", (long long)M.started);
	sip_stat_foreach_kind(SIP_STR_NULL, walk_stat, &w);
	sip_stat_hist_foreach(walk_hist, &w);
	proxy_workers_metrics(o);
	sip_mem_free(w.seen);
}
