#include <arpa/inet.h>
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "sema_int.h"

static bool cc_sema_coerce(struct cc_sema *s, struct cc_expr *e, enum cc_type t,
			   enum cc_type want, const char *what);
static struct cc_var *cc_sema_var_find(const struct cc_sema *s, const char *name);
static void cc_sema_var_read(struct cc_sema *s, struct cc_expr *e);
static bool cc_sema_regex_value(const struct cc_expr *r, const char *what);
static bool cc_sema_sql_value(const struct cc_fn_decl *f, int j, const struct cc_expr *a);

/* "reply, failure" style list of the route kinds in mask; "and" before
 * the last one when and_last. */
static const char *cc_sema_kind_list(unsigned mask, bool and_last)
{
	char *buf = cc_alloc(128);
	size_t off = 0;
	int n = 0, total = 0;

	if ((mask & CC_RK_ANY) == CC_RK_ANY) {
		off += (size_t)snprintf(buf, 128, "any route with a message");
		mask &= ~CC_RK_ANY;
		n = total = 1;
		if (!mask)
			return buf;
	}
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
	if (p->type == CC_TY_AVP && p->avp_type != CC_TY_ERROR)
		return p->avp_type == CC_TY_INT ? "avp int" : "avp str";
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

/* A flag, branch flag or AVP passed to a stdlib parameter of that type:
 * the argument names a declaration of the policy and is replaced by its
 * index, which is what the runtime function receives. */
static bool cc_sema_decl_arg(struct cc_sema *s, const struct cc_fn_decl *f,
			     const struct cc_param *p, struct cc_expr *arg)
{
	const char *what = p->type == CC_TY_AVP ? "AVP" :
			   p->type == CC_TY_BFLAG ? "branch flag" : "flag";
	const char *decl = p->type == CC_TY_AVP ? "avp" :
			   p->type == CC_TY_BFLAG ? "bflag" : "flag";

	if (arg->kind != E_IDENT) {
		cc_diag_report(CC_D_ARG_TYPE, arg->loc, "argument '%s' of '%s' must name a %s",
			       p->name, f->name, what);
		cc_sema_sig_note(f);
		return false;
	}
	const char *name = arg->u.ident.name;
	int index = -1;
	struct cc_suggest sg;
	cc_suggest_init(&sg, name);
	if (p->type == CC_TY_AVP) {
		struct cc_avp_decl *a = cc_find_avp(s->p, name);
		if (a) {
			a->used = true;
			index = a->index;
		}
		if (a && p->avp_type != CC_TY_ERROR && a->type != p->avp_type) {
			cc_diag_report(CC_D_ARG_TYPE, arg->loc,
				       "argument '%s' of '%s' must name an AVP of type %s, but '%s'"
				       " holds %s values", p->name, f->name,
				       cc_type_name(p->avp_type), name, cc_type_name(a->type));
			cc_diag_note(a->loc, "'%s' is declared here", name);
			return false;
		}
		for (struct cc_avp_decl *c = s->p->avps; c; c = c->next)
			cc_suggest_add(&sg, c->name);
	} else {
		bool branch = p->type == CC_TY_BFLAG;
		struct cc_flag_decl *fl = cc_find_flag(s->p, name);
		if (fl && fl->branch != branch) {
			fl->used = true;
			cc_diag_report(CC_D_UNKNOWN_FLAG, arg->loc, "'%s' is a %s, but '%s' takes a %s",
				       name, fl->branch ? "branch flag" : "flag", f->name, what);
			cc_diag_note(fl->loc, "'%s' is declared here", name);
			return false;
		}
		if (fl) {
			fl->used = true;
			index = fl->index;
		}
		for (struct cc_flag_decl *c = s->p->flags; c; c = c->next)
			if (c->branch == branch)
				cc_suggest_add(&sg, c->name);
	}
	if (index < 0) {
		cc_diag_report(p->type == CC_TY_AVP ? CC_D_UNKNOWN_AVP : CC_D_UNKNOWN_FLAG, arg->loc,
			       "unknown %s '%s'%s", what, name, cc_suggest_text(&sg));
		if (!sg.best)
			cc_diag_note((struct cc_loc){0}, "declare it at the top of the policy: '%s %s%s'",
				     decl, name, p->type == CC_TY_AVP ? ": str" : "");
		return false;
	}
	arg->kind = E_INT;
	arg->ty = CC_TY_INT;
	arg->u.ival = index;
	return true;
}

/* The named route a call f(...) stands for, when no stdlib function is
 * called f. */
struct cc_route *cc_sema_call_route(const struct cc_sema *s, const struct cc_expr *e)
{
	if (cc_find_fn(s->p, e->u.call.name))
		return NULL;
	struct cc_route *r = cc_find_route(s->p, e->u.call.name);
	return r && r->kind == CC_RK_NAMED ? r : NULL;
}

/* name(args): a call of a named route with parameters, as a statement or
 * (when it returns a value) in an expression. Arguments are positional. */
static enum cc_type cc_sema_route_call(struct cc_sema *s, struct cc_expr *e, struct cc_route *r)
{
	int nargs = e->u.call.nargs;
	bool ok = true;

	e->u.call.route = r;
	s->referenced[r->index] = true;
	if (e->u.call.arg_names) {
		for (int i = 0; i < nargs; i++) {
			if (!e->u.call.arg_names[i])
				continue;
			cc_diag_report(CC_D_NAMED_ARG, e->u.call.args[i]->loc,
				       "arguments of route '%s' are positional", r->name);
			return CC_TY_ERROR;
		}
	}
	if (nargs != r->nparams) {
		cc_diag_report(CC_D_ARG_COUNT, e->loc, "route '%s' takes %d argument%s but %d %s given",
			       r->name, r->nparams, r->nparams == 1 ? "" : "s",
			       nargs, nargs == 1 ? "was" : "were");
		cc_diag_note(r->loc, "'%s' is defined here", r->name);
		ok = false;
	}
	for (int i = 0; i < nargs; i++) {
		struct cc_expr *a = e->u.call.args[i];
		enum cc_type t = cc_sema_expr(s, a, true);
		if (i >= r->nparams || t == CC_TY_ERROR || r->params[i].type == CC_TY_ERROR)
			continue;
		if (!cc_type_fits(t, r->params[i].type)) {
			cc_diag_report(CC_D_ARG_TYPE, a->loc,
				       "argument '%s' of route '%s' must be %s, not %s",
				       r->params[i].name, r->name, cc_type_name(r->params[i].type),
				       cc_type_name(t));
			cc_diag_note(r->params[i].loc, "parameter '%s' is declared here",
				     r->params[i].name);
			ok = false;
		} else if (!cc_sema_coerce(s, a, t, r->params[i].type, r->params[i].name)) {
			ok = false;
		}
	}
	if (!ok)
		return CC_TY_ERROR;
	return r->result == CC_TY_ERROR ? CC_TY_ERROR : r->result;
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

	if (!f && cc_sema_call_route(s, e))
		return cc_sema_route_call(s, e, cc_sema_call_route(s, e));
	if (!f) {
		struct cc_suggest sg;
		cc_suggest_init(&sg, name);
		for (struct cc_fn_decl *c = s->p->fns; c; c = c->next)
			cc_suggest_add(&sg, c->name);
		for (int i = 0; i < s->nroutes; i++)
			if (s->routes[i]->kind == CC_RK_NAMED)
				cc_suggest_add(&sg, s->routes[i]->name);
		struct cc_loc at = e->loc;
		at.len = (int)strlen(name);
		cc_diag_report(CC_D_UNKNOWN_FN, at, "unknown function '%s'%s",
			       name, cc_suggest_text(&sg));
		cc_sema_args_only(s, e);
		return CC_TY_ERROR;
	}
	e->u.call.fn = f;
	if (!cc_sema_kinds_ok(s, "function", name, f->kinds, e->loc))
		cc_sema_async_kind_note(s, f, e->loc);

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
		if (p->type == CC_TY_FLAG || p->type == CC_TY_BFLAG || p->type == CC_TY_AVP) {
			if (!cc_sema_decl_arg(s, f, p, a))
				ok = false;
			continue;
		}
		enum cc_type t = cc_sema_expr(s, a, true);
		if (t == CC_TY_ERROR) {
			ok = false;
		} else if (cc_type_fits(t, p->type) && p->type == CC_TY_SQL) {
			if (!cc_sema_sql_value(f, j, a))
				ok = false;
		} else if (cc_type_fits(t, p->type) && p->type == CC_TY_REGEX) {
			char what[160];
			snprintf(what, sizeof what, "argument '%s' of '%s'", p->name, name);
			if (!cc_sema_regex_value(a, what))
				ok = false;
		} else if (cc_type_fits(t, p->type)) {
			if (!cc_sema_coerce(s, a, t, p->type, p->name))
				ok = false;
		} else {
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
	if (!sg.best)
		cc_diag_note((struct cc_loc){0},
			     "declare a variable with 'var %s: TYPE = ...;', or give a compile-time "
			     "value with 'define %s = ...' or -D %s=VALUE",
			     name, name, name);
	return CC_TY_ERROR;
}

/* Variables in scope, innermost last; NULL when none is called name. */
static struct cc_var *cc_sema_var_find(const struct cc_sema *s, const char *name)
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
static bool cc_sema_as_bool(struct cc_expr *e, enum cc_type t)
{
	if (cc_type_is_status(t)) {
		cc_sema_status_truth(e);
		return true;
	}
	return t == CC_TY_BOOL;
}

/* "AUTH_OK, AUTH_ERROR, ..." : the constants of status type t. */
static const char *cc_sema_status_consts(const struct cc_program *p, enum cc_type t)
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
static bool cc_sema_regex_value(const struct cc_expr *r, const char *what)
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

/* A query where the database will run it (a sql parameter): a literal
 * (or a define), so its text is program text like every statement of the
 * runtime and nothing from a message becomes SQL; one SELECT or WITH
 * query; placeholders $1..$n, each used, where n is the number of values
 * the function binds (its parameters after this one, up to the first avp
 * parameter). Quoted text ('...' and "...") is skipped. The database
 * checks the rest (names of tables and columns) when it prepares it. */
static bool cc_sema_sql_value(const struct cc_fn_decl *f, int j, const struct cc_expr *a)
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
static bool cc_sema_pv_arg_ok(const struct cc_pv_decl *v, const char *arg, struct cc_loc loc)
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
	return true;
}

/* The route kinds where a dialog can exist: those with a SIP message of
 * a transaction. */
#define CC_DLGVAR_KINDS (CC_RK_BIT(CC_RK_REQUEST) | CC_RK_BIT(CC_RK_REPLY) | \
			 CC_RK_BIT(CC_RK_FAILURE) | CC_RK_BIT(CC_RK_BRANCH))

