/* Semantic checks of expressions: names, pseudo-variables, AVPs and
 * dialog variables, operators, string templates, and the coercion of a
 * value to the type a place wants. Calls are in sema_call.c, statements
 * in sema_stmt.c. */
#include <arpa/inet.h>
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "sema_int.h"
#include "core/timerec.h"

static void cc_sema_var_read(struct cc_sema *s, struct cc_expr *e);

/* A bare name: a stdlib constant, a bare pseudo-variable (method) or a
 * define. Rewritten in place into what it denotes. A define that clashes
 * with a stdlib name is an error already; the stdlib meaning is kept so
 * no further errors follow from it. */
static enum cc_type cc_sema_ident(struct cc_sema *s, struct cc_expr *e)
{
	const char *name = e->u.ident.name;
	struct cc_define *d = cc_find_define(s->p, name);
	struct cc_const_decl *c;
	struct cc_pv_decl *v;
	struct cc_var *var = cc_sema_var_find(s, name);

	if (var) {
		e->kind = E_VAR;
		e->u.var.name = name;
		e->u.var.var = var;
		e->ty = var->type;
		cc_sema_var_read(s, e);
		return e->ty;
	}
	if ((c = cc_find_const(s->p, name))) {
		switch (cc_type_is_status(c->type) ? CC_TY_METHOD : c->type) {
		case CC_TY_METHOD:      /* and the status types */
			e->kind = E_CONST;
			e->u.ival = c->ival;
			break;
		case CC_TY_STR:
			e->kind = E_STR;
			e->u.str.s = c->sval;
			e->u.str.len = strlen(c->sval);
			break;
		case CC_TY_BOOL:
			e->kind = E_BOOL;
			e->u.ival = c->ival;
			break;
		default:
			e->kind = E_INT;
			e->u.ival = c->ival;
			break;
		}
		e->ty = c->type;
		return e->ty;
	}
	if ((v = cc_find_pv(s->p, name))) {
		e->kind = E_PV;
		e->u.pv.name = name;
		e->u.pv.decl = v;
		cc_sema_kinds_ok(s, "pseudo-variable", name, v->kinds, e->loc);
		e->ty = v->type;
		return e->ty;
	}
	if (d) {
		struct cc_loc loc = e->loc;
		d->used = true;
		*e = *d->value;
		e->loc = loc;
		e->def = d;
		e->ty = e->kind == E_INT ? CC_TY_INT : e->kind == E_STR ? CC_TY_STR : CC_TY_BOOL;
		return e->ty;
	}
	struct cc_route *r = cc_find_route(s->p, name);
	if (r) {
		s->referenced[r->index] = true;
		cc_diag_report(CC_D_TYPE, e->loc, "%s cannot be used as a value", cc_sema_route_desc(r));
		cc_diag_note((struct cc_loc){0},
			     "call it with route(%s); or pass it to a function taking a route", name);
		return CC_TY_ERROR;
	}

	struct cc_suggest sg;
	cc_suggest_init(&sg, name);
	for (int i = 0; i < s->nscope; i++)
		cc_suggest_add(&sg, s->scope[i]->name);
	for (struct cc_define *dd = s->p->defines; dd; dd = dd->next)
		cc_suggest_add(&sg, dd->name);
	for (struct cc_const_decl *cc = s->p->consts; cc; cc = cc->next)
		cc_suggest_add(&sg, cc->name);
	for (struct cc_pv_decl *vv = s->p->pvs; vv; vv = vv->next)
		if (vv->name[0] != '$')
			cc_suggest_add(&sg, vv->name);
	cc_diag_report(CC_D_UNKNOWN_NAME, e->loc, "unknown name '%s'%s", name, cc_suggest_text(&sg));
	const struct cc_event_decl *ev = s->cur ? s->cur->event : NULL;
	if (ev) {
		size_t n = 1;
		for (int i = 0; i < ev->nparams; i++)
			n += strlen(ev->params[i].name) + 2;
		char *list = cc_alloc(n), *q = list;
		for (int i = 0; i < ev->nparams; i++)
			q += sprintf(q, "%s%s", i ? ", " : "", ev->params[i].name);
		cc_diag_note((struct cc_loc){0}, "event '%s' gives %s", ev->name,
			     ev->nparams ? list : "no parameters");
	} else if (!sg.best)
		cc_diag_note((struct cc_loc){0},
			     "declare a variable with 'var %s: TYPE = ...;', or give a compile-time "
			     "value with 'define %s = ...' or -D %s=VALUE",
			     name, name, name);
	return CC_TY_ERROR;
}

/* Variables in scope, innermost last; NULL when none is called name. */
struct cc_var *cc_sema_var_find(const struct cc_sema *s, const char *name)
{
	for (int i = s->nscope - 1; i >= 0; i--)
		if (strcmp(s->scope[i]->name, name) == 0)
			return s->scope[i];
	return NULL;
}

