%code top {
/* The grammar of policies (.sip) and stdlib declarations (.sipi). One
 * grammar parses both; the parse context's mode says which top-level items
 * a file may contain, so a misplaced item gets a precise error instead of a
 * syntax error. Pure parser, no global state: everything lives in the
 * struct cc_parse_ctx passed to yyparse. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
}

%code requires {
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ast.h"
#include "sema.h"

#ifndef YY_TYPEDEF_YY_SCANNER_T
#define YY_TYPEDEF_YY_SCANNER_T
typedef void *yyscan_t;
#endif

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
};

struct cc_stmt_list { struct cc_stmt *first, *last; };
struct cc_arg_list {
	struct cc_expr **args;
	const char **names;
	bool any_named;
	int n, cap;
};
struct cc_param_list { struct cc_param *v; int n, cap; };
struct cc_type_ref { enum cc_type ty; enum cc_route_kind rk; };
struct cc_case_list { struct cc_case *first, *last; };
struct cc_name_list { const char **v; struct cc_loc *locs; int n, cap; };
struct cc_use_list { struct cc_use_item *first, *last; };

int cc_lex_parse(struct cc_parse_ctx *ps, const char *text, size_t len);
}

%code provides {
int yylex(YYSTYPE *lvalp, YYLTYPE *llocp, yyscan_t scanner);
}

%code {
#include "diag.h"
#include "sema_int.h"

#define YYLLOC_DEFAULT(Cur, Rhs, N)                                       \
	do {                                                              \
		if (N) {                                                  \
			(Cur) = cc_loc_span(YYRHSLOC(Rhs, 1), YYRHSLOC(Rhs, N)); \
		} else {                                                  \
			(Cur) = YYRHSLOC(Rhs, 0);                         \
			(Cur).col += (Cur).len;                           \
			(Cur).len = 0;                                    \
		}                                                         \
	} while (0)

static void yyerror(YYLTYPE *loc, struct cc_parse_ctx *ps, yyscan_t scanner,
		    const char *msg);
static bool cc_parse_policy_only(struct cc_parse_ctx *ps, struct cc_loc loc,
				 const char *what);
static bool cc_parse_stdlib_only(struct cc_parse_ctx *ps, struct cc_loc loc,
				 const char *what);
static void cc_parse_listen(struct cc_parse_ctx *ps, struct cc_loc loc,
			    const char *proto, struct cc_loc proto_loc,
			    const char *addr, struct cc_loc addr_loc);
static struct cc_route *cc_parse_route(struct cc_parse_ctx *ps, struct cc_loc loc,
					const char *w1, struct cc_loc l1,
					const char *w2, struct cc_loc l2, struct cc_stmt *body);
static void cc_parse_route_sig(struct cc_parse_ctx *ps, struct cc_route *r,
			       struct cc_param_list *params, struct cc_type_ref result,
			       struct cc_loc result_loc);
static void cc_parse_flag(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
			  bool branch);
static void cc_parse_avp(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
			 const char *type, struct cc_loc type_loc, bool dialog);
static struct cc_case_list cc_parse_case_label(struct cc_case_list l, struct cc_expr *value,
					       struct cc_loc loc);
static struct cc_case_list cc_parse_case_stmt(struct cc_parse_ctx *ps, struct cc_case_list l,
					      struct cc_stmt *st);
static struct cc_expr *cc_parse_pvarg(const char *name, const char *arg, struct cc_loc loc);
static struct cc_expr *cc_parse_binary(enum cc_binop op, struct cc_expr *l,
				       struct cc_expr *r, struct cc_loc loc);
static struct cc_arg_list *cc_parse_arg_add(struct cc_arg_list *a,
					    const char *name, struct cc_expr *e);
static struct cc_param_list *cc_parse_param_add(struct cc_param_list *l,
						struct cc_param p);
static struct cc_type_ref cc_parse_type(struct cc_parse_ctx *ps, const char *name,
					struct cc_loc loc, bool is_route);
static unsigned cc_parse_kind(struct cc_parse_ctx *ps, const char *name,
			      struct cc_loc loc);
static void cc_parse_module(struct cc_parse_ctx *ps, struct cc_loc loc,
			    const char *name, struct cc_loc name_loc, struct cc_module_decl *m);
static struct cc_module_decl *cc_parse_module_deps(struct cc_module_decl *m, const char *word,
						   struct cc_loc loc, struct cc_name_list *names);
static void cc_parse_fn(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
			struct cc_param_list *params, struct cc_type_ref result,
			unsigned kinds, const char *symbol, const char *doc);
static struct cc_pv_decl *cc_parse_pv(struct cc_parse_ctx *ps, struct cc_loc loc,
				       const char *name, struct cc_type_ref ty, bool rw,
				       unsigned kinds, const char *symbol, const char *doc);
static void cc_parse_const(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
			   struct cc_type_ref ty, struct cc_expr *value, const char *doc);
static struct cc_name_list *cc_parse_name_add(struct cc_name_list *l, const char *name,
					      struct cc_loc loc);
static void cc_parse_annotation(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
				struct cc_name_list *args, unsigned *allow, bool *gateway);
static void cc_parse_pending_check(struct cc_parse_ctx *ps);
static unsigned cc_parse_marks(struct cc_parse_ctx *ps, const char *word, struct cc_loc loc,
			       struct cc_name_list *names);
static void cc_parse_timer(struct cc_parse_ctx *ps, struct cc_route *r, const char *every,
			   struct cc_loc every_loc, int64_t n, const char *unit,
			   struct cc_loc unit_loc);
static void cc_parse_include(struct cc_parse_ctx *ps, struct cc_loc loc, const char *path);
static struct cc_setting_decl *cc_parse_setting(struct cc_parse_ctx *ps, struct cc_loc loc,
						const char *module, const char *key,
						struct cc_type_ref ty, struct cc_expr *value,
						const char *doc);
static struct cc_use_list cc_parse_use_add(struct cc_use_list l, const char *key,
					   struct cc_loc key_loc, struct cc_expr *value);
static void cc_parse_use(struct cc_parse_ctx *ps, struct cc_loc loc, const char *module,
			 struct cc_use_item *items);
static void cc_parse_database(struct cc_parse_ctx *ps, struct cc_loc loc, const char *url);
static void cc_parse_setting_values(struct cc_setting_decl *d, const char *word,
				    struct cc_loc loc, struct cc_arg_list *vals);
}

%define api.pure full
%define api.location.type {struct cc_loc}
%define parse.error custom
%locations
%parse-param {struct cc_parse_ctx *ps} {yyscan_t scanner}
%lex-param {yyscan_t scanner}

%union {
	int64_t ival;
	char *name;
	struct { const char *s; size_t len; bool tmpl; } str;
	struct { const char *name; const char *arg; } pvarg;
	struct cc_case_list cases;
	struct cc_name_list *names;
	struct cc_use_list uses;
	struct cc_module_decl *moddecl;
	bool flag;
	unsigned mask;
	struct cc_expr *expr;
	struct cc_stmt *stmt;
	struct cc_stmt_list slist;
	struct cc_arg_list *args;
	struct cc_param_list *params;
	struct cc_param param;
	struct cc_type_ref tref;
}

/* Keywords first, from LISTEN to SETTING: "expected ..." lists the ones
 * that can start an item (cc_parse_item_words). */
%token LISTEN "listen" DOMAIN "domain" DEFINE "define" ROUTE "route"
%token IF "if" ELSE "else" EXIT "exit" DROP "drop" RETURN "return"
%token TRUE "true" FALSE "false"
%token FN "fn" PV "pv" CONST "const" IN "in" CALLS "calls" DOC "doc" RW "rw"
%token SWITCH "switch" CASE "case" DEFAULT "default" BREAK "break" WHILE "while"
%token MAX "max" VAR "var" AVP "avp" FLAG "flag" BFLAG "bflag" DLGVAR "dlgvar"
%token INCLUDE "include" USE "use" DATABASE "database" SETTING "setting" MODULE "module"
%token AND "&&" OR "||" EQ "==" NE "!=" LE "<=" GE ">=" MATCH "=~" NMATCH "!~"
%token <name> IDENT "identifier" PVAR "pseudo-variable" ADDR "address"
%token <pvarg> PVARG "pseudo-variable with argument"
%token <ival> INT "integer"
%token <str> STRING "string"

%type <expr> expr call literal const_value
%type <stmt> stmt block
%type <slist> stmts
%type <args> args args_opt
%type <params> params params_opt
%type <param> param
%type <tref> type
%type <mask> kinds marks_opt
%type <names> names annot_args_opt
%type <moddecl> module_deps_opt
%type <uses> use_items
%type <cases> cases
%type <flag> rw_opt
%type <name> doc_opt pv_name

%precedence THEN
%precedence ELSE
%left OR
%left AND
%nonassoc EQ NE '<' '>' LE GE MATCH NMATCH
%left '+' '-'
%precedence '!' UMINUS

%%

file:
	  %empty
	| file item
		{ cc_parse_pending_check(ps); }
	;

item:
	  LISTEN IDENT ADDR
		{ if (cc_parse_policy_only(ps, @1, "listen"))
			cc_parse_listen(ps, @$, $2, @2, $3, @3); }
	| DOMAIN STRING
		{
			if (cc_parse_policy_only(ps, @1, "domain")) {
				struct cc_domain *d = cc_alloc(sizeof *d), **tail;
				d->name = cc_strndup($2.s, $2.len);
				d->loc = @2;
				if ($2.len == 0)
					cc_diag_report(CC_D_BAD_LITERAL, @2, "empty domain name");
				for (tail = &ps->prog->domains; *tail; tail = &(*tail)->next)
					;
				*tail = d;
			}
		}
	| DEFINE IDENT '=' literal
		{
			if (cc_parse_policy_only(ps, @1, "define")) {
				struct cc_define *d = cc_alloc(sizeof *d), **tail;
				d->name = $2;
				d->value = $4;
				d->loc = @2;
				d->gateway = ps->pending_gateway;
				ps->pending_gateway = false;
				for (tail = &ps->prog->defines; *tail; tail = &(*tail)->next)
					;
				*tail = d;
			}
		}
	| ROUTE IDENT block
		{ cc_parse_route(ps, @$, $2, @2, NULL, @2, $3); }
	| ROUTE IDENT IDENT block
		{
			struct cc_route *r = cc_parse_route(ps, @$, $2, @2, $3, @3, $4);
			cc_parse_timer(ps, r, NULL, @3, 0, NULL, @3);
		}
	| ROUTE IDENT IDENT IDENT INT IDENT block
		{
			struct cc_route *r = cc_parse_route(ps, @$, $2, @2, $3, @3, $7);
			cc_parse_timer(ps, r, $4, @4, $5, $6, cc_loc_span(@5, @6));
		}
	| '@' IDENT annot_args_opt
		{
			struct cc_loc at = cc_loc_span(@1, @2);
			if (ps->pending_allow || ps->pending_gateway)
				at = ps->pending_loc;
			cc_parse_annotation(ps, cc_loc_span(@1, @2), $2, $3,
					    &ps->pending_allow, &ps->pending_gateway);
			ps->pending_loc = at;
			ps->pending_set = true;
		}
	| INCLUDE STRING
		{ if (cc_parse_policy_only(ps, @1, "include"))
			cc_parse_include(ps, @2, cc_strndup($2.s, $2.len)); }
	| DATABASE STRING
		{ if (cc_parse_policy_only(ps, @1, "database"))
			cc_parse_database(ps, @2, cc_strndup($2.s, $2.len)); }
	| USE IDENT '{' use_items '}'
		{ if (cc_parse_policy_only(ps, @1, "use"))
			cc_parse_use(ps, @2, $2, $4.first); }
	| USE IDENT ';'
		{ if (cc_parse_policy_only(ps, @1, "use"))
			cc_parse_use(ps, @2, $2, NULL); }
	| SETTING IDENT '.' IDENT ':' type '=' literal doc_opt ';'
		{ if (cc_parse_stdlib_only(ps, @1, "setting"))
			cc_parse_setting(ps, cc_loc_span(@2, @4), $2, $4, $6, $8, $9); }
	| SETTING IDENT '.' IDENT ':' type '=' literal IDENT '(' args ')' doc_opt ';'
		{
			if (cc_parse_stdlib_only(ps, @1, "setting")) {
				struct cc_setting_decl *d = cc_parse_setting(ps, cc_loc_span(@2, @4),
									     $2, $4, $6, $8, $13);
				if (d)
					cc_parse_setting_values(d, $9, @9, $11);
			}
		}
	| ROUTE IDENT '(' params_opt ')' block
		{
			struct cc_route *r = cc_parse_route(ps, @$, $2, @2, NULL, @2, $6);
			cc_parse_route_sig(ps, r, $4, (struct cc_type_ref){ CC_TY_VOID, CC_RK_NAMED }, @5);
		}
	| ROUTE IDENT '(' params_opt ')' ':' type block
		{
			struct cc_route *r = cc_parse_route(ps, @$, $2, @2, NULL, @2, $8);
			cc_parse_route_sig(ps, r, $4, $7, @7);
		}
	| FLAG IDENT
		{ cc_parse_flag(ps, @2, $2, false); }
	| BFLAG IDENT
		{ cc_parse_flag(ps, @2, $2, true); }
	| AVP IDENT ':' IDENT
		{ cc_parse_avp(ps, @2, $2, $4, @4, false); }
	| DLGVAR IDENT ':' IDENT
		{ cc_parse_avp(ps, @2, $2, $4, @4, true); }
	| MODULE IDENT module_deps_opt ';'
		{ if (cc_parse_stdlib_only(ps, @1, "module"))
			cc_parse_module(ps, @1, $2, @2, $3); }
	| MODULE DOMAIN module_deps_opt ';'     /* "module domain;": a keyword as its name */
		{ if (cc_parse_stdlib_only(ps, @1, "module"))
			cc_parse_module(ps, @1, "domain", @2, $3); }
	| FN IDENT '(' params_opt ')' ':' type IN '(' kinds ')' marks_opt CALLS IDENT doc_opt ';'
		{
			if (cc_parse_stdlib_only(ps, @1, "fn")) {
				cc_parse_fn(ps, @2, $2, $4, $7, $10, $14, $15);
				if (cc_find_fn(ps->prog, $2))
					cc_find_fn(ps->prog, $2)->marks = $12;
			}
		}
	| PV pv_name ':' type rw_opt IN '(' kinds ')' CALLS IDENT doc_opt ';'
		{ if (cc_parse_stdlib_only(ps, @1, "pv"))
			cc_parse_pv(ps, @2, $2, $4, $5, $8, $11, $12); }
	| PV PVARG ':' type rw_opt IN '(' kinds ')' CALLS IDENT doc_opt ';'
		{
			struct cc_pv_decl *v = NULL;
			if (cc_parse_stdlib_only(ps, @1, "pv"))
				v = cc_parse_pv(ps, @2, $2.name, $4, $5, $8, $11, $12);
			if (v)
				v->arg_name = $2.arg;
		}
	| CONST IDENT ':' type '=' const_value doc_opt ';'
		{ if (cc_parse_stdlib_only(ps, @1, "const"))
			cc_parse_const(ps, @2, $2, $4, $6, $7); }
	| ';'
	| error
	;

annot_args_opt:
	  %empty               { $$ = NULL; }
	| '(' names ')'        { $$ = $2; }
	;

names:
	  IDENT                { $$ = cc_parse_name_add(NULL, $1, @1); }
	| names ',' IDENT      { $$ = cc_parse_name_add($1, $3, @3); }
	;

module_deps_opt:
	  %empty               { $$ = cc_alloc(sizeof *$$); }
	| module_deps_opt IDENT '(' names ')'
		{ $$ = cc_parse_module_deps($1, $2, @2, $4); }
	;

marks_opt:
	  %empty               { $$ = 0; }
	| IDENT '(' names ')'  { $$ = cc_parse_marks(ps, $1, @1, $3); }
	;

use_items:
	  %empty               { $$.first = $$.last = NULL; }
	| use_items IDENT '=' literal ';'
		{ $$ = cc_parse_use_add($1, $2, @2, $4); }
	| use_items error ';'  { $$ = $1; }
	;

literal:
	  INT
		{ $$ = cc_expr_new(E_INT, @$); $$->u.ival = $1; }
	| '-' INT
		{ $$ = cc_expr_new(E_INT, @$); $$->u.ival = -$2; }
	| STRING
		{ $$ = cc_expr_new(E_STR, @$); $$->u.str.s = $1.s; $$->u.str.len = $1.len; }
	| TRUE
		{ $$ = cc_expr_new(E_BOOL, @$); $$->u.ival = 1; }
	| FALSE
		{ $$ = cc_expr_new(E_BOOL, @$); $$->u.ival = 0; }
	;

block:
	  '{' stmts '}'
		{ $$ = cc_stmt_new(S_BLOCK, @1); $$->u.block.first = $2.first; }
	| '{' stmts error '}'
		{ $$ = cc_stmt_new(S_BLOCK, @1); $$->u.block.first = $2.first; }
	;

stmts:
	  %empty
		{ $$.first = $$.last = NULL; }
	| stmts stmt
		{
			$$ = $1;
			if ($2) {
				if ($$.last)
					$$.last->next = $2;
				else
					$$.first = $2;
				$$.last = $2;
			}
		}
	;

stmt:
	  IF '(' expr ')' stmt %prec THEN
		{
			$$ = cc_stmt_new(S_IF, @1);
			$$->u.if_.cond = $3;
			$$->u.if_.then = $5;
		}
	| IF '(' expr ')' stmt ELSE stmt
		{
			$$ = cc_stmt_new(S_IF, @1);
			$$->u.if_.cond = $3;
			$$->u.if_.then = $5;
			$$->u.if_.els = $7;
		}
	| block
	| EXIT ';'
		{ $$ = cc_stmt_new(S_EXIT, @1); }
	| DROP ';'
		{ $$ = cc_stmt_new(S_DROP, @1); }
	| RETURN ';'
		{ $$ = cc_stmt_new(S_RETURN, @1); }
	| RETURN expr ';'
		{ $$ = cc_stmt_new(S_RETURN, @1); $$->u.ret.value = $2; }
	| BREAK ';'
		{ $$ = cc_stmt_new(S_BREAK, @1); }
	| '@' IDENT annot_args_opt stmt
		{
			unsigned allow = 0;
			bool gateway = false;
			$$ = $4;
			cc_parse_annotation(ps, cc_loc_span(@1, @2), $2, $3, &allow, &gateway);
			if (gateway)
				cc_diag_report(CC_D_BAD_ANNOTATION, cc_loc_span(@1, @2),
					       "'@gateway' goes before a define naming a gateway, not before a statement");
			if ($$) {
				$$->allow |= allow;
				$$->allow_loc = @1;
			}
		}
	| WHILE '(' expr ')' stmt
		{
			$$ = cc_stmt_new(S_WHILE, @1);
			$$->u.while_.cond = $3;
			$$->u.while_.body = $5;
			$$->u.while_.max = CC_WHILE_MAX_DEFAULT;
		}
	| WHILE '(' expr ')' MAX INT stmt
		{
			$$ = cc_stmt_new(S_WHILE, @1);
			$$->u.while_.cond = $3;
			$$->u.while_.body = $7;
			$$->u.while_.max = $6;
			if ($6 < 1 || $6 > 1000000)
				cc_diag_report(CC_D_BAD_LITERAL, @6,
					       "loop bound %lld is out of range (1-1000000)", (long long)$6);
		}
	| SWITCH '(' expr ')' '{' cases '}'
		{
			$$ = cc_stmt_new(S_SWITCH, @1);
			$$->u.switch_.subject = $3;
			$$->u.switch_.cases = $6.first;
		}
	| VAR IDENT ':' IDENT ';'
		{
			$$ = cc_stmt_new(S_VAR, cc_loc_span(@1, @4));
			$$->u.var.name = $2;
			$$->u.var.name_loc = @2;
			$$->u.var.type = cc_parse_type(ps, $4, @4, false).ty;
			$$->u.var.type_loc = @4;
		}
	| VAR IDENT ':' IDENT '=' expr ';'
		{
			$$ = cc_stmt_new(S_VAR, cc_loc_span(@1, @4));
			$$->u.var.name = $2;
			$$->u.var.name_loc = @2;
			$$->u.var.type = cc_parse_type(ps, $4, @4, false).ty;
			$$->u.var.type_loc = @4;
			$$->u.var.init = $6;
		}
	| IDENT '=' expr ';'
		{
			$$ = cc_stmt_new(S_ASSIGN, cc_loc_span(@1, @3));
			$$->u.assign.name = $1;
			$$->u.assign.name_loc = @1;
			$$->u.assign.value = $3;
			$$->u.assign.is_ident = true;
		}
	| PVARG '=' expr ';'
		{
			$$ = cc_stmt_new(S_ASSIGN, cc_loc_span(@1, @3));
			$$->u.assign.name = $1.name;
			$$->u.assign.arg = $1.arg;
			$$->u.assign.name_loc = @1;
			$$->u.assign.value = $3;
		}
	| ROUTE '(' IDENT ')' ';'
		{
			$$ = cc_stmt_new(S_ROUTE, cc_loc_span(@1, @4));
			$$->u.route_call.name = $3;
			$$->u.route_call.name_loc = @3;
		}
	| PVAR '=' expr ';'
		{
			$$ = cc_stmt_new(S_ASSIGN, cc_loc_span(@1, @3));
			$$->u.assign.name = $1;
			$$->u.assign.name_loc = @1;
			$$->u.assign.value = $3;
		}
	| call ';'
		{ $$ = cc_stmt_new(S_EXPR, @1); $$->u.expr = $1; }
	| error ';'
		{ $$ = NULL; }
	| error block
		{ $$ = NULL; }
	;

cases:
	  %empty
		{ $$.first = $$.last = NULL; }
	| cases CASE expr ':'
		{ $$ = cc_parse_case_label($1, $3, @2); }
	| cases DEFAULT ':'
		{ $$ = cc_parse_case_label($1, NULL, @2); }
	| cases stmt
		{ $$ = cc_parse_case_stmt(ps, $1, $2); }
	;

call:
	  IDENT '(' args_opt ')'
		{
			$$ = cc_expr_new(E_CALL, @$);
			$$->u.call.name = $1;
			if ($3) {
				$$->u.call.args = $3->args;
				$$->u.call.arg_names = $3->any_named ? $3->names : NULL;
				$$->u.call.nargs = $3->n;
			}
		}
	;

args_opt:
	  %empty    { $$ = NULL; }
	| args
	;

args:
	  expr                   { $$ = cc_parse_arg_add(NULL, NULL, $1); }
	| IDENT ':' expr         { $$ = cc_parse_arg_add(NULL, $1, $3); }
	| args ',' expr          { $$ = cc_parse_arg_add($1, NULL, $3); }
	| args ',' IDENT ':' expr { $$ = cc_parse_arg_add($1, $3, $5); }
	;

expr:
	  expr OR expr    { $$ = cc_parse_binary(B_OR, $1, $3, @$); }
	| expr AND expr   { $$ = cc_parse_binary(B_AND, $1, $3, @$); }
	| expr EQ expr    { $$ = cc_parse_binary(B_EQ, $1, $3, @$); }
	| expr NE expr    { $$ = cc_parse_binary(B_NE, $1, $3, @$); }
	| expr '<' expr   { $$ = cc_parse_binary(B_LT, $1, $3, @$); }
	| expr '>' expr   { $$ = cc_parse_binary(B_GT, $1, $3, @$); }
	| expr LE expr    { $$ = cc_parse_binary(B_LE, $1, $3, @$); }
	| expr GE expr    { $$ = cc_parse_binary(B_GE, $1, $3, @$); }
	| expr '+' expr   { $$ = cc_parse_binary(B_ADD, $1, $3, @$); }
	| expr '-' expr   { $$ = cc_parse_binary(B_SUB, $1, $3, @$); }
	| expr MATCH expr { $$ = cc_parse_binary(B_MATCH, $1, $3, @$); }
	| expr NMATCH expr { $$ = cc_parse_binary(B_NMATCH, $1, $3, @$); }
	| PVARG
		{ $$ = cc_parse_pvarg($1.name, $1.arg, @$); }
	| '!' expr
		{
			$$ = cc_expr_new(E_UNARY, @$);
			$$->u.unary.op = U_NOT;
			$$->u.unary.e = $2;
		}
	| '-' expr %prec UMINUS
		{
			if ($2->kind == E_INT) {
				$$ = $2;
				$$->u.ival = -$$->u.ival;
				$$->loc = @$;
			} else {
				$$ = cc_expr_new(E_UNARY, @$);
				$$->u.unary.op = U_NEG;
				$$->u.unary.e = $2;
			}
		}
	| '(' expr ')'    { $$ = $2; }
	| INT
		{ $$ = cc_expr_new(E_INT, @$); $$->u.ival = $1; }
	| STRING
		{
			$$ = cc_expr_new(E_STR, @$);
			$$->u.str.s = $1.s;
			$$->u.str.len = $1.len;
			$$->u.str.tmpl = $1.tmpl;
		}
	| TRUE
		{ $$ = cc_expr_new(E_BOOL, @$); $$->u.ival = 1; }
	| FALSE
		{ $$ = cc_expr_new(E_BOOL, @$); $$->u.ival = 0; }
	| PVAR
		{ $$ = cc_expr_new(E_PV, @$); $$->u.pv.name = $1; }
	| IDENT
		{ $$ = cc_expr_new(E_IDENT, @$); $$->u.ident.name = $1; }
	| call
	;

params_opt:
	  %empty    { $$ = NULL; }
	| params
	;

params:
	  param              { $$ = cc_parse_param_add(NULL, $1); }
	| params ',' param   { $$ = cc_parse_param_add($1, $3); }
	;

param:
	  IDENT ':' type
		{
			memset(&$$, 0, sizeof $$);
			$$.name = $1;
			$$.type = $3.ty;
			$$.route_kind = $3.rk;
			$$.loc = @1;
		}
	;

type:
	  IDENT         { $$ = cc_parse_type(ps, $1, @1, false); }
	| ROUTE IDENT   { $$ = cc_parse_type(ps, $2, @2, true); }
	| FLAG          { $$ = (struct cc_type_ref){ CC_TY_FLAG, CC_RK_NAMED }; }
	| BFLAG         { $$ = (struct cc_type_ref){ CC_TY_BFLAG, CC_RK_NAMED }; }
	| AVP           { $$ = (struct cc_type_ref){ CC_TY_AVP, CC_RK_NAMED }; }
	;

kinds:
	  IDENT              { $$ = cc_parse_kind(ps, $1, @1); }
	| kinds ',' IDENT    { $$ = $1 | cc_parse_kind(ps, $3, @3); }
	;

rw_opt:
	  %empty    { $$ = false; }
	| RW        { $$ = true; }
	;

doc_opt:
	  %empty       { $$ = NULL; }
	| DOC STRING   { $$ = cc_strndup($2.s, $2.len); }
	;

pv_name:
	  PVAR
	| IDENT
	;

const_value:
	  literal
	;

%%

/* How a grammar symbol reads in a message: keywords and punctuation
 * quoted ('if', ';'), token classes as words (identifier, string). */
static const char *cc_parse_symbol_text(yysymbol_kind_t sym, char *buf, size_t n)
{
	const char *name = yysymbol_name(sym);
	size_t len = strlen(name);

	if (sym == YYSYMBOL_IDENT || sym == YYSYMBOL_PVAR || sym == YYSYMBOL_ADDR ||
	    sym == YYSYMBOL_PVARG ||
	    sym == YYSYMBOL_INT || sym == YYSYMBOL_STRING || sym == YYSYMBOL_YYEOF ||
	    sym == YYSYMBOL_YYUNDEF || sym == YYSYMBOL_YYerror) {
		if (len >= 2 && name[0] == '"')
			snprintf(buf, n, "%.*s", (int)len - 2, name + 1);
		else
			snprintf(buf, n, "%s", name);
	} else if (len >= 2 && name[0] == '"') {
		snprintf(buf, n, "'%.*s'", (int)len - 2, name + 1);
	} else {
		snprintf(buf, n, "%s", name);
	}
	return buf;
}

static bool cc_parse_is_closer(yysymbol_kind_t sym)
{
	const char *name = yysymbol_name(sym);

	return strcmp(name, "')'") == 0 || strcmp(name, "';'") == 0 ||
	       strcmp(name, "'}'") == 0;
}

/* The keywords that can start a top-level item here, for "expected ...":
 * taken from the grammar's expected tokens, without those of the other
 * kind of file (fn, pv, const and setting belong to stdlib files), so a
 * new item is listed without anyone updating a message. */
static const char *cc_parse_item_words(const struct cc_parse_ctx *ps,
				       const yysymbol_kind_t *expected, int n)
{
	static const yysymbol_kind_t stdlib_only[] = {
		YYSYMBOL_FN, YYSYMBOL_PV, YYSYMBOL_CONST, YYSYMBOL_SETTING,
	};
	const char *words[YYNTOKENS];
	int k = 0;
	size_t len = 1;

	for (int i = 0; i < n; i++) {
		const char *name = yysymbol_name(expected[i]);
		bool in_stdlib = false;
		if (expected[i] < YYSYMBOL_LISTEN || expected[i] > YYSYMBOL_SETTING)
			continue;     /* not a keyword: punctuation, token classes */
		for (size_t j = 0; j < sizeof stdlib_only / sizeof stdlib_only[0]; j++)
			in_stdlib |= expected[i] == stdlib_only[j];
		if (in_stdlib != (ps->mode == CC_SRC_STDLIB))
			continue;
		words[k++] = name;
		len += strlen(name) + 6;
	}
	char *buf = cc_alloc(len), *o = buf;
	for (int i = 0; i < k; i++)
		o += sprintf(o, "%s'%s'", i == 0 ? "" : i == k - 1 ? " or " : ", ", words[i]);
	return buf;
}

/* A top-level item inside a block, or the end of the file with a block
 * open: the real mistake is a '}' missing somewhere above, and what the
 * parser expected at this token would only mislead. Reports it at the
 * first word of the item, says which '{' is likely unclosed, and makes
 * the syntax errors that follow (the rest of the file is parsed as part of
 * the unclosed block) count without being printed. */
static bool cc_parse_unclosed(struct cc_parse_ctx *ps, yysymbol_kind_t tok,
			      struct cc_loc eof_loc)
{
	static const char *const items[] = {
		"listen", "domain", "define", "route", "include", "use", "database",
		"flag", "bflag", "avp", "dlgvar", "fn", "pv", "const", "setting", NULL,
	};
	struct cc_loc at = ps->last_loc;
	const char *word = ps->last_text;
	int wlen = ps->last_len;

	if (ps->nbraces == 0 || ps->syntax_errors != 1)
		return false;
	if (tok != YYSYMBOL_YYEOF) {
		/* The item's first word begins its line at column 1: the
		 * lookahead, or the word before it on the same line. */
		if (at.col != 1) {
			if (ps->prev_loc.col != 1 || ps->prev_loc.line != at.line)
				return false;
			at = ps->prev_loc;
			word = ps->prev_text;
			wlen = ps->prev_len;
		}
		bool item = false;
		for (int i = 0; items[i] && word; i++)
			item |= (int)strlen(items[i]) == wlen && memcmp(items[i], word, (size_t)wlen) == 0;
		if (!item)
			return false;
		at.len = wlen;
		cc_diag_report(CC_D_SYNTAX, at, "expected '}' before '%.*s': a block above is not closed",
			       wlen, word);
	} else {
		cc_diag_report(CC_D_SYNTAX, eof_loc, "unexpected end of file: a block is not closed");
	}
	if (ps->brace_suspect.line > 0)
		cc_diag_note(ps->brace_suspect,
			     "this '{' is likely the unclosed one: the '}' taken for it is "
			     "indented differently");
	else
		cc_diag_note(ps->braces[ps->nbraces - 1].loc, "this '{' is not closed");
	ps->unclosed_reported = true;
	return true;
}

/* Report a syntax error as "unexpected X, expected A, B or C", quoting
 * the offending identifier or pseudo-variable. When many tokens could
 * follow, only the closing ones are named (a missing ')' or ';' is the
 * usual mistake). */
static int yyreport_syntax_error(const yypcontext_t *ctx, struct cc_parse_ctx *ps,
				 yyscan_t scanner)
{
	enum { MAX_LISTED = 4 };
	yysymbol_kind_t expected[YYNTOKENS];
	yysymbol_kind_t tok = yypcontext_token(ctx);
	char msg[512], sym[64];
	size_t off = 0;
	int n;

	(void)scanner;
	ps->syntax_errors++;
	if (tok == YYSYMBOL_YYUNDEF || ps->unclosed_reported)
		return 0;
	if (cc_parse_unclosed(ps, tok, *yypcontext_location(ctx)))
		return 0;
	off += (size_t)snprintf(msg + off, sizeof msg - off, "unexpected %s",
				cc_parse_symbol_text(tok, sym, sizeof sym));
	if ((tok == YYSYMBOL_IDENT || tok == YYSYMBOL_PVAR) && ps->last_text)
		off += (size_t)snprintf(msg + off, sizeof msg - off, " '%.*s'",
					ps->last_len, ps->last_text);
	n = yypcontext_expected_tokens(ctx, expected, YYNTOKENS);
	for (int i = 0; i < n; i++) {
		if (expected[i] != YYSYMBOL_LISTEN && expected[i] != YYSYMBOL_FN)
			continue;
		cc_diag_report(CC_D_SYNTAX, *yypcontext_location(ctx), "%s, expected %s", msg,
			       cc_parse_item_words(ps, expected, n));
		return 0;
	}
	if (n > MAX_LISTED) {
		int k = 0;
		for (int i = 0; i < n; i++)
			if (cc_parse_is_closer(expected[i]))
				expected[k++] = expected[i];
		n = k;
	}
	if (n > 0) {
		off += (size_t)snprintf(msg + off, sizeof msg - off, ", expected ");
		for (int i = 0; i < n && off < sizeof msg; i++) {
			const char *sep = i == 0 ? "" : i == n - 1 ? " or " : ", ";
			off += (size_t)snprintf(msg + off, sizeof msg - off, "%s%s", sep,
						cc_parse_symbol_text(expected[i], sym, sizeof sym));
		}
	}
	/* A missing ';' or ')' at the end of a line belongs after the last
	 * token of that line, not on the next one. */
	if (n == 1 && cc_parse_is_closer(expected[0]) && ps->prev_loc.line > 0 &&
	    ps->prev_loc.line < yypcontext_location(ctx)->line) {
		struct cc_loc at = ps->prev_loc;
		at.col += at.len;
		at.len = 1;
		cc_diag_report(CC_D_SYNTAX, at, "expected %s",
			       cc_parse_symbol_text(expected[0], sym, sizeof sym));
		return 0;
	}
	cc_diag_report(CC_D_SYNTAX, *yypcontext_location(ctx), "%s", msg);
	return 0;
}

static void yyerror(YYLTYPE *loc, struct cc_parse_ctx *ps, yyscan_t scanner,
		    const char *msg)
{
	(void)scanner;
	ps->syntax_errors++;
	cc_diag_report(CC_D_SYNTAX, *loc, "%s", msg);
}

static bool cc_parse_policy_only(struct cc_parse_ctx *ps, struct cc_loc loc,
				 const char *what)
{
	if (ps->mode == CC_SRC_POLICY)
		return true;
	cc_diag_report(CC_D_MISPLACED, loc,
		       "'%s' is only allowed in a policy, not in a stdlib declaration file", what);
	return false;
}

static bool cc_parse_stdlib_only(struct cc_parse_ctx *ps, struct cc_loc loc,
				 const char *what)
{
	if (ps->mode == CC_SRC_STDLIB)
		return true;
	cc_diag_report(CC_D_MISPLACED, loc,
		       "'%s' declarations are only allowed in stdlib .sipi files", what);
	return false;
}

/* listen PROTO ADDR[:PORT]: split and validate the address token. */
static void cc_parse_listen(struct cc_parse_ctx *ps, struct cc_loc loc,
			    const char *proto, struct cc_loc proto_loc,
			    const char *addr, struct cc_loc addr_loc)
{
	unsigned char buf[16];
	const char *host, *colon;
	size_t hlen;
	bool v6 = addr[0] == '[';
	bool ok = true;
	long port = 0;

	if (strcmp(proto, "udp") != 0 && strcmp(proto, "tcp") != 0 && strcmp(proto, "tls") != 0 &&
	    strcmp(proto, "ws") != 0 && strcmp(proto, "wss") != 0) {
		cc_diag_report(CC_D_BAD_LITERAL, proto_loc,
			       "unsupported transport '%s'", proto);
		cc_diag_note((struct cc_loc){0}, "supported transports: udp, tcp, tls, ws, wss");
		ok = false;
	}
	if (v6) {
		const char *close = strchr(addr, ']');
		host = addr + 1;
		hlen = (size_t)(close - host);
		colon = close[1] == ':' ? close + 1 : NULL;
	} else {
		colon = strchr(addr, ':');
		host = addr;
		hlen = colon ? (size_t)(colon - addr) : strlen(addr);
	}
	char *h = cc_strndup(host, hlen);
	if (inet_pton(v6 ? AF_INET6 : AF_INET, h, buf) != 1) {
		cc_diag_report(CC_D_BAD_LITERAL, addr_loc, "invalid IP%s address '%s'",
			       v6 ? "v6" : "v4", h);
		ok = false;
	}
	if (!colon) {
		cc_diag_report(CC_D_BAD_LITERAL, addr_loc,
			       "missing port in listen address (e.g. %s:5060)", addr);
		ok = false;
	} else {
		port = strtol(colon + 1, NULL, 10);
		if (port < 1 || port > 65535 || strlen(colon + 1) > 5) {
			cc_diag_report(CC_D_BAD_LITERAL, addr_loc,
				       "port %s is out of range (1-65535)", colon + 1);
			ok = false;
		}
	}
	if (!ok)
		return;

	struct cc_listen *l = cc_alloc(sizeof *l), **tail;
	l->proto = proto;
	l->addr = h;
	l->port = (int)port;
	l->loc = loc;
	for (tail = &ps->prog->listens; *tail; tail = &(*tail)->next)
		;
	*tail = l;
}

static bool cc_parse_kind_word(const char *w, enum cc_route_kind *k)
{
	for (int i = 0; i < CC_RK_NAMED; i++) {
		if (strcmp(w, cc_route_kind_name((enum cc_route_kind)i)) == 0) {
			*k = (enum cc_route_kind)i;
			return true;
		}
	}
	return false;
}

/* route request|local|error|reply|startup { }, route failure|reply|branch
 * NAME { }, route timer NAME every N { }, route NAME { }. Entry routes
 * without a name are named after their kind. An annotation before the
 * route applies to it. */
static struct cc_route *cc_parse_route(struct cc_parse_ctx *ps, struct cc_loc loc,
					const char *w1, struct cc_loc l1,
					const char *w2, struct cc_loc l2, struct cc_stmt *body)
{
	enum cc_route_kind kind;
	const char *name;
	struct cc_loc name_loc;

	unsigned allow = ps->pending_allow;

	ps->pending_allow = 0;
	if (!cc_parse_policy_only(ps, loc, "route"))
		return NULL;
	if (!w2) {
		name = w1;
		name_loc = l1;
		if (!cc_parse_kind_word(w1, &kind)) {
			kind = CC_RK_NAMED;
		} else if (kind == CC_RK_FAILURE || kind == CC_RK_BRANCH || kind == CC_RK_TIMER) {
			cc_diag_report(CC_D_BAD_ROUTE_HEAD, l1, "a %s route needs a name", w1);
			cc_diag_note((struct cc_loc){0}, "write 'route %s NAME { ... }'", w1);
			return NULL;
		}
	} else {
		name = w2;
		name_loc = l2;
		if (!cc_parse_kind_word(w1, &kind) ||
		    !(kind == CC_RK_FAILURE || kind == CC_RK_REPLY || kind == CC_RK_BRANCH ||
		      kind == CC_RK_TIMER)) {
			cc_diag_report(CC_D_BAD_ROUTE_HEAD, l1,
				       "'%s' is not a kind of named route", w1);
			cc_diag_note((struct cc_loc){0},
				     "use 'route failure NAME', 'route reply NAME', 'route branch NAME', 'route timer NAME every N' or 'route NAME'");
			return NULL;
		}
		if (cc_parse_kind_word(w2, &(enum cc_route_kind){0})) {
			cc_diag_report(CC_D_BAD_ROUTE_HEAD, l2,
				       "'%s' is a route kind and cannot name a route", w2);
			return NULL;
		}
	}

	struct cc_route *r = cc_alloc(sizeof *r), **tail;
	r->kind = kind;
	r->name = name;
	r->body = body;
	r->loc = name_loc;
	r->index = ps->prog->nroutes++;
	r->result = CC_TY_VOID;
	r->allow = allow;
	if (allow)
		r->allow_loc = ps->pending_loc;
	for (tail = &ps->prog->routes; *tail; tail = &(*tail)->next)
		;
	*tail = r;
	return r;
}

/* The parameters and result of route NAME(PARAMS)[: TYPE]. Only named
 * routes take them; entry routes are called by the proxy with nothing. */
static void cc_parse_route_sig(struct cc_parse_ctx *ps, struct cc_route *r,
			       struct cc_param_list *params, struct cc_type_ref result,
			       struct cc_loc result_loc)
{
	(void)ps;
	if (!r)
		return;
	if (r->kind != CC_RK_NAMED) {
		cc_diag_report(CC_D_BAD_ROUTE_HEAD, r->loc,
			       "only a named route can take parameters or return a value");
		cc_diag_note((struct cc_loc){0}, "the proxy runs %s routes with no arguments",
			     cc_route_kind_name(r->kind));
		return;
	}
	if (result.ty == CC_TY_ROUTE || result.ty >= CC_TY_FLAG || result.ty == CC_TY_METHOD) {
		cc_diag_report(CC_D_BAD_ROUTE_HEAD, result_loc,
			       "a route cannot return %s (use str, int, bool, uri or ip)",
			       cc_type_name(result.ty));
		result.ty = CC_TY_ERROR;
	}
	r->result = result.ty;
	if (!params)
		return;
	r->params = params->v;
	r->nparams = params->n;
	for (int i = 0; i < params->n; i++) {
		enum cc_type t = params->v[i].type;
		if (t == CC_TY_VOID || t == CC_TY_ROUTE || t >= CC_TY_FLAG || t == CC_TY_METHOD) {
			cc_diag_report(CC_D_BAD_ROUTE_HEAD, params->v[i].loc,
				       "parameter '%s' cannot have type %s (use str, int, bool, uri or ip)",
				       params->v[i].name, cc_type_name(t));
			params->v[i].type = CC_TY_ERROR;
		}
		for (int j = 0; j < i; j++)
			if (strcmp(params->v[i].name, params->v[j].name) == 0)
				cc_diag_report(CC_D_DUP_NAME, params->v[i].loc,
					       "duplicate parameter '%s'", params->v[i].name);
	}
}

/* flag NAME / bflag NAME: the next free bit of its kind. */
static void cc_parse_flag(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
			  bool branch)
{
	struct cc_flag_decl *f, **tail;
	int *count = branch ? &ps->prog->nbflags : &ps->prog->nflags;

	if (!cc_parse_policy_only(ps, loc, branch ? "bflag" : "flag"))
		return;
	if ((f = cc_find_flag(ps->prog, name))) {
		cc_diag_report(CC_D_DUP_NAME, loc, "flag '%s' is declared twice", name);
		cc_diag_note(f->loc, "previous declaration is here");
		return;
	}
	if (*count >= 64) {
		cc_diag_report(CC_D_BAD_DECL, loc, "too many %sflags (at most 64)", branch ? "b" : "");
		return;
	}
	f = cc_alloc(sizeof *f);
	f->name = name;
	f->branch = branch;
	f->index = (*count)++;
	f->loc = loc;
	for (tail = &ps->prog->flags; *tail; tail = &(*tail)->next)
		;
	*tail = f;
}

/* avp NAME: str|int  and  dlgvar NAME: str|int  (dialog) */
static void cc_parse_avp(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
			 const char *type, struct cc_loc type_loc, bool dialog)
{
	struct cc_avp_decl *a, **tail;
	enum cc_type t = cc_parse_type(ps, type, type_loc, false).ty;
	const char *what = dialog ? "dialog variable" : "AVP";

	if (!cc_parse_policy_only(ps, loc, dialog ? "dlgvar" : "avp"))
		return;
	if ((a = dialog ? cc_find_dlgvar(ps->prog, name) : cc_find_avp(ps->prog, name))) {
		cc_diag_report(CC_D_DUP_NAME, loc, "%s '%s' is declared twice", what, name);
		cc_diag_note(a->loc, "previous declaration is here");
		return;
	}
	if (t != CC_TY_ERROR && t != CC_TY_STR && t != CC_TY_INT) {
		cc_diag_report(CC_D_BAD_DECL, type_loc, "%s %s holds str or int values, not %s",
			       dialog ? "a" : "an", what, cc_type_name(t));
		t = CC_TY_ERROR;
	}
	if (dialog && ps->prog->ndlgvars >= 64) {
		cc_diag_report(CC_D_BAD_DECL, loc, "too many dialog variables (at most 64)");
		return;
	}
	a = cc_alloc(sizeof *a);
	a->name = name;
	a->type = t == CC_TY_ERROR ? CC_TY_STR : t;
	a->dialog = dialog;
	a->index = dialog ? ps->prog->ndlgvars++ : ps->prog->navps++;
	a->loc = loc;
	for (tail = dialog ? &ps->prog->dlgvars : &ps->prog->avps; *tail; tail = &(*tail)->next)
		;
	*tail = a;
}

/* "case V:" or "default:". Consecutive labels share one group of
 * statements; a label after statements starts a new group (the previous
 * one falls through into it unless it breaks). */
static struct cc_case_list cc_parse_case_label(struct cc_case_list l, struct cc_expr *value,
					       struct cc_loc loc)
{
	struct cc_case *c = l.last;

	if (!c || c->first) {
		c = cc_alloc(sizeof *c);
		c->loc = loc;
		if (l.last)
			l.last->next = c;
		else
			l.first = c;
		l.last = c;
	}
	if (!value) {
		c->is_default = true;
		return l;
	}
	struct cc_expr **v = cc_alloc(sizeof *v * (size_t)(c->nvalues + 1));
	if (c->nvalues)
		memcpy(v, c->values, sizeof *v * (size_t)c->nvalues);
	v[c->nvalues++] = value;
	c->values = v;
	return l;
}

static struct cc_case_list cc_parse_case_stmt(struct cc_parse_ctx *ps, struct cc_case_list l,
					      struct cc_stmt *st)
{
	if (!st)
		return l;
	if (!l.last) {
		ps->syntax_errors++;
		cc_diag_report(CC_D_SYNTAX, st->loc, "statement before the first 'case' of a switch");
		return l;
	}
	struct cc_stmt **tail;
	for (tail = &l.last->first; *tail; tail = &(*tail)->next)
		;
	*tail = st;
	return l;
}

/* $name(arg): $avp(x) names a declared AVP, anything else is a
 * pseudo-variable taking an argument ($hdr(User-Agent)). */
static struct cc_expr *cc_parse_pvarg(const char *name, const char *arg, struct cc_loc loc)
{
	struct cc_expr *e;

	if (strcmp(name, "$avp") == 0 || strcmp(name, "$dlg") == 0) {
		e = cc_expr_new(E_AVP, loc);
		e->u.avp.name = arg;
		e->u.avp.dialog = name[1] == 'd';
		return e;
	}
	e = cc_expr_new(E_PV, loc);
	e->u.pv.name = name;
	e->u.pv.arg = arg;
	return e;
}

static struct cc_expr *cc_parse_binary(enum cc_binop op, struct cc_expr *l,
				       struct cc_expr *r, struct cc_loc loc)
{
	struct cc_expr *e = cc_expr_new(E_BINARY, loc);

	e->u.binary.op = op;
	e->u.binary.l = l;
	e->u.binary.r = r;
	return e;
}

/* Append an argument, growing the arrays in the arena. */
static struct cc_arg_list *cc_parse_arg_add(struct cc_arg_list *a,
					    const char *name, struct cc_expr *e)
{
	if (!a)
		a = cc_alloc(sizeof *a);
	if (a->n == a->cap) {
		int cap = a->cap ? a->cap * 2 : 4;
		struct cc_expr **args = cc_alloc(sizeof *args * (size_t)cap);
		const char **names = cc_alloc(sizeof *names * (size_t)cap);
		if (a->n) {
			memcpy(args, a->args, sizeof *args * (size_t)a->n);
			memcpy(names, a->names, sizeof *names * (size_t)a->n);
		}
		a->args = args;
		a->names = names;
		a->cap = cap;
	}
	a->args[a->n] = e;
	a->names[a->n] = name;
	a->n++;
	if (name)
		a->any_named = true;
	return a;
}

static struct cc_param_list *cc_parse_param_add(struct cc_param_list *l,
						struct cc_param p)
{
	if (!l)
		l = cc_alloc(sizeof *l);
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 4;
		struct cc_param *v = cc_alloc(sizeof *v * (size_t)cap);
		if (l->n)
			memcpy(v, l->v, sizeof *v * (size_t)l->n);
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = p;
	return l;
}

/* A .sipi type: bool, int, str, method, void, or "route KIND". */
static struct cc_type_ref cc_parse_type(struct cc_parse_ctx *ps, const char *name,
					struct cc_loc loc, bool is_route)
{
	static const enum cc_type plain[] = {
		CC_TY_VOID, CC_TY_BOOL, CC_TY_INT, CC_TY_STR, CC_TY_METHOD,
		CC_TY_URI, CC_TY_IP, CC_TY_FLAG, CC_TY_BFLAG, CC_TY_AVP, CC_TY_REGEX,
	};
	struct cc_type_ref t = { CC_TY_ERROR, CC_RK_NAMED };

	(void)ps;
	if (is_route) {
		t.ty = CC_TY_ROUTE;
		if (!cc_parse_kind_word(name, &t.rk) && strcmp(name, "named") != 0) {
			cc_diag_report(CC_D_BAD_DECL, loc, "unknown route kind '%s'", name);
			t.ty = CC_TY_ERROR;
		}
		return t;
	}
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
		if (strcmp(name, cc_type_name(plain[i])) == 0)
			t.ty = plain[i];
	if (t.ty == CC_TY_ERROR)
		cc_diag_report(CC_D_BAD_DECL, loc, "unknown type '%s'", name);
	return t;
}

/* A route kind in an "in (...)" list, as a CC_RK_BIT mask. */
static unsigned cc_parse_kind(struct cc_parse_ctx *ps, const char *name,
			      struct cc_loc loc)
{
	enum cc_route_kind k;

	(void)ps;
	if (strcmp(name, "any") == 0)
		return CC_RK_ANY;
	if (cc_parse_kind_word(name, &k))
		return CC_RK_BIT(k);
	cc_diag_report(CC_D_BAD_DECL, loc, "unknown route kind '%s'", name);
	return 0;
}

/* True when name is already declared as a function, pv or const. */
static bool cc_parse_decl_dup(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name)
{
	struct cc_loc prev;

	if (cc_find_fn(ps->prog, name))
		prev = cc_find_fn(ps->prog, name)->loc;
	else if (cc_find_pv(ps->prog, name))
		prev = cc_find_pv(ps->prog, name)->loc;
	else if (cc_find_const(ps->prog, name))
		prev = cc_find_const(ps->prog, name)->loc;
	else
		return false;
	cc_diag_report(CC_D_DUP_NAME, loc, "'%s' is already declared", name);
	cc_diag_note(prev, "previous declaration is here");
	return true;
}

/* module NAME [requires(...)] [after(...)]; the first line of a stdlib
 * file that belongs to a runtime module (struct cc_module_decl). */
static void cc_parse_module(struct cc_parse_ctx *ps, struct cc_loc loc,
			    const char *name, struct cc_loc name_loc, struct cc_module_decl *m)
{
	if (ps->module || ps->decl_seen) {
		cc_diag_report(CC_D_BAD_DECL, loc,
			       "'module' must be the first declaration of its file, and only one");
		return;
	}
	for (struct cc_module_decl *o = ps->prog->modules; o; o = o->next)
		if (strcmp(o->name, name) == 0) {
			cc_diag_report(CC_D_DUP_NAME, name_loc, "module '%s' is declared twice", name);
			cc_diag_note(o->loc, "previous declaration is here");
			return;
		}
	struct cc_module_decl **tail;
	int order = 0;
	m->name = name;
	m->loc = name_loc;
	for (tail = &ps->prog->modules; *tail; tail = &(*tail)->next)
		order++;
	m->order = order;
	*tail = m;
	ps->module = m;
}

/* requires(A, B) or after(A, B) after "module NAME". */
static struct cc_module_decl *cc_parse_module_deps(struct cc_module_decl *m, const char *word,
						   struct cc_loc loc, struct cc_name_list *names)
{
	bool req = strcmp(word, "requires") == 0;
	if (!req && strcmp(word, "after") != 0) {
		cc_diag_report(CC_D_SYNTAX, loc,
			       "unexpected identifier '%s', expected 'requires' or 'after'", word);
		return m;
	}
	const char ***v = req ? &m->requires : &m->after;
	struct cc_loc **l = req ? &m->requires_locs : &m->after_locs;
	int *n = req ? &m->nrequires : &m->nafter;
	const char **nv = cc_alloc(sizeof *nv * (size_t)(*n + names->n + 1));
	struct cc_loc *nl = cc_alloc(sizeof *nl * (size_t)(*n + names->n + 1));
	for (int i = 0; i < *n; i++) {
		nv[i] = (*v)[i];
		nl[i] = (*l)[i];
	}
	for (int i = 0; i < names->n; i++) {
		nv[*n + i] = names->v[i];
		nl[*n + i] = names->locs[i];
	}
	*v = nv;
	*l = nl;
	*n += names->n;
	return m;
}

static void cc_parse_fn(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
			struct cc_param_list *params, struct cc_type_ref result,
			unsigned kinds, const char *symbol, const char *doc)
{
	struct cc_fn_decl *f, **tail;

	if (cc_parse_decl_dup(ps, loc, name))
		return;
	if (result.ty == CC_TY_ROUTE)
		cc_diag_report(CC_D_BAD_DECL, loc, "a function cannot return a route");
	f = cc_alloc(sizeof *f);
	f->name = name;
	if (params) {
		f->params = params->v;
		f->nparams = params->n;
		for (int i = 0; i < params->n; i++) {
			if (params->v[i].type == CC_TY_VOID)
				cc_diag_report(CC_D_BAD_DECL, params->v[i].loc,
					       "parameter '%s' cannot be void", params->v[i].name);
			for (int j = 0; j < i; j++)
				if (strcmp(params->v[i].name, params->v[j].name) == 0)
					cc_diag_report(CC_D_DUP_NAME, params->v[i].loc,
						       "duplicate parameter '%s'", params->v[i].name);
		}
	}
	f->result = result.ty;
	f->kinds = kinds;
	f->symbol = symbol;
	f->doc = doc;
	f->loc = loc;
	f->owner = ps->module;
	ps->decl_seen = true;
	for (tail = &ps->prog->fns; *tail; tail = &(*tail)->next)
		;
	*tail = f;
}

static struct cc_pv_decl *cc_parse_pv(struct cc_parse_ctx *ps, struct cc_loc loc,
				       const char *name, struct cc_type_ref ty, bool rw,
				       unsigned kinds, const char *symbol, const char *doc)
{
	struct cc_pv_decl *v, **tail;

	if (cc_parse_decl_dup(ps, loc, name))
		return NULL;
	if (ty.ty == CC_TY_VOID || ty.ty == CC_TY_ROUTE)
		cc_diag_report(CC_D_BAD_DECL, loc, "a pseudo-variable cannot have type %s",
			       cc_type_name(ty.ty));
	v = cc_alloc(sizeof *v);
	v->name = name;
	v->type = ty.ty;
	v->writable = rw;
	v->kinds = kinds;
	v->symbol = symbol;
	v->doc = doc;
	v->loc = loc;
	v->owner = ps->module;
	ps->decl_seen = true;
	for (tail = &ps->prog->pvs; *tail; tail = &(*tail)->next)
		;
	*tail = v;
	return v;
}

static void cc_parse_const(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
			   struct cc_type_ref ty, struct cc_expr *value, const char *doc)
{
	struct cc_const_decl *c, **tail;
	bool ok;

	if (cc_parse_decl_dup(ps, loc, name))
		return;
	switch (ty.ty) {
	case CC_TY_INT:
	case CC_TY_METHOD:
		ok = value->kind == E_INT;
		break;
	case CC_TY_BOOL:
		ok = value->kind == E_BOOL;
		break;
	case CC_TY_STR:
		ok = value->kind == E_STR;
		break;
	default:
		ok = false;
	}
	if (!ok) {
		cc_diag_report(CC_D_BAD_DECL, value->loc,
			       "value does not match the constant's type %s", cc_type_name(ty.ty));
		return;
	}
	c = cc_alloc(sizeof *c);
	c->name = name;
	c->type = ty.ty;
	if (value->kind == E_STR)
		c->sval = value->u.str.s;
	else
		c->ival = value->u.ival;
	c->doc = doc;
	c->loc = loc;
	for (tail = &ps->prog->consts; *tail; tail = &(*tail)->next)
		;
	*tail = c;
}

static struct cc_name_list *cc_parse_name_add(struct cc_name_list *l, const char *name,
					      struct cc_loc loc)
{
	if (!l)
		l = cc_alloc(sizeof *l);
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 4;
		const char **v = cc_alloc(sizeof *v * (size_t)cap);
		struct cc_loc *locs = cc_alloc(sizeof *locs * (size_t)cap);
		if (l->n) {
			memcpy(v, l->v, sizeof *v * (size_t)l->n);
			memcpy(locs, l->locs, sizeof *locs * (size_t)l->n);
		}
		l->v = v;
		l->locs = locs;
		l->cap = cap;
	}
	l->v[l->n] = name;
	l->locs[l->n++] = loc;
	return l;
}

