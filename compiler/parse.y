%code top {
/* The grammar of policies (.sip) and stdlib declarations (.sipi). One
 * grammar parses both; the parse context's mode says which top-level items
 * a file may contain, so a misplaced item gets a precise error instead of a
 * syntax error. Pure parser, no global state: everything lives in the
 * struct cc_parse_ctx passed to yypush_parse. The grammar stays a grammar: the
 * actions call the builders of parse_build.c (declared in parse_int.h);
 * what is here besides it is the reporting of syntax errors, which needs
 * the parser's tables. */
#include <stdio.h>
#include <string.h>
}

%code requires {
#ifndef YY_TYPEDEF_YY_SCANNER_T
#define YY_TYPEDEF_YY_SCANNER_T
typedef void *yyscan_t;
#endif

#include "parse_int.h"
}

%code provides {
int yylex(YYSTYPE *lvalp, YYLTYPE *llocp, yyscan_t scanner);
}

%code {
#include "diag.h"

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

static void yyerror(YYLTYPE *loc, struct cc_parse_ctx *pc, yyscan_t scanner,
		    const char *msg);
}

%define api.pure full
%define api.push-pull push
%define api.location.type {struct cc_loc}
%define parse.error custom
%locations
%parse-param {struct cc_parse_ctx *pc} {yyscan_t scanner}

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
%token PROFILE "profile"
%token INCLUDE "include" USE "use" DATABASE "database" SETTING "setting" MODULE "module"
%token STATUS "status" EVENT "event"
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
%type <names> names annot_args_opt pv_args_opt
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
%left '*' '/' '%'
%precedence '!' UMINUS

%%

file:
	  %empty
	| file item
		{ cc_parse_pending_check(pc); }
	;

