/* The health of a peer the proxy sends calls to (a dispatcher destination,
 * a drouting gateway), as OpenSIPS and Kamailio keep it: probes (OPTIONS
 * sent every few seconds) and calls that time out move it between active
 * and inactive, and an operator may set it by hand.
 *
 *   active   --  N probes failed in a row (threshold fails)    --> inactive
 *   active   --  a call timed out, or set by hand               --> inactive
 *   inactive --  M probes answered in a row (threshold oks)    --> active
 *   inactive --  set by hand                                    --> active
 *
 * A probe answered resets the count of failures and a failed one the
 * count of answers, so only an unbroken run moves the state. The counters
 * (probes sent and failed, calls sent) are for the operator.
 *
 * Pure state: no timers, no I/O; the modules probe and report here.
 * Single-threaded, like the loop it serves. */
#ifndef SIPCC_CORE_HEALTH_H
#define SIPCC_CORE_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

typedef struct sip_health_cfg {
	unsigned fails;             /* failed probes in a row before inactive (>= 1) */
	unsigned oks;               /* answered probes in a row before active again (>= 1) */
} sip_health_cfg;

/* Why a state changed, for logs and hooks. */
typedef enum sip_health_why {
	SIP_HEALTH_PROBE,           /* probes */
	SIP_HEALTH_CALL,            /* a call to it failed or timed out (ds_mark_dst, drouting) */
	SIP_HEALTH_ADMIN,           /* set by hand */
} sip_health_why;

typedef struct sip_health {
	bool down;                  /* inactive: selection skips it */
	unsigned fail_run, ok_run;  /* consecutive probe results */
	uint64_t probes_sent, probes_failed, calls_sent, timeouts;
} sip_health;

/* Active, counters zero. */
void sip_health_init(sip_health *h);
/* A probe was sent (counted). */
void sip_health_probe_sent(sip_health *h);
/* A probe's outcome (ok: answered with an accepted code). True when the
 * state changed (h->down tells to what). */
bool sip_health_probe_result(sip_health *h, const sip_health_cfg *c, bool ok);
/* A call to it failed or timed out: inactive at once (probes bring it back). True
 * when the state changed. */
bool sip_health_call_failed(sip_health *h);
/* Set by hand. True when the state changed. Runs are reset either way. */
bool sip_health_set(sip_health *h, bool down);
/* "active" or "inactive". */
const char *sip_health_state_name(const sip_health *h);
const char *sip_health_why_name(sip_health_why w);

/* Whether code answers a probe: any 2xx, or a code listed in codes, a
 * text of codes and classes separated by commas or spaces ("403,404",
 * "4xx"). A bad list accepts 2xx only. */
bool sip_health_code_ok(int code, const char *codes);
/* Whether codes is such a list ("" is). */
bool sip_health_codes_valid(const char *codes);

/* A weighted order of n peers (dispatcher's DS_WEIGHTED, drouting's
 * weighted rules): out gets the n indexes, drawn without replacement, the
 * chance of each pick proportional to its weight w[i] among those left (a
 * weight of 0 counts as 1). seed drives the draw (a random number; the
 * same seed gives the same order). n at most SIP_HEALTH_MAX_ORDER; more
 * are left in list order after the drawn ones. */
#define SIP_HEALTH_MAX_ORDER 64
void sip_health_weighted_order(const unsigned *w, unsigned n, uint32_t seed, unsigned *out);
/* A step of the generator the draw uses (xorshift32; never returns 0 for
 * a state that is not 0). */
uint32_t sip_health_rand(uint32_t *state);

#endif