/* @allow(LINT, ...) or @gateway: adds to *allow or sets *gateway. */
static void cc_parse_annotation(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
				struct cc_name_list *args, unsigned *allow, bool *gateway)
{
	(void)ps;
	if (strcmp(name, "gateway") == 0) {
		if (args)
			cc_diag_report(CC_D_BAD_ANNOTATION, loc, "'@gateway' takes no arguments");
		*gateway = true;
		return;
	}
	if (strcmp(name, "allow") != 0) {
		struct cc_suggest sg;
		cc_suggest_init(&sg, name);
		cc_suggest_add(&sg, "allow");
		cc_suggest_add(&sg, "gateway");
		cc_diag_report(CC_D_BAD_ANNOTATION, loc, "unknown annotation '@%s'%s", name,
			       cc_suggest_text(&sg));
		cc_diag_note((struct cc_loc){0}, "annotations are @allow(CHECK, ...) and @gateway");
		return;
	}
	if (!args) {
		cc_diag_report(CC_D_BAD_ANNOTATION, loc,
			       "'@allow' needs the checks it allows, e.g. @allow(open_relay)");
		return;
	}
	for (int i = 0; i < args->n; i++) {
		unsigned bit = cc_allow_from_name(args->v[i]);
		if (bit) {
			*allow |= bit;
			continue;
		}
		struct cc_suggest sg;
		cc_suggest_init(&sg, args->v[i]);
		for (int k = 0; cc_allow_names[k]; k++)
			cc_suggest_add(&sg, cc_allow_names[k]);
		cc_diag_report(CC_D_BAD_ANNOTATION, args->locs[i], "unknown check '%s' in @allow%s",
			       args->v[i], cc_suggest_text(&sg));
		cc_diag_note((struct cc_loc){0},
			     "@allow takes open_relay, toll_fraud, unauth_register or no_final");
	}
}

