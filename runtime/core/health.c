/* The health of a peer: see health.h. */
#include "core/health.h"

#include <string.h>

#define H_DOWN     (UINT64_C(1) << 63)
#define H_FAIL_MAX 0x7fffffffu
#define H_OK_MAX   0xffffffffu

static uint64_t h_pack(bool down, unsigned fail_run, unsigned ok_run)
{
	return (down ? H_DOWN : 0) | (uint64_t)(fail_run & H_FAIL_MAX) << 32 | ok_run;
}

static bool h_is_down(uint64_t s) { return (s & H_DOWN) != 0; }
static unsigned h_fails(uint64_t s) { return (unsigned)(s >> 32) & H_FAIL_MAX; }
static unsigned h_oks(uint64_t s) { return (unsigned)(s & H_OK_MAX); }

void sip_health_init(sip_health *h)
{
	atomic_init(&h->state, 0);
	atomic_init(&h->probes_sent, 0);
	atomic_init(&h->probes_failed, 0);
	atomic_init(&h->calls_sent, 0);
	atomic_init(&h->timeouts, 0);
}

bool sip_health_down(const sip_health *h)
{
	return h_is_down(atomic_load_explicit(&((sip_health *)h)->state, memory_order_acquire));
}

void sip_health_get(const sip_health *h, sip_health_view *out)
{
	sip_health *m = (sip_health *)h;
	uint64_t s = atomic_load_explicit(&m->state, memory_order_acquire);
	out->down = h_is_down(s);
	out->fail_run = h_fails(s);
	out->ok_run = h_oks(s);
	out->probes_sent = atomic_load_explicit(&m->probes_sent, memory_order_relaxed);
	out->probes_failed = atomic_load_explicit(&m->probes_failed, memory_order_relaxed);
	out->calls_sent = atomic_load_explicit(&m->calls_sent, memory_order_relaxed);
	out->timeouts = atomic_load_explicit(&m->timeouts, memory_order_relaxed);
}

void sip_health_probe_sent(sip_health *h)
{
	atomic_fetch_add_explicit(&h->probes_sent, 1, memory_order_relaxed);
}

void sip_health_call_sent(sip_health *h)
{
	atomic_fetch_add_explicit(&h->calls_sent, 1, memory_order_relaxed);
}

/* A run reaches its threshold only once: the state flips on the Nth
 * result in a row and the run goes on counting without flipping again.
 * The new word is computed from the one read and stored only if no other
 * worker changed it meanwhile (else computed again from theirs), so two
 * results arriving at once both count and one flip is reported once. */
bool sip_health_probe_result(sip_health *h, const sip_health_cfg *c, bool ok)
{
	unsigned need_fails = c->fails ? c->fails : 1, need_oks = c->oks ? c->oks : 1;
	if (!ok)
		atomic_fetch_add_explicit(&h->probes_failed, 1, memory_order_relaxed);
	uint64_t old = atomic_load_explicit(&h->state, memory_order_acquire), next;
	bool changed;
	do {
		bool down = h_is_down(old);
		unsigned fails = h_fails(old), oks = h_oks(old);
		changed = false;
		if (ok) {
			fails = 0;
			if (oks < H_OK_MAX)
				oks++;
			if (down && oks >= need_oks) {
				down = false;
				changed = true;
			}
		} else {
			oks = 0;
			if (fails < H_FAIL_MAX)
				fails++;
			if (!down && fails >= need_fails) {
				down = true;
				changed = true;
			}
		}
		next = h_pack(down, fails, oks);
	} while (!atomic_compare_exchange_weak_explicit(&h->state, &old, next, memory_order_acq_rel,
							 memory_order_acquire));
	return changed;
}

bool sip_health_call_failed(sip_health *h)
{
	atomic_fetch_add_explicit(&h->timeouts, 1, memory_order_relaxed);
	uint64_t old = atomic_load_explicit(&h->state, memory_order_acquire), next;
	do {
		next = h_pack(true, h_fails(old), 0);
	} while (!atomic_compare_exchange_weak_explicit(&h->state, &old, next, memory_order_acq_rel,
							 memory_order_acquire));
	return !h_is_down(old);
}

bool sip_health_set(sip_health *h, bool down)
{
	uint64_t old = atomic_exchange_explicit(&h->state, h_pack(down, 0, 0), memory_order_acq_rel);
	return h_is_down(old) != down;
}

const char *sip_health_state_name(const sip_health *h)
{
	return sip_health_down(h) ? "inactive" : "active";
}

const char *sip_health_why_name(sip_health_why w)
{
	switch (w) {
	case SIP_HEALTH_PROBE: return "probe";
	case SIP_HEALTH_CALL: return "call";
	case SIP_HEALTH_ADMIN: return "admin";
	}
	return "?";
}

/* Walk codes, calling match for each item; false at a bad item. An item
 * is three characters: digits, or a digit then "xx". */
static bool health_codes_walk(const char *codes, int code, bool *hit)
{
	const char *p = codes;
	*hit = false;
	while (*p) {
		while (*p == ',' || *p == ' ')
			p++;
		if (!*p)
			break;
		size_t n = strcspn(p, ", ");
		if (n != 3 || p[0] < '1' || p[0] > '6')
			return false;
		if ((p[1] == 'x' || p[1] == 'X') && (p[2] == 'x' || p[2] == 'X')) {
			if (code / 100 == p[0] - '0')
				*hit = true;
		} else if (p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9') {
			if (code == (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0'))
				*hit = true;
		} else {
			return false;
		}
		p += n;
	}
	return true;
}

bool sip_health_code_ok(int code, const char *codes)
{
	if (code >= 200 && code < 300)
		return true;
	bool hit;
	return codes && health_codes_walk(codes, code, &hit) && hit;
}

bool sip_health_codes_valid(const char *codes)
{
	bool hit;
	return !codes || health_codes_walk(codes, 0, &hit);
}

uint32_t sip_health_rand(uint32_t *state)
{
	uint32_t x = *state ? *state : 0x9e3779b9u;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

/* Each pick draws a point in the sum of the weights left and takes the
 * peer whose share covers it; a picked peer leaves the sum. */
void sip_health_weighted_order(const unsigned *w, unsigned n, uint32_t seed, unsigned *out)
{
	unsigned idx[SIP_HEALTH_MAX_ORDER];
	unsigned m = n < SIP_HEALTH_MAX_ORDER ? n : SIP_HEALTH_MAX_ORDER;
	uint64_t total = 0;
	uint32_t st = seed * 2654435761u + 1;
	for (unsigned i = 0; i < m; i++) {
		idx[i] = i;
		total += w[i] ? w[i] : 1;
	}
	for (unsigned k = 0; k < m; k++) {
		uint64_t r = ((uint64_t)sip_health_rand(&st) << 32 | sip_health_rand(&st)) % total;
		unsigned j = k;
		for (; j < m - 1; j++) {
			uint64_t wj = w[idx[j]] ? w[idx[j]] : 1;
			if (r < wj)
				break;
			r -= wj;
		}
		unsigned pick = idx[j];
		memmove(&idx[k + 1], &idx[k], (j - k) * sizeof idx[0]);
		idx[k] = pick;
		out[k] = pick;
		total -= w[pick] ? w[pick] : 1;
	}
	for (unsigned i = m; i < n; i++)
		out[i] = i;
}
