#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "ast_print.h"

#define CC_PRINT_INDENT "    "

/* Binding strength of an operator, as in parse.y: || < && < comparisons
 * < + - < * / % < unary. A primary expression binds tightest. */
enum {
	CC_PREC_OR = 1, CC_PREC_AND, CC_PREC_CMP, CC_PREC_ADD, CC_PREC_MUL, CC_PREC_UNARY,
	CC_PREC_PRIMARY
};

static int cc_print_binop_prec(enum cc_binop op)
{
	switch (op) {
	case B_OR: return CC_PREC_OR;
	case B_AND: return CC_PREC_AND;
	case B_ADD:
	case B_SUB: return CC_PREC_ADD;
	case B_MUL:
	case B_DIV:
	case B_MOD: return CC_PREC_MUL;
	default: return CC_PREC_CMP;
	}
}

static const char *cc_print_binop_text(enum cc_binop op)
{
	switch (op) {
	case B_AND: return "&&";
	case B_OR: return "||";
	case B_EQ: return "==";
	case B_NE: return "!=";
	case B_LT: return "<";
	case B_GT: return ">";
	case B_LE: return "<=";
	case B_GE: return ">=";
	case B_ADD: return "+";
	case B_SUB: return "-";
	case B_MATCH: return "=~";
	case B_NMATCH: return "!~";
	case B_MUL: return "*";
	case B_DIV: return "/";
	case B_MOD: return "%";
	}
	return "?";
}

static int cc_print_prec(const struct cc_expr *e)
{
	if (e->kind == E_BINARY)
		return cc_print_binop_prec(e->u.binary.op);
	if (e->kind == E_UNARY)
		return CC_PREC_UNARY;
	/* "-5" as an operand reads like a unary minus. */
	if (e->kind == E_INT && e->u.ival < 0)
		return CC_PREC_UNARY;
	return CC_PREC_PRIMARY;
}

/* A string literal with the escapes the lexer knows (\" \\ \n \t \$).
 * In a template "$$" stands for a literal dollar; outside one, a dollar the
 * lexer would read as the start of an interpolation is escaped. */
static void cc_print_string_tmpl(const char *s, size_t len, bool tmpl, FILE *out)
{
	fputc('"', out);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '$') {
			unsigned char c = i + 1 < len ? (unsigned char)s[i + 1] : 0;
			if (tmpl && c == '$') {
				fputs("\\$", out);
				i++;
			} else if (!tmpl && (c == '_' || c == '{' || (c < 0x80 && isalpha(c)))) {
				fputs("\\$", out);
			} else {
				fputc('$', out);
			}
			continue;
		}
		switch (s[i]) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\t': fputs("\\t", out); break;
		default: fputc(s[i], out);
		}
	}
	fputc('"', out);
}

static void cc_print_string(const char *s, size_t len, FILE *out)
{
	cc_print_string_tmpl(s, len, false, out);
}

static void cc_print_expr_prec(const struct cc_expr *e, int min, FILE *out)
{
	bool paren = cc_print_prec(e) < min;

	if (paren)
		fputc('(', out);
	switch (e->kind) {
	case E_INT:
	case E_CONST:
		fprintf(out, "%lld", (long long)e->u.ival);
		break;
	case E_BOOL:
		fputs(e->u.ival ? "true" : "false", out);
		break;
	case E_STR:
		cc_print_string_tmpl(e->u.str.s, e->u.str.len, e->u.str.tmpl, out);
		break;
	case E_IDENT:
		fputs(e->u.ident.name, out);
		break;
	case E_PV:
		fputs(e->u.pv.name, out);
		if (e->u.pv.arg)
			fprintf(out, "(%s)", e->u.pv.arg);
		break;
	case E_VAR:
		fputs(e->u.var.name, out);
		break;
	case E_AVP:
		fprintf(out, "%s(%s)", e->u.avp.dialog ? "$dlg" : "$avp", e->u.avp.name);
		break;
	case E_ROUTEREF:
		fputs(e->u.routeref.name, out);
		break;
	case E_CALL:
		fprintf(out, "%s(", e->u.call.name);
		for (int i = 0; i < e->u.call.nargs; i++) {
			if (i)
				fputs(", ", out);
			if (e->u.call.arg_names && e->u.call.arg_names[i])
				fprintf(out, "%s: ", e->u.call.arg_names[i]);
			cc_print_expr_prec(e->u.call.args[i], CC_PREC_OR, out);
		}
		fputc(')', out);
		break;
	case E_UNARY:
		fputc(e->u.unary.op == U_NOT ? '!' : '-', out);
		cc_print_expr_prec(e->u.unary.e, CC_PREC_UNARY, out);
		break;
	case E_BINARY: {
		int p = cc_print_binop_prec(e->u.binary.op);
		/* Left-associative, except comparisons, which do not chain. */
		cc_print_expr_prec(e->u.binary.l, p == CC_PREC_CMP ? p + 1 : p, out);
		fprintf(out, " %s ", cc_print_binop_text(e->u.binary.op));
		cc_print_expr_prec(e->u.binary.r, p + 1, out);
		break;
	}
	}
	if (paren)
		fputc(')', out);
}