/* After each top-level item: an annotation must be followed by the route
 * (@allow) or define (@gateway) it is about. */
static void cc_parse_pending_check(struct cc_parse_ctx *ps)
{
	if (ps->pending_set || ps->unclosed_reported) {
		ps->pending_set = false;
		return;
	}
	if (ps->pending_allow)
		cc_diag_report(CC_D_BAD_ANNOTATION, ps->pending_loc,
			       "'@allow' must stand before a route or a statement");
	if (ps->pending_gateway)
		cc_diag_report(CC_D_BAD_ANNOTATION, ps->pending_loc,
			       "'@gateway' must stand before a define");
	ps->pending_allow = 0;
	ps->pending_gateway = false;
}

/* marks(auth, relay) in a fn declaration. */
static unsigned cc_parse_marks(struct cc_parse_ctx *ps, const char *word, struct cc_loc loc,
			       struct cc_name_list *names)
{
	unsigned m = 0;

	(void)ps;
	if (strcmp(word, "marks") != 0) {
		cc_diag_report(CC_D_SYNTAX, loc, "unexpected identifier '%s', expected 'marks' or 'calls'",
			       word);
		return 0;
	}
	for (int i = 0; i < names->n; i++) {
		unsigned bit = cc_mark_from_name(names->v[i]);
		if (!bit)
			cc_diag_report(CC_D_BAD_DECL, names->locs[i], "unknown mark '%s'", names->v[i]);
		m |= bit;
	}
	return m;
}

