/* The core hash table (runtime/core/htable.c): lookups, removal, growth
 * and shrinking while the table is in use, iteration that removes, the
 * scan cursor across resizes, and chains made of nothing but collisions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/arena.h"
#include "core/hash.h"
#include "core/htable.h"
#include "core/status.h"

struct item {
	int key;
	int tag;                /* tells apart items with the same key */
	int seen;
	sip_hlink link;
};

static uint32_t key_hash(int key)
{
	return sip_hash_bytes(&key, sizeof key);
}

static bool item_eq(const sip_hlink *l, const void *key)
{
	return SIP_HTABLE_ENTRY(l, struct item, link)->key == *(const int *)key;
}

static struct item *find(const sip_htable *t, int key, uint32_t h)
{
	sip_hlink *l = sip_htable_find(t, h, item_eq, &key);
	return l ? SIP_HTABLE_ENTRY(l, struct item, link) : NULL;
}

static struct item *find_key(const sip_htable *t, int key)
{
	return find(t, key, key_hash(key));
}

static struct item *items(int n)
{
	struct item *v = calloc((size_t)n, sizeof *v);
	assert_non_null(v);
	for (int i = 0; i < n; i++)
		v[i].key = i;
	return v;
}

static void test_insert_find_remove(void **state)
{
	(void)state;
	sip_htable t;
	assert_int_equal(sip_htable_init(&t, 4), SIP_OK);
	struct item *v = items(10);
	for (int i = 0; i < 10; i++)
		sip_htable_insert(&t, &v[i].link, key_hash(i));
	assert_int_equal(sip_htable_count(&t), 10);
	for (int i = 0; i < 10; i++)
		assert_ptr_equal(find_key(&t, i), &v[i]);
	assert_null(find_key(&t, 10));
	assert_true(sip_htable_remove(&t, &v[3].link));
	assert_false(sip_htable_remove(&t, &v[3].link));     /* not in t any more */
	assert_null(find_key(&t, 3));
	assert_int_equal(sip_htable_count(&t), 9);
	/* An element never inserted is not found for removal either. */
	struct item stray = { .key = 3 };
	assert_false(sip_htable_remove(&t, &stray.link));
	sip_htable_insert(&t, &v[3].link, key_hash(3));
	assert_ptr_equal(find_key(&t, 3), &v[3]);
	sip_htable_destroy(&t);
	assert_null(find_key(&t, 3));                          /* a destroyed table is empty */
	free(v);
}

/* The same key twice: the newer one is found, then the older once the
 * newer is gone (the dialog and alias tables rely on it). */
static void test_newest_first(void **state)
{
	(void)state;
	sip_htable t;
	assert_int_equal(sip_htable_init(&t, 2), SIP_OK);
	struct item a = { .key = 7, .tag = 1 }, b = { .key = 7, .tag = 2 };
	sip_htable_insert(&t, &a.link, key_hash(7));
	sip_htable_insert(&t, &b.link, key_hash(7));
	assert_int_equal(find_key(&t, 7)->tag, 2);
	sip_htable_remove(&t, &b.link);
	assert_int_equal(find_key(&t, 7)->tag, 1);
	/* And across a doubling: insert enough others to grow the table while
	 * both are in it. */
	sip_htable_insert(&t, &b.link, key_hash(7));
	struct item *v = items(64);
	for (int i = 0; i < 64; i++) {
		v[i].key = 1000 + i;
		sip_htable_insert(&t, &v[i].link, key_hash(v[i].key));
		assert_int_equal(find_key(&t, 7)->tag, 2);
	}
	assert_true(t.mask[0] > 3);
	sip_htable_destroy(&t);
	/* A copy inserted while a doubling is under way goes to the new
	 * array, the older ones still wait in the old: the new one is found. */
	assert_int_equal(sip_htable_init(&t, 6), SIP_OK);
	int k = 0;
	while ((key_hash(k) & 63) < 16)         /* a bucket not moved by the next insert */
		k++;
	struct item c = { .key = k, .tag = 3 };
	a.key = b.key = k;
	sip_htable_insert(&t, &a.link, key_hash(k));
	sip_htable_insert(&t, &b.link, key_hash(k));
	struct item *w = items(200);
	for (int i = 0; !t.tab[1]; i++) {
		assert_true(i < 200);
		w[i].key = 1000 + i;
		sip_htable_insert(&t, &w[i].link, key_hash(w[i].key));
	}
	sip_htable_insert(&t, &c.link, key_hash(k));
	assert_int_equal(find_key(&t, k)->tag, 3);
	sip_htable_remove(&t, &c.link);
	assert_int_equal(find_key(&t, k)->tag, 2);
	sip_htable_destroy(&t);
	free(w);
	free(v);
}

