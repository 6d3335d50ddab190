/* What each worker does, for the control socket ("workers", and the
 * JSON-RPC method of that name) and for /metrics (labelled by worker):
 * its requests and replies, what it relayed and answered, its live
 * transactions, the messages it handed to the others, dropped because
 * the owner was too far behind, and those waiting for it. Read while the
 * workers run: each figure has one writer and is read with a relaxed
 * load, so a figure may be a message behind. */
#include <inttypes.h>
#include <stddef.h>
#include "core/worker.h"
#include "proxy/counters.h"
#include "proxy/ctl.h"
#include "proxy/metrics.h"
#include "proxy/worker_int.h"
#include "txn/txn.h"

struct worker_figures {
	int64_t requests, replies, relayed, local_replies, transactions;
	int64_t handed, dropped, waiting;
};

static int64_t load(const int64_t *v)
{
	return __atomic_load_n(v, __ATOMIC_RELAXED);
}

static void figures_of(unsigned id, struct worker_figures *f)
{
	const struct proxy_counters *c = &proxy_counters_w[id];
	f->requests = load(&c->rcv_requests);
	f->replies = load(&c->rcv_replies);
	f->relayed = load(&c->fwd_requests);
	f->local_replies = load(&c->local_replies);
	f->transactions = (int64_t)txn_count_worker(id);
	f->handed = f->dropped = f->waiting = 0;
	if (W.w && id < W.n) {
		f->handed = load(&W.w[id].handed);
		f->dropped = load(&W.w[id].dropped);
		f->waiting = load(&W.w[id].backlog);
	}
}

static bool ctl_workers(int argc, char **argv, proxy_ctl_out *o)
{
	(void)argv;
	if (argc)
		return proxy_ctl_error(o, "usage: workers");
	proxy_ctl_printf(o, ",\"n\":%u,\"workers\":[", W.n);
	for (unsigned i = 0; i < W.n; i++) {
		struct worker_figures f;
		figures_of(i, &f);
		proxy_ctl_printf(o, "%s{\"id\":%u,\"requests\":%" PRId64 ",\"replies\":%" PRId64
				 ",\"relayed\":%" PRId64 ",\"local_replies\":%" PRId64
				 ",\"transactions\":%" PRId64 ",\"handed\":%" PRId64
				 ",\"dropped\":%" PRId64 ",\"waiting\":%" PRId64 "}",
				 i ? "," : "", i, f.requests, f.replies, f.relayed, f.local_replies,
				 f.transactions, f.handed, f.dropped, f.waiting);
	}
	proxy_ctl_printf(o, "]");
	return true;
}

void proxy_workers_ctl_init(void)
{
	proxy_ctl_register("workers", "",
			   "what each worker handled: requests, replies, relayed, answered, "
			   "live transactions, messages handed to others, dropped, waiting",
			   ctl_workers);
}

/* One labelled family: its HELP and TYPE once, then a sample a worker. */
static void family(proxy_ctl_out *o, const char *name, const char *type, const char *help,
		   size_t field)
{
	proxy_ctl_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
	for (unsigned i = 0; i < W.n; i++) {
		struct worker_figures f;
		figures_of(i, &f);
		proxy_ctl_printf(o, "%s{worker=\"%u\"} %" PRId64 "\n", name, i,
				 *(const int64_t *)((const char *)&f + field));
	}
}

void proxy_workers_metrics(proxy_ctl_out *o)
{
	family(o, "sipcc_worker_requests_total", "counter", "Requests received, by worker.",
	       offsetof(struct worker_figures, requests));
	family(o, "sipcc_worker_replies_total", "counter", "Replies received, by worker.",
	       offsetof(struct worker_figures, replies));
	family(o, "sipcc_worker_relayed_total", "counter", "Requests relayed, by worker.",
	       offsetof(struct worker_figures, relayed));
	family(o, "sipcc_worker_local_replies_total", "counter",
	       "Replies the proxy made itself, by worker.",
	       offsetof(struct worker_figures, local_replies));
	family(o, "sipcc_worker_transactions", "gauge", "Live transactions, by worker.",
	       offsetof(struct worker_figures, transactions));
	family(o, "sipcc_worker_handoff_messages_total", "counter",
	       "Messages a worker read and handed to the worker that owns them.",
	       offsetof(struct worker_figures, handed));
	family(o, "sipcc_worker_handoff_dropped_total", "counter",
	       "Messages a worker dropped because their owner had too many waiting.",
	       offsetof(struct worker_figures, dropped));
	family(o, "sipcc_worker_waiting", "gauge",
	       "Messages handed to a worker and not yet handled.",
	       offsetof(struct worker_figures, waiting));
}
