/* WebSocket transports (RFC 7118 SIP over RFC 6455 WebSocket): ws over
 * plain TCP and wss over TLS, both on the TCP machinery (tcp.c) with a
 * framer in place of Content-Length framing, so connections, limits, the
 * idle timeout and "a reply goes back over the connection the request
 * came on" are the same as for TCP and TLS.
 *
 * A connection starts with the HTTP/1.1 Upgrade handshake; after it every
 * WebSocket message (text or binary, possibly fragmented) carries one SIP
 * message, handed up as it is (a Content-Length in it is checked by the
 * parser like on UDP, not needed). What the proxy sends goes out as one
 * unfragmented text frame, unmasked from a server, masked from a client
 * (a connection the proxy opened to a ws next hop). */
#include "net/ws_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include "core/arena.h"
#include "core/log.h"
#include "core/status.h"
#include "net/tcp_int.h"

static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

void ws_accept_key(const char *key, size_t len, char out[29])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *x = EVP_MD_CTX_new();
	if (x && EVP_DigestInit_ex(x, EVP_sha1(), NULL) == 1 &&
	    EVP_DigestUpdate(x, key, len) == 1 &&
	    EVP_DigestUpdate(x, ws_guid, sizeof ws_guid - 1) == 1 &&
	    EVP_DigestFinal_ex(x, md, &mdlen) == 1 && mdlen == 20) {
		EVP_EncodeBlock((unsigned char *)out, md, 20);
	} else {
		memset(out, 0, 29);
	}
	EVP_MD_CTX_free(x);
	out[28] = '\0';
}

/* ---- handshake ---- */

/* The end of an HTTP head (after its empty line) in buf, or 0. */
static size_t head_end(const char *buf, size_t len)
{
	for (size_t i = 3; i < len; i++)
		if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r')
			return i + 1;
	return 0;
}

/* Whether the comma-separated list v (of n bytes) holds token t. */
static bool list_has(const char *v, size_t n, const char *t)
{
	size_t tl = strlen(t), i = 0;
	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t j = i;
		while (j < n && v[j] != ',')
			j++;
		size_t k = j;
		while (k > i && (v[k - 1] == ' ' || v[k - 1] == '\t'))
			k--;
		if (k - i == tl && strncasecmp(v + i, t, tl) == 0)
			return true;
		i = j;
	}
	return false;
}

/* Calls fn for each "Name: value" line of the head (after the start
 * line), value trimmed. */
struct hdr_line {
	const char *name, *val;
	size_t nlen, vlen;
};

static bool next_hdr(const char **pp, const char *end, struct hdr_line *h)
{
	const char *p = *pp;
	const char *eol = memchr(p, '\n', (size_t)(end - p));
	if (!eol || eol - p <= 1)
		return false;       /* the empty line */
	const char *colon = memchr(p, ':', (size_t)(eol - p));
	*pp = eol + 1;
	h->name = p;
	h->nlen = colon ? (size_t)(colon - p) : 0;
	const char *v = colon ? colon + 1 : eol, *ve = eol;
	while (v < ve && (*v == ' ' || *v == '\t'))
		v++;
	while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
		ve--;
	h->val = v;
	h->vlen = (size_t)(ve - v);
	return true;
}

static bool hdr_is(const struct hdr_line *h, const char *name)
{
	return h->nlen == strlen(name) && strncasecmp(h->name, name, h->nlen) == 0;
}

static long refuse(struct ws_request *r, int status, const char *why, long n)
{
	r->status = status;
	r->why = why;
	return n;
}

