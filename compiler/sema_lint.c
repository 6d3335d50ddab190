/* Path checks of the request route: what a request has been through when
 * it is relayed, saved or left without an answer.
 *
 * The request route (and every named route it calls, followed at each call
 * with the caller's state) is walked as a small abstract interpreter. The
 * state of a path says which checks succeeded on it (authentication, a
 * trusted source, a local-domain check, an existing dialog or transaction),
 * whether its destination may be a gateway, whether it has answered or
 * forwarded the request, and whether its dialog is tracked (so that a
 * dialog variable written there is kept). Where paths join, a check counts only when it
 * succeeded on all of them, a gateway destination when it is set on any.
 *
 * Which function does what comes from the "marks(...)" of the stdlib
 * declarations and which define names a gateway from "@gateway"; nothing
 * here knows a function by its name. */
#include <stdio.h>
#include <string.h>
#include "sema_int.h"

enum {
	LS_AUTH = 1u << 0,      /* authenticated or from a trusted source */
	LS_LOCAL = 1u << 1,     /* for one of our domains */
	LS_DIALOG = 1u << 2,    /* in a dialog or transaction already let through */
	LS_FINAL = 1u << 3,     /* answered, forwarded or saved */
	LS_TRACKED = 1u << 5,   /* its dialog is tracked (dialog variables are kept) */
	LS_MUST = LS_AUTH | LS_LOCAL | LS_DIALOG | LS_FINAL | LS_TRACKED,
	LS_GATEWAY = 1u << 4,   /* may go to a gateway */
};

/* The paths of the walk (sema_paths.c) carry the LS_ bits, where a
 * gateway destination was set, the last statement and which variables may
 * hold a gateway's URI (struct cc_path). */

/* A call of a named route being followed, for the notes of a report. */
struct lint_frame {
	const struct cc_route *route;
	struct cc_loc call_loc;
	struct lint_frame *up;
};

struct lint {
	struct cc_paths_walk w;      /* first: the walk's callbacks get it */
	struct cc_sema *s;
	const struct cc_route *entry;
	struct lint_frame *frame;
	unsigned allow;              /* @allow of the enclosing routes and statements */
	/* The named route being followed: the state at its returns. */
	struct cc_paths *ret;
	const void **reported;       /* (expr, diag) pairs already reported */
	int nreported, capreported;
	/* Calls of named routes that returned a gateway's URI on some path. */
	const struct cc_expr **gw_calls;
	int ngw_calls, capgw_calls;
	bool ret_gw;                 /* the route being followed returned one */
};

static uint64_t lint_var_bit(const struct cc_var *v)
{
	return (uint64_t)1 << (v->index < 63 ? v->index : 63);
}

static uint64_t lint_attr_bit(const struct cc_avp_decl *a)
{
	return (uint64_t)1 << ((a->index & 31) + (a->dialog ? 32 : 0));
}

static bool lint_same_bits(const struct cc_path *a, const struct cc_path *b)
{
	return a->bits == b->bits && a->gw_vars == b->gw_vars && a->gw_attrs == b->gw_attrs &&
	       a->auth_vars == b->auth_vars;
}

/* Join path b into path into: a check counts when it holds on both, a
 * gateway destination when on either (the walk keeps the facts both
 * know). The end of a path without a final action is kept for the
 * report. */
static void lint_join(struct cc_path *into, const struct cc_path *b)
{
	unsigned must = into->bits & b->bits & LS_MUST;
	unsigned may = (into->bits | b->bits) & ~LS_MUST;

	if (!(into->bits & LS_GATEWAY) && (b->bits & LS_GATEWAY))
		into->gw_loc = b->gw_loc;
	if ((into->bits & LS_FINAL) && !(b->bits & LS_FINAL))
		into->end = b->end;
	into->bits = must | may;
	into->gw_vars |= b->gw_vars;
	into->gw_attrs |= b->gw_attrs;
	into->auth_vars &= b->auth_vars;
}

/* Every path is at statement loc now. */
static void lint_at(struct cc_paths *s, struct cc_loc loc)
{
	for (int i = 0; i < s->n; i++)
		s->p[i].end = loc;
}

/* True the first time (what, e) is seen: each problem is reported once
 * even when its route is followed from several calls. */