/* A read of a variable: it must have a value on every path to here. The
 * first read without one is recorded (the paths met here may not all be
 * real: cc_sema_uninit_check decides at the end of the route); the
 * variable then counts as assigned so no cascade follows. */
static void cc_sema_var_read(struct cc_sema *s, struct cc_expr *e)
{
	struct cc_var *v = e->u.var.var;

	if (s->assigned[v->index])
		return;
	if (!s->uninit_read[v->index]) {
		s->uninit_read[v->index] = e;
		s->uninit_loop[v->index] = s->loop_assigned[v->index];
	}
	s->assigned[v->index] = 1;
}

struct cc_pv_decl *cc_sema_pv_lookup(struct cc_sema *s, const char *name,
				     struct cc_loc loc)
{
	struct cc_pv_decl *v = cc_find_pv(s->p, name);

	if (!v) {
		struct cc_suggest sg;
		cc_suggest_init(&sg, name);
		for (struct cc_pv_decl *c = s->p->pvs; c; c = c->next)
			if (c->name[0] == '$')
				cc_suggest_add(&sg, c->name);
		cc_diag_report(CC_D_UNKNOWN_PV, loc, "unknown pseudo-variable '%s'%s",
			       name, cc_suggest_text(&sg));
	}
	return v;
}

static const char *cc_sema_binop_text(enum cc_binop op)
{
	static const char *const text[] = {
		[B_AND] = "&&", [B_OR] = "||", [B_EQ] = "==", [B_NE] = "!=", [B_LT] = "<",
		[B_GT] = ">", [B_LE] = "<=", [B_GE] = ">=", [B_ADD] = "+",
		[B_SUB] = "-", [B_MATCH] = "=~", [B_NMATCH] = "!~", [B_MUL] = "*",
		[B_DIV] = "/", [B_MOD] = "%",
	};
	return text[op];
}

/* A status value where a bool is wanted (a condition, an operand of !,
 * && or ||) is true when it is > 0: e is rewritten in place into
 * "e > 0", which is what the back end and the path checks see
 * (cc_sema_status_test). */
static void cc_sema_status_truth(struct cc_expr *e)
{
	struct cc_expr *v = cc_alloc(sizeof *v);
	struct cc_expr *zero = cc_expr_new(E_INT, e->loc);

	*v = *e;
	zero->ty = CC_TY_INT;
	e->kind = E_BINARY;
	e->def = NULL;
	e->u.binary.op = B_GT;
	e->u.binary.l = v;
	e->u.binary.r = zero;
	e->ty = CC_TY_BOOL;
}

/* t is bool, or a status (then e is rewritten into its truth): true when
 * e may stand where a bool is wanted. */
bool cc_sema_as_bool(struct cc_expr *e, enum cc_type t)
{
	if (cc_type_is_status(t)) {
		cc_sema_status_truth(e);
		return true;
	}
	return t == CC_TY_BOOL;
}

/* "AUTH_OK, AUTH_ERROR, ..." : the constants of status type t. */
const char *cc_sema_status_consts(const struct cc_program *p, enum cc_type t)
{
	size_t n = 1;
	for (const struct cc_const_decl *c = p->consts; c; c = c->next)
		if (c->type == t)
			n += strlen(c->name) + 2;
	char *buf = cc_alloc(n), *o = buf;
	for (const struct cc_const_decl *c = p->consts; c; c = c->next)
		if (c->type == t)
			o += sprintf(o, "%s%s", o == buf ? "" : ", ", c->name);
	return buf;
}

const struct cc_expr *cc_sema_status_test(const struct cc_expr *e, int *positive)
{
	*positive = -1;
	if (e->kind != E_BINARY || (e->u.binary.op != B_GT && e->u.binary.op != B_EQ &&
				    e->u.binary.op != B_NE))
		return NULL;
	const struct cc_expr *x = e->u.binary.l, *c = e->u.binary.r;
	if (!cc_type_is_status(x->ty) && cc_type_is_status(c->ty)) {
		x = e->u.binary.r;
		c = e->u.binary.l;
	}
	if (!cc_type_is_status(x->ty) || (c->kind != E_CONST && c->kind != E_INT))
		return NULL;
	switch (e->u.binary.op) {
	case B_GT:
		if (c->u.ival >= 0)
			*positive = 1;
		break;
	case B_EQ:
		if (c->u.ival > 0)
			*positive = 1;
		break;
	default:
		if (c->u.ival > 0)
			*positive = 0;
		break;
	}
	return x;
}

/* Compile a regex literal now, as the runtime will (POSIX extended), so
 * a bad pattern is a compile error pointing at the literal. */