long ws_request_parse(const char *buf, size_t len, struct ws_request *r)
{
	memset(r, 0, sizeof *r);
	/* Garbage is refused at once rather than after 8 KB: a request line
	 * starts with a method, upper-case letters then a space. */
	size_t i = 0;
	while (i < len && i < 16 && buf[i] >= 'A' && buf[i] <= 'Z')
		i++;
	if ((i < len && (i == 0 || buf[i] != ' ')) || i == 16) {
		r->why = "not an HTTP request";
		return -1;
	}
	size_t n = head_end(buf, len < WS_MAX_HANDSHAKE ? len : WS_MAX_HANDSHAKE);
	if (!n) {
		if (len < WS_MAX_HANDSHAKE)
			return 0;
		r->why = "handshake longer than 8192 bytes";
		return -1;
	}
	const char *end = buf + n, *p = memchr(buf, '\n', n);
	const char *sp = memchr(buf, ' ', (size_t)(p - buf));
	size_t ll = (size_t)(p - buf);
	if (ll && buf[ll - 1] == '\r')
		ll--;
	if (i != 3 || memcmp(buf, "GET", 3) != 0)
		return refuse(r, 400, "method is not GET", (long)n);
	if (ll < 9 || memcmp(buf + ll - 9, " HTTP/1.1", 9) != 0 || sp == buf + ll - 9)
		return refuse(r, 400, "request line is not GET <path> HTTP/1.1", (long)n);
	p++;
	bool host = false, upgrade = false, connection = false, proto = false;
	const char *key = NULL, *version = NULL;
	size_t keylen = 0, vlen = 0;
	struct hdr_line h;
	while (next_hdr(&p, end, &h)) {
		if (hdr_is(&h, "Host"))
			host = h.vlen > 0;
		else if (hdr_is(&h, "Upgrade"))
			upgrade = upgrade || list_has(h.val, h.vlen, "websocket");
		else if (hdr_is(&h, "Connection"))
			connection = connection || list_has(h.val, h.vlen, "upgrade");
		else if (hdr_is(&h, "Sec-WebSocket-Key"))
			key = h.val, keylen = h.vlen;
		else if (hdr_is(&h, "Sec-WebSocket-Version"))
			version = h.val, vlen = h.vlen;
		else if (hdr_is(&h, "Sec-WebSocket-Protocol"))
			proto = proto || list_has(h.val, h.vlen, "sip");
	}
	if (!upgrade)
		return refuse(r, 426, "no Upgrade: websocket", (long)n);
	if (!version || vlen != 2 || memcmp(version, "13", 2) != 0)
		return refuse(r, 426, "Sec-WebSocket-Version is not 13", (long)n);
	if (!connection)
		return refuse(r, 400, "no Connection: Upgrade", (long)n);
	if (!host)
		return refuse(r, 400, "no Host", (long)n);
	unsigned char raw[20];
	if (!key || keylen != 24 || key[22] != '=' || key[23] != '=' ||
	    EVP_DecodeBlock(raw, (const unsigned char *)key, 24) != 18)
		return refuse(r, 400, "Sec-WebSocket-Key is not 16 bytes of base64", (long)n);
	if (!proto)
		return refuse(r, 400, "Sec-WebSocket-Protocol does not offer sip", (long)n);
	ws_accept_key(key, keylen, r->accept);
	return (long)n;
}

size_t ws_response_print(const struct ws_request *r, char *out, size_t sz)
{
	int n;
	if (!r->status)
		n = snprintf(out, sz, "HTTP/1.1 101 Switching Protocols\r\n"
			     "Upgrade: websocket\r\nConnection: Upgrade\r\n"
			     "Sec-WebSocket-Accept: %s\r\nSec-WebSocket-Protocol: sip\r\n\r\n",
			     r->accept);
	else if (r->status == 426)
		n = snprintf(out, sz, "HTTP/1.1 426 Upgrade Required\r\n"
			     "Upgrade: websocket\r\nConnection: Upgrade\r\n"
			     "Sec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n");
	else
		n = snprintf(out, sz, "HTTP/1.1 %d Bad Request\r\n"
			     "Sec-WebSocket-Version: 13\r\nConnection: close\r\n"
			     "Content-Length: 0\r\n\r\n", r->status);
	return n < 0 ? 0 : (size_t)n >= sz ? sz - 1 : (size_t)n;
}

size_t ws_request_print(const char *host, const unsigned char nonce[16], char *out,
			size_t sz, char accept[29])
{
	char key[25];
	EVP_EncodeBlock((unsigned char *)key, nonce, 16);
	key[24] = '\0';
	ws_accept_key(key, 24, accept);
	int n = snprintf(out, sz, "GET / HTTP/1.1\r\nHost: %s\r\n"
			 "Upgrade: websocket\r\nConnection: Upgrade\r\n"
			 "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
			 "Sec-WebSocket-Protocol: sip\r\n\r\n", host, key);
	return n < 0 ? 0 : (size_t)n >= sz ? sz - 1 : (size_t)n;
}

