/* The test runner sipcc test links with a policy (instead of the proxy's
 * main): runs every case of the test files, each in a process of its
 * own, prints what failed and a summary; with --coverage the statements
 * of the policy no case reached.
 *
 *     RUNNER --policy POLICY [--coverage] TESTS...
 *
 * Exit status 0 every case passed, 1 a case failed, 2 bad usage or a test
 * file that cannot be read. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "core/log.h"
#include "core/status.h"
#include "test/sipt.h"
#include "test/sipt_case.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run case i of f in a child process; its status: 0 passed, 1 failed,
 * 2 malformed, 3 crashed (reported here). */
static int run_case(struct sipt_file *f, int i, const char *tmpl, const char *dbp)
{
	static const char *const sfx[] = { "", "-journal", "-wal", "-shm" };
	/* A fresh database: nothing of the case before (its process ends
	 * without closing it). */
	for (unsigned k = 0; k < 4; k++) {
		char p[4300];
		snprintf(p, sizeof p, "%s%s", dbp, sfx[k]);
		unlink(p);
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "sipcc test: cannot fork: %s\n", strerror(errno));
		return 3;
	}
	if (pid == 0) {
		int rc = sipt_case_run(f, i, tmpl, dbp, stdout);
		fflush(stdout);
		_exit(rc);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) <= 2)
		return WEXITSTATUS(st);
	printf("FAIL %s:%d: %s\n  the case's process %s %d\n", f->path, sipt_case_line(f, i),
	       sipt_case_name(f, i), WIFSIGNALED(st) ? "was killed by signal" : "exited with",
	       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	return 3;
}

/* "file:line:col" in the order of the file, the line, the column. */
static int site_cmp(const void *a, const void *b)
{
	const char *x = sipt_site(*(const unsigned *)a), *y = sipt_site(*(const unsigned *)b);
	const char *xc = strchr(x, ':'), *yc = strchr(y, ':');
	size_t xl = xc ? (size_t)(xc - x) : strlen(x), yl = yc ? (size_t)(yc - y) : strlen(y);
	int c = strncmp(x, y, xl < yl ? xl : yl);
	if (c || xl != yl)
		return c ? c : (xl < yl ? -1 : 1);
	long xn = xc ? strtol(xc + 1, NULL, 10) : 0, yn = yc ? strtol(yc + 1, NULL, 10) : 0;
	if (xn != yn)
		return xn < yn ? -1 : 1;
	const char *xk = xc ? strchr(xc + 1, ':') : NULL, *yk = yc ? strchr(yc + 1, ':') : NULL;
	xn = xk ? strtol(xk + 1, NULL, 10) : 0;
	yn = yk ? strtol(yk + 1, NULL, 10) : 0;
	return xn < yn ? -1 : xn > yn;
}

/* The statements no case reached, in the order of the file. Statements
 * at one place (the steps a YAML key stands for) count once: reached when
 * any of them was. */
static void print_coverage(const char *policy, const uint32_t *hits, unsigned n)
{
	unsigned *order = calloc(n + 1, sizeof *order);
	unsigned places = 0, reached = 0;
	if (!order)
		return;
	for (unsigned i = 0; i < n; i++)
		order[i] = i;
	qsort(order, n, sizeof *order, site_cmp);
	for (unsigned i = 0; i < n;) {
		unsigned j = i;
		bool hit = false;
		for (; j < n && strcmp(sipt_site(order[j]), sipt_site(order[i])) == 0; j++)
			hit |= hits[order[j]] != 0;
		places++;
		reached += hit;
		i = j;
	}
	printf("coverage: %u of %u statements of %s reached\n", reached, places,
	       policy ? policy : "the policy");
	for (unsigned i = 0; i < n;) {
		unsigned j = i;
		bool hit = false;
		for (; j < n && strcmp(sipt_site(order[j]), sipt_site(order[i])) == 0; j++)
			hit |= hits[order[j]] != 0;
		if (!hit)
			printf("%s: not reached by any case\n", sipt_site(order[i]));
		i = j;
	}
	free(order);
}

