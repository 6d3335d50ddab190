/* SIP messages: a zero-copy parser and a serializer with edits.
 *
 * sip_msg_parse() splits the start line and the header lines of a datagram
 * (or one framed TCP message), classifies each header by name (compact forms
 * included), and eagerly parses only what every message needs for routing
 * and transaction matching: the top Via, CSeq, Call-ID, the From and To tags,
 * Max-Forwards and Content-Length. All other header values are parsed
 * lazily through the accessors below, on first access. Every sip_str points
 * into the received buffer or the message arena; nothing is copied.
 *
 * Edits (insert / delete / replace at byte offsets of the original buffer)
 * are recorded on the message and applied once by sip_msg_build(), so
 * forwarding a request is one pass over the buffer. */
#ifndef SIPCC_SIP_MSG_H
#define SIPCC_SIP_MSG_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include "core/str.h"
#include "core/arena.h"

enum sip_method {
	SIP_METHOD_UNKNOWN = 0,
	SIP_METHOD_INVITE = 1,
	SIP_METHOD_ACK = 2,
	SIP_METHOD_BYE = 3,
	SIP_METHOD_CANCEL = 4,
	SIP_METHOD_REGISTER = 5,
	SIP_METHOD_OPTIONS = 6,
	SIP_METHOD_INFO = 7,
	SIP_METHOD_UPDATE = 8,
	SIP_METHOD_PRACK = 9,
	SIP_METHOD_SUBSCRIBE = 10,
	SIP_METHOD_NOTIFY = 11,
	SIP_METHOD_MESSAGE = 12,
	SIP_METHOD_REFER = 13,
	SIP_METHOD_PUBLISH = 14,
};

/* Method from its token (case-sensitive, RFC 3261 §7.1); UNKNOWN otherwise. */
enum sip_method sip_method_from_str(sip_str s);
const char *sip_method_name(enum sip_method m);

enum sip_hdr_type {
	SIP_HDR_OTHER = 0,
	SIP_HDR_VIA,
	SIP_HDR_FROM,
	SIP_HDR_TO,
	SIP_HDR_CALL_ID,
	SIP_HDR_CSEQ,
	SIP_HDR_CONTACT,
	SIP_HDR_MAX_FORWARDS,
	SIP_HDR_ROUTE,
	SIP_HDR_RECORD_ROUTE,
	SIP_HDR_CONTENT_LENGTH,
	SIP_HDR_CONTENT_TYPE,
	SIP_HDR_EXPIRES,
	SIP_HDR_AUTHORIZATION,
	SIP_HDR_PROXY_AUTHORIZATION,
	SIP_HDR_WWW_AUTHENTICATE,
	SIP_HDR_PROXY_AUTHENTICATE,
	SIP_HDR_USER_AGENT,
	SIP_HDR_SUPPORTED,
	SIP_HDR_REQUIRE,
	SIP_HDR_PROXY_REQUIRE,
	SIP_HDR_UNSUPPORTED,
	SIP_HDR_ALLOW,
	SIP_HDR_PATH,
	SIP_HDR_EVENT,
	SIP_HDR_CONTENT_ENCODING,
	SIP_HDR__COUNT
};

typedef struct sip_hdr {
	enum sip_hdr_type type;
	sip_str name;               /* as written (may be compact, any case) */
	sip_str body;               /* value, leading/trailing LWS trimmed */
	sip_str raw;                /* whole header line including its CRLF */
	struct sip_hdr *next;       /* next header in message order */
	struct sip_hdr *next_same;  /* next header of the same type */
	void *parsed;               /* lazily parsed value (type-specific) */
} sip_hdr;

/* RFC 3261 §19.1 SIP/SIPS URI (other schemes: scheme + opaque rest). */
typedef struct sip_uri {
	sip_str scheme;     /* "sip", "sips", "tel", ... */
	sip_str user;       /* may contain escapes, as written */
	sip_str password;
	sip_str host;       /* IPv6 references keep their brackets */
	sip_str port_str;
	int port;           /* 0 when absent */
	sip_str params;     /* everything after the first ';' up to '?' (no leading ';') */
	sip_str headers;    /* after '?' */
	sip_str transport;  /* value of transport= */
	sip_str maddr;
	bool lr;            /* ;lr present */
	bool is_sip;        /* sip: or sips: */
	bool secure;        /* sips: */
	sip_str opaque;     /* everything after "scheme:" (any scheme) */
} sip_uri;

