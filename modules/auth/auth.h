/* Digest authentication for SIP (RFC 3261 §22, RFC 2617, RFC 7616 with
 * SHA-256 as RFC 8760 allows), against the subscriber table.
 *
 * Nonces are verifiable without state: "TTTTTTTTSSSSSSSS" (issue time and a
 * sequence number, hex) followed by an HMAC-SHA256 of both under a secret
 * drawn at start-up, or derived from auth.secret so that the proxies of a
 * cluster accept each other's nonces. A nonce older than auth_conf.nonce_expire seconds is
 * stale (the client retries with the new one without asking its user).
 * Replays: the sequence number selects a slot of a fixed table remembering
 * the highest nonce-count seen, so each nc is accepted once; a nonce whose
 * slot has been reused by a newer one is treated as stale. The table and
 * the sequence are shared by every worker (atomic words): a challenge
 * issued on one worker is answered on any. With a cluster store
 * (cluster.store) the nonce-counts are kept there instead, so that a
 * count is accepted once over all the proxies (auth_fn.c).
 *
 * The digest functions are pure and testable without a proxy; the policy
 * functions (auth_fn.c) tie them to a message and the database. */
#ifndef SIPCC_AUTH_AUTH_H
#define SIPCC_AUTH_AUTH_H

#include <stdbool.h>
#include <stdint.h>
#include "core/arena.h"
#include "core/str.h"

enum auth_alg { AUTH_MD5, AUTH_SHA256 };

/* Hex digest lengths. */
#define AUTH_HEX_MAX 64

#define AUTH_NALGS 2

struct auth_conf {
	unsigned nonce_expire;    /* seconds; default 30 */
	/* The algorithms challenges offer, in order (default MD5 alone); only
	 * credentials computed with one of them are accepted. */
	enum auth_alg algs[AUTH_NALGS];
	unsigned n_algs;
};
extern struct auth_conf auth_conf;

/* Parse a comma-separated list of algorithm names ("MD5", "SHA-256",
 * case ignored, blanks around items allowed, each at most once) into
 * algs; returns how many, 0 when the list is empty or has an unknown or
 * repeated name. */
unsigned auth_algs_parse(const char *s, enum auth_alg algs[AUTH_NALGS]);
/* "MD5" or "SHA-256". */
const char *auth_alg_name(enum auth_alg alg);
/* Whether challenges offer alg. */
bool auth_alg_offered(enum auth_alg alg);

/* The parameters of one Digest credentials value (RFC 2617 §3.2.2). */
struct auth_creds {
	sip_str username, realm, nonce, uri, response, algorithm, cnonce, opaque, qop, nc;
	enum auth_alg alg;
	uint32_t nc_val;
};

/* Parse "Digest k=v, k="v", ..." into c. False when the scheme is not
 * Digest, a value is malformed, a required parameter (username, realm,
 * nonce, uri, response) is missing, the algorithm is unknown, or qop=auth
 * comes without cnonce and nc. */
bool auth_creds_parse(sip_str hdr_body, struct auth_creds *c);
/* The next auth-param of a Digest credentials or challenge value at *pp
 * (RFC 7235 §2.1: name=token or name="quoted string", the quotes off and
 * escapes left, separated by commas): 1 with *name and *val and *pp past
 * it, 0 at the end, -1 when malformed. The uac module reads challenges
 * with it. */
int auth_param_next(const char **pp, const char *end, sip_str *name, sip_str *val);
/* The hex of the hash (alg) of parts joined by ':', how every digest
 * input is formed, into out (AUTH_HEX_MAX + 1 bytes); its length. */
size_t auth_hash_parts(enum auth_alg alg, const sip_str *parts, size_t n, char *out);
/* Whether the Authorization or Proxy-Authorization value hdr_body is for
 * this proxy: its nonce is one this proxy issued (stale or not), or
 * realm_ours says its realm is one of the proxy's domains. */
bool auth_creds_for_us(sip_str hdr_body, bool (*realm_ours)(sip_str realm));

/* hex(H(data)) for the algorithm into out (NUL-terminated); returns its
 * length (32 or 64). */
size_t auth_hash_hex(enum auth_alg alg, const char *data, size_t len, char *out);
/* HA1 = H(user:realm:password). */
size_t auth_ha1(enum auth_alg alg, sip_str user, sip_str realm, sip_str password, char *out);
/* The expected response for the credentials c of a request with method
 * and the given HA1 (hex). */
