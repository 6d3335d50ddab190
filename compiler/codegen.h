/* The back end: lowers a checked program to native code through LLVM, links
 * it with the runtime, and documents the stdlib. Only llvm_*.c include LLVM
 * headers; this interface does not expose LLVM types. */
#ifndef SIPCC_COMPILER_CODEGEN_H
#define SIPCC_COMPILER_CODEGEN_H

#include <stdbool.h>
#include <stdio.h>
#include "ast.h"

struct cc_codegen_opts {
	const char *out_path;      /* object file, or .ll text when emit_llvm */
	bool emit_llvm;            /* write textual LLVM IR instead of an object */
	const char *module_name;   /* usually the policy file name */
	int opt_level;             /* 0..3 */
	/* Test builds only (sipcc test): a call sipcc_probe(i) before each
	 * statement and, in sipcc_policy_init, sipcc_probe_sites() with the
	 * "file:line:col" of each, one a line. Statements of files under
	 * probe_skip (the stdlib's fragments) get none. The production
	 * runtime defines neither symbol: such an object links only with the
	 * test engine (runtime/test). */
	bool probes;
	const char *probe_skip;
};

/* Lower every route of a program that passed sema with no errors.
 * Verifies the module (LLVMVerifyModule). Returns false and prints to stderr
 * on failure. */
bool cc_codegen(struct cc_program *p, const struct cc_codegen_opts *o);

/* Link an object with the runtime library into an executable.
 * The C compiler, runtime library and extra libraries come from the build
 * configuration, overridable by SIPCC_CC, SIPCC_RUNTIME and SIPCC_LIBS. */
bool cc_link(const char *obj_path, const char *out_path);
/* Link the policy object alone into a shared object a running proxy loads
 * (sipcc build --hot; sipcc-ctl policy load). */
bool cc_link_hot(const char *obj_path, const char *out_path);
/* Link the test runner of sipcc test: the object, the test
 * engine's library (SIPCC_TEST_RUNTIME, else libsiprt_test.a beside the
 * runtime library), the runtime library, the extra libraries and those of
 * the engine (SIPCC_TEST_LIBS, libyaml). */
bool cc_link_test(const char *obj_path, const char *out_path);

/* Write the stdlib reference (functions, pseudo-variables, constants) as a
 * roff fragment for man/sipcc-policy.5. */
void cc_doc_stdlib_roff(const struct cc_program *p, FILE *out);
/* What "sipcc doc" prints: the reference as roff, the C prototypes of the
 * runtime functions the declarations call (the policy ABI of
 * runtime/proxy/policy_abi.h, generated so a declaration and its C
 * function cannot disagree), or those C symbols one a line. */
enum cc_doc_format { CC_DOC_ROFF = 0, CC_DOC_C_HEADER, CC_DOC_SYMBOLS };
void cc_doc_stdlib_c_header(const struct cc_program *p, FILE *out);
void cc_doc_stdlib_symbols(const struct cc_program *p, FILE *out);

#endif