/* The interval of a timer route: "every N UNIT" (ms, s, m, h), from 10 ms
 * (the timer wheel's tick) to a day. Other kinds take no interval. */
static void cc_parse_timer(struct cc_parse_ctx *ps, struct cc_route *r, const char *every,
			   struct cc_loc every_loc, int64_t n, const char *unit,
			   struct cc_loc unit_loc)
{
	static const struct { const char *unit; int64_t ms; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
	};
	int64_t ms = -1;

	(void)ps;
	if (!r)
		return;
	if (r->kind != CC_RK_TIMER) {
		if (every)
			cc_diag_report(CC_D_BAD_ROUTE_HEAD, every_loc,
				       "only a timer route runs 'every' some time");
		return;
	}
	if (!every) {
		cc_diag_report(CC_D_BAD_ROUTE_HEAD, r->loc, "timer route '%s' needs an interval",
			       r->name);
		cc_diag_note((struct cc_loc){0}, "write 'route timer %s every 10s { ... }'", r->name);
		return;
	}
	if (strcmp(every, "every") != 0) {
		cc_diag_report(CC_D_SYNTAX, every_loc, "unexpected identifier '%s', expected 'every'",
			       every);
		return;
	}
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(unit, units[i].unit) == 0)
			ms = n > INT64_MAX / units[i].ms ? INT64_MAX : n * units[i].ms;
	if (ms < 0) {
		cc_diag_report(CC_D_BAD_LITERAL, unit_loc, "unknown time unit '%s' (use ms, s, m or h)",
			       unit);
		return;
	}
	if (ms < 10 || ms > 86400000) {
		cc_diag_report(CC_D_BAD_LITERAL, unit_loc,
			       "timer interval %lld%s is out of range (10ms to 24h)", (long long)n, unit);
		return;
	}
	r->every_ms = ms;
}

