/* Compiler diagnostics, clang style:
 *
 *   file:line:col: error: message [E0002]
 *       source line
 *       ^~~~~
 *   file:line:col: note: ...
 *
 * Every diagnostic has a stable id. Errors are E0xxx, warnings W0xxx; ids
 * are never reused or renumbered, new ones are appended. Notes have no id.
 * Errors are counted and analysis continues; code generation does not start
 * when any error was reported. With -Werror a warning is reported (and
 * counted) as an error, keeping its W id.
 */
#ifndef SIPCC_COMPILER_DIAG_H
#define SIPCC_COMPILER_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include "ast.h"

enum cc_diag_severity { CC_SEV_ERROR, CC_SEV_WARNING };

/* X(enum name, id, severity, short name) */
#define CC_DIAG_MAP(X)                                                     \
	X(SYNTAX,            "E0001", CC_SEV_ERROR,   "syntax")            \
	X(UNKNOWN_FN,        "E0002", CC_SEV_ERROR,   "unknown-function")  \
	X(UNKNOWN_PV,        "E0003", CC_SEV_ERROR,   "unknown-pv")        \
	X(UNKNOWN_ROUTE,     "E0004", CC_SEV_ERROR,   "unknown-route")     \
	X(UNKNOWN_NAME,      "E0005", CC_SEV_ERROR,   "unknown-name")      \
	X(ARG_COUNT,         "E0006", CC_SEV_ERROR,   "arg-count")         \
	X(ARG_TYPE,          "E0007", CC_SEV_ERROR,   "arg-type")          \
	X(NAMED_ARG,         "E0008", CC_SEV_ERROR,   "named-arg")         \
	X(ROUTE_KIND,        "E0009", CC_SEV_ERROR,   "not-allowed-here")  \
	X(READ_ONLY,         "E0010", CC_SEV_ERROR,   "read-only-pv")      \
	X(ROUTE_REF_KIND,    "E0011", CC_SEV_ERROR,   "wrong-route-kind")  \
	X(VOID_VALUE,        "E0012", CC_SEV_ERROR,   "void-value")        \
	X(TYPE,              "E0013", CC_SEV_ERROR,   "type-mismatch")     \
	X(DUP_ROUTE,         "E0014", CC_SEV_ERROR,   "duplicate-route")   \
	X(RECURSION,         "E0015", CC_SEV_ERROR,   "route-recursion")   \
	X(NO_REQUEST_ROUTE,  "E0016", CC_SEV_ERROR,   "missing-request-route") \
	X(BAD_LITERAL,       "E0017", CC_SEV_ERROR,   "invalid-literal")   \
	X(MISPLACED,         "E0018", CC_SEV_ERROR,   "misplaced-item")    \
	X(DUP_NAME,          "E0019", CC_SEV_ERROR,   "duplicate-name")    \
	X(BAD_DECL,          "E0020", CC_SEV_ERROR,   "invalid-declaration") \
	X(BAD_ROUTE_HEAD,    "E0021", CC_SEV_ERROR,   "invalid-route-header") \
	X(BAD_DEFINE,        "E0022", CC_SEV_ERROR,   "invalid-define")    \
	X(UNREACHABLE,       "W0001", CC_SEV_WARNING, "unreachable")       \
	X(UNUSED_CMD_DEFINE, "W0002", CC_SEV_WARNING, "unused-cmdline-define") \
	X(UNUSED_ROUTE,      "W0003", CC_SEV_WARNING, "unused-route")      \
	X(UNUSED_DEFINE,     "W0004", CC_SEV_WARNING, "unused-define")     \
	X(UNKNOWN_KEY,       "E0023", CC_SEV_ERROR,   "unknown-key")       \
	X(BAD_VALUE,         "E0024", CC_SEV_ERROR,   "invalid-value")     \
	X(NOT_AVAILABLE,     "E0025", CC_SEV_ERROR,   "not-available")     \
	X(SHADOWED_RULE,     "W0005", CC_SEV_WARNING, "shadowed-rule")     \
	X(NO_CATCH_ALL,      "W0006", CC_SEV_WARNING, "no-catch-all") \
	X(BAD_REGEX,         "E0026", CC_SEV_ERROR,   "invalid-regex") \
	X(UNINIT,            "E0027", CC_SEV_ERROR,   "uninitialized-variable") \
	X(MISSING_RETURN,    "E0028", CC_SEV_ERROR,   "missing-return") \
	X(BAD_BREAK,         "E0029", CC_SEV_ERROR,   "break-outside-loop") \
	X(UNKNOWN_FLAG,      "E0030", CC_SEV_ERROR,   "unknown-flag") \
	X(UNKNOWN_AVP,       "E0031", CC_SEV_ERROR,   "unknown-avp") \
	X(UNKNOWN_VAR,       "E0032", CC_SEV_ERROR,   "unknown-variable") \
	X(BAD_CASE,          "E0033", CC_SEV_ERROR,   "invalid-case") \
	X(RETURN_VALUE,      "E0034", CC_SEV_ERROR,   "return-value") \
	X(UNUSED_DECL,       "W0007", CC_SEV_WARNING, "unused-declaration") \
	X(INCLUDE,           "E0035", CC_SEV_ERROR,   "include")           \
	X(UNKNOWN_SETTING,   "E0036", CC_SEV_ERROR,   "unknown-setting")   \
	X(BAD_SETTING,       "E0037", CC_SEV_ERROR,   "invalid-setting")   \
	X(OPEN_RELAY,        "E0038", CC_SEV_ERROR,   "open-relay")        \
	X(TOLL_FRAUD,        "E0039", CC_SEV_ERROR,   "toll-fraud")        \
	X(BAD_ANNOTATION,    "E0040", CC_SEV_ERROR,   "invalid-annotation") \
	X(NO_FINAL,          "W0008", CC_SEV_WARNING, "no-final-action")   \
	X(UNAUTH_REGISTER,   "W0009", CC_SEV_WARNING, "unauthenticated-register") \
	X(UNKNOWN_DLGVAR,    "E0041", CC_SEV_ERROR,   "unknown-dialog-variable") \
	X(DLGVAR_UNTRACKED,  "W0010", CC_SEV_WARNING, "dialog-variable-untracked") \
	X(UNSUPPORTED_DB,    "E0042", CC_SEV_ERROR,   "unsupported-database") \
	X(ASYNC_CALL,        "E0043", CC_SEV_ERROR,   "async-call")        \
	X(BAD_SQL,           "E0044", CC_SEV_ERROR,   "invalid-sql")       \
	X(DIV_ZERO,          "E0045", CC_SEV_ERROR,   "division-by-zero") \
	X(BAD_TIMEREC,       "E0046", CC_SEV_ERROR,   "invalid-time-recurrence") \
	X(UNKNOWN_EVENT,     "E0047", CC_SEV_ERROR,   "unknown-event") \
	X(UNKNOWN_PROFILE,   "E0048", CC_SEV_ERROR,   "unknown-dialog-profile")