static bool cc_sema_regex_ok(const struct cc_expr *r)
{
	regex_t re;
	char *pat = cc_strndup(r->u.str.s, r->u.str.len);
	int rc;

	if (strlen(pat) != r->u.str.len) {
		cc_diag_report(CC_D_BAD_REGEX, r->loc, "a regular expression cannot contain a NUL byte");
		return false;
	}
	rc = regcomp(&re, pat, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		char msg[256];
		regerror(rc, &re, msg, sizeof msg);
		cc_diag_report(CC_D_BAD_REGEX, r->loc, "invalid regular expression \"%s\": %s",
			       pat, msg);
		return false;
	}
	regfree(&re);
	return true;
}

/* A pattern where a regular expression is required (the right operand of
 * =~ and !~, an argument of a regex parameter): a literal, or a define,
 * which sema has rewritten into its literal, valid as the runtime will
 * compile it. what names the place for the message. */
bool cc_sema_regex_value(const struct cc_expr *r, const char *what)
{
	if (r->kind != E_STR) {
		cc_diag_report(CC_D_BAD_REGEX, r->loc, "%s must be a regular expression literal",
			       what);
		cc_diag_note((struct cc_loc){0},
			     "patterns are checked when the policy is compiled: write a string "
			     "literal or a define");
		return false;
	}
	return cc_sema_regex_ok(r);
}

/* A time recurrence (a timerec parameter, core/timerec.h): a literal or a
 * define, parsed as the runtime will parse it, so a misplaced field is
 * reported here with the field it is in. */
bool cc_sema_timerec_value(const struct cc_fn_decl *f, int j, const struct cc_expr *a)
{
	struct sip_timerec r;
	char err[200];
	if (a->kind != E_STR) {
		cc_diag_report(CC_D_BAD_TIMEREC, a->loc, "argument '%s' of '%s' must be a time "
			       "recurrence literal", f->params[j].name, f->name);
		cc_diag_note((struct cc_loc){0},
			     "recurrences are checked when the policy is compiled: write a string "
			     "literal or a define");
		return false;
	}
	if (sip_timerec_parse(a->u.str.s, a->u.str.len, &r, err, sizeof err))
		return true;
	cc_diag_report(CC_D_BAD_TIMEREC, a->loc, "invalid time recurrence: %s", err);
	cc_diag_note((struct cc_loc){0}, "the fields are dtstart|duration|freq|until|interval|byday|"
		     "bymday|byyearday|byweekno|bymonth, e.g. \"20240101T080000|8H|weekly|||MO,TU,WE,TH,FR\"");
	return false;
}

/* A query where the database will run it (a sql parameter): a literal
 * (or a define), so its text is program text like every statement of the
 * runtime and nothing from a message becomes SQL; one SELECT or WITH
 * query; placeholders $1..$n, each used, where n is the number of values
 * the function binds (its parameters after this one, up to the first avp
 * parameter). Quoted text ('...' and "...") is skipped. The database
 * checks the rest (names of tables and columns) when it prepares it. */