long ws_response_parse(const char *buf, size_t len, const char *accept, const char **why)
{
	size_t n = head_end(buf, len < WS_MAX_HANDSHAKE ? len : WS_MAX_HANDSHAKE);
	if (!n) {
		if (len < WS_MAX_HANDSHAKE && (len < 5 || memcmp(buf, "HTTP/", 5) == 0))
			return 0;
		*why = "not an HTTP response";
		return -1;
	}
	if (n < 12 || memcmp(buf, "HTTP/1.1 101", 12) != 0) {
		*why = "the server did not switch protocols (no 101)";
		return -1;
	}
	const char *p = memchr(buf, '\n', n) + 1, *end = buf + n;
	bool upgrade = false, ok_accept = false, proto = false;
	struct hdr_line h;
	while (next_hdr(&p, end, &h)) {
		if (hdr_is(&h, "Upgrade"))
			upgrade = upgrade || list_has(h.val, h.vlen, "websocket");
		else if (hdr_is(&h, "Sec-WebSocket-Accept"))
			ok_accept = h.vlen == 28 && memcmp(h.val, accept, 28) == 0;
		else if (hdr_is(&h, "Sec-WebSocket-Protocol"))
			proto = h.vlen == 3 && strncasecmp(h.val, "sip", 3) == 0;
	}
	*why = !upgrade ? "no Upgrade: websocket in the 101" :
	       !ok_accept ? "wrong Sec-WebSocket-Accept" :
	       !proto ? "the server did not accept Sec-WebSocket-Protocol sip" : NULL;
	return *why ? -1 : (long)n;
}

/* ---- frames ---- */

void ws_mask(char *p, size_t n, const unsigned char mask[4], size_t off)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (char)(p[i] ^ mask[(i + off) & 3]);
}

long ws_frame_parse(char *buf, size_t len, bool from_client, size_t max, struct ws_frame *f)
{
	const unsigned char *b = (const unsigned char *)buf;
	if (len < 2)
		return 0;
	uint8_t op = b[0] & 0x0f;
	bool fin = b[0] & 0x80, masked = b[1] & 0x80;
	if (b[0] & 0x70)
		return WS_EPROTO;   /* no extension was negotiated */
	if (op > WS_OP_BINARY && (op < WS_OP_CLOSE || op > WS_OP_PONG))
		return WS_EPROTO;
	if (from_client && !masked)
		return WS_EUNMASKED;
	if (!from_client && masked)
		return WS_EMASKED;
	uint64_t plen = b[1] & 0x7f;
	size_t h = 2;
	if (op >= WS_OP_CLOSE && (plen > 125 || !fin))
		return WS_EPROTO;
	if (plen == 126) {
		if (len < 4)
			return 0;
		plen = (uint64_t)b[2] << 8 | b[3];
		h = 4;
	} else if (plen == 127) {
		if (len < 10)
			return 0;
		plen = 0;
		for (int i = 2; i < 10; i++)
			plen = plen << 8 | b[i];
		if (plen >> 63)
			return WS_EPROTO;
		h = 10;
	}
	if (plen > max)
		return WS_ETOOBIG;
	size_t mh = masked ? 4 : 0;
	if (len - h < mh || len - h - mh < plen)
		return 0;
	f->fin = fin;
	f->opcode = op;
	f->masked = masked;
	f->payload = buf + h + mh;
	f->len = (size_t)plen;
	if (masked)
		ws_mask(f->payload, f->len, b + h, 0);
	return (long)(h + mh + plen);
}

