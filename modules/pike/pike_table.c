/* The pike module's table of sources (pike/pike.h). */
#include "pike/pike.h"

#include <string.h>
#include "core/arena.h"
#include "core/status.h"

struct pike_src {
	sip_hlink link;
	struct pike_src *older, *newer;
	tp_addr_key key;
	uint64_t win;               /* index of the current window (now / window) */
	uint32_t cur, prev;         /* requests in it and in the one before */
	uint64_t last_ms;           /* the last request */
	/* Several proxies: this proxy's counts of window swin and the one
	 * before as pushed (swin 0: none), and the other proxies' of rwin
	 * and the one before (used while rgen is the table's). */
	uint64_t swin, rwin;
	uint32_t s_cur, s_prev, r_cur, r_prev;
	uint32_t rgen;
};

int pike_table_init(pike_table *p, uint32_t window_ms, uint32_t density, uint32_t max)
{
	memset(p, 0, sizeof *p);
	if (!window_ms || !max)
		return SIP_EINVAL;
	p->window_ms = window_ms;
	p->density = density;
	p->max = max;
	p->rgen = 1;
	return sip_htable_init(&p->t, 8);
}

void pike_table_destroy(pike_table *p)
{
	for (struct pike_src *s = p->oldest, *next; s; s = next) {
		next = s->newer;
		sip_mem_free(s);
	}
	sip_htable_destroy(&p->t);
	memset(p, 0, sizeof *p);
}

static bool src_eq(const sip_hlink *l, const void *key)
{
	return tp_addr_key_eq(&SIP_HTABLE_ENTRY(l, struct pike_src, link)->key, key);
}

static struct pike_src *src_find(const pike_table *p, const tp_addr_key *k)
{
	sip_hlink *l = sip_htable_find(&p->t, tp_addr_key_hash(k), src_eq, k);
	return l ? SIP_HTABLE_ENTRY(l, struct pike_src, link) : NULL;
}

static void lru_unlink(pike_table *p, struct pike_src *s)
{
	if (s->older)
		s->older->newer = s->newer;
	else
		p->oldest = s->newer;
	if (s->newer)
		s->newer->older = s->older;
	else
		p->newest = s->older;
	s->older = s->newer = NULL;
}

static void lru_push(pike_table *p, struct pike_src *s)
{
	s->older = p->newest;
	s->newer = NULL;
	if (p->newest)
		p->newest->newer = s;
	else
		p->oldest = s;
	p->newest = s;
}

static void src_free(pike_table *p, struct pike_src *s)
{
	lru_unlink(p, s);
	sip_htable_remove(&p->t, &s->link);
	p->n--;
	sip_mem_free(s);
}

/* Move s's windows to the one now falls in: the current one becomes the
 * previous one when now is in the next window; both are empty when a
 * whole window went by without a request. */
static void src_advance(const pike_table *p, struct pike_src *s, uint64_t now)
{
	uint64_t w = now / p->window_ms;
	if (w == s->win)
		return;
	s->prev = w == s->win + 1 ? s->cur : 0;
	s->cur = 0;
	s->win = w;
}

/* The other proxies' counts of window w and the one before, as last read. */
static void src_others(const pike_table *p, const struct pike_src *s, uint64_t w, uint64_t *cur,
		       uint64_t *prev)
{
	*cur = *prev = 0;
	if (s->rgen != p->rgen)
		return;
	if (s->rwin == w) {
		*cur = s->r_cur;
		*prev = s->r_prev;
	} else if (s->rwin + 1 == w) {
		*prev = s->r_cur;
	}
}

/* The requests of the last window: all of the current one, and of the
 * previous one the part that still lies within a window from now; with
 * the other proxies' counts added. */
static uint32_t src_estimate(const pike_table *p, const struct pike_src *s, uint64_t now)
{
	uint64_t w = now / p->window_ms;
	uint64_t cur = s->cur, prev = s->prev, ocur, oprev;
	if (w != s->win) {
		prev = w == s->win + 1 ? cur : 0;
		cur = 0;
	}
	src_others(p, s, w, &ocur, &oprev);
	cur += ocur;
	prev += oprev;
	uint64_t left = p->window_ms - now % p->window_ms;
	uint64_t e = cur + prev * left / p->window_ms;
	return e > UINT32_MAX ? UINT32_MAX : (uint32_t)e;
}

