/* Digest authentication, the client side (RFC 2617, RFC 7616 for
 * SHA-256; uac.h): read a challenge, answer it, with the auth module's
 * auth-param reader and hashing (auth/auth.h). */
#include "uac/uac.h"

#include <string.h>
#include "auth/auth.h"

bool uac_chal_parse(sip_str value, struct uac_chal *c)
{
	memset(c, 0, sizeof *c);
	const char *p = value.s, *end = value.s + value.len;
	if (value.len < 7 || !sip_mem_caseeq(p, "Digest", 6) || (p[6] != ' ' && p[6] != '\t'))
		return false;
	p += 6;
	bool qop = false;
	sip_str name, val;
	int r;
	while ((r = auth_param_next(&p, end, &name, &val)) > 0) {
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
	if (r < 0 || (qop && !c->qop_auth))
		return false;
	return c->realm.s != NULL && c->nonce.len > 0;
}

sip_str uac_auth_line(sip_arena *a, bool proxy, const struct uac_chal *c, sip_str user,
		      sip_str password, sip_str method, sip_str uri, sip_str cnonce)
{
	char ha1[65], ha2[65], resp[65];
	static const sip_str nc = SIP_STR_LIT("00000001"), qop = SIP_STR_LIT("auth");
	sip_str p1[3] = { user, c->realm, password };
	auth_hash_parts(c->sha256 ? AUTH_SHA256 : AUTH_MD5, p1, 3, ha1);
	sip_str p2[2] = { method, uri };
	auth_hash_parts(c->sha256 ? AUTH_SHA256 : AUTH_MD5, p2, 2, ha2);
	sip_str h1 = sip_str_make(ha1, strlen(ha1)), h2 = sip_str_make(ha2, strlen(ha2));
	if (c->qop_auth) {
		sip_str p3[6] = { h1, c->nonce, nc, cnonce, qop, h2 };
		auth_hash_parts(c->sha256 ? AUTH_SHA256 : AUTH_MD5, p3, 6, resp);
	} else {
		sip_str p3[3] = { h1, c->nonce, h2 };
		auth_hash_parts(c->sha256 ? AUTH_SHA256 : AUTH_MD5, p3, 3, resp);
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