/* $dlg(name): the declaration of a dialog variable, or an error with the
 * closest declared name; dialog variables exist only in routes that can
 * have a dialog. */
static enum cc_type cc_sema_dlgvar(struct cc_sema *s, const char *name, struct cc_loc loc,
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
static enum cc_type cc_sema_avp(struct cc_sema *s, const char *name, struct cc_loc loc,
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
static bool cc_sema_coerce(struct cc_sema *s, struct cc_expr *e, enum cc_type t,
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
static void cc_sema_value_for(struct cc_sema *s, struct cc_expr *e, enum cc_type want,
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

static void cc_sema_assign(struct cc_sema *s, struct cc_stmt *st)
{
	const char *name = st->u.assign.name;

	if (st->u.assign.is_ident) {
		struct cc_var *v = cc_sema_var_find(s, name);
		if (v) {
			st->u.assign.lv = CC_LV_VAR;
			st->u.assign.var = v;
			cc_sema_value_for(s, st->u.assign.value, v->type, "assign", name);
			s->assigned[v->index] = 1;
			return;
		}
		if (!cc_find_pv(s->p, name)) {
			struct cc_suggest sg;
			cc_suggest_init(&sg, name);
			for (int i = 0; i < s->nscope; i++)
				cc_suggest_add(&sg, s->scope[i]->name);
			cc_diag_report(CC_D_UNKNOWN_VAR, st->u.assign.name_loc,
				       "assignment to undeclared variable '%s'%s", name,
				       cc_suggest_text(&sg));
			if (!sg.best)
				cc_diag_note((struct cc_loc){0}, "declare it first: 'var %s: TYPE;'", name);
			cc_sema_expr(s, st->u.assign.value, true);
			return;
		}
	}
	if (st->u.assign.arg && (strcmp(name, "$avp") == 0 || strcmp(name, "$dlg") == 0)) {
		struct cc_avp_decl *a = NULL;
		bool dialog = name[1] == 'd';
		enum cc_type at = dialog ? cc_sema_dlgvar(s, st->u.assign.arg, st->u.assign.name_loc, &a)
					 : cc_sema_avp(s, st->u.assign.arg, st->u.assign.name_loc, &a);
		st->u.assign.lv = CC_LV_AVP;
		st->u.assign.avp = a;
		if (at == CC_TY_ERROR) {
			cc_sema_expr(s, st->u.assign.value, true);
			return;
		}
		char buf[64];
		snprintf(buf, sizeof buf, "%s(%s)", name, a->name);
		cc_sema_value_for(s, st->u.assign.value, at, "assign", cc_strdup(buf));
		return;
	}

	struct cc_pv_decl *v = cc_sema_pv_lookup(s, name, st->u.assign.name_loc);
	enum cc_type t = cc_sema_expr(s, st->u.assign.value, true);

	if (!v)
		return;
	st->u.assign.lv = CC_LV_PV;
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
	if (!cc_sema_pv_arg_ok(v, st->u.assign.arg, st->u.assign.name_loc))
		return;
	cc_sema_kinds_ok(s, "pseudo-variable", name, v->kinds, st->u.assign.name_loc);
	if (t != CC_TY_ERROR && !cc_type_fits(t, v->type))
		cc_diag_report(CC_D_TYPE, st->u.assign.value->loc,
			       "cannot assign %s to '%s', which is %s",
			       cc_type_name(t), name, cc_type_name(v->type));
	else if (t != CC_TY_ERROR)
		cc_sema_coerce(s, st->u.assign.value, t, v->type, name);
}

static void cc_sema_scope_push(struct cc_sema *s, struct cc_var *v)
{
	if (s->nscope == s->capscope) {
		int cap = s->capscope ? s->capscope * 2 : 16;
		struct cc_var **n = cc_alloc(sizeof *n * (size_t)cap);
		if (s->nscope)
			memcpy(n, s->scope, sizeof *n * (size_t)s->nscope);
		s->scope = n;
		s->capscope = cap;
	}
	s->scope[s->nscope++] = v;
}

/* A new variable of the current route, in scope from here to the end of
 * its block. */
static struct cc_var *cc_sema_var_new(struct cc_sema *s, const char *name, enum cc_type t,
				      struct cc_loc loc, bool is_param)
{
	struct cc_var *v = cc_alloc(sizeof *v), **tail;

	v->name = name;
	v->type = t;
	v->loc = loc;
	v->is_param = is_param;
	v->index = s->cur->nvars++;
	for (tail = &s->cur->vars; *tail; tail = &(*tail)->next)
		;
	*tail = v;
	cc_sema_scope_push(s, v);
	return v;
}

/* A type named in the policy: a status type must be one the stdlib
 * declares (the policy is read first, see cc_parse_type); *t becomes
 * CC_TY_ERROR, reported, when it is not. */
static bool cc_sema_type_declared(struct cc_sema *s, enum cc_type *t, struct cc_loc loc)
{
	if (!cc_type_is_status(*t))
		return true;
	for (const struct cc_status_decl *d = s->p->statuses; d; d = d->next)
		if (d->type == *t)
			return true;
	struct cc_suggest sg;
	cc_suggest_init(&sg, cc_type_name(*t));
	for (const struct cc_status_decl *d = s->p->statuses; d; d = d->next)
		cc_suggest_add(&sg, d->name);
	cc_diag_report(CC_D_BAD_DECL, loc, "unknown type '%s'%s", cc_type_name(*t),
		       cc_suggest_text(&sg));
	*t = CC_TY_ERROR;
	return false;
}

/* var NAME: TYPE [= VALUE]; */
static void cc_sema_var_decl(struct cc_sema *s, struct cc_stmt *st)
{
	const char *name = st->u.var.name;
	enum cc_type t = st->u.var.type;
	struct cc_var *prev = cc_sema_var_find(s, name);
	const char *what = cc_find_const(s->p, name) ? "constant" :
			   cc_find_pv(s->p, name) ? "pseudo-variable" :
			   cc_find_define(s->p, name) ? "define" : NULL;

	if (!cc_sema_type_declared(s, &st->u.var.type, st->u.var.type_loc)) {
		t = CC_TY_ERROR;
	} else if (t != CC_TY_ERROR && (!cc_type_is_str(t) || t == CC_TY_REGEX || t == CC_TY_SQL) && t != CC_TY_INT &&
		   t != CC_TY_BOOL && !cc_type_is_status(t)) {
		cc_diag_report(CC_D_BAD_DECL, st->u.var.type_loc,
			       "a variable cannot have type %s (use str, int, bool, uri, ip or a status type)",
			       cc_type_name(t));
		t = CC_TY_ERROR;
	}
	if (prev) {
		cc_diag_report(CC_D_DUP_NAME, st->u.var.name_loc, "redeclaration of '%s'", name);
		cc_diag_note(prev->loc, "previous declaration is here");
	} else if (what) {
		cc_diag_report(CC_D_DUP_NAME, st->u.var.name_loc,
			       "variable '%s' clashes with the %s of that name", name, what);
	}
	if (st->u.var.init)
		cc_sema_value_for(s, st->u.var.init, t, "initialise", name);
	struct cc_var *v = cc_sema_var_new(s, name, t, st->u.var.name_loc, false);
	st->u.var.var = v;
	s->assigned[v->index] = st->u.var.init || t == CC_TY_ERROR;
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
	case S_BREAK:
		cc_diag_note(term->loc, "'break' leaves the switch or loop here");
		break;
	default:
		cc_diag_note(term->loc, "every branch of this 'if' leaves the route");
		break;
	}
}

/* Assignment states are arrays of s->capvars flags. */
static unsigned char *cc_sema_da_save(const struct cc_sema *s)
{
	unsigned char *c = cc_alloc((size_t)s->capvars + 1);
	memcpy(c, s->assigned, (size_t)s->capvars);
	return c;
}

static void cc_sema_da_meet(const struct cc_sema *s, unsigned char *into,
			    const unsigned char *other)
{
	for (int i = 0; i < s->capvars; i++)
		into[i] &= other[i];
}

/* Control cannot reach what follows: every variable counts as assigned
 * there, so dead code reports no use before assignment. */
static void cc_sema_da_dead(struct cc_sema *s)
{
	memset(s->assigned, 1, (size_t)s->capvars);
}

static void cc_sema_cond(struct cc_sema *s, struct cc_expr *cond)
{
	enum cc_type t = cc_sema_expr(s, cond, true);

	if (t != CC_TY_ERROR && !cc_sema_as_bool(cond, t)) {
		cc_diag_report(CC_D_TYPE, cond->loc, "condition must be bool, not %s", cc_type_name(t));
		if (cc_type_is_str(t))
			cc_diag_note((struct cc_loc){0}, "compare the string, e.g. %s == \"...\"",
				     cond->kind == E_PV ? cond->u.pv.name : "x");
	}
}

/* A statement list: unreachable statements are reported once; variables
 * declared in it go out of scope at its end. */
static bool cc_sema_list(struct cc_sema *s, struct cc_stmt *first)
{
	const struct cc_stmt *term = NULL;
	bool warned = false, ft = true;
	int scope = s->nscope;

	for (struct cc_stmt *t = first; t; t = t->next) {
		if (term && !warned) {
			cc_diag_report(CC_D_UNREACHABLE, t->loc, "statement is never executed");
			cc_sema_unreachable_note(term);
			warned = true;
		}
		if (!cc_sema_stmt(s, t) && ft) {
			ft = false;
			cc_sema_da_dead(s);
		}
		if (!term && cc_sema_terminator(t))
			term = cc_sema_terminator(t);
	}
	s->nscope = scope;
	return ft;
}

/* switch (subject) { case V: ... }: case values are distinct literals of
 * the subject's type (int, str or method). */
static bool cc_sema_switch(struct cc_sema *s, struct cc_stmt *st)
{
	enum cc_type t = cc_sema_expr(s, st->u.switch_.subject, true);
	bool has_default = false, ft = false;
	struct cc_loc default_loc = { 0 };

	if (t != CC_TY_ERROR && t != CC_TY_INT && t != CC_TY_METHOD && !cc_type_is_str(t) &&
	    !cc_type_is_status(t)) {
		cc_diag_report(CC_D_TYPE, st->u.switch_.subject->loc,
			       "switch needs an int, str, method or status value, not %s", cc_type_name(t));
		t = CC_TY_ERROR;
	}
	for (struct cc_case *c = st->u.switch_.cases; c; c = c->next) {
		if (c->is_default) {
			if (has_default) {
				cc_diag_report(CC_D_BAD_CASE, c->loc, "more than one 'default' in a switch");
				cc_diag_note(default_loc, "the first 'default' is here");
			}
			has_default = true;
			default_loc = c->loc;
		}
		for (int i = 0; i < c->nvalues; i++) {
			struct cc_expr *v = c->values[i];
			enum cc_type vt = cc_sema_expr(s, v, true);
			if (vt == CC_TY_ERROR)
				continue;
			if (v->kind != E_INT && v->kind != E_STR && v->kind != E_CONST) {
				cc_diag_report(CC_D_BAD_CASE, v->loc, "a case value must be a literal or a constant");
				continue;
			}
			if (t != CC_TY_ERROR && vt != t && !(cc_type_is_str(vt) && cc_type_is_str(t))) {
				cc_diag_report(CC_D_TYPE, v->loc, "case value is %s but the switch is on %s",
					       cc_type_name(vt), cc_type_name(t));
				if (cc_type_is_status(t))
					cc_diag_note((struct cc_loc){0}, "the constants of %s: %s",
						     cc_type_name(t), cc_sema_status_consts(s->p, t));
				continue;
			}
			/* duplicates against every earlier value */
			for (struct cc_case *d = st->u.switch_.cases; d; d = d->next) {
				for (int j = 0; j < d->nvalues; j++) {
					struct cc_expr *w = d->values[j];
					if (w == v)
						goto next_value;
					if (w->kind != v->kind || w->ty == CC_TY_ERROR)
						continue;
					bool same = v->kind == E_STR
						? w->u.str.len == v->u.str.len &&
						  memcmp(w->u.str.s, v->u.str.s, v->u.str.len) == 0
						: w->u.ival == v->u.ival;
					if (same) {
						cc_diag_report(CC_D_BAD_CASE, v->loc, "duplicate case value");
						cc_diag_note(w->loc, "the same value is here");
						goto next_value;
					}
				}
			}
next_value:;
		}
	}

	unsigned char *before = cc_sema_da_save(s);
	unsigned char *outer_break = s->break_state;
	bool outer_seen = s->break_seen;
	s->breakable++;
	s->break_state = cc_alloc((size_t)s->capvars + 1);
	memset(s->break_state, 1, (size_t)s->capvars);
	s->break_seen = false;
	for (struct cc_case *c = st->u.switch_.cases; c; c = c->next) {
		/* Entered from the dispatch, or by falling through. */
		if (ft)
			cc_sema_da_meet(s, s->assigned, before);
		else
			memcpy(s->assigned, before, (size_t)s->capvars);
		ft = cc_sema_list(s, c->first);
	}
	if (!ft)
		cc_sema_da_dead(s);
	cc_sema_da_meet(s, s->assigned, s->break_state);
	if (!has_default)
		cc_sema_da_meet(s, s->assigned, before);
	bool out = ft || s->break_seen || !has_default;
	s->breakable--;
	s->break_state = outer_break;
	s->break_seen = outer_seen;
	return out;
}

/* while (cond) [max N] body: the body may run zero times, so what it
 * assigns does not count after the loop. */
static bool cc_sema_while(struct cc_sema *s, struct cc_stmt *st)
{
	cc_sema_cond(s, st->u.while_.cond);
	unsigned char *before = cc_sema_da_save(s);
	unsigned char *outer_break = s->break_state;
	bool outer_seen = s->break_seen;
	s->breakable++;
	s->break_state = cc_alloc((size_t)s->capvars + 1);
	s->break_seen = false;
	int scope = s->nscope;
	bool ft = cc_sema_stmt(s, st->u.while_.body);
	s->nscope = scope;
	/* What one pass assigns is not assigned if no pass runs: after the
	 * loop, and at the head of the next pass (which the first pass has
	 * already seen), the state is the one before the loop. */
	for (int i = 0; ft && i < s->capvars; i++)
		if (!before[i] && s->assigned[i] && !s->loop_assigned[i])
			s->loop_assigned[i] = st;
	s->breakable--;
	s->break_state = outer_break;
	s->break_seen = outer_seen;
	memcpy(s->assigned, before, (size_t)s->capvars);
	return true;
}

static bool cc_sema_return(struct cc_sema *s, struct cc_stmt *st)
{
	struct cc_route *r = s->cur;
	struct cc_expr *v = st->u.ret.value;

	if (v && r->result == CC_TY_VOID) {
		cc_diag_report(CC_D_RETURN_VALUE, v->loc, "%s returns no value", cc_sema_route_desc(r));
		if (r->kind == CC_RK_NAMED)
			cc_diag_note(r->loc, "declare its result type: 'route %s(...): TYPE'", r->name);
		cc_sema_expr(s, v, true);
	} else if (v) {
		cc_sema_value_for(s, v, r->result, "return", r->name);
	} else if (r->result != CC_TY_VOID && r->result != CC_TY_ERROR) {
		cc_diag_report(CC_D_RETURN_VALUE, st->loc, "route '%s' must return a %s value",
			       r->name, cc_type_name(r->result));
	}
	return false;
}

bool cc_sema_stmt(struct cc_sema *s, struct cc_stmt *st)
{
	if (!st)
		return true;
	switch (st->kind) {
	case S_EXPR:
		cc_sema_expr(s, st->u.expr, false);
		/* A named route that always exits does not come back. */
		return !(st->u.expr->kind == E_CALL && st->u.expr->u.call.route &&
			 st->u.expr->u.call.route->always_exits);
	case S_IF: {
		cc_sema_cond(s, st->u.if_.cond);
		unsigned char *before = cc_sema_da_save(s);
		int scope = s->nscope;
		bool ft1 = cc_sema_stmt(s, st->u.if_.then);
		s->nscope = scope;
		unsigned char *after_then = cc_sema_da_save(s);
		memcpy(s->assigned, before, (size_t)s->capvars);
		bool ft2 = cc_sema_stmt(s, st->u.if_.els);
		s->nscope = scope;
		if (ft1 && ft2)
			cc_sema_da_meet(s, s->assigned, after_then);
		else if (ft1)
			memcpy(s->assigned, after_then, (size_t)s->capvars);
		return ft1 || ft2;
	}
	case S_BLOCK:
		return cc_sema_list(s, st->u.block.first);
	case S_ASSIGN:
		cc_sema_assign(s, st);
		return true;
	case S_VAR:
		cc_sema_var_decl(s, st);
		return true;
	case S_SWITCH:
		return cc_sema_switch(s, st);
	case S_WHILE:
		return cc_sema_while(s, st);
	case S_BREAK:
		if (!s->breakable) {
			cc_diag_report(CC_D_BAD_BREAK, st->loc, "'break' outside a switch or while loop");
			return false;
		}
		cc_sema_da_meet(s, s->break_state, s->assigned);
		s->break_seen = true;
		return false;
	case S_RETURN:
		return cc_sema_return(s, st);
	case S_EXIT:
	case S_DROP:
		return false;
	case S_ROUTE:
		if (st->u.route_call.target && st->u.route_call.target->nparams) {
			struct cc_route *r = st->u.route_call.target;
			cc_diag_report(CC_D_ARG_COUNT, st->loc,
				       "route '%s' takes %d argument%s: call it as %s(...)",
				       r->name, r->nparams, r->nparams == 1 ? "" : "s", r->name);
		}
		return !(st->u.route_call.target && st->u.route_call.target->always_exits);
	}
	return true;
}

/* Count the variables a statement tree declares, to size the assignment
 * states before the walk. */
static int cc_sema_count_vars(const struct cc_stmt *st)
{
	int n = 0;

	for (; st; st = st->next) {
		switch (st->kind) {
		case S_VAR: n++; break;
		case S_BLOCK: n += cc_sema_count_vars(st->u.block.first); break;
		case S_IF:
			n += cc_sema_count_vars(st->u.if_.then) + cc_sema_count_vars(st->u.if_.els);
			break;
		case S_WHILE: n += cc_sema_count_vars(st->u.while_.body); break;
		case S_SWITCH:
			for (const struct cc_case *c = st->u.switch_.cases; c; c = c->next)
				n += cc_sema_count_vars(c->first);
			break;
		default: break;
		}
	}
	return n;
}

void cc_sema_route_body(struct cc_sema *s)
{
	struct cc_route *r = s->cur;

	s->nscope = 0;
	s->breakable = 0;
	s->capvars = r->nparams + (r->body ? cc_sema_count_vars(r->body->u.block.first) : 0) + 1;
	s->assigned = cc_alloc((size_t)s->capvars + 1);
	s->loop_assigned = cc_alloc(sizeof *s->loop_assigned * ((size_t)s->capvars + 1));
	s->uninit_read = cc_alloc(sizeof *s->uninit_read * ((size_t)s->capvars + 1));
	s->uninit_loop = cc_alloc(sizeof *s->uninit_loop * ((size_t)s->capvars + 1));
	if (r->kind == CC_RK_NAMED)
		cc_sema_type_declared(s, &r->result, r->loc);
	for (int i = 0; i < r->nparams; i++) {
		cc_sema_type_declared(s, &r->params[i].type, r->params[i].loc);
		struct cc_var *v = cc_sema_var_new(s, r->params[i].name, r->params[i].type,
						   r->params[i].loc, true);
		s->assigned[v->index] = 1;
	}
	bool ft = cc_sema_stmt(s, r->body);
	if (ft && r->result != CC_TY_VOID && r->result != CC_TY_ERROR && r->body) {
		cc_diag_report(CC_D_MISSING_RETURN, r->loc,
			       "route '%s' can reach its end without returning a %s value",
			       r->name, cc_type_name(r->result));
		cc_diag_note((struct cc_loc){0}, "end every path with 'return VALUE;' or 'exit;'");
	}
	cc_sema_uninit_check(s);
}

static void cc_sema_walk_expr(struct cc_expr *e, void (*fn)(struct cc_expr *, void *), void *arg)
{
	if (!e)
		return;
	fn(e, arg);
	switch (e->kind) {
	case E_CALL:
		for (int i = 0; i < e->u.call.nargs; i++)
			cc_sema_walk_expr(e->u.call.args[i], fn, arg);
		break;
	case E_UNARY:
		cc_sema_walk_expr(e->u.unary.e, fn, arg);
		break;
	case E_BINARY:
		cc_sema_walk_expr(e->u.binary.l, fn, arg);
		cc_sema_walk_expr(e->u.binary.r, fn, arg);
		break;
	default:
		break;
	}
}

void cc_sema_walk_exprs(struct cc_stmt *st, void (*fn)(struct cc_expr *e, void *arg), void *arg)
{
	for (; st; st = st->next) {
		switch (st->kind) {
		case S_EXPR: cc_sema_walk_expr(st->u.expr, fn, arg); break;
		case S_IF:
			cc_sema_walk_expr(st->u.if_.cond, fn, arg);
			cc_sema_walk_exprs(st->u.if_.then, fn, arg);
			cc_sema_walk_exprs(st->u.if_.els, fn, arg);
			break;
		case S_BLOCK: cc_sema_walk_exprs(st->u.block.first, fn, arg); break;
		case S_RETURN: cc_sema_walk_expr(st->u.ret.value, fn, arg); break;
		case S_ASSIGN: cc_sema_walk_expr(st->u.assign.value, fn, arg); break;
		case S_VAR: cc_sema_walk_expr(st->u.var.init, fn, arg); break;
		case S_WHILE:
			cc_sema_walk_expr(st->u.while_.cond, fn, arg);
			cc_sema_walk_exprs(st->u.while_.body, fn, arg);
			break;
		case S_SWITCH:
			cc_sema_walk_expr(st->u.switch_.subject, fn, arg);
			for (struct cc_case *c = st->u.switch_.cases; c; c = c->next)
				cc_sema_walk_exprs(c->first, fn, arg);
			break;
		default: break;
		}
	}
}