void cc_ast_print_expr(const struct cc_expr *e, FILE *out)
{
	cc_print_expr_prec(e, CC_PREC_OR, out);
}

char *cc_ast_expr_text(const struct cc_expr *e)
{
	char *buf = NULL, *s;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return cc_strdup("");
	cc_ast_print_expr(e, m);
	fclose(m);
	s = cc_strndup(buf, len);
	free(buf);
	return s;
}

static void cc_print_indent(int depth, FILE *out)
{
	for (int i = 0; i < depth; i++)
		fputs(CC_PRINT_INDENT, out);
}

/* ---- comments (sipcc fmt) ----
 *
 * fmt prints the policy file's items in source order and puts every
 * comment back: the comments before a statement or item go above it at
 * its indentation; a comment after a one-line statement on the same line
 * stays at the end of that line; comments after the last statement of a
 * block that are indented deeper than the statement owning the block go
 * at the end of the block. One blank line is kept where the source had
 * one or more. With pc NULL (explain) none of this happens. */
struct cc_pctx {
	const char *file;             /* the policy: other files' items are not printed */
	const struct cc_comment **c;  /* the file's comments, in order */
	int nc, next;                 /* next comment to print */
	int last_line;                /* source line where the last thing printed ends */
	bool at_start;                /* nothing printed yet in this block */
};

static bool cc_loc_before(struct cc_loc a, struct cc_loc b)
{
	return a.line < b.line || (a.line == b.line && a.col < b.col);
}

/* A blank line when the source had one before line. */
static void cc_pc_gap(struct cc_pctx *pc, int line, FILE *out)
{
	if (!pc->at_start && line > pc->last_line + 1)
		fputc('\n', out);
	pc->at_start = false;
}

/* The comments before loc (and, with min_col > 0, only while they are
 * indented deeper than min_col) on their own lines at depth. */
static void cc_pc_comments(struct cc_pctx *pc, struct cc_loc loc, int min_col, int depth,
			   FILE *out)
{
	for (; pc && pc->next < pc->nc; pc->next++) {
		const struct cc_comment *c = pc->c[pc->next];
		if ((loc.line && !cc_loc_before(c->loc, loc)) || (min_col && c->loc.col <= min_col))
			break;
		cc_pc_gap(pc, c->loc.line, out);
		cc_print_indent(depth, out);
		fprintf(out, "%s\n", c->text);
		pc->last_line = c->loc.line;
	}
}

/* End a one-line statement that starts on line: its trailing comment,
 * then the newline. */
static void cc_pc_eol(struct cc_pctx *pc, int line, FILE *out)
{
	if (pc && pc->next < pc->nc && pc->c[pc->next]->loc.line == line) {
		fprintf(out, " %s", pc->c[pc->next]->text);
		pc->next++;
	}
	fputc('\n', out);
}

/* The source line where a statement ends: its own line for a one-line
 * statement, one past its last inner statement for a block (the closing
 * brace, as fmt prints it). */
static int cc_stmt_end_line(const struct cc_stmt *st);

static int cc_stmts_end_line(const struct cc_stmt *st, int line)
{
	for (; st; st = st->next) {
		int e = cc_stmt_end_line(st);
		if (e > line)
			line = e;
	}
	return line;
}

