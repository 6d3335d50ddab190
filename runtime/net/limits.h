/* Limits of the transports, in force for the whole process. The defaults
 * are below; the proxy replaces them from the policy's "use tcp { ... }"
 * settings at start-up, before it listens. Hitting one is logged with the
 * setting's name. */
#ifndef SIPCC_NET_LIMITS_H
#define SIPCC_NET_LIMITS_H

#include <stdbool.h>
#include "sip/msg.h"

#define TP_DEFAULT_TCP_MAX_CONNS 4096u
/* One message at most, plus the start of the next. */
#define TP_DEFAULT_TCP_MAX_RBUF  (SIP_MAX_MSG_SIZE + 4096u)
/* Output a peer does not read; beyond it the peer is taken as dead. */
#define TP_DEFAULT_TCP_MAX_WBUF  (1024u * 1024u)
#define TP_DEFAULT_TCP_IDLE_MS   120000u

struct tp_limits {
	unsigned tcp_max_conns;     /* open TCP and TLS connections, both ways */
	unsigned tcp_max_rbuf;      /* bytes read from a connection not framed yet */
	unsigned tcp_max_wbuf;      /* bytes queued for a connection */
	unsigned tcp_idle_ms;       /* a connection without traffic is closed */
};

extern struct tp_limits tp_limits;

/* Descriptors kept for everything but connections, beyond those open when
 * the limit is fitted; and the fewest connections a proxy with a stream
 * listener starts with. */
#define TP_FD_HEADROOM   16u
#define TP_MIN_TCP_CONNS 16u

/* Fit RLIMIT_NOFILE to tcp_max_conns: raise the soft limit (up to the hard
 * one), else lower tcp_max_conns with a warning; SIP_ELIMIT (logged) when
 * fewer than TP_MIN_TCP_CONNS fit and streams (a stream listener) is true.
 * Call after the configuration is read and before listening. */
int tp_limits_fit_fds(bool streams);

#endif
