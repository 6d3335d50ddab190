/* The AST both front ends (DSL and, later, YAML) produce, sema annotates and
 * the LLVM back end lowers. Everything is allocated from the compiler arena
 * (cc_alloc) and freed at exit.
 *
 * After a successful sema (no errors):
 *   - every cc_expr has a type (ty != CC_TY_ERROR),
 *   - E_CALL has .call.fn set, E_PV has .pv.decl set,
 *   - E_IDENT naming a define/const has been rewritten in place into the
 *     literal it denotes (E_INT/E_STR/E_BOOL, or E_CONST for a typed const
 *     such as INVITE), and E_IDENT naming a route is rewritten to E_ROUTEREF
 *     with .routeref.route set; a bare pseudo-variable name (method) is
 *     rewritten to E_PV,
 *   - E_CALL arguments are in parameter order (named arguments placed at
 *     their parameter) and .call.arg_names is NULL,
 *   - S_ROUTE has .route_call.target set,
 *   - S_ASSIGN has .assign.pv set to a writable pseudo-variable.
 */
#ifndef SIPCC_COMPILER_AST_H
#define SIPCC_COMPILER_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A source location: file, 1-based line and column, and span length. */
struct cc_loc {
	const char *file;
	int line;
	int col;
	int len;
};

enum cc_type {
	CC_TY_ERROR = 0,  /* result of a failed check; suppresses cascades */
	CC_TY_VOID,
	CC_TY_BOOL,
	CC_TY_INT,
	CC_TY_STR,
	CC_TY_METHOD,     /* a SIP method: INVITE, REGISTER, ... */
	CC_TY_ROUTE,      /* a reference to a route of some kind */
};
const char *cc_type_name(enum cc_type t);

/* Route kinds. A function's "in (...)" list is a mask of these bits. */
enum cc_route_kind {
	CC_RK_REQUEST = 0,
	CC_RK_REPLY,
	CC_RK_FAILURE,
	CC_RK_BRANCH,
	CC_RK_LOCAL,
	CC_RK_ERROR,
	CC_RK_NAMED,      /* a named subroute; checked against its callers' kinds */
	CC_RK__COUNT
};
#define CC_RK_BIT(k) (1u << (k))
#define CC_RK_ANY ((1u << CC_RK_NAMED) - 1)   /* every entry kind */
const char *cc_route_kind_name(enum cc_route_kind k);

/* ---- stdlib declarations (stdlib/ .sipi files) ---- */

struct cc_param {
	const char *name;
	enum cc_type type;
	enum cc_route_kind route_kind;  /* for CC_TY_ROUTE: which kind it names */
	struct cc_loc loc;
};

/* fn NAME(params): RESULT in (KINDS) calls SYMBOL doc "TEXT"; */
struct cc_fn_decl {
	const char *name;
	struct cc_param *params;
	int nparams;
	enum cc_type result;
	unsigned kinds;          /* CC_RK_BIT mask */
	const char *symbol;      /* runtime C symbol */
	const char *doc;
	struct cc_loc loc;
	struct cc_fn_decl *next;
};

/* pv NAME: TYPE [rw] in (KINDS) calls SYMBOL doc "TEXT";
 * NAME is "$ru" style or a bare word ("method"). The runtime provides
 * SYMBOL_get and, when writable, SYMBOL_set. */
struct cc_pv_decl {
	const char *name;
	enum cc_type type;
	bool writable;
	unsigned kinds;
	const char *symbol;
	const char *doc;
	struct cc_loc loc;
	struct cc_pv_decl *next;
};

/* const NAME: TYPE = VALUE doc "TEXT";  (INVITE: method = 1, L_INFO: int = 3) */
struct cc_const_decl {
	const char *name;
	enum cc_type type;
	int64_t ival;
	const char *sval;
	const char *doc;
	struct cc_loc loc;
	struct cc_const_decl *next;
};

/* ---- expressions ---- */

enum cc_expr_kind {
	E_INT, E_STR, E_BOOL,
	E_CONST,      /* typed constant from stdlib, value in .ival (e.g. INVITE) */
	E_IDENT,      /* unresolved bare name (define, const or route) */
	E_PV,         /* pseudo-variable: $ru, method */
	E_CALL,       /* f(args) */
	E_UNARY,      /* !x, -x */
	E_BINARY,
	E_ROUTEREF,   /* a route passed as an argument (t_on_failure(busy)) */
};

