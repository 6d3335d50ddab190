/* Trunks (OpenSIPS uac and uac_registrant): the proxy presenting itself to
 * an upstream provider or gateway.
 *
 *  - uac_replace_from/to: an initial request leaves with another From or
 *    To (display name and URI; the parameters, the tag first, stay). The
 *    original goes back upstream in every reply, and the later requests
 *    of the dialog are rewritten both ways: those of the caller leave
 *    with the new identities, those of the callee reach the caller with
 *    the original ones. What the later requests need is carried in the
 *    proxy's own Record-Route entry (parameters uacf, uact: the dialog's
 *    From tag, the original and the new name-addr, base64url), so no
 *    dialog state is needed and a restarted proxy still restores. A
 *    dialog that is not record-routed does not pass the proxy again:
 *    only the replies of its first transaction are restored.
 *  - uac_auth: a 401/407 of an upstream is answered with the credentials
 *    of a trunk (the trunk table) and the request relayed again with its
 *    CSeq one higher (RFC 3261 §22.2). Replies go back with the caller's
 *    CSeq; when the dialog is record-routed the shift is kept in the
 *    Record-Route (uacs) and applied to the caller's later requests. An
 *    INVITE that is not record-routed keeps its CSeq (its ACK for a 2xx
 *    would not reach the proxy to be shifted), as OpenSIPS does without a
 *    dialog.
 *  - registrations to the trunks that have a registrar (uac_reg.c).
 *
 * uac_hdr.c (the header rewriting and what the Record-Route carries),
 * uac_digest.c (the client side of digest) and uac_trunk.c (the table)
 * have no proxy dependency and are unit tested; uac_fn.c holds the policy
 * functions and the module's hooks. */
#ifndef SIPCC_UAC_UAC_H
#define SIPCC_UAC_UAC_H

#include <stdbool.h>
#include <stdint.h>
#include "core/arena.h"
#include "core/str.h"
#include "db/db.h"
#include "db/db_cache.h"
#include "sip/msg.h"

/* ---- header rewriting (uac_hdr.c) ---- */

/* The name-addr part of a From or To value: from its start to the end of
 * the address ('>' included), without the header parameters. */
sip_str uac_naddr_part(const sip_naddr *n);

/* A name-addr for display and uri: "<uri>" when display is empty, else
 * the display name quoted (a quoted one is taken as it is). keep, when not
 * NULL, is a name-addr whose display name is kept instead (the _uri forms).
 * Empty on a uri that is not a SIP/SIPS/tel URI or has CR, LF, '<' or '>',
 * or a display name with CR or LF. In a. */
sip_str uac_naddr_make(sip_arena *a, sip_str display, sip_str uri, const sip_naddr *keep);

/* Replace the name-addr part of m's From (SIP_HDR_FROM) or To
 * (SIP_HDR_TO) with naddr (kept: it must outlive the build). SIP_OK,
 * SIP_EINVAL (no such header, or it is edited already). */
int uac_hdr_set(sip_msg *m, int type, sip_str naddr);
/* Replace the number of m's CSeq with num. */
int uac_cseq_set(sip_msg *m, uint32_t num, sip_arena *a);

/* base64url without padding, and back (false on a bad character). */
sip_str uac_b64_encode(sip_arena *a, sip_str in);
bool uac_b64_decode(sip_arena *a, sip_str in, sip_str *out);

/* The value of parameter name in a ';'-separated parameter list (a URI's
 * params); false when it is absent. */
bool uac_param(sip_str params, const char *name, sip_str *val);

/* What the proxy's Record-Route entry of a dialog carries. */
struct uac_rr {
	sip_str ftag;           /* the From tag of the dialog's first request */
	bool from, to;          /* uacf, uact present */
	sip_str from_orig, from_new, to_orig, to_new;
	unsigned shift;         /* uacs: the caller's CSeq goes up by this */
};

/* The key sealing the identities the Record-Route carries (the setting
 * uac.restore_key; empty: base64url only, readable by the endpoints). */
void uac_rr_key_set(sip_str key);
/* The Record-Route parameter ("uacf=..." / "uact=...") for a replaced
 * From or To: the dialog's From tag, the original name-addr and the new
 * one. */
sip_str uac_rr_ident(sip_arena *a, bool to, sip_str ftag, sip_str orig, sip_str repl);
/* The parameter for a CSeq shift ("uacs=N.TAG"). */
sip_str uac_rr_shift(sip_arena *a, unsigned shift, sip_str ftag);
/* Read what the parameters of one Route URI carry into *rr (merged with
 * what is there already); false when they carry nothing of ours or
 * something unreadable. */