bool cc_sema_sql_value(const struct cc_fn_decl *f, int j, const struct cc_expr *a)
{
	const char *what = f->params[j].name;
	if (a->kind != E_STR) {
		cc_diag_report(CC_D_BAD_SQL, a->loc, "argument '%s' of '%s' must be an SQL literal",
			       what, f->name);
		cc_diag_note((struct cc_loc){0},
			     "queries are checked when the policy is compiled and values are bound: "
			     "write a string literal (or a define) with $1, $2, ... where the values go");
		return false;
	}
	int want = 0;
	for (int k = j + 1; k < f->nparams && f->params[k].type != CC_TY_AVP; k++)
		want++;
	const char *q = a->u.str.s;
	size_t n = a->u.str.len, i = 0;
	while (i < n && (q[i] == ' ' || q[i] == '\t' || q[i] == '\n' || q[i] == '\r'))
		i++;
	size_t w = i;
	while (w < n && ((q[w] >= 'a' && q[w] <= 'z') || (q[w] >= 'A' && q[w] <= 'Z')))
		w++;
	if (!((w - i == 6 && strncasecmp(q + i, "select", 6) == 0) ||
	      (w - i == 4 && strncasecmp(q + i, "with", 4) == 0))) {
		cc_diag_report(CC_D_BAD_SQL, a->loc, "the query of '%s' must be one SELECT (or WITH) "
			       "statement", f->name);
		return false;
	}
	unsigned used = 0;      /* bit k-1: $k appears */
	int max = 0;
	for (; i < n; i++) {
		char c = q[i];
		if (c == '\0') {
			cc_diag_report(CC_D_BAD_SQL, a->loc, "an SQL query cannot contain a NUL byte");
			return false;
		}
		if (c == '\'' || c == '"') {
			size_t e = i + 1;
			while (e < n && q[e] != c)
				e++;
			if (e >= n) {
				cc_diag_report(CC_D_BAD_SQL, a->loc, "unterminated %s in the query of '%s'",
					       c == '"' ? "quoted name" : "string", f->name);
				return false;
			}
			i = e;
			continue;
		}
		if (c == ';') {
			size_t e = i + 1;
			while (e < n && (q[e] == ' ' || q[e] == '\t' || q[e] == '\n' || q[e] == '\r'))
				e++;
			if (e < n) {
				cc_diag_report(CC_D_BAD_SQL, a->loc, "the query of '%s' must be one "
					       "statement: nothing may follow ';'", f->name);
				return false;
			}
			break;
		}
		if (c == '?' || (c == '-' && i + 1 < n && q[i + 1] == '-') ||
		    (c == '/' && i + 1 < n && q[i + 1] == '*')) {
			cc_diag_report(CC_D_BAD_SQL, a->loc, c == '?' ?
				       "write placeholders as $1, $2, ... in the query of '%s'" :
				       "no comments in the query of '%s'", f->name);
			return false;
		}
		if (c != '$')
			continue;
		int k = 0;
		size_t d = i + 1;
		while (d < n && q[d] >= '0' && q[d] <= '9' && k < 100)
			k = k * 10 + (q[d++] - '0');
		if (d == i + 1 || k < 1 || k > 16) {
			cc_diag_report(CC_D_BAD_SQL, a->loc, "bad placeholder in the query of '%s' "
				       "(write $1, $2, ...)", f->name);
			return false;
		}
		used |= 1u << (k - 1);
		if (k > max)
			max = k;
		i = d - 1;
	}
	if (max != want || used != (max ? (1u << max) - 1 : 0)) {
		char want_text[48];
		if (want > 1)
			snprintf(want_text, sizeof want_text, "the placeholders $1 to $%d", want);
		else
			snprintf(want_text, sizeof want_text, want ? "the placeholder $1" : "no placeholder");
		cc_diag_report(CC_D_BAD_SQL, a->loc, "the query of '%s' must use %s (one for each "
			       "value it binds): %s", f->name, want_text,
			       max > want ? "it has more" : max == want ? "one is missing" : "it has fewer");
		cc_sema_sig_note(f);
		return false;
	}
	return true;
}

static enum cc_type cc_sema_binary(struct cc_sema *s, struct cc_expr *e)
{
	enum cc_binop op = e->u.binary.op;
	struct cc_expr *l = e->u.binary.l, *r = e->u.binary.r;
	enum cc_type lt = cc_sema_expr(s, l, true);
	enum cc_type rt = cc_sema_expr(s, r, true);
	const char *opt = cc_sema_binop_text(op);