static bool lint_first(struct lint *l, const void *e, int what)
{
	for (int i = 0; i < l->nreported; i += 2)
		if (l->reported[i] == e && l->reported[i + 1] == (const void *)(long)what)
			return false;
	if (l->nreported + 2 > l->capreported) {
		int cap = l->capreported ? l->capreported * 2 : 32;
		const void **v = cc_alloc(sizeof *v * (size_t)cap);
		if (l->nreported)
			memcpy(v, l->reported, sizeof *v * (size_t)l->nreported);
		l->reported = v;
		l->capreported = cap;
	}
	l->reported[l->nreported++] = e;
	l->reported[l->nreported++] = (const void *)(long)what;
	return true;
}

/* "www_authorize, proxy_authorize or ip_in_net": the stdlib functions
 * carrying any of marks, to tell the user what would count. */
static const char *lint_fns_with(const struct cc_program *p, unsigned marks)
{
	size_t n = 1;
	int count = 0, i = 0;

	for (const struct cc_fn_decl *f = p->fns; f; f = f->next)
		if (f->marks & marks) {
			n += strlen(f->name) + 8;
			count++;
		}
	if (!count)
		return NULL;
	char *buf = cc_alloc(n), *o = buf;
	for (const struct cc_fn_decl *f = p->fns; f; f = f->next) {
		if (!(f->marks & marks))
			continue;
		o += sprintf(o, "%s%s()", i == 0 ? "" : i == count - 1 ? " or " : ", ", f->name);
		i++;
	}
	return buf;
}

/* The notes every report of a path problem carries: how the route with
 * the problem is reached from the request route. */
static void lint_chain_notes(struct lint *l)
{
	for (struct lint_frame *f = l->frame; f; f = f->up)
		cc_diag_note(f->call_loc, "'%s' is called here", f->route->name);
}

static void lint_relay(struct lint *l, const struct cc_expr *e, const struct cc_path *st)
{
	if (st->bits & (LS_AUTH | LS_DIALOG))
		return;
	const char *checks = lint_fns_with(l->s->p, CC_MARK_AUTH | CC_MARK_TRUSTED);
	if ((st->bits & LS_GATEWAY) && !(l->allow & CC_ALLOW_TOLL_FRAUD)) {
		if (!lint_first(l, e, CC_D_TOLL_FRAUD))
			return;
		cc_diag_report(CC_D_TOLL_FRAUD, e->loc,
			       "the request can reach a gateway without authentication or a "
			       "trusted-source check (toll fraud)");
		cc_diag_note(st->gw_loc, "the destination is set to a gateway here");
		lint_chain_notes(l);
		cc_diag_note((struct cc_loc){0}, "check %s before relaying, or write "
			     "@allow(toll_fraud) before the statement or route if the gateway "
			     "checks the caller itself", checks ? checks : "the caller");
		return;
	}
	if (st->bits & (LS_LOCAL | LS_GATEWAY) || (l->allow & CC_ALLOW_OPEN_RELAY))
		return;
	if (!lint_first(l, e, CC_D_OPEN_RELAY))
		return;
	const char *local = lint_fns_with(l->s->p, CC_MARK_LOCAL_CHECK);
	cc_diag_report(CC_D_OPEN_RELAY, e->loc,
		       "a request for any domain can be relayed here without authentication, "
		       "a trusted-source check or a local-domain check (open relay)");
	lint_chain_notes(l);
	cc_diag_note((struct cc_loc){0}, "check %s%s%s first, or write @allow(open_relay) "
		     "before the statement or route if relaying anywhere is intended",
		     local ? local : "", local && checks ? ", or " : "", checks ? checks : "");
}

static void lint_save(struct lint *l, const struct cc_expr *e, const struct cc_path *st)
{
	if (st->bits & LS_AUTH || (l->allow & CC_ALLOW_UNAUTH_REGISTER) ||
	    !lint_first(l, e, CC_D_UNAUTH_REGISTER))
		return;
	const char *checks = lint_fns_with(l->s->p, CC_MARK_AUTH | CC_MARK_TRUSTED);
	cc_diag_report(CC_D_UNAUTH_REGISTER, e->loc,
		       "a registration is saved without authentication: anyone can register "
		       "any address and receive its calls");
	lint_chain_notes(l);
	cc_diag_note((struct cc_loc){0}, "check %s before saving, or write "
		     "@allow(unauth_register) before the statement or route",
		     checks ? checks : "the credentials");
}