bool uac_rr_read(sip_arena *a, sip_str params, struct uac_rr *rr);

/* The module's state of one call (a transaction and its routes): what
 * the replies going upstream get back, what was replaced. */
struct uac_call {
	sip_str from_reply;     /* name-addr the From of replies gets; empty: as is */
	sip_str to_reply;
	bool cseq_fix;          /* replies get CSeq cseq back */
	uint32_t cseq;
	unsigned auth_shift;    /* uac_auth: times the CSeq went up on this request */
	unsigned auth_count;    /* uac_auth: challenges answered on this request */
	sip_str auth_realm;     /* uac_auth: the realm it answered last */
	bool from_done, to_done;/* uac_replace_* ran on this request */
	sip_str trunk;          /* is_from_trunk(): the trunk's name */
};

/* A later request m of a dialog whose Route brought rr: rewrite From, To
 * and CSeq for its direction (the From tag tells which) and say in *st
 * what its replies get back. Edits of m; strings in a. SIP_OK or an edit
 * error. */
int uac_dialog_apply(sip_msg *m, const struct uac_rr *rr, struct uac_call *st, sip_arena *a);
/* A reply going upstream: From, To and CSeq as st says. */
int uac_reply_restore(sip_msg *resp, const struct uac_call *st, sip_arena *a);

/* ---- digest, the client side (uac_digest.c) ---- */

/* One Digest challenge of a WWW-Authenticate or Proxy-Authenticate. */
struct uac_chal {
	sip_str realm, nonce, opaque;
	bool sha256;            /* algorithm=SHA-256 (else MD5) */
	bool qop_auth;          /* qop offers "auth" */
	bool stale;
};

/* Parse one header value; false when it is not a Digest challenge with a
 * realm and a nonce, or names an algorithm other than MD5 and SHA-256
 * (or a qop without "auth"). */
bool uac_chal_parse(sip_str value, struct uac_chal *c);

/* The whole credentials line ("Authorization: Digest ...\r\n", or
 * "Proxy-Authorization: ..." when proxy) answering c for method and
 * uri with user and password; cnonce is used when c asks for qop=auth
 * (nc 00000001). Empty without memory. */
sip_str uac_auth_line(sip_arena *a, bool proxy, const struct uac_chal *c, sip_str user,
		      sip_str password, sip_str method, sip_str uri, sip_str cnonce);

/* ---- the trunk table (uac_trunk.c) ---- */

#define UAC_NAME_MAX 64

typedef struct uac_trunk {
	int64_t id;
	sip_str name, realm, username, password;
	sip_str registrar, aor, contact;    /* registrar empty: no registration */
	int expires;
	sip_str reg_host;       /* the registrar URI's host, lowercased */
	struct uac_trunk *next; /* in id order */
} uac_trunk;

/* The module's cache of the trunk table (made on first use). */
db_cache *uac_trunk_table(void);
/* Load now on the caller's thread (tests, tools). */
int uac_trunk_refresh(db *d);
void uac_trunk_cache_clear(void);
/* The trunks of the snapshot in use, in id order (NULL: none). */
const uac_trunk *uac_trunks(void);
unsigned uac_trunk_count(void);
/* The trunk called name; NULL when none. */
const uac_trunk *uac_trunk_by_name(sip_str name);
/* The trunk whose credentials answer a challenge of realm for a request
 * to host: the trunks of that realm (or of realm ''), one whose registrar
 * host is host first, else the lowest id. NULL when none. */
const uac_trunk *uac_trunk_for_realm(sip_str realm, sip_str host);
/* Called on the loop when a new snapshot is in use (the registrations
 * follow the table). */
extern void (*uac_trunk_on_loaded)(void);
/* Whether s is a trunk name sipcc-ctl accepts: 1 to UAC_NAME_MAX letters,
 * digits, '_', '-' and '.'. */
bool uac_name_valid(sip_str s);

/* ---- registrations (uac_reg.c) ---- */

struct sip_timer_wheel;
/* Start: settings, the control command, registrations once the table is
 * loaded. */
void uac_reg_init(struct sip_timer_wheel *w);
void uac_reg_destroy(void);
/* The trunk a request from src_ip:src_port to ruri_user comes from
 * (is_from_trunk): the registrar's address and port, or the user of the
 * Contact registered there while the registration is up; NULL when none. */
const uac_trunk *uac_reg_match(sip_str src_ip, int src_port, sip_str ruri_user);

#endif