/* include "FILE": parse FILE (relative to the including file) into the
 * same program. Diagnostics in it name it; a cycle is an error at the
 * include that closes it. */
static void cc_parse_include(struct cc_parse_ctx *ps, struct cc_loc loc, const char *path)
{
	struct cc_program *p = ps->prog;
	char *full;

	if (path[0] == '/' || !strchr(ps->file, '/')) {
		full = cc_strdup(path);
	} else {
		const char *slash = strrchr(ps->file, '/');
		size_t dl = (size_t)(slash - ps->file) + 1;
		full = cc_alloc(dl + strlen(path) + 1);
		memcpy(full, ps->file, dl);
		strcpy(full + dl, path);
	}
	for (int i = 0; i < p->ninclude; i++) {
		if (strcmp(p->include_stack[i], full) != 0)
			continue;
		cc_diag_report(CC_D_INCLUDE, loc, "'%s' includes itself%s", full,
			       i == p->ninclude - 1 ? "" : " through other files");
		for (int j = i + 1; j < p->ninclude; j++)
			cc_diag_note((struct cc_loc){0}, "'%s' is included by '%s'",
				     p->include_stack[j], p->include_stack[j - 1]);
		return;
	}
	if (p->ninclude >= 32) {
		cc_diag_report(CC_D_INCLUDE, loc, "includes are nested too deeply (at most 32)");
		return;
	}
	FILE *f = fopen(full, "r");
	if (!f) {
		cc_diag_report(CC_D_INCLUDE, loc, "cannot read '%s': %s", full, strerror(errno));
		return;
	}
	fclose(f);
	struct cc_include *inc = cc_alloc(sizeof *inc), **tail;
	inc->path = path;
	inc->loc = loc;
	for (tail = &p->includes; *tail; tail = &(*tail)->next)
		;
	*tail = inc;
	cc_parse_file(p, full, CC_SRC_POLICY);
}

