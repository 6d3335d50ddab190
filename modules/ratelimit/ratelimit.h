/* Rate limits per named pipe (OpenSIPS and Kamailio ratelimit): a pipe
 * counts the requests the policy puts through it (rl_check(name, limit))
 * and says whether each one fits in limit requests per second, by the
 * pipe's algorithm:
 *
 *   TAILDROP      fixed one-second windows (on the proxy's clock): the
 *                 first limit requests of each second pass, the rest are
 *                 refused. Simple and exact per second, but under overload
 *                 the refusals come in a block at the end of every second
 *                 and twice the limit can pass across a second's edge.
 *   RED           random early detection: the pipe's rate over the last
 *                 second r (sliding, counting refused requests too); while
 *                 r <= limit every request passes, above it each passes
 *                 with probability limit / r. About limit a second pass,
 *                 the refusals spread evenly over the second instead of
 *                 falling on whoever comes last.
 *   TOKEN_BUCKET  a bucket of limit tokens (one second's burst), refilled
 *                 at limit tokens a second, continuously; a request takes
 *                 a token or is refused. Smooth: never more than limit in
 *                 any second after a full bucket's burst.
 *
 * Pipes are named by strings, so a name may be built per caller
 * ("reg:" + $si) as OpenSIPS allows. A pipe is made by its first check,
 * with the algorithm of that call; a later call with another limit
 * changes the limit, one with another algorithm changes the algorithm
 * (its counting starts again). At most max pipes are kept; beyond, the one
 * checked least recently is forgotten.
 *
 * rl_pipe.c holds the pipes and algorithms (no proxy dependency; unit
 * tested with a clock and a seed of their own), rl_fn.c the policy
 * functions of modules/ratelimit/ratelimit.sipi and "rl status". */
#ifndef SIPCC_RATELIMIT_RATELIMIT_H
#define SIPCC_RATELIMIT_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/htable.h"
#include "core/str.h"

/* The values of the status type rl_algorithm (ratelimit.sipi). */
enum rl_algo {
	RL_ALGO_TAILDROP = 1,
	RL_ALGO_RED = 2,
	RL_ALGO_TOKEN_BUCKET = 3,
};

#define RL_NAME_MAX 255

typedef struct rl_pipe {
	sip_hlink link;
	struct rl_pipe *older, *newer;          /* by last check */
	int algo;
	uint32_t limit;                         /* requests per second */
	uint64_t win;                           /* current second (now / 1000) */
	uint32_t cur, prev;                     /* requests offered in it and the one before */
	uint32_t cur_passed, prev_passed;       /* requests passed in it and the one before */
	int64_t tokens;                         /* TOKEN_BUCKET: thousandths of a token;
						 * below 0 when the other proxies took
						 * more than there were (at most a bucket) */
	uint64_t filled_ms;                     /* TOKEN_BUCKET: last refill */
	uint64_t passed, refused;               /* since the pipe was made */
	uint64_t last_ms;                       /* the last check */
	/* Several proxies: this proxy's counts (offered, passed) of second
	 * swin and the one before as pushed to the store (swin 0: none), and
	 * the other proxies' of rwin and the one before as last read (used
	 * while rgen is the table's). */
	uint64_t swin, rwin;
	uint32_t s_o, s_p, s_prev_o, s_prev_p;
	uint32_t r_o, r_p, r_prev_o, r_prev_p;
	uint32_t rgen;
	size_t name_len;
	char name[];
} rl_pipe;

typedef struct rl_table {
	sip_htable t;
	rl_pipe *oldest, *newest;
	uint32_t max;
	unsigned n;
	uint64_t rnd;                           /* RED's random numbers (xorshift) */
	uint32_t rgen;                          /* the other proxies' counts in use */
} rl_table;

/* An empty table of at most max pipes, RED drawing from seed (not 0).
 * SIP_OK, SIP_EINVAL (max 0), SIP_NOMEM. */
int rl_table_init(rl_table *t, uint32_t max, uint64_t seed);
void rl_table_destroy(rl_table *t);

/* Put one request through the pipe name (made when there is none, with
 * algo; given limit and algo when they changed) at now (ms): true when it
 * passes. A name longer than RL_NAME_MAX, or no memory for a new pipe,
 * lets the request pass uncounted with *err saying why, for the caller to
 * log (a limiter must not refuse service for its own trouble); *err is
 * NULL otherwise. */
bool rl_table_check(rl_table *t, sip_str name, uint32_t limit, int algo, uint64_t now,
		    const char **err);
rl_pipe *rl_table_find(const rl_table *t, sip_str name);
/* Requests offered to p over the last second (sliding, refused ones
 * included). */
uint32_t rl_pipe_load(const rl_pipe *p, uint64_t now);
/* The same with the other proxies' requests as last read from the store. */
uint32_t rl_pipe_load_all(const rl_table *t, const rl_pipe *p, uint64_t now);

/* ---- several proxies sharing a store (rl_fn.c) ----
 *
 * Each proxy decides on its own counts plus the other proxies' as last
 * read from the store: every few hundred milliseconds it adds what it
 * counted since to the store's counts of each second (on the wall clock,
 * the same on every proxy) and reads back the totals. TAILDROP then
 * passes while the passed requests of the second over all proxies are
 * under the limit, RED measures the load over all of them, and
 * TOKEN_BUCKET takes the other proxies' passed requests out of its
 * tokens when it learns of them. */

/* What one pipe's push says: the second, what this proxy adds to it and
 * to the second before (offered, passed) since its last push, and its
 * counts of both after (its part of the totals the store gives back). */
typedef struct rl_push {
	uint64_t win;
	uint32_t add_o, add_p, add_prev_o, add_prev_p;
	uint32_t mine_o, mine_p, mine_prev_o, mine_prev_p;
} rl_push;

/* For each pipe checked at since or later (most recent first, at most
 * max) with counts it has not pushed: fill a push, count it as pushed,
 * and call fn with its name. Returns how many. */
unsigned rl_table_push(rl_table *t, uint64_t now, uint64_t since, unsigned max,
		       void (*fn)(sip_str name, const rl_push *ps, void *arg), void *arg);
/* The store's totals for the seconds of ps (every proxy's, this one's
 * push included): the rest of them becomes p's counts of the other
 * proxies; a TOKEN_BUCKET pipe gives up a token for each request they
 * passed since it last heard of them. */
void rl_pipe_remote(rl_table *t, rl_pipe *p, const rl_push *ps, uint64_t tot_o, uint64_t tot_p,
		    uint64_t tot_prev_o, uint64_t tot_prev_p);
/* Forget every pipe's counts of the other proxies (the store is down):
 * decisions are this proxy's alone until the next totals. */
void rl_table_forget_remote(rl_table *t);

/* "TAILDROP", "RED", "TOKEN_BUCKET"; and back (0 when unknown). */
const char *rl_algo_name(int algo);
int rl_algo_parse(const char *s);

#endif
