#include <stdio.h>
#include <string.h>
#include "sema_int.h"

static void cc_sema_flow_edge(struct cc_sema *s, struct cc_route *from, struct cc_stmt *call,
			      struct cc_route *to);

/* Resolve one route(name) call and record it as an edge of the call
 * graph. Only named subroutes can be called. */
static void cc_sema_flow_call(struct cc_sema *s, struct cc_route *from, struct cc_stmt *st)
{
	const char *name = st->u.route_call.name;
	struct cc_route *to = cc_find_route(s->p, name);

	if (!to) {
		struct cc_suggest sg;
		cc_suggest_init(&sg, name);
		for (int i = 0; i < s->nroutes; i++)
			if (s->routes[i]->kind == CC_RK_NAMED)
				cc_suggest_add(&sg, s->routes[i]->name);
		cc_diag_report(CC_D_UNKNOWN_ROUTE, st->u.route_call.name_loc,
			       "unknown route '%s'%s", name, cc_suggest_text(&sg));
		return;
	}
	if (to->kind != CC_RK_NAMED) {
		cc_diag_report(CC_D_ROUTE_REF_KIND, st->u.route_call.name_loc,
			       "route(%s) can only call a named route, but '%s' is %s",
			       name, name, cc_sema_route_kind_desc(to));
		cc_diag_note(to->loc, "'%s' is defined here", name);
		return;
	}
	st->u.route_call.target = to;
	s->referenced[to->index] = true;
	cc_sema_flow_edge(s, from, st, to);
}

static void cc_sema_flow_edge(struct cc_sema *s, struct cc_route *from, struct cc_stmt *call,
			      struct cc_route *to)
{
	struct cc_sema_edge *e = cc_alloc(sizeof *e), **tail;

	e->call = call;
	e->to = to;
	for (tail = &s->edges[from->index]; *tail; tail = &(*tail)->next)
		;
	*tail = e;
}

struct cc_flow_expr_ctx {
	struct cc_sema *s;
	struct cc_route *from;
	struct cc_stmt *st;
};

/* name(args) in an expression calls a named route: an edge too. */
static void cc_sema_flow_expr(struct cc_expr *e, void *arg)
{
	struct cc_flow_expr_ctx *c = arg;
	struct cc_route *to;

	if (e->kind != E_CALL || !(to = cc_sema_call_route(c->s, e)))
		return;
	c->s->referenced[to->index] = true;
	/* The edge's "call" is a statement; make one at the call so notes
	 * and recursion errors point at the call itself. */
	struct cc_stmt *at = cc_stmt_new(S_EXPR, e->loc);
	at->u.expr = e;
	cc_sema_flow_edge(c->s, c->from, at, to);
}

static void cc_sema_flow_walk(struct cc_sema *s, struct cc_route *from, struct cc_stmt *st)
{
	for (; st; st = st->next) {
		switch (st->kind) {
		case S_BLOCK:
			cc_sema_flow_walk(s, from, st->u.block.first);
			break;
		case S_IF:
			cc_sema_flow_walk(s, from, st->u.if_.then);
			cc_sema_flow_walk(s, from, st->u.if_.els);
			break;
		case S_WHILE:
			cc_sema_flow_walk(s, from, st->u.while_.body);
			break;
		case S_SWITCH:
			for (struct cc_case *c = st->u.switch_.cases; c; c = c->next)
				cc_sema_flow_walk(s, from, c->first);
			break;
		case S_ROUTE:
			cc_sema_flow_call(s, from, st);
			break;
		default:
			break;
		}
	}
}

void cc_sema_flow_graph(struct cc_sema *s)
{
	for (int i = 0; i < s->nroutes; i++) {
		struct cc_stmt *body = s->routes[i]->body;
		if (!body)
			continue;
		cc_sema_flow_walk(s, s->routes[i], body->u.block.first);
		struct cc_flow_expr_ctx c = { s, s->routes[i], NULL };
		cc_sema_walk_exprs(body->u.block.first, cc_sema_flow_expr, &c);
	}
}

enum { CC_WHITE, CC_GRAY, CC_BLACK };

/* Depth-first search for route() cycles; each back edge is one error,
 * reported at the call that closes the cycle. */
