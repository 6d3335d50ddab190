/* Freeing what the workers share once none can hold it (core/qsbr.h):
 * at once with one worker; not while a worker that is online has not
 * passed a quiescent point; never delayed by an offline worker; and a
 * writer replacing a shared copy thousands of times under readers that
 * check every copy they read is still whole (a freed copy is poisoned
 * first, and under ASan any read of it fails the run). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sched.h>
#include <cmocka.h>

#include "core/qsbr.h"
#include "core/worker.h"

static int freed;

static void count_free(void *p)
{
	(void)p;
	__atomic_fetch_add(&freed, 1, __ATOMIC_SEQ_CST);
}

static void test_one_worker_frees_at_once(void **state)
{
	(void)state;
	sip_workers_n = 1;
	freed = 0;
	sip_qsbr_retire(count_free, &freed);
	assert_int_equal(freed, 1);
	assert_int_equal(sip_qsbr_pending(), 0);
}

/* A thread that is worker `id`, steered by the main thread through
 * `cmd`: 1 online, 2 quiescent, 3 offline, 9 exit. */
struct peer {
	unsigned id;
	int cmd;                    /* atomic */
	int done;                   /* atomic: commands carried out */
	pthread_t t;
};

static void *peer_main(void *arg)
{
	struct peer *p = arg;
	sip_worker_id = p->id;
	for (;;) {
		int c = __atomic_load_n(&p->cmd, __ATOMIC_SEQ_CST);
		if (c == 0) {
			sched_yield();
			continue;
		}
		if (c == 9)
			return NULL;
		if (c == 1)
			sip_qsbr_online();
		else if (c == 2)
			sip_qsbr_quiescent();
		else if (c == 3)
			sip_qsbr_offline();
		__atomic_store_n(&p->cmd, 0, __ATOMIC_SEQ_CST);
		__atomic_fetch_add(&p->done, 1, __ATOMIC_SEQ_CST);
	}
}

static void peer_do(struct peer *p, int cmd)
{
	int d = __atomic_load_n(&p->done, __ATOMIC_SEQ_CST);
	__atomic_store_n(&p->cmd, cmd, __ATOMIC_SEQ_CST);
	if (cmd == 9) {
		pthread_join(p->t, NULL);
		return;
	}
	while (__atomic_load_n(&p->done, __ATOMIC_SEQ_CST) == d)
		sched_yield();
}

static void test_waits_for_online_workers(void **state)
{
	(void)state;
	sip_workers_n = 3;
	sip_worker_id = 0;
	freed = 0;
	struct peer p1 = { .id = 1 }, p2 = { .id = 2 };
	pthread_create(&p1.t, NULL, peer_main, &p1);
	pthread_create(&p2.t, NULL, peer_main, &p2);
	sip_qsbr_online();
	peer_do(&p1, 1);
	peer_do(&p2, 1);

	sip_qsbr_retire(count_free, &freed);
	assert_int_equal(freed, 0);
	assert_int_equal(sip_qsbr_pending(), 1);
	/* Worker 1 passes; 2 (online) and the retirer have not. */
	peer_do(&p1, 2);
	sip_qsbr_quiescent();
	assert_int_equal(freed, 0);
	/* Worker 2 goes idle: it holds nothing, the copy goes. */
	peer_do(&p2, 3);
	sip_qsbr_quiescent();
	assert_int_equal(freed, 1);
	assert_int_equal(sip_qsbr_pending(), 0);

	/* Retired in order, freed in order as workers pass. */
	peer_do(&p2, 1);
	sip_qsbr_retire(count_free, &freed);
	sip_qsbr_retire(count_free, &freed);
	assert_int_equal(sip_qsbr_pending(), 2);
	peer_do(&p1, 2);
	peer_do(&p2, 2);
	assert_int_equal(freed, 1);             /* the retirer itself still holds */
	sip_qsbr_quiescent();
	assert_int_equal(freed, 3);

	/* At exit everything still pending goes. */
	sip_qsbr_retire(count_free, &freed);
	sip_qsbr_drain();
	assert_int_equal(freed, 4);
	peer_do(&p1, 9);
	peer_do(&p2, 9);
	sip_qsbr_offline();
	sip_workers_n = 1;
}

/* ---- a writer replacing a shared copy under readers ---- */

#define MAGIC 0x5eed5eedu
#define WORDS 16
#define SWAPS 20000

struct copy {
	uint32_t magic;
	uint32_t v[WORDS];
};

static struct copy *shared;             /* atomic */
static int stop;                        /* atomic */
static long bad;                        /* atomic */

static void poison_free(void *p)
{
	struct copy *c = p;
	memset(c, 0xdd, sizeof *c);
	free(c);
}

static void *reader_main(void *arg)
{
	sip_worker_id = (unsigned)(uintptr_t)arg;
	sip_qsbr_online();
	unsigned turns = 0;
	while (!__atomic_load_n(&stop, __ATOMIC_SEQ_CST)) {
		/* One "event": read the copy twice, a little apart. */
		const struct copy *c = __atomic_load_n(&shared, __ATOMIC_SEQ_CST);
		uint32_t first = c->v[0];
		for (volatile int k = 0; k < 50; k++)
			;
		for (int i = 0; i < WORDS; i++)
			if (c->magic != MAGIC || c->v[i] != first)
				__atomic_fetch_add(&bad, 1, __ATOMIC_SEQ_CST);
		/* The loop turns; now and then it waits for events. */
		if (++turns % 64 == 0) {
			sip_qsbr_offline();
			sched_yield();
			sip_qsbr_online();
		} else {
			sip_qsbr_quiescent();
		}
	}
	sip_qsbr_offline();
	return NULL;
}

static struct copy *new_copy(uint32_t v)
{
	struct copy *c = malloc(sizeof *c);
	c->magic = MAGIC;
	for (int i = 0; i < WORDS; i++)
		c->v[i] = v;
	return c;
}

static void test_readers_never_see_a_freed_copy(void **state)
{
	(void)state;
	sip_workers_n = 3;
	sip_worker_id = 0;
	stop = 0;
	bad = 0;
	shared = new_copy(0);
	pthread_t r1, r2;
	pthread_create(&r1, NULL, reader_main, (void *)(uintptr_t)1);
	pthread_create(&r2, NULL, reader_main, (void *)(uintptr_t)2);
	sip_qsbr_online();
	for (uint32_t i = 1; i <= SWAPS; i++) {
		struct copy *old = shared;
		__atomic_store_n(&shared, new_copy(i), __ATOMIC_SEQ_CST);
		sip_qsbr_retire(poison_free, old);
		sip_qsbr_quiescent();
	}
	__atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
	pthread_join(r1, NULL);
	pthread_join(r2, NULL);
	sip_qsbr_quiescent();
	assert_int_equal(bad, 0);
	/* The readers are offline now: everything retired is freed (how
	 * much waited meanwhile depends on how the threads were scheduled). */
	assert_int_equal(sip_qsbr_pending(), 0);
	sip_qsbr_offline();
	poison_free(shared);
	sip_workers_n = 1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_worker_frees_at_once),
		cmocka_unit_test(test_waits_for_online_workers),
		cmocka_unit_test(test_readers_never_see_a_freed_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
