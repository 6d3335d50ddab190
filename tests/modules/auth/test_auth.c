/* Digest computations (RFC 2617 §3.5, RFC 7616 §3.9.1 vectors), parsing
 * of credentials, nonce expiry and nonce-count replay protection. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "auth/auth.h"

#define S(lit) SIP_STR_LIT(lit)

static void test_rfc2617_md5(void **state)
{
	(void)state;
	char ha1[AUTH_HEX_MAX + 1], resp[AUTH_HEX_MAX + 1];
	struct auth_creds c;
	size_t n = auth_ha1(AUTH_MD5, S("Mufasa"), S("testrealm@host.com"), S("Circle Of Life"), ha1);
	assert_int_equal(n, 32);
	assert_true(auth_creds_parse(S("Digest username=\"Mufasa\", realm=\"testrealm@host.com\","
				       " nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\","
				       " uri=\"/dir/index.html\", qop=auth, nc=00000001,"
				       " cnonce=\"0a4f113b\","
				       " response=\"6629fae49393a05397450978507c4ef1\","
				       " opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""), &c));
	assert_int_equal(c.alg, AUTH_MD5);
	assert_int_equal(c.nc_val, 1);
	auth_response(AUTH_MD5, sip_str_make(ha1, n), S("GET"), &c, resp);
	assert_string_equal(resp, "6629fae49393a05397450978507c4ef1");
}

static void test_rfc7616_md5_sha256(void **state)
{
	(void)state;
	static const char *const algs[2] = { "MD5", "SHA-256" };
	static const char *const want[2] = {
		"8ca523f5e9506fed4657c9700eebdbec",
		"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
	};
	for (int i = 0; i < 2; i++) {
		char hdr[512], ha1[AUTH_HEX_MAX + 1], resp[AUTH_HEX_MAX + 1];
		struct auth_creds c;
		snprintf(hdr, sizeof hdr,
			 "Digest username=\"Mufasa\", realm=\"http-auth@example.org\","
			 " uri=\"/dir/index.html\", algorithm=%s,"
			 " nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", nc=00000001,"
			 " cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", qop=auth,"
			 " response=\"%s\", opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"",
			 algs[i], want[i]);
		assert_true(auth_creds_parse(sip_str_make(hdr, strlen(hdr)), &c));
		assert_int_equal(c.alg, i ? AUTH_SHA256 : AUTH_MD5);
		size_t n = auth_ha1(c.alg, c.username, c.realm, S("Circle of Life"), ha1);
		assert_int_equal(n, i ? 64 : 32);
		auth_response(c.alg, sip_str_make(ha1, n), S("GET"), &c, resp);
		assert_string_equal(resp, want[i]);
		assert_true(sip_str_eq(c.response, sip_str_make(want[i], strlen(want[i]))));
	}
}

static void test_parse_rejects(void **state)
{
	(void)state;
	struct auth_creds c;
	/* Another scheme, a missing response, an unknown algorithm, qop
	 * without nc, nc of 0 and an unterminated quote are all refused. */
	assert_false(auth_creds_parse(S("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="), &c));
	assert_false(auth_creds_parse(S("Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"u\""), &c));
	assert_false(auth_creds_parse(S("Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"u\","
					" response=\"x\", algorithm=SHA-512-256"), &c));
	assert_false(auth_creds_parse(S("Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"u\","
					" response=\"x\", qop=auth, cnonce=\"c\""), &c));
	assert_false(auth_creds_parse(S("Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"u\","
					" response=\"x\", qop=auth, cnonce=\"c\", nc=00000000"), &c));
	assert_false(auth_creds_parse(S("Digest username=\"a, realm=\"r\""), &c));
	/* Without qop (RFC 2069 style) the credentials parse. */
	assert_true(auth_creds_parse(S("Digest username=\"a\",realm=\"r\",nonce=\"n\",uri=\"u\","
				       "response=\"x\""), &c));
	assert_int_equal(c.qop.len, 0);
}