static void cc_sema_flow_dfs(struct cc_sema *s, int at, char *color, int *stack, int depth)
{
	color[at] = CC_GRAY;
	stack[depth] = at;
	for (struct cc_sema_edge *e = s->edges[at]; e; e = e->next) {
		int to = e->to->index;
		if (color[to] == CC_WHITE) {
			cc_sema_flow_dfs(s, to, color, stack, depth + 1);
			continue;
		}
		if (color[to] != CC_GRAY)
			continue;
		size_t n = 64;
		int first = depth;
		while (first > 0 && stack[first] != to)
			first--;
		for (int i = first; i <= depth; i++)
			n += strlen(s->routes[stack[i]]->name) + 4;
		char *chain = cc_alloc(n + strlen(e->to->name));
		size_t off = 0;
		for (int i = first; i <= depth; i++)
			off += (size_t)sprintf(chain + off, "%s -> ", s->routes[stack[i]]->name);
		sprintf(chain + off, "%s", e->to->name);
		if (to == at)
			cc_diag_report(CC_D_RECURSION, e->call->loc,
				       "route '%s' calls itself", e->to->name);
		else
			cc_diag_report(CC_D_RECURSION, e->call->loc,
				       "recursive route call: %s", chain);
		cc_diag_note((struct cc_loc){0},
			     "route() calls must not form a cycle: the proxy would never finish the message");
	}
	color[at] = CC_BLACK;
}

void cc_sema_flow_recursion(struct cc_sema *s)
{
	char *color = cc_alloc((size_t)s->nroutes + 1);
	int *stack = cc_alloc(sizeof *stack * ((size_t)s->nroutes + 1));

	for (int i = 0; i < s->nroutes; i++)
		if (color[i] == CC_WHITE)
			cc_sema_flow_dfs(s, i, color, stack, 0);
}

static void cc_sema_flow_mark(struct cc_sema *s, int at, unsigned bit, char *seen)
{
	seen[at] = 1;
	s->routes[at]->used_from |= bit;
	for (struct cc_sema_edge *e = s->edges[at]; e; e = e->next)
		if (!seen[e->to->index])
			cc_sema_flow_mark(s, e->to->index, bit, seen);
}

/* Compute used_from: the entry kinds each route runs under. */
void cc_sema_flow_reach(struct cc_sema *s)
{
	char *seen = cc_alloc((size_t)s->nroutes + 1);

	for (int i = 0; i < s->nroutes; i++) {
		struct cc_route *r = s->routes[i];
		if (r->kind == CC_RK_NAMED)
			continue;
		memset(seen, 0, (size_t)s->nroutes + 1);
		cc_sema_flow_mark(s, i, CC_RK_BIT(r->kind), seen);
	}
}

/* Find a path of route() calls from an entry route of kind k to target
 * (breadth first, so the shortest). Fills path[] with the edges taken,
 * sets *entry and returns the path's length (0: none). */
static int cc_sema_flow_path(struct cc_sema *s, enum cc_route_kind k,
			     const struct cc_route *target, struct cc_sema_edge **path,
			     struct cc_route **entry)
{
	int n = s->nroutes;
	struct cc_sema_edge **via = cc_alloc(sizeof *via * ((size_t)n + 1));
	int *parent = cc_alloc(sizeof *parent * ((size_t)n + 1));
	int *queue = cc_alloc(sizeof *queue * ((size_t)n + 1));

	for (int i = 0; i < n; i++) {
		if (s->routes[i]->kind != k)
			continue;
		int head = 0, tail = 0;
		for (int j = 0; j < n; j++)
			parent[j] = -1;
		queue[tail++] = i;
		parent[i] = i;
		while (head < tail) {
			int at = queue[head++];
			if (at == target->index) {
				int len = 0;
				for (int v = at; v != i; v = parent[v])
					len++;
				int pos = len;
				for (int v = at; v != i; v = parent[v])
					path[--pos] = via[v];
				*entry = s->routes[i];
				return len;
			}
			for (struct cc_sema_edge *e = s->edges[at]; e; e = e->next) {
				int to = e->to->index;
				if (parent[to] >= 0)
					continue;
				parent[to] = at;
				via[to] = e;
				queue[tail++] = to;
			}
		}
	}
	return 0;
}

/* Explain why a named route runs under the route kinds in bad_kinds: one
 * note per kind, at the call in the entry route that leads to it. */
void cc_sema_flow_notes(struct cc_sema *s, const struct cc_route *target,
			unsigned bad_kinds)
{
	struct cc_sema_edge **path = cc_alloc(sizeof *path * ((size_t)s->nroutes + 1));

	for (int k = 0; k < CC_RK_NAMED; k++) {
		if (!(bad_kinds & CC_RK_BIT(k)))
			continue;
		struct cc_route *entry = NULL;
		int len = cc_sema_flow_path(s, (enum cc_route_kind)k, target, path, &entry);
		if (len == 0)
			continue;
		if (len == 1) {
			cc_diag_note(path[0]->call->loc, "'%s' is called from %s here",
				     target->name, cc_sema_route_desc(entry));
			continue;
		}
		size_t n = strlen(entry->name) + 64;
		for (int i = 0; i < len; i++)
			n += strlen(path[i]->to->name) + 4;
		char *chain = cc_alloc(n);
		size_t off = (size_t)sprintf(chain, "%s", entry->name);
		for (int i = 0; i < len; i++)
			off += (size_t)sprintf(chain + off, " -> %s", path[i]->to->name);
		cc_diag_note(path[0]->call->loc, "'%s' is reached from %s here (%s)",
			     target->name, cc_sema_route_desc(entry), chain);
	}
}