/* Parse a URI (no surrounding <>). SIP_OK or SIP_EPARSE. */
int sip_uri_parse(sip_str s, sip_uri *out);
/* The user and host of what a policy passes for a subscriber: a SIP or
 * SIPS URI ("sip:alice@example.com;user=phone", in <> or not, as $fu and
 * $ru give it) or a bare "alice@example.com" (its host ends at ';', ':'
 * or '>'). Slices of s; false when it names no user or no host. */
bool sip_user_host_parse(sip_str s, sip_str *user, sip_str *host);

/* One Via value (a header may hold several, comma-separated). */
typedef struct sip_via {
	sip_str proto;      /* "SIP/2.0" */
	sip_str transport;  /* "UDP", "TCP", "TLS", "WS", ... */
	sip_str host;
	int port;           /* 0 when absent */
	sip_str branch;
	sip_str received;
	sip_str rport;      /* value; empty with has_rport for a bare ;rport */
	bool has_rport;
	sip_str params;
	sip_str raw;        /* this Via value in the buffer */
	sip_hdr *hdr;       /* header it came from */
	struct sip_via *next;
} sip_via;

/* name-addr / addr-spec with parameters: From, To, Contact, Route, RR. */
typedef struct sip_naddr {
	sip_str display;
	sip_str uri_str;    /* inside <> when present */
	sip_uri uri;
	sip_str tag;        /* tag= parameter */
	sip_str params;     /* header parameters after the URI (no leading ';') */
	sip_str raw;        /* the whole value */
	bool star;          /* Contact: * */
	struct sip_naddr *next;  /* next comma-separated value */
} sip_naddr;

typedef struct sip_cseq {
	uint32_t num;
	sip_str method_str;
	enum sip_method method;
} sip_cseq;

typedef struct sip_edit sip_edit;

typedef struct sip_msg {
	sip_arena *arena;           /* where everything of this message lives */
	const char *buf;            /* the received bytes (not owned) */
	size_t len;
	bool is_request;

	/* request line */
	enum sip_method method;
	sip_str method_str;
	sip_str ruri_str;
	/* status line */
	int status;
	sip_str reason;
	sip_str version;            /* "SIP/2.0" */

	sip_hdr *hdrs;              /* all headers in order */
	sip_hdr *first[SIP_HDR__COUNT];
	size_t hdr_count;
	size_t hdrs_end;            /* offset of the empty line ending the headers */
	sip_str body;

	/* eagerly parsed */
	sip_via *via1;              /* top Via */
	sip_cseq cseq;
	sip_str callid;
	sip_str from_tag;
	sip_str to_tag;
	int max_forwards;           /* -1 when absent */
	long content_length;        /* -1 when absent */

	/* lazily parsed (use the accessors) */
	sip_uri *ruri_parsed;
	sip_naddr *from_parsed, *to_parsed;
	struct sip_sdp *sdp;        /* sip_msg_sdp() (sip/sdp.h) */
	int sdp_status;
	bool sdp_done;

	/* edits for the serializer */
	sip_edit *edits;
	unsigned n_edits, cap_edits;

	const char *error;          /* why the parse failed (static text) */
} sip_msg;

/* Limits applied by the parser. */
#define SIP_MAX_MSG_SIZE   65535
#define SIP_MAX_HEADERS    256

/* The limits in force, at most the constants above; the proxy sets them
 * from the policy's "use limits { ... }" at start-up. A message longer
 * than max_msg_size is still parsed (so a 513 can be built) and gets
 * SIP_ETOOBIG; one with more header lines than max_headers SIP_ELIMIT. */
struct sip_limits {
	size_t max_msg_size;
	unsigned max_headers;
};
extern struct sip_limits sip_limits;

/* Parse buf[0..len) into *msg, allocating from arena. The buffer must
 * outlive the message. Returns SIP_OK, SIP_EPARSE (msg->error says why) or
 * SIP_ETOOBIG / SIP_ELIMIT (sip_limits). On SIP_EPARSE of a request whose start line and
 * Via, From, To, Call-ID and CSeq could be read, msg->is_request and those
 * fields are filled so a 400 can still be built. */
int sip_msg_parse(sip_arena *arena, const char *buf, size_t len, sip_msg *msg);

/* For stream transports: how many bytes of buf form one complete message
 * (headers + Content-Length body), SIP_EINCOMPLETE when more is needed, or
 * SIP_EPARSE. */
