/* The runtime's one hash table: intrusive and chained, so an insert never
 * allocates (the element carries its link, like the kernel's hlist or
 * libuv's handles) and never fails.
 *
 * The caller hashes (core/hash.h) and compares: a lookup takes the hash
 * and an equality callback, which only runs for links whose stored hash
 * is the same. Buckets are a power of two. A table made with
 * sip_htable_init grows when it holds more than two elements per bucket
 * and shrinks, never below its first size, when it holds fewer than one
 * per eight buckets.
 *
 * Resizing is incremental (as in Redis's dict): a resize allocates the new
 * bucket array, and each later insert or remove moves a few buckets of the
 * old one, so no call walks the whole table. The proxy runs on one event
 * loop; a stop-the-world rehash of a location table with a million
 * addresses of record would stall every call in progress for tens of
 * milliseconds. While a resize is under way a lookup looks in both arrays.
 *
 * Order: among elements with the same key, a lookup finds the most
 * recently inserted one (while no shrink has mixed their buckets).
 *
 * Iteration: sip_hiter visits every element once; the element it just
 * returned may be removed, and elements may be inserted (they may or may
 * not be visited), but no other element may be removed meanwhile. Resizing
 * waits while an iterator is open. sip_htable_scan visits a table a slice
 * at a time across calls, with the table changing in between (the
 * registrar's expiry sweep). Single-threaded, like the loop it serves. */
#ifndef SIPCC_CORE_HTABLE_H
#define SIPCC_CORE_HTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sip_hlink {
	struct sip_hlink *next;
	uint32_t hash;
} sip_hlink;

typedef struct sip_htable {
	sip_hlink **tab[2];     /* tab[1]: the new array while resizing */
	uint32_t mask[2];       /* buckets - 1 */
	uint32_t rehash_at;     /* next bucket of tab[0] to move */
	uint32_t min_mask;      /* never shrink below */
	unsigned long count;
	unsigned paused;        /* open iterators and scans: no moves */
	bool fixed;             /* the caller's buckets: never resized or freed */
} sip_htable;

/* The element that holds link l as its member. */
#define SIP_HTABLE_ENTRY(l, type, member) \
	((type *)(void *)((char *)(l) - offsetof(type, member)))

typedef bool (*sip_htable_eq)(const sip_hlink *l, const void *key);

/* A table of 2^bits buckets (bits 1..30), growing and shrinking with
 * its contents. SIP_OK or SIP_NOMEM. */
int sip_htable_init(sip_htable *t, unsigned bits);
/* A table on the caller's 2^bits buckets, which it never resizes or
 * frees: no allocation at all (the statistics registry). */
void sip_htable_init_fixed(sip_htable *t, sip_hlink **buckets, unsigned bits);
/* Free the bucket arrays (not the elements); t is empty and may be
 * initialised again. A zeroed table is fine. */
void sip_htable_destroy(sip_htable *t);

/* Link l into t under hash. l must not be in a table. */
void sip_htable_insert(sip_htable *t, sip_hlink *l, uint32_t hash);
/* Unlink l; false (and nothing done) when l is not in t. */
bool sip_htable_remove(sip_htable *t, sip_hlink *l);
/* The most recent link with this hash for which eq(link, key) holds;
 * NULL when none. */
sip_hlink *sip_htable_find(const sip_htable *t, uint32_t hash, sip_htable_eq eq, const void *key);

static inline unsigned long sip_htable_count(const sip_htable *t)
{
	return t->count;
}

/* Initialised and not destroyed. */
static inline bool sip_htable_ready(const sip_htable *t)
{
	return t->tab[0] != NULL;
}

/* Iteration over every element (see the top of the file). next returns
 * NULL at the end and then closes the iterator; a loop left early calls
 * sip_hiter_done (harmless after the end). */
typedef struct sip_hiter {
	sip_htable *t;
	sip_hlink *next;
	uint32_t idx;
	unsigned char tab;
	bool open;
} sip_hiter;

void sip_hiter_init(sip_hiter *it, sip_htable *t);
sip_hlink *sip_hiter_next(sip_hiter *it);
void sip_hiter_done(sip_hiter *it);

/* Visit one bucket position of t from cursor (0 to start), calling fn for
 * each link there (fn may remove the link it is given), and return the
 * next cursor: 0 when the pass is over. Every element that stays in t
 * from the first call of a pass to its last is visited at least once,
 * however t is resized in between (Redis's reverse-binary cursor);
 * an element may be visited twice when t shrinks. A pass makes about as
 * many calls as t has buckets (sip_htable_buckets). */
uint32_t sip_htable_scan(sip_htable *t, uint32_t cursor, void (*fn)(sip_hlink *l, void *arg),
			 void *arg);
/* Bucket positions of the smaller array: how many calls a pass makes
 * when no resize happens meanwhile. */
uint32_t sip_htable_buckets(const sip_htable *t);

#endif
