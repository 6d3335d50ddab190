/* Shared state of the semantic passes (sema.c, sema_expr.c, sema_flow.c,
 * and the path walk of sema_paths.c). */
#ifndef SIPCC_COMPILER_SEMA_INT_H
#define SIPCC_COMPILER_SEMA_INT_H

#include "ast.h"
#include "diag.h"

/* One route(name) call: from the route being checked to a named route. */
struct cc_sema_edge {
	struct cc_stmt *call;
	struct cc_route *to;
	struct cc_sema_edge *next;
};

struct cc_sema {
	struct cc_program *p;
	const char *file;                 /* the policy */
	int nroutes;
	struct cc_route **routes;         /* by cc_route.index */
	struct cc_sema_edge **edges;      /* outgoing route() calls, by index */
	bool *referenced;                 /* called or passed as an argument */
	struct cc_route *cur;             /* route whose body is being checked */

	/* Variables visible at the statement being checked, innermost last. */
	struct cc_var **scope;
	int nscope, capscope;
	/* Definite assignment: assigned[i] says variable i of the current
	 * route has a value on every path reaching the statement being
	 * checked. Paths that cannot reach it (after exit, break, ...) count
	 * as "everything assigned". */
	unsigned char *assigned;
	int capvars;
	/* Per variable: the while loop whose body assigns it when it had no
	 * value before the loop (for the note of a later use). */
	const struct cc_stmt **loop_assigned;
	/* Per variable: the first read this pass found without a value, and
	 * the loop of the note; sema_uninit.c checks them path by path. */
	const struct cc_expr **uninit_read;
	const struct cc_stmt **uninit_loop;
	/* The innermost switch or while: where "break" goes, and the meet of
	 * the assignment states at its breaks. */
	int breakable;
	unsigned char *break_state;
	bool break_seen;
};

/* The closest candidate to a misspelled name. */
struct cc_suggest {
	const char *name;
	const char *best;
	int dist;
};

void cc_suggest_init(struct cc_suggest *sg, const char *name);
void cc_suggest_add(struct cc_suggest *sg, const char *candidate);
/* "; did you mean 'x'?" or "" */
const char *cc_suggest_text(const struct cc_suggest *sg);

/* "the request route", "failure route 'busy'", "route 'in_dialog'" */
const char *cc_sema_route_desc(const struct cc_route *r);
/* "the request route", "a failure route", "a named route" */
const char *cc_sema_route_kind_desc(const struct cc_route *r);

/* sema_flow.c */
void cc_sema_flow_graph(struct cc_sema *s);
void cc_sema_flow_recursion(struct cc_sema *s);
void cc_sema_flow_reach(struct cc_sema *s);
void cc_sema_flow_always_exits(struct cc_sema *s);
void cc_sema_flow_notes(struct cc_sema *s, const struct cc_route *target,
			unsigned bad_kinds);
const struct cc_stmt *cc_sema_terminator(const struct cc_stmt *st);

/* What a write changes, for the conditions known to hold that read it. */
enum cc_sema_write {
	CC_W_MESSAGE,   /* the message or the proxy's state (a call that is not
			 * readonly, an assignment to a pseudo-variable) */
	CC_W_VAR,       /* one script variable */
	CC_W_AVP,       /* one AVP or dialog variable */
};
/* sema_paths.c: what the facts of the path walk rest on. Do a and b
 * compute the same value from the same inputs? */
bool cc_sema_expr_same(const struct cc_expr *a, const struct cc_expr *b);
/* A test of a status value (sema_expr.c): "X > 0" (a status used as a
 * condition), or X compared with a constant. Returns X, with *positive 1
 * when X is > 0 where the test is true, 0 when it is > 0 where the test is
 * false, -1 when neither follows; NULL when e is no such test. */
const struct cc_expr *cc_sema_status_test(const struct cc_expr *e, int *positive);
/* Does e only read (pseudo-variables, variables, AVPs, literals, calls
 * of readonly functions), so that testing it again gives the same answer
 * until what it reads changes? */
bool cc_sema_expr_readonly(const struct cc_expr *e);
/* Does e read what a write of kind (to which: the cc_var or the
 * cc_avp_decl) changes? */
bool cc_sema_expr_reads(const struct cc_expr *e, enum cc_sema_write kind, const void *which);

/* sema_paths.c: the path walk of sema_lint.c and sema_uninit.c. A
 * condition known on a path: it was tested there (and gave value) and
 * nothing since could change its answer. */
struct cc_fact {
	const struct cc_expr *cond;
	bool value;
};

enum { CC_PATH_FACTS = 8, CC_PATHS = 8 };

/* One class of paths reaching a statement: what the pass tracks on it and
 * the conditions it knows. */
