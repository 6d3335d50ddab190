/* HEP v3 (the Homer Encapsulation Protocol, EEP v3): the packet a capture
 * agent sends to a Homer-compatible collector (heplify-server, Homer,
 * sngrep -L) for each SIP message it saw, and the few fields of a raw SIP
 * message the tracer needs before anything has parsed it.
 *
 * A packet is "HEP3", its total length (16 bits, network order), then
 * chunks: vendor 0 (generic), a type, the chunk's length with its 6-byte
 * header, the value. Only sip/ and net/ below: the encoder is tested
 * without a proxy. */
#ifndef SIPCC_SIPTRACE_HEP_H
#define SIPCC_SIPTRACE_HEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/str.h"
#include "net/transport.h"

/* Generic chunk types (vendor 0) of HEP v3. */
enum {
	HEP_CHUNK_IP_FAMILY = 0x0001,   /* uint8: 2 AF_INET, 10 AF_INET6 */
	HEP_CHUNK_IP_PROTO = 0x0002,    /* uint8: 17 UDP, 6 TCP */
	HEP_CHUNK_SRC_IP4 = 0x0003,
	HEP_CHUNK_DST_IP4 = 0x0004,
	HEP_CHUNK_SRC_IP6 = 0x0005,
	HEP_CHUNK_DST_IP6 = 0x0006,
	HEP_CHUNK_SRC_PORT = 0x0007,    /* uint16 */
	HEP_CHUNK_DST_PORT = 0x0008,
	HEP_CHUNK_TS_SEC = 0x0009,      /* uint32 */
	HEP_CHUNK_TS_USEC = 0x000a,     /* uint32 */
	HEP_CHUNK_PROTO_TYPE = 0x000b,  /* uint8: 1 SIP */
	HEP_CHUNK_CAPTURE_ID = 0x000c,  /* uint32 */
	HEP_CHUNK_AUTH_KEY = 0x000e,    /* string */
	HEP_CHUNK_PAYLOAD = 0x000f,
	HEP_CHUNK_CORRELATION = 0x0011, /* string */
};

#define HEP_PROTO_SIP 1
/* The largest packet: its length is 16 bits. */
#define HEP_MAX 65535u

/* One captured message. src and dst are of the same family. */
typedef struct hep_msg {
	const sip_addr *src, *dst;
	uint8_t ip_proto;               /* 17 UDP, 6 TCP (TLS and WebSocket too) */
	uint32_t ts_sec, ts_usec;
	uint32_t capture_id;
	sip_str auth_key;               /* empty: no chunk */
	sip_str correlation;            /* the Call-ID; empty: no chunk */
	sip_str payload;                /* the SIP message as sent or received */
} hep_msg;

/* Encode m into out (cap bytes). Returns the packet's length, or 0 when it
 * does not fit in cap or in HEP_MAX, or src and dst differ in family. */
size_t hep_encode(const hep_msg *m, uint8_t *out, size_t cap);

/* What the tracer needs to know of a raw message: its Call-ID, the number
 * and method of its CSeq, and its status (0 for a request). */
typedef struct hep_sip_info {
	sip_str callid;
	uint32_t cseq;
	sip_str cseq_method;
	int status;
} hep_sip_info;

/* Read those from the header of the message in buf (no parser, no
 * allocation: this runs for every message when everything is traced).
 * False when buf does not look like a SIP message with a Call-ID (a
 * keep-alive CRLF, garbage). */
bool hep_sip_scan(const char *buf, size_t len, hep_sip_info *out);

/* The collector's address from "udp:IP:PORT" or "tcp:IP:PORT" (IPv6 in
 * brackets) and whether it is TCP; false when s is not that. */
bool hep_parse_server(const char *s, sip_addr *a, bool *tcp);

#endif
