/* The parser's inside, shared by the grammar (parse.y), the builders its
 * actions call (parse_build.c), the parse of a file and of the files it
 * includes (parse_include.c) and the scanner (lex.l): the state of one
 * parse, the lists the grammar accumulates, and the builders. The grammar
 * stays a grammar: each action is one call to a builder declared here,
 * which checks what it can and links the result into the program. What
 * each builder does is said above its definition. */
#ifndef SIPCC_COMPILER_PARSE_INT_H
#define SIPCC_COMPILER_PARSE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ast.h"
#include "sema.h"

/* State of one parse: the program being filled, what the file may
 * contain, and the scanner's position. */
struct cc_parse_ctx {
	struct cc_program *prog;
	const char *file;
	enum cc_src_mode mode;
	int line, col;
	const char *last_text;   /* text of the last token scanned */
	int last_len;
	struct cc_loc last_loc;  /* where it is */
	struct cc_loc prev_loc;  /* the token before it */
	const char *prev_text;
	int prev_len;
	int syntax_errors;
	/* An annotation ("@allow(open_relay)", "@gateway") waiting for the
	 * route or define it stands before. */
	unsigned pending_allow;
	bool pending_gateway;
	bool pending_set;        /* set by the item just reduced */
	struct cc_loc pending_loc;
	/* A stdlib file's "module NAME ...;": its declarations belong to it. */
	struct cc_module_decl *module;
	bool decl_seen;          /* a declaration came before any module line */
	/* The '{' not closed yet, innermost last, each with the indentation
	 * of its line; and the first '{' whose '}' stood at another
	 * indentation (its own '}' is probably the one missing, and a later
	 * one was taken for it). Kept by the scanner, read at a syntax error
	 * to say which block is likely unclosed. */
	struct cc_brace { struct cc_loc loc; int indent; } *braces;
	int nbraces, capbraces;
	struct cc_loc brace_suspect;       /* line 0: none */
	int tok_line, tok_indent;          /* the line of the last token, its indentation */
	bool unclosed_reported;            /* a missing '}' was reported: later
					    * syntax errors are its cascade */
	/* The includes the grammar has read and the driver has not resolved
	 * yet, in source order (see cc_lex_parse). */
	struct cc_include *pending_includes, **pending_tail;
};

struct cc_stmt_list { struct cc_stmt *first, *last; };
struct cc_arg_list {
	struct cc_expr **args;
	const char **names;
	bool any_named;
	int n, cap;
};
struct cc_param_list { struct cc_param *v; int n, cap; };
/* A type as written: rk for "route KIND", elem for "avp str|int" (the
 * type the AVP must be declared with; CC_TY_ERROR: any). */
struct cc_type_ref { enum cc_type ty; enum cc_route_kind rk; enum cc_type elem; };
struct cc_case_list { struct cc_case *first, *last; };
struct cc_name_list { const char **v; struct cc_loc *locs; int n, cap; };
struct cc_use_list { struct cc_use_item *first, *last; };


/* Tokenize and parse one buffer with a fresh scanner and parser (lex.l):
 * the driver pushes the tokens one by one and, whenever the grammar has
 * noted an include, resolves it before pushing the next token. */
int cc_lex_parse(struct cc_parse_ctx *ps, const char *text, size_t len);

/* Where an item may stand: false, reported, when not in this kind of file. */
bool cc_parse_policy_only(struct cc_parse_ctx *ps, struct cc_loc loc,
			  const char *what);
bool cc_parse_stdlib_only(struct cc_parse_ctx *ps, struct cc_loc loc,
			  const char *what);

/* The items of a policy. */
void cc_parse_listen(struct cc_parse_ctx *ps, struct cc_loc loc,
		     const char *proto, struct cc_loc proto_loc,
		     const char *addr, struct cc_loc addr_loc);
void cc_parse_domain(struct cc_parse_ctx *ps, struct cc_loc loc, const char *s, size_t len);
void cc_parse_define(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
		     struct cc_expr *value);
struct cc_route *cc_parse_route(struct cc_parse_ctx *ps, struct cc_loc loc,
				 const char *w1, struct cc_loc l1,
				 const char *w2, struct cc_loc l2, struct cc_stmt *body);
void cc_parse_route_sig(struct cc_parse_ctx *ps, struct cc_route *r,
			struct cc_param_list *params, struct cc_type_ref result,
			struct cc_loc result_loc);
void cc_parse_timer(struct cc_parse_ctx *ps, struct cc_route *r, const char *every,
		    struct cc_loc every_loc, int64_t n, const char *unit,
		    struct cc_loc unit_loc);
void cc_parse_flag(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
		   bool branch);
void cc_parse_avp(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
		  const char *type, struct cc_loc type_loc, bool dialog);
void cc_parse_database(struct cc_parse_ctx *ps, struct cc_loc loc, const char *url);
struct cc_use_list cc_parse_use_add(struct cc_use_list l, const char *key,
				    struct cc_loc key_loc, struct cc_expr *value);
void cc_parse_use(struct cc_parse_ctx *ps, struct cc_loc loc, const char *module,
		  struct cc_use_item *items);
/* include "FILE": the grammar only notes it; cc_parse_include_resolve,
 * called by the driver between two tokens, parses the noted files. */
void cc_parse_include_note(struct cc_parse_ctx *ps, struct cc_loc loc, const char *path);
void cc_parse_include_resolve(struct cc_parse_ctx *ps);

/* Annotations: "@allow(...)" and "@gateway" before an item or a statement. */
void cc_parse_annotation(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
			 struct cc_name_list *args, unsigned *allow, bool *gateway);