/* Every element hashes alike: one chain holds them all, and the equality
 * callback tells them apart. */
static void test_collisions(void **state)
{
	(void)state;
	sip_htable t;
	assert_int_equal(sip_htable_init(&t, 4), SIP_OK);
	enum { N = 500 };
	struct item *v = items(N);
	for (int i = 0; i < N; i++)
		sip_htable_insert(&t, &v[i].link, 42);
	for (int i = 0; i < N; i++)
		assert_ptr_equal(find(&t, i, 42), &v[i]);
	assert_null(find(&t, N, 42));
	/* A key whose hash differs is not compared at all. */
	assert_null(find(&t, 5, 43));
	for (int i = 0; i < N; i += 2)
		assert_true(sip_htable_remove(&t, &v[i].link));
	for (int i = 0; i < N; i++)
		assert_ptr_equal(find(&t, i, 42), i % 2 ? &v[i] : NULL);
	assert_int_equal(sip_htable_count(&t), N / 2);
	sip_htable_destroy(&t);
	free(v);
}

static void check_all(const sip_htable *t, struct item *v, int n, const char *present)
{
	for (int i = 0; i < n; i++)
		assert_ptr_equal(find_key(t, i), present[i] ? &v[i] : NULL);
}

/* Grows from 16 buckets to thousands and back while lookups go on at
 * every step: whatever the state of an incremental resize, each element
 * is found and each removed one is not. */
static void test_resize(void **state)
{
	(void)state;
	sip_htable t;
	assert_int_equal(sip_htable_init(&t, 4), SIP_OK);
	enum { N = 5000 };
	struct item *v = items(N);
	char *present = calloc(N, 1);
	bool saw_resizing = false;
	for (int i = 0; i < N; i++) {
		sip_htable_insert(&t, &v[i].link, key_hash(i));
		present[i] = 1;
		if (t.tab[1]) {
			saw_resizing = true;
			if (i % 7 == 0)
				check_all(&t, v, N, present);
		}
	}
	assert_true(saw_resizing);
	check_all(&t, v, N, present);
	assert_true(t.mask[0] + 1 >= N / 2);                   /* at most two per bucket */
	uint32_t grown = t.mask[0];
	for (int i = 0; i < N; i++) {
		if (i % 10 == 0)
			continue;
		assert_true(sip_htable_remove(&t, &v[i].link));
		present[i] = 0;
		if (t.tab[1] && i % 11 == 0)
			check_all(&t, v, N, present);
	}
	check_all(&t, v, N, present);
	assert_int_equal(sip_htable_count(&t), N / 10);
	/* Shrunk (and finished shrinking after some more operations). */
	for (int i = 0; i < 10000 && t.tab[1]; i++) {
		sip_htable_remove(&t, &v[0].link);
		sip_htable_insert(&t, &v[0].link, key_hash(0));
	}
	assert_null(t.tab[1]);
	assert_true(t.mask[0] < grown);
	assert_true(t.mask[0] >= 15);
	check_all(&t, v, N, present);
	/* Never below the first size. */
	for (int i = 0; i < N; i += 10)
		sip_htable_remove(&t, &v[i].link);
	for (int i = 0; i < 100; i++) {
		sip_htable_insert(&t, &v[1].link, key_hash(1));
		sip_htable_remove(&t, &v[1].link);
	}
	assert_int_equal(sip_htable_count(&t), 0);
	assert_int_equal(t.mask[0], 15);
	sip_htable_destroy(&t);
	free(v);
	free(present);
}

/* No memory for a bigger array: inserts still succeed, chains get longer. */
static void test_grow_without_memory(void **state)
{
	(void)state;
	sip_htable t;
	assert_int_equal(sip_htable_init(&t, 2), SIP_OK);
	struct item *v = items(9);
	for (int i = 0; i < 8; i++)
		sip_htable_insert(&t, &v[i].link, key_hash(i));
	sip_mem_fail_after(1);
	sip_htable_insert(&t, &v[8].link, key_hash(8));        /* would grow */
	sip_mem_fail_after(0);
	assert_null(t.tab[1]);
	assert_int_equal(t.mask[0], 3);
	char present[9];
	memset(present, 1, sizeof present);
	check_all(&t, v, 9, present);
	sip_htable_destroy(&t);
	free(v);
}