/* A dialog variable written where no dialog is tracked yet on some path:
 * the runtime has no dialog to keep it in and drops it. An in-dialog
 * request (a check marked dialog held) finds its dialog before routing. */
static void lint_dlgvar_write(struct lint *l, const struct cc_stmt *st,
			      const struct cc_path *s)
{
	if (st->u.assign.lv != CC_LV_AVP || !st->u.assign.avp || !st->u.assign.avp->dialog ||
	    (s->bits & (LS_TRACKED | LS_DIALOG)) || !lint_first(l, st, CC_D_DLGVAR_UNTRACKED))
		return;
	const char *track = lint_fns_with(l->s->p, CC_MARK_DIALOG_TRACK);
	cc_diag_report(CC_D_DLGVAR_UNTRACKED, st->loc,
		       "dialog variable '%s' is written where the dialog may not be tracked yet: "
		       "the value is not kept", st->u.assign.avp->name);
	lint_chain_notes(l);
	cc_diag_note((struct cc_loc){0}, "call %s on the initial INVITE before writing "
		     "dialog variables", track ? track : "a function that tracks the dialog");
}

static bool lint_has_gateway(const struct lint *l, const struct cc_path *p,
			     const struct cc_expr *e);

/* Follow a named route from a call (args: the call's arguments, NULL
 * for route(NAME)) with state s; s becomes the state after the call (no
 * path when the route always exits). A parameter given a gateway's URI
 * holds one in the route; the caller's variables are as they were after
 * it (on every path: the paths of the route do not say which caller path
 * they continue). Facts about the route's own variables hold neither
 * before nor after it. Returns whether the route may return a gateway's
 * URI. */
static bool lint_route(struct lint *l, const struct cc_route *r, struct cc_loc call_loc,
		       struct cc_expr **args, struct cc_paths *s)
{
	if (!r || !r->body || !s->n)
		return false;
	for (struct lint_frame *f = l->frame; f; f = f->up)
		if (f->route == r)
			return false;   /* recursion, reported elsewhere */
	struct lint_frame frame = { r, call_loc, l->frame };
	struct cc_paths ret = { 0 }, *outer_ret = l->ret, *outer_brk = l->w.brk;
	unsigned allow = l->allow;
	uint64_t caller_vars = 0, caller_auth = ~(uint64_t)0;
	bool outer_ret_gw = l->ret_gw;
	for (int k = 0; k < s->n; k++) {
		struct cc_path *p = &s->p[k];
		uint64_t params = 0;
		for (int i = 0; args && i < r->nparams; i++)
			if (lint_has_gateway(l, p, args[i]))
				params |= (uint64_t)1 << (i < 63 ? i : 63);
		caller_vars |= p->gw_vars;
		p->gw_vars = params;
		caller_auth &= p->auth_vars;
		p->auth_vars = 0;
	}
	for (const struct cc_var *v = r->vars; v; v = v->next)
		cc_paths_forget(s, CC_W_VAR, v);
	l->frame = &frame;
	l->ret = &ret;
	l->w.brk = NULL;
	l->ret_gw = false;
	l->allow |= r->allow;
	cc_paths_stmt(&l->w, r->body, s);
	cc_paths_merge(&l->w, &ret, s);
	*s = ret;
	for (const struct cc_var *v = r->vars; v; v = v->next)
		cc_paths_forget(s, CC_W_VAR, v);
	for (int k = 0; k < s->n; k++) {
		s->p[k].gw_vars = caller_vars;
		s->p[k].auth_vars = caller_auth;
	}
	lint_at(s, call_loc);
	bool gw = l->ret_gw;
	l->frame = frame.up;
	l->ret = outer_ret;
	l->w.brk = outer_brk;
	l->ret_gw = outer_ret_gw;
	l->allow = allow;
	return gw;
}

