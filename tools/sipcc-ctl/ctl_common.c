/* What the programs on sipcc's database share (ctl.h): messages, the
 * checks of names and addresses, user@domain parsing, KEY=VALUE options
 * and the subscriber rows with their digests. sipcc-ctl and sipcc-web
 * both link it, so a subscriber added by either has the same hashes. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "auth/auth.h"
#include "core/status.h"
#include "db/db.h"
#include "ctl.h"
int ctl_err(int status, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", ctl_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

int ctl_dberr(db *d, const char *what, int rc)
{
	return ctl_err(CTL_DBFAIL, "%s: %s%s%s", what, sip_strerror(rc), db_error(d)[0] ? ": " : "",
		       db_error(d));
}

/* RFC 3261 user: unreserved, escaped and user-unreserved characters. */
bool ctl_valid_user(const char *s, size_t n)
{
	if (!n || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			continue;
		if (!strchr("-_.!~*'()&=+$,;?/%", c))
			return false;
	}
	return true;
}

/* A host name (labels of letters, digits and '-') or an IPv4 address. */
bool ctl_valid_domain(const char *s)
{
	size_t n = strlen(s), label = 0;
	if (!n || n > 253 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '.') {
			if (!label || s[i - 1] == '-')
				return false;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
			   || (c == '-' && label)) {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return true;
}

/* "user@domain" (an optional "sip:" prefix allowed) into its parts, the
 * domain lowercased. */
bool ctl_split(const char *arg, char *user, size_t usz, char *dom, size_t dsz)
{
	if (strncasecmp(arg, "sip:", 4) == 0)
		arg += 4;
	const char *at = strchr(arg, '@');
	if (!at || strchr(at + 1, '@'))
		return false;
	size_t ul = (size_t)(at - arg), dl = strlen(at + 1);
	if (!ctl_valid_user(arg, ul) || ul >= usz || dl >= dsz)
		return false;
	memcpy(user, arg, ul);
	user[ul] = '\0';
	for (size_t i = 0; i <= dl; i++) {
		char c = at[1 + i];
		dom[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
	}
	return ctl_valid_domain(dom);
}

/* Run a prepared statement to completion; returns its status. */
int ctl_run(db_stmt *st)
{
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		;
	return rc;
}

int ctl_domain_known(db *d, const char *dom, bool *known)
{
	db_stmt *st;
	int rc = db_prepare(d, "SELECT count(*) FROM domain WHERE domain = $1", &st);
	if (rc == SIP_OK && (rc = db_bind_text(st, 1, sip_str_make(dom, strlen(dom)))) == SIP_OK
	    && (rc = db_step(st)) == DB_ROW) {
		*known = db_column_int(st, 0) > 0;
		rc = SIP_OK;
	}
	db_finalize(st);
	return rc;
}

int ctl_subscriber_exists(db *d, const char *user, const char *dom, bool *exists)
{
	db_stmt *st;
	int rc = db_prepare(d, "SELECT count(*) FROM subscriber WHERE username = $1 AND domain = $2",
			    &st);
	if (rc == SIP_OK && (rc = db_bind_text(st, 1, sip_str_make(user, strlen(user)))) == SIP_OK
	    && (rc = db_bind_text(st, 2, sip_str_make(dom, strlen(dom)))) == SIP_OK
	    && (rc = db_step(st)) == DB_ROW) {
		*exists = db_column_int(st, 0) > 0;
		rc = SIP_OK;
	}
	db_finalize(st);
	return rc;
}

/* Both digests of the password, and the password itself when asked. */
int ctl_bind_secrets(db_stmt *st, int first, const char *user, const char *dom,
			    const char *pw, bool plaintext)
{
	char h1[AUTH_HEX_MAX + 1], h2[AUTH_HEX_MAX + 1];
	sip_str u = sip_str_make(user, strlen(user)), r = sip_str_make(dom, strlen(dom));
	sip_str p = sip_str_make(pw, strlen(pw));
	size_t n1 = auth_ha1(AUTH_MD5, u, r, p, h1), n2 = auth_ha1(AUTH_SHA256, u, r, p, h2);
	int rc = db_bind_text(st, first, plaintext ? p : SIP_STR_LIT(""));
	if (rc == SIP_OK)
		rc = db_bind_text(st, first + 1, sip_str_make(h1, n1));
	if (rc == SIP_OK)
		rc = db_bind_text(st, first + 2, sip_str_make(h2, n2));
	return rc;
}

int ctl_subscriber_insert(db *d, db_stmt **st, const char *user, const char *dom, const char *pw,
			  bool plaintext)
{
	int rc = SIP_OK;
	if (!*st)
		rc = db_prepare(d, "INSERT INTO subscriber (username, domain, password, ha1, ha1_sha256)"
				" VALUES ($1, $2, $3, $4, $5)", st);
	if (rc == SIP_OK && (rc = db_bind_text(*st, 1, sip_str_make(user, strlen(user)))) == SIP_OK
	    && (rc = db_bind_text(*st, 2, sip_str_make(dom, strlen(dom)))) == SIP_OK
	    && (rc = ctl_bind_secrets(*st, 3, user, dom, pw, plaintext)) == SIP_OK)
		rc = ctl_run(*st);
	return rc;
}


/* A positive id that fits every backend's INTEGER. */
bool ctl_parse_id(const char *s, int64_t *out)
{
	char *end;
	long long v;
	if (!*s || *s == '-' || *s == '+')
		return false;
	v = strtoll(s, &end, 10);
	if (*end || v <= 0 || v > 2147483647)
		return false;
	*out = v;
	return true;
}


/* KEY=VALUE options after the positional arguments of gw add / rule add:
 * the value for key, NULL when not given. */
const char *ctl_opt(int argc, char **argv, const char *key)
{
	size_t n = strlen(key);
	for (int i = 0; i < argc; i++)
		if (strncmp(argv[i], key, n) == 0 && argv[i][n] == '=')
			return argv[i] + n + 1;
	return NULL;
}

int ctl_opts_known(int argc, char **argv, const char *const *keys, const char *cmd)
{
	for (int i = 0; i < argc; i++) {
		bool ok = false;
		for (int k = 0; keys[k] && !ok; k++) {
			size_t n = strlen(keys[k]);
			ok = strncmp(argv[i], keys[k], n) == 0 && argv[i][n] == '=';
		}
		if (!ok)
			return ctl_err(CTL_USAGE, "%s: unknown option '%s' (see %s --help)", cmd, argv[i],
				       ctl_prog);
	}
	return CTL_OK;
}

/* Dialled digits as numbers are written: 0-9 and a leading '+'; '*' and
 * '#' for service codes. Empty is allowed (a default rule). */
bool ctl_valid_digits(const char *s)
{
	size_t n = strlen(s);
	if (n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '*' || s[i] == '#' ||
		      (s[i] == '+' && i == 0)))
			return false;
	return true;
}

/* A gateway address: [sip:|sips:]HOST[:PORT][;params], HOST a name, an
 * IPv4 address or [IPv6]; no user part. Written to out with its scheme
 * ("sip:" added when missing). NULL when fine, else what is wrong. */
const char *ctl_gw_uri(const char *arg, char *out, size_t osz)
{
	const char *scheme = "sip:", *p = arg;
	if (strncasecmp(p, "sips:", 5) == 0) {
		scheme = "sips:";
		p += 5;
	} else if (strncasecmp(p, "sip:", 4) == 0) {
		p += 4;
	} else if (strchr(p, ':') && !strchr(p, '.') && p[0] != '[') {
		return "only sip: and sips: URIs";
	}
	if (strchr(p, '@'))
		return "a gateway address has no user part (the number is put there)";
	size_t hl;
	const char *rest;
	if (*p == '[') {
		const char *close = strchr(p, ']');
		if (!close || close == p + 1)
			return "an IPv6 address needs its closing ']'";
		for (const char *c = p + 1; c < close; c++)
			if (!strchr("0123456789abcdefABCDEF:.", *c))
				return "bad IPv6 address";
		hl = (size_t)(close - p) + 1;
		rest = close + 1;
	} else {
		hl = strcspn(p, ":;");
		rest = p + hl;
		char host[256];
		if (!hl || hl >= sizeof host)
			return "missing host";
		memcpy(host, p, hl);
		host[hl] = '\0';
		if (!ctl_valid_domain(host))
			return "bad host name";
	}
	if (*rest == ':') {
		char *end;
		long port = strtol(rest + 1, &end, 10);
		if (end == rest + 1 || port < 1 || port > 65535 || (*end && *end != ';'))
			return "port must be 1-65535";
		rest = end;
	}
	if (*rest && *rest != ';')
		return "unexpected text after the host";
	for (const char *c = rest; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == '"' || *c == '<' || *c == '>' || *c == '?')
			return "bad character in the URI parameters";
	if (strlen(scheme) + strlen(p) >= osz || strlen(p) > 250)
		return "too long";
	snprintf(out, osz, "%s%s", scheme, p);
	return NULL;
}

/* Count the rows of a "SELECT count(*) ... WHERE x = $1" for one id. */
int ctl_count_id(db_stmt *st, int64_t id, int64_t *n)
{
	int rc = db_bind_int(st, 1, id);
	if (rc == SIP_OK && (rc = db_step(st)) == DB_ROW) {
		*n = db_column_int(st, 0);
		rc = SIP_OK;
	}
	db_finalize(st);
	return rc;
}
