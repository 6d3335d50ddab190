/* The auth policy functions (stdlib/auth.sipi): challenges, checking
 * credentials against the subscriber table, and what follows from a
 * successful check ($au, $ar, check_from, consume_credentials). */
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <openssl/crypto.h>
#include "auth/auth.h"
#include "core/log.h"
#include "core/status.h"
#include "db/db.h"
#include "proxy/modules.h"
#include "proxy/proxy.h"
#include "proxy/settings.h"

void auth_module_init(sip_timer_wheel *w);
void auth_module_destroy(void);

static struct {
	db *d;
	db_stmt *creds;
} A;

void auth_module_init(sip_timer_wheel *w)
{
	(void)w;
	int64_t ne = sipcc_setting_int("auth", "nonce_expire", auth_conf.nonce_expire);
	if (ne > 0 && ne <= INT32_MAX)
		auth_conf.nonce_expire = (unsigned)ne;
	else
		LOG_WARN("auth: nonce_expire = %lld is out of range; using %u", (long long)ne,
			 auth_conf.nonce_expire);
	auth_conf.sha256_first = sipcc_setting_int("auth", "sha256_first", auth_conf.sha256_first) != 0;
	auth_nonce_init();
	proxy_db_want(NULL);
}

void auth_module_destroy(void)
{
	A.d = NULL;
	A.creds = NULL;     /* finalized with the handle */
}

static struct auth_ctx *auth_state(struct sip_ctx *ctx)
{
	if (!ctx->auth) {
		ctx->auth = sip_arena_alloc(ctx->arena, sizeof *ctx->auth);
		if (ctx->auth)
			memset(ctx->auth, 0, sizeof *ctx->auth);
	}
	return ctx->auth;
}

sip_str auth_user(struct sip_ctx *ctx)
{
	return ctx->auth && ctx->auth->ok ? ctx->auth->user : SIP_STR_NULL;
}

sip_str auth_realm(struct sip_ctx *ctx)
{
	return ctx->auth && ctx->auth->ok ? ctx->auth->realm : SIP_STR_NULL;
}

static void auth_reply_503(struct sip_ctx *ctx)
{
	proxy_reply_hdrs(ctx, 503, SIP_STR_LIT("Service Unavailable"),
			 SIP_STR_LIT("Retry-After: 5\r\n"), ctx->txn != NULL);
}

/* The stored secret of user@realm: HA1 for alg into ha1 (hex). SIP_OK,
 * SIP_ENOTFOUND (no such subscriber or no usable secret) or a database
 * status. */
static int auth_fetch_ha1(sip_str user, sip_str realm, enum auth_alg alg, char *ha1, size_t *len)
{
	db *d = proxy_db();
	if (!d)
		return SIP_EDBDOWN;
	if (A.d != d || !A.creds) {
		A.d = d;
		int rc = db_prepare(d, "SELECT password, ha1, ha1_sha256 FROM subscriber"
				    " WHERE username = $1 AND domain = $2", &A.creds);
		if (rc != SIP_OK)
			return rc;
	}
	int rc = db_bind_text(A.creds, 1, user);
	if (rc == SIP_OK)
		rc = db_bind_text(A.creds, 2, realm);
	if (rc == SIP_OK)
		rc = db_step(A.creds);
	if (rc != DB_ROW) {
		db_reset(A.creds);
		return rc == SIP_OK ? SIP_ENOTFOUND : rc;
	}
	sip_str stored = db_column_text(A.creds, alg == AUTH_SHA256 ? 2 : 1);
	size_t want = alg == AUTH_SHA256 ? 64 : 32;
	rc = SIP_OK;
	if (stored.len == want) {
		for (size_t i = 0; i < want; i++)
			ha1[i] = (char)(stored.s[i] | 0x20);
		ha1[want] = '\0';
		*len = want;
	} else {
		sip_str pw = db_column_text(A.creds, 0);
		if (pw.len)
			*len = auth_ha1(alg, user, realm, pw, ha1);
		else
			rc = SIP_ENOTFOUND;
	}
	db_reset(A.creds);
	return rc;
}