/* The last source line of an expression (a call may span lines). */
static int cc_expr_end_line(const struct cc_expr *e)
{
	int line = e ? e->loc.line : 0, l;

	if (!e)
		return 0;
	switch (e->kind) {
	case E_CALL:
		for (int i = 0; i < e->u.call.nargs; i++)
			if ((l = cc_expr_end_line(e->u.call.args[i])) > line)
				line = l;
		break;
	case E_UNARY:
		if ((l = cc_expr_end_line(e->u.unary.e)) > line)
			line = l;
		break;
	case E_BINARY:
		if ((l = cc_expr_end_line(e->u.binary.l)) > line)
			line = l;
		if ((l = cc_expr_end_line(e->u.binary.r)) > line)
			line = l;
		break;
	default:
		break;
	}
	return line;
}

static int cc_stmt_end_line(const struct cc_stmt *st)
{
	int line = st->loc.line, l = 0;

	switch (st->kind) {
	case S_IF:
		line = cc_stmts_end_line(st->u.if_.then, line);
		if (st->u.if_.els)
			line = cc_stmts_end_line(st->u.if_.els, line);
		return st->u.if_.els && st->u.if_.els->kind == S_IF ? line : line + 1;
	case S_BLOCK:
		return cc_stmts_end_line(st->u.block.first, line) + 1;
	case S_WHILE:
		return cc_stmts_end_line(st->u.while_.body, line) + 1;
	case S_SWITCH:
		for (const struct cc_case *c = st->u.switch_.cases; c; c = c->next)
			line = cc_stmts_end_line(c->first, c->loc.line > line ? c->loc.line : line);
		return line + 1;
	case S_EXPR:
		l = cc_expr_end_line(st->u.expr);
		break;
	case S_ASSIGN:
		l = cc_expr_end_line(st->u.assign.value);
		break;
	case S_VAR:
		l = cc_expr_end_line(st->u.var.init);
		break;
	case S_RETURN:
		l = cc_expr_end_line(st->u.ret.value);
		break;
	default:
		break;
	}
	return l > line ? l : line;
}

static void cc_print_stmts(struct cc_pctx *pc, const struct cc_stmt *st, int depth,
			   struct cc_loc limit, FILE *out);

/* Where a statement's text starts: at its annotation when it has one. */
static struct cc_loc cc_stmt_start(const struct cc_stmt *st)
{
	return st->allow_loc.line ? st->allow_loc : st->loc;
}

/* "{", the statements one level deeper, "}" (no newline after it). A
 * single statement that is not a block is braced too: the meaning is the
 * same and the output reads like the examples. owner_col and limit: the
 * column of the statement the block belongs to and where the next thing
 * after the block starts (for the comments at the end of the block). */
static void cc_print_body(struct cc_pctx *pc, const struct cc_stmt *st, int depth,
			  int owner_col, struct cc_loc limit, FILE *out)
{
	fputs("{\n", out);
	if (pc)
		pc->at_start = true;
	if (st && st->kind == S_BLOCK)
		cc_print_stmts(pc, st->u.block.first, depth + 1, limit, out);
	else if (st)
		cc_print_stmts(pc, st, depth + 1, limit, out);
	if (pc) {
		/* The closing brace: after the last statement and the comments
		 * at the end of the block. */
		cc_pc_comments(pc, limit, owner_col ? owner_col : 1, depth + 1, out);
		int brace = st ? cc_stmt_end_line(st) : 0;
		pc->at_start = false;
		pc->last_line = pc->last_line + 1 > brace ? pc->last_line + 1 : brace;
	}
	cc_print_indent(depth, out);
	fputc('}', out);
}

/* "@allow(open_relay, toll_fraud) " */
static void cc_print_allow(unsigned allow, FILE *out)
{
	int n = 0;

	if (!allow)
		return;
	fputs("@allow(", out);
	for (int i = 0; cc_allow_names[i]; i++)
		if (allow & (1u << i))
			fprintf(out, "%s%s", n++ ? ", " : "", cc_allow_names[i]);
	fputc(')', out);
}

/* One statement (only that one: the caller follows ->next); limit is
 * where the next thing after it starts. */
static void cc_print_stmt(struct cc_pctx *pc, const struct cc_stmt *st, int depth,
			  struct cc_loc limit, FILE *out)
{
	int line = st->loc.line, col = st->loc.col;

