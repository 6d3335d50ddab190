#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ast.h"
#include "ast_print.h"
#include "codegen.h"
#include "diag.h"
#include "sema.h"
#include "yaml_front.h"

/* Exit statuses: 0 success, 1 the policy has errors or a step failed,
 * 2 the command line is wrong. */
enum { CC_EXIT_OK = 0, CC_EXIT_FAIL = 1, CC_EXIT_USAGE = 2 };

struct cc_opts {
	const char *cmd;
	const char *policy;
	const char *out;
	const char **defines;
	const char **tests;         /* test: the test files */
	int ntests;
	bool coverage;
	int ndefines;
	bool emit_llvm;
	bool hot;
	bool obj_only;              /* build -c: the object, not linked */
	bool probes;                /* build --probes: statement probes (test engine) */
	bool werror;
	bool json;
	int opt_level;
	enum cc_doc_format doc_format;
};

static void cc_usage(FILE *out)
{
	fputs("usage: sipcc build POLICY -o OUT [-D NAME[=VALUE]]... [--hot | --emit-llvm | -c [--probes]]\n"
	      "                    [-O0..3] [-Werror] [--format=text|json]\n"
	      "       sipcc check POLICY [-D NAME[=VALUE]]... [-Werror] [--format=text|json]\n"
	      "       sipcc test POLICY [TESTS...] [-D NAME[=VALUE]]... [--coverage]\n"
	      "       sipcc explain POLICY\n"
	      "       sipcc fmt POLICY.sip\n"
	      "       sipcc doc [--c-header | --symbols]\n"
	      "       sipcc --help | --version\n"
	      "\n"
	      "commands:\n"
	      "  build        check POLICY and compile it into the proxy executable OUT\n"
	      "  check        check POLICY and report errors and warnings; generates nothing\n"
	      "  test         compile POLICY with the test engine and run the cases of\n"
	      "               TESTS (default: POLICY's name with .test.yaml) without a\n"
	      "               network; exit status 1 when a case fails (sipcc-test(5))\n"
	      "  explain      print POLICY (a .yaml policy, or a .sip one) as the policy\n"
	      "               language, then check it\n"
	      "  fmt          print POLICY.sip in the canonical layout, comments kept\n"
	      "  doc          print the stdlib reference (functions, pseudo-variables,\n"
	      "               constants) as roff; with --c-header the C prototypes the\n"
	      "               runtime defines them with, with --symbols the C symbols\n"
	      "               they call, one a line\n"
	      "\n"
	      "options:\n"
	      "  -o OUT       the executable to write (build)\n"
	      "  -D NAME=VAL  set a compile-time value, overriding the policy's\n"
	      "               'define NAME = ...'; digits make an int, true/false a bool,\n"
	      "               anything else a string; -D NAME means true\n"
	      "  --hot        write OUT as a policy a running proxy built from the same\n"
	      "               sipcc loads in place of its own (sipcc-ctl policy load OUT)\n"
	      "  --emit-llvm  write LLVM IR text to OUT instead of linking (build)\n"
	      "  -c           write the policy's object file to OUT instead of linking\n"
	      "               (build; link it with libsiprt.a, or with --probes with\n"
	      "               libsiprt_test.a and libsiprt.a for the test engine's C API)\n"
	      "  --probes     with -c: the statement probes of a test build (sipcc test)\n"
	      "  -O0 .. -O3   optimisation level (default -O2)\n"
	      "  -Werror      treat warnings as errors\n"
	      "  --coverage   list the statements of POLICY no case reached (test)\n"
	      "  --format=json  print each diagnostic as one JSON object on one line\n"
	      "               of stderr (file, line, col, len, severity, id, name,\n"
	      "               message, notes); --format=text (default) is for people\n"
	      "\n"
	      "environment:\n"
	      "  SIPCC_STDLIB   directory of the stdlib .sipi files\n"
	      "  SIPCC_CC, SIPCC_RUNTIME, SIPCC_LIBS   linker, runtime library, extra libraries\n"
	      "  SIPCC_TEST_RUNTIME, SIPCC_TEST_LIBS  test engine library, its libraries\n"
	      "  TMPDIR         where intermediate object files go\n"
	      "\n"
	      "exit status: 0 success, 1 errors in the policy, a failed step or a failed\n"
	      "             test case, 2 bad usage (test: also a policy that does not compile)\n",
	      out);
}

