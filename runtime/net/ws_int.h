/* The WebSocket codec behind the ws and wss transports (RFC 6455 for
 * SIP, RFC 7118): the HTTP/1.1 Upgrade handshake and the frame format,
 * without sockets, so the unit tests drive them byte by byte. */
#ifndef SIPCC_NET_WS_INT_H
#define SIPCC_NET_WS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest message (and so frame) accepted or sent: a SIP message. */
#define WS_MAX_MSG          65535u
/* The largest handshake request or response. */
#define WS_MAX_HANDSHAKE    8192u
/* A frame header: 2 bytes, 8 of extended length, 4 of mask. */
#define WS_MAX_HDR          14u

enum ws_opcode {
	WS_OP_CONT = 0x0, WS_OP_TEXT = 0x1, WS_OP_BINARY = 0x2,
	WS_OP_CLOSE = 0x8, WS_OP_PING = 0x9, WS_OP_PONG = 0xa,
};

/* Status codes of a close frame (RFC 6455 §7.4.1). */
#define WS_CLOSE_NORMAL     1000
#define WS_CLOSE_PROTOCOL   1002
#define WS_CLOSE_BAD_DATA   1007
#define WS_CLOSE_TOO_BIG    1009

/* Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key +
 * the RFC 6455 GUID)), 28 characters and a NUL into out. */
void ws_accept_key(const char *key, size_t len, char out[29]);

/* A handshake request a server read. */
struct ws_request {
	int status;             /* 0: valid; else the HTTP status to refuse with */
	const char *why;        /* the reason of a refusal, for the log */
	char accept[29];        /* Sec-WebSocket-Accept to answer with */
};

/* Parse a client's opening handshake at buf (RFC 6455 §4.2.1). Returns
 * the length of the request when it is complete (then *r says whether it
 * is acceptable: GET HTTP/1.1 with Host, Upgrade: websocket, Connection:
 * Upgrade, a 16-byte Sec-WebSocket-Key, Sec-WebSocket-Version 13 and
 * "sip" among the Sec-WebSocket-Protocol values), 0 when more input is
 * needed, or -1 when it is not HTTP or longer than WS_MAX_HANDSHAKE
 * (r->why says which). */
long ws_request_parse(const char *buf, size_t len, struct ws_request *r);

/* The server's answer to r into out: 101 with the accept key and
 * "Sec-WebSocket-Protocol: sip", or r->status with what the client must
 * change (Sec-WebSocket-Version for 426). Returns the length. */
size_t ws_response_print(const struct ws_request *r, char *out, size_t sz);

/* A client's opening handshake for host (as in a Host header) with the
 * 16-byte key nonce; the accept value to expect into accept. Returns the
 * length. */
size_t ws_request_print(const char *host, const unsigned char nonce[16], char *out,
			size_t sz, char accept[29]);

/* Parse a server's answer to the handshake: its length when complete and
 * acceptable (101, Upgrade, the expected accept, protocol sip), 0 when
 * more input is needed, -1 (why says why) when it refuses or is not one. */
long ws_response_parse(const char *buf, size_t len, const char *accept, const char **why);

/* One frame. */
struct ws_frame {
	bool fin;
	uint8_t opcode;
	bool masked;
	char *payload;          /* in the parsed buffer, unmasked */
	size_t len;
};

/* Frame errors (negative, distinct from "need more"). */
#define WS_EUNMASKED    (-1)   /* a client frame without a mask */
#define WS_EMASKED      (-2)   /* a server frame with a mask */
#define WS_ETOOBIG      (-3)   /* payload larger than the limit */
#define WS_EPROTO       (-4)   /* reserved bits, opcode, control frame rules */

/* Parse the frame at buf; from_client says the sender is a client (its
 * frames must be masked; a server's must not). On success the payload is
 * unmasked in place and the frame's total length returned; 0 when more
 * input is needed; a WS_E* code otherwise. A payload larger than max is
 * refused as soon as the header says so. */
long ws_frame_parse(char *buf, size_t len, bool from_client, size_t max, struct ws_frame *f);

/* A frame header for a payload of len into hdr (WS_MAX_HDR bytes); with
 * mask (4 bytes), the payload must be masked with ws_mask. Returns the
 * header length. */
size_t ws_frame_header(unsigned char *hdr, uint8_t opcode, bool fin, size_t len,
		       const unsigned char *mask);
/* XOR p[0..n) with mask, the mask index starting at off. */
void ws_mask(char *p, size_t n, const unsigned char mask[4], size_t off);

/* Whether p[0..n) is UTF-8 (RFC 3629: no overlong forms, surrogates or
 * code points above U+10FFFF), as a text message must be. */
bool ws_utf8_valid(const char *p, size_t n);

/* Why a frame error closes a connection, for the log. */
const char *ws_frame_strerror(long e);

#endif
