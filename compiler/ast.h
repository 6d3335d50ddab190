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
#include "proxy/policy_abi.h"

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
	CC_TY_URI,        /* a str holding a URI; literals are parsed at compile time */
	CC_TY_IP,         /* a str holding an IP address; literals are validated */
	CC_TY_FLAG,       /* stdlib parameter: names a declared message flag */
	CC_TY_BFLAG,      /* stdlib parameter: names a declared branch flag */
	CC_TY_AVP,        /* stdlib parameter: names a declared AVP */
	CC_TY_REGEX,      /* stdlib parameter: a str holding a POSIX extended regular
			   * expression; the argument must be a literal (or a
			   * define), compiled when the policy is checked */
	/* The status types a stdlib file declares ("status NAME;") are
	 * CC_TY_STATUS, CC_TY_STATUS + 1, ... in declaration order: each is a
	 * type of its own, an int at run time. */
	CC_TY_SQL,        /* stdlib parameter: a str holding one SQL query (SELECT or
			   * WITH) with placeholders $1..$n; the argument must be a
			   * literal (or a define), checked when the policy is, and n
			   * is the number of parameters declared right after it up
			   * to the first avp one (the values bound) */
	CC_TY_TIMEREC,    /* stdlib parameter: a str holding a time recurrence
			   * (core/timerec.h); the argument must be a literal (or
			   * a define), checked when the policy is */
	CC_TY_PROFILE,    /* stdlib parameter: names a declared dialog profile */
	CC_TY_STATUS = 64,
};
const char *cc_type_name(enum cc_type t);
/* A result that says what happened, not only yes or no: a status type is
 * an int holding one of its named constants (AUTH_OK = 1, AUTH_ERROR =
 * -5, ...), compared only with constants of its own type, and true in a
 * condition when it is > 0 (an "if (!www_authorize(...))" keeps its
 * meaning). */
static inline bool cc_type_is_status(enum cc_type t)
{
	return t >= CC_TY_STATUS;
}
/* status NAME [doc "TEXT"];  in a stdlib file: declares the status type
 * NAME (its constants are "const X: NAME = -1;" declarations). */
struct cc_status_decl {
	const char *name;
	enum cc_type type;
	const char *doc;
	struct cc_loc loc;
	struct cc_status_decl *next;
};
/* event NAME(PARAMS) [doc "TEXT"];  in a module's stdlib file: something
 * the module raises (a contact registered, a gateway down) and a policy
 * handles with "route event MODULE.NAME { }". Its parameters are str, int
 * or bool; in the route they are variables of those names and types. */
struct cc_event_decl {
	const char *name;                /* "registrar.contact_inserted" */
	struct cc_param *params;
	int nparams;
	const char *doc;
	struct cc_loc loc;
	struct cc_module_decl *owner;
	struct cc_event_decl *next;
};
/* Register a new status type: its type number, whose cc_type_name() is
 * name (kept, not copied). */
enum cc_type cc_status_type_new(const char *name);
/* str and its checked subtypes (uri, ip, regex, sql, timerec) share the str
 * representation. */
static inline bool cc_type_is_str(enum cc_type t)
{
	return t == CC_TY_STR || t == CC_TY_URI || t == CC_TY_IP || t == CC_TY_REGEX
	       || t == CC_TY_SQL || t == CC_TY_TIMEREC;
}
/* May a value of type from be used where type to is expected? uri and ip
 * values are strs, and a str may become a uri or ip: a literal is checked
 * at compile time, a value taken from a message is already parsed. */
static inline bool cc_type_fits(enum cc_type from, enum cc_type to)
{
	return from == to || (cc_type_is_str(to) && cc_type_is_str(from));
}

/* Route kinds. A function's "in (...)" list is a mask of these bits. */
/* The numbers are the runtime's (proxy/policy_abi.h): the generated code
 * passes them to sipcc_reg_route(). */
