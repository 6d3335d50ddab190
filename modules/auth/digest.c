/* Digest computations, credential parsing and nonces (see auth.h). */
#include "auth/auth.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include "core/worker.h"

struct auth_conf auth_conf = { 30, { AUTH_MD5, AUTH_SHA256 }, 1 };

const char *auth_alg_name(enum auth_alg alg)
{
	return alg == AUTH_SHA256 ? "SHA-256" : "MD5";
}

bool auth_alg_offered(enum auth_alg alg)
{
	for (unsigned i = 0; i < auth_conf.n_algs; i++)
		if (auth_conf.algs[i] == alg)
			return true;
	return false;
}

unsigned auth_algs_parse(const char *s, enum auth_alg algs[AUTH_NALGS])
{
	unsigned n = 0;
	const char *p = s ? s : "";
	for (;;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		sip_str item = sip_str_make(p, len);
		while (item.len && (item.s[0] == ' ' || item.s[0] == '\t'))
			item.s++, item.len--;
		while (item.len && (item.s[item.len - 1] == ' ' || item.s[item.len - 1] == '\t'))
			item.len--;
		enum auth_alg a;
		if (sip_str_eq_lit_case(item, "MD5"))
			a = AUTH_MD5;
		else if (sip_str_eq_lit_case(item, "SHA-256"))
			a = AUTH_SHA256;
		else
			return 0;
		for (unsigned i = 0; i < n; i++)
			if (algs[i] == a)
				return 0;
		if (n == AUTH_NALGS)
			return 0;
		algs[n++] = a;
		if (!e)
			return n;
		p = e + 1;
	}
}

static const char auth_hexd[] = "0123456789abcdef";

static size_t auth_to_hex(const unsigned char *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = auth_hexd[d[i] >> 4];
		out[2 * i + 1] = auth_hexd[d[i] & 15];
	}
	out[2 * n] = '\0';
	return 2 * n;
}

/* The digests, fetched once: with OpenSSL 3 a digest named by EVP_md5()
 * or EVP_sha256() is looked up again at every EVP_DigestInit_ex, which
 * cost more than hashing a REGISTER's few strings. Kept until exit. */
static EVP_MD *auth_md[2];
static pthread_once_t auth_md_once = PTHREAD_ONCE_INIT;