static int cc_usage_error(const char *fmt, const char *arg)
{
	fputs("sipcc: error: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nsipcc: see 'sipcc --help'\n", stderr);
	return CC_EXIT_USAGE;
}

/* Read the options after the command word. Options and the policy may come
 * in any order. Returns CC_EXIT_OK or the status to exit with. */
static int cc_opts_parse(int argc, char **argv, struct cc_opts *o)
{
	bool build = strcmp(o->cmd, "build") == 0;
	bool check = strcmp(o->cmd, "check") == 0 || strcmp(o->cmd, "explain") == 0;
	bool fmt = strcmp(o->cmd, "fmt") == 0;
	bool doc = strcmp(o->cmd, "doc") == 0;
	bool test = strcmp(o->cmd, "test") == 0;

	o->defines = cc_alloc((size_t)argc * sizeof *o->defines);
	o->tests = cc_alloc((size_t)argc * sizeof *o->tests);
	if (test)
		check = true;       /* -D, -Werror, --format */
	o->opt_level = 2;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			cc_usage(stdout);
			exit(CC_EXIT_OK);
		} else if ((build || check) && strncmp(a, "-D", 2) == 0) {
			const char *v = a[2] ? a + 2 : (i + 1 < argc ? argv[++i] : NULL);
			if (!v)
				return cc_usage_error("option '%s' needs NAME or NAME=VALUE", a);
			o->defines[o->ndefines++] = v;
		} else if (build && strncmp(a, "-o", 2) == 0) {
			const char *v = a[2] ? a + 2 : (i + 1 < argc ? argv[++i] : NULL);
			if (!v)
				return cc_usage_error("option '%s' needs a file name", a);
			o->out = v;
		} else if (build && strcmp(a, "--emit-llvm") == 0) {
			o->emit_llvm = true;
		} else if (build && strcmp(a, "--hot") == 0) {
			o->hot = true;
		} else if (build && strcmp(a, "-c") == 0) {
			o->obj_only = true;
		} else if (build && strcmp(a, "--probes") == 0) {
			o->probes = true;
		} else if (build && strncmp(a, "-O", 2) == 0) {
			if (a[2] == '\0')
				o->opt_level = 2;
			else if (a[2] >= '0' && a[2] <= '3' && a[3] == '\0')
				o->opt_level = a[2] - '0';
			else
				return cc_usage_error("invalid optimisation level '%s' (use -O0 to -O3)", a);
		} else if ((build || check) && strcmp(a, "-Werror") == 0) {
			o->werror = true;
		} else if ((build || check) && strncmp(a, "--format=", 9) == 0) {
			if (strcmp(a + 9, "json") == 0)
				o->json = true;
			else if (strcmp(a + 9, "text") != 0)
				return cc_usage_error("unknown diagnostics format '%s' (use text or json)",
						      a + 9);
		} else if (test && strcmp(a, "--coverage") == 0) {
			o->coverage = true;
		} else if (doc && strcmp(a, "--c-header") == 0) {
			o->doc_format = CC_DOC_C_HEADER;
		} else if (doc && strcmp(a, "--symbols") == 0) {
			o->doc_format = CC_DOC_SYMBOLS;
		} else if (a[0] == '-' && a[1] != '\0') {
			char msg[128];
			snprintf(msg, sizeof msg, "unknown option '%%s' for 'sipcc %s'", o->cmd);
			return cc_usage_error(msg, a);
		} else if (!build && !check && !fmt) {
			return cc_usage_error("unexpected argument '%s'", a);
		} else if (o->policy && test) {
			o->tests[o->ntests++] = a;
		} else if (o->policy) {
			return cc_usage_error("only one policy file can be given (also got '%s')", a);
		} else {
			o->policy = a;
		}
	}
	if ((build || check || fmt) && !o->policy)
		return cc_usage_error("%s: no policy file given", o->cmd);
	if (build && !o->out)
		return cc_usage_error("%s: missing -o OUT (the executable to write)", o->cmd);
	if (o->hot && o->emit_llvm)
		return cc_usage_error("%s: --hot and --emit-llvm do not go together", o->cmd);
	if (o->probes && !o->obj_only)
		return cc_usage_error("%s: --probes needs -c (a test build links with the test engine)",
				      o->cmd);
	if (o->obj_only && (o->emit_llvm || o->hot))
		return cc_usage_error("%s: -c writes the object: not with --emit-llvm or --hot", o->cmd);
	return CC_EXIT_OK;
}

