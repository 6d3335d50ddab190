#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "ast_print.h"

#define CC_PRINT_INDENT "    "

/* Binding strength of an operator, as in parse.y: || < && < comparisons
 * < + < unary. A primary expression binds tightest. */
enum { CC_PREC_OR = 1, CC_PREC_AND, CC_PREC_CMP, CC_PREC_ADD, CC_PREC_UNARY, CC_PREC_PRIMARY };

static int cc_print_binop_prec(enum cc_binop op)
{
	switch (op) {
	case B_OR: return CC_PREC_OR;
	case B_AND: return CC_PREC_AND;
	case B_ADD:
	case B_SUB: return CC_PREC_ADD;
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

static void cc_print_stmts(const struct cc_stmt *st, int depth, FILE *out);

/* "{", the statements one level deeper, "}" (no newline after it). A
 * single statement that is not a block is braced too: the meaning is the
 * same and the output reads like the examples. */
static void cc_print_body(const struct cc_stmt *st, int depth, FILE *out)
{
	fputs("{\n", out);
	if (st && st->kind == S_BLOCK)
		cc_print_stmts(st->u.block.first, depth + 1, out);
	else if (st)
		cc_print_stmts(st, depth + 1, out);
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

/* One statement (only that one: the caller follows ->next). */
static void cc_print_stmt(const struct cc_stmt *st, int depth, FILE *out)
{
	cc_print_indent(depth, out);
	if (st->allow) {
		cc_print_allow(st->allow, out);
		fputc(' ', out);
	}
	switch (st->kind) {
	case S_EXPR:
		cc_ast_print_expr(st->u.expr, out);
		fputs(";\n", out);
		break;
	case S_IF: {
		const struct cc_stmt *s = st;
		fputs("if (", out);
		for (;;) {
			cc_ast_print_expr(s->u.if_.cond, out);
			fputs(") ", out);
			cc_print_body(s->u.if_.then, depth, out);
			s = s->u.if_.els;
			if (!s)
				break;
			/* else if: a chain of rules stays flat */
			if (s->kind == S_IF) {
				fputs(" else if (", out);
				continue;
			}
			fputs(" else ", out);
			cc_print_body(s, depth, out);
			break;
		}
		fputc('\n', out);
		break;
	}
	case S_BLOCK:
		cc_print_body(st, depth, out);
		fputc('\n', out);
		break;
	case S_EXIT:
		fputs("exit;\n", out);
		break;
	case S_DROP:
		fputs("drop;\n", out);
		break;
	case S_RETURN:
		if (st->u.ret.value) {
			fputs("return ", out);
			cc_ast_print_expr(st->u.ret.value, out);
			fputs(";\n", out);
		} else {
			fputs("return;\n", out);
		}
		break;
	case S_ROUTE:
		fprintf(out, "route(%s);\n", st->u.route_call.name);
		break;
	case S_ASSIGN:
		fputs(st->u.assign.name, out);
		if (st->u.assign.arg)
			fprintf(out, "(%s)", st->u.assign.arg);
		fputs(" = ", out);
		cc_ast_print_expr(st->u.assign.value, out);
		fputs(";\n", out);
		break;
	case S_VAR:
		fprintf(out, "var %s: %s", st->u.var.name, cc_type_name(st->u.var.type));
		if (st->u.var.init) {
			fputs(" = ", out);
			cc_ast_print_expr(st->u.var.init, out);
		}
		fputs(";\n", out);
		break;
	case S_BREAK:
		fputs("break;\n", out);
		break;
	case S_WHILE:
		fputs("while (", out);
		cc_ast_print_expr(st->u.while_.cond, out);
		fputs(") ", out);
		if (st->u.while_.max != CC_WHILE_MAX_DEFAULT)
			fprintf(out, "max %lld ", (long long)st->u.while_.max);
		cc_print_body(st->u.while_.body, depth, out);
		fputc('\n', out);
		break;
	case S_SWITCH:
		fputs("switch (", out);
		cc_ast_print_expr(st->u.switch_.subject, out);
		fputs(") {\n", out);
		/* Labels at the switch's own depth, as in the examples. */
		for (const struct cc_case *c = st->u.switch_.cases; c; c = c->next) {
			for (int i = 0; i < c->nvalues; i++) {
				cc_print_indent(depth, out);
				fputs("case ", out);
				cc_ast_print_expr(c->values[i], out);
				fputs(":\n", out);
			}
			if (c->is_default) {
				cc_print_indent(depth, out);
				fputs("default:\n", out);
			}
			cc_print_stmts(c->first, depth + 1, out);
		}
		cc_print_indent(depth, out);
		fputs("}\n", out);
		break;
	}
}

static void cc_print_stmts(const struct cc_stmt *st, int depth, FILE *out)
{
	for (; st; st = st->next)
		cc_print_stmt(st, depth, out);
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

void cc_ast_print(const struct cc_program *p, FILE *out)
{
	bool gap = false;

	for (const struct cc_listen *l = p->listens; l; l = l->next, gap = true) {
		if (strchr(l->addr, ':'))
			fprintf(out, "listen %s [%s]:%d\n", l->proto, l->addr, l->port);
		else
			fprintf(out, "listen %s %s:%d\n", l->proto, l->addr, l->port);
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
		if (!u->items) {
			fprintf(out, "use %s;\n", u->module);
			continue;
		}
		fprintf(out, "use %s {\n", u->module);
		for (const struct cc_use_item *it = u->items; it; it = it->next) {
			fprintf(out, CC_PRINT_INDENT "%s = ", it->key);
			cc_ast_print_expr(it->value, out);
			fputs(";\n", out);
		}
		fputs("}\n", out);
	}
	for (const struct cc_define *d = p->defines; d; d = d->next) {
		if (d->from_cmdline)
			continue;
		fprintf(out, "%sdefine %s = ", d->gateway ? "@gateway " : "", d->name);
		cc_ast_print_expr(d->value, out);
		fputc('\n', out);
		gap = true;
	}
	if (gap && (p->flags || p->avps || p->dlgvars))
		fputc('\n', out);
	for (const struct cc_flag_decl *f = p->flags; f; f = f->next, gap = true)
		fprintf(out, "%s %s\n", f->branch ? "bflag" : "flag", f->name);
	for (const struct cc_avp_decl *a = p->avps; a; a = a->next, gap = true)
		fprintf(out, "avp %s: %s\n", a->name, cc_type_name(a->type));
	for (const struct cc_avp_decl *a = p->dlgvars; a; a = a->next, gap = true)
		fprintf(out, "dlgvar %s: %s\n", a->name, cc_type_name(a->type));
	for (const struct cc_route *r = p->routes; r; r = r->next) {
		if (gap)
			fputc('\n', out);
		gap = true;
		cc_print_route_head(r, out);
		cc_print_body(r->body, 0, out);
		fputc('\n', out);
	}
}
