/* SDP (RFC 4566) session descriptions: a zero-copy parser.
 *
 * sip_sdp_parse() splits a body into its session section and media
 * sections and reads the lines a proxy routes or rewrites on: v, o, s, c,
 * t and m, and every a= line as a (name, value) attribute. Every sip_str
 * points into the body, so an offset into the message buffer is
 * (s.s - msg->buf): the NAT and media-relay code rewrites addresses and
 * ports through message edits. What only some callers need is read later,
 * from the attribute slices: rtpmap (sip_sdp_rtpmap_find), the formats of an m=
 * line (sip_sdp_fmt_next), ICE candidates (attributes named "candidate").
 *
 * sip_msg_sdp() parses the body of a message on first use and keeps the
 * result on the message, like the lazy header accessors.
 *
 * Garbage gets SIP_EPARSE with a static reason, never an out-of-bounds
 * read: every scan is bounded by the body. */
#ifndef SIPCC_SIP_SDP_H
#define SIPCC_SIP_SDP_H

#include <stdbool.h>
#include "core/arena.h"
#include "core/str.h"
#include "sip/msg.h"

/* Bounds on what one description may hold (SIP_ELIMIT beyond them). */
#define SIP_SDP_MAX_MEDIA  64
#define SIP_SDP_MAX_ATTRS  1024

enum sip_sdp_dir {
	SIP_SDP_SENDRECV = 0,       /* the default (RFC 4566 §6) */
	SIP_SDP_SENDONLY,
	SIP_SDP_RECVONLY,
	SIP_SDP_INACTIVE,
};

/* c=<nettype> <addrtype> <connection-address> */
typedef struct sip_sdp_conn {
	sip_str nettype;            /* "IN" */
	sip_str addrtype;           /* "IP4", "IP6" */
	sip_str addr;               /* the address, without a /ttl or /count suffix */
	sip_str raw;                /* the value after "c=" */
	bool present;
} sip_sdp_conn;

/* a=<name>[:<value>] */
typedef struct sip_sdp_attr {
	sip_str name;
	sip_str value;              /* empty for a property attribute */
	bool has_value;
	sip_str line;               /* the whole line including its line end */
	struct sip_sdp_attr *next;
} sip_sdp_attr;

/* m=<media> <port>[/<count>] <proto> <fmt> ... and the lines after it. */
typedef struct sip_sdp_media {
	sip_str type;               /* "audio", "video", "application", ... */
	sip_str port_str;           /* the port as written (for rewriting) */
	int port;
	int nports;                 /* 1 unless "/count" */
	sip_str proto;              /* "RTP/AVP", "UDP/TLS/RTP/SAVPF", ... */
	sip_str fmts;               /* the format list, space-separated */
	sip_sdp_conn conn;          /* the media's c= line, if any */
	sip_sdp_attr *attrs;        /* in order */
	unsigned n_attrs;
	enum sip_sdp_dir dir;       /* effective: the media's, else the session's */
	sip_str section;            /* from "m=" to the end of the section */
	struct sip_sdp_media *next;
} sip_sdp_media;

typedef struct sip_sdp {
	sip_str version;            /* "0" */
	/* o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address> */
	sip_str o_user, o_sess_id, o_sess_version, o_nettype, o_addrtype, o_addr;
	sip_str session_name;       /* s= (may be " " or "-") */
	sip_sdp_conn conn;          /* session-level c= */
	sip_str timing;             /* the first t= value */
	sip_sdp_attr *attrs;        /* session-level attributes */
	unsigned n_attrs;
	enum sip_sdp_dir dir;       /* session-level direction */
	sip_sdp_media *media;
	unsigned n_media;
	sip_str body;
} sip_sdp;

/* a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>] */
typedef struct sip_sdp_rtpmap {
	unsigned pt;
	sip_str encoding;
	unsigned clock_rate;
	sip_str params;             /* channels for audio; empty when absent */
} sip_sdp_rtpmap;

/* Parse body into *out, allocated from a. SIP_OK, SIP_EPARSE (*err, when
 * not NULL, says why), SIP_ELIMIT or SIP_NOMEM. */
int sip_sdp_parse(sip_arena *a, sip_str body, sip_sdp **out, const char **err);

/* The SDP body of msg, parsed on first call; NULL when the message has no
 * application/sdp body (Content-Type absent or another type, empty body)
 * or it does not parse (*status, when not NULL, says which: SIP_ENOTFOUND
 * or the parse status). multipart bodies are not looked into. */
sip_sdp *sip_msg_sdp(sip_msg *msg, int *status);

/* The connection of a media section: its own c= line, else the session's;
 * NULL when neither has one. */
const sip_sdp_conn *sip_sdp_media_conn(const sip_sdp *sdp, const sip_sdp_media *m);

/* The first media section of this type ("audio"); NULL when none. */
sip_sdp_media *sip_sdp_find_media(const sip_sdp *sdp, const char *type);

/* The first attribute called name in a list (case-sensitive, as RFC 4566
 * attribute names are); NULL when none. Pass the previous result's next
 * to find the following ones. */
sip_sdp_attr *sip_sdp_attr_find(sip_sdp_attr *list, const char *name);

/* Iterate over the formats of an m= line: *pos starts at 0; each call sets
 * *fmt to the next one and returns true, false at the end. */
bool sip_sdp_fmt_next(const sip_sdp_media *m, size_t *pos, sip_str *fmt);

/* The rtpmap of payload type pt in a media section: SIP_OK,
 * SIP_ENOTFOUND or SIP_EPARSE (a malformed rtpmap line for pt). */
int sip_sdp_rtpmap_find(const sip_sdp_media *m, unsigned pt, sip_sdp_rtpmap *out);

/* "sendrecv", "sendonly", "recvonly", "inactive". */
const char *sip_sdp_dir_name(enum sip_sdp_dir d);

#endif