	switch (op) {
	case B_AND:
	case B_OR: {
		bool lok = cc_sema_as_bool(l, lt), rok = cc_sema_as_bool(r, rt);
		if (lt != CC_TY_ERROR && !lok)
			cc_diag_report(CC_D_TYPE, l->loc, "operand of '%s' must be bool, not %s",
				       opt, cc_type_name(lt));
		if (rt != CC_TY_ERROR && !rok)
			cc_diag_report(CC_D_TYPE, r->loc, "operand of '%s' must be bool, not %s",
				       opt, cc_type_name(rt));
		return lok && rok ? CC_TY_BOOL : CC_TY_ERROR;
	}
	case B_EQ:
	case B_NE:
		if (lt == CC_TY_ERROR || rt == CC_TY_ERROR)
			return CC_TY_ERROR;
		if (lt != rt && !(cc_type_is_str(lt) && cc_type_is_str(rt))) {
			cc_diag_report(CC_D_TYPE, e->loc, "cannot compare %s with %s",
				       cc_type_name(lt), cc_type_name(rt));
			enum cc_type st = cc_type_is_status(lt) ? lt : rt;
			if (cc_type_is_status(st))
				cc_diag_note((struct cc_loc){0},
					     "values of %s are compared with its constants: %s; in a "
					     "condition one is true when > 0", cc_type_name(st),
					     cc_sema_status_consts(s->p, st));
			else if ((lt == CC_TY_METHOD && rt == CC_TY_STR) ||
			    (lt == CC_TY_STR && rt == CC_TY_METHOD))
				cc_diag_note((struct cc_loc){0},
					     "compare 'method' with a method such as INVITE, or '$rm' with a string");
			return CC_TY_ERROR;
		}
		return CC_TY_BOOL;
	case B_LT:
	case B_GT:
	case B_LE:
	case B_GE:
		if (lt == CC_TY_ERROR || rt == CC_TY_ERROR)
			return CC_TY_ERROR;
		/* The truth of a status, as cc_sema_status_truth writes it. */
		if (op == B_GT && cc_type_is_status(lt) && r->kind == E_INT && r->u.ival == 0)
			return CC_TY_BOOL;
		if (lt != CC_TY_INT || rt != CC_TY_INT) {
			cc_diag_report(CC_D_TYPE, e->loc, "'%s' needs int operands, not %s and %s",
				       opt, cc_type_name(lt), cc_type_name(rt));
			enum cc_type st = cc_type_is_status(lt) ? lt : rt;
			if (cc_type_is_status(st))
				cc_diag_note((struct cc_loc){0},
					     "compare values of %s with == or != and its constants: %s",
					     cc_type_name(st), cc_sema_status_consts(s->p, st));
			return CC_TY_ERROR;
		}
		return CC_TY_BOOL;
	case B_ADD:
		if (lt == CC_TY_ERROR || rt == CC_TY_ERROR)
			return CC_TY_ERROR;
		if (cc_type_is_str(lt) && cc_type_is_str(rt))
			return CC_TY_STR;
		if (lt != rt || lt != CC_TY_INT) {
			cc_diag_report(CC_D_TYPE, e->loc,
				       "'+' needs two str (concatenation) or two int operands, not %s and %s",
				       cc_type_name(lt), cc_type_name(rt));
			return CC_TY_ERROR;
		}
		return lt;
	case B_SUB:
		if (lt == CC_TY_ERROR || rt == CC_TY_ERROR)
			return CC_TY_ERROR;
		if (lt != CC_TY_INT || rt != CC_TY_INT) {
			cc_diag_report(CC_D_TYPE, e->loc, "'-' needs int operands, not %s and %s",
				       cc_type_name(lt), cc_type_name(rt));
			return CC_TY_ERROR;
		}
		return CC_TY_INT;
	case B_MUL:
	case B_DIV:
	case B_MOD:
		if (lt == CC_TY_ERROR || rt == CC_TY_ERROR)
			return CC_TY_ERROR;
		if (lt != CC_TY_INT || rt != CC_TY_INT) {
			cc_diag_report(CC_D_TYPE, e->loc, "'%s' needs int operands, not %s and %s",
				       opt, cc_type_name(lt), cc_type_name(rt));
			return CC_TY_ERROR;
		}
		/* The generated code gives 0 for a divisor of 0, so a division
		 * by a zero written in the policy would silently yield 0: it
		 * is a mistake, reported as one. */
		if (op != B_MUL && r->kind == E_INT && r->u.ival == 0) {
			cc_diag_report(CC_D_DIV_ZERO, r->loc, "%s by zero",
				       op == B_DIV ? "division" : "remainder");
			cc_diag_note((struct cc_loc){0},
				     "a divisor that is 0 when the proxy runs gives 0; write the "
				     "value meant here");
			return CC_TY_ERROR;
		}
		return CC_TY_INT;
	case B_MATCH:
	case B_NMATCH:
		if (lt != CC_TY_ERROR && !cc_type_is_str(lt)) {
			cc_diag_report(CC_D_TYPE, l->loc, "left operand of '%s' must be str, not %s",
				       opt, cc_type_name(lt));
			return CC_TY_ERROR;
		}
		if (rt == CC_TY_ERROR)
			return CC_TY_ERROR;
		char what[32];
		snprintf(what, sizeof what, "the right operand of '%s'", opt);
		if (!cc_sema_regex_value(r, what))
			return CC_TY_ERROR;
		return lt == CC_TY_ERROR ? CC_TY_ERROR : CC_TY_BOOL;
	}
	return CC_TY_ERROR;
}

/* $hdr(Name) needs its argument, $ru must not have one. */
bool cc_sema_pv_arg_ok(const struct cc_pv_decl *v, const char *arg, struct cc_loc loc)
{
	if (v->arg_name && !arg) {
		cc_diag_report(CC_D_UNKNOWN_PV, loc, "pseudo-variable '%s' needs an argument: %s(%s)",
			       v->name, v->name, v->arg_name);
		return false;
	}
	if (!v->arg_name && arg) {
		cc_diag_report(CC_D_UNKNOWN_PV, loc, "pseudo-variable '%s' takes no argument", v->name);
		return false;
	}
	if (arg && !*arg) {
		cc_diag_report(CC_D_BAD_LITERAL, loc, "empty %s in %s()", v->arg_name, v->name);
		return false;
	}
	if (arg && v->n_arg_values) {
		struct cc_suggest sg;
		cc_suggest_init(&sg, arg);
		for (int i = 0; i < v->n_arg_values; i++) {
			if (strcmp(arg, v->arg_values[i]) == 0)
				return true;
			cc_suggest_add(&sg, v->arg_values[i]);
		}
		cc_diag_report(CC_D_UNKNOWN_PV, loc, "unknown %s '%s' of %s%s", v->arg_name, arg,
			       v->name, cc_suggest_text(&sg));
		return false;
	}
	return true;
}

/* The route kinds where a dialog can exist: those with a SIP message of
 * a transaction. */
#define CC_DLGVAR_KINDS (CC_RK_BIT(CC_RK_REQUEST) | CC_RK_BIT(CC_RK_REPLY) | \
			 CC_RK_BIT(CC_RK_FAILURE) | CC_RK_BIT(CC_RK_BRANCH))