static void auth_md_fetch(void)
{
	auth_md[0] = EVP_MD_fetch(NULL, "MD5", NULL);
	auth_md[1] = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *auth_md_of(enum auth_alg alg)
{
	pthread_once(&auth_md_once, auth_md_fetch);
	const EVP_MD *m = auth_md[alg == AUTH_SHA256];
	return m ? m : alg == AUTH_SHA256 ? EVP_sha256() : EVP_md5();
}

/* The digest of parts joined with sep (none when 0) into md; its length. */
static unsigned auth_digest(enum auth_alg alg, const sip_str *parts, size_t n, char sep,
			    unsigned char md[EVP_MAX_MD_SIZE])
{
	unsigned int mdlen = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (!c)
		return 0;
	if (EVP_DigestInit_ex(c, auth_md_of(alg), NULL) != 1) {
		EVP_MD_CTX_free(c);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (i && sep)
			EVP_DigestUpdate(c, &sep, 1);
		if (parts[i].len)
			EVP_DigestUpdate(c, parts[i].s, parts[i].len);
	}
	EVP_DigestFinal_ex(c, md, &mdlen);
	EVP_MD_CTX_free(c);
	return mdlen;
}

size_t auth_hash_parts(enum auth_alg alg, const sip_str *parts, size_t n, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = auth_digest(alg, parts, n, ':', md);
	if (!mdlen) {
		out[0] = '\0';
		return 0;
	}
	return auth_to_hex(md, mdlen, out);
}

size_t auth_hash_hex(enum auth_alg alg, const char *data, size_t len, char *out)
{
	sip_str p = sip_str_make(data, len);
	return auth_hash_parts(alg, &p, 1, out);
}

size_t auth_ha1(enum auth_alg alg, sip_str user, sip_str realm, sip_str password, char *out)
{
	sip_str p[3] = { user, realm, password };
	return auth_hash_parts(alg, p, 3, out);
}

size_t auth_response(enum auth_alg alg, sip_str ha1, sip_str method, const struct auth_creds *c,
		     char *out)
{
	char ha2[AUTH_HEX_MAX + 1];
	sip_str a2[2] = { method, c->uri };
	size_t n2 = auth_hash_parts(alg, a2, 2, ha2);
	if (c->qop.len) {
		sip_str p[6] = { ha1, c->nonce, c->nc, c->cnonce, c->qop, sip_str_make(ha2, n2) };
		return auth_hash_parts(alg, p, 6, out);
	}
	sip_str p[3] = { ha1, c->nonce, sip_str_make(ha2, n2) };
	return auth_hash_parts(alg, p, 3, out);
}

/* ---- credentials ---- */

static bool auth_is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

int auth_param_next(const char **pp, const char *end, sip_str *name, sip_str *val)
{
	const char *p = *pp;
	while (p < end && (auth_is_ws(*p) || *p == ','))
		p++;
	if (p == end) {
		*pp = p;
		return 0;
	}
	const char *k = p;
	while (p < end && *p != '=' && !auth_is_ws(*p) && *p != ',')
		p++;
	*name = sip_str_make(k, (size_t)(p - k));
	while (p < end && auth_is_ws(*p))
		p++;
	if (p == end || *p != '=' || !name->len)
		return -1;
	p++;
	while (p < end && auth_is_ws(*p))
		p++;
	if (p < end && *p == '"') {
		const char *v = ++p;
		while (p < end && *p != '"') {
			if (*p == '\\' && p + 1 < end)
				p++;
			p++;
		}
		if (p == end)
			return -1;
		*val = sip_str_make(v, (size_t)(p - v));
		p++;
	} else {
		const char *v = p;
		while (p < end && *p != ',' && !auth_is_ws(*p))
			p++;
		*val = sip_str_make(v, (size_t)(p - v));
	}
	*pp = p;
	return 1;
}

bool auth_creds_parse(sip_str b, struct auth_creds *c)
{
	memset(c, 0, sizeof *c);
	const char *p = b.s, *end = b.s + b.len;
	while (p < end && auth_is_ws(*p))
		p++;
	if (end - p < 7 || !sip_mem_caseeq(p, "Digest", 6) || !auth_is_ws(p[6]))
		return false;
	p += 7;
	sip_str key, val;
	int r;
	while ((r = auth_param_next(&p, end, &key, &val)) > 0) {
		static const struct { const char *name; size_t off; } keys[] = {
			{ "username", offsetof(struct auth_creds, username) },
			{ "realm", offsetof(struct auth_creds, realm) },
			{ "nonce", offsetof(struct auth_creds, nonce) },
			{ "uri", offsetof(struct auth_creds, uri) },
			{ "response", offsetof(struct auth_creds, response) },
			{ "algorithm", offsetof(struct auth_creds, algorithm) },
			{ "cnonce", offsetof(struct auth_creds, cnonce) },
			{ "opaque", offsetof(struct auth_creds, opaque) },
			{ "qop", offsetof(struct auth_creds, qop) },
			{ "nc", offsetof(struct auth_creds, nc) },
		};
		for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
			if (sip_str_eq_lit_case(key, keys[i].name)) {
				*(sip_str *)((char *)c + keys[i].off) = val;
				break;
			}
	}
	if (r < 0)
		return false;
	if (!c->username.len || !c->realm.s || !c->nonce.len || !c->uri.len || !c->response.len)
		return false;
	if (!c->algorithm.len || sip_str_eq_lit_case(c->algorithm, "MD5"))
		c->alg = AUTH_MD5;
	else if (sip_str_eq_lit_case(c->algorithm, "SHA-256"))
		c->alg = AUTH_SHA256;
	else
		return false;
	if (c->qop.len) {
		if (!sip_str_eq_lit_case(c->qop, "auth") || !c->cnonce.len || c->nc.len != 8)
			return false;
		uint32_t v = 0;
		for (size_t i = 0; i < 8; i++) {
			char ch = c->nc.s[i] | 0x20;
			int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
			if (d < 0)
				return false;
			v = v * 16 + (uint32_t)d;
		}
		if (!v)
			return false;
		c->nc_val = v;
	}
	return true;
}

/* ---- nonces ---- */

/* Shared by every worker: a nonce issued on one is checked on whichever
 * gets the answer (its Call-ID may differ, and a REGISTER or INVITE
 * with another Call-ID may reuse it). The secret is written once, at
 * start, before the workers run; the sequence and the slots are atomic. */
static struct {
	unsigned char secret[32];
	_Atomic uint32_t seq;
	_Atomic bool ready;
	/* The nonce-counts are kept in the cluster's store (auth_fn.c), not
	 * in the slots: a nonce issued by another proxy has none here. */
	_Atomic bool shared_nc;
	/* Per slot: the sequence number of the nonce that owns it (high 32
	 * bits) and the highest nc accepted for it (low 32 bits), one word
	 * so that a check and its update are one compare-and-swap. */
	_Atomic uint64_t slot[AUTH_NC_SLOTS];
	/* HMAC-SHA256 keyed with the secret, set with it: each thread MACs
	 * with its own copy (read-only here, so workers may copy it at once),
	 * several times cheaper than HMAC(), which looks the algorithms up
	 * and keys them on every call. NULL: HMAC() instead. gen counts the
	 * keys set, so a thread's copy of an older one is replaced. */
	EVP_MAC_CTX *mac;
	atomic_uint gen;
} N;

/* The calling thread's copy of N.mac, made at its first nonce and
 * re-initialised for each (EVP_MAC_init without a key keeps the key): no
 * allocation per nonce, where a copy per nonce cost an allocation and the
 * copying of two digest states (measured as 6 % of the provider's CPU per
 * call at 50 calls a second). Freed by auth_nonce_thread_done(). */
static SIP_PER_WORKER struct {
	EVP_MAC_CTX *c;
	unsigned gen;
} TM;

void auth_nonce_thread_done(void)
{
	EVP_MAC_CTX_free(TM.c);
	TM.c = NULL;
}

#define AUTH_SLOT(seq, nc) ((uint64_t)(seq) << 32 | (uint32_t)(nc))

void auth_nonce_init(void)
{
	auth_nonce_init_shared(NULL, false);
}

void auth_nonce_init_shared(const char *secret, bool shared_nc)
{
	atomic_store_explicit(&N.shared_nc, shared_nc, memory_order_relaxed);
	if (secret && *secret) {
		/* The key every proxy of the cluster derives alike. */
		unsigned int n = 0;
		EVP_Digest(secret, strlen(secret), N.secret, &n, EVP_sha256(), NULL);
	} else if (RAND_bytes(N.secret, sizeof N.secret) != 1) {
		/* No entropy source: still unpredictable enough per boot for a
		 * nonce, never for a key; the HMAC then only binds the format. */
		for (size_t i = 0; i < sizeof N.secret; i++)
			N.secret[i] = (unsigned char)(((uintptr_t)&N >> (i % 8)) ^ (i * 131u));
	}
	EVP_MAC_CTX_free(N.mac);
	N.mac = NULL;
	EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (m) {
		OSSL_PARAM p[] = {
			OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
			OSSL_PARAM_construct_end(),
		};
		N.mac = EVP_MAC_CTX_new(m);
		if (N.mac && !EVP_MAC_init(N.mac, N.secret, sizeof N.secret, p)) {
			EVP_MAC_CTX_free(N.mac);
			N.mac = NULL;
		}
		EVP_MAC_free(m);
	}
	atomic_fetch_add(&N.gen, 1);
	uint32_t seq = 0;
	RAND_bytes((unsigned char *)&seq, sizeof seq);
	atomic_store_explicit(&N.seq, seq, memory_order_relaxed);
	for (uint32_t i = 0; i < AUTH_NC_SLOTS; i++)
		atomic_store_explicit(&N.slot[i], 0, memory_order_relaxed);
	atomic_store_explicit(&N.ready, true, memory_order_release);
}

/* Writes 32 hex digits and a NUL. */
static void auth_nonce_mac(const char *head, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	unsigned gen = atomic_load(&N.gen);
	if (TM.c && TM.gen != gen)
		auth_nonce_thread_done();
	if (!TM.c && N.mac) {
		TM.c = EVP_MAC_CTX_dup(N.mac);
		TM.gen = gen;
	}
	EVP_MAC_CTX *c = TM.c;
	size_t len = 0;
	bool ok = c && EVP_MAC_init(c, NULL, 0, NULL)
		  && EVP_MAC_update(c, (const unsigned char *)head, 16)
		  && EVP_MAC_final(c, md, &len, sizeof md) && len >= 16;
	if (!ok)
		HMAC(EVP_sha256(), N.secret, sizeof N.secret, (const unsigned char *)head, 16, md, &n);
	auth_to_hex(md, 16, out);
}

static void auth_put_hex32(char *p, uint32_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 4)
		p[i] = auth_hexd[v & 15];
}