/* Removing each element as it is visited (the expiry sweep, a layer's
 * shutdown), with a resize under way when the walk starts: each element
 * is visited exactly once and the table ends empty. */
static void test_iterate_removing(void **state)
{
	(void)state;
	sip_htable t;
	assert_int_equal(sip_htable_init(&t, 3), SIP_OK);
	enum { N = 1000 };
	struct item *v = items(N);
	int n = 0;
	/* Stop while the table is between two arrays. */
	while (n < N && !(t.tab[1] && t.rehash_at > 0 && n > 200)) {
		sip_htable_insert(&t, &v[n].link, key_hash(n));
		n++;
	}
	assert_non_null(t.tab[1]);
	sip_hiter it;
	sip_hiter_init(&it, &t);
	int visited = 0;
	for (sip_hlink *l; (l = sip_hiter_next(&it));) {
		struct item *e = SIP_HTABLE_ENTRY(l, struct item, link);
		e->seen++;
		visited++;
		if (e->key % 3 != 0)
			assert_true(sip_htable_remove(&t, l));
	}
	assert_int_equal(visited, n);
	for (int i = 0; i < n; i++)
		assert_int_equal(v[i].seen, 1);
	assert_int_equal(t.paused, 0);                         /* the end closed it */
	for (int i = 0; i < n; i++)
		assert_ptr_equal(find_key(&t, i), i % 3 == 0 ? &v[i] : NULL);
	/* Removing everything while walking, then inserting into the empty
	 * table again. */
	sip_hiter_init(&it, &t);
	for (sip_hlink *l; (l = sip_hiter_next(&it));)
		sip_htable_remove(&t, l);
	assert_int_equal(sip_htable_count(&t), 0);
	sip_htable_insert(&t, &v[1].link, key_hash(1));
	assert_ptr_equal(find_key(&t, 1), &v[1]);
	/* A walk left early is closed by hand; resizing goes on after it. */
	sip_hiter_init(&it, &t);
	assert_non_null(sip_hiter_next(&it));
	assert_int_equal(t.paused, 1);
	sip_hiter_done(&it);
	sip_hiter_done(&it);
	assert_int_equal(t.paused, 0);
	sip_htable_destroy(&t);
	free(v);
}

/* Inserting while iterating: no element is visited twice, none of the
 * elements there from the start is missed, even when an insert starts a
 * resize in the middle of the walk. */
static void test_iterate_inserting(void **state)
{
	(void)state;
	sip_htable t;
	assert_int_equal(sip_htable_init(&t, 2), SIP_OK);
	enum { N = 400 };
	struct item *v = items(N);
	for (int i = 0; i < 8; i++)
		sip_htable_insert(&t, &v[i].link, key_hash(i));
	sip_hiter it;
	sip_hiter_init(&it, &t);
	int next = 8;
	for (sip_hlink *l; (l = sip_hiter_next(&it));) {
		SIP_HTABLE_ENTRY(l, struct item, link)->seen++;
		for (int k = 0; k < 10 && next < N; k++, next++)
			sip_htable_insert(&t, &v[next].link, key_hash(next));
	}
	for (int i = 0; i < N; i++)
		assert_true(v[i].seen <= 1);
	for (int i = 0; i < 8; i++)
		assert_int_equal(v[i].seen, 1);
	char present[N];
	memset(present, 1, sizeof present);
	check_all(&t, v, N, present);
	sip_htable_destroy(&t);
	free(v);
}

struct scan_arg {
	sip_htable *t;
	bool remove_odd;
};

static void scan_fn(sip_hlink *l, void *arg)
{
	struct scan_arg *a = arg;
	struct item *e = SIP_HTABLE_ENTRY(l, struct item, link);
	e->seen++;
	if (a->remove_odd && e->key % 2)
		sip_htable_remove(a->t, l);
}

/* A pass of the scan cursor, a few buckets at a time, while the table
 * doubles and later halves between the calls: every element present
 * throughout is visited. */