enum cc_binop {
	B_AND, B_OR, B_EQ, B_NE, B_LT, B_GT, B_LE, B_GE, B_ADD,
};
enum cc_unop { U_NOT, U_NEG };

struct cc_route;

struct cc_expr {
	enum cc_expr_kind kind;
	enum cc_type ty;
	struct cc_loc loc;
	union {
		int64_t ival;                         /* E_INT, E_BOOL, E_CONST */
		struct { const char *s; size_t len; } str;   /* E_STR (unescaped) */
		struct { const char *name; } ident;   /* E_IDENT */
		struct { const char *name; struct cc_pv_decl *decl; } pv;
		struct {
			const char *name;
			struct cc_expr **args;
			const char **arg_names;           /* NULL or per-arg name: for named args (realm: $fd) */
			int nargs;
			struct cc_fn_decl *fn;
		} call;
		struct { enum cc_unop op; struct cc_expr *e; } unary;
		struct { enum cc_binop op; struct cc_expr *l, *r; } binary;
		struct { const char *name; struct cc_route *route; } routeref;
	} u;
};

/* ---- statements ---- */

enum cc_stmt_kind {
	S_EXPR,      /* a call as a statement */
	S_IF,
	S_BLOCK,
	S_EXIT,
	S_DROP,
	S_RETURN,    /* optional value (int/bool) for later issues */
	S_ROUTE,     /* route(name); */
	S_ASSIGN,    /* $ru = expr; */
};

struct cc_stmt {
	enum cc_stmt_kind kind;
	struct cc_loc loc;
	struct cc_stmt *next;    /* next statement in its block */
	union {
		struct cc_expr *expr;                                  /* S_EXPR */
		struct { struct cc_expr *cond; struct cc_stmt *then, *els; } if_;  /* S_IF */
		struct { struct cc_stmt *first; } block;                /* S_BLOCK */
		struct { struct cc_expr *value; } ret;                  /* S_RETURN */
		struct { const char *name; struct cc_loc name_loc; struct cc_route *target; } route_call;
		struct { const char *name; struct cc_loc name_loc; struct cc_pv_decl *pv; struct cc_expr *value; } assign;
	} u;
};

/* ---- top level ---- */

/* route KIND [NAME] { ... }  — "route request { }", "route failure busy { }",
 * "route name { }" (named subroute). */
struct cc_route {
	enum cc_route_kind kind;
	const char *name;          /* "request" for the main request route; NULL-free */
	struct cc_stmt *body;      /* S_BLOCK */
	struct cc_loc loc;
	unsigned used_from;        /* sema: mask of entry kinds it is reached from */
	int index;                 /* order of definition */
	struct cc_route *next;
};

struct cc_listen {
	const char *proto;         /* "udp" */
	const char *addr;          /* "0.0.0.0" */
	int port;
	struct cc_loc loc;
	struct cc_listen *next;
};

struct cc_domain {
	const char *name;
	struct cc_loc loc;
	struct cc_domain *next;
};

/* define NAME = literal;  and  -D NAME=value on the command line
 * (the command line wins). */
struct cc_define {
	const char *name;
	struct cc_expr *value;     /* E_INT / E_STR / E_BOOL */
	bool from_cmdline;
	bool used;
	struct cc_loc loc;
	struct cc_define *next;
};

struct cc_program {
	struct cc_listen *listens;
	struct cc_domain *domains;
	struct cc_define *defines;
	struct cc_route *routes;
	int nroutes;
	/* declarations loaded from stdlib/ */
	struct cc_fn_decl *fns;
	struct cc_pv_decl *pvs;
	struct cc_const_decl *consts;
};

/* Arena allocation for the whole compiler run (zeroed memory). */
void *cc_alloc(size_t n);
char *cc_strndup(const char *s, size_t n);
char *cc_strdup(const char *s);

/* Constructors used by the parsers. */
struct cc_expr *cc_expr_new(enum cc_expr_kind k, struct cc_loc loc);
struct cc_stmt *cc_stmt_new(enum cc_stmt_kind k, struct cc_loc loc);

/* Look-ups by name (NULL when absent). */
struct cc_fn_decl *cc_find_fn(const struct cc_program *p, const char *name);
struct cc_pv_decl *cc_find_pv(const struct cc_program *p, const char *name);
struct cc_const_decl *cc_find_const(const struct cc_program *p, const char *name);
struct cc_route *cc_find_route(const struct cc_program *p, const char *name);
struct cc_define *cc_find_define(const struct cc_program *p, const char *name);

#endif