item:
	  LISTEN IDENT ADDR
		{ if (cc_parse_policy_only(pc, @1, "listen"))
			cc_parse_listen(pc, @$, $2, @2, $3, @3); }
	| DOMAIN STRING
		{ if (cc_parse_policy_only(pc, @1, "domain"))
			cc_parse_domain(pc, @2, $2.s, $2.len); }
	| DEFINE IDENT '=' literal
		{ if (cc_parse_policy_only(pc, @1, "define"))
			cc_parse_define(pc, @2, $2, $4); }
	| ROUTE IDENT block
		{ cc_parse_route(pc, @$, $2, @2, NULL, @2, $3); }
	| ROUTE IDENT IDENT block
		{ cc_parse_timer(pc, cc_parse_route(pc, @$, $2, @2, $3, @3, $4),
				 NULL, @3, 0, NULL, @3); }
	| ROUTE IDENT IDENT '.' IDENT block
		{ cc_parse_route(pc, @$, $2, @2, cc_parse_dotted($3, $5), cc_loc_span(@3, @5), $6); }
	| EVENT IDENT '(' params_opt ')' doc_opt ';'
		{ cc_parse_event(pc, @2, $2, $4, $6); }
	| ROUTE IDENT IDENT IDENT INT IDENT block
		{ cc_parse_timer(pc, cc_parse_route(pc, @$, $2, @2, $3, @3, $7),
				 $4, @4, $5, $6, cc_loc_span(@5, @6)); }
	| '@' IDENT annot_args_opt
		{ cc_parse_annotate_item(pc, @1, @2, $2, $3); }
	| INCLUDE STRING
		{ if (cc_parse_policy_only(pc, @1, "include"))
			cc_parse_include_note(pc, @2, cc_strndup($2.s, $2.len)); }
	| DATABASE STRING
		{ if (cc_parse_policy_only(pc, @1, "database"))
			cc_parse_database(pc, @2, cc_strndup($2.s, $2.len)); }
	| USE IDENT '{' use_items '}'
		{ if (cc_parse_policy_only(pc, @1, "use"))
			cc_parse_use(pc, @2, $2, $4.first); }
	| USE IDENT ';'
		{ if (cc_parse_policy_only(pc, @1, "use"))
			cc_parse_use(pc, @2, $2, NULL); }
	| SETTING IDENT '.' IDENT ':' type '=' literal doc_opt ';'
		{ if (cc_parse_stdlib_only(pc, @1, "setting"))
			cc_parse_setting(pc, cc_loc_span(@2, @4), $2, $4, $6, $8, $9); }
	| SETTING IDENT '.' IDENT ':' type '=' literal IDENT '(' args ')' doc_opt ';'
		{ if (cc_parse_stdlib_only(pc, @1, "setting"))
			cc_parse_setting_values(cc_parse_setting(pc, cc_loc_span(@2, @4), $2, $4,
								 $6, $8, $13), $9, @9, $11); }
	| ROUTE IDENT '(' params_opt ')' block
		{ cc_parse_route_sig(pc, cc_parse_route(pc, @$, $2, @2, NULL, @2, $6), $4,
				     (struct cc_type_ref){ CC_TY_VOID, CC_RK_NAMED, CC_TY_ERROR }, @5); }
	| ROUTE IDENT '(' params_opt ')' ':' type block
		{ cc_parse_route_sig(pc, cc_parse_route(pc, @$, $2, @2, NULL, @2, $8), $4, $7, @7); }
	| FLAG IDENT
		{ cc_parse_flag(pc, @2, $2, false); }
	| BFLAG IDENT
		{ cc_parse_flag(pc, @2, $2, true); }
	| AVP IDENT ':' IDENT
		{ cc_parse_avp(pc, @2, $2, $4, @4, false); }
	| DLGVAR IDENT ':' IDENT
		{ cc_parse_avp(pc, @2, $2, $4, @4, true); }
	| PROFILE IDENT
		{ cc_parse_profile(pc, @2, $2, NULL, @2); }
	| PROFILE IDENT ':' IDENT
		{ cc_parse_profile(pc, @2, $2, $4, @4); }
	| MODULE IDENT module_deps_opt ';'
		{ if (cc_parse_stdlib_only(pc, @1, "module"))
			cc_parse_module(pc, @1, $2, @2, $3); }
	| MODULE DOMAIN module_deps_opt ';'     /* "module domain;": a keyword as its name */
		{ if (cc_parse_stdlib_only(pc, @1, "module"))
			cc_parse_module(pc, @1, "domain", @2, $3); }
	| FN IDENT '(' params_opt ')' ':' type IN '(' kinds ')' marks_opt CALLS IDENT doc_opt ';'
		{ if (cc_parse_stdlib_only(pc, @1, "fn"))
			cc_parse_fn(pc, @2, $2, $4, $7, $10, $12, $14, $15); }
	| PV pv_name ':' type rw_opt IN '(' kinds ')' CALLS IDENT doc_opt ';'
		{ if (cc_parse_stdlib_only(pc, @1, "pv"))
			cc_parse_pv(pc, @2, $2, NULL, $4, $5, $8, $11, $12); }
	| PV PVARG ':' type rw_opt IN '(' kinds ')' pv_args_opt CALLS IDENT doc_opt ';'
		{ if (cc_parse_stdlib_only(pc, @1, "pv"))
			cc_parse_pv(pc, @2, $2.name, $2.arg, $4, $5, $8, $12, $13);
		  if ($10)
			cc_parse_pv_args(pc, @10, $2.name, $10); }
	| STATUS IDENT doc_opt ';'
		{ if (cc_parse_stdlib_only(pc, @1, "status"))
			cc_parse_status(pc, @2, $2, $3); }
	| CONST IDENT ':' type '=' const_value doc_opt ';'
		{ if (cc_parse_stdlib_only(pc, @1, "const"))
			cc_parse_const(pc, @2, $2, $4, $6, $7); }
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

/* pv $time(field): ... one_of(sec, min, ...): the arguments it takes. */
pv_args_opt:
	  %empty               { $$ = NULL; }
	| IDENT '(' names ')'
		{ $$ = cc_parse_pv_one_of(pc, $1, @1, $3); }
	;

marks_opt:
	  %empty               { $$ = 0; }
	| IDENT '(' names ')'  { $$ = cc_parse_marks(pc, $1, @1, $3); }
	;

use_items:
	  %empty               { $$.first = $$.last = NULL; }
	| use_items IDENT '=' literal ';'
		{ $$ = cc_parse_use_add($1, $2, @2, $4); }
	| use_items IDENT '=' IDENT ';'
		{ struct cc_expr *e = cc_expr_new(E_IDENT, @4);
		  e->u.ident.name = $4;
		  $$ = cc_parse_use_add($1, $2, @2, e); }
	| use_items error ';'  { $$ = $1; }
	;

literal:
	  INT
		{ $$ = cc_expr_new(E_INT, @$); $$->u.ival = $1; }
	| '-' INT
		{ $$ = cc_expr_new(E_INT, @$); $$->u.ival = -$2; }
	| STRING
		{ $$ = cc_parse_str($1.s, $1.len, false, @$); }
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
		{ $$ = cc_parse_stmt_add($1, $2); }
	;