int main(int argc, char **argv)
{
	const char *policy = NULL;
	bool coverage = false;
	int first = 1;

	for (; first < argc && argv[first][0] == '-'; first++) {
		if (strcmp(argv[first], "--policy") == 0 && first + 1 < argc)
			policy = argv[++first];
		else if (strcmp(argv[first], "--coverage") == 0)
			coverage = true;
		else {
			fprintf(stderr, "usage: %s [--policy POLICY] [--coverage] TESTS...\n", argv[0]);
			return 2;
		}
	}
	if (first == argc) {
		fprintf(stderr, "usage: %s [--policy POLICY] [--coverage] TESTS...\n", argv[0]);
		return 2;
	}
	/* $time is UTC in a test: a case's time: means the same anywhere. */
	setenv("TZ", "UTC", 1);
	tzset();
	const char *lv = getenv("SIPCC_TEST_LOG_LEVEL");
	sip_log_level = lv && sip_log_level_parse(lv) >= 0 ? sip_log_level_parse(lv) : SIP_LOG_ERR;

	/* The databases of the cases: in memory when /dev/shm is there. */
	const char *tmp = getenv("SIPCC_TEST_TMPDIR");
	if (!tmp || !*tmp)
		tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
	char dir[4096], tmpl[4200], dbp[4200];
	snprintf(dir, sizeof dir, "%s/sipcc-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		fprintf(stderr, "sipcc test: cannot create a directory in %s: %s\n",
			tmp && *tmp ? tmp : "/tmp", strerror(errno));
		return 2;
	}
	snprintf(tmpl, sizeof tmpl, "%s/schema.db", dir);
	snprintf(dbp, sizeof dbp, "%s/case.db", dir);
	if (sipt_db_create(tmpl) != SIP_OK) {
		rmdir(dir);
		return 2;
	}
	sipt_policy_init();
	/* What every case's process would set up again (OpenSSL's tables and
	 * random generator, for the digest nonces) is set up once here. */
	OPENSSL_init_crypto(OPENSSL_INIT_ADD_ALL_CIPHERS | OPENSSL_INIT_ADD_ALL_DIGESTS, NULL);
	unsigned char seed[16];
	RAND_bytes(seed, sizeof seed);
	EVP_MD_free(EVP_MD_fetch(NULL, "MD5", NULL));
	EVP_MD_free(EVP_MD_fetch(NULL, "SHA256", NULL));
	unsigned nsites = sipt_site_count();
	uint32_t *hits = mmap(NULL, (nsites + 1) * sizeof *hits, PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (hits == MAP_FAILED) {
		fprintf(stderr, "sipcc test: out of memory\n");
		return 2;
	}
	sipt_hits_share(hits);

	int passed = 0, failed = 0, skipped = 0, rc = 0;
	double t0 = now_s();
	for (int k = first; k < argc; k++) {
		struct sipt_file f;
		char why[1024];
		if (!sipt_file_load(&f, argv[k], why, sizeof why)) {
			fprintf(stderr, "sipcc test: %s\n", why);
			rc = 2;
			continue;
		}
		for (int i = 0; i < sipt_file_count(&f); i++) {
			if (!sipt_case_applies(&f, i, policy))
				skipped++;
			else if (run_case(&f, i, tmpl, dbp) == 0)
				passed++;
			else
				failed++;
		}
		sipt_file_free(&f);
	}
	double el = now_s() - t0;
	if (skipped)
		printf("%d passed, %d failed, %d skipped (only: another language) (%.2f s)\n",
		       passed, failed, skipped, el);
	else
		printf("%d passed, %d failed (%.2f s)\n", passed, failed, el);
	if (coverage)
		print_coverage(policy, hits, nsites);
	static const char *const sfx[] = { "", "-journal", "-wal", "-shm" };
	for (unsigned i = 0; i < 4; i++) {
		char p[4300];
		snprintf(p, sizeof p, "%s%s", tmpl, sfx[i]);
		unlink(p);
		snprintf(p, sizeof p, "%s%s", dbp, sfx[i]);
		unlink(p);
	}
	rmdir(dir);
	if (rc)
		return rc;
	return failed ? 1 : 0;
}
