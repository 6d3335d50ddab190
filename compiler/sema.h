/* The front end as the driver sees it: parse a policy or a stdlib file into
 * a program, load the stdlib, apply command-line defines and check the
 * result. Problems are reported through diag.h; callers look at
 * cc_diag_errors() to decide whether to go on to code generation. */
#ifndef SIPCC_COMPILER_SEMA_H
#define SIPCC_COMPILER_SEMA_H

#include <stdbool.h>
#include "ast.h"

/* What a source file may contain. */
enum cc_src_mode {
	CC_SRC_POLICY,   /* listen, domain, define, route */
	CC_SRC_STDLIB,   /* fn, pv, const declarations (.sipi) */
};

enum cc_parse_result {
	CC_PARSE_OK,
	CC_PARSE_ERRORS,       /* parsed, but errors were reported */
	CC_PARSE_UNREADABLE,   /* the file could not be read (reported) */
};

/* Parse a whole buffer (in the arena; registered with diag so diagnostics
 * can quote it) and append what it declares to p. */
enum cc_parse_result cc_parse_buffer(struct cc_program *p, const char *file,
				     const char *text, size_t len,
				     enum cc_src_mode mode);

/* Read a file into the arena and parse it. */
enum cc_parse_result cc_parse_file(struct cc_program *p, const char *path,
				   enum cc_src_mode mode);

/* Load every *.sipi file of dir, in sorted order, into p. */
bool cc_stdlib_load(struct cc_program *p, const char *dir);

/* The stdlib directory: $SIPCC_STDLIB, else the configured one. */
const char *cc_stdlib_dir(void);

/* Apply one command-line define, "NAME=value" or "NAME" (true). The value
 * overrides the policy's default; all digits is an int, true/false a bool,
 * anything else a str (or the type of the policy's default when it can be
 * read as one). Call after parsing the policy, before cc_sema_check.
 * Returns false on a malformed argument. */
bool cc_sema_define(struct cc_program *p, const char *arg);

/* Resolve names, check types, route kinds and control flow of the policy
 * read from file, and fill in the resolved pointers described in ast.h.
 * partial says the policy had syntax
 * errors, so whole-program checks (a missing request route, unused routes
 * and defines) would only add noise and are skipped. Returns true when no
 * error was reported (warnings allowed). */
bool cc_sema_check(struct cc_program *p, const char *file, bool partial);

#endif
