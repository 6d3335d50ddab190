/* The ratelimit module's pipes and algorithms (ratelimit/ratelimit.h). */
#include "ratelimit/ratelimit.h"

#include <string.h>
#include "core/arena.h"
#include "core/hash.h"
#include "core/status.h"

static const char *const algo_names[] = { NULL, "TAILDROP", "RED", "TOKEN_BUCKET" };

const char *rl_algo_name(int algo)
{
	return algo >= RL_ALGO_TAILDROP && algo <= RL_ALGO_TOKEN_BUCKET ? algo_names[algo] : "?";
}

int rl_algo_parse(const char *s)
{
	for (int a = RL_ALGO_TAILDROP; a <= RL_ALGO_TOKEN_BUCKET; a++)
		if (strcmp(s, algo_names[a]) == 0)
			return a;
	return 0;
}

int rl_table_init(rl_table *t, uint32_t max, uint64_t seed)
{
	memset(t, 0, sizeof *t);
	if (!max)
		return SIP_EINVAL;
	t->max = max;
	t->rnd = seed ? seed : 0x9e3779b97f4a7c15ull;
	t->rgen = 1;
	return sip_htable_init(&t->t, 6);
}

void rl_table_destroy(rl_table *t)
{
	for (rl_pipe *p = t->oldest, *next; p; p = next) {
		next = p->newer;
		sip_mem_free(p);
	}
	sip_htable_destroy(&t->t);
	memset(t, 0, sizeof *t);
}

static bool pipe_eq(const sip_hlink *l, const void *key)
{
	const rl_pipe *p = SIP_HTABLE_ENTRY(l, rl_pipe, link);
	const sip_str *n = key;
	return p->name_len == n->len && memcmp(p->name, n->s, n->len) == 0;
}

rl_pipe *rl_table_find(const rl_table *t, sip_str name)
{
	sip_hlink *l = sip_htable_find(&t->t, sip_hash_str(name), pipe_eq, &name);
	return l ? SIP_HTABLE_ENTRY(l, rl_pipe, link) : NULL;
}

static void lru_unlink(rl_table *t, rl_pipe *p)
{
	if (p->older)
		p->older->newer = p->newer;
	else
		t->oldest = p->newer;
	if (p->newer)
		p->newer->older = p->older;
	else
		t->newest = p->older;
	p->older = p->newer = NULL;
}

static void lru_push(rl_table *t, rl_pipe *p)
{
	p->older = t->newest;
	p->newer = NULL;
	if (t->newest)
		t->newest->newer = p;
	else
		t->oldest = p;
	t->newest = p;
}

/* A pipe starts with no history and, for TOKEN_BUCKET, a full bucket. */
static void pipe_restart(rl_pipe *p, int algo, uint64_t now)
{
	p->algo = algo;
	p->win = now / 1000;
	p->cur = p->prev = p->cur_passed = p->prev_passed = 0;
	p->tokens = (int64_t)p->limit * 1000;
	p->filled_ms = now;
}

/* Move the one-second windows to the one now falls in. */
static void pipe_advance(rl_pipe *p, uint64_t now)
{
	uint64_t w = now / 1000;
	if (w == p->win)
		return;
	p->prev = w == p->win + 1 ? p->cur : 0;
	p->prev_passed = w == p->win + 1 ? p->cur_passed : 0;
	p->cur = p->cur_passed = 0;
	p->win = w;
}

/* The other proxies' counts (offered, passed) of second w and the one
 * before, as last read; zeros without a store. */
struct rl_counts {
	uint64_t o, p, prev_o, prev_p;
};
static struct rl_counts pipe_others(const rl_table *t, const rl_pipe *p, uint64_t w)
{
	struct rl_counts c = { 0, 0, 0, 0 };
	if (p->rgen != t->rgen)
		return c;
	if (p->rwin == w) {
		c.o = p->r_o;
		c.p = p->r_p;
		c.prev_o = p->r_prev_o;
		c.prev_p = p->r_prev_p;
	} else if (p->rwin + 1 == w) {
		c.prev_o = p->r_o;
		c.prev_p = p->r_p;
	}
	return c;
}