/* Parse the policy, DSL or YAML by its extension, and load the stdlib
 * (before a YAML policy: its actions lower to calls only when the stdlib
 * declares them). Returns false when the policy could not be read or the
 * stdlib not loaded (reported). */
static bool cc_front_parse(const struct cc_opts *o, struct cc_program *p,
			   enum cc_parse_result *r)
{
	cc_diag_set_werror(o->werror);
	cc_diag_set_json(o->json);
	if (cc_yaml_is_policy(o->policy)) {
		if (!cc_stdlib_load(p, cc_stdlib_dir())) {
			cc_diag_summary();
			return false;
		}
		*r = cc_yaml_parse_file(p, o->policy);
		return *r != CC_PARSE_UNREADABLE;
	}
	*r = cc_parse_file(p, o->policy, CC_SRC_POLICY);
	if (*r == CC_PARSE_UNREADABLE)
		return false;
	if (!cc_stdlib_load(p, cc_stdlib_dir())) {
		cc_diag_summary();
		return false;
	}
	return true;
}

/* Parse and check the policy against the stdlib. Returns the program, or
 * NULL when anything was wrong (already reported). */
static struct cc_program *cc_front(const struct cc_opts *o)
{
	struct cc_program *p = cc_alloc(sizeof *p);
	enum cc_parse_result r;

	if (!cc_front_parse(o, p, &r))
		return NULL;
	for (int i = 0; i < o->ndefines; i++)
		cc_sema_define(p, o->defines[i]);
	cc_sema_check(p, o->policy, r != CC_PARSE_OK);
	cc_diag_summary();
	return cc_diag_errors() ? NULL : p;
}

/* explain: print the policy as DSL, then check it. The text is taken
 * before sema, which rewrites names into the values they stand for, and
 * printed whenever the policy parsed, so a policy that fails a check can
 * still be read as the language. */
static int cc_cmd_explain(const struct cc_opts *o)
{
	struct cc_program *p = cc_alloc(sizeof *p);
	enum cc_parse_result r;
	char *text = NULL;
	size_t len = 0;
	FILE *m;

	if (!cc_front_parse(o, p, &r))
		return CC_EXIT_FAIL;
	m = open_memstream(&text, &len);
	if (!m) {
		cc_diag_fatal("out of memory");
		return CC_EXIT_FAIL;
	}
	cc_ast_print(p, m);
	fclose(m);
	for (int i = 0; i < o->ndefines; i++)
		cc_sema_define(p, o->defines[i]);
	cc_sema_check(p, o->policy, r != CC_PARSE_OK);
	cc_diag_summary();
	if (r == CC_PARSE_OK)
		fwrite(text, 1, len, stdout);
	free(text);
	if (fflush(stdout) != 0)
		return CC_EXIT_FAIL;
	return cc_diag_errors() ? CC_EXIT_FAIL : CC_EXIT_OK;
}

/* fmt: parse the policy (no stdlib, no checks: a policy that does not
 * check yet can be formatted) and print it in the canonical layout. On a
 * syntax error nothing is printed. */
static int cc_cmd_fmt(const struct cc_opts *o)
{
	struct cc_program *p = cc_alloc(sizeof *p);
	char *text = NULL;
	size_t len = 0;

	if (cc_yaml_is_policy(o->policy)) {
		cc_diag_fatal("fmt formats policies in the policy language; '%s' is YAML "
			      "('sipcc explain %s' prints the policy language it means)",
			      o->policy, o->policy);
		return CC_EXIT_FAIL;
	}
	enum cc_parse_result r = cc_parse_file(p, o->policy, CC_SRC_POLICY);
	if (r != CC_PARSE_OK || cc_diag_errors()) {
		cc_diag_summary();
		return CC_EXIT_FAIL;
	}
	FILE *m = open_memstream(&text, &len);
	if (!m) {
		cc_diag_fatal("out of memory");
		return CC_EXIT_FAIL;
	}
	bool all = cc_ast_fmt(p, o->policy, m);
	fclose(m);
	if (!all) {
		cc_diag_fatal("cannot keep every comment of '%s' in place; not formatting it",
			      o->policy);
		free(text);
		return CC_EXIT_FAIL;
	}
	fwrite(text, 1, len, stdout);
	free(text);
	return fflush(stdout) == 0 ? CC_EXIT_OK : CC_EXIT_FAIL;
}