/* Check the credentials of ctx's request for realm in headers of type ty.
 * True when they are valid; false otherwise, with the state saying whether
 * the nonce was stale. A database that is down gets the request a 503. */
static bool auth_authorize(struct sip_ctx *ctx, const char *rs, size_t rlen, enum sip_hdr_type ty)
{
	sip_msg *m = ctx->msg;
	struct auth_ctx *st = auth_state(ctx);
	sip_str realm = sip_str_make(rs, rlen);
	if (!st || !m->is_request || m->method == SIP_METHOD_ACK || m->method == SIP_METHOD_CANCEL)
		return false;
	st->stale = false;
	struct auth_creds c;
	sip_hdr *h;
	for (h = m->first[ty]; h; h = h->next_same)
		if (auth_creds_parse(h->body, &c) && sip_str_eq(c.realm, realm))
			break;
	if (!h)
		return false;
	int64_t now = (int64_t)time(NULL);
	uint32_t seq;
	switch (auth_nonce_check(c.nonce, now, &seq)) {
	case AUTH_NONCE_BAD:
		return false;
	case AUTH_NONCE_STALE:
		st->stale = true;
		return false;
	case AUTH_NONCE_OK:
		break;
	}
	/* The digest-uri is not compared with the Request-URI: clients differ
	 * (sipp uses the proxy's address), and a response captured for one
	 * request cannot be reused anyway, its nonce-count being spent. */
	char ha1[AUTH_HEX_MAX + 1], want[AUTH_HEX_MAX + 1], got[AUTH_HEX_MAX + 1];
	size_t ha1_len = 0;
	int rc = auth_fetch_ha1(c.username, realm, c.alg, ha1, &ha1_len);
	if (rc == SIP_EDBDOWN || rc == SIP_ETIMEOUT) {
		LOG_WARN("auth: subscriber database unavailable: %s", sip_strerror(rc));
		auth_reply_503(ctx);
		return false;
	}
	if (rc != SIP_OK) {
		if (rc != SIP_ENOTFOUND)
			LOG_WARN("auth: cannot read subscriber " SIP_STR_FMT ": %s",
				 SIP_STR_ARG(c.username), sip_strerror(rc));
		return false;
	}
	size_t wl = auth_response(c.alg, sip_str_make(ha1, ha1_len), m->method_str, &c, want);
	if (c.response.len != wl)
		return false;
	for (size_t i = 0; i < wl; i++)
		got[i] = (char)(c.response.s[i] | 0x20);
	if (CRYPTO_memcmp(got, want, wl) != 0) {
		LOG_INFO("auth: wrong credentials for " SIP_STR_FMT "@" SIP_STR_FMT,
			 SIP_STR_ARG(c.username), SIP_STR_ARG(realm));
		return false;
	}
	/* Only now does the nonce-count move, so forged requests cannot use
	 * up a client's counts. Without qop the nonce is good once. */
	if (!auth_nc_accept(seq, c.qop.len ? c.nc_val : 1)) {
		LOG_INFO("auth: replayed nonce-count from " SIP_STR_FMT, SIP_STR_ARG(c.username));
		return false;
	}
	st->ok = true;
	st->user = c.username;
	st->realm = realm;
	st->hdr = h;
	return true;
}

int64_t sipcc_fn_www_authorize(struct sip_ctx *ctx, const char *realm, size_t len)
{
	return auth_authorize(ctx, realm, len, SIP_HDR_AUTHORIZATION);
}

int64_t sipcc_fn_proxy_authorize(struct sip_ctx *ctx, const char *realm, size_t len)
{
	return auth_authorize(ctx, realm, len, SIP_HDR_PROXY_AUTHORIZATION);
}

