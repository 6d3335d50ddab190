/* Semantic checks of statements: assignments, variable declarations and
 * their scopes, definite assignment, if, switch, while, return, the body
 * of a route, and the walk over a statement tree's expressions. */
#include <arpa/inet.h>
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "sema_int.h"

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
	} else if (t != CC_TY_ERROR && (!cc_type_is_str(t) || t == CC_TY_REGEX || t == CC_TY_SQL || t == CC_TY_TIMEREC) && t != CC_TY_INT &&
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
	int nev = r->event ? r->event->nparams : 0;
	s->capvars = r->nparams + nev + (r->body ? cc_sema_count_vars(r->body->u.block.first) : 0) + 1;
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
	/* An event route's variables: the event's parameters, in their
	 * order (the generated code fills them from the event raised). */
	for (int i = 0; i < nev; i++) {
		const struct cc_param *pa = &r->event->params[i];
		struct cc_var *v = cc_sema_var_new(s, pa->name, pa->type, r->loc, true);
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