/* build: check, lower to an object in $TMPDIR (or IR text into OUT), link. */
static int cc_cmd_build(const struct cc_opts *o)
{
	struct cc_program *p = cc_front(o);
	struct cc_codegen_opts cg = {
		.emit_llvm = o->emit_llvm,
		.module_name = o->policy,
		.opt_level = o->opt_level,
	};
	char *obj;
	bool ok;

	if (!p)
		return CC_EXIT_FAIL;
	if (o->emit_llvm || o->obj_only) {
		cg.out_path = o->out;
		cg.probes = o->probes;
		cg.probe_skip = cc_stdlib_dir();
		return cc_codegen(p, &cg) ? CC_EXIT_OK : CC_EXIT_FAIL;
	}

	const char *tmpdir = getenv("TMPDIR");
	if (!tmpdir || !*tmpdir)
		tmpdir = "/tmp";
	size_t n = strlen(tmpdir) + 32;
	obj = cc_alloc(n);
	snprintf(obj, n, "%s/sipcc-XXXXXX.o", tmpdir);
	int fd = mkstemps(obj, 2);
	if (fd < 0) {
		cc_diag_fatal("cannot create a temporary object file in '%s': %m", tmpdir);
		return CC_EXIT_FAIL;
	}
	close(fd);
	cg.out_path = obj;
	ok = cc_codegen(p, &cg) && (o->hot ? cc_link_hot(obj, o->out) : cc_link(obj, o->out));
	unlink(obj);
	return ok ? CC_EXIT_OK : CC_EXIT_FAIL;
}

/* A temporary file in $TMPDIR named sipcc-XXXXXX plus suffix; NULL when
 * it cannot be made (reported). */
static char *cc_tmp_file(const char *suffix)
{
	const char *tmpdir = getenv("TMPDIR");
	if (!tmpdir || !*tmpdir)
		tmpdir = "/tmp";
	size_t n = strlen(tmpdir) + strlen(suffix) + 32;
	char *path = cc_alloc(n);
	snprintf(path, n, "%s/sipcc-XXXXXX%s", tmpdir, suffix);
	int fd = mkstemps(path, (int)strlen(suffix));
	if (fd < 0) {
		cc_diag_fatal("cannot create a temporary file in '%s': %m", tmpdir);
		return NULL;
	}
	close(fd);
	return path;
}

/* The test file beside POLICY: its name without the extension, plus
 * .test.yaml. */
static const char *cc_test_default(const char *policy)
{
	const char *slash = strrchr(policy, '/');
	const char *dot = strrchr(slash ? slash : policy, '.');
	size_t base = dot ? (size_t)(dot - policy) : strlen(policy);
	char *t = cc_alloc(base + 16);
	memcpy(t, policy, base);
	strcpy(t + base, ".test.yaml");
	return t;
}

/* test: check POLICY, compile it with statement probes, link it with the
 * test engine (runtime/test) instead of the proxy's main, and run that
 * program on the test files. Its status is ours: 0 every case passed, 1
 * a case failed; 2 for a policy that does not compile, a test file that
 * cannot be read, or a program that did not finish. */
