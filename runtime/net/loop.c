#include "net/loop.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include "core/arena.h"
#include "core/log.h"
#include "core/status.h"

/* One registration; epoll_event.data.ptr points at it. */
struct loop_watch {
	int fd;
	sip_loop_fn fn;
	void *arg;
	unsigned flags;             /* SIP_LOOP_* */
	struct loop_watch *next;
};

static struct loop_watch *watches;
/* Removed while a batch of events was being dispatched: a later event of
 * the same batch may still point at them, so they are freed after it. */
static struct loop_watch *retired;

uint64_t sip_loop_clock_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int sip_loop_init(sip_loop *loop)
{
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		LOG_ERR("epoll_create1: %s", strerror(errno));
		return SIP_EIO;
	}
	loop->stop = 0;
	loop->block_ms = 0;
	sip_timer_wheel_init(&loop->timers, sip_loop_clock_ms());
	return SIP_OK;
}

void sip_loop_destroy(sip_loop *loop)
{
	while (watches) {
		struct loop_watch *w = watches;
		watches = w->next;
		sip_mem_free(w);
	}
	while (retired) {
		struct loop_watch *w = retired;
		retired = w->next;
		sip_mem_free(w);
	}
	if (loop->epfd >= 0)
		close(loop->epfd);
	loop->epfd = -1;
}

int sip_loop_add_fd(sip_loop *loop, int fd, sip_loop_fn fn, void *arg)
{
	return sip_loop_add_fd_flags(loop, fd, fn, arg, 0);
}

int sip_loop_add_fd_flags(sip_loop *loop, int fd, sip_loop_fn fn, void *arg, unsigned flags)
{
	struct loop_watch *w = sip_mem_alloc(sizeof *w);
	if (!w)
		return SIP_NOMEM;
	*w = (struct loop_watch){ fd, fn, arg, flags, watches };
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = w };
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		LOG_ERR("epoll_ctl(%d): %s", fd, strerror(errno));
		sip_mem_free(w);
		return SIP_EIO;
	}
	watches = w;
	return SIP_OK;
}

void sip_loop_del_fd(sip_loop *loop, int fd)
{
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
	for (struct loop_watch **pp = &watches; *pp; pp = &(*pp)->next) {
		if ((*pp)->fd == fd) {
			struct loop_watch *w = *pp;
			*pp = w->next;
			w->fn = NULL;
			w->next = retired;
			retired = w;
			return;
		}
	}
}

int sip_loop_mod_fd(sip_loop *loop, int fd, uint32_t events)
{
	for (struct loop_watch *w = watches; w; w = w->next) {
		if (w->fd != fd)
			continue;
		struct epoll_event ev = { .events = events, .data.ptr = w };
		if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) < 0) {
			LOG_ERR("epoll_ctl(%d): %s", fd, strerror(errno));
			return SIP_EIO;
		}
		return SIP_OK;
	}
	return SIP_ENOTFOUND;
}

void sip_loop_woke(sip_loop *loop)
{
	sip_timer_expire(&loop->timers, sip_loop_clock_ms());
}

/* How long a blocking callback may wait: no limit without timers, one
 * tick while a timer is due within a second, else a second. Few distinct
 * values, so a transport that turns this into a socket option seldom has
 * to change it; expiry keeps the wheel's tick granularity. */
static int block_ms(const sip_loop *loop)
{
	int next = sip_timer_next_ms(&loop->timers);
	if (next < 0)
		return -1;
	if (next == 0)
		return 0;
	return next < 1000 ? SIP_TIMER_TICK_MS : 1000;
}

int sip_loop_once(sip_loop *loop, int timeout_ms)
{
	struct epoll_event evs[64];
	int n = epoll_wait(loop->epfd, evs, 64, timeout_ms);
	if (n < 0) {
		if (errno == EINTR)
			return SIP_OK;
		LOG_ERR("epoll_wait: %s", strerror(errno));
		return SIP_EIO;
	}
	sip_timer_expire(&loop->timers, sip_loop_clock_ms());
	for (int i = 0; i < n && !loop->stop; i++) {
		struct loop_watch *w = evs[i].data.ptr;
		if (w->fn)
			w->fn(loop, w->fd, evs[i].events, w->arg);
	}
	while (retired) {
		struct loop_watch *w = retired;
		retired = w->next;
		sip_mem_free(w);
	}
	return SIP_OK;
}

/* Wait for readiness or the next timer, dispatch, expire timers. The clock
 * is read once per wakeup, not per message. A single descriptor that can
 * wait by itself (one UDP socket, the common case) is called directly. */
int sip_loop_run(sip_loop *loop)
{
	while (!loop->stop) {
		if (watches && !watches->next && (watches->flags & SIP_LOOP_CAN_BLOCK)) {
			struct loop_watch *w = watches;
			loop->block_ms = block_ms(loop);
			w->fn(loop, w->fd, EPOLLIN | SIP_LOOP_BLOCK, w->arg);
			continue;
		}
		int rc = sip_loop_once(loop, sip_timer_next_ms(&loop->timers));
		if (rc != SIP_OK)
			return rc;
	}
	return SIP_OK;
}

void sip_loop_stop(sip_loop *loop)
{
	loop->stop = 1;
}