enum cc_diag_id {
#define CC_DIAG_ENUM(name, id, sev, text) CC_D_##name,
	CC_DIAG_MAP(CC_DIAG_ENUM)
#undef CC_DIAG_ENUM
	CC_D__COUNT
};

/* Register a source buffer so diagnostics can quote its lines. The buffer
 * must outlive the compiler run (it lives in the arena). */
void cc_diag_source_add(const char *file, const char *text, size_t len);

/* Report a diagnostic at loc (loc.line == 0: no line; loc.file == NULL: no
 * location at all). printf-style message. */
void cc_diag_report(enum cc_diag_id id, struct cc_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Attach a note to the last diagnostic; same location rules. */
void cc_diag_note(struct cc_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Report a plain error of the driver (bad option, unreadable file):
 * "sipcc: error: ...", counted as an error. */
void cc_diag_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The files are read; what is reported from now on was found by the
 * checks. */
void cc_diag_begin_checks(void);

void cc_diag_set_werror(bool on);
/* --format=json: each diagnostic is one line on stderr holding one JSON
 * object {"file", "line", "col", "len", "severity", "id", "name",
 * "message", "notes": [{"file", "line", "col", "len", "message"}]}; no
 * source lines, carets or summary. A driver error has "id": null. */
void cc_diag_set_json(bool on);
int cc_diag_errors(void);
int cc_diag_warnings(void);

/* Diagnostics are kept until flushed, then printed sorted by file (in
 * the order files were read) and position. When a syntax error was
 * reported, what was found while reading the files comes before what the
 * checks found: the checks of a file that does not parse report mostly
 * consequences of the syntax error, which must be the first thing read. */
void cc_diag_flush(void);

/* Flush, then print "N errors, M warnings generated." when anything was
 * reported. */
void cc_diag_summary(void);

/* A span from the start of a to the end of b (same line), else a. */
struct cc_loc cc_loc_span(struct cc_loc a, struct cc_loc b);

#endif