long sip_msg_frame(const char *buf, size_t len);

/* Lazy accessors; NULL when absent or malformed. */
sip_uri *sip_msg_ruri(sip_msg *msg);
sip_naddr *sip_msg_from(sip_msg *msg);
sip_naddr *sip_msg_to(sip_msg *msg);
/* All Via values in order (parses the rest on first call). */
sip_via *sip_msg_vias(sip_msg *msg);
/* Parse a name-addr list header (Contact, Route, Record-Route...). */
sip_naddr *sip_hdr_naddrs(sip_msg *msg, sip_hdr *h);
/* First header with this name (case-insensitive, compact forms honoured). */
sip_hdr *sip_msg_find_hdr(sip_msg *msg, sip_str name);

/* ---- edits and serialization ---- */
struct sip_edit {
	size_t off;      /* offset in msg->buf */
	size_t del;      /* bytes of the original to remove from off */
	sip_str ins;     /* bytes to insert at off (must outlive the build) */
};

/* Record an edit. Edits may not overlap (SIP_EINVAL). */
int sip_msg_edit(sip_msg *msg, size_t off, size_t del, sip_str ins);
static inline int sip_msg_insert(sip_msg *m, size_t off, sip_str s) { return sip_msg_edit(m, off, 0, s); }
static inline int sip_msg_delete(sip_msg *m, size_t off, size_t n) { return sip_msg_edit(m, off, n, SIP_STR_NULL); }
/* Offset of a pointer into the buffer. */
static inline size_t sip_msg_off(const sip_msg *m, const char *p) { return (size_t)(p - m->buf); }
/* Remove a whole header line. */
int sip_msg_remove_hdr(sip_msg *msg, sip_hdr *h);
/* Remove the top Via value (the whole header line if it was its only value). */
int sip_msg_remove_via1(sip_msg *msg);
/* Offset where new headers go first (start of the first header line). */
size_t sip_msg_hdrs_start(const sip_msg *msg);

/* The body as the edits recorded so far make it (msg->body when none
 * touches it; else a copy in the message arena); {NULL, 0} without memory. */
sip_str sip_msg_body_current(sip_msg *msg);
/* Replace the body with body (not copied: it must outlive the build),
 * folding in the earlier edits of the body, and set Content-Length to
 * match (one is added when the message had none). SIP_OK, SIP_NOMEM,
 * SIP_EINVAL when another edit overlaps Content-Length. */
int sip_msg_set_body(sip_msg *msg, sip_str body);

/* Apply the edits and write the message to out; returns the length, or
 * SIP_ETOOBIG when outsz is too small. When the body changes size, the
 * caller edits Content-Length itself. */
long sip_msg_build(const sip_msg *msg, char *out, size_t outsz);

/* ---- checks and stateless replies ---- */

/* The checks a proxy runs on a request after a successful parse. Returns 0
 * to accept it, or the status code to reply with: 505 (version other than
 * SIP/2.0), 400 (a mandatory header missing or repeated, CSeq method
 * mismatch, malformed Request-URI or one with headers), 416 (Request-URI
 * scheme other than sip/sips/tel), 420 (Proxy-Require present; *unsupported,
 * when not NULL, is set to the option tags for the Unsupported header).
 * Max-Forwards (483) is left to the policy. */
int sip_msg_check_request(sip_msg *msg, sip_str *unsupported);

/* Whether a proxy may process a parsed response; false means drop it
 * (status outside 100..699, version other than SIP/2.0, missing or repeated
 * mandatory headers, a Via with a broadcast or multicast address). */
bool sip_msg_check_response(sip_msg *msg);

/* Build a stateless reply to req into out: status line, all Via headers
 * (the top one with received= and rport= set from src_ip/src_port when
 * those are given), From, To (with ";tag=" to_tag appended when the request
 * has no To tag and code > 100), Call-ID, CSeq, extra_hdrs (complete header
 * lines; a missing final CRLF is added) and "Content-Length: 0". Also works
 * on a request whose parse failed after the start line, with the headers
 * that were read, so a 400 can be sent. Returns the length, SIP_EINVAL (not
 * a request, code outside 100..699) or SIP_ETOOBIG. */
long sip_msg_build_reply(const sip_msg *req, int code, sip_str reason, sip_str to_tag,
			 sip_str extra_hdrs, sip_str src_ip, int src_port,
			 char *out, size_t outsz);

#endif