/* Remember that the route call e returned a gateway's URI. */
static void lint_gw_call(struct lint *l, const struct cc_expr *e)
{
	for (int i = 0; i < l->ngw_calls; i++)
		if (l->gw_calls[i] == e)
			return;
	if (l->ngw_calls == l->capgw_calls) {
		int cap = l->capgw_calls ? l->capgw_calls * 2 : 8;
		const struct cc_expr **v = cc_alloc(sizeof *v * (size_t)cap);
		if (l->ngw_calls)
			memcpy(v, l->gw_calls, sizeof *v * (size_t)l->ngw_calls);
		l->gw_calls = v;
		l->capgw_calls = cap;
	}
	l->gw_calls[l->ngw_calls++] = e;
}

/* What calling the stdlib function f (call e, arguments evaluated) does on
 * path p: the checks of a relay or a save, the facts it establishes as a
 * statement, the facts a function that is not readonly makes unknown. */
static void lint_fn_path(struct lint *l, const struct cc_expr *e, const struct cc_fn_decl *f,
			 struct cc_path *p)
{
	if (f->marks & CC_MARK_RELAY)
		lint_relay(l, e, p);
	if (f->marks & CC_MARK_SAVE_CONTACT)
		lint_save(l, e, p);
	if (f->marks & (CC_MARK_RELAY | CC_MARK_REPLY | CC_MARK_SAVE_CONTACT))
		p->bits |= LS_FINAL;
	/* Called as a statement, a dialog tracker counts from here on (on a
	 * request it does not apply to, no variable would be kept anyway). */
	if (f->marks & CC_MARK_DIALOG_TRACK)
		p->bits |= LS_TRACKED;
	/* A void function marked gateway (a gateway selection that cannot
	 * fail) sets the destination as a statement. */
	if ((f->marks & CC_MARK_GATEWAY) && f->result == CC_TY_VOID && !(p->bits & LS_GATEWAY)) {
		p->bits |= LS_GATEWAY;
		p->gw_loc = e->loc;
	}
	if (!(f->marks & CC_MARK_READONLY))
		cc_path_forget(p, CC_W_MESSAGE, NULL);
}

/* A call, its arguments evaluated: a named route is followed, a stdlib
 * function does what its marks say on each path. */
static void lint_call(struct cc_paths_walk *w, const struct cc_expr *e, struct cc_paths *s)
{
	struct lint *l = (struct lint *)w;

	if (e->u.call.route) {
		if (lint_route(l, e->u.call.route, e->loc, e->u.call.args, s))
			lint_gw_call(l, e);
		return;
	}
	const struct cc_fn_decl *f = e->u.call.fn;
	if (!f)
		return;
	for (int i = 0; i < s->n; i++)
		lint_fn_path(l, e, f, &s->p[i]);
}

/* May the value of e be (or contain) a gateway's URI on path p: a define
 * annotated @gateway, a variable, AVP or dialog variable assigned one, or
 * a named route that returned one. */
static bool lint_has_gateway(const struct lint *l, const struct cc_path *p,
			     const struct cc_expr *e)
{
	if (!e)
		return false;
	if (e->def && e->def->gateway)
		return true;
	switch (e->kind) {
	case E_BINARY:
		return lint_has_gateway(l, p, e->u.binary.l) || lint_has_gateway(l, p, e->u.binary.r);
	case E_UNARY:
		return lint_has_gateway(l, p, e->u.unary.e);
	case E_VAR:
		return e->u.var.var && (p->gw_vars & lint_var_bit(e->u.var.var));
	case E_AVP:
		return e->u.avp.avp && (p->gw_attrs & lint_attr_bit(e->u.avp.avp));
	case E_CALL:
		for (int i = 0; i < l->ngw_calls; i++)
			if (l->gw_calls[i] == e)
				return true;
		return false;
	default:
		return false;
	}
}

/* Whether value is the status of a call of a function marked auth or
 * trusted, or a variable holding one on path p. */
static bool lint_auth_status(const struct cc_path *p, const struct cc_expr *value)
{
	if (!value || !cc_type_is_status(value->ty))
		return false;
	if (value->kind == E_VAR)
		return value->u.var.var && (p->auth_vars & lint_var_bit(value->u.var.var)) &&
		       value->u.var.var->index < 63;
	return value->kind == E_CALL && !value->u.call.route && value->u.call.fn &&
	       (value->u.call.fn->marks & (CC_MARK_AUTH | CC_MARK_TRUSTED));
}