/* $dlg(name): the declaration of a dialog variable, or an error with the
 * closest declared name; dialog variables exist only in routes that can
 * have a dialog. */
enum cc_type cc_sema_dlgvar(struct cc_sema *s, const char *name, struct cc_loc loc,
			    struct cc_avp_decl **out)
{
	struct cc_avp_decl *a = cc_find_dlgvar(s->p, name);

	if (!a) {
		struct cc_suggest sg;
		cc_suggest_init(&sg, name);
		for (struct cc_avp_decl *c = s->p->dlgvars; c; c = c->next)
			cc_suggest_add(&sg, c->name);
		cc_diag_report(CC_D_UNKNOWN_DLGVAR, loc, "unknown dialog variable '%s'%s", name,
			       cc_suggest_text(&sg));
		if (!sg.best && cc_find_avp(s->p, name))
			cc_diag_note((struct cc_loc){0},
				     "'%s' is an AVP (per transaction): write $avp(%s)", name, name);
		else if (!sg.best)
			cc_diag_note((struct cc_loc){0},
				     "declare it at the top of the policy: 'dlgvar %s: str'", name);
		return CC_TY_ERROR;
	}
	a->used = true;
	*out = a;
	if (!cc_sema_kinds_ok(s, "dialog variable", name, CC_DLGVAR_KINDS, loc))
		return CC_TY_ERROR;
	return a->type;
}

/* $avp(name): the declaration of a policy AVP, or an error with the
 * closest declared name. */
enum cc_type cc_sema_avp(struct cc_sema *s, const char *name, struct cc_loc loc,
			 struct cc_avp_decl **out)
{
	struct cc_avp_decl *a = cc_find_avp(s->p, name);

	if (!a) {
		struct cc_suggest sg;
		cc_suggest_init(&sg, name);
		for (struct cc_avp_decl *c = s->p->avps; c; c = c->next)
			cc_suggest_add(&sg, c->name);
		cc_diag_report(CC_D_UNKNOWN_AVP, loc, "unknown AVP '%s'%s", name, cc_suggest_text(&sg));
		if (!sg.best)
			cc_diag_note((struct cc_loc){0},
				     "declare it at the top of the policy: 'avp %s: str'", name);
		return CC_TY_ERROR;
	}
	a->used = true;
	*out = a;
	return a->type;
}

/* One interpolated part of a string template, as an expression. */
static struct cc_expr *cc_sema_tmpl_part(struct cc_sema *s, const char *name, const char *arg,
					 struct cc_loc loc)
{
	struct cc_expr *e;

	if (arg && (strcmp(name, "$avp") == 0 || strcmp(name, "$dlg") == 0)) {
		e = cc_expr_new(E_AVP, loc);
		e->u.avp.name = arg;
		e->u.avp.dialog = name[1] == 'd';
	} else if (!arg && !cc_find_pv(s->p, name) && cc_sema_var_find(s, name + 1)) {
		e = cc_expr_new(E_IDENT, loc);
		e->u.ident.name = name + 1;
	} else {
		e = cc_expr_new(E_PV, loc);
		e->u.pv.name = name;
		e->u.pv.arg = arg;
	}
	return e;
}

static struct cc_expr *cc_sema_tmpl_join(struct cc_expr *acc, struct cc_expr *part,
					 struct cc_loc loc)
{
	if (!acc)
		return part;
	struct cc_expr *b = cc_expr_new(E_BINARY, loc);
	b->u.binary.op = B_ADD;
	b->u.binary.l = acc;
	b->u.binary.r = part;
	return b;
}

/* "$fU@$fd": split a template into text and interpolations ($name,
 * $name(arg), ${name}; "$$" is a dollar) and rewrite it in place into
 * their concatenation. An interpolation names a pseudo-variable, else a
 * variable in scope ("$n" for var n). Int values are converted to text. */
static enum cc_type cc_sema_template(struct cc_sema *s, struct cc_expr *e)
{
	const char *t = e->u.str.s;
	size_t n = e->u.str.len, i = 0;
	char *lit = cc_alloc(n + 1);
	size_t nlit = 0;
	struct cc_expr *acc = NULL;
	bool ok = true;

