/* The runtime's hash table (see htable.h). */
#include "core/htable.h"

#include <string.h>
#include "core/arena.h"
#include "core/status.h"

/* Buckets moved per insert or remove while resizing: a doubling from n
 * buckets is over after n/8 inserts, a sixteenth of those that lead to the
 * next one, and one call moves some 8 to 16 elements (the table keeps one
 * to two per bucket). */
#define HT_STEP      8
#define HT_MAX_BITS  30

/* Zeroed by calloc: a new array of millions of buckets costs no memset
 * (8 ms for 2^21 buckets, measured) in the insert that starts a resize. */
static sip_hlink **ht_alloc(uint32_t n)
{
	return sip_mem_calloc(n, sizeof(sip_hlink *));
}

int sip_htable_init(sip_htable *t, unsigned bits)
{
	if (bits < 1 || bits > HT_MAX_BITS)
		return SIP_EINVAL;
	memset(t, 0, sizeof *t);
	t->tab[0] = ht_alloc(1u << bits);
	if (!t->tab[0])
		return SIP_NOMEM;
	t->mask[0] = t->min_mask = (1u << bits) - 1;
	return SIP_OK;
}

void sip_htable_init_fixed(sip_htable *t, sip_hlink **buckets, unsigned bits)
{
	memset(t, 0, sizeof *t);
	memset(buckets, 0, ((size_t)1 << bits) * sizeof *buckets);
	t->tab[0] = buckets;
	t->mask[0] = t->min_mask = (1u << bits) - 1;
	t->fixed = true;
}

void sip_htable_destroy(sip_htable *t)
{
	if (!t->fixed) {
		sip_mem_free(t->tab[0]);
		sip_mem_free(t->tab[1]);
	}
	memset(t, 0, sizeof *t);
}

/* Append l to the end of chain *pp: a moved bucket keeps its order, after
 * what was inserted into the new array meanwhile (which is newer). */
static void ht_append(sip_hlink **pp, sip_hlink *l)
{
	while (*pp)
		pp = &(*pp)->next;
	l->next = NULL;
	*pp = l;
}

/* Move up to n buckets of the old array; switch arrays when it is empty. */
static void ht_step(sip_htable *t, unsigned n)
{
	if (!t->tab[1] || t->paused)
		return;
	sip_hlink **old = t->tab[0], **nw = t->tab[1];
	uint32_t nm = t->mask[1];
	while (n-- && t->rehash_at <= t->mask[0]) {
		sip_hlink *l = old[t->rehash_at];
		old[t->rehash_at++] = NULL;
		while (l) {
			sip_hlink *next = l->next;
			ht_append(&nw[l->hash & nm], l);
			l = next;
		}
	}
	if (t->rehash_at > t->mask[0]) {
		sip_mem_free(old);
		t->tab[0] = nw;
		t->mask[0] = nm;
		t->tab[1] = NULL;
		t->mask[1] = 0;
		t->rehash_at = 0;
	}
}

/* Start moving to 2^bits buckets. Out of memory: the table keeps its size
 * (longer or emptier chains, still correct). */
static void ht_resize(sip_htable *t, unsigned bits)
{
	sip_hlink **b = ht_alloc(1u << bits);
	if (!b)
		return;
	t->tab[1] = b;
	t->mask[1] = (1u << bits) - 1;
	t->rehash_at = 0;
}

static unsigned ht_bits(uint32_t mask)
{
	unsigned b = 0;
	while (mask) {
		mask >>= 1;
		b++;
	}
	return b;
}

void sip_htable_insert(sip_htable *t, sip_hlink *l, uint32_t hash)
{
	ht_step(t, HT_STEP);
	int i = t->tab[1] ? 1 : 0;
	sip_hlink **b = &t->tab[i][hash & t->mask[i]];
	l->hash = hash;
	l->next = *b;
	*b = l;
	t->count++;
	if (!t->tab[1] && !t->fixed && t->count > 2ul * ((unsigned long)t->mask[0] + 1)) {
		unsigned bits = ht_bits(t->mask[0]) + 1;
		if (bits <= HT_MAX_BITS)
			ht_resize(t, bits);
	}
}

static bool ht_unlink(sip_hlink **pp, sip_hlink *l)
{
	for (; *pp; pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			l->next = NULL;
			return true;
		}
	return false;
}

