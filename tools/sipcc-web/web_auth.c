/* sipcc-web: admin password hashes, random tokens, sessions and the CSRF
 * check (web.h). Everything random comes from OpenSSL's RAND_bytes. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "web.h"

#define WEB_HASH_PREFIX "pbkdf2-sha256$"

static void web_hex_of(const unsigned char *p, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Hex text of exactly 2n digits into n bytes. */
static bool web_unhex(const char *s, size_t slen, unsigned char *out, size_t n)
{
	if (slen != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		char two[3] = { s[2 * i], s[2 * i + 1], 0 };
		if (!strchr("0123456789abcdef", two[0]) || !strchr("0123456789abcdef", two[1])
		    || sscanf(two, "%2x", &v) != 1)
			return false;
		out[i] = (unsigned char)v;
	}
	return true;
}

bool web_random_hex(char *out, size_t n)
{
	unsigned char buf[64];
	if (n > sizeof buf || RAND_bytes(buf, (int)n) != 1)
		return false;
	web_hex_of(buf, n, out);
	OPENSSL_cleanse(buf, sizeof buf);
	return true;
}

static bool web_pbkdf2(const char *pw, const unsigned char *salt, unsigned iterations,
		       unsigned char *out)
{
	return PKCS5_PBKDF2_HMAC(pw, (int)strlen(pw), salt, WEB_PBKDF2_SALT, (int)iterations,
				 EVP_sha256(), WEB_PBKDF2_LEN, out) == 1;
}

bool web_pw_hash(const char *pw, unsigned iterations, char *out, size_t outsz)
{
	unsigned char salt[WEB_PBKDF2_SALT], dk[WEB_PBKDF2_LEN];
	char sh[2 * WEB_PBKDF2_SALT + 1], dh[2 * WEB_PBKDF2_LEN + 1];
	if (!iterations || RAND_bytes(salt, sizeof salt) != 1 || !web_pbkdf2(pw, salt, iterations, dk))
		return false;
	web_hex_of(salt, sizeof salt, sh);
	web_hex_of(dk, sizeof dk, dh);
	OPENSSL_cleanse(dk, sizeof dk);
	int n = snprintf(out, outsz, WEB_HASH_PREFIX "%u$%s$%s", iterations, sh, dh);
	return n > 0 && (size_t)n < outsz;
}

/* Parse "pbkdf2-sha256$ITER$SALT$HASH" (iterations 1..10^8), derive the
 * key of pw with its salt and count, compare with CRYPTO_memcmp. */
bool web_pw_verify(const char *pw, const char *stored)
{
	size_t pl = strlen(WEB_HASH_PREFIX);
	if (!pw || !stored || strncmp(stored, WEB_HASH_PREFIX, pl) != 0)
		return false;
	const char *p = stored + pl;
	char *end;
	unsigned long iter = strtoul(p, &end, 10);
	if (end == p || *end != '$' || iter < 1 || iter > 100000000ul)
		return false;
	const char *salt_hex = end + 1, *d = strchr(salt_hex, '$');
	unsigned char salt[WEB_PBKDF2_SALT], want[WEB_PBKDF2_LEN], got[WEB_PBKDF2_LEN];
	if (!d || !web_unhex(salt_hex, (size_t)(d - salt_hex), salt, sizeof salt)
	    || !web_unhex(d + 1, strlen(d + 1), want, sizeof want))
		return false;
	if (!web_pbkdf2(pw, salt, (unsigned)iter, got))
		return false;
	bool ok = CRYPTO_memcmp(got, want, sizeof got) == 0;
	OPENSSL_cleanse(got, sizeof got);
	return ok;
}

bool web_token_eq(const char *a, const char *b)
{
	if (!a || !b || !*a || !*b)
		return false;
	size_t n = strlen(a);
	if (strlen(b) != n)
		return false;
	return CRYPTO_memcmp(a, b, n) == 0;
}

bool web_pw_generate(char *out, size_t outsz)
{
	/* No 0/O, 1/l/I: read aloud or copied from a terminal alike. */
	static const char alphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	const size_t an = sizeof alphabet - 1, len = 20;
	unsigned char r[64];
	if (outsz < len + 1 || RAND_bytes(r, sizeof r) != 1)
		return false;
	size_t o = 0;
	for (size_t i = 0; i < sizeof r && o < len; i++) {
		/* Rejection sampling: no alphabet letter is likelier than another. */
		if (r[i] >= 256 - 256 % an)
			continue;
		out[o++] = alphabet[r[i] % an];
	}
	if (o < len)
		return web_pw_generate(out, outsz);
	out[o] = '\0';
	return true;
}

/* Failures per account name, in a small table: the least recently failed
 * entry gives way when it is full (names are checked before they get
 * here, so the table holds what could be accounts). */
#define WEB_LOGIN_NAMES 128
static struct {
	char name[65];
	unsigned fails;
	time_t first, locked_until, last;
} web_logins[WEB_LOGIN_NAMES];

static int web_login_slot(const char *name, bool make, time_t now)
{
	int free_slot = -1;
	for (int i = 0; i < WEB_LOGIN_NAMES; i++) {
		if (web_logins[i].name[0] && strcmp(web_logins[i].name, name) == 0)
			return i;
		if (free_slot < 0 || !web_logins[i].name[0]
		    || (web_logins[free_slot].name[0] && web_logins[i].last < web_logins[free_slot].last))
			free_slot = i;
	}
	if (!make)
		return -1;
	memset(&web_logins[free_slot], 0, sizeof web_logins[free_slot]);
	snprintf(web_logins[free_slot].name, sizeof web_logins[free_slot].name, "%s", name);
	web_logins[free_slot].first = now;
	return free_slot;
}

