/* Reads of a variable before it is assigned, checked again path by path.
 *
 * The definite-assignment pass of sema_expr.c meets the states of all
 * paths where they join, so a variable assigned under a condition and read
 * under the same condition tested again looks unassigned there. That pass
 * only records which variables it saw read without a value; this walk
 * follows the route once more, keeping paths apart by the conditions they
 * know (as the path checks of sema_lint.c do: a condition that only reads
 * keeps its answer until a call that is not readonly or an assignment to
 * what it reads), and reports a variable at the first read some path
 * really reaches without a value. Named routes are not followed: a call
 * of one that always exits ends the path, any other may change the
 * message. */
#include <string.h>
#include "sema_int.h"

enum { UN_FACTS = 8, UN_PATHS = 8, UN_VARS = 64 };

struct un_fact {
	const struct cc_expr *cond;
	bool value;
};

/* One class of paths: the variables assigned on it (bit = index) and the
 * conditions it knows. */
struct un_path {
	uint64_t set;
	int nfacts;
	struct un_fact facts[UN_FACTS];
};

struct un_state {
	int n;                        /* 0: no path reaches here */
	struct un_path p[UN_PATHS];
};

struct un {
	uint64_t pending;             /* variables the first pass saw read unassigned */
	const struct cc_expr **first; /* per variable: the first read without a value */
	struct un_state *brk;         /* the innermost loop or switch: at its breaks */
	long budget;                  /* statements left to visit */
};

static int un_fact_find(const struct un_path *p, const struct cc_expr *cond)
{
	for (int i = 0; i < p->nfacts; i++)
		if (cc_sema_expr_same(p->facts[i].cond, cond))
			return p->facts[i].value;
	return -1;
}

static void un_fact_add(struct un_path *p, const struct cc_expr *cond, bool value)
{
	if (p->nfacts == UN_FACTS) {
		memmove(p->facts, p->facts + 1, sizeof p->facts[0] * (UN_FACTS - 1));
		p->nfacts--;
	}
	p->facts[p->nfacts].cond = cond;
	p->facts[p->nfacts++].value = value;
}

static void un_forget(struct un_state *s, enum cc_sema_write kind, const void *which)
{
	for (int i = 0; i < s->n; i++) {
		struct un_path *p = &s->p[i];
		int k = 0;
		for (int j = 0; j < p->nfacts; j++)
			if (!cc_sema_expr_reads(p->facts[j].cond, kind, which))
				p->facts[k++] = p->facts[j];
		p->nfacts = k;
	}
}

static bool un_same_facts(const struct un_path *a, const struct un_path *b)
{
	if (a->nfacts != b->nfacts)
		return false;
	for (int i = 0; i < a->nfacts; i++)
		if (un_fact_find(b, a->facts[i].cond) != (int)a->facts[i].value)
			return false;
	return true;
}

/* Join b into into: assigned where both are, the facts both know. */
static void un_join(struct un_path *into, const struct un_path *b)
{
	int k = 0;

	into->set &= b->set;
	for (int i = 0; i < into->nfacts; i++)
		if (un_fact_find(b, into->facts[i].cond) == (int)into->facts[i].value)
			into->facts[k++] = into->facts[i];
	into->nfacts = k;
}

/* Add a path where paths meet: joined with one that knows the same facts,
 * else kept apart; when there are too many, joined with one assigning the
 * same variables (or the last one), which knows less but stays sound. */
static void un_add(struct un_state *s, const struct un_path *p)
{
	for (int i = 0; i < s->n; i++) {
		if (un_same_facts(&s->p[i], p)) {
			un_join(&s->p[i], p);
			return;
		}
	}
	if (s->n < UN_PATHS) {
		s->p[s->n++] = *p;
		return;
	}
	for (int i = 0; i < s->n; i++) {
		if (s->p[i].set == p->set) {
			un_join(&s->p[i], p);
			return;
		}
	}
	un_join(&s->p[s->n - 1], p);
}

static void un_merge(struct un_state *into, const struct un_state *b)
{
	for (int i = 0; i < b->n; i++)
		un_add(into, &b->p[i]);
}

