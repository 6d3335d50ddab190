/* Quiescent-state-based reclamation (see qsbr.h).
 *
 * A global epoch counts retirements. Each worker publishes, at every
 * quiescent point, the epoch it has seen (or OFFLINE while it waits for
 * events). A copy retired at epoch e is freed once every worker has
 * published an epoch >= e or is offline: it then read every shared
 * pointer after the writer replaced it. Sequentially consistent atomics
 * on both sides make that argument hold (the writer's store of the new
 * pointer, its increment of the epoch and its reads of the workers'
 * epochs against a worker's store of its epoch and its later reads of
 * the pointer). */
#include "core/qsbr.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include "core/arena.h"
#include "core/log.h"
#include "core/worker.h"

#define OFFLINE UINT64_MAX

struct qsbr_slot {
	uint64_t seen;              /* atomic: epoch seen at the last quiescent point */
} __attribute__((aligned(64)));

struct qsbr_item {
	struct qsbr_item *next;
	void (*fn)(void *);
	void *p;
	uint64_t epoch;
};

static struct {
	uint64_t epoch;             /* atomic */
	size_t pending;             /* atomic: items on the list */
	pthread_mutex_t mu;         /* the list */
	struct qsbr_item *head, *tail;
	struct qsbr_slot slot[SIP_WORKERS_MAX];
} Q = {
	.epoch = 1,
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.slot = { [0 ... SIP_WORKERS_MAX - 1] = { OFFLINE } },
};

static void publish(uint64_t v)
{
	if (sip_worker_id < SIP_WORKERS_MAX)
		__atomic_store_n(&Q.slot[sip_worker_id].seen, v, __ATOMIC_SEQ_CST);
}

/* The oldest epoch a worker may still hold copies of. */
static uint64_t oldest_seen(void)
{
	uint64_t min = OFFLINE;
	unsigned n = sip_workers_n < SIP_WORKERS_MAX ? sip_workers_n : SIP_WORKERS_MAX;
	for (unsigned i = 0; i < n; i++) {
		uint64_t s = __atomic_load_n(&Q.slot[i].seen, __ATOMIC_SEQ_CST);
		if (s < min)
			min = s;
	}
	return min;
}

/* Free the items every worker is past. The list is in epoch order. */
static void reclaim(void)
{
	if (!__atomic_load_n(&Q.pending, __ATOMIC_ACQUIRE))
		return;
	uint64_t min = oldest_seen();
	struct qsbr_item *done = NULL;
	pthread_mutex_lock(&Q.mu);
	while (Q.head && Q.head->epoch <= min) {
		struct qsbr_item *it = Q.head;
		Q.head = it->next;
		if (!Q.head)
			Q.tail = NULL;
		it->next = done;
		done = it;
		__atomic_fetch_sub(&Q.pending, 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&Q.mu);
	while (done) {
		struct qsbr_item *it = done;
		done = it->next;
		it->fn(it->p);
		sip_mem_free(it);
	}
}

void sip_qsbr_quiescent(void)
{
	publish(__atomic_load_n(&Q.epoch, __ATOMIC_SEQ_CST));
	reclaim();
}

void sip_qsbr_offline(void)
{
	publish(OFFLINE);
}

void sip_qsbr_online(void)
{
	publish(__atomic_load_n(&Q.epoch, __ATOMIC_SEQ_CST));
}

void sip_qsbr_retire(void (*fn)(void *p), void *p)
{
	if (sip_workers_n <= 1) {
		fn(p);
		return;
	}
	uint64_t e = __atomic_add_fetch(&Q.epoch, 1, __ATOMIC_SEQ_CST);
	struct qsbr_item *it = sip_mem_alloc(sizeof *it);
	if (!it) {
		/* Waiting here could wait for the caller itself. */
		LOG_ERR("out of memory: a replaced copy of a shared table is not freed");
		return;
	}
	*it = (struct qsbr_item){ NULL, fn, p, e };
	pthread_mutex_lock(&Q.mu);
	if (Q.tail)
		Q.tail->next = it;
	else
		Q.head = it;
	Q.tail = it;
	__atomic_fetch_add(&Q.pending, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&Q.mu);
	reclaim();
}

size_t sip_qsbr_pending(void)
{
	return __atomic_load_n(&Q.pending, __ATOMIC_ACQUIRE);
}

void sip_qsbr_drain(void)
{
	pthread_mutex_lock(&Q.mu);
	struct qsbr_item *it = Q.head;
	Q.head = Q.tail = NULL;
	__atomic_store_n(&Q.pending, 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&Q.mu);
	while (it) {
		struct qsbr_item *next = it->next;
		it->fn(it->p);
		sip_mem_free(it);
		it = next;
	}
}