/* Send a 401/407 with a fresh nonce, offering MD5 and SHA-256. MD5 comes
 * first unless auth_conf.sha256_first: RFC 7616 lists the preferred first,
 * but many deployed clients (sipp among them) read only the first
 * challenge and know only MD5. */
static bool auth_challenge(struct sip_ctx *ctx, const char *rs, size_t rlen, int code,
			   const char *hname)
{
	sip_msg *m = ctx->msg;
	if (ctx->replied || !m->is_request || m->method == SIP_METHOD_ACK)
		return false;
	for (size_t i = 0; i < rlen; i++)
		if (rs[i] == '"' || rs[i] == '\\' || rs[i] == '\r' || rs[i] == '\n') {
			LOG_WARN("auth: realm '%.*s' cannot be quoted; not challenging", (int)rlen, rs);
			return false;
		}
	char nonce[AUTH_NONCE_LEN + 1];
	auth_nonce_make((int64_t)time(NULL), nonce);
	bool stale = ctx->auth && ctx->auth->stale;
	const char *first = auth_conf.sha256_first ? "SHA-256" : "MD5";
	const char *second = auth_conf.sha256_first ? "MD5" : "SHA-256";
	sip_str hdrs = sip_arena_printf(ctx->arena,
		"%s: Digest realm=\"%.*s\", nonce=\"%s\", qop=\"auth\", algorithm=%s%s\r\n"
		"%s: Digest realm=\"%.*s\", nonce=\"%s\", qop=\"auth\", algorithm=%s%s\r\n",
		hname, (int)rlen, rs, nonce, first, stale ? ", stale=true" : "",
		hname, (int)rlen, rs, nonce, second, stale ? ", stale=true" : "");
	if (!hdrs.len)
		return false;
	sip_str reason = code == 401 ? SIP_STR_LIT("Unauthorized")
				     : SIP_STR_LIT("Proxy Authentication Required");
	/* Through a server transaction, so a retransmitted request gets this
	 * challenge (the same nonce) again, and the ACK of a 407 is absorbed. */
	return proxy_reply_hdrs(ctx, code, reason, hdrs, true) == SIP_OK;
}

int64_t sipcc_fn_www_challenge(struct sip_ctx *ctx, const char *realm, size_t len)
{
	return auth_challenge(ctx, realm, len, 401, "WWW-Authenticate");
}

int64_t sipcc_fn_proxy_challenge(struct sip_ctx *ctx, const char *realm, size_t len)
{
	return auth_challenge(ctx, realm, len, 407, "Proxy-Authenticate");
}

int64_t sipcc_fn_consume_credentials(struct sip_ctx *ctx)
{
	if (!ctx->auth || !ctx->auth->ok || !ctx->auth->hdr || ctx->prepared)
		return 0;
	int rc = sip_msg_remove_hdr(ctx->msg, ctx->auth->hdr);
	ctx->auth->hdr = NULL;
	return rc == SIP_OK;
}

/* user@host of a name-addr against the authenticated identity. */
static bool auth_owns(struct sip_ctx *ctx, sip_naddr *a)
{
	if (!ctx->auth || !ctx->auth->ok || !a || !a->uri.is_sip)
		return false;
	return sip_str_eq(a->uri.user, ctx->auth->user) && sip_str_caseeq(a->uri.host, ctx->auth->realm);
}

int64_t sipcc_fn_check_from(struct sip_ctx *ctx)
{
	return auth_owns(ctx, sip_msg_from(ctx->msg));
}

int64_t sipcc_fn_check_to(struct sip_ctx *ctx)
{
	return auth_owns(ctx, sip_msg_to(ctx->msg));
}

void sipcc_pv_au_get(struct sip_ctx *ctx, sip_str *out)
{
	*out = auth_user(ctx);
}

void sipcc_pv_ar_get(struct sip_ctx *ctx, sip_str *out)
{
	*out = auth_realm(ctx);
}