static int cc_cmd_test(struct cc_opts *o)
{
	if (o->ntests == 0) {
		o->tests[o->ntests++] = cc_test_default(o->policy);
		if (access(o->tests[0], R_OK) != 0)
			return cc_usage_error("no test file given, and none at '%s'", o->tests[0]);
	}
	for (int i = 0; i < o->ntests; i++)
		if (access(o->tests[i], R_OK) != 0) {
			cc_diag_fatal("cannot read test file '%s': %m", o->tests[i]);
			return CC_EXIT_USAGE;
		}

	struct cc_program *p = cc_front(o);
	if (!p)
		return CC_EXIT_USAGE;
	struct cc_codegen_opts cg = {
		.module_name = o->policy,
		.opt_level = 1,
		.probes = true,
		.probe_skip = cc_stdlib_dir(),
	};
	char *obj = cc_tmp_file(".o");
	char *exe = obj ? cc_tmp_file(".test") : NULL;
	if (!exe) {
		if (obj)
			unlink(obj);
		return CC_EXIT_USAGE;
	}
	cg.out_path = obj;
	bool ok = cc_codegen(p, &cg) && cc_link_test(obj, exe);
	unlink(obj);
	if (!ok) {
		unlink(exe);
		return CC_EXIT_USAGE;
	}

	char **argv = cc_alloc((size_t)(o->ntests + 6) * sizeof *argv);
	int n = 0;
	argv[n++] = exe;
	argv[n++] = "--policy";
	argv[n++] = (char *)o->policy;
	if (o->coverage)
		argv[n++] = "--coverage";
	for (int i = 0; i < o->ntests; i++)
		argv[n++] = (char *)o->tests[i];
	argv[n] = NULL;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		cc_diag_fatal("cannot start the test runner: %m");
		unlink(exe);
		return CC_EXIT_USAGE;
	}
	if (pid == 0) {
		execv(exe, argv);
		fprintf(stderr, "sipcc: error: cannot run the test runner %s: %s\n", exe,
			strerror(errno));
		_exit(CC_EXIT_USAGE);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	unlink(exe);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	fprintf(stderr, "sipcc: error: the test runner was killed by signal %d\n",
		WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return CC_EXIT_USAGE;
}

static int cc_cmd_doc(const struct cc_opts *o)
{
	struct cc_program *p = cc_alloc(sizeof *p);

	if (!cc_stdlib_load(p, cc_stdlib_dir()) || cc_diag_errors()) {
		cc_diag_summary();
		return CC_EXIT_FAIL;
	}
	switch (o->doc_format) {
	case CC_DOC_ROFF: cc_doc_stdlib_roff(p, stdout); break;
	case CC_DOC_C_HEADER: cc_doc_stdlib_c_header(p, stdout); break;
	case CC_DOC_SYMBOLS: cc_doc_stdlib_symbols(p, stdout); break;
	}
	return fflush(stdout) == 0 ? CC_EXIT_OK : CC_EXIT_FAIL;
}

int main(int argc, char **argv)
{
	struct cc_opts o = { 0 };
	int rc;

	if (argc < 2) {
		cc_usage(stderr);
		return CC_EXIT_USAGE;
	}
	o.cmd = argv[1];
	if (strcmp(o.cmd, "--help") == 0 || strcmp(o.cmd, "-h") == 0 ||
	    strcmp(o.cmd, "help") == 0) {
		cc_usage(stdout);
		return CC_EXIT_OK;
	}
	if (strcmp(o.cmd, "--version") == 0 || strcmp(o.cmd, "-V") == 0) {
		printf("sipcc %s\n", PACKAGE_VERSION);
		return CC_EXIT_OK;
	}
	if (strcmp(o.cmd, "build") != 0 && strcmp(o.cmd, "check") != 0 &&
	    strcmp(o.cmd, "explain") != 0 && strcmp(o.cmd, "doc") != 0 &&
	    strcmp(o.cmd, "fmt") != 0 && strcmp(o.cmd, "test") != 0) {
		if (o.cmd[0] == '-')
			return cc_usage_error("unknown option '%s'", o.cmd);
		return cc_usage_error("unknown command '%s' (use build, check, test, explain, fmt or doc)", o.cmd);
	}
	rc = cc_opts_parse(argc, argv, &o);
	if (rc != CC_EXIT_OK)
		return rc;
	if (strcmp(o.cmd, "doc") == 0)
		rc = cc_cmd_doc(&o);
	else if (strcmp(o.cmd, "check") == 0)
		rc = cc_front(&o) ? CC_EXIT_OK : CC_EXIT_FAIL;
	else if (strcmp(o.cmd, "explain") == 0)
		rc = cc_cmd_explain(&o);
	else if (strcmp(o.cmd, "fmt") == 0)
		rc = cc_cmd_fmt(&o);
	else if (strcmp(o.cmd, "test") == 0)
		rc = cc_cmd_test(&o);
	else
		rc = cc_cmd_build(&o);
	return rc;
}