struct cc_path {
	union {
		struct {        /* sema_uninit.c */
			uint64_t set;   /* variables assigned (bit = index) */
		};
		struct {        /* sema_lint.c */
			unsigned bits;          /* the LS_ checks and actions */
			struct cc_loc gw_loc;   /* where a gateway destination was set */
			struct cc_loc end;      /* the request route's last statement */
			/* Which script variables of the route being walked
			 * (bit = index, the last bit for all from 63 on) and
			 * which AVPs (bits 0-31) and dialog variables (32-63)
			 * may hold a gateway's URI. */
			uint64_t gw_vars;
			uint64_t gw_attrs;
			/* Which script variables hold the status a function
			 * marked auth or trusted returned (a test of it then
			 * counts as the test of the call). */
			uint64_t auth_vars;
		};
	};
	int nfacts;
	struct cc_fact facts[CC_PATH_FACTS];
};

/* The paths reaching a statement (none: it cannot be reached), kept apart
 * while they know different facts. At most CC_PATHS: beyond, paths are
 * joined and keep only the facts they share. */
struct cc_paths {
	int n;
	struct cc_path p[CC_PATHS];
};

struct cc_paths_walk;

/* What a pass does on the walk. A pass embeds struct cc_paths_walk as the
 * first member of its own state. */
struct cc_paths_ops {
	/* Same state of the pass on a and b (the facts aside)? */
	bool (*same)(const struct cc_path *a, const struct cc_path *b);
	/* Join what the pass tracks on b into into (the facts are joined by
	 * the walk). */
	void (*join)(struct cc_path *into, const struct cc_path *b);
	/* A statement (reached, within the budget): the pass handles return,
	 * route(), assignments and declarations and passes the others to
	 * cc_paths_flow. NULL: cc_paths_flow. */
	void (*stmt)(struct cc_paths_walk *w, const struct cc_stmt *st, struct cc_paths *s);
	/* A call, its arguments evaluated, on a state with paths. */
	void (*call)(struct cc_paths_walk *w, const struct cc_expr *e, struct cc_paths *s);
	/* A variable read; may be NULL. */
	void (*var)(struct cc_paths_walk *w, const struct cc_expr *e, struct cc_paths *s);
	/* Evaluate a condition that is not && || ! on s; NULL:
	 * cc_paths_expr. */
	void (*cond_eval)(struct cc_paths_walk *w, const struct cc_expr *e, struct cc_paths *s);
	/* What that condition e means on path p (evaluated): *tp where it
	 * is true, *fp where it is false (both copies of p on entry); may be
	 * NULL. */
	void (*cond_path)(struct cc_paths_walk *w, const struct cc_expr *e,
			  const struct cc_path *p, struct cc_path *tp, struct cc_path *fp);
	/* Path p (the switch's subject evaluated) goes to case c, which is
	 * not the default: the subject is one of c's values; may be NULL. */
	void (*case_path)(struct cc_paths_walk *w, const struct cc_expr *subject,
			  const struct cc_case *c, struct cc_path *p);
};

struct cc_paths_walk {
	const struct cc_paths_ops *ops;
	long budget;               /* statements left to visit */
	struct cc_paths *brk;      /* the innermost loop or switch: at its breaks */
};

/* Forget the facts that read what a write changes. */
void cc_path_forget(struct cc_path *p, enum cc_sema_write kind, const void *which);
void cc_paths_forget(struct cc_paths *s, enum cc_sema_write kind, const void *which);
/* Add the paths of b to into, joining those that know the same facts. */
void cc_paths_merge(const struct cc_paths_walk *w, struct cc_paths *into,
		    const struct cc_paths *b);
/* Evaluate e on every path of s (the pass sees its calls and reads). */
void cc_paths_expr(struct cc_paths_walk *w, const struct cc_expr *e, struct cc_paths *s);
/* A condition: *t where it is true, *f where it is false. */
void cc_paths_cond(struct cc_paths_walk *w, const struct cc_expr *e,
		   const struct cc_paths *in, struct cc_paths *t, struct cc_paths *f);
/* A statement, a list of statements: nothing when no path reaches it or
 * the budget is spent. */
void cc_paths_stmt(struct cc_paths_walk *w, const struct cc_stmt *st, struct cc_paths *s);
void cc_paths_list(struct cc_paths_walk *w, const struct cc_stmt *st, struct cc_paths *s);
/* The control flow of a statement (if, block, while, switch, break, exit,
 * drop, an expression); nothing for the kinds the pass handles. */
void cc_paths_flow(struct cc_paths_walk *w, const struct cc_stmt *st, struct cc_paths *s);

