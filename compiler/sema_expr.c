#include <stdio.h>
#include <string.h>
#include "sema_int.h"

/* "reply, failure" style list of the route kinds in mask; "and" before
 * the last one when and_last. */
static const char *cc_sema_kind_list(unsigned mask, bool and_last)
{
	char *buf = cc_alloc(128);
	size_t off = 0;
	int n = 0, total = 0;

	if ((mask & CC_RK_ANY) == CC_RK_ANY)
		return "any route";
	for (int k = 0; k < CC_RK_NAMED; k++)
		if (mask & CC_RK_BIT(k))
			total++;
	for (int k = 0; k < CC_RK_NAMED; k++) {
		if (!(mask & CC_RK_BIT(k)))
			continue;
		const char *sep = n == 0 ? "" : (and_last && n == total - 1) ? " and " : ", ";
		off += (size_t)snprintf(buf + off, 128 - off, "%s%s", sep,
					cc_route_kind_name((enum cc_route_kind)k));
		n++;
	}
	if (total == 0)
		return "no route";
	return buf;
}

/* The route kinds the route being checked runs under. */
static unsigned cc_sema_cur_kinds(const struct cc_sema *s)
{
	if (s->cur->kind == CC_RK_NAMED)
		return s->cur->used_from;
	return CC_RK_BIT(s->cur->kind);
}

/* Check that a function or pseudo-variable may be used in the current
 * route. In a named route every entry kind that reaches it counts; the
 * notes show how it is reached. */
static bool cc_sema_kinds_ok(struct cc_sema *s, const char *what, const char *name,
			     unsigned allowed, struct cc_loc loc)
{
	unsigned bad = cc_sema_cur_kinds(s) & ~allowed;

	if (!bad)
		return true;
	cc_diag_report(CC_D_ROUTE_KIND, loc, "%s '%s' is not allowed in %s routes (allowed in: %s)",
		       what, name, cc_sema_kind_list(bad, true), cc_sema_kind_list(allowed, false));
	if (s->cur->kind == CC_RK_NAMED)
		cc_sema_flow_notes(s, s->cur, bad);
	return false;
}

static const char *cc_sema_param_type(const struct cc_param *p)
{
	if (p->type != CC_TY_ROUTE)
		return cc_type_name(p->type);
	char *buf = cc_alloc(32);
	snprintf(buf, 32, "route %s", cc_route_kind_name(p->route_kind));
	return buf;
}

/* "reply(code: int, reason: str): bool" */
static const char *cc_sema_fn_sig(const struct cc_fn_decl *f)
{
	size_t n = strlen(f->name) + 32;
	for (int i = 0; i < f->nparams; i++)
		n += strlen(f->params[i].name) + 24;
	char *buf = cc_alloc(n);
	size_t off = (size_t)snprintf(buf, n, "%s(", f->name);
	for (int i = 0; i < f->nparams; i++)
		off += (size_t)snprintf(buf + off, n - off, "%s%s: %s", i ? ", " : "",
					f->params[i].name, cc_sema_param_type(&f->params[i]));
	snprintf(buf + off, n - off, "): %s", cc_type_name(f->result));
	return buf;
}

static void cc_sema_sig_note(const struct cc_fn_decl *f)
{
	cc_diag_note((struct cc_loc){0}, "'%s' is declared as %s", f->name, cc_sema_fn_sig(f));
}

/* A route passed to a parameter of type "route KIND": resolve the name
 * and check the kind; rewrites the argument into E_ROUTEREF. */
static bool cc_sema_route_arg(struct cc_sema *s, const struct cc_fn_decl *f,
			      const struct cc_param *p, struct cc_expr *arg)
{
	if (arg->kind != E_IDENT) {
		cc_diag_report(CC_D_ARG_TYPE, arg->loc,
			       "argument '%s' of '%s' must name a %s route",
			       p->name, f->name, cc_route_kind_name(p->route_kind));
		cc_sema_sig_note(f);
		return false;
	}
	const char *name = arg->u.ident.name;
	struct cc_route *r = cc_find_route(s->p, name);
	if (!r) {
		struct cc_suggest sg;
		cc_suggest_init(&sg, name);
		for (int i = 0; i < s->nroutes; i++)
			if (s->routes[i]->kind == p->route_kind)
				cc_suggest_add(&sg, s->routes[i]->name);
		cc_diag_report(CC_D_UNKNOWN_ROUTE, arg->loc, "unknown %s route '%s'%s",
			       cc_route_kind_name(p->route_kind), name, cc_suggest_text(&sg));
		return false;
	}
	s->referenced[r->index] = true;
	if (r->kind != p->route_kind) {
		cc_diag_report(CC_D_ROUTE_REF_KIND, arg->loc,
			       "'%s' expects a %s route, but '%s' is %s",
			       f->name, cc_route_kind_name(p->route_kind), name,
			       cc_sema_route_kind_desc(r));
		cc_diag_note(r->loc, "'%s' is defined here", name);
		return false;
	}
	arg->kind = E_ROUTEREF;
	arg->ty = CC_TY_ROUTE;
	arg->u.routeref.name = name;
	arg->u.routeref.route = r;
	return true;
}