static struct cc_setting_decl *cc_parse_setting(struct cc_parse_ctx *ps, struct cc_loc loc,
						const char *module, const char *key,
						struct cc_type_ref ty, struct cc_expr *value,
						const char *doc)
{
	struct cc_setting_decl *d, **tail;
	enum cc_type vt = value->kind == E_INT ? CC_TY_INT :
			  value->kind == E_BOOL ? CC_TY_BOOL : CC_TY_STR;

	if ((d = cc_find_setting(ps->prog, module, key))) {
		cc_diag_report(CC_D_DUP_NAME, loc, "setting '%s.%s' is already declared", module, key);
		cc_diag_note(d->loc, "previous declaration is here");
		return NULL;
	}
	if (ty.ty != CC_TY_INT && ty.ty != CC_TY_STR && ty.ty != CC_TY_BOOL) {
		cc_diag_report(CC_D_BAD_DECL, loc, "a setting is int, str or bool, not %s",
			       cc_type_name(ty.ty));
		return NULL;
	}
	if (vt != ty.ty) {
		cc_diag_report(CC_D_BAD_DECL, value->loc,
			       "default does not match the setting's type %s", cc_type_name(ty.ty));
		return NULL;
	}
	value->ty = vt;
	d = cc_alloc(sizeof *d);
	d->module = module;
	d->key = key;
	d->type = ty.ty;
	d->dflt = value;
	d->doc = doc;
	d->loc = loc;
	d->owner = ps->module;
	ps->decl_seen = true;
	for (tail = &ps->prog->settings; *tail; tail = &(*tail)->next)
		;
	*tail = d;
	return d;
}