static bool un_same(const struct un_state *a, const struct un_state *b)
{
	if (a->n != b->n)
		return false;
	for (int i = 0; i < a->n; i++)
		if (a->p[i].set != b->p[i].set || !un_same_facts(&a->p[i], &b->p[i]))
			return false;
	return true;
}

static void un_set(struct un_state *s, const struct cc_var *v, bool assigned)
{
	for (int i = 0; i < s->n; i++) {
		if (assigned)
			s->p[i].set |= (uint64_t)1 << v->index;
		else
			s->p[i].set &= ~((uint64_t)1 << v->index);
	}
	un_forget(s, CC_W_VAR, v);
}

/* Evaluate e on every path: its reads are checked, its calls change what
 * is known. */
static void un_expr(struct un *u, const struct cc_expr *e, struct un_state *s)
{
	if (!e || !s->n)
		return;
	switch (e->kind) {
	case E_VAR: {
		const struct cc_var *v = e->u.var.var;
		if (!v || !(u->pending & ((uint64_t)1 << v->index)) || u->first[v->index])
			break;
		for (int i = 0; i < s->n; i++)
			if (!(s->p[i].set & ((uint64_t)1 << v->index)))
				u->first[v->index] = e;
		break;
	}
	case E_UNARY:
		un_expr(u, e->u.unary.e, s);
		break;
	case E_BINARY:
		un_expr(u, e->u.binary.l, s);
		un_expr(u, e->u.binary.r, s);
		break;
	case E_CALL:
		for (int i = 0; i < e->u.call.nargs; i++)
			un_expr(u, e->u.call.args[i], s);
		if (e->u.call.route && e->u.call.route->always_exits)
			s->n = 0;
		else if (e->u.call.route || !e->u.call.fn ||
			 !(e->u.call.fn->marks & CC_MARK_READONLY))
			un_forget(s, CC_W_MESSAGE, NULL);
		break;
	default:
		break;
	}
}

/* A condition: *t where it is true, *f where it is false; a path that
 * knows the answer of a condition that only reads goes only one way. */
static void un_cond(struct un *u, const struct cc_expr *e, const struct un_state *in,
		    struct un_state *t, struct un_state *f)
{
	struct un_state a, b, c, d;

	if (e->kind == E_UNARY && e->u.unary.op == U_NOT) {
		un_cond(u, e->u.unary.e, in, f, t);
		return;
	}
	if (e->kind == E_BINARY && (e->u.binary.op == B_AND || e->u.binary.op == B_OR)) {
		un_cond(u, e->u.binary.l, in, &a, &b);
		if (e->u.binary.op == B_AND) {
			un_cond(u, e->u.binary.r, &a, &c, &d);
			*t = c;
			*f = b;
			un_merge(f, &d);
		} else {
			un_cond(u, e->u.binary.r, &b, &c, &d);
			*t = a;
			un_merge(t, &c);
			*f = d;
		}
		return;
	}
	a = *in;
	un_expr(u, e, &a);
	bool track = cc_sema_expr_readonly(e);
	t->n = f->n = 0;
	for (int i = 0; i < a.n; i++) {
		int known = track ? un_fact_find(&a.p[i], e) : -1;
		struct un_path tp = a.p[i], fp = a.p[i];
		if (known != 0) {
			if (track && known < 0)
				un_fact_add(&tp, e, true);
			un_add(t, &tp);
		}
		if (known != 1) {
			if (track && known < 0)
				un_fact_add(&fp, e, false);
			un_add(f, &fp);
		}
	}
}

static void un_stmt(struct un *u, const struct cc_stmt *st, struct un_state *s);

static void un_list(struct un *u, const struct cc_stmt *st, struct un_state *s)
{
	for (; st && s->n; st = st->next)
		un_stmt(u, st, s);
}