	cc_print_indent(depth, out);
	if (st->allow) {
		cc_print_allow(st->allow, out);
		fputc(' ', out);
	}
	switch (st->kind) {
	case S_EXPR:
		cc_ast_print_expr(st->u.expr, out);
		fputc(';', out);
		cc_pc_eol(pc, line, out);
		break;
	case S_IF: {
		const struct cc_stmt *s = st;
		fputs("if (", out);
		for (;;) {
			cc_ast_print_expr(s->u.if_.cond, out);
			fputs(") ", out);
			const struct cc_stmt *els = s->u.if_.els;
			cc_print_body(pc, s->u.if_.then, depth, col, els ? cc_stmt_start(els) : limit, out);
			s = els;
			if (!s)
				break;
			/* else if: a chain of rules stays flat */
			if (s->kind == S_IF) {
				fputs(" else if (", out);
				continue;
			}
			fputs(" else ", out);
			cc_print_body(pc, s, depth, col, limit, out);
			break;
		}
		fputc('\n', out);
		break;
	}
	case S_BLOCK:
		cc_print_body(pc, st, depth, col, limit, out);
		fputc('\n', out);
		break;
	case S_EXIT:
		fputs("exit;", out);
		cc_pc_eol(pc, line, out);
		break;
	case S_DROP:
		fputs("drop;", out);
		cc_pc_eol(pc, line, out);
		break;
	case S_RETURN:
		if (st->u.ret.value) {
			fputs("return ", out);
			cc_ast_print_expr(st->u.ret.value, out);
			fputc(';', out);
		} else {
			fputs("return;", out);
		}
		cc_pc_eol(pc, line, out);
		break;
	case S_ROUTE:
		fprintf(out, "route(%s);", st->u.route_call.name);
		cc_pc_eol(pc, line, out);
		break;
	case S_ASSIGN:
		fputs(st->u.assign.name, out);
		if (st->u.assign.arg)
			fprintf(out, "(%s)", st->u.assign.arg);
		fputs(" = ", out);
		cc_ast_print_expr(st->u.assign.value, out);
		fputc(';', out);
		cc_pc_eol(pc, line, out);
		break;
	case S_VAR:
		fprintf(out, "var %s: %s", st->u.var.name, cc_type_name(st->u.var.type));
		if (st->u.var.init) {
			fputs(" = ", out);
			cc_ast_print_expr(st->u.var.init, out);
		}
		fputc(';', out);
		cc_pc_eol(pc, line, out);
		break;
	case S_BREAK:
		fputs("break;", out);
		cc_pc_eol(pc, line, out);
		break;
	case S_WHILE:
		fputs("while (", out);
		cc_ast_print_expr(st->u.while_.cond, out);
		fputs(") ", out);
		if (st->u.while_.max != CC_WHILE_MAX_DEFAULT)
			fprintf(out, "max %lld ", (long long)st->u.while_.max);
		cc_print_body(pc, st->u.while_.body, depth, col, limit, out);
		fputc('\n', out);
		break;
	case S_SWITCH:
		fputs("switch (", out);
		cc_ast_print_expr(st->u.switch_.subject, out);
		fputs(") {\n", out);
		if (pc)
			pc->at_start = true;
		/* Labels at the switch's own depth, as in the examples. */
		for (const struct cc_case *c = st->u.switch_.cases; c; c = c->next) {
			if (pc) {
				cc_pc_comments(pc, c->loc, 0, depth, out);
				cc_pc_gap(pc, c->loc.line, out);
			}
			for (int i = 0; i < c->nvalues; i++) {
				cc_print_indent(depth, out);
				fputs("case ", out);
				cc_ast_print_expr(c->values[i], out);
				fputc(':', out);
				cc_pc_eol(pc, i ? c->values[i]->loc.line : c->loc.line, out);
			}
			if (c->is_default) {
				cc_print_indent(depth, out);
				fputs("default:", out);
				cc_pc_eol(pc, c->loc.line, out);
			}
			if (pc) {
				pc->last_line = c->nvalues ? c->values[c->nvalues - 1]->loc.line : c->loc.line;
				pc->at_start = true;
			}
			cc_print_stmts(pc, c->first, depth + 1, c->next ? c->next->loc : limit, out);
		}
		if (pc) {
			cc_pc_comments(pc, limit, col, depth + 1, out);
			int brace = cc_stmt_end_line(st);
			pc->at_start = false;
			pc->last_line = pc->last_line + 1 > brace ? pc->last_line + 1 : brace;
		}
		cc_print_indent(depth, out);
		fputs("}\n", out);
		return;
	}
	/* A one-line statement (compound ones end at their closing brace). */
	if (pc && st->kind != S_IF && st->kind != S_BLOCK && st->kind != S_WHILE)
		pc->last_line = cc_stmt_end_line(st);
}