/* Variable v is given value on path p. */
static void lint_var_set(struct lint *l, struct cc_path *p, const struct cc_var *v,
			 const struct cc_expr *value)
{
	if (lint_has_gateway(l, p, value))
		p->gw_vars |= lint_var_bit(v);
	else if (v->index < 63)
		p->gw_vars &= ~lint_var_bit(v);
	if (lint_auth_status(p, value) && v->index < 63)
		p->auth_vars |= lint_var_bit(v);
	else
		p->auth_vars &= ~lint_var_bit(v);
	cc_path_forget(p, CC_W_VAR, v);
}

/* After "x = value" on path p: x holds a gateway's URI exactly when value
 * may. An AVP keeps its older values, so it only gains the mark. What
 * the assignment writes is no longer known by the facts that read it. */
static void lint_assign(struct lint *l, const struct cc_stmt *st, struct cc_path *p)
{
	bool gw = lint_has_gateway(l, p, st->u.assign.value);
	switch (st->u.assign.lv) {
	case CC_LV_PV:
		if (gw) {
			p->bits |= LS_GATEWAY;
			p->gw_loc = st->loc;
		}
		cc_path_forget(p, CC_W_MESSAGE, NULL);
		break;
	case CC_LV_VAR:
		if (st->u.assign.var)
			lint_var_set(l, p, st->u.assign.var, st->u.assign.value);
		break;
	case CC_LV_AVP:
		if (!st->u.assign.avp)
			break;
		if (gw)
			p->gw_attrs |= lint_attr_bit(st->u.assign.avp);
		else if (st->u.assign.avp->dialog)
			p->gw_attrs &= ~lint_attr_bit(st->u.assign.avp);
		cc_path_forget(p, CC_W_AVP, st->u.assign.avp);
		break;
	}
}

/* The operands of a condition: of a stdlib function, its arguments (what
 * the call does is lint_cond_path's, per path); else the expression. */
static void lint_cond_eval(struct cc_paths_walk *w, const struct cc_expr *e, struct cc_paths *s)
{
	int pos;
	const struct cc_expr *x = cc_sema_status_test(e, &pos);
	if (x && x->kind == E_CALL)
		e = x;
	if (e->kind == E_CALL && !e->u.call.route && e->u.call.fn)
		for (int i = 0; i < e->u.call.nargs; i++)
			cc_paths_expr(w, e->u.call.args[i], s);
	else
		cc_paths_expr(w, e, s);
}

/* A condition on path p: a function marked auth, trusted, local_check,
 * dialog or gateway adds its fact where it returned true (the walk keeps
 * the answer of a condition that only reads). A function returning a
 * status counts where the test says it was > 0 ("if (rc == AUTH_OK)",
 * "if (!www_authorize(...))"), also through a variable holding it. */
static void lint_cond_path(struct cc_paths_walk *w, const struct cc_expr *e,
			   const struct cc_path *p, struct cc_path *tp, struct cc_path *fp)
{
	struct lint *l = (struct lint *)w;
	int pos;
	const struct cc_expr *x = cc_sema_status_test(e, &pos);
	unsigned vm = 0;
	if (!x)
		pos = 1;
	if (x && x->kind == E_VAR && lint_auth_status(p, x))
		vm = CC_MARK_AUTH;
	if (x)
		e = x;
	const struct cc_fn_decl *fn = e->kind == E_CALL && !e->u.call.route ? e->u.call.fn : NULL;
	unsigned m = fn ? fn->marks : vm;

	if (fn)
		lint_fn_path(l, e, fn, tp);
	*fp = *tp;
	struct cc_path *yes = pos == 1 ? tp : pos == 0 ? fp : NULL;
	/* As a condition, the dialog is tracked only where it returned true. */
	if ((m & CC_MARK_DIALOG_TRACK) && !(p->bits & LS_TRACKED)) {
		if (yes != fp)
			fp->bits &= ~LS_TRACKED;
		if (yes != tp)
			tp->bits &= ~LS_TRACKED;
	}
	if (!yes)
		return;
	if (m & (CC_MARK_AUTH | CC_MARK_TRUSTED))
		yes->bits |= LS_AUTH;
	if (m & CC_MARK_LOCAL_CHECK)
		yes->bits |= LS_LOCAL;
	if (m & CC_MARK_DIALOG)
		yes->bits |= LS_DIALOG;
	if ((m & CC_MARK_GATEWAY) && !(yes->bits & LS_GATEWAY)) {
		yes->bits |= LS_GATEWAY;
		yes->gw_loc = e->loc;
	}
}