	while (i < n) {
		if (t[i] != '$') {
			lit[nlit++] = t[i++];
			continue;
		}
		if (i + 1 < n && t[i + 1] == '$') {
			lit[nlit++] = '$';
			i += 2;
			continue;
		}
		bool brace = i + 1 < n && t[i + 1] == '{';
		size_t start = i + 1 + (brace ? 1 : 0), j = start;
		while (j < n && (isalnum((unsigned char)t[j]) || t[j] == '_'))
			j++;
		if (j == start || (brace && (j >= n || t[j] != '}'))) {
			lit[nlit++] = t[i++];
			continue;
		}
		const char *arg = NULL;
		size_t end = brace ? j + 1 : j;
		if (!brace && j < n && t[j] == '(') {
			const char *close = memchr(t + j, ')', n - j);
			if (close) {
				arg = cc_strndup(t + j + 1, (size_t)(close - t - j - 1));
				end = (size_t)(close - t) + 1;
			}
		}
		char *name = cc_alloc(j - start + 2);
		name[0] = '$';
		memcpy(name + 1, t + start, j - start);
		struct cc_loc at = e->loc;
		at.col += (int)i + 1;
		at.len = (int)(end - i);
		if (nlit) {
			struct cc_expr *l = cc_expr_new(E_STR, e->loc);
			l->u.str.s = cc_strndup(lit, nlit);
			l->u.str.len = nlit;
			l->ty = CC_TY_STR;
			acc = cc_sema_tmpl_join(acc, l, e->loc);
			nlit = 0;
		}
		struct cc_expr *part = cc_sema_tmpl_part(s, name, arg, at);
		enum cc_type pt = cc_sema_expr(s, part, true);
		if (pt == CC_TY_ERROR) {
			ok = false;
		} else if (!cc_type_is_str(pt) && pt != CC_TY_INT && !cc_type_is_status(pt)) {
			cc_diag_report(CC_D_TYPE, at, "cannot interpolate %s '%s' into a string",
				       cc_type_name(pt), name);
			ok = false;
		}
		acc = cc_sema_tmpl_join(acc, part, e->loc);
		if (acc != part)
			acc->ty = CC_TY_STR;
		i = end;
	}
	if (nlit || !acc) {
		struct cc_expr *l = cc_expr_new(E_STR, e->loc);
		l->u.str.s = cc_strndup(lit, nlit);
		l->u.str.len = nlit;
		l->ty = CC_TY_STR;
		acc = cc_sema_tmpl_join(acc, l, e->loc);
		acc->ty = CC_TY_STR;
	}
	if (!ok)
		return e->ty = CC_TY_ERROR;
	/* A lone int interpolation ("$sp") still makes a str. */
	if (acc->ty != CC_TY_STR && !cc_type_is_str(acc->ty)) {
		struct cc_expr *l = cc_expr_new(E_STR, e->loc);
		l->u.str.s = "";
		l->ty = CC_TY_STR;
		acc = cc_sema_tmpl_join(l, acc, e->loc);
	}
	struct cc_loc loc = e->loc;
	*e = *acc;
	e->loc = loc;
	e->ty = CC_TY_STR;
	return CC_TY_STR;
}

/* Type an expression and resolve its names. want_value: the result is
 * used, so a void call is an error. Returns CC_TY_ERROR after reporting,
 * which callers pass on without reporting again. */
enum cc_type cc_sema_expr(struct cc_sema *s, struct cc_expr *e, bool want_value)
{
	enum cc_type t = CC_TY_ERROR;

	switch (e->kind) {
	case E_INT: t = CC_TY_INT; break;
	case E_STR:
		if (e->u.str.tmpl)
			return cc_sema_template(s, e);
		t = CC_TY_STR;
		break;
	case E_VAR:
		t = e->u.var.var->type;
		break;
	case E_AVP:
		t = e->u.avp.dialog ? cc_sema_dlgvar(s, e->u.avp.name, e->loc, &e->u.avp.avp)
				    : cc_sema_avp(s, e->u.avp.name, e->loc, &e->u.avp.avp);
		break;
	case E_BOOL: t = CC_TY_BOOL; break;
	case E_CONST: t = e->ty; break;
	case E_ROUTEREF: t = CC_TY_ROUTE; break;
	case E_IDENT:
		t = cc_sema_ident(s, e);
		break;
	case E_PV: {
		struct cc_pv_decl *v = cc_sema_pv_lookup(s, e->u.pv.name, e->loc);
		if (v && cc_sema_pv_arg_ok(v, e->u.pv.arg, e->loc)) {
			e->u.pv.decl = v;
			cc_sema_kinds_ok(s, "pseudo-variable", v->name, v->kinds, e->loc);
			t = v->type;
		}
		break;
	}
	case E_CALL:
		t = cc_sema_call(s, e);
		if (t == CC_TY_VOID && want_value) {
			cc_diag_report(CC_D_VOID_VALUE, e->loc,
				       "'%s' returns no value (void) and cannot be used in an expression",
				       e->u.call.name);
			t = CC_TY_ERROR;
		}
		break;
	case E_UNARY: {
		enum cc_type ot = cc_sema_expr(s, e->u.unary.e, true);
		enum cc_type want = e->u.unary.op == U_NOT ? CC_TY_BOOL : CC_TY_INT;
		if (want == CC_TY_BOOL && cc_sema_as_bool(e->u.unary.e, ot))
			ot = CC_TY_BOOL;
		if (ot != CC_TY_ERROR && ot != want)
			cc_diag_report(CC_D_TYPE, e->loc, "operand of '%s' must be %s, not %s",
				       e->u.unary.op == U_NOT ? "!" : "-", cc_type_name(want),
				       cc_type_name(ot));
		else if (ot == want)
			t = want;
		break;
	}
	case E_BINARY:
		t = cc_sema_binary(s, e);
		break;
	}
	e->ty = t;
	return t;
}