/* Check the arguments of a call to an unknown function, so mistakes in
 * them are still reported. */
static void cc_sema_args_only(struct cc_sema *s, struct cc_expr *e)
{
	for (int i = 0; i < e->u.call.nargs; i++) {
		struct cc_expr *a = e->u.call.args[i];
		if (a->kind == E_IDENT && cc_find_route(s->p, a->u.ident.name) &&
		    !cc_find_define(s->p, a->u.ident.name))
			continue;
		cc_sema_expr(s, a, true);
	}
}

/* Match arguments (positional, then named) to parameters, check counts
 * and types, and leave the arguments in parameter order. */
static enum cc_type cc_sema_call(struct cc_sema *s, struct cc_expr *e)
{
	const char *name = e->u.call.name;
	struct cc_fn_decl *f = cc_find_fn(s->p, name);
	int nargs = e->u.call.nargs;
	bool ok = true;

	if (!f) {
		struct cc_suggest sg;
		cc_suggest_init(&sg, name);
		for (struct cc_fn_decl *c = s->p->fns; c; c = c->next)
			cc_suggest_add(&sg, c->name);
		struct cc_loc at = e->loc;
		at.len = (int)strlen(name);
		cc_diag_report(CC_D_UNKNOWN_FN, at, "unknown function '%s'%s",
			       name, cc_suggest_text(&sg));
		cc_sema_args_only(s, e);
		return CC_TY_ERROR;
	}
	e->u.call.fn = f;
	cc_sema_kinds_ok(s, "function", name, f->kinds, e->loc);

	struct cc_expr **slot = cc_alloc(sizeof *slot * ((size_t)f->nparams + 1));
	bool seen_named = false;
	int pos = 0;
	for (int i = 0; i < nargs; i++) {
		struct cc_expr *a = e->u.call.args[i];
		const char *an = e->u.call.arg_names ? e->u.call.arg_names[i] : NULL;
		if (!an) {
			if (seen_named) {
				cc_diag_report(CC_D_NAMED_ARG, a->loc,
					       "positional argument after a named argument");
				ok = false;
			} else if (pos < f->nparams) {
				slot[pos] = a;
			}
			pos++;
			continue;
		}
		seen_named = true;
		int j;
		for (j = 0; j < f->nparams; j++)
			if (strcmp(f->params[j].name, an) == 0)
				break;
		if (j == f->nparams) {
			struct cc_suggest sg;
			cc_suggest_init(&sg, an);
			for (int k = 0; k < f->nparams; k++)
				cc_suggest_add(&sg, f->params[k].name);
			cc_diag_report(CC_D_NAMED_ARG, a->loc, "function '%s' has no parameter named '%s'%s",
				       name, an, cc_suggest_text(&sg));
			cc_sema_sig_note(f);
			cc_sema_expr(s, a, true);
			ok = false;
			continue;
		}
		if (slot[j]) {
			cc_diag_report(CC_D_NAMED_ARG, a->loc, "parameter '%s' of '%s' is given twice",
				       an, name);
			ok = false;
			continue;
		}
		slot[j] = a;
	}
	if (ok && nargs != f->nparams) {
		cc_diag_report(CC_D_ARG_COUNT, e->loc, "function '%s' takes %d argument%s but %d %s given",
			       name, f->nparams, f->nparams == 1 ? "" : "s",
			       nargs, nargs == 1 ? "was" : "were");
		cc_sema_sig_note(f);
		ok = false;
	} else if (ok) {
		for (int j = 0; j < f->nparams; j++) {
			if (slot[j])
				continue;
			cc_diag_report(CC_D_ARG_COUNT, e->loc, "missing argument '%s' in call to '%s'",
				       f->params[j].name, name);
			cc_sema_sig_note(f);
			ok = false;
		}
	}