size_t ws_frame_header(unsigned char *hdr, uint8_t opcode, bool fin, size_t len,
		       const unsigned char *mask)
{
	size_t h = 2;
	hdr[0] = (unsigned char)((fin ? 0x80 : 0) | (opcode & 0x0f));
	unsigned char m = mask ? 0x80 : 0;
	if (len < 126) {
		hdr[1] = (unsigned char)(m | len);
	} else if (len <= 0xffff) {
		hdr[1] = m | 126;
		hdr[2] = (unsigned char)(len >> 8);
		hdr[3] = (unsigned char)len;
		h = 4;
	} else {
		hdr[1] = m | 127;
		for (int i = 0; i < 8; i++)
			hdr[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
		h = 10;
	}
	if (mask) {
		memcpy(hdr + h, mask, 4);
		h += 4;
	}
	return h;
}

bool ws_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	while (p < end) {
		unsigned c = *p;
		if (c < 0x80) {
			p++;
			continue;
		}
		size_t k;
		unsigned min, cp;
		if ((c & 0xe0) == 0xc0)
			k = 1, min = 0x80, cp = c & 0x1f;
		else if ((c & 0xf0) == 0xe0)
			k = 2, min = 0x800, cp = c & 0x0f;
		else if ((c & 0xf8) == 0xf0)
			k = 3, min = 0x10000, cp = c & 0x07;
		else
			return false;
		if ((size_t)(end - p) <= k)
			return false;
		for (size_t i = 1; i <= k; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += k + 1;
	}
	return true;
}

const char *ws_frame_strerror(long e)
{
	switch (e) {
	case WS_EUNMASKED: return "unmasked frame from a client";
	case WS_EMASKED: return "masked frame from a server";
	case WS_ETOOBIG: return "frame larger than 65535 bytes";
	default: return "protocol error (reserved bits, opcode or control frame)";
	}
}

/* ---- connections ---- */

struct ws_conn {
	bool open;              /* the handshake is done */
	bool outgoing;          /* we are the client */
	bool close_sent;
	bool pinged;            /* a keep-alive ping went out, no frame since */
	uint8_t frag_op;        /* opcode of a fragmented message in progress */
	char *msg;              /* its payload so far */
	size_t mlen, mcap;
	char accept[29];        /* client: the Sec-WebSocket-Accept expected */
	char *pend;             /* client: messages sent before the 101, each */
	size_t plen, pcap;      /* after its length as a size_t */
};

/* One outgoing frame at a time: header + the largest message. */
static char ws_out[WS_MAX_HDR + WS_MAX_MSG];

static const char *ws_name(const struct tcp_conn *c, char *buf, size_t sz)
{
	char ip[64];
	snprintf(buf, sz, "%s %s:%d", c->sock->tp->name, sip_addr_ip(&c->peer, ip, sizeof ip),
		 sip_addr_port(&c->peer));
	return buf;
}

/* Send one frame over c, masked when we are the client. */
static int ws_write_frame(struct tcp_conn *c, uint8_t op, const char *p, size_t n)
{
	struct ws_conn *w = c->framer_priv;
	unsigned char mask[4];
	if (w->outgoing && RAND_bytes(mask, sizeof mask) != 1)
		return SIP_EIO;
	size_t h = ws_frame_header((unsigned char *)ws_out, op, true, n, w->outgoing ? mask : NULL);
	memcpy(ws_out + h, p, n);
	if (w->outgoing)
		ws_mask(ws_out + h, n, mask, 0);
	return tcp_conn_write(c, ws_out, h + n);
}

/* Close with a status code (RFC 6455 §7.1.5), once. */
static void ws_send_close(struct tcp_conn *c, unsigned code)
{
	struct ws_conn *w = c->framer_priv;
	if (w->close_sent)
		return;
	w->close_sent = true;
	char b[2] = { (char)(code >> 8), (char)(code & 0xff) };
	ws_write_frame(c, WS_OP_CLOSE, b, sizeof b);
}

/* The state of c, made on first use: a send to a connection still
 * connecting comes before its open. */
static struct ws_conn *ws_state(struct tcp_conn *c)
{
	struct ws_conn *w = c->framer_priv;
	if (w)
		return w;
	if (!(w = sip_mem_alloc(sizeof *w)))
		return NULL;
	memset(w, 0, sizeof *w);
	w->outgoing = c->outgoing;
	c->framer_priv = w;
	return w;
}

static int ws_open(struct tcp_conn *c, bool outgoing)
{
	struct ws_conn *w = ws_state(c);
	if (!w)
		return SIP_NOMEM;
	if (!outgoing)
		return SIP_OK;
	unsigned char nonce[16];
	char host[80], ip[64], req[512];
	if (RAND_bytes(nonce, sizeof nonce) != 1)
		return SIP_EIO;
	const char *a = sip_addr_ip(&c->peer, ip, sizeof ip);
	snprintf(host, sizeof host, strchr(a, ':') ? "[%s]:%d" : "%s:%d", a, sip_addr_port(&c->peer));
	size_t n = ws_request_print(host, nonce, req, sizeof req, w->accept);
	return tcp_conn_write(c, req, n);
}

static void ws_close(struct tcp_conn *c)
{
	struct ws_conn *w = c->framer_priv;
	if (!w)
		return;
	c->framer_priv = NULL;
	/* Messages that waited for a handshake that never ended: their
	 * transactions learn it like of any failed send. */
	for (size_t off = 0; off + sizeof(size_t) <= w->plen;) {
		size_t n;
		memcpy(&n, w->pend + off, sizeof n);
		off += sizeof n;
		tp_send_error(c->sock, &c->peer, w->pend + off, n);
		off += n;
	}
	sip_mem_free(w->pend);
	sip_mem_free(w->msg);
	sip_mem_free(w);
}

/* Hand one whole message up; buf[len] is ours to overwrite for the
 * parser's NUL. A text message must be UTF-8 (RFC 6455 §8.1): false,
 * after a close with 1007, when it is not. */
static bool ws_deliver(struct tcp_conn *c, uint8_t op, char *buf, size_t len)
{
	if (op == WS_OP_TEXT && !ws_utf8_valid(buf, len)) {
		char nm[96];
		LOG_INFO("%s: text message that is not UTF-8; closing", ws_name(c, nm, sizeof nm));
		ws_send_close(c, WS_CLOSE_BAD_DATA);
		return false;
	}
	char save = buf[len];
	buf[len] = '\0';
	tp_deliver(c->sock, &c->peer, buf, len);
	buf[len] = save;
	return true;
}

/* Append a fragment to the message in progress; false past the limit. */
static bool ws_append(struct ws_conn *w, const char *p, size_t n)
{
	if (w->mlen + n > WS_MAX_MSG)
		return false;
	if (w->mlen + n + 1 > w->mcap) {
		size_t cap = w->mcap ? w->mcap : 4096;
		while (cap < w->mlen + n + 1)
			cap *= 2;
		char *q = sip_mem_realloc(w->msg, cap);
		if (!q)
			return false;
		w->msg = q;
		w->mcap = cap;
	}
	memcpy(w->msg + w->mlen, p, n);
	w->mlen += n;
	return true;
}

/* The opening handshake; the bytes it took, 0 to wait, -1 to close. */
static long ws_handshake(struct tcp_conn *c, struct ws_conn *w, char *buf, size_t len)
{
	char nm[96];
	if (w->outgoing) {
		const char *why = NULL;
		long n = ws_response_parse(buf, len, w->accept, &why);
		if (n < 0) {
			LOG_WARN("%s: WebSocket handshake failed: %s; closing", ws_name(c, nm, sizeof nm), why);
			return -1;
		}
		if (n == 0)
			return 0;
		w->open = true;
		LOG_DEBUG("%s: WebSocket open", ws_name(c, nm, sizeof nm));
		for (size_t off = 0; off + sizeof(size_t) <= w->plen;) {
			size_t m;
			memcpy(&m, w->pend + off, sizeof m);
			off += sizeof m;
			if (ws_write_frame(c, WS_OP_TEXT, w->pend + off, m) != SIP_OK)
				return -1;
			off += m;
		}
		sip_mem_free(w->pend);
		w->pend = NULL;
		w->plen = w->pcap = 0;
		return n;
	}
	struct ws_request r;
	long n = ws_request_parse(buf, len, &r);
	if (n < 0) {
		LOG_INFO("%s: bad WebSocket handshake: %s; closing", ws_name(c, nm, sizeof nm), r.why);
		return -1;
	}
	if (n == 0)
		return 0;
	char out[512];
	size_t k = ws_response_print(&r, out, sizeof out);
	if (tcp_conn_write(c, out, k) != SIP_OK)
		return -1;
	if (r.status) {
		LOG_INFO("%s: WebSocket handshake refused with %d: %s; closing",
			 ws_name(c, nm, sizeof nm), r.status, r.why);
		return -1;
	}
	w->open = true;
	LOG_DEBUG("%s: WebSocket open", ws_name(c, nm, sizeof nm));
	return n;
}

static long ws_input(struct tcp_conn *c, char *buf, size_t len)
{
	struct ws_conn *w = c->framer_priv;
	size_t off = 0;
	char nm[96];
	if (!w->open) {
		long n = ws_handshake(c, w, buf, len);
		if (n <= 0)
			return n;
		off = (size_t)n;
	}
	while (off < len && !c->dead) {
		struct ws_frame f;
		long n = ws_frame_parse(buf + off, len - off, !w->outgoing, WS_MAX_MSG, &f);
		if (n == 0)
			break;
		if (n < 0) {
			if (n == WS_ETOOBIG)
				LOG_WARN("%s: %s; closing", ws_name(c, nm, sizeof nm), ws_frame_strerror(n));
			else
				LOG_INFO("%s: %s; closing", ws_name(c, nm, sizeof nm), ws_frame_strerror(n));
			ws_send_close(c, n == WS_ETOOBIG ? WS_CLOSE_TOO_BIG : WS_CLOSE_PROTOCOL);
			return -1;
		}
		off += (size_t)n;
		w->pinged = false;
		switch (f.opcode) {
		case WS_OP_TEXT:
		case WS_OP_BINARY:
			if (w->frag_op) {
				LOG_INFO("%s: a new message inside a fragmented one; closing",
					 ws_name(c, nm, sizeof nm));
				ws_send_close(c, WS_CLOSE_PROTOCOL);
				return -1;
			}
			if (f.fin) {
				if (!ws_deliver(c, f.opcode, f.payload, f.len))
					return -1;
				break;
			}
			w->frag_op = f.opcode;
			w->mlen = 0;
			/* fall through */
		case WS_OP_CONT:
			if (!w->frag_op) {
				LOG_INFO("%s: continuation frame without a message; closing",
					 ws_name(c, nm, sizeof nm));
				ws_send_close(c, WS_CLOSE_PROTOCOL);
				return -1;
			}
			if (!ws_append(w, f.payload, f.len)) {
				LOG_WARN("%s: message larger than %u bytes; closing",
					 ws_name(c, nm, sizeof nm), WS_MAX_MSG);
				ws_send_close(c, WS_CLOSE_TOO_BIG);
				return -1;
			}
			if (f.fin) {
				uint8_t op = w->frag_op;
				w->frag_op = 0;
				if (!ws_deliver(c, op, w->msg, w->mlen))
					return -1;
				w->mlen = 0;
			}
			break;
		case WS_OP_PING:
			if (ws_write_frame(c, WS_OP_PONG, f.payload, f.len) != SIP_OK)
				return -1;
			break;
		case WS_OP_PONG:
			break;
		case WS_OP_CLOSE:
			/* Echo the status code and close: the server side closes
			 * the TCP connection first (RFC 6455 §7.1.1). */
			LOG_DEBUG("%s: WebSocket closed by the peer", ws_name(c, nm, sizeof nm));
			if (!w->close_sent) {
				w->close_sent = true;
				ws_write_frame(c, WS_OP_CLOSE, f.payload, f.len >= 2 ? 2 : 0);
			}
			tcp_conn_close(c);
			return (long)off;
		}
	}
	return (long)off;
}

static int ws_send(struct tcp_conn *c, const char *buf, size_t len)
{
	struct ws_conn *w = ws_state(c);
	char nm[96];
	if (len > WS_MAX_MSG) {
		LOG_WARN("%s: cannot send a message larger than %u bytes", ws_name(c, nm, sizeof nm),
			 WS_MAX_MSG);
		return SIP_ETOOBIG;
	}
	if (!w || w->close_sent)
		return SIP_EIO;
	if (w->open)
		return ws_write_frame(c, WS_OP_TEXT, buf, len);
	if (!w->outgoing)
		return SIP_EIO;     /* no SIP before the client's handshake */
	/* A client holds what it sends until the server's 101. */
	if (w->plen + sizeof len + len > w->pcap) {
		size_t cap = w->pcap ? w->pcap : 4096;
		while (cap < w->plen + sizeof len + len)
			cap *= 2;
		if (cap > 1024u * 1024u)
			return SIP_ELIMIT;
		char *p = sip_mem_realloc(w->pend, cap);
		if (!p)
			return SIP_NOMEM;
		w->pend = p;
		w->pcap = cap;
	}
	memcpy(w->pend + w->plen, &len, sizeof len);
	memcpy(w->pend + w->plen + sizeof len, buf, len);
	w->plen += sizeof len + len;
	return SIP_OK;
}

/* An idle connection gets a ping instead of being closed (a browser
 * answers pings by itself, so a registered client that sends nothing
 * stays reachable); one still quiet a period after the ping is closed. */
static bool ws_idle(struct tcp_conn *c)
{
	struct ws_conn *w = c->framer_priv;
	if (!w || !w->open || w->close_sent || w->pinged)
		return false;
	if (ws_write_frame(c, WS_OP_PING, "keepalive", 9) != SIP_OK)
		return false;
	w->pinged = true;
	return true;
}

static const struct tcp_framer ws_framer = { ws_open, ws_input, ws_send, ws_close, ws_idle };

static int ws_listen(sip_loop *loop, const sip_addr *addr, sip_socket **out)
{
	return tcp_listen_framed(loop, addr, out, &tp_ws, NULL, &ws_framer);
}

static int wss_listen(sip_loop *loop, const sip_addr *addr, sip_socket **out)
{
	const struct tcp_io *io = tls_stream_io();
	if (!io) {
		errno = EINVAL;
		return SIP_EINVAL;
	}
	return tcp_listen_framed(loop, addr, out, &tp_wss, io, &ws_framer);
}

const sip_transport tp_ws = {
	.name = "ws", .via_name = "WS", .reliable = true, .caps = TP_CAP_FLOW,
	.listen = ws_listen, .send = tcp_send_io, .close = tcp_close_sock,
};

const sip_transport tp_wss = {
	.name = "wss", .via_name = "WSS", .reliable = true,
	.caps = TP_CAP_FLOW | TP_CAP_SECURE,
	.listen = wss_listen, .send = tcp_send_io, .close = tcp_close_sock,
};

/* ---- flow tokens ---- */

static unsigned char flow_key[32];
static bool flow_key_set;
static pthread_once_t flow_key_once = PTHREAD_ONCE_INIT;

static void flow_key_make(void)
{
	flow_key_set = RAND_bytes(flow_key, sizeof flow_key) == 1;
}

/* The signature of "IP~PORT": 16 hex digits of HMAC-SHA-256 under a key
 * made once, by the first worker that signs or checks a token. */
static bool flow_sign(const char *s, size_t n, char out[17])
{
	pthread_once(&flow_key_once, flow_key_make);
	if (!flow_key_set)
		return false;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (!HMAC(EVP_sha256(), flow_key, sizeof flow_key, (const unsigned char *)s, n, md, &mdlen))
		return false;
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 8; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[16] = '\0';
	return true;
}

size_t tp_flow_token(const sip_addr *peer, char *out, size_t sz)
{
	char ip[64], sig[17];
	const char *a = sip_addr_ip(peer, ip, sizeof ip);
	int n = snprintf(out, sz, strchr(a, ':') ? "[%s]~%d" : "%s~%d", a, sip_addr_port(peer));
	if (n < 0 || (size_t)n + 18 > sz || !flow_sign(out, (size_t)n, sig))
		return 0;
	out[n] = '~';
	memcpy(out + n + 1, sig, 17);
	return (size_t)n + 17;
}

int tp_flow_parse(sip_str tok, sip_addr *peer)
{
	char sig[17];
	if (tok.len < 20 || tok.len > 96 || tok.s[tok.len - 17] != '~')
		return SIP_EINVAL;
	size_t body = tok.len - 17;
	if (!flow_sign(tok.s, body, sig) || memcmp(sig, tok.s + body + 1, 16) != 0)
		return SIP_EINVAL;
	const char *t = memchr(tok.s, '~', body);
	if (!t)
		return SIP_EINVAL;
	int port = 0;
	for (const char *p = t + 1; p < tok.s + body; p++) {
		if (*p < '0' || *p > '9' || port > 65535)
			return SIP_EINVAL;
		port = port * 10 + (*p - '0');
	}
	if (port < 1 || port > 65535)
		return SIP_EINVAL;
	return sip_addr_from_ip(peer, sip_str_make(tok.s, (size_t)(t - tok.s)), port);
}
