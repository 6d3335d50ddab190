/* The path walk shared by the path-sensitive passes (sema_lint.c,
 * sema_uninit.c).
 *
 * A route is walked as a small abstract interpreter: the state before a
 * statement is a few classes of paths, kept apart while they know
 * different facts (a condition that only reads, tested on the path, with
 * its answer) so that a condition tested again sends each path only where
 * its answer leads. A fact is forgotten when something it reads may
 * change. What else a path carries, how two paths of a pass join, and
 * what calls, assignments, returns and route calls do belong to the pass
 * (struct cc_paths_ops); the control flow (conditions, if, loops, switch,
 * break, exit) and the facts are handled here, the same for both. */
#include <string.h>
#include "sema_int.h"

/* Do a and b compute the same value from the same inputs? */
bool cc_sema_expr_same(const struct cc_expr *a, const struct cc_expr *b)
{
	if (a == b)
		return true;
	if (!a || !b || a->kind != b->kind)
		return false;
	switch (a->kind) {
	case E_INT:
	case E_BOOL:
	case E_CONST:
		return a->u.ival == b->u.ival && a->ty == b->ty;
	case E_STR:
		return a->u.str.len == b->u.str.len &&
		       memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0;
	case E_PV:
		return a->u.pv.decl == b->u.pv.decl &&
		       (a->u.pv.arg ? b->u.pv.arg && strcmp(a->u.pv.arg, b->u.pv.arg) == 0
				    : !b->u.pv.arg);
	case E_VAR:
		return a->u.var.var == b->u.var.var;
	case E_AVP:
		return a->u.avp.avp == b->u.avp.avp;
	case E_ROUTEREF:
		return a->u.routeref.route == b->u.routeref.route;
	case E_UNARY:
		return a->u.unary.op == b->u.unary.op && cc_sema_expr_same(a->u.unary.e, b->u.unary.e);
	case E_BINARY:
		return a->u.binary.op == b->u.binary.op &&
		       cc_sema_expr_same(a->u.binary.l, b->u.binary.l) &&
		       cc_sema_expr_same(a->u.binary.r, b->u.binary.r);
	case E_CALL:
		if (!a->u.call.fn || a->u.call.fn != b->u.call.fn ||
		    a->u.call.nargs != b->u.call.nargs)
			return false;
		for (int i = 0; i < a->u.call.nargs; i++)
			if (!cc_sema_expr_same(a->u.call.args[i], b->u.call.args[i]))
				return false;
		return true;
	default:
		return false;
	}
}

/* May a condition be remembered: it only reads (pseudo-variables,
 * variables, AVPs, literals, functions marked readonly), so testing it
 * again gives the same answer until what it reads changes. */
bool cc_sema_expr_readonly(const struct cc_expr *e)
{
	switch (e->kind) {
	case E_INT:
	case E_STR:
	case E_BOOL:
	case E_CONST:
	case E_PV:
	case E_VAR:
	case E_AVP:
	case E_ROUTEREF:
		return true;
	case E_UNARY:
		return cc_sema_expr_readonly(e->u.unary.e);
	case E_BINARY:
		return cc_sema_expr_readonly(e->u.binary.l) && cc_sema_expr_readonly(e->u.binary.r);
	case E_CALL:
		if (e->u.call.route || !e->u.call.fn || !(e->u.call.fn->marks & CC_MARK_READONLY))
			return false;
		for (int i = 0; i < e->u.call.nargs; i++)
			if (!cc_sema_expr_readonly(e->u.call.args[i]))
				return false;
		return true;
	default:
		return false;
	}
}

/* Does e read what the write (kind, which) changes? A function that is
 * not readonly may change the message and AVPs; every function reads
 * them. */
bool cc_sema_expr_reads(const struct cc_expr *e, enum cc_sema_write kind, const void *which)
{
	if (!e)
		return false;
	switch (e->kind) {
	case E_PV:
		return kind == CC_W_MESSAGE;
	case E_VAR:
		return kind == CC_W_VAR && e->u.var.var == which;
	case E_AVP:
		return kind == CC_W_MESSAGE || (kind == CC_W_AVP && e->u.avp.avp == which);
	case E_UNARY:
		return cc_sema_expr_reads(e->u.unary.e, kind, which);
	case E_BINARY:
		return cc_sema_expr_reads(e->u.binary.l, kind, which) ||
		       cc_sema_expr_reads(e->u.binary.r, kind, which);
	case E_CALL:
		if (kind != CC_W_VAR)
			return true;
		for (int i = 0; i < e->u.call.nargs; i++)
			if (cc_sema_expr_reads(e->u.call.args[i], kind, which))
				return true;
		return false;
	default:
		return false;
	}
}

void cc_path_forget(struct cc_path *p, enum cc_sema_write kind, const void *which)
{
	int k = 0;

	for (int i = 0; i < p->nfacts; i++)
		if (!cc_sema_expr_reads(p->facts[i].cond, kind, which))
			p->facts[k++] = p->facts[i];
	p->nfacts = k;
}

