/* Names of the proxy's statistics (see counters.h). */
#include "proxy/counters.h"

#include <malloc.h>
#include <stddef.h>
#include "core/stats.h"
#include "db/db_worker.h"
#include "net/tcp_int.h"
#include "proxy/metrics.h"
#include "proxy/modules.h"
#include "txn/txn_int.h"

struct proxy_counters proxy_counters_w[SIP_WORKERS_MAX];
SIP_PER_WORKER struct proxy_counters *proxy_cnt = &proxy_counters_w[0];

static const char *const rcv_method_names[PROXY_STAT_METHODS] = {
	"core.rcv_requests_other", "core.rcv_requests_invite", "core.rcv_requests_ack",
	"core.rcv_requests_bye", "core.rcv_requests_cancel", "core.rcv_requests_register",
	"core.rcv_requests_options", "core.rcv_requests_info", "core.rcv_requests_update",
	"core.rcv_requests_prack", "core.rcv_requests_subscribe", "core.rcv_requests_notify",
	"core.rcv_requests_message", "core.rcv_requests_refer", "core.rcv_requests_publish",
};
static const char *const rcv_class_names[7] = {
	"core.rcv_replies_other", "core.rcv_replies_1xx", "core.rcv_replies_2xx",
	"core.rcv_replies_3xx", "core.rcv_replies_4xx", "core.rcv_replies_5xx",
	"core.rcv_replies_6xx",
};
static const char *const local_class_names[7] = {
	"core.local_replies_other", "core.local_replies_1xx", "core.local_replies_2xx",
	"core.local_replies_3xx", "core.local_replies_4xx", "core.local_replies_5xx",
	"core.local_replies_6xx",
};

static int64_t txn_active_stat(void) { return (int64_t)txn_count_all(); }
static int64_t txn_created_stat(void) { return (int64_t)txn_created_all(); }
static int64_t tcp_conn_stat(void) { return (int64_t)tcp_conn_count(); }
static int64_t tcp_only_stat(void) { return (int64_t)tcp_conn_count_tp(&tp_tcp); }
static int64_t tls_conn_stat(void) { return (int64_t)tcp_conn_count_tp(&tp_tls); }
static int64_t ws_conn_stat(void)
{
	return (int64_t)(tcp_conn_count_tp(&tp_ws) + tcp_conn_count_tp(&tp_wss));
}

/* The database worker's figures (0 without one). */
static db_worker_stats dbw_stats(void)
{
	db_worker_stats st = { 0 };
	if (proxy_db_worker())
		db_worker_get_stats(proxy_db_worker(), &st);
	return st;
}

static int64_t db_queue_stat(void) { return dbw_stats().queued; }
static int64_t db_done_stat(void) { return (int64_t)dbw_stats().completed; }
static int64_t db_failed_stat(void) { return (int64_t)dbw_stats().failed; }
static int64_t db_refused_stat(void)
{
	db_worker_stats st = dbw_stats();
	return (int64_t)(st.refused_down + st.refused_full);
}

/* Bytes the allocator handed out and has not got back (arenas, tables,
 * buffers: everything goes through malloc). */
static int64_t heap_used_stat(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
	struct mallinfo2 mi = mallinfo2();
	return (int64_t)(mi.uordblks + mi.hblkhd);
#else
	return 0;
#endif
}

/* A counter of worker 0's set standing for the sum over every worker's. */
static void counter(const char *name, int64_t *var)
{
	sip_stat_counter_array(name, var, sizeof(struct proxy_counters), SIP_WORKERS_MAX);
}

void proxy_counters_init(void)
{
	struct proxy_counters *c = &proxy_counters_w[0];
	counter("core.rcv_requests", &c->rcv_requests);
	for (unsigned i = 1; i < PROXY_STAT_METHODS; i++)
		counter(rcv_method_names[i], &c->rcv_method[i]);
	counter(rcv_method_names[0], &c->rcv_method[0]);
	counter("core.rcv_replies", &c->rcv_replies);
	for (unsigned i = 1; i < 7; i++)
		counter(rcv_class_names[i], &c->rcv_class[i]);
	counter(rcv_class_names[0], &c->rcv_class[0]);
	counter("core.fwd_requests", &c->fwd_requests);
	counter("core.local_replies", &c->local_replies);
	for (unsigned i = 1; i < 7; i++)
		counter(local_class_names[i], &c->local_class[i]);
	counter("core.drop_requests", &c->drop_requests);
	counter("core.drop_replies", &c->drop_replies);
	counter("core.err_requests", &c->err_requests);
	counter("dns.lookups", &c->dns_lookups);
	sip_stat_gauge("tm.transactions_active", txn_active_stat);
	sip_stat_counter_fn("tm.transactions_created", txn_created_stat);
	sip_stat_gauge("net.stream_connections", tcp_conn_stat);
	sip_stat_gauge("net.tcp_connections", tcp_only_stat);
	sip_stat_gauge("net.tls_connections", tls_conn_stat);
	sip_stat_gauge("net.ws_connections", ws_conn_stat);
	sip_stat_gauge("mem.heap_used", heap_used_stat);
	sip_stat_gauge("db.queue_depth", db_queue_stat);
	sip_stat_counter_fn("db.queries", db_done_stat);
	sip_stat_counter_fn("db.failed_queries", db_failed_stat);
	sip_stat_counter_fn("db.refused_queries", db_refused_stat);
	proxy_metrics_init();
}
