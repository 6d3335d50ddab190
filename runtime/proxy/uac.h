/* Requests the proxy sends on its own (a local UAC): the BYEs of a dialog
 * it ends, OPTIONS probes of gateways and dispatcher destinations,
 * REGISTERs to upstream trunks.
 *
 * Each request is a client transaction of its own (no server transaction
 * above it): retransmitted over UDP, ended by its final response or by
 * timer F. The caller gets exactly one callback, from the event loop, with
 * the final status: the response's, or 408 when nothing answered, or 503
 * when it could not be delivered (transport error, a name that does not
 * resolve). Provisional responses are absorbed. A next hop whose host is a
 * name is located with RFC 3263 (proxy/dns.h) without blocking the loop:
 * the request waits for the answer.
 *
 * The request passes through the policy's local route before it goes, as
 * the CANCELs the proxy generates do. Not INVITE, ACK or CANCEL: an
 * INVITE would need the ACK of its 2xx, which no caller here wants. */
#ifndef SIPCC_PROXY_UAC_H
#define SIPCC_PROXY_UAC_H

#include <stdint.h>
#include "core/str.h"
#include "core/timer.h"
#include "sip/msg.h"

struct proxy_uac_req {
	sip_str method;   /* "OPTIONS", "BYE", "REGISTER", "MESSAGE", ... */
	sip_str ruri;
	sip_str dst;      /* next hop URI; empty: the Request-URI */
	sip_str from;     /* whole From value with its tag; empty:
			     <sip:sipcc@ADDR:PORT>;tag=RANDOM */
	sip_str to;       /* whole To value; empty: <ruri> */
	sip_str callid;   /* empty: a new one */
	uint32_t cseq;    /* 0: 1 */
	sip_str headers;  /* extra header lines, each ending in CRLF (Route,
			     Contact, Authorization, Expires, Content-Type) */
	sip_str body;
	uint32_t timeout_ms;  /* no final response by then: 408; 0: the
				 transaction layer's timer F (tm.fr_timer) */
};

/* Called once: code is the final response's status and resp the response
 * (valid during the call only), or 408 (no answer) or 503 (not sent) with
 * resp NULL. */
typedef void (*proxy_uac_fn)(void *arg, int code, const sip_msg *resp);

/* Send r (copied: the strings may go away on return). SIP_OK, or an error
 * (a bad URI, no socket for its transport, a method not allowed) and fn is
 * not called. */
int proxy_uac_send(const struct proxy_uac_req *r, proxy_uac_fn fn, void *arg);

/* How many requests are waiting for a final response or for DNS. */
unsigned proxy_uac_pending(void);

/* The host: timers on w (proxy_init); at exit, requests still waiting for
 * DNS are dropped without their callback. */
void proxy_uac_init(sip_timer_wheel *w);
void proxy_uac_destroy(void);

#endif