void cc_paths_forget(struct cc_paths *s, enum cc_sema_write kind, const void *which)
{
	for (int i = 0; i < s->n; i++)
		cc_path_forget(&s->p[i], kind, which);
}

/* -1: nothing known about cond on p; else its value. */
static int path_fact_find(const struct cc_path *p, const struct cc_expr *cond)
{
	for (int i = 0; i < p->nfacts; i++)
		if (cc_sema_expr_same(p->facts[i].cond, cond))
			return p->facts[i].value;
	return -1;
}

/* The oldest fact makes room when a path knows too many. */
static void path_fact_add(struct cc_path *p, const struct cc_expr *cond, bool value)
{
	if (p->nfacts == CC_PATH_FACTS) {
		memmove(p->facts, p->facts + 1, sizeof p->facts[0] * (CC_PATH_FACTS - 1));
		p->nfacts--;
	}
	p->facts[p->nfacts].cond = cond;
	p->facts[p->nfacts++].value = value;
}

static bool path_same_facts(const struct cc_path *a, const struct cc_path *b)
{
	if (a->nfacts != b->nfacts)
		return false;
	for (int i = 0; i < a->nfacts; i++)
		if (path_fact_find(b, a->facts[i].cond) != (int)a->facts[i].value)
			return false;
	return true;
}

static bool paths_same(const struct cc_paths_walk *w, const struct cc_paths *a,
		       const struct cc_paths *b)
{
	if (a->n != b->n)
		return false;
	for (int i = 0; i < a->n; i++)
		if (!w->ops->same(&a->p[i], &b->p[i]) || !path_same_facts(&a->p[i], &b->p[i]))
			return false;
	return true;
}

/* Join path b into path into: the pass joins what it tracks; the facts
 * are those both know. */
static void path_join(const struct cc_paths_walk *w, struct cc_path *into,
		      const struct cc_path *b)
{
	int k = 0;

	w->ops->join(into, b);
	for (int i = 0; i < into->nfacts; i++)
		if (path_fact_find(b, into->facts[i].cond) == (int)into->facts[i].value)
			into->facts[k++] = into->facts[i];
	into->nfacts = k;
}

/* Add a path where paths meet: joined with one that knows the same facts,
 * else kept apart; when there are too many, joined with one in the same
 * state for the pass (or the last one), which then knows less: a join
 * only loses precision, never hides a problem. */
static void paths_add(const struct cc_paths_walk *w, struct cc_paths *s,
		      const struct cc_path *p)
{
	for (int i = 0; i < s->n; i++) {
		if (path_same_facts(&s->p[i], p)) {
			path_join(w, &s->p[i], p);
			return;
		}
	}
	if (s->n < CC_PATHS) {
		s->p[s->n++] = *p;
		return;
	}
	for (int i = 0; i < s->n; i++) {
		if (w->ops->same(&s->p[i], p)) {
			path_join(w, &s->p[i], p);
			return;
		}
	}
	path_join(w, &s->p[s->n - 1], p);
}

void cc_paths_merge(const struct cc_paths_walk *w, struct cc_paths *into,
		    const struct cc_paths *b)
{
	for (int i = 0; i < b->n; i++)
		paths_add(w, into, &b->p[i]);
}

void cc_paths_expr(struct cc_paths_walk *w, const struct cc_expr *e, struct cc_paths *s)
{
	if (!e || !s->n)
		return;
	switch (e->kind) {
	case E_VAR:
		if (w->ops->var)
			w->ops->var(w, e, s);
		break;
	case E_UNARY:
		cc_paths_expr(w, e->u.unary.e, s);
		break;
	case E_BINARY:
		cc_paths_expr(w, e->u.binary.l, s);
		cc_paths_expr(w, e->u.binary.r, s);
		break;
	case E_CALL:
		for (int i = 0; i < e->u.call.nargs; i++)
			cc_paths_expr(w, e->u.call.args[i], s);
		if (s->n)
			w->ops->call(w, e, s);
		break;
	default:
		break;
	}
}

/* A condition: *t is the state where it is true, *f where it is false.
 * The pass evaluates a condition that is not && || ! and says what it
 * means on each path; a condition that only reads is remembered on each
 * path with its answer, and tested again on a path that knows it, the
 * path goes only where that answer leads. */