stmt:
	  IF '(' expr ')' stmt %prec THEN
		{ $$ = cc_parse_if(@1, $3, $5, NULL); }
	| IF '(' expr ')' stmt ELSE stmt
		{ $$ = cc_parse_if(@1, $3, $5, $7); }
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
		{ $$ = cc_parse_annotate_stmt(pc, @1, @2, $2, $3, $4); }
	| WHILE '(' expr ')' stmt
		{ $$ = cc_parse_while(@1, $3, $5, CC_WHILE_MAX_DEFAULT, @1); }
	| WHILE '(' expr ')' MAX INT stmt
		{ $$ = cc_parse_while(@1, $3, $7, $6, @6); }
	| SWITCH '(' expr ')' '{' cases '}'
		{ $$ = cc_parse_switch(@1, $3, $6.first); }
	| VAR IDENT ':' IDENT ';'
		{ $$ = cc_parse_var(pc, cc_loc_span(@1, @4), $2, @2, $4, @4, NULL); }
	| VAR IDENT ':' IDENT '=' expr ';'
		{ $$ = cc_parse_var(pc, cc_loc_span(@1, @4), $2, @2, $4, @4, $6); }
	| IDENT '=' expr ';'
		{ $$ = cc_parse_assign(cc_loc_span(@1, @3), $1, NULL, @1, $3, true); }
	| PVARG '=' expr ';'
		{ $$ = cc_parse_assign(cc_loc_span(@1, @3), $1.name, $1.arg, @1, $3, false); }
	| ROUTE '(' IDENT ')' ';'
		{ $$ = cc_parse_route_call(cc_loc_span(@1, @4), $3, @3); }
	| PVAR '=' expr ';'
		{ $$ = cc_parse_assign(cc_loc_span(@1, @3), $1, NULL, @1, $3, false); }
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
		{ $$ = cc_parse_case_stmt(pc, $1, $2); }
	;

call:
	  IDENT '(' args_opt ')'
		{ $$ = cc_parse_call(@$, $1, $3); }
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
	| expr '*' expr   { $$ = cc_parse_binary(B_MUL, $1, $3, @$); }
	| expr '/' expr   { $$ = cc_parse_binary(B_DIV, $1, $3, @$); }
	| expr '%' expr   { $$ = cc_parse_binary(B_MOD, $1, $3, @$); }
	| expr MATCH expr { $$ = cc_parse_binary(B_MATCH, $1, $3, @$); }
	| expr NMATCH expr { $$ = cc_parse_binary(B_NMATCH, $1, $3, @$); }
	| PVARG
		{ $$ = cc_parse_pvarg($1.name, $1.arg, @$); }
	| '!' expr
		{ $$ = cc_parse_unary(U_NOT, $2, @$); }
	| '-' expr %prec UMINUS
		{ $$ = cc_parse_unary(U_NEG, $2, @$); }
	| '(' expr ')'    { $$ = $2; }
	| INT
		{ $$ = cc_expr_new(E_INT, @$); $$->u.ival = $1; }
	| STRING
		{ $$ = cc_parse_str($1.s, $1.len, $1.tmpl, @$); }
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
		{ $$ = cc_parse_param($1, $3, @1); }
	| IDENT ':' type '=' literal
		{ $$ = cc_parse_param_default(pc, cc_parse_param($1, $3, @1), @4, $5); }
	;

type:
	  IDENT         { $$ = cc_parse_type(pc, $1, @1, false); }
	| ROUTE IDENT   { $$ = cc_parse_type(pc, $2, @2, true); }
	| FLAG          { $$ = (struct cc_type_ref){ CC_TY_FLAG, CC_RK_NAMED, CC_TY_ERROR }; }
	| BFLAG         { $$ = (struct cc_type_ref){ CC_TY_BFLAG, CC_RK_NAMED, CC_TY_ERROR }; }
	| AVP           { $$ = (struct cc_type_ref){ CC_TY_AVP, CC_RK_NAMED, CC_TY_ERROR }; }
	| AVP IDENT     { $$ = cc_parse_avp_type(pc, $2, @2); }
	| PROFILE       { $$ = (struct cc_type_ref){ CC_TY_PROFILE, CC_RK_NAMED, CC_TY_ERROR }; }
	;

