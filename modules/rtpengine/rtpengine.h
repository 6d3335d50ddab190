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
 * rtpe_command_start() sends one command and returns: the loop reads the
 * answer and calls back (the policy functions suspend the message meanwhile,
 * proxy_wait). A command is sent 1 + retries times, timeout_ms apart (the
 * same cookie each time, so rtpengine answers a retransmission from its
 * cache). When no answer comes, the relay is considered down for
 * disable_s seconds: commands fail at once, without waiting, until the
 * next attempt after that time.
 *
 * rtpe_command() is the same command waited for synchronously on the
 * calling thread (bounded by (1 + retries) * timeout_ms, at most once per
 * disable_s): for programs without an event loop and for routes that cannot
 * wait (branch routes). Answers to commands started meanwhile
 * are kept and handed to their callers from the loop afterwards.
 *
 * With several workers the socket, the commands out and rtpe_use_loop()
 * are the calling worker's (each worker has its own socket, watched by
 * its own loop, so an answer is read by the worker that sent the
 * command); whether the relay is considered down is shared by all. */
#ifndef SIPCC_RTPENGINE_RTPENGINE_H
#define SIPCC_RTPENGINE_RTPENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include "core/arena.h"
#include "core/str.h"
#include "core/timer.h"
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

/* Open the caller's control socket of rtpe_conf (again, after a settings
 * change: the relay is no longer considered down). SIP_OK, SIP_EINVAL for a malformed socket setting, SIP_EIO. */
int rtpe_open(void);
void rtpe_close(void);

/* Send r and wait for the answer; *out is its dictionary (in a), whose
 * result was "ok" or "pong". SIP_OK; SIP_ETIMEOUT when rtpengine did not
 * answer (it is now considered down); SIP_ESTATE while it is considered
 * down; SIP_DECLINED when it answered with an error (*why, when not NULL,
 * gets the error-reason); SIP_EPARSE for a garbled answer; SIP_ELIMIT when
 * the command does not fit in a datagram. */
int rtpe_command(sip_arena *a, const struct rtpe_req *r, benc_node **out, sip_str *why);

/* The end of a command started with rtpe_command_start: status SIP_OK
 * with the answer (its dictionary without the cookie, to decode with
 * rtpe_answer_parse; valid during the call only), or SIP_ETIMEOUT (it is
 * now considered down). */
typedef void (*rtpe_done_fn)(int status, const char *ans, size_t len, void *arg);

/* Commands that do not wait: answers are read by loop, retries and
 * timeouts run on w. Without it (tests, tools) only rtpe_command works. */
struct sip_loop;
void rtpe_use_loop(struct sip_loop *loop, sip_timer_wheel *w);
bool rtpe_can_start(void);
/* Send r; done runs from the loop when the answer is in or the tries are
 * over, never from inside this call. SIP_OK; SIP_ESTATE while rtpengine is
 * considered down; SIP_EINVAL without a loop; SIP_ELIMIT when the command
 * does not fit in a datagram; SIP_NOMEM, SIP_EIO. */
int rtpe_command_start(const struct rtpe_req *r, rtpe_done_fn done, void *arg);
/* Forget every command out without calling back (at exit). */
void rtpe_pending_drop_all(void);
/* Decode an answer to command into a: like rtpe_command's outcome
 * (SIP_OK with *out, SIP_DECLINED with *why, SIP_EPARSE, SIP_NOMEM). */
int rtpe_answer_parse(sip_arena *a, const char *command, const char *ans, size_t len,
		      benc_node **out, sip_str *why);

/* Whether commands are sent now (not considered down). */
bool rtpe_up(void);

#endif
