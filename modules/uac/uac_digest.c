/* Digest authentication, the client side (RFC 2617, RFC 7616 for
 * SHA-256; uac.h): read a challenge, answer it. */
#include "uac/uac.h"

#include <string.h>
#include <openssl/evp.h>

/* One auth-param: name=token or name="quoted string" (the quotes off,
 * escapes left as they are: realms and nonces do not use them). Returns
 * the position after it and its separator, or NULL at the end. */
static const char *chal_param(const char *p, const char *end, sip_str *name, sip_str *val)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
		p++;
	if (p >= end)
		return NULL;
	const char *n = p;
	while (p < end && *p != '=' && *p != ',' && *p != ' ')
		p++;
	*name = sip_str_make(n, (size_t)(p - n));
	while (p < end && *p == ' ')
		p++;
	*val = SIP_STR_NULL;
	if (p < end && *p == '=') {
		p++;
		while (p < end && *p == ' ')
			p++;
		if (p < end && *p == '"') {
			const char *v = ++p;
			while (p < end && *p != '"') {
				if (*p == '\\' && p + 1 < end)
					p++;
				p++;
			}
			*val = sip_str_make(v, (size_t)(p - v));
			if (p < end)
				p++;
		} else {
			const char *v = p;
			while (p < end && *p != ',' && *p != ' ')
				p++;
			*val = sip_str_make(v, (size_t)(p - v));
		}
	}
	return p;
}

bool uac_chal_parse(sip_str value, struct uac_chal *c)
{
	memset(c, 0, sizeof *c);
	const char *p = value.s, *end = value.s + value.len;
	if (value.len < 7 || !sip_mem_caseeq(p, "Digest", 6) || (p[6] != ' ' && p[6] != '\t'))
		return false;
	p += 6;
	bool qop = false;
	sip_str name, val;
	while ((p = chal_param(p, end, &name, &val)) != NULL) {
		if (sip_str_eq_lit_case(name, "realm"))
			c->realm = val;
		else if (sip_str_eq_lit_case(name, "nonce"))
			c->nonce = val;
		else if (sip_str_eq_lit_case(name, "opaque"))
			c->opaque = val;
		else if (sip_str_eq_lit_case(name, "stale"))
			c->stale = sip_str_eq_lit_case(val, "true");
		else if (sip_str_eq_lit_case(name, "algorithm")) {
			if (sip_str_eq_lit_case(val, "SHA-256"))
				c->sha256 = true;
			else if (!sip_str_eq_lit_case(val, "MD5"))
				return false;
		} else if (sip_str_eq_lit_case(name, "qop")) {
			qop = true;
			for (size_t i = 0; i + 4 <= val.len; i++)
				if (sip_mem_caseeq(val.s + i, "auth", 4) && (i + 4 == val.len || val.s[i + 4] != '-') &&
				    (i == 0 || val.s[i - 1] == ',' || val.s[i - 1] == ' '))
					c->qop_auth = true;
		}
	}
	if (qop && !c->qop_auth)
		return false;
	return c->realm.s != NULL && c->nonce.len > 0;
}

static const char hexd[] = "0123456789abcdef";

/* Hex of the hash of the pieces joined by ':'; out holds 65 bytes. */
static void dg_hash(bool sha256, const sip_str *parts, size_t n, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	out[0] = '\0';
	if (!c)
		return;
	EVP_DigestInit_ex(c, sha256 ? EVP_sha256() : EVP_md5(), NULL);
	for (size_t i = 0; i < n; i++) {
		if (i)
			EVP_DigestUpdate(c, ":", 1);
		EVP_DigestUpdate(c, parts[i].s, parts[i].len);
	}
	EVP_DigestFinal_ex(c, md, &len);
	EVP_MD_CTX_free(c);
	for (unsigned i = 0; i < len; i++) {
		out[2 * i] = hexd[md[i] >> 4];
		out[2 * i + 1] = hexd[md[i] & 15];
	}
	out[2 * len] = '\0';
}

sip_str uac_auth_line(sip_arena *a, bool proxy, const struct uac_chal *c, sip_str user,
		      sip_str password, sip_str method, sip_str uri, sip_str cnonce)
{
	char ha1[65], ha2[65], resp[65];
	static const sip_str nc = SIP_STR_LIT("00000001"), qop = SIP_STR_LIT("auth");
	sip_str p1[3] = { user, c->realm, password };
	dg_hash(c->sha256, p1, 3, ha1);
	sip_str p2[2] = { method, uri };
	dg_hash(c->sha256, p2, 2, ha2);
	sip_str h1 = sip_str_make(ha1, strlen(ha1)), h2 = sip_str_make(ha2, strlen(ha2));
	if (c->qop_auth) {
		sip_str p3[6] = { h1, c->nonce, nc, cnonce, qop, h2 };
		dg_hash(c->sha256, p3, 6, resp);
	} else {
		sip_str p3[3] = { h1, c->nonce, h2 };
		dg_hash(c->sha256, p3, 3, resp);
	}
	sip_str opaque = SIP_STR_LIT(""), qops = SIP_STR_LIT("");
	if (c->opaque.s && !(opaque = sip_arena_printf(a, ", opaque=\"" SIP_STR_FMT "\"",
							  SIP_STR_ARG(c->opaque))).s)
		return SIP_STR_NULL;
	if (c->qop_auth && !(qops = sip_arena_printf(a, ", qop=auth, nc=00000001, cnonce=\"" SIP_STR_FMT "\"",
						     SIP_STR_ARG(cnonce))).s)
		return SIP_STR_NULL;
	sip_str r = sip_arena_printf(a, "%s: Digest username=\"" SIP_STR_FMT "\", realm=\"" SIP_STR_FMT
				     "\", nonce=\"" SIP_STR_FMT "\", uri=\"" SIP_STR_FMT "\", response=\"%s\","
				     " algorithm=%s" SIP_STR_FMT SIP_STR_FMT "\r\n",
				     proxy ? "Proxy-Authorization" : "Authorization", SIP_STR_ARG(user),
				     SIP_STR_ARG(c->realm), SIP_STR_ARG(c->nonce), SIP_STR_ARG(uri), resp,
				     c->sha256 ? "SHA-256" : "MD5", SIP_STR_ARG(opaque), SIP_STR_ARG(qops));
	return r.s ? r : SIP_STR_NULL;
}