enum cc_route_kind {
	CC_RK_REQUEST = SIPCC_ROUTE_REQUEST,
	CC_RK_REPLY = SIPCC_ROUTE_REPLY,
	CC_RK_FAILURE = SIPCC_ROUTE_FAILURE,
	CC_RK_BRANCH = SIPCC_ROUTE_BRANCH,
	CC_RK_LOCAL = SIPCC_ROUTE_LOCAL,
	CC_RK_ERROR = SIPCC_ROUTE_ERROR,
	CC_RK_STARTUP = SIPCC_ROUTE_STARTUP,  /* once before the proxy listens; no message */
	CC_RK_TIMER = SIPCC_ROUTE_TIMER,      /* periodically; no message */
	CC_RK_EVENT = SIPCC_ROUTE_EVENT,      /* when a module raises its event; no message */
	CC_RK_NAMED = SIPCC_ROUTE_NAMED,      /* a named subroute; checked against its callers' kinds */
	CC_RK__COUNT
};
#define CC_RK_BIT(k) (1u << (k))
/* "in (any)": every route kind that has a parsed message. The error route
 * (a message that failed to parse or the sanity checks) and the routes
 * without a message (startup, timer) are listed by name. */
#define CC_RK_ANY (CC_RK_BIT(CC_RK_REQUEST) | CC_RK_BIT(CC_RK_REPLY) | \
		   CC_RK_BIT(CC_RK_FAILURE) | CC_RK_BIT(CC_RK_BRANCH) | CC_RK_BIT(CC_RK_LOCAL))
const char *cc_route_kind_name(enum cc_route_kind k);

/* ---- stdlib declarations (stdlib/ .sipi files) ---- */

/* module NAME [requires(A, ...)] [after(B, ...)];  at the top of a .sipi
 * file: its declarations belong to runtime module NAME, whose interface
 * struct is the C symbol sipcc_module_NAME (runtime/proxy/module.h). A
 * policy that uses one of them (or "use NAME") gets the module started,
 * after the modules it requires (started too) and after those named in
 * after() when the policy uses them as well. */
struct cc_module_decl {
	const char *name;
	struct cc_loc loc;
	const char **requires, **after;
	struct cc_loc *requires_locs, *after_locs;
	int nrequires, nafter;
	struct cc_module_decl **req;     /* stdlib load: resolved requires */
	struct cc_module_decl **aft;     /* and after (NULL where unknown) */
	bool used;                       /* sema: the policy uses it */
	int order;                       /* declaration order */
	struct cc_module_decl *next;
};

struct cc_param {
	const char *name;
	enum cc_type type;
	enum cc_route_kind route_kind;  /* for CC_TY_ROUTE: which kind it names */
	enum cc_type avp_type;          /* for CC_TY_AVP declared "avp str" or "avp
					 * int": the type the AVP passed must be
					 * declared with (CC_TY_ERROR: any) */
	struct cc_expr *def;            /* "NAME: TYPE = LITERAL" (stdlib only): the
					 * value of an argument left out; NULL:
					 * the argument is required */
	struct cc_loc loc;
};

/* What a stdlib function does that the flow checks care about, declared
 * in the .sipi file with "marks(auth, relay)". The compiler never knows a
 * function by its name. */
