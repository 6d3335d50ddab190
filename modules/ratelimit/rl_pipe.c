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
	p->cur = p->prev = p->cur_passed = 0;
	p->tokens = (uint64_t)p->limit * 1000u;
	p->filled_ms = now;
}

/* Move the one-second windows to the one now falls in. */
static void pipe_advance(rl_pipe *p, uint64_t now)
{
	uint64_t w = now / 1000;
	if (w == p->win)
		return;
	p->prev = w == p->win + 1 ? p->cur : 0;
	p->cur = p->cur_passed = 0;
	p->win = w;
}

uint32_t rl_pipe_load(const rl_pipe *p, uint64_t now)
{
	uint64_t w = now / 1000;
	uint32_t cur = p->cur, prev = p->prev;
	if (w != p->win) {
		prev = w == p->win + 1 ? cur : 0;
		cur = 0;
	}
	return cur + (uint32_t)((uint64_t)prev * (1000 - now % 1000) / 1000);
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
	switch (p->algo) {
	case RL_ALGO_RED: {
		uint32_t r = rl_pipe_load(p, now);
		if (r <= p->limit)
			return true;
		return (uint64_t)rl_random(t) * r < (uint64_t)p->limit << 32;
	}
	case RL_ALGO_TOKEN_BUCKET: {
		uint64_t cap = (uint64_t)p->limit * 1000u;
		if (now > p->filled_ms) {
			/* limit tokens a second: limit thousandths a millisecond. */
			uint64_t add = (now - p->filled_ms) * p->limit;
			p->tokens = cap - p->tokens < add ? cap : p->tokens + add;
			p->filled_ms = now;
		}
		if (p->tokens < 1000)
			return false;
		p->tokens -= 1000;
		return true;
	}
	default:        /* TAILDROP */
		if (p->cur_passed >= p->limit)
			return false;
		p->cur_passed++;
		return true;
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
	if (p->algo != algo) {
		p->limit = limit;
		pipe_restart(p, algo, now);
	} else if (p->limit != limit) {
		p->limit = limit;
		if (p->tokens > (uint64_t)limit * 1000u)
			p->tokens = (uint64_t)limit * 1000u;
	}
	pipe_advance(p, now);
	if (p->cur < UINT32_MAX)
		p->cur++;
	bool ok = pipe_admit(t, p, now);
	if (ok)
		p->passed++;
	else
		p->refused++;
	return ok;
}