/* A case of a switch on the status of a function marked auth or trusted
 * (or a variable holding it) whose values are all > 0 (case AUTH_OK:):
 * the request is authenticated there. */
static void lint_case_path(struct cc_paths_walk *w, const struct cc_expr *subject,
			   const struct cc_case *c, struct cc_path *p)
{
	(void)w;
	if (!lint_auth_status(p, subject) || !c->nvalues)
		return;
	for (int i = 0; i < c->nvalues; i++)
		if ((c->values[i]->kind != E_CONST && c->values[i]->kind != E_INT) ||
		    c->values[i]->u.ival <= 0)
			return;
	p->bits |= LS_AUTH;
}

/* A statement under the @allow of it and its routes, with every path at
 * it: return, route(), assignments and declarations are the lint's, the
 * control flow the walk's. */
static void lint_stmt(struct cc_paths_walk *w, const struct cc_stmt *st, struct cc_paths *s)
{
	struct lint *l = (struct lint *)w;
	unsigned allow = l->allow;

	l->allow |= st->allow;
	if (st->kind != S_BLOCK)
		lint_at(s, st->loc);
	switch (st->kind) {
	case S_RETURN:
		cc_paths_expr(w, st->u.ret.value, s);
		for (int i = 0; i < s->n; i++)
			if (lint_has_gateway(l, &s->p[i], st->u.ret.value))
				l->ret_gw = true;
		cc_paths_merge(w, l->ret, s);
		s->n = 0;
		break;
	case S_ROUTE:
		lint_route(l, st->u.route_call.target, st->loc, NULL, s);
		break;
	case S_ASSIGN:
		cc_paths_expr(w, st->u.assign.value, s);
		for (int i = 0; i < s->n; i++) {
			lint_dlgvar_write(l, st, &s->p[i]);
			lint_assign(l, st, &s->p[i]);
		}
		break;
	case S_VAR:
		cc_paths_expr(w, st->u.var.init, s);
		for (int i = 0; i < s->n && st->u.var.var; i++)
			lint_var_set(l, &s->p[i], st->u.var.var, st->u.var.init);
		break;
	default:
		cc_paths_flow(w, st, s);
		break;
	}
	l->allow = allow;
}

static const struct cc_paths_ops lint_ops = {
	.same = lint_same_bits,
	.join = lint_join,
	.stmt = lint_stmt,
	.call = lint_call,
	.cond_eval = lint_cond_eval,
	.cond_path = lint_cond_path,
	.case_path = lint_case_path,
};

void cc_sema_lint(struct cc_sema *s)
{
	for (int i = 0; i < s->nroutes; i++) {
		struct cc_route *r = s->routes[i];
		if (r->kind != CC_RK_REQUEST || !r->body || cc_find_route(s->p, r->name) != r)
			continue;
		struct cc_paths *st = cc_alloc(sizeof *st), *end = cc_alloc(sizeof *end);
		struct lint l = { .w = { .ops = &lint_ops, .budget = 200000 }, .s = s, .entry = r,
				  .allow = r->allow, .ret = end };
		st->n = 1;
		st->p[0].end = r->loc;
		cc_paths_stmt(&l.w, r->body, st);
		cc_paths_merge(&l.w, end, st);
		if (l.w.budget < 0 || (r->allow & CC_ALLOW_NO_FINAL))
			continue;   /* too big to follow every path: say nothing */
		for (int k = 0; k < end->n; k++) {
			if (end->p[k].bits & LS_FINAL)
				continue;
			cc_diag_report(CC_D_NO_FINAL, end->p[k].end,
				       "a request can leave the request route here without a reply, "
				       "a relay, 'drop' or 'exit'");
			cc_diag_note((struct cc_loc){0},
				     "the proxy then does nothing with it and the sender retransmits; "
				     "end every path with a reply, a relay, 'drop' or 'exit', or write "
				     "@allow(no_final) before the route");
			break;
		}
	}
}