long web_login_locked(const char *name, time_t now)
{
	int i = web_login_slot(name, false, now);
	return i >= 0 && web_logins[i].locked_until > now ? (long)(web_logins[i].locked_until - now) : 0;
}

void web_login_failed(const char *name, time_t now)
{
	int i = web_login_slot(name, true, now);
	if (now - web_logins[i].first > WEB_LOGIN_WINDOW) {
		web_logins[i].fails = 0;
		web_logins[i].first = now;
	}
	web_logins[i].last = now;
	if (++web_logins[i].fails >= WEB_LOGIN_FAILS) {
		web_logins[i].locked_until = now + WEB_LOGIN_LOCK;
		web_logins[i].fails = 0;
		web_logins[i].first = now;
	}
}

void web_login_ok(const char *name)
{
	int i = web_login_slot(name, false, 0);
	if (i >= 0)
		memset(&web_logins[i], 0, sizeof web_logins[i]);
}

void web_login_reset(void)
{
	memset(web_logins, 0, sizeof web_logins);
}

static web_session web_sessions[WEB_SESSIONS_MAX];

void web_sessions_reset(void)
{
	memset(web_sessions, 0, sizeof web_sessions);
}

static bool web_session_live(const web_session *s, time_t now)
{
	if (!s->id[0])
		return false;
	if (now - s->last > WEB_SESSION_IDLE)
		return false;
	if (s->user[0] && now - s->created > WEB_SESSION_MAX_AGE)
		return false;
	return true;
}

/* A free slot, else the least recently used session without a user,
 * else the least recently used one: anybody can make sessions by loading
 * the login page, and that must not log the staff out. */
web_session *web_session_new(time_t now)
{
	web_session *slot = NULL, *anon = NULL, *any = NULL;
	for (size_t i = 0; i < WEB_SESSIONS_MAX && !slot; i++) {
		web_session *s = &web_sessions[i];
		if (s->id[0] && !web_session_live(s, now))
			memset(s, 0, sizeof *s);
		if (!s->id[0])
			slot = s;
		else if (!s->user[0] && (!anon || s->last < anon->last))
			anon = s;
		else if (s->user[0] && (!any || s->last < any->last))
			any = s;
	}
	if (!slot)
		slot = anon ? anon : any;
	memset(slot, 0, sizeof *slot);
	if (!web_random_hex(slot->id, WEB_TOKEN_HEX / 2) || !web_random_hex(slot->csrf, WEB_TOKEN_HEX / 2)) {
		memset(slot, 0, sizeof *slot);
		return NULL;
	}
	slot->created = slot->last = now;
	return slot;
}

web_session *web_session_find(const char *id, time_t now)
{
	if (!id || strlen(id) != WEB_TOKEN_HEX)
		return NULL;
	for (size_t i = 0; i < WEB_SESSIONS_MAX; i++) {
		web_session *s = &web_sessions[i];
		if (!web_token_eq(s->id, id))
			continue;
		if (!web_session_live(s, now)) {
			memset(s, 0, sizeof *s);
			return NULL;
		}
		s->last = now;
		return s;
	}
	return NULL;
}

web_session *web_session_login(web_session *s, const char *user, const char *role, time_t now)
{
	if (s)
		web_session_end(s);
	web_session *n = web_session_new(now);
	if (!n)
		return NULL;
	snprintf(n->user, sizeof n->user, "%s", user);
	snprintf(n->role, sizeof n->role, "%s", role);
	return n;
}

/* A session read back from the database after a restart: a slot as
 * web_session_new takes one, with the stored id, token and account; NULL
 * when it is past its idle or age limit, or the id is malformed. */
web_session *web_session_adopt(const char *id, const char *csrf, const char *user, time_t created,
			       time_t last, time_t now)
{
	if (!id || strlen(id) != WEB_TOKEN_HEX || !csrf || strlen(csrf) != WEB_TOKEN_HEX || !user[0])
		return NULL;
	web_session t = { .created = created, .last = last };
	snprintf(t.id, sizeof t.id, "%s", id);
	snprintf(t.user, sizeof t.user, "%s", user);
	if (!web_session_live(&t, now))
		return NULL;
	web_session *s = web_session_new(now);
	if (!s)
		return NULL;
	snprintf(s->id, sizeof s->id, "%s", id);
	snprintf(s->csrf, sizeof s->csrf, "%s", csrf);
	snprintf(s->user, sizeof s->user, "%s", user);
	s->created = created;
	s->last = s->saved = now;
	return s;
}

bool web_session_sid(const char *id, char out[65])
{
	unsigned char md[32];
	unsigned int n = 0;
	if (!EVP_Digest(id, strlen(id), md, &n, EVP_sha256(), NULL) || n != 32)
		return false;
	web_hex_of(md, 32, out);
	return true;
}

void web_session_end(web_session *s)
{
	OPENSSL_cleanse(s, sizeof *s);
}

bool web_csrf_ok(const web_session *s, const char *token)
{
	return s && web_token_eq(s->csrf, token);
}

bool web_session_writes(const web_session *s)
{
	return s && s->user[0] && strcmp(s->role, "admin") == 0;
}