/* Why a URI literal is not one: NULL when it is a valid sip:, sips: or
 * tel: URI (host, optional port in range). */
static const char *cc_sema_uri_error(const char *u)
{
	const char *p, *host, *end;

	if (strncasecmp(u, "tel:", 4) == 0)
		return u[4] ? NULL : "empty telephone number";
	if (strncasecmp(u, "sip:", 4) == 0)
		p = u + 4;
	else if (strncasecmp(u, "sips:", 5) == 0)
		p = u + 5;
	else
		return "the scheme must be sip:, sips: or tel:";
	end = p + strcspn(p, ";?");
	host = p;
	for (const char *q = p; q < end; q++)
		if (*q == '@')
			host = q + 1;
	if (host == end || *host == ':')
		return "no host";
	const char *port = NULL;
	if (*host == '[') {
		const char *close = memchr(host, ']', (size_t)(end - host));
		if (!close)
			return "unterminated IPv6 reference";
		char buf[64];
		unsigned char addr[16];
		size_t n = (size_t)(close - host - 1);
		if (n >= sizeof buf)
			return "invalid IPv6 address";
		memcpy(buf, host + 1, n);
		buf[n] = '\0';
		if (inet_pton(AF_INET6, buf, addr) != 1)
			return "invalid IPv6 address";
		if (close + 1 < end && close[1] != ':')
			return "unexpected text after the IPv6 address";
		port = close + 1 < end ? close + 2 : NULL;
	} else {
		const char *q = host;
		while (q < end && *q != ':') {
			if (!isalnum((unsigned char)*q) && *q != '.' && *q != '-')
				return "invalid character in the host";
			q++;
		}
		port = q < end ? q + 1 : NULL;
	}
	if (port) {
		long v = 0;
		if (port == end)
			return "empty port";
		for (const char *q = port; q < end; q++) {
			if (!isdigit((unsigned char)*q))
				return "the port is not a number";
			if ((v = v * 10 + (*q - '0')) > 65535)
				break;
		}
		if (v < 1 || v > 65535)
			return "the port is out of range (1-65535)";
	}
	return NULL;
}

/* A value of type t used where want is expected (cc_type_fits holds): a
 * str literal becoming a uri or ip is checked now. */
bool cc_sema_coerce(struct cc_sema *s, struct cc_expr *e, enum cc_type t,
		    enum cc_type want, const char *what)
{
	(void)s;
	(void)t;
	if (e->kind != E_STR || (want != CC_TY_URI && want != CC_TY_IP))
		return true;
	char *v = cc_strndup(e->u.str.s, e->u.str.len);
	if (want == CC_TY_URI) {
		const char *why = cc_sema_uri_error(v);
		if (why) {
			cc_diag_report(CC_D_BAD_LITERAL, e->loc, "invalid URI \"%s\" for '%s': %s",
				       v, what, why);
			return false;
		}
		return true;
	}
	unsigned char addr[16];
	if (inet_pton(AF_INET, v, addr) != 1 && inet_pton(AF_INET6, v, addr) != 1) {
		cc_diag_report(CC_D_BAD_LITERAL, e->loc, "invalid IP address \"%s\" for '%s'", v, what);
		return false;
	}
	return true;
}

/* Check a value for a variable, parameter or return of type want. */
void cc_sema_value_for(struct cc_sema *s, struct cc_expr *e, enum cc_type want,
		       const char *what, const char *name)
{
	enum cc_type t = cc_sema_expr(s, e, true);

	if (t == CC_TY_ERROR || want == CC_TY_ERROR)
		return;
	if (!cc_type_fits(t, want)) {
		if (strcmp(what, "return") == 0)
			cc_diag_report(CC_D_TYPE, e->loc, "route '%s' returns %s, not %s",
				       name, cc_type_name(want), cc_type_name(t));
		else
			cc_diag_report(CC_D_TYPE, e->loc, "cannot %s %s to '%s', which is %s",
				       what, cc_type_name(t), name, cc_type_name(want));
		if (cc_type_is_status(t) && want == CC_TY_BOOL)
			cc_diag_note((struct cc_loc){0},
				     "a %s is true in a condition when > 0; keep it in a variable of "
				     "type %s, or compare it with one of its constants: %s",
				     cc_type_name(t), cc_type_name(t), cc_sema_status_consts(s->p, t));
		return;
	}
	cc_sema_coerce(s, e, t, want, name);
}