static uint32_t pipe_load(const rl_pipe *p, uint64_t now, uint64_t ocur, uint64_t oprev)
{
	uint64_t w = now / 1000;
	uint64_t cur = p->cur, prev = p->prev;
	if (w != p->win) {
		prev = w == p->win + 1 ? cur : 0;
		cur = 0;
	}
	uint64_t l = cur + ocur + (prev + oprev) * (1000 - now % 1000) / 1000;
	return l > UINT32_MAX ? UINT32_MAX : (uint32_t)l;
}

uint32_t rl_pipe_load(const rl_pipe *p, uint64_t now)
{
	return pipe_load(p, now, 0, 0);
}

uint32_t rl_pipe_load_all(const rl_table *t, const rl_pipe *p, uint64_t now)
{
	struct rl_counts o = pipe_others(t, p, now / 1000);
	return pipe_load(p, now, o.o, o.prev_o);
}

/* xorshift64*: RED's draws; good enough to spread refusals, and
 * repeatable from a seed in tests. */
static uint32_t rl_random(rl_table *t)
{
	uint64_t x = t->rnd;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	t->rnd = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

/* One request through p at now, after the windows moved: the algorithm's
 * verdict. cur already counts this request. */
static bool pipe_admit(rl_table *t, rl_pipe *p, uint64_t now)
{
	struct rl_counts o = pipe_others(t, p, p->win);
	switch (p->algo) {
	case RL_ALGO_RED: {
		uint32_t r = pipe_load(p, now, o.o, o.prev_o);
		if (r <= p->limit)
			return true;
		return (uint64_t)rl_random(t) * r < (uint64_t)p->limit << 32;
	}
	case RL_ALGO_TOKEN_BUCKET: {
		int64_t cap = (int64_t)p->limit * 1000;
		if (now > p->filled_ms) {
			/* limit tokens a second: limit thousandths a millisecond. */
			uint64_t add = (now - p->filled_ms) * p->limit;
			p->tokens = (uint64_t)(cap - p->tokens) < add ? cap : p->tokens + (int64_t)add;
			p->filled_ms = now;
		}
		if (p->tokens < 1000)
			return false;
		p->tokens -= 1000;
		return true;
	}
	default:        /* TAILDROP */
		return p->cur_passed + o.p < p->limit;
	}
}

bool rl_table_check(rl_table *t, sip_str name, uint32_t limit, int algo, uint64_t now,
		    const char **err)
{
	*err = NULL;
	if (name.len > RL_NAME_MAX) {
		*err = "the pipe's name is longer than 255 bytes";
		return true;
	}
	if (algo < RL_ALGO_TAILDROP || algo > RL_ALGO_TOKEN_BUCKET)
		algo = RL_ALGO_TAILDROP;
	rl_pipe *p = rl_table_find(t, name);
	if (p) {
		lru_unlink(t, p);
	} else {
		if (t->n >= t->max) {
			rl_pipe *old = t->oldest;
			lru_unlink(t, old);
			sip_htable_remove(&t->t, &old->link);
			t->n--;
			sip_mem_free(old);
		}
		if (!(p = sip_mem_alloc(sizeof *p + name.len + 1))) {
			*err = "out of memory for a new pipe";
			return true;
		}
		memset(p, 0, sizeof *p);
		memcpy(p->name, name.s, name.len);
		p->name[name.len] = '\0';
		p->name_len = name.len;
		p->limit = limit;
		pipe_restart(p, algo, now);
		sip_htable_insert(&t->t, &p->link, sip_hash_str(name));
		t->n++;
	}
	lru_push(t, p);
	p->last_ms = now;
	if (p->algo != algo) {
		p->limit = limit;
		pipe_restart(p, algo, now);
	} else if (p->limit != limit) {
		p->limit = limit;
		if (p->tokens > (int64_t)limit * 1000)
			p->tokens = (int64_t)limit * 1000;
	}
	pipe_advance(p, now);
	if (p->cur < UINT32_MAX)
		p->cur++;
	bool ok = pipe_admit(t, p, now);
	if (ok) {
		p->passed++;
		if (p->cur_passed < UINT32_MAX)
			p->cur_passed++;
	} else {
		p->refused++;
	}
	return ok;
}

/* ---- several proxies ---- */

static uint32_t rl_u32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static uint32_t rl_sub(uint32_t a, uint32_t b)
{
	return a > b ? a - b : 0;
}

unsigned rl_table_push(rl_table *t, uint64_t now, uint64_t since, unsigned max,
		       void (*fn)(sip_str name, const rl_push *ps, void *arg), void *arg)
{
	unsigned n = 0;
	for (rl_pipe *p = t->newest; p && p->last_ms >= since && n < max; p = p->older) {
		pipe_advance(p, now);
		/* This proxy's counts of p->win and the second before as
		 * pushed, by the second they were pushed in. */
		uint32_t so = 0, sp = 0, spo = 0, spp = 0;
		if (p->swin && p->swin == p->win) {
			so = p->s_o;
			sp = p->s_p;
			spo = p->s_prev_o;
			spp = p->s_prev_p;
		} else if (p->swin && p->swin + 1 == p->win) {
			spo = p->s_o;
			spp = p->s_p;
		}
		rl_push ps = {
			.win = p->win,
			.add_o = rl_sub(p->cur, so),
			.add_p = rl_sub(p->cur_passed, sp),
			.add_prev_o = rl_sub(p->prev, spo),
			.add_prev_p = rl_sub(p->prev_passed, spp),
		};
		if (!ps.add_o && !ps.add_p && !ps.add_prev_o && !ps.add_prev_p)
			continue;
		ps.mine_o = so + ps.add_o;
		ps.mine_p = sp + ps.add_p;
		ps.mine_prev_o = spo + ps.add_prev_o;
		ps.mine_prev_p = spp + ps.add_prev_p;
		p->swin = p->win;
		p->s_o = ps.mine_o;
		p->s_p = ps.mine_p;
		p->s_prev_o = ps.mine_prev_o;
		p->s_prev_p = ps.mine_prev_p;
		fn(sip_str_make(p->name, p->name_len), &ps, arg);
		n++;
	}
	return n;
}

void rl_pipe_remote(rl_table *t, rl_pipe *p, const rl_push *ps, uint64_t tot_o, uint64_t tot_p,
		    uint64_t tot_prev_o, uint64_t tot_prev_p)
{
	struct rl_counts now = {
		tot_o > ps->mine_o ? tot_o - ps->mine_o : 0,
		tot_p > ps->mine_p ? tot_p - ps->mine_p : 0,
		tot_prev_o > ps->mine_prev_o ? tot_prev_o - ps->mine_prev_o : 0,
		tot_prev_p > ps->mine_prev_p ? tot_prev_p - ps->mine_prev_p : 0,
	};
	if (p->algo == RL_ALGO_TOKEN_BUCKET) {
		/* The other proxies' passed requests not heard of before: as
		 * known, by second, against the new counts (all of this
		 * second's when nothing was known). */
		struct rl_counts was = pipe_others(t, p, ps->win);
		uint64_t gone = (now.p > was.p ? now.p - was.p : 0);
		if (p->rgen == t->rgen && (p->rwin == ps->win || p->rwin + 1 == ps->win))
			gone += now.prev_p > was.prev_p ? now.prev_p - was.prev_p : 0;
		/* Into debt when this proxy spent its tokens already, so that
		 * the refill pays for the others' requests first; at most a
		 * bucket's worth. */
		int64_t cap = (int64_t)p->limit * 1000;
		gone *= 1000u;
		p->tokens = gone > (uint64_t)(p->tokens + cap) ? -cap : p->tokens - (int64_t)gone;
	}
	p->rwin = ps->win;
	p->r_o = rl_u32(now.o);
	p->r_p = rl_u32(now.p);
	p->r_prev_o = rl_u32(now.prev_o);
	p->r_prev_p = rl_u32(now.prev_p);
	p->rgen = t->rgen;
}

void rl_table_forget_remote(rl_table *t)
{
	if (++t->rgen == 0)
		t->rgen = 1;
}
