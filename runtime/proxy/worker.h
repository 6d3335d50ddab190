/* Workers: one event loop per thread, every core busy (--workers N).
 *
 * Each worker has its own loop and timer wheel, its own UDP socket of
 * every UDP listen address (SO_REUSEPORT: the kernel spreads the
 * datagrams over them by source address), and its own transaction table,
 * message contexts, receive buffers and DNS resolver (thread-local state
 * of those layers, core/worker.h). Worker 0 is the main thread: it also
 * runs the control socket, the metrics and JSON-RPC listener, the
 * modules' timers, the database worker's completions, the policy's timer
 * and event routes and the stream transports (TCP, TLS, WebSocket): their
 * listening sockets and connections are on its loop, which accepts,
 * reads, decrypts and frames them; each message read is handed to its
 * owner like a datagram, and what another worker sends over a stream is
 * posted to worker 0 (net/transport.h tp_set_post), a failure coming
 * back to the sender's transaction as a transport error.
 *
 * Ownership: the messages of one transaction are handled by one worker,
 * in the order they arrived, so replies never overtake each other (a 180
 * is never relayed after the 200 that followed it):
 *  - a request (ACK and CANCEL included, so they meet their INVITE's
 *    transaction) belongs to the worker chosen by its Call-ID's hash, and
 *    so does every transaction and the dialog of a call;
 *  - a reply belongs to the worker whose id is in the top Via branch
 *    (txn_branch_worker: the worker that sent the request, which for a
 *    relayed request is its Call-ID's, and for a request the proxy made
 *    itself, proxy/uac.h, the one that made it), else to its Call-ID's.
 * A message read by another worker (a datagram, or a message from a
 * stream connection on worker 0) is copied into a hand-off item and
 * pushed on the owner's queue (core/mpsc.h, lock-free); an eventfd wakes
 * the owner's loop, which hands the messages up in the order they were
 * pushed. Only the Call-ID and the top Via are looked at before that:
 * the owner parses the message once. */
#ifndef SIPCC_PROXY_WORKER_H
#define SIPCC_PROXY_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include "core/worker.h"
#include "net/loop.h"
#include "net/transport.h"

/* The worker (0..n-1) that owns the SIP message buf of len bytes among n
 * workers, by the rules above; -1 when it cannot tell (no Call-ID: the
 * message is handled, and refused, where it was read). */
int proxy_msg_owner(const char *buf, size_t len, unsigned n);
/* The worker among n that owns a message the proxy sent (buf, len; the
 * part of it an ICMP error quotes): for a request the worker in the
 * branch of its top Via, else by Call-ID; -1 when it cannot tell. */
int proxy_sent_owner(const char *buf, size_t len, unsigned n);
/* The worker among n that owns the call with this Call-ID. */
unsigned proxy_callid_owner(sip_str callid, unsigned n);

/* How many workers to run, decided before anything starts: requested is
 * --workers (0: not given), ncpu the CPUs this process may use. The
 * default is one per CPU when every module the policy uses is safe with
 * several (sipcc_module.workers_safe), else 1 (said at notice). A request
 * for more than one that cannot be granted is refused: -1, after logging
 * why (the first unsafe module by name). */
int proxy_workers_plan(unsigned requested, unsigned ncpu);

/* The CPUs this process may run on (its affinity mask). */
unsigned proxy_workers_cpus(void);
/* Set up n workers; worker 0 runs on main, the caller's loop. Before
 * listening (UDP sockets are then made with SO_REUSEPORT). */
int proxy_workers_setup(sip_loop *main, unsigned n);
/* Give the UDP socket s, just made on the main loop, its sockets on the
 * other workers' loops (nothing with one worker). */
int proxy_workers_listen(sip_socket *s);
/* Start the worker threads (after the sockets are bound and privileges
 * dropped); each sets up its layers and its resolver (dns_servers as
 * --dns) and runs its loop. SIP_OK once all of them run. */
int proxy_workers_start(const char *dns_servers);
/* Stop and join the worker threads (after the main loop returned);
 * messages still queued are dropped. */
void proxy_workers_stop(void);

/* Run fn(arg) on worker id's loop, after the messages already queued for
 * it (at once when id is the caller, or with one worker): how a result
 * computed on one worker (a database completion on worker 0) reaches the
 * worker whose request waits for it. At exit, calls still queued run on
 * the main thread. SIP_NOMEM when it cannot be queued (fn not called). */
int proxy_worker_post(unsigned id, void (*fn)(void *arg), void *arg);
/* Register the control command "workers" (what each worker handled). */
void proxy_workers_ctl_init(void);
struct proxy_ctl_out;
/* The per-worker families of /metrics (label worker="ID"). */
void proxy_workers_metrics(struct proxy_ctl_out *o);
/* Messages handed to another worker, in all (statistic
 * core.handoff_messages). */
int64_t proxy_workers_handed(void);

#endif