static bool auth_get_hex32(const char *p, uint32_t *v)
{
	uint32_t x = 0;
	for (int i = 0; i < 8; i++) {
		char ch = p[i];
		int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
		if (d < 0)
			return false;
		x = x * 16 + (uint32_t)d;
	}
	*v = x;
	return true;
}

void auth_nonce_make(int64_t now, char out[AUTH_NONCE_LEN + 1])
{
	if (!atomic_load_explicit(&N.ready, memory_order_acquire))
		auth_nonce_init();
	bool shared = atomic_load_explicit(&N.shared_nc, memory_order_relaxed);
	uint32_t seq;
	/* Proxies sharing the secret count from their own random starts:
	 * consecutive numbers could meet, a random draw for each nonce
	 * (one in 2^32 within a second) does not. */
	if (!shared || RAND_bytes((unsigned char *)&seq, sizeof seq) != 1)
		seq = atomic_fetch_add_explicit(&N.seq, 1, memory_order_relaxed) + 1;
	auth_put_hex32(out, (uint32_t)now);
	auth_put_hex32(out + 8, seq);
	auth_nonce_mac(out, out + 16);
	out[AUTH_NONCE_LEN] = '\0';
	if (!shared)
		atomic_store_explicit(&N.slot[seq % AUTH_NC_SLOTS], AUTH_SLOT(seq, 0),
				      memory_order_relaxed);
}