void cc_paths_cond(struct cc_paths_walk *w, const struct cc_expr *e,
		   const struct cc_paths *in, struct cc_paths *t, struct cc_paths *f)
{
	struct cc_paths a, b, c, d;

	if (e->kind == E_UNARY && e->u.unary.op == U_NOT) {
		cc_paths_cond(w, e->u.unary.e, in, f, t);
		return;
	}
	if (e->kind == E_BINARY && (e->u.binary.op == B_AND || e->u.binary.op == B_OR)) {
		cc_paths_cond(w, e->u.binary.l, in, &a, &b);
		if (e->u.binary.op == B_AND) {
			cc_paths_cond(w, e->u.binary.r, &a, &c, &d);
			*t = c;
			*f = b;
			cc_paths_merge(w, f, &d);
		} else {
			cc_paths_cond(w, e->u.binary.r, &b, &c, &d);
			*t = a;
			cc_paths_merge(w, t, &c);
			*f = d;
		}
		return;
	}
	a = *in;
	if (w->ops->cond_eval)
		w->ops->cond_eval(w, e, &a);
	else
		cc_paths_expr(w, e, &a);
	bool track = cc_sema_expr_readonly(e);
	t->n = f->n = 0;
	for (int i = 0; i < a.n; i++) {
		const struct cc_path *p = &a.p[i];
		int known = track ? path_fact_find(p, e) : -1;
		struct cc_path tp = *p, fp = *p;
		if (w->ops->cond_path)
			w->ops->cond_path(w, e, p, &tp, &fp);
		if (known != 0) {
			if (track && known < 0)
				path_fact_add(&tp, e, true);
			paths_add(w, t, &tp);
		}
		if (known != 1) {
			if (track && known < 0)
				path_fact_add(&fp, e, false);
			paths_add(w, f, &fp);
		}
	}
}

void cc_paths_stmt(struct cc_paths_walk *w, const struct cc_stmt *st, struct cc_paths *s)
{
	if (!st || !s->n || --w->budget < 0)
		return;
	if (w->ops->stmt)
		w->ops->stmt(w, st, s);
	else
		cc_paths_flow(w, st, s);
}

void cc_paths_list(struct cc_paths_walk *w, const struct cc_stmt *st, struct cc_paths *s)
{
	for (; st && s->n; st = st->next)
		cc_paths_stmt(w, st, s);
}

void cc_paths_flow(struct cc_paths_walk *w, const struct cc_stmt *st, struct cc_paths *s)
{
	switch (st->kind) {
	case S_EXPR:
		cc_paths_expr(w, st->u.expr, s);
		break;
	case S_IF: {
		struct cc_paths t, f;
		cc_paths_cond(w, st->u.if_.cond, s, &t, &f);
		cc_paths_stmt(w, st->u.if_.then, &t);
		cc_paths_stmt(w, st->u.if_.els, &f);
		*s = t;
		cc_paths_merge(w, s, &f);
		break;
	}
	case S_BLOCK:
		cc_paths_list(w, st->u.block.first, s);
		break;
	case S_EXIT:
	case S_DROP:
		s->n = 0;
		break;
	case S_BREAK:
		if (w->brk)
			cc_paths_merge(w, w->brk, s);
		s->n = 0;
		break;
	case S_WHILE: {
		/* Zero, one or more passes: the state at the head of the loop is
		 * the state before it met with the end of every pass, so the
		 * body is walked again from the met state until it no longer
		 * changes (the states of a pass form a finite lattice). The loop
		 * is left where its condition is false at the head (its bound
		 * can end any pass too) and at its breaks. */
		struct cc_paths brk = { 0 }, *outer = w->brk, head = *s, out = { 0 }, t, f;
		w->brk = &brk;
		for (int pass = 0; pass < 16 && w->budget >= 0; pass++) {
			cc_paths_cond(w, st->u.while_.cond, &head, &t, &f);
			cc_paths_merge(w, &out, &t);
			cc_paths_merge(w, &out, &f);
			cc_paths_stmt(w, st->u.while_.body, &t);
			struct cc_paths next = head;
			cc_paths_merge(w, &next, &t);
			if (paths_same(w, &next, &head))
				break;
			head = next;
		}
		w->brk = outer;
		*s = out;
		cc_paths_merge(w, s, &brk);
		break;
	}
	case S_SWITCH: {
		struct cc_paths brk = { 0 }, *outer = w->brk, cur = { 0 }, before;
		bool has_default = false;
		cc_paths_expr(w, st->u.switch_.subject, s);
		before = *s;
		w->brk = &brk;
		for (const struct cc_case *c = st->u.switch_.cases; c; c = c->next) {
			/* dispatched here (the subject is one of the case's
			 * values), or fell through */
			struct cc_paths in = before;
			for (int k = 0; w->ops->case_path && !c->is_default && k < in.n; k++)
				w->ops->case_path(w, st->u.switch_.subject, c, &in.p[k]);
			cc_paths_merge(w, &cur, &in);
			has_default |= c->is_default;
			cc_paths_list(w, c->first, &cur);
		}
		w->brk = outer;
		*s = cur;
		cc_paths_merge(w, s, &brk);
		if (!has_default)
			cc_paths_merge(w, s, &before);
		break;
	}
	default:
		/* return, route(), assignments and declarations: the pass's */
		break;
	}
}
