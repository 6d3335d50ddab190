/* The connection to the HEP collector: a connected UDP socket, or a TCP
 * connection with a bounded queue, neither of which ever waits.
 *
 * Over TCP the connection is made without blocking (the loop watches it
 * only while it connects or has bytes queued, so the single-socket path of
 * the loop stays on otherwise); while it is being made, and while the
 * kernel's buffer is full, packets are queued up to HEP_TCP_QUEUE bytes; a
 * connection that fails or is closed is made again, at most once a
 * second, when the next packet comes. What cannot be sent or queued is
 * counted, never waited for.
 *
 * The connection is the calling worker's (each worker opens its own, on
 * its own loop); the counters may be shared by all of them (they are
 * added to atomically). */
#ifndef SIPCC_SIPTRACE_COLLECTOR_H
#define SIPCC_SIPTRACE_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "net/transport.h"

#define HEP_TCP_QUEUE (1024u * 1024u)

struct sip_loop;

typedef struct hep_counters {
	int64_t sent;           /* packets handed to the kernel (or queued) */
	int64_t send_errors;    /* packets lost: refused, no connection, queue full */
} hep_counters;

/* Open the socket to a (tcp: connect when the first packet comes, with
 * loop watching it; a NULL loop makes TCP unusable). SIP_OK or an error
 * (logged by the caller). */
int hep_coll_open(const sip_addr *a, bool tcp, struct sip_loop *loop, hep_counters *cnt);
/* Send one packet (n bytes). */
void hep_coll_send(const uint8_t *p, size_t n);
/* Close, dropping what is queued. */
void hep_coll_close(void);
/* Bytes queued for the TCP connection (tests). */
size_t hep_coll_queued(void);

#endif