/* The values a str setting may take, declared after its default:
 * one_of("a", "b") (the value is one of them) or list_of("a", "b") (a
 * comma-separated list of them, each at most once). Sema checks a policy's
 * value against them, so a setting the runtime would have to refuse at
 * start-up is a compile error instead. */
static void cc_parse_setting_values(struct cc_setting_decl *d, const char *word,
				    struct cc_loc loc, struct cc_arg_list *vals)
{
	bool list = strcmp(word, "list_of") == 0;

	if (!list && strcmp(word, "one_of") != 0) {
		cc_diag_report(CC_D_SYNTAX, loc, "unexpected identifier '%s', expected 'one_of',"
			       " 'list_of' or 'doc'", word);
		return;
	}
	if (d->type != CC_TY_STR) {
		cc_diag_report(CC_D_BAD_DECL, loc, "only a str setting takes %s()", word);
		return;
	}
	const char **v = cc_alloc(sizeof *v * (size_t)(vals->n + 1));
	for (int i = 0; i < vals->n; i++) {
		struct cc_expr *e = vals->args[i];
		if (e->kind != E_STR || vals->names[i] || e->u.str.len == 0) {
			cc_diag_report(CC_D_BAD_DECL, e->loc, "%s() takes non-empty string literals",
				       word);
			return;
		}
		v[i] = cc_strndup(e->u.str.s, e->u.str.len);
	}
	d->values = v;
	d->n_values = vals->n;
	d->values_list = list;
	if (!cc_setting_value_ok(d, d->dflt->u.str.s, d->dflt->u.str.len, NULL))
		cc_diag_report(CC_D_BAD_DECL, d->dflt->loc,
			       "the default is not one of the setting's values");
}