static void test_scan_across_resizes(void **state)
{
	(void)state;
	sip_htable t;
	assert_int_equal(sip_htable_init(&t, 4), SIP_OK);
	enum { N = 3000 };
	struct item *v = items(N);
	for (int i = 0; i < 32; i++)
		sip_htable_insert(&t, &v[i].link, key_hash(i));
	struct scan_arg a = { &t, false };
	uint32_t cur = 0;
	int next = 32;
	do {
		cur = sip_htable_scan(&t, cur, scan_fn, &a);
		for (int k = 0; k < 40 && next < N; k++, next++)
			sip_htable_insert(&t, &v[next].link, key_hash(next));
	} while (cur);
	assert_true(t.mask[0] > 15);                           /* it grew meanwhile */
	for (int i = 0; i < 32; i++)
		assert_true(v[i].seen >= 1);
	/* A pass that removes what it visits (the odd keys) while most even
	 * keys go away between the calls, so the table shrinks meanwhile. */
	for (int i = 0; i < N; i++)
		v[i].seen = 0;
	a.remove_odd = true;
	int gone = 100;
	bool shrank = false;
	cur = 0;
	do {
		cur = sip_htable_scan(&t, cur, scan_fn, &a);
		for (int k = 0; k < 30 && gone < N; gone += 2) {
			if (gone % 50) {
				sip_htable_remove(&t, &v[gone].link);
				k++;
			}
		}
		if (t.tab[1] && t.mask[1] < t.mask[0])
			shrank = true;
	} while (cur);
	assert_true(shrank);
	assert_true(gone >= N);
	for (int i = 0; i < 100; i++)
		assert_true(v[i].seen >= 1);                   /* kept throughout */
	for (int i = 0; i < N; i++) {
		bool kept = i % 2 == 0 && (i < 100 || i % 50 == 0);
		assert_ptr_equal(find_key(&t, i), kept ? &v[i] : NULL);
	}
	/* A pass over a steady table visits each element exactly once, in as
	 * many calls as it has buckets. */
	for (int i = 0; i < 10000 && t.tab[1]; i++) {  /* finish any resize */
		sip_htable_insert(&t, &v[1].link, key_hash(1));
		sip_htable_remove(&t, &v[1].link);
	}
	assert_null(t.tab[1]);
	for (int i = 0; i < N; i++)
		v[i].seen = 0;
	a.remove_odd = false;
	int calls = 0;
	cur = 0;
	do {
		cur = sip_htable_scan(&t, cur, scan_fn, &a);
		calls++;
	} while (cur);
	assert_int_equal(calls, (int)sip_htable_buckets(&t));
	for (int i = 0; i < N; i++)
		assert_int_equal(v[i].seen, find_key(&t, i) ? 1 : 0);
	sip_htable_destroy(&t);
	free(v);
}

/* The caller's buckets: no allocation, no resize, however full. */
static void test_fixed(void **state)
{
	(void)state;
	static sip_hlink *buckets[8];
	sip_htable t;
	sip_htable_init_fixed(&t, buckets, 3);
	struct item *v = items(100);
	sip_mem_fail_after(1);                                 /* any allocation fails */
	for (int i = 0; i < 100; i++)
		sip_htable_insert(&t, &v[i].link, key_hash(i));
	for (int i = 0; i < 100; i += 3)
		sip_htable_remove(&t, &v[i].link);
	sip_mem_fail_after(0);
	assert_int_equal(t.mask[0], 7);
	assert_null(t.tab[1]);
	for (int i = 0; i < 100; i++)
		assert_ptr_equal(find_key(&t, i), i % 3 ? &v[i] : NULL);
	sip_htable_destroy(&t);                                /* leaves buckets alone */
	free(v);
}

static void test_bad_size(void **state)
{
	(void)state;
	sip_htable t;
	assert_int_equal(sip_htable_init(&t, 0), SIP_EINVAL);
	assert_int_equal(sip_htable_init(&t, 31), SIP_EINVAL);
	sip_mem_fail_after(1);
	assert_int_equal(sip_htable_init(&t, 4), SIP_NOMEM);
	sip_mem_fail_after(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_find_remove),
		cmocka_unit_test(test_newest_first),
		cmocka_unit_test(test_collisions),
		cmocka_unit_test(test_resize),
		cmocka_unit_test(test_grow_without_memory),
		cmocka_unit_test(test_iterate_removing),
		cmocka_unit_test(test_iterate_inserting),
		cmocka_unit_test(test_scan_across_resizes),
		cmocka_unit_test(test_fixed),
		cmocka_unit_test(test_bad_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
