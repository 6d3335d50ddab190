/* The hand-off queue between workers (core/mpsc.h): order, the wake-up
 * flag, and several producers pushing at once against one consumer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <sched.h>
#include <cmocka.h>

#include "core/mpsc.h"

struct item {
	sip_mpsc_node node;
	unsigned producer;
	unsigned seq;
};

static struct item *item_of(sip_mpsc_node *n)
{
	return n ? (struct item *)((char *)n - offsetof(struct item, node)) : NULL;
}

static void test_fifo_one_thread(void **state)
{
	(void)state;
	sip_mpsc q;
	struct item it[5];
	sip_mpsc_init(&q);
	assert_null(sip_mpsc_pop(&q));
	for (unsigned i = 0; i < 5; i++) {
		it[i].seq = i;
		sip_mpsc_push(&q, &it[i].node);
	}
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(item_of(sip_mpsc_pop(&q))->seq, i);
	assert_null(sip_mpsc_pop(&q));
	/* Empty again, then reused: the stub goes round. */
	sip_mpsc_push(&q, &it[2].node);
	assert_ptr_equal(sip_mpsc_pop(&q), &it[2].node);
	assert_null(sip_mpsc_pop(&q));
	sip_mpsc_push(&q, &it[3].node);
	sip_mpsc_push(&q, &it[4].node);
	assert_ptr_equal(sip_mpsc_pop(&q), &it[3].node);
	assert_ptr_equal(sip_mpsc_pop(&q), &it[4].node);
	assert_null(sip_mpsc_pop(&q));
}

/* The first push after a rearm asks for a wake-up, the others do not. */
static void test_signal_once(void **state)
{
	(void)state;
	sip_mpsc q;
	struct item it[3];
	sip_mpsc_init(&q);
	assert_true(sip_mpsc_push(&q, &it[0].node));
	assert_false(sip_mpsc_push(&q, &it[1].node));
	sip_mpsc_rearm(&q);
	assert_non_null(sip_mpsc_pop(&q));
	assert_non_null(sip_mpsc_pop(&q));
	assert_null(sip_mpsc_pop(&q));
	assert_true(sip_mpsc_push(&q, &it[2].node));
	assert_ptr_equal(sip_mpsc_pop(&q), &it[2].node);
	/* Not rearmed: the consumer has not been woken since. */
	assert_false(sip_mpsc_push(&q, &it[0].node));
}

#define PRODUCERS 3
#define PER_PRODUCER 200000u

static sip_mpsc shared_q;
static struct item *items[PRODUCERS];

static void *producer(void *arg)
{
	unsigned p = (unsigned)(uintptr_t)arg;
	for (unsigned i = 0; i < PER_PRODUCER; i++) {
		items[p][i].producer = p;
		items[p][i].seq = i;
		sip_mpsc_push(&shared_q, &items[p][i].node);
	}
	return NULL;
}

/* Every item comes out exactly once, and each producer's in the order it
 * pushed them: the property the workers' ordering rests on. */
static void test_producers_keep_their_order(void **state)
{
	(void)state;
	pthread_t th[PRODUCERS];
	unsigned next[PRODUCERS] = { 0 };
	sip_mpsc_init(&shared_q);
	for (unsigned p = 0; p < PRODUCERS; p++) {
		items[p] = test_calloc(PER_PRODUCER, sizeof *items[p]);
		assert_non_null(items[p]);
	}
	for (unsigned p = 0; p < PRODUCERS; p++)
		assert_int_equal(pthread_create(&th[p], NULL, producer, (void *)(uintptr_t)p), 0);
	unsigned got = 0;
	while (got < PRODUCERS * PER_PRODUCER) {
		struct item *it = item_of(sip_mpsc_pop(&shared_q));
		if (!it) {
			sched_yield();
			continue;
		}
		assert_true(it->producer < PRODUCERS);
		assert_int_equal(it->seq, next[it->producer]);
		next[it->producer]++;
		got++;
	}
	for (unsigned p = 0; p < PRODUCERS; p++)
		pthread_join(th[p], NULL);
	assert_null(sip_mpsc_pop(&shared_q));
	for (unsigned p = 0; p < PRODUCERS; p++) {
		assert_int_equal(next[p], PER_PRODUCER);
		test_free(items[p]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_one_thread),
		cmocka_unit_test(test_signal_once),
		cmocka_unit_test(test_producers_keep_their_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