static void test_nonce_expiry_and_forgery(void **state)
{
	(void)state;
	char nonce[AUTH_NONCE_LEN + 1];
	uint32_t seq;
	auth_nonce_init();
	auth_conf.nonce_expire = 30;
	auth_nonce_make(1000000, nonce);
	sip_str n = sip_str_make(nonce, strlen(nonce));
	assert_int_equal(n.len, AUTH_NONCE_LEN);
	assert_int_equal(auth_nonce_check(n, 1000000, &seq), AUTH_NONCE_OK);
	assert_int_equal(auth_nonce_check(n, 1000030, &seq), AUTH_NONCE_OK);
	assert_int_equal(auth_nonce_check(n, 1000031, &seq), AUTH_NONCE_STALE);
	/* A changed time stamp breaks the HMAC: not ours, not stale. */
	char forged[AUTH_NONCE_LEN + 1];
	memcpy(forged, nonce, sizeof forged);
	forged[7] = forged[7] == '0' ? '1' : '0';
	assert_int_equal(auth_nonce_check(sip_str_make(forged, AUTH_NONCE_LEN), 1000000, &seq),
			 AUTH_NONCE_BAD);
	assert_int_equal(auth_nonce_check(S("short"), 1000000, &seq), AUTH_NONCE_BAD);
	/* A new secret (a restart) makes old nonces foreign. */
	auth_nonce_init();
	assert_int_equal(auth_nonce_check(n, 1000000, &seq), AUTH_NONCE_BAD);
}

static void test_nc_replay(void **state)
{
	(void)state;
	char nonce[AUTH_NONCE_LEN + 1];
	uint32_t seq;
	auth_nonce_init();
	auth_nonce_make(5000, nonce);
	assert_int_equal(auth_nonce_check(sip_str_make(nonce, AUTH_NONCE_LEN), 5000, &seq),
			 AUTH_NONCE_OK);
	assert_true(auth_nc_accept(seq, 1));
	assert_false(auth_nc_accept(seq, 1));     /* the same request again */
	assert_true(auth_nc_accept(seq, 2));
	assert_false(auth_nc_accept(seq, 1));     /* an older count */
	assert_true(auth_nc_accept(seq, 7));      /* counts may skip */
	/* Once AUTH_NC_SLOTS newer nonces have been issued, the slot belongs
	 * to another nonce: the old one is stale. */
	for (uint32_t i = 0; i < AUTH_NC_SLOTS; i++) {
		char other[AUTH_NONCE_LEN + 1];
		auth_nonce_make(5000, other);
	}
	assert_int_equal(auth_nonce_check(sip_str_make(nonce, AUTH_NONCE_LEN), 5000, &seq),
			 AUTH_NONCE_STALE);
	assert_false(auth_nc_accept(seq, 8));
}

/* auth.secret: proxies given the same passphrase accept each other's
 * nonces (a process that starts again stands for the other proxy: its
 * slots are empty); another passphrase or none does not. With the counts
 * in a cluster store the slots are not consulted; without, a nonce this
 * process did not issue is stale (challenged again), not foreign. */
static void test_shared_secret(void **state)
{
	(void)state;
	char nonce[AUTH_NONCE_LEN + 1], next[AUTH_NONCE_LEN + 1];
	uint32_t seq, seq2;
	auth_conf.nonce_expire = 30;
	auth_nonce_init_shared("cluster passphrase", true);
	auth_nonce_make(7000, nonce);
	auth_nonce_make(7000, next);
	sip_str n = sip_str_make(nonce, AUTH_NONCE_LEN);
	assert_int_equal(auth_nonce_check(n, 7000, &seq), AUTH_NONCE_OK);
	/* Sequence numbers are drawn, not counted: two proxies do not issue
	 * the same nonce in one second. */
	assert_int_equal(auth_nonce_check(sip_str_make(next, AUTH_NONCE_LEN), 7000, &seq2),
			 AUTH_NONCE_OK);
	assert_int_not_equal(seq2, seq + 1);
	/* The other proxy. */
	auth_nonce_init_shared("cluster passphrase", true);
	assert_int_equal(auth_nonce_check(n, 7005, &seq), AUTH_NONCE_OK);
	assert_int_equal(auth_nonce_check(n, 7031, &seq), AUTH_NONCE_STALE);
	auth_nonce_init_shared("cluster passphrase", false);
	assert_int_equal(auth_nonce_check(n, 7005, &seq), AUTH_NONCE_STALE);
	auth_nonce_init_shared("another one", true);
	assert_int_equal(auth_nonce_check(n, 7005, &seq), AUTH_NONCE_BAD);
	auth_nonce_init_shared("", true);
	assert_int_equal(auth_nonce_check(n, 7005, &seq), AUTH_NONCE_BAD);
	/* Without a store the slots work as before. */
	auth_nonce_init_shared("cluster passphrase", false);
	auth_nonce_make(8000, nonce);
	assert_int_equal(auth_nonce_check(sip_str_make(nonce, AUTH_NONCE_LEN), 8000, &seq),
			 AUTH_NONCE_OK);
	assert_true(auth_nc_accept(seq, 1));
	assert_false(auth_nc_accept(seq, 1));
	auth_nonce_init();
}

