/* Semantic checks of calls: a stdlib function or a named route called
 * with its arguments (count, names, types, the route kinds a function may
 * be called from, route and SQL arguments). */
#include <arpa/inet.h>
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "sema_int.h"

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
bool cc_sema_kinds_ok(struct cc_sema *s, const char *what, const char *name,
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
	for (int i = 0; i < f->nparams; i++) {
		n += strlen(f->params[i].name) + 24;
		if (f->params[i].def && f->params[i].def->kind == E_STR)
			n += f->params[i].def->u.str.len + 8;
		else if (f->params[i].def)
			n += 32;
	}
	char *buf = cc_alloc(n);
	size_t off = (size_t)snprintf(buf, n, "%s(", f->name);
	for (int i = 0; i < f->nparams; i++) {
		const struct cc_expr *d = f->params[i].def;
		off += (size_t)snprintf(buf + off, n - off, "%s%s: %s", i ? ", " : "",
					f->params[i].name, cc_sema_param_type(&f->params[i]));
		if (d && d->kind == E_STR)
			off += (size_t)snprintf(buf + off, n - off, " = \"%.*s\"", (int)d->u.str.len,
						d->u.str.s);
		else if (d)
			off += (size_t)snprintf(buf + off, n - off, " = %lld", (long long)d->u.ival);
	}
	snprintf(buf + off, n - off, "): %s", cc_type_name(f->result));
	return buf;
}

void cc_sema_sig_note(const struct cc_fn_decl *f)
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

/* A dialog profile passed to a stdlib parameter of type profile: the
 * argument names a "profile" declaration and is replaced by its index.
 * The optional str parameter right after it is the value: a profile
 * declared without values takes none, and a function that puts the
 * dialog in a profile (marks(profile_add)) needs one for a profile
 * declared with values. */
static bool cc_sema_profile_arg(struct cc_sema *s, const struct cc_fn_decl *f, int j,
				struct cc_expr **slot)
{
	const struct cc_param *p = &f->params[j];
	struct cc_expr *arg = slot[j];

	if (arg->kind != E_IDENT) {
		cc_diag_report(CC_D_ARG_TYPE, arg->loc, "argument '%s' of '%s' must name a dialog profile",
			       p->name, f->name);
		cc_sema_sig_note(f);
		return false;
	}
	const char *name = arg->u.ident.name;
	struct cc_profile_decl *d = cc_find_profile(s->p, name);
	if (!d) {
		struct cc_suggest sg;
		cc_suggest_init(&sg, name);
		for (struct cc_profile_decl *c = s->p->profiles; c; c = c->next)
			cc_suggest_add(&sg, c->name);
		cc_diag_report(CC_D_UNKNOWN_PROFILE, arg->loc, "unknown dialog profile '%s'%s", name,
			       cc_suggest_text(&sg));
		if (!sg.best)
			cc_diag_note((struct cc_loc){0},
				     "declare it at the top of the policy: 'profile %s' (or 'profile %s: str'"
				     " for one with values)", name, name);
		return false;
	}
	d->used = true;
	bool ok = true;
	if (j + 1 < f->nparams && f->params[j + 1].def && slot[j + 1]) {
		const struct cc_expr *v = slot[j + 1];
		if (d->type == CC_TY_VOID && !v->defaulted) {
			cc_diag_report(CC_D_ARG_TYPE, v->loc,
				       "dialog profile '%s' has no values, but '%s' is given one", name,
				       f->name);
			cc_diag_note(d->loc, "'%s' is declared here; 'profile %s: str' has values",
				     name, name);
			ok = false;
		} else if (d->type == CC_TY_STR && v->defaulted && (f->marks & CC_MARK_PROFILE_ADD)) {
			cc_diag_report(CC_D_ARG_COUNT, arg->loc,
				       "dialog profile '%s' has values: '%s' needs the value", name, f->name);
			cc_diag_note(d->loc, "'%s' is declared here", name);
			ok = false;
		}
	}
	arg->kind = E_INT;
	arg->ty = CC_TY_INT;
	arg->u.ival = d->index;
	return ok;
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
enum cc_type cc_sema_call(struct cc_sema *s, struct cc_expr *e)
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
	int nrequired = f->nparams;
	while (nrequired > 0 && f->params[nrequired - 1].def)
		nrequired--;
	if (ok && (nargs > f->nparams || (nargs < nrequired && !e->u.call.arg_names))) {
		cc_diag_report(CC_D_ARG_COUNT, e->loc, "function '%s' takes %d argument%s but %d %s given",
			       name, f->nparams, f->nparams == 1 ? "" : "s",
			       nargs, nargs == 1 ? "was" : "were");
		cc_sema_sig_note(f);
		ok = false;
	} else if (ok) {
		for (int j = 0; j < f->nparams; j++) {
			if (slot[j])
				continue;
			if (f->params[j].def) {
				/* The default, as a node of this call (sema writes
				 * into the nodes it checks). */
				struct cc_expr *d = cc_expr_new(f->params[j].def->kind, e->loc);
				d->u = f->params[j].def->u;
				d->defaulted = true;
				slot[j] = d;
				continue;
			}
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
		if (p->type == CC_TY_PROFILE) {
			if (!cc_sema_profile_arg(s, f, j, slot))
				ok = false;
			continue;
		}
		enum cc_type t = cc_sema_expr(s, a, true);
		if (t == CC_TY_ERROR) {
			ok = false;
		} else if (cc_type_fits(t, p->type) && p->type == CC_TY_SQL) {
			if (!cc_sema_sql_value(f, j, a))
				ok = false;
		} else if (cc_type_fits(t, p->type) && p->type == CC_TY_TIMEREC) {
			if (!cc_sema_timerec_value(f, j, a))
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
		e->u.call.nargs = f->nparams;   /* with the defaults filled in */
		e->u.call.arg_names = NULL;
	}
	return f->result;
}
