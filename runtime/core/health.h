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
 * Safe on several workers at once without a lock: the state and both
 * runs are one atomic word changed by compare-and-swap, so a failure
 * marked on one worker and a probe answered on another each see the
 * other's effect and exactly one of them reports a change of state; the
 * counters are atomic adds. Read them with sip_health_down and
 * sip_health_get, not the fields. */
#ifndef SIPCC_CORE_HEALTH_H
#define SIPCC_CORE_HEALTH_H

#include <stdatomic.h>
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
	/* Bit 63: inactive (selection skips it); bits 32..62: failed
	 * probes in a row; bits 0..31: answered probes in a row. */
	_Atomic uint64_t state;
	_Atomic uint64_t probes_sent, probes_failed, calls_sent, timeouts;
} sip_health;

/* What sip_health_get reads: one consistent state and the counters. */
typedef struct sip_health_view {
	bool down;
	unsigned fail_run, ok_run;  /* consecutive probe results */
	uint64_t probes_sent, probes_failed, calls_sent, timeouts;
} sip_health_view;

/* Active, counters zero (before any other thread can see h). */
void sip_health_init(sip_health *h);
/* Inactive: selection skips it. */
bool sip_health_down(const sip_health *h);
void sip_health_get(const sip_health *h, sip_health_view *out);
/* A probe was sent (counted). */
void sip_health_probe_sent(sip_health *h);
/* A call was sent to it (counted). */
void sip_health_call_sent(sip_health *h);
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