static void un_stmt(struct un *u, const struct cc_stmt *st, struct un_state *s)
{
	if (!st || !s->n || --u->budget < 0)
		return;
	switch (st->kind) {
	case S_EXPR:
		un_expr(u, st->u.expr, s);
		break;
	case S_IF: {
		struct un_state t, f;
		un_cond(u, st->u.if_.cond, s, &t, &f);
		un_stmt(u, st->u.if_.then, &t);
		un_stmt(u, st->u.if_.els, &f);
		*s = t;
		un_merge(s, &f);
		break;
	}
	case S_BLOCK:
		un_list(u, st->u.block.first, s);
		break;
	case S_EXIT:
	case S_DROP:
		s->n = 0;
		break;
	case S_RETURN:
		un_expr(u, st->u.ret.value, s);
		s->n = 0;
		break;
	case S_BREAK:
		if (u->brk)
			un_merge(u->brk, s);
		s->n = 0;
		break;
	case S_ROUTE:
		if (st->u.route_call.target && st->u.route_call.target->always_exits)
			s->n = 0;
		else
			un_forget(s, CC_W_MESSAGE, NULL);
		break;
	case S_ASSIGN:
		un_expr(u, st->u.assign.value, s);
		if (st->u.assign.lv == CC_LV_VAR && st->u.assign.var)
			un_set(s, st->u.assign.var, true);
		else if (st->u.assign.lv == CC_LV_AVP)
			un_forget(s, CC_W_AVP, st->u.assign.avp);
		else
			un_forget(s, CC_W_MESSAGE, NULL);
		break;
	case S_VAR:
		un_expr(u, st->u.var.init, s);
		if (st->u.var.var)
			un_set(s, st->u.var.var,
			       st->u.var.init || st->u.var.var->type == CC_TY_ERROR);
		break;
	case S_WHILE: {
		/* Zero or more passes, until the state at the head is stable;
		 * left where the condition is false (or the bound ends a pass)
		 * and at the breaks. */
		struct un_state brk = { 0 }, *outer = u->brk, head = *s, out = { 0 }, t, f;
		u->brk = &brk;
		for (int pass = 0; pass < 16 && u->budget >= 0; pass++) {
			un_cond(u, st->u.while_.cond, &head, &t, &f);
			un_merge(&out, &t);
			un_merge(&out, &f);
			un_stmt(u, st->u.while_.body, &t);
			struct un_state next = head;
			un_merge(&next, &t);
			if (un_same(&next, &head))
				break;
			head = next;
		}
		u->brk = outer;
		*s = out;
		un_merge(s, &brk);
		break;
	}
	case S_SWITCH: {
		struct un_state brk = { 0 }, *outer = u->brk, cur = { 0 }, before;
		bool has_default = false;
		un_expr(u, st->u.switch_.subject, s);
		before = *s;
		u->brk = &brk;
		for (const struct cc_case *c = st->u.switch_.cases; c; c = c->next) {
			un_merge(&cur, &before);
			has_default |= c->is_default;
			un_list(u, c->first, &cur);
		}
		u->brk = outer;
		*s = cur;
		un_merge(s, &brk);
		if (!has_default)
			un_merge(s, &before);
		break;
	}
	}
}

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
	struct un u = { 0 };
	bool any = false;

	for (int i = 0; i < r->nvars && i < s->capvars; i++)
		any |= s->uninit_read[i] != NULL;
	if (!any)
		return;
	u.first = cc_alloc(sizeof *u.first * ((size_t)r->nvars + 1));
	u.budget = 200000;
	for (int i = 0; i < r->nvars && i < UN_VARS; i++)
		if (s->uninit_read[i])
			u.pending |= (uint64_t)1 << i;
	struct un_state *st = cc_alloc(sizeof *st);
	st->n = 1;
	for (const struct cc_var *v = r->vars; v; v = v->next)
		if (v->is_param && v->index < UN_VARS)
			st->p[0].set |= (uint64_t)1 << v->index;
	if (r->body)
		un_stmt(&u, r->body, st);
	for (const struct cc_var *v = r->vars; v; v = v->next) {
		const struct cc_expr *read = v->index < s->capvars ? s->uninit_read[v->index] : NULL;
		if (!read)
			continue;
		/* Beyond what the walk tracks, or too big to walk: the first
		 * pass's finding stands. */
		if (v->index >= UN_VARS || u.budget < 0)
			cc_sema_uninit_report(v, read, s->uninit_loop[v->index]);
		else if (u.first[v->index])
			cc_sema_uninit_report(v, u.first[v->index], s->uninit_loop[v->index]);
	}
}
