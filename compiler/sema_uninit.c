/* Reads of a variable before it is assigned, checked again path by path.
 *
 * The definite-assignment pass of sema_stmt.c meets the states of all
 * paths where they join, so a variable assigned under a condition and read
 * under the same condition tested again looks unassigned there. That pass
 * only records which variables it saw read without a value; this walk
 * follows the route once more, keeping paths apart by the conditions they
 * know (as the path checks of sema_lint.c do: a condition that only reads
 * keeps its answer until a call that is not readonly or an assignment to
 * what it reads), and reports a variable at the first read some path
 * really reaches without a value. The walk is sema_paths.c's. Named
 * routes are not followed: a call of one that always exits ends the path,
 * any other may change the message. */
#include "sema_int.h"

enum { UN_VARS = 64 };

/* The walk (sema_paths.c) with what this pass keeps: on each path, the
 * variables assigned on it (cc_path.set). */
struct un {
	struct cc_paths_walk w;
	uint64_t pending;             /* variables the first pass saw read unassigned */
	const struct cc_expr **first; /* per variable: the first read without a value */
};

static bool un_same(const struct cc_path *a, const struct cc_path *b)
{
	return a->set == b->set;
}

/* Where paths join, a variable is assigned where it is on both. */
static void un_join(struct cc_path *into, const struct cc_path *b)
{
	into->set &= b->set;
}

static void un_set(struct cc_paths *s, const struct cc_var *v, bool assigned)
{
	for (int i = 0; i < s->n; i++) {
		if (assigned)
			s->p[i].set |= (uint64_t)1 << v->index;
		else
			s->p[i].set &= ~((uint64_t)1 << v->index);
	}
	cc_paths_forget(s, CC_W_VAR, v);
}

/* A read of a variable: the first one some path reaches without a value. */
static void un_var(struct cc_paths_walk *w, const struct cc_expr *e, struct cc_paths *s)
{
	struct un *u = (struct un *)w;
	const struct cc_var *v = e->u.var.var;

	if (!v || !(u->pending & ((uint64_t)1 << v->index)) || u->first[v->index])
		return;
	for (int i = 0; i < s->n; i++)
		if (!(s->p[i].set & ((uint64_t)1 << v->index)))
			u->first[v->index] = e;
}

/* A call of a named route that always exits ends the path; a call that
 * is not readonly makes what the message says unknown. */
static void un_call(struct cc_paths_walk *w, const struct cc_expr *e, struct cc_paths *s)
{
	(void)w;
	if (e->u.call.route && e->u.call.route->always_exits)
		s->n = 0;
	else if (e->u.call.route || !e->u.call.fn || !(e->u.call.fn->marks & CC_MARK_READONLY))
		cc_paths_forget(s, CC_W_MESSAGE, NULL);
}

static void un_stmt(struct cc_paths_walk *w, const struct cc_stmt *st, struct cc_paths *s)
{
	switch (st->kind) {
	case S_RETURN:
		cc_paths_expr(w, st->u.ret.value, s);
		s->n = 0;
		break;
	case S_ROUTE:
		if (st->u.route_call.target && st->u.route_call.target->always_exits)
			s->n = 0;
		else
			cc_paths_forget(s, CC_W_MESSAGE, NULL);
		break;
	case S_ASSIGN:
		cc_paths_expr(w, st->u.assign.value, s);
		if (st->u.assign.lv == CC_LV_VAR && st->u.assign.var)
			un_set(s, st->u.assign.var, true);
		else if (st->u.assign.lv == CC_LV_AVP)
			cc_paths_forget(s, CC_W_AVP, st->u.assign.avp);
		else
			cc_paths_forget(s, CC_W_MESSAGE, NULL);
		break;
	case S_VAR:
		cc_paths_expr(w, st->u.var.init, s);
		if (st->u.var.var)
			un_set(s, st->u.var.var,
			       st->u.var.init || st->u.var.var->type == CC_TY_ERROR);
		break;
	default:
		cc_paths_flow(w, st, s);
		break;
	}
}

static const struct cc_paths_ops un_ops = {
	.same = un_same,
	.join = un_join,
	.stmt = un_stmt,
	.call = un_call,
	.var = un_var,
};

static void cc_sema_uninit_report(const struct cc_var *v, const struct cc_expr *at,
				  const struct cc_stmt *loop)
{
	cc_diag_report(CC_D_UNINIT, at->loc,
		       "variable '%s' is used before it is assigned on some path", v->name);
	cc_diag_note(v->loc, "'%s' is declared here without a value", v->name);
	if (loop)
		cc_diag_note(loop->loc, "'%s' is assigned in this loop, whose body may run zero times",
			     v->name);
}

void cc_sema_uninit_check(struct cc_sema *s)
{
	struct cc_route *r = s->cur;
	struct un u = { .w = { .ops = &un_ops } };
	bool any = false;

	for (int i = 0; i < r->nvars && i < s->capvars; i++)
		any |= s->uninit_read[i] != NULL;
	if (!any)
		return;
	u.first = cc_alloc(sizeof *u.first * ((size_t)r->nvars + 1));
	u.w.budget = 200000;
	for (int i = 0; i < r->nvars && i < UN_VARS; i++)
		if (s->uninit_read[i])
			u.pending |= (uint64_t)1 << i;
	struct cc_paths *st = cc_alloc(sizeof *st);
	st->n = 1;
	for (const struct cc_var *v = r->vars; v; v = v->next)
		if (v->is_param && v->index < UN_VARS)
			st->p[0].set |= (uint64_t)1 << v->index;
	if (r->body)
		cc_paths_stmt(&u.w, r->body, st);
	for (const struct cc_var *v = r->vars; v; v = v->next) {
		const struct cc_expr *read = v->index < s->capvars ? s->uninit_read[v->index] : NULL;
		if (!read)
			continue;
		/* Beyond what the walk tracks, or too big to walk: the first
		 * pass's finding stands. */
		if (v->index >= UN_VARS || u.w.budget < 0)
			cc_sema_uninit_report(v, read, s->uninit_loop[v->index]);
		else if (u.first[v->index])
			cc_sema_uninit_report(v, u.first[v->index], s->uninit_loop[v->index]);
	}
}