bool sip_htable_remove(sip_htable *t, sip_hlink *l)
{
	if (!t->tab[0])
		return false;
	if (!ht_unlink(&t->tab[0][l->hash & t->mask[0]], l) &&
	    !(t->tab[1] && ht_unlink(&t->tab[1][l->hash & t->mask[1]], l)))
		return false;
	t->count--;
	ht_step(t, HT_STEP);
	if (!t->tab[1] && !t->fixed && t->mask[0] > t->min_mask &&
	    t->count < ((unsigned long)t->mask[0] + 1) / 8) {
		/* Down to one element per bucket or so, not below the first size. */
		unsigned bits = ht_bits(t->min_mask);
		while (bits < HT_MAX_BITS && (1ul << bits) < t->count)
			bits++;
		if (bits < ht_bits(t->mask[0]))
			ht_resize(t, bits);
	}
	return true;
}

sip_hlink *sip_htable_find(const sip_htable *t, uint32_t hash, sip_htable_eq eq, const void *key)
{
	if (!t->tab[0])
		return NULL;
	/* The new array first: what it holds is newer than what is still to
	 * be moved out of the old one. */
	for (int i = t->tab[1] ? 1 : 0; i >= 0; i--)
		for (sip_hlink *l = t->tab[i][hash & t->mask[i]]; l; l = l->next)
			if (l->hash == hash && eq(l, key))
				return l;
	return NULL;
}

/* ---- iteration ---- */

void sip_hiter_init(sip_hiter *it, sip_htable *t)
{
	it->t = t;
	it->tab = 0;
	it->idx = 0;
	it->next = t->tab[0] ? t->tab[0][0] : NULL;
	it->open = t->tab[0] != NULL;
	if (it->open)
		t->paused++;
}

sip_hlink *sip_hiter_next(sip_hiter *it)
{
	if (!it->open)
		return NULL;
	sip_htable *t = it->t;
	while (!it->next) {
		if (it->idx < t->mask[it->tab]) {
			it->next = t->tab[it->tab][++it->idx];
		} else if (it->tab == 0 && t->tab[1]) {
			it->tab = 1;
			it->idx = 0;
			it->next = t->tab[1][0];
		} else {
			sip_hiter_done(it);
			return NULL;
		}
	}
	sip_hlink *l = it->next;
	it->next = l->next;
	return l;
}

void sip_hiter_done(sip_hiter *it)
{
	if (!it->open)
		return;
	it->open = false;
	it->next = NULL;
	it->t->paused--;
}

/* ---- scanning a slice at a time ---- */

static uint32_t ht_rev(uint32_t v)
{
	v = ((v >> 1) & 0x55555555u) | ((v & 0x55555555u) << 1);
	v = ((v >> 2) & 0x33333333u) | ((v & 0x33333333u) << 2);
	v = ((v >> 4) & 0x0f0f0f0fu) | ((v & 0x0f0f0f0fu) << 4);
	v = ((v >> 8) & 0x00ff00ffu) | ((v & 0x00ff00ffu) << 8);
	return (v >> 16) | (v << 16);
}

/* The cursor after v for a table of mask m: increment the bits under m
 * counted from the top, so the positions already visited stay visited
 * when the table doubles or halves. */
static uint32_t ht_cursor_next(uint32_t v, uint32_t m)
{
	v |= ~m;
	v = ht_rev(v);
	v++;
	return ht_rev(v);
}

static void ht_scan_bucket(sip_hlink *l, void (*fn)(sip_hlink *l, void *arg), void *arg)
{
	while (l) {
		sip_hlink *next = l->next;
		fn(l, arg);
		l = next;
	}
}

uint32_t sip_htable_scan(sip_htable *t, uint32_t v, void (*fn)(sip_hlink *l, void *arg), void *arg)
{
	if (!t->tab[0])
		return 0;
	t->paused++;
	if (!t->tab[1]) {
		ht_scan_bucket(t->tab[0][v & t->mask[0]], fn, arg);
		v = ht_cursor_next(v, t->mask[0]);
	} else {
		/* The smaller array's bucket, then every bucket of the larger one
		 * that it expands to. */
		int s = t->mask[0] <= t->mask[1] ? 0 : 1;
		sip_hlink **small = t->tab[s], **large = t->tab[!s];
		uint32_t ms = t->mask[s], ml = t->mask[!s];
		ht_scan_bucket(small[v & ms], fn, arg);
		do {
			ht_scan_bucket(large[v & ml], fn, arg);
			v = ht_cursor_next(v, ml);
		} while (v & (ms ^ ml));
	}
	t->paused--;
	return v;
}

uint32_t sip_htable_buckets(const sip_htable *t)
{
	if (!t->tab[0])
		return 0;
	uint32_t m = t->tab[1] && t->mask[1] < t->mask[0] ? t->mask[1] : t->mask[0];
	return m + 1;
}