const struct cc_stmt *cc_sema_terminator(const struct cc_stmt *st)
{
	if (!st)
		return NULL;
	switch (st->kind) {
	case S_EXIT:
	case S_DROP:
	case S_RETURN:
	case S_BREAK:
		return st;
	case S_BLOCK:
		for (const struct cc_stmt *t = st->u.block.first; t; t = t->next)
			if (cc_sema_terminator(t))
				return cc_sema_terminator(t);
		return NULL;
	case S_IF:
		if (st->u.if_.els && cc_sema_terminator(st->u.if_.then) &&
		    cc_sema_terminator(st->u.if_.els))
			return st;
		return NULL;
	default:
		return NULL;
	}
}

/* How control can leave a statement: by going on after it, by a return,
 * by a break. */
enum { CC_OUT_FALL = 1u << 0, CC_OUT_RET = 1u << 1, CC_OUT_BRK = 1u << 2 };

static bool cc_sema_flow_exits(struct cc_sema *s, struct cc_route *r, char *state);

/* The named route a statement calls as a whole (route(NAME); or
 * NAME(args);), NULL when it calls none. */
static struct cc_route *cc_sema_flow_called(struct cc_sema *s, const struct cc_stmt *st)
{
	if (st->kind == S_ROUTE)
		return st->u.route_call.target;
	if (st->kind == S_EXPR && st->u.expr->kind == E_CALL)
		return cc_sema_call_route(s, st->u.expr);
	return NULL;
}

static unsigned cc_sema_flow_out(struct cc_sema *s, const struct cc_stmt *st, char *state);

static unsigned cc_sema_flow_list(struct cc_sema *s, const struct cc_stmt *st, char *state)
{
	unsigned acc = 0;

	for (; st; st = st->next) {
		unsigned o = cc_sema_flow_out(s, st, state);
		acc |= o & (CC_OUT_RET | CC_OUT_BRK);
		if (!(o & CC_OUT_FALL))
			return acc;
	}
	return acc | CC_OUT_FALL;
}

static unsigned cc_sema_flow_out(struct cc_sema *s, const struct cc_stmt *st, char *state)
{
	struct cc_route *to;
	unsigned o;

	if (!st)
		return CC_OUT_FALL;
	switch (st->kind) {
	case S_EXIT:
	case S_DROP:
		return 0;
	case S_RETURN:
		return CC_OUT_RET;
	case S_BREAK:
		return CC_OUT_BRK;
	case S_BLOCK:
		return cc_sema_flow_list(s, st->u.block.first, state);
	case S_IF:
		return cc_sema_flow_out(s, st->u.if_.then, state) |
		       (st->u.if_.els ? cc_sema_flow_out(s, st->u.if_.els, state) : CC_OUT_FALL);
	case S_WHILE:
		/* The body may not run; a break in it goes on after the loop. */
		o = cc_sema_flow_out(s, st->u.while_.body, state);
		return CC_OUT_FALL | (o & CC_OUT_RET);
	case S_SWITCH: {
		bool has_default = false;
		o = 0;
		for (const struct cc_case *c = st->u.switch_.cases; c; c = c->next) {
			has_default |= c->is_default;
			unsigned co = cc_sema_flow_list(s, c->first, state);
			o |= co & CC_OUT_RET;
			if (co & CC_OUT_BRK)
				o |= CC_OUT_FALL;
			if ((co & CC_OUT_FALL) && !c->next)
				o |= CC_OUT_FALL;
		}
		return o | (has_default ? 0 : CC_OUT_FALL);
	}
	default:
		to = cc_sema_flow_called(s, st);
		return to && cc_sema_flow_exits(s, to, state) ? 0 : CC_OUT_FALL;
	}
}

/* Does every path through r end in exit or drop? state[i]: 0 not known
 * yet, 1 being computed (a cycle, reported elsewhere: taken as "may
 * return"), 2 may return, 3 always exits. */
static bool cc_sema_flow_exits(struct cc_sema *s, struct cc_route *r, char *state)
{
	char *st = &state[r->index];

	if (*st == 0) {
		*st = 1;
		bool exits = r->body &&
			     !(cc_sema_flow_out(s, r->body, state) & (CC_OUT_FALL | CC_OUT_RET));
		*st = exits ? 3 : 2;
	}
	return *st == 3;
}

/* Mark the named routes that never come back to their caller: a variable
 * assigned before such a call need not be assigned after it, and a path
 * check ends the path there. */
void cc_sema_flow_always_exits(struct cc_sema *s)
{
	char *state = cc_alloc((size_t)s->nroutes + 1);

	for (int i = 0; i < s->nroutes; i++)
		if (s->routes[i]->kind == CC_RK_NAMED)
			s->routes[i]->always_exits = cc_sema_flow_exits(s, s->routes[i], state);
}