size_t auth_response(enum auth_alg alg, sip_str ha1, sip_str method, const struct auth_creds *c,
		     char *out);

/* ---- nonces ---- */

#define AUTH_NONCE_LEN 48
#define AUTH_NC_SLOTS  65536u

/* Draw the secret and clear the nonce-count table (once per process). */
void auth_nonce_init(void);
/* The same with the secret derived from a passphrase (SHA-256 of it; NULL
 * or "": drawn), so proxies given the same one issue and accept each
 * other's nonces. With shared_nc the nonce-counts are not kept here (the
 * slots): auth_nonce_check() does not look at them, the caller checks
 * the count in the cluster's store, and sequence numbers are drawn at
 * random rather than counted. */
void auth_nonce_init_shared(const char *secret, bool shared_nc);
/* Free what the calling thread keeps for making and checking nonces (a
 * thread that made or checked one calls it before it ends). */
void auth_nonce_thread_done(void);
/* A new nonce issued at now into out (AUTH_NONCE_LEN chars and a NUL). */
void auth_nonce_make(int64_t now, char out[AUTH_NONCE_LEN + 1]);

enum auth_nonce_check {
	AUTH_NONCE_OK,
	AUTH_NONCE_BAD,       /* not ours (bad format or HMAC) */
	AUTH_NONCE_STALE,     /* ours but expired, or its slot was reused */
};
/* Check a nonce's form, HMAC and age; *seq receives its sequence number. */
enum auth_nonce_check auth_nonce_check(sip_str nonce, int64_t now, uint32_t *seq);
/* Record nonce-count nc for the nonce with sequence seq; false when nc is
 * not above every nc seen for it (a replay), or its slot was reused. */
bool auth_nc_accept(uint32_t seq, uint32_t nc);

/* ---- per-message state and accessors ---- */

/* What the auth functions learned about one message (the auth module's
 * slot of its context, proxy_ctx_slot). */
struct sip_hdr;
struct auth_ctx {
	bool stale;               /* the last check found a stale nonce */
	bool db_error;            /* the last check could not be made (AUTH_ERROR):
				   * the challenge functions answer 503 */
	bool disabled;            /* the last check found good credentials of a
				   * disabled subscriber: they answer 403 */
	bool ok;                  /* credentials verified */
	sip_str user, realm;      /* the authenticated identity */
	struct sip_hdr *hdr;      /* the header holding them */
	/* The cluster store's answer for nonce-count nc_val of nc_nonce,
	 * kept while the message waited for it (auth_fn.c): 1 accepted, 0 a
	 * replay, < 0 the status that kept it from being checked. */
	int nc_verdict;
	uint32_t nc_val;
	char nc_nonce[AUTH_NONCE_LEN + 1];
};

struct sip_ctx;
/* The authenticated user and realm of the message ("" when none). */
sip_str auth_user(struct sip_ctx *ctx);
sip_str auth_realm(struct sip_ctx *ctx);

/* Credentials found for a realm, whose response remains to be checked. */
struct auth_pending {
	struct auth_creds c;
	uint32_t seq;             /* the nonce's sequence number */
	struct sip_hdr *hdr;      /* the header holding them */
	sip_str realm;
};
/* What a module that checks the response elsewhere (radius, against a
 * RADIUS server) calls through proxy_module_api("auth"): nonces, their
 * counts, the state the challenge functions read, $au and the failure
 * log stay this module's. */
struct auth_api {
	/* Find the credentials for realm in the headers of type hdr_type
	 * (SIP_HDR_AUTHORIZATION or SIP_HDR_PROXY_AUTHORIZATION) and check
	 * their algorithm and nonce. SIPCC_AUTH_OK: p is filled and the
	 * response remains to be checked; else the result to return. */
	int64_t (*begin)(struct sip_ctx *ctx, sip_str realm, int hdr_type,
			 struct auth_pending *p);
	/* The response of p was checked: verdict is SIPCC_AUTH_OK,
	 * _INVALID_PASSWORD, _USER_UNKNOWN, _USER_DISABLED or _ERROR (could
	 * not be checked). Spends the nonce-count, logs a refusal, records
	 * the identity; returns the result. */
	int64_t (*finish)(struct sip_ctx *ctx, const struct auth_pending *p, int64_t verdict);
};

#endif