/* sema_uninit.c: report the variables of the current route (s->cur) that
 * some path really reads before assigning, of those the definite
 * assignment pass recorded in s->uninit_read. */
void cc_sema_uninit_check(struct cc_sema *s);

/* sema_async.c: mark the routes that may wait (cc_route.async) and check
 * that each call that may wait is the first call of its statement. */
void cc_sema_async(struct cc_sema *s);
/* After a route-kind error on a call of f at loc: when f may wait and the
 * current route (s->cur) cannot, a note saying which routes can wait. */
void cc_sema_async_kind_note(const struct cc_sema *s, const struct cc_fn_decl *f,
			     struct cc_loc loc);

/* sema_lint.c: the path checks of the request route (open relay, toll
 * fraud, unauthenticated REGISTER, no final action). Run on a program
 * without errors. */
void cc_sema_lint(struct cc_sema *s);

/* sema_expr.c: expressions. The type of e (checked, rewritten in place
 * where a name denotes something else); want_value: e's value is used. */
enum cc_type cc_sema_expr(struct cc_sema *s, struct cc_expr *e, bool want_value);
/* A value of type t used where want is expected (cc_type_fits holds): a
 * str literal becoming a uri or ip is checked now (what: the place). */
bool cc_sema_coerce(struct cc_sema *s, struct cc_expr *e, enum cc_type t,
		    enum cc_type want, const char *what);
/* Check a value for a variable, parameter or return of type want (what,
 * name: the place, for the messages). */
void cc_sema_value_for(struct cc_sema *s, struct cc_expr *e, enum cc_type want,
		       const char *what, const char *name);
/* t is bool, or a status (then e is rewritten into its truth): true when
 * e may stand where a bool is wanted. */
bool cc_sema_as_bool(struct cc_expr *e, enum cc_type t);
/* The constants of status type t, as a list for a note. */
const char *cc_sema_status_consts(const struct cc_program *p, enum cc_type t);
/* A variable of the current route in scope (NULL when none). */
struct cc_var *cc_sema_var_find(const struct cc_sema *s, const char *name);
/* A pseudo-variable by name (NULL, reported, when unknown); whether arg
 * fits it ($hdr(Name) needs its argument, $ru must not have one). */
struct cc_pv_decl *cc_sema_pv_lookup(struct cc_sema *s, const char *name, struct cc_loc loc);
bool cc_sema_pv_arg_ok(const struct cc_pv_decl *v, const char *arg, struct cc_loc loc);
/* $avp(name) / $dlg(name): the type of the declaration (*out), or an
 * error with the closest declared name (dialog variables exist only in
 * routes that can have a dialog). */
enum cc_type cc_sema_avp(struct cc_sema *s, const char *name, struct cc_loc loc,
			 struct cc_avp_decl **out);
enum cc_type cc_sema_dlgvar(struct cc_sema *s, const char *name, struct cc_loc loc,
			    struct cc_avp_decl **out);
/* A pattern where a regular expression is required (what: the place) /
 * argument j of f where SQL is required: false, reported, when it is not
 * a valid literal. */
bool cc_sema_regex_value(const struct cc_expr *r, const char *what);
bool cc_sema_sql_value(const struct cc_fn_decl *f, int j, const struct cc_expr *a);
bool cc_sema_timerec_value(const struct cc_fn_decl *f, int j, const struct cc_expr *a);

/* sema_call.c: calls. The result type of a call of a stdlib function or
 * of a named route, its arguments checked. */
enum cc_type cc_sema_call(struct cc_sema *s, struct cc_expr *e);
/* The named route a call expression f(...) denotes when no stdlib function
 * has that name; NULL otherwise. */
struct cc_route *cc_sema_call_route(const struct cc_sema *s, const struct cc_expr *e);
/* Whether a function or pseudo-variable (what, name) may be used in the
 * current route; in a named route every entry kind that reaches it
 * counts (reported, with how it is reached, when not). */
bool cc_sema_kinds_ok(struct cc_sema *s, const char *what, const char *name,
		      unsigned allowed, struct cc_loc loc);
/* A note giving f's signature. */
void cc_sema_sig_note(const struct cc_fn_decl *f);

/* sema_stmt.c: statements. Check a statement; false when control cannot
 * continue after it. */
bool cc_sema_stmt(struct cc_sema *s, struct cc_stmt *st);
/* Check the body of the current route (s->cur), with its parameters in
 * scope. */
void cc_sema_route_body(struct cc_sema *s);
/* Apply fn to every expression (and subexpression) of a statement tree. */
void cc_sema_walk_exprs(struct cc_stmt *st, void (*fn)(struct cc_expr *e, void *arg),
			void *arg);

#endif
