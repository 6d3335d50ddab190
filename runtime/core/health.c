/* The health of a peer: see health.h. */
#include "core/health.h"

#include <string.h>

void sip_health_init(sip_health *h)
{
	memset(h, 0, sizeof *h);
}

void sip_health_probe_sent(sip_health *h)
{
	h->probes_sent++;
}

/* A run reaches its threshold only once: the state flips on the Nth
 * result in a row and the run goes on counting without flipping again. */
bool sip_health_probe_result(sip_health *h, const sip_health_cfg *c, bool ok)
{
	unsigned need_fails = c->fails ? c->fails : 1, need_oks = c->oks ? c->oks : 1;
	if (ok) {
		h->fail_run = 0;
		if (h->ok_run < UINT32_MAX)
			h->ok_run++;
		if (h->down && h->ok_run >= need_oks) {
			h->down = false;
			return true;
		}
		return false;
	}
	h->probes_failed++;
	h->ok_run = 0;
	if (h->fail_run < UINT32_MAX)
		h->fail_run++;
	if (!h->down && h->fail_run >= need_fails) {
		h->down = true;
		return true;
	}
	return false;
}

bool sip_health_call_failed(sip_health *h)
{
	h->timeouts++;
	h->ok_run = 0;
	if (h->down)
		return false;
	h->down = true;
	return true;
}

bool sip_health_set(sip_health *h, bool down)
{
	h->ok_run = h->fail_run = 0;
	if (h->down == down)
		return false;
	h->down = down;
	return true;
}

const char *sip_health_state_name(const sip_health *h)
{
	return h->down ? "inactive" : "active";
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