enum cc_mark {
	CC_MARK_AUTH = 1u << 0,         /* true: the request is authenticated */
	CC_MARK_TRUSTED = 1u << 1,      /* true: it comes from a trusted source */
	CC_MARK_LOCAL_CHECK = 1u << 2,  /* true: it is for one of our domains */
	CC_MARK_DIALOG = 1u << 3,       /* true: it belongs to a dialog or transaction we let through */
	CC_MARK_RELAY = 1u << 4,        /* forwards the request */
	CC_MARK_REPLY = 1u << 5,        /* answers the request */
	CC_MARK_SAVE_CONTACT = 1u << 6, /* stores a registration (and answers it) */
	CC_MARK_GATEWAY = 1u << 7,      /* (true:) the request now goes to a gateway */
	CC_MARK_DIALOG_TRACK = 1u << 8, /* (true:) its dialog is tracked: dialog variables are kept */
	/* only reads the message and the proxy's state and changes neither:
	 * a test of it gives the same answer until something that is not
	 * readonly runs or what it reads is assigned */
	CC_MARK_READONLY = 1u << 9,
	CC_MARK_ASYNC = 1u << 10,        /* may wait (database, DNS, ...): the route is split at the call */
	CC_MARK_PROFILE_ADD = 1u << 11,  /* puts the dialog in the profile it names: a profile
					  * declared with values needs the value */
};
/* "auth" -> CC_MARK_AUTH; 0 when unknown. */
unsigned cc_mark_from_name(const char *name);
const char *cc_mark_name(unsigned mark);

/* What "@allow(...)" lets through, on a route or a statement. */
enum cc_allow {
	CC_ALLOW_OPEN_RELAY = 1u << 0,
	CC_ALLOW_TOLL_FRAUD = 1u << 1,
	CC_ALLOW_UNAUTH_REGISTER = 1u << 2,
	CC_ALLOW_NO_FINAL = 1u << 3,
};
unsigned cc_allow_from_name(const char *name);
/* The names, for did-you-mean: NULL-terminated. */
extern const char *const cc_allow_names[];

/* fn NAME(params): RESULT in (KINDS) [marks(M, ...)] calls SYMBOL doc "TEXT"; */
struct cc_fn_decl {
	const char *name;
	struct cc_param *params;
	int nparams;
	enum cc_type result;
	unsigned kinds;          /* CC_RK_BIT mask */
	unsigned marks;          /* enum cc_mark */
	const char *symbol;      /* runtime C symbol */
	const char *doc;
	struct cc_loc loc;
	struct cc_module_decl *owner;   /* NULL: the core */
	struct cc_fn_decl *next;
};

/* pv NAME: TYPE [rw] in (KINDS) calls SYMBOL doc "TEXT";
 * NAME is "$ru" style or a bare word ("method"). The runtime provides
 * SYMBOL_get and, when writable, SYMBOL_set. */
