/* Which worker thread the caller runs on.
 *
 * The proxy runs one event loop per worker thread (proxy/worker.h). The
 * state a layer keeps for the messages its loop handles (transactions,
 * message contexts, receive buffers, caches) is thread-local: each worker
 * has its own, reached without a lock and without a worker argument
 * through every call (the policy ABI passes only the message context).
 * What every worker must see at once (statistics, the ban list, the
 * modules' tables) is shared and summed or locked where it lives.
 *
 * sip_worker_id is 0 on the main thread (worker 0, which also serves the
 * control socket, the metrics listener, timers of the modules and stream
 * transports) and in programs without workers (tests, tools). */
#ifndef SIPCC_CORE_WORKER_H
#define SIPCC_CORE_WORKER_H

/* Most workers a proxy runs (the branch encodes the id in two hex digits). */
#define SIP_WORKERS_MAX 64

/* State of one worker: one instance per thread. */
#define SIP_PER_WORKER __thread

extern SIP_PER_WORKER unsigned sip_worker_id;
/* How many workers run (1 until the proxy starts more). */
extern unsigned sip_workers_n;

#endif