static struct cc_use_list cc_parse_use_add(struct cc_use_list l, const char *key,
					   struct cc_loc key_loc, struct cc_expr *value)
{
	struct cc_use_item *it = cc_alloc(sizeof *it);

	it->key = key;
	it->key_loc = key_loc;
	it->value = value;
	if (l.last)
		l.last->next = it;
	else
		l.first = it;
	l.last = it;
	return l;
}

/* use MODULE { KEY = VALUE; ... }: checked against the stdlib's settings
 * by sema (the stdlib is loaded after the policy). */
static void cc_parse_use(struct cc_parse_ctx *ps, struct cc_loc loc, const char *module,
			 struct cc_use_item *items)
{
	struct cc_use *u = cc_alloc(sizeof *u), **tail;

	u->module = module;
	u->loc = loc;
	u->items = items;
	for (tail = &ps->prog->uses; *tail; tail = &(*tail)->next)
		;
	*tail = u;
}

/* database "URL": the proxy's database unless --db overrides it; sema
 * checks the URL (the YAML front end sets it too). */
static void cc_parse_database(struct cc_parse_ctx *ps, struct cc_loc loc, const char *url)
{
	if (ps->prog->database) {
		cc_diag_report(CC_D_DUP_NAME, loc, "the database is already set");
		cc_diag_note(ps->prog->database_loc, "previous 'database' is here");
		return;
	}
	ps->prog->database = url;
	ps->prog->database_loc = loc;
}

/* Room for one more entry in the include stack (arena; never shrinks). */
static const char **cc_grow_stack(const char **v, int n)
{
	if (n % 8)
		return v;
	const char **nv = cc_alloc(sizeof *nv * (size_t)(n + 8));
	if (n)
		memcpy(nv, v, sizeof *nv * (size_t)n);
	return nv;
}

enum cc_parse_result cc_parse_buffer(struct cc_program *p, const char *file,
				     const char *text, size_t len,
				     enum cc_src_mode mode)
{
	struct cc_parse_ctx ps = {
		.prog = p, .file = file, .mode = mode, .line = 1, .col = 1,
	};
	int errors = cc_diag_errors();

	cc_diag_source_add(file, text, len);
	p->include_stack = cc_grow_stack(p->include_stack, p->ninclude);
	p->include_stack[p->ninclude++] = file;
	int rc = cc_lex_parse(&ps, text, len);
	p->ninclude--;
	ps.pending_set = false;
	cc_parse_pending_check(&ps);
	if (ps.unclosed_reported)
		p->unclosed_block = true;
	if (rc != 0 && ps.syntax_errors == 0) {
		cc_diag_report(CC_D_SYNTAX, (struct cc_loc){ .file = file },
			       "cannot parse this file");
		return CC_PARSE_ERRORS;
	}
	return cc_diag_errors() == errors ? CC_PARSE_OK : CC_PARSE_ERRORS;
}