static void cc_print_stmts(struct cc_pctx *pc, const struct cc_stmt *st, int depth,
			   struct cc_loc limit, FILE *out)
{
	for (; st; st = st->next) {
		if (pc) {
			struct cc_loc at = cc_stmt_start(st);
			cc_pc_comments(pc, at, 0, depth, out);
			cc_pc_gap(pc, at.line, out);
		}
		cc_print_stmt(pc, st, depth, st->next ? cc_stmt_start(st->next) : limit, out);
	}
}

/* The route header the parser accepts for this kind and name: entry
 * routes named after their kind print without a name. */
static void cc_print_route_head(const struct cc_route *r, FILE *out)
{
	const char *kind = cc_route_kind_name(r->kind);

	if (r->allow) {
		cc_print_allow(r->allow, out);
		fputc('\n', out);
	}
	if (r->kind == CC_RK_TIMER) {
		static const struct { const char *unit; int64_t ms; } units[] = {
			{ "h", 3600000 }, { "m", 60000 }, { "s", 1000 }, { "ms", 1 },
		};
		for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
			if (r->every_ms % units[i].ms == 0) {
				fprintf(out, "route timer %s every %lld%s ", r->name,
					(long long)(r->every_ms / units[i].ms), units[i].unit);
				break;
			}
		}
	} else if (r->kind == CC_RK_NAMED && (r->nparams || r->result != CC_TY_VOID)) {
		fprintf(out, "route %s(", r->name);
		for (int i = 0; i < r->nparams; i++)
			fprintf(out, "%s%s: %s", i ? ", " : "", r->params[i].name,
				cc_type_name(r->params[i].type));
		fputc(')', out);
		if (r->result != CC_TY_VOID)
			fprintf(out, ": %s", cc_type_name(r->result));
		fputc(' ', out);
	} else if (r->kind == CC_RK_NAMED)
		fprintf(out, "route %s ", r->name);
	else if (strcmp(r->name, kind) == 0)
		fprintf(out, "route %s ", kind);
	else
		fprintf(out, "route %s %s ", kind, r->name);
}

/* ---- top-level items, one at a time ---- */

static void cc_print_listen(const struct cc_listen *l, FILE *out)
{
	if (strchr(l->addr, ':'))
		fprintf(out, "listen %s [%s]:%d", l->proto, l->addr, l->port);
	else
		fprintf(out, "listen %s %s:%d", l->proto, l->addr, l->port);
}

static void cc_print_use(struct cc_pctx *pc, const struct cc_use *u, struct cc_loc limit,
			 FILE *out)
{
	if (!u->items) {
		fprintf(out, "use %s;", u->module);
		return;
	}
	fprintf(out, "use %s {", u->module);
	cc_pc_eol(pc, u->loc.line, out);
	if (pc)
		pc->at_start = true;
	for (const struct cc_use_item *it = u->items; it; it = it->next) {
		if (pc) {
			cc_pc_comments(pc, it->key_loc, 0, 1, out);
			cc_pc_gap(pc, it->key_loc.line, out);
		}
		fprintf(out, CC_PRINT_INDENT "%s = ", it->key);
		cc_ast_print_expr(it->value, out);
		fputc(';', out);
		cc_pc_eol(pc, it->key_loc.line, out);
		if (pc)
			pc->last_line = cc_expr_end_line(it->value);
	}
	if (pc) {
		cc_pc_comments(pc, limit, 1, 1, out);
		pc->last_line++;
	}
	fputc('}', out);
}

static void cc_print_define(const struct cc_define *d, FILE *out)
{
	fprintf(out, "%sdefine %s = ", d->gateway ? "@gateway " : "", d->name);
	cc_ast_print_expr(d->value, out);
}

