#include "net/loop.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include "core/arena.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/qsbr.h"
#include "core/status.h"

/* One registration; epoll_event.data.ptr points at it. */
struct loop_watch {
	int fd;
	sip_loop_fn fn;
	void *arg;
	unsigned flags;             /* SIP_LOOP_* */
	struct loop_watch *next;    /* in the retired list */
};

static uint64_t loop_clock_skew;

uint64_t sip_loop_clock_ms(void)
{
	return sip_mono_ms() + loop_clock_skew;
}

void sip_loop_clock_skip(uint64_t ms)
{
	loop_clock_skew += ms;
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
	loop->byfd = NULL;
	loop->nbyfd = 0;
	loop->nwatch = 0;
	loop->only = NULL;
	loop->batches = 0;
	loop->retired = NULL;
	sip_timer_wheel_init(&loop->timers, sip_loop_clock_ms());
	return SIP_OK;
}

/* Free the watchers removed during the last batch of events. */
static void loop_free_retired(sip_loop *loop)
{
	while (loop->retired) {
		struct loop_watch *w = loop->retired;
		loop->retired = w->next;
		sip_mem_free(w);
	}
}

void sip_loop_destroy(sip_loop *loop)
{
	for (int fd = 0; fd < loop->nbyfd; fd++)
		sip_mem_free(loop->byfd[fd]);
	sip_mem_free(loop->byfd);
	loop->byfd = NULL;
	loop->nbyfd = 0;
	loop->nwatch = 0;
	loop->only = NULL;
	loop_free_retired(loop);
	if (loop->epfd >= 0)
		close(loop->epfd);
	loop->epfd = -1;
}

int sip_loop_add_fd(sip_loop *loop, int fd, sip_loop_fn fn, void *arg)
{
	return sip_loop_add_fd_flags(loop, fd, fn, arg, 0);
}

static struct loop_watch *loop_watch_of(const sip_loop *loop, int fd)
{
	return fd >= 0 && fd < loop->nbyfd ? loop->byfd[fd] : NULL;
}

/* Room in byfd for descriptor fd. */
static int loop_byfd_grow(sip_loop *loop, int fd)
{
	if (fd < loop->nbyfd)
		return SIP_OK;
	int n = loop->nbyfd ? loop->nbyfd : 64;
	while (n <= fd)
		n *= 2;
	struct loop_watch **t = sip_mem_alloc((size_t)n * sizeof *t);
	if (!t)
		return SIP_NOMEM;
	if (loop->nbyfd)
		memcpy(t, loop->byfd, (size_t)loop->nbyfd * sizeof *t);
	memset(t + loop->nbyfd, 0, (size_t)(n - loop->nbyfd) * sizeof *t);
	sip_mem_free(loop->byfd);
	loop->byfd = t;
	loop->nbyfd = n;
	return SIP_OK;
}

/* Keep loop->only right after the number of watchers changed. */
static void loop_only_update(sip_loop *loop)
{
	loop->only = NULL;
	if (loop->nwatch != 1)
		return;
	for (int fd = 0; fd < loop->nbyfd; fd++)
		if (loop->byfd[fd]) {
			loop->only = loop->byfd[fd];
			return;
		}
}

int sip_loop_add_fd_flags(sip_loop *loop, int fd, sip_loop_fn fn, void *arg, unsigned flags)
{
	if (fd < 0)
		return SIP_EINVAL;
	if (loop_watch_of(loop, fd))
		return SIP_ESTATE;
	if (loop_byfd_grow(loop, fd) != SIP_OK)
		return SIP_NOMEM;
	struct loop_watch *w = sip_mem_alloc(sizeof *w);
	if (!w)
		return SIP_NOMEM;
	*w = (struct loop_watch){ fd, fn, arg, flags, NULL };
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = w };
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		LOG_ERR("epoll_ctl(%d): %s", fd, strerror(errno));
		sip_mem_free(w);
		return SIP_EIO;
	}
	loop->byfd[fd] = w;
	loop->nwatch++;
	loop_only_update(loop);
	return SIP_OK;
}

void sip_loop_del_fd(sip_loop *loop, int fd)
{
	struct loop_watch *w = loop_watch_of(loop, fd);
	if (!w)
		return;
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
	loop->byfd[fd] = NULL;
	loop->nwatch--;
	loop_only_update(loop);
	w->fn = NULL;
	w->next = loop->retired;
	loop->retired = w;
}

int sip_loop_mod_fd(sip_loop *loop, int fd, uint32_t events)
{
	struct loop_watch *w = loop_watch_of(loop, fd);
	if (!w)
		return SIP_ENOTFOUND;
	struct epoll_event ev = { .events = events, .data.ptr = w };
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) < 0) {
		LOG_ERR("epoll_ctl(%d): %s", fd, strerror(errno));
		return SIP_EIO;
	}
	return SIP_OK;
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
	/* Between two events: what was read from a shared table is no longer
	 * used (core/qsbr.h); while waiting, nothing is. */
	sip_qsbr_quiescent();
	if (timeout_ms)
		sip_qsbr_offline();
	int n = epoll_wait(loop->epfd, evs, 64, timeout_ms);
	if (timeout_ms)
		sip_qsbr_online();
	if (n < 0) {
		if (errno == EINTR)
			return SIP_OK;
		LOG_ERR("epoll_wait: %s", strerror(errno));
		return SIP_EIO;
	}
	sip_timer_expire(&loop->timers, sip_loop_clock_ms());
	loop->batches++;
	for (int i = 0; i < n && !sip_loop_stopped(loop); i++) {
		struct loop_watch *w = evs[i].data.ptr;
		if (w->fn)
			w->fn(loop, w->fd, evs[i].events, w->arg);
	}
	loop_free_retired(loop);
	return SIP_OK;
}

/* Wait for readiness or the next timer, dispatch, expire timers. The clock
 * is read once per wakeup, not per message. A single descriptor that can
 * wait by itself (one UDP socket, the common case) is called directly. */
int sip_loop_run(sip_loop *loop)
{
	while (!sip_loop_stopped(loop)) {
		struct loop_watch *w = loop->only;
		if (w && (w->flags & SIP_LOOP_CAN_BLOCK)) {
			loop->block_ms = block_ms(loop);
			w->fn(loop, w->fd, EPOLLIN | SIP_LOOP_BLOCK, w->arg);
			loop_free_retired(loop);
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
	__atomic_store_n(&loop->stop, 1, __ATOMIC_RELAXED);
}
