/* The event loop: epoll for readiness, a timer wheel for time.
 * Single-threaded by design, one per worker thread (proxy/worker.h): the
 * messages of one transaction are all handled by the loop of the worker
 * that owns it, in arrival order, without locks. */
#ifndef SIPCC_NET_LOOP_H
#define SIPCC_NET_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include "core/timer.h"

struct sip_loop;
struct loop_watch;
typedef void (*sip_loop_fn)(struct sip_loop *loop, int fd, uint32_t events, void *arg);

typedef struct sip_loop {
	int epfd;
	int stop;                   /* set by sip_loop_stop() (signal-safe, atomic) */
	sip_timer_wheel timers;
	/* With SIP_LOOP_BLOCK: how long the callback may block waiting for
	 * input, in ms (-1: no limit, 0: must not block). */
	int block_ms;
	/* The watchers, indexed by descriptor (redis ae.c): registering,
	 * changing and removing one is O(1). */
	struct loop_watch **byfd;
	int nbyfd;                  /* slots in byfd */
	unsigned nwatch;            /* watchers registered */
	struct loop_watch *only;    /* the watcher when there is exactly one */
	/* Removed while a batch of events was being dispatched: a later event
	 * of the same batch may still point at them, so they are freed after
	 * it. */
	struct loop_watch *retired;
	/* Batches of events dispatched (sip_loop_once): a handler can share
	 * out work per batch (tcp.c's TLS handshakes). */
	uint64_t batches;
} sip_loop;

/* Registration flag: fn can wait for input itself (a blocking receive
 * bounded by loop->block_ms). When such a descriptor is the only one, the
 * loop skips epoll and calls fn with SIP_LOOP_BLOCK in events: one system
 * call per wakeup instead of epoll_wait + a receive. */
#define SIP_LOOP_CAN_BLOCK  1u
/* In events: the call may block (see block_ms); fn must call
 * sip_loop_woke() as soon as the wait returns, before handling input. */
#define SIP_LOOP_BLOCK      (1u << 30)

/* Monotonic milliseconds. */
uint64_t sip_loop_clock_ms(void);
/* Move the loop's clock ms ahead, for good: timers due by then run at the
 * next sip_loop_once(). For the test engine (runtime/test), whose cases
 * let a callee ring until the final-response timer fires. */
void sip_loop_clock_skip(uint64_t ms);

int sip_loop_init(sip_loop *loop);
void sip_loop_destroy(sip_loop *loop);
/* Watch fd for EPOLLIN; fn runs on readiness. */
int sip_loop_add_fd(sip_loop *loop, int fd, sip_loop_fn fn, void *arg);
/* The same with SIP_LOOP_* flags. */
int sip_loop_add_fd_flags(sip_loop *loop, int fd, sip_loop_fn fn, void *arg, unsigned flags);
/* Read the clock and run the timers that are due (a SIP_LOOP_BLOCK
 * callback calls it after its wait, so that input is handled at the
 * current time). */
void sip_loop_woke(sip_loop *loop);
/* Stop watching fd. Safe from a callback: an event of the same batch for
 * fd is not dispatched. */
void sip_loop_del_fd(sip_loop *loop, int fd);
/* Change the epoll events fd is watched for (EPOLLIN, EPOLLOUT). */
int sip_loop_mod_fd(sip_loop *loop, int fd, uint32_t events);
/* Run until sip_loop_stop(); returns SIP_OK or SIP_EIO. */
int sip_loop_run(sip_loop *loop);
/* One epoll wait of at most timeout_ms (-1: no limit), its callbacks and
 * the timers due; SIP_OK or SIP_EIO. */
int sip_loop_once(sip_loop *loop, int timeout_ms);
/* Safe from a signal handler and from another thread (a worker's loop is
 * stopped by the main thread, which then wakes it). */
void sip_loop_stop(sip_loop *loop);
static inline bool sip_loop_stopped(sip_loop *loop)
{
	return __atomic_load_n(&loop->stop, __ATOMIC_RELAXED) != 0;
}

#endif
