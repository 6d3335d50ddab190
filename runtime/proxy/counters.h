/* The proxy's own statistics (core/stats.h): what it received, relayed,
 * answered and dropped. The receive path bumps these directly; the names
 * are registered by proxy_counters_init(), with the gauges of the layers
 * below (transactions, TCP connections, memory). */
#ifndef SIPCC_PROXY_COUNTERS_H
#define SIPCC_PROXY_COUNTERS_H

#include <stdint.h>
#include "core/worker.h"
#include "sip/msg.h"

#define PROXY_STAT_METHODS (SIP_METHOD_PUBLISH + 1)

struct proxy_counters {
	int64_t rcv_requests, rcv_method[PROXY_STAT_METHODS];
	int64_t rcv_replies, rcv_class[7];      /* by status class, 1xx..6xx */
	int64_t fwd_requests;
	int64_t local_replies, local_class[7];  /* answered by the proxy itself */
	int64_t drop_requests, drop_replies;
	int64_t err_requests;                   /* malformed or refused by the sanity checks */
	int64_t dns_lookups;                    /* next-hop names waited for */
} __attribute__((aligned(64)));

/* One set per worker, each on its own cache lines; a statistic is their
 * sum. proxy_cnt is the calling worker's. */
extern struct proxy_counters proxy_counters_w[SIP_WORKERS_MAX];
extern SIP_PER_WORKER struct proxy_counters *proxy_cnt;

/* One more on a counter of the calling worker: it alone writes it and a
 * reader on another thread sums it, so a relaxed load and store (a plain
 * add on common CPUs, no locked instruction). */
static inline void proxy_count_inc(int64_t *c)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}

static inline void proxy_count_request(enum sip_method m)
{
	proxy_count_inc(&proxy_cnt->rcv_requests);
	proxy_count_inc(&proxy_cnt->rcv_method[(unsigned)m < PROXY_STAT_METHODS ? m : 0]);
}

static inline void proxy_count_reply(int code)
{
	proxy_count_inc(&proxy_cnt->rcv_replies);
	proxy_count_inc(&proxy_cnt->rcv_class[code >= 100 && code < 700 ? code / 100 : 0]);
}

static inline void proxy_count_local_reply(int code)
{
	proxy_count_inc(&proxy_cnt->local_replies);
	proxy_count_inc(&proxy_cnt->local_class[code >= 100 && code < 700 ? code / 100 : 0]);
}

/* Register the names (core.*, tm.*, net.*, dns.*, mem.*). */
void proxy_counters_init(void);

#endif