kinds:
	  IDENT              { $$ = cc_parse_kind(pc, $1, @1); }
	| EVENT              { $$ = cc_parse_kind(pc, "event", @1); }
	| kinds ',' IDENT    { $$ = $1 | cc_parse_kind(pc, $3, @3); }
	| kinds ',' EVENT    { $$ = $1 | cc_parse_kind(pc, "event", @3); }
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
static const char *cc_parse_item_words(const struct cc_parse_ctx *pc,
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
		if (in_stdlib != (pc->mode == CC_SRC_STDLIB))
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
static bool cc_parse_unclosed(struct cc_parse_ctx *pc, yysymbol_kind_t tok,
			      struct cc_loc eof_loc)
{
	static const char *const items[] = {
		"listen", "domain", "define", "route", "include", "use", "database",
		"flag", "bflag", "avp", "dlgvar", "profile", "fn", "pv", "const", "setting", NULL,
	};
	struct cc_loc at = pc->last_loc;
	const char *word = pc->last_text;
	int wlen = pc->last_len;

	if (pc->nbraces == 0 || pc->syntax_errors != 1)
		return false;
	if (tok != YYSYMBOL_YYEOF) {
		/* The item's first word begins its line at column 1: the
		 * lookahead, or the word before it on the same line. */
		if (at.col != 1) {
			if (pc->prev_loc.col != 1 || pc->prev_loc.line != at.line)
				return false;
			at = pc->prev_loc;
			word = pc->prev_text;
			wlen = pc->prev_len;
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
	if (pc->brace_suspect.line > 0)
		cc_diag_note(pc->brace_suspect,
			     "this '{' is likely the unclosed one: the '}' taken for it is "
			     "indented differently");
	else
		cc_diag_note(pc->braces[pc->nbraces - 1].loc, "this '{' is not closed");
	pc->unclosed_reported = true;
	return true;
}

/* Report a syntax error as "unexpected X, expected A, B or C", quoting
 * the offending identifier or pseudo-variable. When many tokens could
 * follow, only the closing ones are named (a missing ')' or ';' is the
 * usual mistake). */
static int yyreport_syntax_error(const yypcontext_t *ctx, struct cc_parse_ctx *pc,
				 yyscan_t scanner)
{
	enum { MAX_LISTED = 4 };
	yysymbol_kind_t expected[YYNTOKENS];
	yysymbol_kind_t tok = yypcontext_token(ctx);
	char msg[512], sym[64];
	size_t off = 0;
	int n;

	(void)scanner;
	pc->syntax_errors++;
	if (tok == YYSYMBOL_YYUNDEF || pc->unclosed_reported)
		return 0;
	if (cc_parse_unclosed(pc, tok, *yypcontext_location(ctx)))
		return 0;
	off += (size_t)snprintf(msg + off, sizeof msg - off, "unexpected %s",
				cc_parse_symbol_text(tok, sym, sizeof sym));
	if ((tok == YYSYMBOL_IDENT || tok == YYSYMBOL_PVAR) && pc->last_text)
		off += (size_t)snprintf(msg + off, sizeof msg - off, " '%.*s'",
					pc->last_len, pc->last_text);
	n = yypcontext_expected_tokens(ctx, expected, YYNTOKENS);
	for (int i = 0; i < n; i++) {
		if (expected[i] != YYSYMBOL_LISTEN && expected[i] != YYSYMBOL_FN)
			continue;
		cc_diag_report(CC_D_SYNTAX, *yypcontext_location(ctx), "%s, expected %s", msg,
			       cc_parse_item_words(pc, expected, n));
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
	if (n == 1 && cc_parse_is_closer(expected[0]) && pc->prev_loc.line > 0 &&
	    pc->prev_loc.line < yypcontext_location(ctx)->line) {
		struct cc_loc at = pc->prev_loc;
		at.col += at.len;
		at.len = 1;
		cc_diag_report(CC_D_SYNTAX, at, "expected %s",
			       cc_parse_symbol_text(expected[0], sym, sizeof sym));
		return 0;
	}
	cc_diag_report(CC_D_SYNTAX, *yypcontext_location(ctx), "%s", msg);
	return 0;
}

static void yyerror(YYLTYPE *loc, struct cc_parse_ctx *pc, yyscan_t scanner,
		    const char *msg)
{
	(void)scanner;
	pc->syntax_errors++;
	cc_diag_report(CC_D_SYNTAX, *loc, "%s", msg);
}