/* Workers check nonces concurrently: several threads issue nonces and
 * present the same nonce-counts for them at once (a retransmission read
 * on two workers). Each count is taken at most once, the highest of each
 * nonce exactly once, and no two nonces share a sequence number. The
 * threads count; the main thread asserts (cmocka is not thread-safe). */
#define NCT_THREADS 4
#define NCT_NONCES  2000
#define NCT_COUNTS  40
static uint32_t nct_seq[NCT_NONCES];
static unsigned char nct_taken[NCT_NONCES][NCT_COUNTS + 1];
static pthread_mutex_t nct_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned nct_bad;

static void *nct_issue(void *arg)
{
	unsigned k = (unsigned)(uintptr_t)arg;
	for (unsigned i = k; i < NCT_NONCES; i += NCT_THREADS) {
		char nonce[AUTH_NONCE_LEN + 1];
		auth_nonce_make(5000, nonce);
		if (auth_nonce_check(sip_str_make(nonce, AUTH_NONCE_LEN), 5000, &nct_seq[i]) != AUTH_NONCE_OK)
			__atomic_add_fetch(&nct_bad, 1, __ATOMIC_RELAXED);
	}
	auth_nonce_thread_done();
	return NULL;
}

static void *nct_accept(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < NCT_NONCES; i++)
		for (uint32_t nc = 1; nc <= NCT_COUNTS; nc++)
			if (auth_nc_accept(nct_seq[i], nc)) {
				pthread_mutex_lock(&nct_mu);
				nct_taken[i][nc]++;
				pthread_mutex_unlock(&nct_mu);
			}
	return NULL;
}

static void nct_run(void *(*fn)(void *))
{
	pthread_t th[NCT_THREADS];
	for (unsigned k = 0; k < NCT_THREADS; k++)
		assert_int_equal(pthread_create(&th[k], NULL, fn, (void *)(uintptr_t)k), 0);
	for (unsigned k = 0; k < NCT_THREADS; k++)
		pthread_join(th[k], NULL);
}

static void test_nonces_concurrent(void **state)
{
	(void)state;
	auth_nonce_init();
	nct_run(nct_issue);
	assert_int_equal(nct_bad, 0);
	unsigned dup = 0;
	for (unsigned i = 1; i < NCT_NONCES; i++)
		for (unsigned j = 0; j < i; j++)
			dup += nct_seq[i] == nct_seq[j];
	assert_int_equal(dup, 0);
	nct_run(nct_accept);
	for (unsigned i = 0; i < NCT_NONCES; i++) {
		for (unsigned nc = 1; nc <= NCT_COUNTS; nc++)
			assert_true(nct_taken[i][nc] <= 1);
		assert_int_equal(nct_taken[i][NCT_COUNTS], 1);
	}
}

/* auth.algorithms: the offered algorithms in order; MD5 alone unless
 * the list says otherwise; anything else is refused as a whole. */
static void test_algorithms_setting(void **state)
{
	(void)state;
	enum auth_alg a[AUTH_NALGS];
	assert_int_equal(auth_conf.n_algs, 1);
	assert_int_equal(auth_conf.algs[0], AUTH_MD5);
	assert_false(auth_alg_offered(AUTH_SHA256));
	assert_int_equal(auth_algs_parse("MD5", a), 1);
	assert_int_equal(a[0], AUTH_MD5);
	assert_int_equal(auth_algs_parse("sha-256 , md5", a), 2);
	assert_int_equal(a[0], AUTH_SHA256);
	assert_int_equal(a[1], AUTH_MD5);
	assert_int_equal(auth_algs_parse("SHA-256", a), 1);
	assert_int_equal(a[0], AUTH_SHA256);
	assert_int_equal(auth_algs_parse("", a), 0);
	assert_int_equal(auth_algs_parse("MD5,", a), 0);
	assert_int_equal(auth_algs_parse("MD5,MD5", a), 0);
	assert_int_equal(auth_algs_parse("SHA1", a), 0);
	assert_int_equal(auth_algs_parse(NULL, a), 0);
	assert_string_equal(auth_alg_name(AUTH_SHA256), "SHA-256");
	assert_string_equal(auth_alg_name(AUTH_MD5), "MD5");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc2617_md5),
		cmocka_unit_test(test_rfc7616_md5_sha256),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_nonce_expiry_and_forgery),
		cmocka_unit_test(test_nc_replay),
		cmocka_unit_test(test_shared_secret),
		cmocka_unit_test(test_nonces_concurrent),
		cmocka_unit_test(test_algorithms_setting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
