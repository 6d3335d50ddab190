/* The worker threads (see worker.h): each sets up the per-worker state of
 * the layers on its own thread, runs its loop, and frees that state when
 * stopped. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include "core/log.h"
#include "core/qsbr.h"
#include "core/status.h"
#include "core/worker.h"
#include "proxy/counters.h"
#include "proxy/dns.h"
#include "proxy/module.h"
#include "proxy/proxy.h"
#include "proxy/worker_int.h"

static bool sem_up;

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	sip_worker_id = w->id;
	proxy_cnt = &proxy_counters_w[w->id];
	int rc = proxy_init_worker(&w->loop->timers);
	if (rc == SIP_OK)
		rc = proxy_dns_init(w->loop, W.dns);
	if (rc == SIP_OK)
		proxy_modules_worker_start(&w->loop->timers);
	w->init_rc = rc;
	sem_post(&W.ready);
	if (rc == SIP_OK && sip_loop_run(w->loop) != SIP_OK)
		LOG_ERR("worker %u stopped on an error", w->id);
	sip_qsbr_offline();
	if (rc == SIP_OK)
		proxy_modules_worker_stop();
	proxy_dns_destroy();
	proxy_destroy_worker();
	tp_udp_worker_done();
	return NULL;
}

int proxy_workers_start(const char *dns_servers)
{
	if (W.n <= 1)
		return SIP_OK;
	W.dns = dns_servers;
	sem_init(&W.ready, 0, 0);
	sem_up = true;
	/* Signals go to the main thread, which stops everything. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	/* Room for the stack and the thread-local state of the layers (the
	 * resolver's cache, the transaction layer's buffers). */
	pthread_attr_setstacksize(&attr, 16u << 20);
	int rc = SIP_OK;
	for (unsigned i = 1; i < W.n && rc == SIP_OK; i++) {
		int e = pthread_create(&W.w[i].thread, &attr, worker_main, &W.w[i]);
		if (e) {
			LOG_ERR("cannot start worker %u: %s", i, strerror(e));
			rc = SIP_EIO;
			break;
		}
		W.w[i].started = true;
		while (sem_wait(&W.ready) < 0 && errno == EINTR)
			;
		if (W.w[i].init_rc != SIP_OK) {
			LOG_ERR("cannot start worker %u: %s", i, sip_strerror(W.w[i].init_rc));
			rc = W.w[i].init_rc;
		}
	}
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc == SIP_OK)
		LOG_NOTICE("%u workers", W.n);
	return rc;
}


void proxy_workers_stop(void)
{
	if (W.n <= 1 || !W.w)
		return;
	for (unsigned i = 1; i < W.n; i++) {
		if (!W.w[i].started)
			continue;
		sip_loop_stop(W.w[i].loop);
		worker_wake(&W.w[i]);
		pthread_join(W.w[i].thread, NULL);
		W.w[i].started = false;
	}
	if (sem_up)
		sem_destroy(&W.ready);
	sem_up = false;
	worker_teardown();
}