bool pike_table_hit(pike_table *p, const tp_addr_key *k, uint64_t now, bool reset)
{
	struct pike_src *s = src_find(p, k);
	if (s) {
		lru_unlink(p, s);
	} else {
		if (p->n >= p->max)
			src_free(p, p->oldest);
		if (!(s = sip_mem_alloc(sizeof *s)))
			return true;    /* not counted: never refuse for want of memory */
		memset(s, 0, sizeof *s);
		s->key = *k;
		s->win = now / p->window_ms;
		sip_htable_insert(&p->t, &s->link, tp_addr_key_hash(k));
		p->n++;
	}
	lru_push(p, s);
	s->last_ms = now;
	src_advance(p, s, now);
	if (s->cur < UINT32_MAX)
		s->cur++;
	if (src_estimate(p, s, now) <= p->density)
		return true;
	if (reset) {
		/* Counted again from zero, here and as pushed: what the store
		 * has of it stays there (the others find it hot too). */
		s->cur = s->prev = 0;
		s->swin = 0;
		s->rgen = 0;
	}
	return false;
}

uint32_t pike_table_load(const pike_table *p, const tp_addr_key *k, uint64_t now)
{
	const struct pike_src *s = src_find(p, k);
	return s ? src_estimate(p, s, now) : 0;
}

unsigned pike_table_sweep(pike_table *p, uint64_t now)
{
	unsigned n = 0;
	while (p->oldest && p->oldest->last_ms + 2ull * p->window_ms <= now) {
		src_free(p, p->oldest);
		n++;
	}
	return n;
}

/* This proxy's counts of window w and the one before as pushed. */
static void src_sent(const struct pike_src *s, uint64_t w, uint32_t *cur, uint32_t *prev)
{
	*cur = *prev = 0;
	if (!s->swin)
		return;
	if (s->swin == w) {
		*cur = s->s_cur;
		*prev = s->s_prev;
	} else if (s->swin + 1 == w) {
		*prev = s->s_cur;
	}
}

unsigned pike_table_push(pike_table *p, uint64_t now, uint64_t since, unsigned max,
			 void (*fn)(const tp_addr_key *k, const pike_push *ps, void *arg), void *arg)
{
	unsigned n = 0;
	for (struct pike_src *s = p->newest; s && s->last_ms >= since && n < max; s = s->older) {
		src_advance(p, s, now);
		uint32_t sc, sp;
		src_sent(s, s->win, &sc, &sp);
		pike_push ps = {
			.win = s->win,
			.add = s->cur > sc ? s->cur - sc : 0,
			.add_prev = s->prev > sp ? s->prev - sp : 0,
		};
		if (!ps.add && !ps.add_prev)
			continue;
		ps.mine = sc + ps.add;
		ps.mine_prev = sp + ps.add_prev;
		s->swin = s->win;
		s->s_cur = ps.mine;
		s->s_prev = ps.mine_prev;
		fn(&s->key, &ps, arg);
		n++;
	}
	return n;
}

void pike_table_remote(pike_table *p, const tp_addr_key *k, const pike_push *ps, uint64_t total,
		       uint64_t total_prev)
{
	struct pike_src *s = src_find(p, k);
	if (!s)
		return;
	uint64_t oc = total > ps->mine ? total - ps->mine : 0;
	uint64_t op = total_prev > ps->mine_prev ? total_prev - ps->mine_prev : 0;
	s->rwin = ps->win;
	s->r_cur = oc > UINT32_MAX ? UINT32_MAX : (uint32_t)oc;
	s->r_prev = op > UINT32_MAX ? UINT32_MAX : (uint32_t)op;
	s->rgen = p->rgen;
}

void pike_table_forget_remote(pike_table *p)
{
	if (++p->rgen == 0)
		p->rgen = 1;
}
