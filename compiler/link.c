/* Linking a policy object with the runtime library into the proxy, by
 * running the C compiler directly (no shell). */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "codegen.h"

#ifndef SIPCC_LINK_CC
#define SIPCC_LINK_CC "cc"
#endif
#ifndef SIPCC_RUNTIME_LIB
#define SIPCC_RUNTIME_LIB "libsiprt.a"
#endif
#ifndef SIPCC_LINK_LIBS
#define SIPCC_LINK_LIBS "-lpthread"
#endif
#ifndef SIPCC_TEST_LIBS
#define SIPCC_TEST_LIBS "-lyaml"
#endif

extern char **environ;

struct cc_argv {
	char **v;
	int n, cap;
	char *store[3];             /* copies the word lists point into */
};

static void cc_argv_push(struct cc_argv *a, char *s)
{
	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? 2 * a->cap : 16;
		a->v = realloc(a->v, (size_t)a->cap * sizeof *a->v);
		if (!a->v)
			abort();
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

/* Append the blank-separated words of S; the copy they point into is kept
 * in slot so it can be freed with the vector. */
static void cc_argv_push_words(struct cc_argv *a, const char *s, int slot)
{
	char *copy = strdup(s);
	if (!copy)
		abort();
	a->store[slot] = copy;
	for (char *w = strtok(copy, " \t\n"); w; w = strtok(NULL, " \t\n"))
		cc_argv_push(a, w);
}

static void cc_argv_free(struct cc_argv *a)
{
	for (int i = 0; i < 3; i++)
		free(a->store[i]);
	free(a->v);
}

/* The setting from environment variable ENV when set, else the configured
 * default. An empty value counts as unset unless EMPTY_OK (SIPCC_LIBS="" asks
 * for no extra libraries). */
static const char *cc_link_setting(const char *env, const char *dflt, bool empty_ok)
{
	const char *v = getenv(env);
	return v && (*v || empty_ok) ? v : dflt;
}

static void cc_argv_print(const struct cc_argv *a, FILE *out)
{
	for (int i = 0; i < a->n; i++)
		fprintf(out, "%s%s", i ? " " : "", a->v[i]);
	fputc('\n', out);
}

/* The proxy: the policy object, the whole runtime library (every module,
 * so a policy loaded later by "policy load" finds whatever it calls) and
 * its symbols exported for that policy; or, hot, the policy alone as a
 * shared object whose undefined symbols the running proxy provides, bound
 * to its own definitions first (-Bsymbolic); or the test runner of sipcc
 * test: the policy, the test engine test_rt and the runtime library taken
 * member by member, so that the engine's main() (given first) keeps the
 * proxy's main.o out, and the engine's libraries test_libs. */
enum cc_link_mode { CC_LINK_PROXY, CC_LINK_HOT, CC_LINK_TEST };

static bool cc_link_run(const char *obj_path, const char *out_path, enum cc_link_mode mode,
			const char *test_rt, const char *test_libs)
{
	const char *cc = cc_link_setting("SIPCC_CC", SIPCC_LINK_CC, false);
	const char *rt = cc_link_setting("SIPCC_RUNTIME", SIPCC_RUNTIME_LIB, false);
	const char *libs = cc_link_setting("SIPCC_LIBS", SIPCC_LINK_LIBS, true);

	if (mode != CC_LINK_HOT && access(rt, R_OK) != 0) {
		fprintf(stderr, "sipcc: error: runtime library not found at %s; set SIPCC_RUNTIME\n",
			rt);
		return false;
	}
	if (test_rt && access(test_rt, R_OK) != 0) {
		fprintf(stderr, "sipcc: error: test engine library not found at %s; "
			"set SIPCC_TEST_RUNTIME\n", test_rt);
		return false;
	}

	struct cc_argv a = { 0 };
	cc_argv_push_words(&a, cc, 0);
	if (a.n == 0) {
		fprintf(stderr, "sipcc: error: no C compiler to link with; set SIPCC_CC\n");
		cc_argv_free(&a);
		return false;
	}
	if (mode == CC_LINK_HOT) {
		cc_argv_push(&a, "-shared");
		cc_argv_push(&a, "-Wl,-Bsymbolic");
		cc_argv_push(&a, (char *)obj_path);
	} else if (mode == CC_LINK_TEST) {
		cc_argv_push(&a, (char *)obj_path);
		cc_argv_push(&a, (char *)test_rt);
		cc_argv_push(&a, (char *)rt);
		cc_argv_push_words(&a, libs, 1);
		cc_argv_push_words(&a, test_libs, 2);
	} else {
		cc_argv_push(&a, "-Wl,--export-dynamic");
		cc_argv_push(&a, (char *)obj_path);
		cc_argv_push(&a, "-Wl,--whole-archive");
		cc_argv_push(&a, (char *)rt);
		cc_argv_push(&a, "-Wl,--no-whole-archive");
		cc_argv_push_words(&a, libs, 1);
	}
	cc_argv_push(&a, "-o");
	cc_argv_push(&a, (char *)out_path);

	bool ok = false;
	pid_t pid;
	int rc = posix_spawnp(&pid, a.v[0], NULL, NULL, a.v, environ);
	if (rc != 0) {
		fprintf(stderr, "sipcc: error: cannot run %s: %s\n", a.v[0], strerror(rc));
		fprintf(stderr, "sipcc: note: link command: ");
		cc_argv_print(&a, stderr);
		cc_argv_free(&a);
		return false;
	}
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "sipcc: error: waiting for the linker: %s\n", strerror(errno));
			cc_argv_free(&a);
			return false;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		ok = true;
	} else {
		if (WIFEXITED(status))
			fprintf(stderr, "sipcc: error: linking failed (exit status %d)\n",
				WEXITSTATUS(status));
		else
			fprintf(stderr, "sipcc: error: linker killed by signal %d\n",
				WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		fprintf(stderr, "sipcc: note: link command: ");
		cc_argv_print(&a, stderr);
	}
	cc_argv_free(&a);
	return ok;
}

bool cc_link(const char *obj_path, const char *out_path)
{
	return cc_link_run(obj_path, out_path, CC_LINK_PROXY, NULL, NULL);
}

bool cc_link_hot(const char *obj_path, const char *out_path)
{
	return cc_link_run(obj_path, out_path, CC_LINK_HOT, NULL, NULL);
}

bool cc_link_test(const char *obj_path, const char *out_path)
{
	const char *rt = cc_link_setting("SIPCC_RUNTIME", SIPCC_RUNTIME_LIB, false);
	const char *test_rt = getenv("SIPCC_TEST_RUNTIME");
	const char *libs = cc_link_setting("SIPCC_TEST_LIBS", SIPCC_TEST_LIBS, true);
	char beside[4096];

	if (!test_rt || !*test_rt) {
		const char *slash = strrchr(rt, '/');
		int dir = slash ? (int)(slash - rt + 1) : 0;
		snprintf(beside, sizeof beside, "%.*slibsiprt_test.a", dir, rt);
		test_rt = beside;
	}
	return cc_link_run(obj_path, out_path, CC_LINK_TEST, test_rt, libs);
}