enum auth_nonce_check auth_nonce_check(sip_str nonce, int64_t now, uint32_t *seq)
{
	uint32_t ts;
	char mac[33];
	if (!atomic_load_explicit(&N.ready, memory_order_acquire) || nonce.len != AUTH_NONCE_LEN || !auth_get_hex32(nonce.s, &ts)
	    || !auth_get_hex32(nonce.s + 8, seq))
		return AUTH_NONCE_BAD;
	auth_nonce_mac(nonce.s, mac);
	if (CRYPTO_memcmp(mac, nonce.s + 16, 32) != 0)
		return AUTH_NONCE_BAD;
	int64_t age = (int64_t)(uint32_t)((uint32_t)now - ts);
	if (age > (int64_t)auth_conf.nonce_expire)
		return AUTH_NONCE_STALE;
	if (atomic_load_explicit(&N.shared_nc, memory_order_relaxed))
		return AUTH_NONCE_OK;
	if (atomic_load_explicit(&N.slot[*seq % AUTH_NC_SLOTS], memory_order_relaxed) >> 32 != *seq)
		return AUTH_NONCE_STALE;
	return AUTH_NONCE_OK;
}

/* Two workers given the same nc (a retransmission read on both) race
 * on the compare-and-swap: one wins, the other sees a replay. */
bool auth_nc_accept(uint32_t seq, uint32_t nc)
{
	_Atomic uint64_t *slot = &N.slot[seq % AUTH_NC_SLOTS];
	uint64_t cur = atomic_load_explicit(slot, memory_order_relaxed);
	do {
		if (cur >> 32 != seq || nc <= (uint32_t)cur)
			return false;
	} while (!atomic_compare_exchange_weak_explicit(slot, &cur, AUTH_SLOT(seq, nc),
							memory_order_relaxed, memory_order_relaxed));
	return true;
}

bool auth_creds_for_us(sip_str body, bool (*realm_ours)(sip_str realm))
{
	struct auth_creds c;
	uint32_t seq;
	if (!auth_creds_parse(body, &c))
		return false;
	if (auth_nonce_check(c.nonce, (int64_t)time(NULL), &seq) != AUTH_NONCE_BAD)
		return true;
	return realm_ours && realm_ours(c.realm);
}