	for (int j = 0; j < f->nparams; j++) {
		const struct cc_param *p = &f->params[j];
		struct cc_expr *a = slot[j];
		if (!a)
			continue;
		if (p->type == CC_TY_ROUTE) {
			if (!cc_sema_route_arg(s, f, p, a))
				ok = false;
			continue;
		}
		enum cc_type t = cc_sema_expr(s, a, true);
		if (t == CC_TY_ERROR) {
			ok = false;
		} else if (t != p->type) {
			cc_diag_report(CC_D_ARG_TYPE, a->loc,
				       "argument '%s' of '%s' must be %s, not %s",
				       p->name, name, cc_type_name(p->type), cc_type_name(t));
			cc_sema_sig_note(f);
			ok = false;
		}
	}
	/* Arguments beyond the parameters are still checked for errors. */
	for (int i = f->nparams; i < nargs && !e->u.call.arg_names; i++)
		cc_sema_expr(s, e->u.call.args[i], true);

	if (ok) {
		e->u.call.args = slot;
		e->u.call.arg_names = NULL;
	}
	return f->result;
}

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

	if ((c = cc_find_const(s->p, name))) {
		switch (c->type) {
		case CC_TY_METHOD:
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
	for (struct cc_define *dd = s->p->defines; dd; dd = dd->next)
		cc_suggest_add(&sg, dd->name);
	for (struct cc_const_decl *cc = s->p->consts; cc; cc = cc->next)
		cc_suggest_add(&sg, cc->name);
	for (struct cc_pv_decl *vv = s->p->pvs; vv; vv = vv->next)
		if (vv->name[0] != '$')
			cc_suggest_add(&sg, vv->name);
	cc_diag_report(CC_D_UNKNOWN_NAME, e->loc, "unknown name '%s'%s", name, cc_suggest_text(&sg));
	if (!sg.best)
		cc_diag_note((struct cc_loc){0},
			     "a compile-time value needs 'define %s = ...' in the policy or -D %s=VALUE",
			     name, name);
	return CC_TY_ERROR;
}

static struct cc_pv_decl *cc_sema_pv_lookup(struct cc_sema *s, const char *name,
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
	};
	return text[op];
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
	case B_OR:
		if (lt != CC_TY_ERROR && lt != CC_TY_BOOL)
			cc_diag_report(CC_D_TYPE, l->loc, "operand of '%s' must be bool, not %s",
				       opt, cc_type_name(lt));
		if (rt != CC_TY_ERROR && rt != CC_TY_BOOL)
			cc_diag_report(CC_D_TYPE, r->loc, "operand of '%s' must be bool, not %s",
				       opt, cc_type_name(rt));
		return lt == CC_TY_BOOL && rt == CC_TY_BOOL ? CC_TY_BOOL : CC_TY_ERROR;
	case B_EQ:
	case B_NE:
		if (lt == CC_TY_ERROR || rt == CC_TY_ERROR)
			return CC_TY_ERROR;
		if (lt != rt) {
			cc_diag_report(CC_D_TYPE, e->loc, "cannot compare %s with %s",
				       cc_type_name(lt), cc_type_name(rt));
			if ((lt == CC_TY_METHOD && rt == CC_TY_STR) ||
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
		if (lt != CC_TY_INT || rt != CC_TY_INT) {
			cc_diag_report(CC_D_TYPE, e->loc, "'%s' needs int operands, not %s and %s",
				       opt, cc_type_name(lt), cc_type_name(rt));
			return CC_TY_ERROR;
		}
		return CC_TY_BOOL;
	case B_ADD:
		if (lt == CC_TY_ERROR || rt == CC_TY_ERROR)
			return CC_TY_ERROR;
		if (lt != rt || (lt != CC_TY_INT && lt != CC_TY_STR)) {
			cc_diag_report(CC_D_TYPE, e->loc,
				       "'+' needs two str (concatenation) or two int operands, not %s and %s",
				       cc_type_name(lt), cc_type_name(rt));
			return CC_TY_ERROR;
		}
		return lt;
	}
	return CC_TY_ERROR;
}

/* Type an expression and resolve its names. want_value: the result is
 * used, so a void call is an error. Returns CC_TY_ERROR after reporting,
 * which callers pass on without reporting again. */
enum cc_type cc_sema_expr(struct cc_sema *s, struct cc_expr *e, bool want_value)
{
	enum cc_type t = CC_TY_ERROR;

	switch (e->kind) {
	case E_INT: t = CC_TY_INT; break;
	case E_STR: t = CC_TY_STR; break;
	case E_BOOL: t = CC_TY_BOOL; break;
	case E_CONST: t = e->ty; break;
	case E_ROUTEREF: t = CC_TY_ROUTE; break;
	case E_IDENT:
		t = cc_sema_ident(s, e);
		break;
	case E_PV: {
		struct cc_pv_decl *v = cc_sema_pv_lookup(s, e->u.pv.name, e->loc);
		if (v) {
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

static void cc_sema_assign(struct cc_sema *s, struct cc_stmt *st)
{
	const char *name = st->u.assign.name;
	struct cc_pv_decl *v = cc_sema_pv_lookup(s, name, st->u.assign.name_loc);
	enum cc_type t = cc_sema_expr(s, st->u.assign.value, true);

	if (!v)
		return;
	st->u.assign.pv = v;
	if (!v->writable) {
		char list[256];
		size_t off = 0;
		for (struct cc_pv_decl *c = s->p->pvs; c; c = c->next)
			if (c->writable && off < sizeof list)
				off += (size_t)snprintf(list + off, sizeof list - off, "%s%s",
							off ? ", " : "", c->name);
		cc_diag_report(CC_D_READ_ONLY, st->u.assign.name_loc,
			       "pseudo-variable '%s' is read-only", name);
		if (off)
			cc_diag_note((struct cc_loc){0}, "writable pseudo-variables: %s", list);
		return;
	}
	cc_sema_kinds_ok(s, "pseudo-variable", name, v->kinds, st->u.assign.name_loc);
	if (t != CC_TY_ERROR && t != v->type)
		cc_diag_report(CC_D_TYPE, st->u.assign.value->loc,
			       "cannot assign %s to '%s', which is %s",
			       cc_type_name(t), name, cc_type_name(v->type));
}

/* The note that explains an unreachable statement. */
static void cc_sema_unreachable_note(const struct cc_stmt *term)
{
	switch (term->kind) {
	case S_EXIT:
		cc_diag_note(term->loc, "'exit' stops processing the message here");
		break;
	case S_DROP:
		cc_diag_note(term->loc, "'drop' stops processing the message here");
		break;
	case S_RETURN:
		cc_diag_note(term->loc, "'return' leaves the route here");
		break;
	default:
		cc_diag_note(term->loc, "every branch of this 'if' leaves the route");
		break;
	}
}

void cc_sema_stmt(struct cc_sema *s, struct cc_stmt *st)
{
	if (!st)
		return;
	switch (st->kind) {
	case S_EXPR:
		cc_sema_expr(s, st->u.expr, false);
		break;
	case S_IF: {
		enum cc_type t = cc_sema_expr(s, st->u.if_.cond, true);
		if (t != CC_TY_ERROR && t != CC_TY_BOOL) {
			cc_diag_report(CC_D_TYPE, st->u.if_.cond->loc,
				       "condition must be bool, not %s", cc_type_name(t));
			if (t == CC_TY_STR)
				cc_diag_note((struct cc_loc){0},
					     "compare the string, e.g. %s == \"...\"",
					     st->u.if_.cond->kind == E_PV ? st->u.if_.cond->u.pv.name : "x");
		}
		cc_sema_stmt(s, st->u.if_.then);
		cc_sema_stmt(s, st->u.if_.els);
		break;
	}
	case S_BLOCK: {
		const struct cc_stmt *term = NULL;
		bool warned = false;
		for (struct cc_stmt *t = st->u.block.first; t; t = t->next) {
			if (term && !warned) {
				cc_diag_report(CC_D_UNREACHABLE, t->loc, "statement is never executed");
				cc_sema_unreachable_note(term);
				warned = true;
			}
			cc_sema_stmt(s, t);
			if (!term && cc_sema_terminator(t))
				term = cc_sema_terminator(t);
		}
		break;
	}
	case S_ASSIGN:
		cc_sema_assign(s, st);
		break;
	case S_EXIT:
	case S_DROP:
	case S_RETURN:
	case S_ROUTE:
		break;
	}
}