void cc_ast_print(const struct cc_program *p, FILE *out)
{
	bool gap = false;
	struct cc_loc none = { 0 };

	for (const struct cc_listen *l = p->listens; l; l = l->next, gap = true) {
		cc_print_listen(l, out);
		fputc('\n', out);
	}
	for (const struct cc_domain *d = p->domains; d; d = d->next, gap = true) {
		fputs("domain ", out);
		cc_print_string(d->name, strlen(d->name), out);
		fputc('\n', out);
	}
	if (p->database) {
		fputs("database ", out);
		cc_print_string(p->database, strlen(p->database), out);
		fputc('\n', out);
		gap = true;
	}
	for (const struct cc_use *u = p->uses; u; u = u->next, gap = true) {
		cc_print_use(NULL, u, none, out);
		fputc('\n', out);
	}
	for (const struct cc_define *d = p->defines; d; d = d->next) {
		if (d->from_cmdline)
			continue;
		cc_print_define(d, out);
		fputc('\n', out);
		gap = true;
	}
	if (gap && (p->flags || p->avps || p->dlgvars || p->profiles))
		fputc('\n', out);
	for (const struct cc_flag_decl *f = p->flags; f; f = f->next, gap = true)
		fprintf(out, "%s %s\n", f->branch ? "bflag" : "flag", f->name);
	for (const struct cc_avp_decl *a = p->avps; a; a = a->next, gap = true)
		fprintf(out, "avp %s: %s\n", a->name, cc_type_name(a->type));
	for (const struct cc_avp_decl *a = p->dlgvars; a; a = a->next, gap = true)
		fprintf(out, "dlgvar %s: %s\n", a->name, cc_type_name(a->type));
	for (const struct cc_profile_decl *d = p->profiles; d; d = d->next, gap = true)
		fprintf(out, "profile %s%s\n", d->name, d->type == CC_TY_STR ? ": str" : "");
	for (const struct cc_route *r = p->routes; r; r = r->next) {
		if (gap)
			fputc('\n', out);
		gap = true;
		cc_print_route_head(r, out);
		cc_print_body(NULL, r->body, 0, 0, none, out);
		fputc('\n', out);
	}
}

/* ---- sipcc fmt ---- */

enum cc_item_kind {
	CC_IT_INCLUDE, CC_IT_LISTEN, CC_IT_DOMAIN, CC_IT_DATABASE, CC_IT_USE, CC_IT_DEFINE,
	CC_IT_FLAG, CC_IT_AVP, CC_IT_DLGVAR, CC_IT_PROFILE, CC_IT_ROUTE,
};

struct cc_item {
	enum cc_item_kind kind;
	const void *v;
	struct cc_loc loc;          /* where it starts */
	int order;                  /* for a stable sort */
};

struct cc_items {
	struct cc_item *v;
	int n, cap;
};

static void cc_items_add(struct cc_items *it, const char *file, enum cc_item_kind kind,
			 const void *v, struct cc_loc loc)
{
	if (!loc.file || strcmp(loc.file, file) != 0)
		return;             /* from an included file, or the command line */
	if (it->n == it->cap) {
		int cap = it->cap ? it->cap * 2 : 32;
		struct cc_item *n = cc_alloc(sizeof *n * (size_t)cap);
		if (it->n)
			memcpy(n, it->v, sizeof *n * (size_t)it->n);
		it->v = n;
		it->cap = cap;
	}
	it->v[it->n] = (struct cc_item){ kind, v, loc, it->n };
	it->n++;
}

static int cc_item_cmp(const void *a, const void *b)
{
	const struct cc_item *x = a, *y = b;

	if (x->loc.line != y->loc.line)
		return x->loc.line < y->loc.line ? -1 : 1;
	if (x->loc.col != y->loc.col)
		return x->loc.col < y->loc.col ? -1 : 1;
	return x->order - y->order;
}

static void cc_fmt_item(struct cc_pctx *pc, const struct cc_item *it, struct cc_loc limit,
			FILE *out)
{
	switch (it->kind) {
	case CC_IT_INCLUDE: {
		const struct cc_include *inc = it->v;
		fputs("include ", out);
		cc_print_string(inc->path, strlen(inc->path), out);
		break;
	}
	case CC_IT_LISTEN:
		cc_print_listen(it->v, out);
		break;
	case CC_IT_DOMAIN: {
		const struct cc_domain *d = it->v;
		fputs("domain ", out);
		cc_print_string(d->name, strlen(d->name), out);
		break;
	}
	case CC_IT_DATABASE:
		fputs("database ", out);
		cc_print_string(it->v, strlen(it->v), out);
		break;
	case CC_IT_USE:
		cc_print_use(pc, it->v, limit, out);
		break;
	case CC_IT_DEFINE:
		cc_print_define(it->v, out);
		break;
	case CC_IT_FLAG: {
		const struct cc_flag_decl *f = it->v;
		fprintf(out, "%s %s", f->branch ? "bflag" : "flag", f->name);
		break;
	}
	case CC_IT_AVP:
	case CC_IT_DLGVAR: {
		const struct cc_avp_decl *a = it->v;
		fprintf(out, "%s %s: %s", it->kind == CC_IT_AVP ? "avp" : "dlgvar", a->name,
			cc_type_name(a->type));
		break;
	}
	case CC_IT_PROFILE: {
		const struct cc_profile_decl *d = it->v;
		fprintf(out, "profile %s%s", d->name, d->type == CC_TY_STR ? ": str" : "");
		break;
	}
	case CC_IT_ROUTE: {
		const struct cc_route *r = it->v;
		cc_print_route_head(r, out);
		cc_print_body(pc, r->body, 0, 1, limit, out);
		fputc('\n', out);
		return;
	}
	}
	cc_pc_eol(pc, it->loc.line, out);
	if (it->kind != CC_IT_USE)
		pc->last_line = it->loc.line;
}