void cc_parse_annotate_item(struct cc_parse_ctx *ps, struct cc_loc at, struct cc_loc name_loc,
			    const char *name, struct cc_name_list *args);
struct cc_stmt *cc_parse_annotate_stmt(struct cc_parse_ctx *ps, struct cc_loc at,
				       struct cc_loc name_loc, const char *name,
				       struct cc_name_list *args, struct cc_stmt *st);
void cc_parse_pending_check(struct cc_parse_ctx *ps);
struct cc_name_list *cc_parse_name_add(struct cc_name_list *l, const char *name,
				       struct cc_loc loc);

/* The declarations of a stdlib file. */
struct cc_type_ref cc_parse_type(struct cc_parse_ctx *ps, const char *name,
				 struct cc_loc loc, bool is_route);
struct cc_type_ref cc_parse_avp_type(struct cc_parse_ctx *ps, const char *elem,
				     struct cc_loc loc);
unsigned cc_parse_kind(struct cc_parse_ctx *ps, const char *name,
		       struct cc_loc loc);
void cc_parse_module(struct cc_parse_ctx *ps, struct cc_loc loc,
		     const char *name, struct cc_loc name_loc, struct cc_module_decl *m);
struct cc_module_decl *cc_parse_module_deps(struct cc_module_decl *m, const char *word,
					    struct cc_loc loc, struct cc_name_list *names);
unsigned cc_parse_marks(struct cc_parse_ctx *ps, const char *word, struct cc_loc loc,
			struct cc_name_list *names);
void cc_parse_fn(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
		 struct cc_param_list *params, struct cc_type_ref result,
		 unsigned kinds, unsigned marks, const char *symbol, const char *doc);
void cc_parse_pv(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
		 const char *arg, struct cc_type_ref ty, bool rw,
		 unsigned kinds, const char *symbol, const char *doc);
/* one_of(a, b, ...) after a pv with an argument: the only arguments it
 * takes (NULL, reported, for another word); cc_parse_pv_args gives them
 * to the pv just declared. */
struct cc_name_list *cc_parse_pv_one_of(struct cc_parse_ctx *ps, const char *word,
					struct cc_loc loc, struct cc_name_list *names);
void cc_parse_pv_args(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
		      struct cc_name_list *names);
/* event NAME(PARAMS) [doc "..."]; in a module's stdlib file. */
void cc_parse_event(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
		    struct cc_param_list *params, const char *doc);
/* "a" "." "b" as one name "a.b" (an event route's event). */
const char *cc_parse_dotted(const char *a, const char *b);
void cc_parse_status(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
		     const char *doc);
void cc_parse_const(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
		    struct cc_type_ref ty, struct cc_expr *value, const char *doc);
struct cc_setting_decl *cc_parse_setting(struct cc_parse_ctx *ps, struct cc_loc loc,
					 const char *module, const char *key,
					 struct cc_type_ref ty, struct cc_expr *value,
					 const char *doc);
void cc_parse_setting_values(struct cc_setting_decl *d, const char *word,
			     struct cc_loc loc, struct cc_arg_list *vals);
struct cc_param cc_parse_param(const char *name, struct cc_type_ref ty, struct cc_loc loc);
struct cc_param cc_parse_param_default(struct cc_parse_ctx *ps, struct cc_param p,
				       struct cc_loc eq_loc, struct cc_expr *def);
void cc_parse_profile(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
		      const char *type, struct cc_loc type_loc);
struct cc_param_list *cc_parse_param_add(struct cc_param_list *l,
					 struct cc_param p);

/* Statements. */
struct cc_stmt_list cc_parse_stmt_add(struct cc_stmt_list l, struct cc_stmt *st);
struct cc_stmt *cc_parse_if(struct cc_loc loc, struct cc_expr *cond, struct cc_stmt *then,
			    struct cc_stmt *els);
struct cc_stmt *cc_parse_while(struct cc_loc loc, struct cc_expr *cond, struct cc_stmt *body,
			       int64_t max, struct cc_loc max_loc);
struct cc_stmt *cc_parse_switch(struct cc_loc loc, struct cc_expr *subject,
				struct cc_case *cases);
struct cc_case_list cc_parse_case_label(struct cc_case_list l, struct cc_expr *value,
					struct cc_loc loc);
struct cc_case_list cc_parse_case_stmt(struct cc_parse_ctx *ps, struct cc_case_list l,
				       struct cc_stmt *st);
struct cc_stmt *cc_parse_var(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
			     struct cc_loc name_loc, const char *type, struct cc_loc type_loc,
			     struct cc_expr *init);
struct cc_stmt *cc_parse_assign(struct cc_loc loc, const char *name, const char *arg,
				struct cc_loc name_loc, struct cc_expr *value, bool is_ident);
struct cc_stmt *cc_parse_route_call(struct cc_loc loc, const char *name, struct cc_loc name_loc);

/* Expressions. */
struct cc_expr *cc_parse_call(struct cc_loc loc, const char *name, struct cc_arg_list *args);
struct cc_arg_list *cc_parse_arg_add(struct cc_arg_list *a,
				     const char *name, struct cc_expr *e);
struct cc_expr *cc_parse_str(const char *s, size_t len, bool tmpl, struct cc_loc loc);
struct cc_expr *cc_parse_pvarg(const char *name, const char *arg, struct cc_loc loc);
struct cc_expr *cc_parse_unary(enum cc_unop op, struct cc_expr *e, struct cc_loc loc);
struct cc_expr *cc_parse_binary(enum cc_binop op, struct cc_expr *l,
				struct cc_expr *r, struct cc_loc loc);

#endif