struct cc_pv_decl {
	const char *name;
	const char *arg_name;    /* pv $hdr(name): takes an argument */
	const char **arg_values; /* one_of(...): the only arguments it takes */
	int n_arg_values;
	enum cc_type type;
	bool writable;
	unsigned kinds;
	const char *symbol;
	const char *doc;
	struct cc_loc loc;
	struct cc_module_decl *owner;   /* NULL: the core */
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

/* setting MODULE.KEY: TYPE = DEFAULT doc "TEXT";  a value a runtime module
 * reads (sipcc_setting_int/_str); a policy sets it in "use MODULE { }". */
struct cc_setting_decl {
	const char *module;
	const char *key;
	enum cc_type type;         /* int, str or bool */
	struct cc_expr *dflt;      /* literal */
	const char *doc;
	struct cc_loc loc;
	struct cc_module_decl *owner;   /* NULL: the core */
	/* str only: the values it may take (NULL: any), as declared with
	 * one_of(...), or with list_of(...) the items of a comma-separated
	 * list of them, or with address_of(...) the protocols of an address
	 * PROTO:IP:PORT (or "" for none). */
	const char **values;
	int n_values;
	bool values_list;
	bool values_addr;
	struct cc_setting_decl *next;
};

/* Whether the str value s (n bytes) suits setting d (its values, case
 * ignored; a list's items may have blanks around them, appear once, and
 * there is at least one; an address is PROTO:IP:PORT with a numeric IP,
 * IPv6 in brackets, and a port 1..65535, or empty). When not, *bad (unless NULL) receives the
 * offending item (arena copy), "" for an empty list. */
bool cc_setting_value_ok(const struct cc_setting_decl *d, const char *s, size_t n,
			 const char **bad);

/* One "KEY = VALUE;" of a "use MODULE { }" block. */
struct cc_use_item {
	const char *key;
	struct cc_loc key_loc;
	struct cc_expr *value;     /* literal */
	struct cc_setting_decl *decl;   /* sema */
	struct cc_use_item *next;
};

struct cc_use {
	const char *module;
	struct cc_loc loc;
	struct cc_use_item *items;
	struct cc_use *next;
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
	E_VAR,        /* a script variable or route parameter (after sema) */
	E_AVP,        /* $avp(name): the newest value of a declared AVP */
};

enum cc_binop {
	B_AND, B_OR, B_EQ, B_NE, B_LT, B_GT, B_LE, B_GE, B_ADD,
	B_SUB,
	B_MATCH,      /* s =~ "regex": the right side is a literal, checked by regcomp */
	B_NMATCH,     /* s !~ "regex" */
	B_MUL,        /* int * int, wrapping */
	B_DIV,        /* int / int, truncating; x / 0 is 0 (see llvm_expr.c) */
	B_MOD,        /* int % int, sign of the dividend; x % 0 is 0 */
};
enum cc_unop { U_NOT, U_NEG };

struct cc_route;

/* A script variable: var NAME: TYPE [= VALUE]; or a route parameter.
 * Lives while its route runs for one message. */
struct cc_var {
	const char *name;
	enum cc_type type;
	struct cc_loc loc;
	int index;                 /* slot in its route (cc_route.vars) */
	bool is_param;
	struct cc_var *next;       /* in cc_route.vars */
};

/* avp NAME: TYPE;  a per-transaction attribute that may hold several
 * values, visible in the failure and reply routes of the transaction.
 * dlgvar NAME: TYPE;  (dialog is set) a per-dialog variable with one
 * value, kept with the tracked dialog and seen by its later requests. */
struct cc_avp_decl {
	const char *name;
	enum cc_type type;         /* str or int */
	int index;                 /* per kind (AVPs and dialog variables apart) */
	bool dialog;
	bool used;
	struct cc_loc loc;
	struct cc_avp_decl *next;
};

/* profile NAME;  and  profile NAME: str;  a dialog profile (OpenSIPS):
 * a named set of dialogs the runtime counts, without or with a value per
 * member (the caller, the gateway...). type is CC_TY_VOID without values,
 * CC_TY_STR with them. */
struct cc_profile_decl {
	const char *name;
	enum cc_type type;
	int index;
	bool used;
	struct cc_loc loc;
	struct cc_profile_decl *next;
};

/* flag NAME;  (message/transaction flag) and  bflag NAME;  (branch flag) */
struct cc_flag_decl {
	const char *name;
	bool branch;
	int index;                 /* bit number, per kind */
	bool used;
	struct cc_loc loc;
	struct cc_flag_decl *next;
};

struct cc_define;

struct cc_expr {
	enum cc_expr_kind kind;
	enum cc_type ty;
	struct cc_loc loc;
	/* sema: the define a literal was rewritten from (for the flow checks:
	 * a define annotated @gateway names a gateway). */
	struct cc_define *def;
	bool defaulted;            /* sema: a stdlib parameter's default, not written */
	union {
		int64_t ival;                         /* E_INT, E_BOOL, E_CONST */
		/* E_STR (unescaped). tmpl: the literal interpolates
		 * pseudo-variables ("$fU@$fd"; "$$" is a literal '$'); sema
		 * rewrites it into a concatenation. */
		struct { const char *s; size_t len; bool tmpl; } str;
		struct { const char *name; } ident;   /* E_IDENT */
		/* arg: the text in $hdr(Name), NULL for a plain pv */
		struct { const char *name; const char *arg; struct cc_pv_decl *decl; } pv;
		struct { const char *name; struct cc_var *var; } var;      /* E_VAR */
		/* E_AVP: $avp(name), or $dlg(name) when dialog is set */
		struct { const char *name; struct cc_avp_decl *avp; bool dialog; } avp;
		struct {
			const char *name;
			struct cc_expr **args;
			const char **arg_names;           /* NULL or per-arg name: for named args (realm: $fd) */
			int nargs;
			struct cc_fn_decl *fn;
			struct cc_route *route;           /* a call of a named route with parameters */
		} call;
		struct { enum cc_unop op; struct cc_expr *e; } unary;
		/* B_MATCH/B_NMATCH: r is the E_STR pattern */
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
	S_RETURN,    /* return [value]; */
	S_ROUTE,     /* route(name); */
	S_ASSIGN,    /* $ru = expr;  n = expr;  $avp(x) = expr; */
	S_VAR,       /* var n: int = 0; */
	S_SWITCH,
	S_BREAK,
	S_WHILE,
};

/* One "case V1: case V2:" group with its statements; no values: default. */
struct cc_case {
	struct cc_expr **values;
	int nvalues;
	bool is_default;
	struct cc_loc loc;
	struct cc_stmt *first;
	struct cc_case *next;
};

/* What an assignment writes (set by sema). */
enum cc_lvalue { CC_LV_PV, CC_LV_VAR, CC_LV_AVP };

/* The default iteration bound of a while loop without "max N". */
#define CC_WHILE_MAX_DEFAULT 1000

struct cc_stmt {
	enum cc_stmt_kind kind;
	struct cc_loc loc;
	unsigned allow;          /* enum cc_allow, from "@allow(...)" before it */
	struct cc_loc allow_loc; /* where that annotation stands (line 0: none) */
	struct cc_stmt *next;    /* next statement in its block */
	union {
		struct cc_expr *expr;                                  /* S_EXPR */
		struct { struct cc_expr *cond; struct cc_stmt *then, *els; } if_;  /* S_IF */
		struct { struct cc_stmt *first; } block;                /* S_BLOCK */
		struct { struct cc_expr *value; } ret;                  /* S_RETURN */
		struct { const char *name; struct cc_loc name_loc; struct cc_route *target; } route_call;
		struct { const char *name; struct cc_loc name_loc; struct cc_pv_decl *pv; struct cc_expr *value;
			 /* name is "$avp" with arg the AVP, or is_ident for a variable */
			 const char *arg; bool is_ident; enum cc_lvalue lv;
			 struct cc_var *var; struct cc_avp_decl *avp; } assign;
		struct { const char *name; struct cc_loc name_loc; enum cc_type type;
			 struct cc_loc type_loc; struct cc_expr *init; struct cc_var *var; } var;
		struct { struct cc_expr *subject; struct cc_case *cases; } switch_;
		struct { struct cc_expr *cond; struct cc_stmt *body; int64_t max; } while_;
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
	/* named routes: route NAME(a: str, b: int): bool { } */
	struct cc_param *params;
	int nparams;
	enum cc_type result;       /* CC_TY_VOID when it returns no value */
	/* sema: every path through it ends in 'exit' or 'drop' (through the
	 * routes it calls too), so a call of it does not come back */
	bool always_exits;
	struct cc_var *vars;       /* sema: parameters, then variables */
	int nvars;
	unsigned used_from;        /* sema: mask of entry kinds it is reached from */
	int index;                 /* order of definition */
	unsigned allow;            /* enum cc_allow, from "@allow(...)" before it */
	struct cc_loc allow_loc;   /* where that annotation stands (line 0: none) */
	int64_t every_ms;          /* timer routes: "every 10s" */
	struct cc_event_decl *event;  /* event routes: sema, the event it handles */
	/* sema: it may wait, i.e. it calls an async function or a route that
	 * does; codegen keeps its variables in a frame and splits it into
	 * resume points (compiler/sema_async.c). */
	bool async;
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
	bool gateway;              /* "@gateway define ...": the URI of a gateway */
	struct cc_loc loc;
	struct cc_define *next;
};

/* A comment of a policy ("# ..." to the end of the line, text without
 * the newline), and an include as written; kept for sipcc fmt. The
 * included file's items are in the program as well. */
struct cc_comment {
	const char *text;
	struct cc_loc loc;
	struct cc_comment *next;
};

struct cc_include {
	const char *path;
	struct cc_loc loc;
	struct cc_include *next;
};

struct cc_program {
	struct cc_listen *listens;
	struct cc_domain *domains;
	struct cc_define *defines;
	struct cc_avp_decl *avps;
	struct cc_avp_decl *dlgvars;
	struct cc_profile_decl *profiles;
	struct cc_flag_decl *flags;
	int navps, nflags, nbflags, ndlgvars, nprofiles;
	struct cc_route *routes;
	int nroutes;
	struct cc_use *uses;
	const char *database;      /* database "URL" */
	struct cc_loc database_loc;
	/* Files being included (the chain from the policy to the file being
	 * parsed), to find include cycles. */
	const char **include_stack;
	int ninclude;
	struct cc_include *includes;    /* every include, in the order read */
	struct cc_comment *comments;    /* every comment of the policy files, in order */
	struct cc_comment **comments_tail;
	/* A file of the policy has a block that is not closed: the rest of
	 * that file was read as part of the block, so the checks would only
	 * report consequences of the missing '}'; they are not run. */
	bool unclosed_block;
	/* declarations loaded from stdlib/ */
	struct cc_fn_decl *fns;
	struct cc_pv_decl *pvs;
	struct cc_const_decl *consts;
	struct cc_status_decl *statuses;
	struct cc_setting_decl *settings;
	struct cc_module_decl *modules;
	struct cc_event_decl *events;
	uint64_t stdlib_hash;      /* of the .sipi texts (the policy ABI) */
};

/* Arena allocation for the whole compiler run (zeroed memory). */
void *cc_alloc(size_t n);
char *cc_strndup(const char *s, size_t n);
char *cc_strdup(const char *s);
/* Read a whole file into the arena, NUL-terminated; NULL (errno set) on
 * failure. */
char *cc_file_read(const char *path, size_t *len);

/* Constructors used by the parsers. */
struct cc_expr *cc_expr_new(enum cc_expr_kind k, struct cc_loc loc);
struct cc_stmt *cc_stmt_new(enum cc_stmt_kind k, struct cc_loc loc);

/* Look-ups by name (NULL when absent). */
struct cc_fn_decl *cc_find_fn(const struct cc_program *p, const char *name);
struct cc_pv_decl *cc_find_pv(const struct cc_program *p, const char *name);
struct cc_const_decl *cc_find_const(const struct cc_program *p, const char *name);
struct cc_status_decl *cc_find_status(const struct cc_program *p, const char *name);
struct cc_event_decl *cc_find_event(const struct cc_program *p, const char *name);
struct cc_route *cc_find_route(const struct cc_program *p, const char *name);
struct cc_define *cc_find_define(const struct cc_program *p, const char *name);
struct cc_avp_decl *cc_find_avp(const struct cc_program *p, const char *name);
struct cc_avp_decl *cc_find_dlgvar(const struct cc_program *p, const char *name);
struct cc_profile_decl *cc_find_profile(const struct cc_program *p, const char *name);
struct cc_flag_decl *cc_find_flag(const struct cc_program *p, const char *name);
struct cc_setting_decl *cc_find_setting(const struct cc_program *p, const char *module,
					const char *key);

/* Asynchronous calls (compiler/sema_async.c): whether e is a call that
 * may wait (an async stdlib function, or a route that may wait); the
 * expression a statement evaluates itself, not counting its
 * sub-statements (NULL when none); whether that expression, or the route a
 * route() statement calls, may wait. */
bool cc_expr_is_wait(const struct cc_expr *e);
const struct cc_expr *cc_stmt_expr(const struct cc_stmt *st);
bool cc_stmt_waits(const struct cc_stmt *st);

#endif
