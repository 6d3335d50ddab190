/* A client of rtpengine's "ng" control protocol: bencoded dictionaries
 * over UDP, each request "<cookie> <dict>" answered by "<cookie> <dict>"
 * with a "result" of "ok", "pong", "error" (and "error-reason") or
 * "load limit".
 *
 * rtpe_build() writes the dictionary of one command from what a SIP
 * message says (Call-ID, tags, SDP) and a Kamailio-style flags string:
 * space-separated tokens, where "replace-origin" and
 * "replace-session-connection" go into the "replace" list,
 * "direction=internal" into the "direction" list, "RTP/AVP", "RTP/SAVP",
 * "RTP/AVPF", "RTP/SAVPF" become "transport-protocol", any other
 * "key=value" becomes that dictionary entry ("ICE=remove",
 * "address-family=IP6") and any other token goes into "flags"
 * ("trust-address", "symmetric", "asymmetric", "strict-source").
 *
 * rtpe_command() sends one command and waits for its answer. The wait is
 * synchronous and bounded, on the event loop: timeout_ms for each of
 * 1 + retries sends (the same cookie each time, so rtpengine answers a
 * retransmission from its cache). When no answer comes, the relay is
 * considered down for disable_s seconds: commands fail at once, without
 * waiting, until the next attempt after that time. A stalled rtpengine
 * thus costs the proxy at most (1 + retries) * timeout_ms once per
 * disable_s; the default settings bound it at 1 s. */
#ifndef SIPCC_RTPENGINE_RTPENGINE_H
#define SIPCC_RTPENGINE_RTPENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include "core/arena.h"
#include "core/str.h"
#include "rtpengine/bencode.h"

struct rtpe_conf {
	char socket[128];       /* "udp:HOST:PORT" (IPv6 in brackets) */
	unsigned timeout_ms;    /* wait for one answer */
	unsigned retries;       /* sends after the first */
	unsigned disable_s;     /* considered down after a timeout */
};
extern struct rtpe_conf rtpe_conf;

/* What one command is about. */
struct rtpe_req {
	const char *command;    /* "offer", "answer", "delete", "ping", "query" */
	sip_str callid, from_tag, to_tag, via_branch;
	sip_str sdp;            /* offer and answer */
	sip_str flags;          /* the flags string (see above) */
	sip_str recv_ip;        /* the SIP source, "received-from" */
	bool recv_ip6;
};

/* Write the command's dictionary into b (b->overflow when it did not fit). */
void rtpe_build(benc_buf *b, const struct rtpe_req *r);

/* Open the control socket of rtpe_conf (again, after a settings change).
 * SIP_OK, SIP_EINVAL for a malformed socket setting, SIP_EIO. */
int rtpe_open(void);
void rtpe_close(void);

/* Send r and wait for the answer; *out is its dictionary (in a), whose
 * result was "ok" or "pong". SIP_OK; SIP_ETIMEOUT when rtpengine did not
 * answer (it is now considered down); SIP_ESTATE while it is considered
 * down; SIP_DECLINED when it answered with an error (*why, when not NULL,
 * gets the error-reason); SIP_EPARSE for a garbled answer; SIP_ELIMIT when
 * the command does not fit in a datagram. */
int rtpe_command(sip_arena *a, const struct rtpe_req *r, benc_node **out, sip_str *why);

/* Whether commands are sent now (not considered down). */
bool rtpe_up(void);

#endif