bool cc_ast_fmt(const struct cc_program *p, const char *file, FILE *out)
{
	struct cc_items items = { 0 };
	struct cc_pctx pc = { .file = file, .at_start = true };

	for (const struct cc_include *i = p->includes; i; i = i->next)
		cc_items_add(&items, file, CC_IT_INCLUDE, i, i->loc);
	for (const struct cc_listen *l = p->listens; l; l = l->next)
		cc_items_add(&items, file, CC_IT_LISTEN, l, l->loc);
	for (const struct cc_domain *d = p->domains; d; d = d->next)
		cc_items_add(&items, file, CC_IT_DOMAIN, d, d->loc);
	if (p->database)
		cc_items_add(&items, file, CC_IT_DATABASE, p->database, p->database_loc);
	for (const struct cc_use *u = p->uses; u; u = u->next)
		cc_items_add(&items, file, CC_IT_USE, u, u->loc);
	for (const struct cc_define *d = p->defines; d; d = d->next)
		if (!d->from_cmdline)
			cc_items_add(&items, file, CC_IT_DEFINE, d, d->loc);
	for (const struct cc_flag_decl *f = p->flags; f; f = f->next)
		cc_items_add(&items, file, CC_IT_FLAG, f, f->loc);
	for (const struct cc_avp_decl *a = p->avps; a; a = a->next)
		cc_items_add(&items, file, CC_IT_AVP, a, a->loc);
	for (const struct cc_avp_decl *a = p->dlgvars; a; a = a->next)
		cc_items_add(&items, file, CC_IT_DLGVAR, a, a->loc);
	for (const struct cc_profile_decl *d = p->profiles; d; d = d->next)
		cc_items_add(&items, file, CC_IT_PROFILE, d, d->loc);
	for (const struct cc_route *r = p->routes; r; r = r->next)
		cc_items_add(&items, file, CC_IT_ROUTE, r, r->allow_loc.line ? r->allow_loc : r->loc);
	if (items.n)
		qsort(items.v, (size_t)items.n, sizeof *items.v, cc_item_cmp);

	int n = 0;
	for (const struct cc_comment *c = p->comments; c; c = c->next)
		n += c->loc.file && strcmp(c->loc.file, file) == 0;
	pc.c = cc_alloc(sizeof *pc.c * (size_t)(n ? n : 1));
	for (const struct cc_comment *c = p->comments; c; c = c->next)
		if (c->loc.file && strcmp(c->loc.file, file) == 0)
			pc.c[pc.nc++] = c;

	bool route_before = false;
	for (int i = 0; i < items.n; i++) {
		const struct cc_item *it = &items.v[i];
		bool route = it->kind == CC_IT_ROUTE;
		/* A route is set apart by one blank line, above its comments. */
		if ((route || route_before) && !pc.at_start) {
			fputc('\n', out);
			pc.at_start = true;
		}
		cc_pc_comments(&pc, it->loc, 0, 0, out);
		cc_pc_gap(&pc, it->loc.line, out);
		struct cc_loc limit = i + 1 < items.n ? items.v[i + 1].loc : (struct cc_loc){ 0 };
		cc_fmt_item(&pc, it, limit, out);
		route_before = route;
	}
	/* Comments after the last item. */
	cc_pc_comments(&pc, (struct cc_loc){ 0 }, 0, 0, out);
	return pc.next == pc.nc;
}
