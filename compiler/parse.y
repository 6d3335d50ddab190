%code top {
/* The grammar of policies (.sip) and stdlib declarations (.sipi). One
 * grammar parses both; the parse context's mode says which top-level items
 * a file may contain, so a misplaced item gets a precise error instead of a
 * syntax error. Pure parser, no global state: everything lives in the
 * struct cc_parse_ctx passed to yyparse. */
#include <arpa/inet.h>
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
	int syntax_errors;
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

int cc_lex_parse(struct cc_parse_ctx *ps, const char *text, size_t len);
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

static void yyerror(YYLTYPE *loc, struct cc_parse_ctx *ps, yyscan_t scanner,
		    const char *msg);
static bool cc_parse_policy_only(struct cc_parse_ctx *ps, struct cc_loc loc,
				 const char *what);
static bool cc_parse_stdlib_only(struct cc_parse_ctx *ps, struct cc_loc loc,
				 const char *what);
static void cc_parse_listen(struct cc_parse_ctx *ps, struct cc_loc loc,
			    const char *proto, struct cc_loc proto_loc,
			    const char *addr, struct cc_loc addr_loc);
static void cc_parse_route(struct cc_parse_ctx *ps, struct cc_loc loc,
			   const char *w1, struct cc_loc l1,
			   const char *w2, struct cc_loc l2, struct cc_stmt *body);
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
static void cc_parse_fn(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
			struct cc_param_list *params, struct cc_type_ref result,
			unsigned kinds, const char *symbol, const char *doc);
static void cc_parse_pv(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
			struct cc_type_ref ty, bool rw, unsigned kinds,
			const char *symbol, const char *doc);
static void cc_parse_const(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
			   struct cc_type_ref ty, struct cc_expr *value, const char *doc);
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
	struct { const char *s; size_t len; } str;
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

%token LISTEN "listen" DOMAIN "domain" DEFINE "define" ROUTE "route"
%token IF "if" ELSE "else" EXIT "exit" DROP "drop" RETURN "return"
%token TRUE "true" FALSE "false"
%token FN "fn" PV "pv" CONST "const" IN "in" CALLS "calls" DOC "doc" RW "rw"
%token AND "&&" OR "||" EQ "==" NE "!=" LE "<=" GE ">="
%token <name> IDENT "identifier" PVAR "pseudo-variable" ADDR "address"
%token <ival> INT "integer"
%token <str> STRING "string"

%type <expr> expr call literal const_value
%type <stmt> stmt block
%type <slist> stmts
%type <args> args args_opt
%type <params> params params_opt
%type <param> param
%type <tref> type
%type <mask> kinds
%type <flag> rw_opt
%type <name> doc_opt pv_name

%precedence THEN
%precedence ELSE
%left OR
%left AND
%nonassoc EQ NE '<' '>' LE GE
%left '+'
%precedence '!' UMINUS

%%

file:
	  %empty
	| file item
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
				for (tail = &ps->prog->defines; *tail; tail = &(*tail)->next)
					;
				*tail = d;
			}
		}
	| ROUTE IDENT block
		{ cc_parse_route(ps, @$, $2, @2, NULL, @2, $3); }
	| ROUTE IDENT IDENT block
		{ cc_parse_route(ps, @$, $2, @2, $3, @3, $4); }
	| FN IDENT '(' params_opt ')' ':' type IN '(' kinds ')' CALLS IDENT doc_opt ';'
		{ if (cc_parse_stdlib_only(ps, @1, "fn"))
			cc_parse_fn(ps, @2, $2, $4, $7, $10, $13, $14); }
	| PV pv_name ':' type rw_opt IN '(' kinds ')' CALLS IDENT doc_opt ';'
		{ if (cc_parse_stdlib_only(ps, @1, "pv"))
			cc_parse_pv(ps, @2, $2, $4, $5, $8, $11, $12); }
	| CONST IDENT ':' type '=' const_value doc_opt ';'
		{ if (cc_parse_stdlib_only(ps, @1, "const"))
			cc_parse_const(ps, @2, $2, $4, $6, $7); }
	| ';'
	| error
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
		{ $$ = cc_expr_new(E_STR, @$); $$->u.str.s = $1.s; $$->u.str.len = $1.len; }
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
	if (tok == YYSYMBOL_YYUNDEF)
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
			       ps->mode == CC_SRC_POLICY ?
			       "'listen', 'domain', 'define' or 'route'" :
			       "'fn', 'pv' or 'const'");
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

	if (strcmp(proto, "udp") != 0) {
		cc_diag_report(CC_D_BAD_LITERAL, proto_loc,
			       "unsupported transport '%s'", proto);
		cc_diag_note((struct cc_loc){0}, "supported transports: udp");
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

/* route request|local|error|reply { }, route failure|reply|branch NAME { },
 * route NAME { }. Entry routes without a name are named after their kind. */
static void cc_parse_route(struct cc_parse_ctx *ps, struct cc_loc loc,
			   const char *w1, struct cc_loc l1,
			   const char *w2, struct cc_loc l2, struct cc_stmt *body)
{
	enum cc_route_kind kind;
	const char *name;
	struct cc_loc name_loc;

	if (!cc_parse_policy_only(ps, loc, "route"))
		return;
	if (!w2) {
		name = w1;
		name_loc = l1;
		if (!cc_parse_kind_word(w1, &kind)) {
			kind = CC_RK_NAMED;
		} else if (kind == CC_RK_FAILURE || kind == CC_RK_BRANCH) {
			cc_diag_report(CC_D_BAD_ROUTE_HEAD, l1, "a %s route needs a name", w1);
			cc_diag_note((struct cc_loc){0}, "write 'route %s NAME { ... }'", w1);
			return;
		}
	} else {
		name = w2;
		name_loc = l2;
		if (!cc_parse_kind_word(w1, &kind) ||
		    !(kind == CC_RK_FAILURE || kind == CC_RK_REPLY || kind == CC_RK_BRANCH)) {
			cc_diag_report(CC_D_BAD_ROUTE_HEAD, l1,
				       "'%s' is not a kind of named route", w1);
			cc_diag_note((struct cc_loc){0},
				     "use 'route failure NAME', 'route reply NAME', 'route branch NAME' or 'route NAME'");
			return;
		}
		if (cc_parse_kind_word(w2, &(enum cc_route_kind){0})) {
			cc_diag_report(CC_D_BAD_ROUTE_HEAD, l2,
				       "'%s' is a route kind and cannot name a route", w2);
			return;
		}
	}

	struct cc_route *r = cc_alloc(sizeof *r), **tail;
	r->kind = kind;
	r->name = name;
	r->body = body;
	r->loc = name_loc;
	r->index = ps->prog->nroutes++;
	for (tail = &ps->prog->routes; *tail; tail = &(*tail)->next)
		;
	*tail = r;
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
	for (tail = &ps->prog->fns; *tail; tail = &(*tail)->next)
		;
	*tail = f;
}

static void cc_parse_pv(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
			struct cc_type_ref ty, bool rw, unsigned kinds,
			const char *symbol, const char *doc)
{
	struct cc_pv_decl *v, **tail;

	if (cc_parse_decl_dup(ps, loc, name))
		return;
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
	for (tail = &ps->prog->pvs; *tail; tail = &(*tail)->next)
		;
	*tail = v;
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

enum cc_parse_result cc_parse_buffer(struct cc_program *p, const char *file,
				     const char *text, size_t len,
				     enum cc_src_mode mode)
{
	struct cc_parse_ctx ps = {
		.prog = p, .file = file, .mode = mode, .line = 1, .col = 1,
	};
	int errors = cc_diag_errors();

	cc_diag_source_add(file, text, len);
	if (cc_lex_parse(&ps, text, len) != 0 && ps.syntax_errors == 0) {
		cc_diag_report(CC_D_SYNTAX, (struct cc_loc){ .file = file },
			       "cannot parse this file");
		return CC_PARSE_ERRORS;
	}
	return cc_diag_errors() == errors ? CC_PARSE_OK : CC_PARSE_ERRORS;
}
