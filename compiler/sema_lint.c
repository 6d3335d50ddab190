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

/* A condition known on a path: it was tested there (and gave value) and
 * nothing since could change its answer. */
struct lint_fact {
	const struct cc_expr *cond;
	bool value;
};

enum { LINT_FACTS = 8, LINT_PATHS = 8 };

/* One class of paths reaching a statement. */
struct lint_path {
	unsigned bits;
	struct cc_loc gw_loc;   /* where a gateway destination was set */
	struct cc_loc end;      /* the request route's last statement on it */
	/* Which script variables of the route being walked (bit = index,
	 * the last bit for all from 63 on) and which AVPs (bits 0-31) and
	 * dialog variables (32-63) may hold a gateway's URI. */
	uint64_t gw_vars;
	uint64_t gw_attrs;
	int nfacts;
	struct lint_fact facts[LINT_FACTS];
};

/* The paths reaching a statement (none: it cannot be reached), kept apart
 * while they know different facts so a condition tested again sends each
 * only where its answer leads. At most LINT_PATHS: beyond, paths are
 * joined and keep only the facts they share. */
struct lint_state {
	int n;
	struct lint_path p[LINT_PATHS];
};

/* A call of a named route being followed, for the notes of a report. */
struct lint_frame {
	const struct cc_route *route;
	struct cc_loc call_loc;
	struct lint_frame *up;
};

struct lint {
	struct cc_sema *s;
	const struct cc_route *entry;
	struct lint_frame *frame;
	unsigned allow;              /* @allow of the enclosing routes and statements */
	long budget;                 /* statements left to visit */
	/* The innermost loop or switch: the state at its breaks. */
	struct lint_state *brk;
	/* The named route being followed: the state at its returns. */
	struct lint_state *ret;
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

static void lint_forget(struct lint_path *p, enum cc_sema_write kind, const void *which)
{
	int k = 0;

	for (int i = 0; i < p->nfacts; i++)
		if (!cc_sema_expr_reads(p->facts[i].cond, kind, which))
			p->facts[k++] = p->facts[i];
	p->nfacts = k;
}

static void lint_forget_all(struct lint_state *s, enum cc_sema_write kind, const void *which)
{
	for (int i = 0; i < s->n; i++)
		lint_forget(&s->p[i], kind, which);
}

/* -1: nothing known about cond on p; else its value. */
static int lint_fact_find(const struct lint_path *p, const struct cc_expr *cond)
{
	for (int i = 0; i < p->nfacts; i++)
		if (cc_sema_expr_same(p->facts[i].cond, cond))
			return p->facts[i].value;
	return -1;
}

static void lint_fact_add(struct lint_path *p, const struct cc_expr *cond, bool value)
{
	if (p->nfacts == LINT_FACTS) {
		memmove(p->facts, p->facts + 1, sizeof p->facts[0] * (LINT_FACTS - 1));
		p->nfacts--;
	}
	p->facts[p->nfacts].cond = cond;
	p->facts[p->nfacts++].value = value;
}

static bool lint_same_facts(const struct lint_path *a, const struct lint_path *b)
{
	if (a->nfacts != b->nfacts)
		return false;
	for (int i = 0; i < a->nfacts; i++)
		if (lint_fact_find(b, a->facts[i].cond) != (int)a->facts[i].value)
			return false;
	return true;
}

static bool lint_same_bits(const struct lint_path *a, const struct lint_path *b)
{
	return a->bits == b->bits && a->gw_vars == b->gw_vars && a->gw_attrs == b->gw_attrs;
}

static bool lint_same(const struct lint_state *a, const struct lint_state *b)
{
	if (a->n != b->n)
		return false;
	for (int i = 0; i < a->n; i++)
		if (!lint_same_bits(&a->p[i], &b->p[i]) || !lint_same_facts(&a->p[i], &b->p[i]))
			return false;
	return true;
}

/* Join path b into path into: a check counts when it holds on both, a
 * gateway destination when on either; facts are those both know. The end
 * of a path without a final action is kept for the report. */
static void lint_join(struct lint_path *into, const struct lint_path *b)
{
	unsigned must = into->bits & b->bits & LS_MUST;
	unsigned may = (into->bits | b->bits) & ~LS_MUST;
	int k = 0;

	if (!(into->bits & LS_GATEWAY) && (b->bits & LS_GATEWAY))
		into->gw_loc = b->gw_loc;
	if ((into->bits & LS_FINAL) && !(b->bits & LS_FINAL))
		into->end = b->end;
	into->bits = must | may;
	into->gw_vars |= b->gw_vars;
	into->gw_attrs |= b->gw_attrs;
	for (int i = 0; i < into->nfacts; i++)
		if (lint_fact_find(b, into->facts[i].cond) == (int)into->facts[i].value)
			into->facts[k++] = into->facts[i];
	into->nfacts = k;
}

/* Add a path where paths meet: joined with one that knows the same facts,
 * else kept apart; when there are too many, joined with one in the same
 * state (or the last one), which then knows less: a join only loses
 * precision, never hides a problem. */
static void lint_add(struct lint_state *s, const struct lint_path *p)
{
	for (int i = 0; i < s->n; i++) {
		if (lint_same_facts(&s->p[i], p)) {
			lint_join(&s->p[i], p);
			return;
		}
	}
	if (s->n < LINT_PATHS) {
		s->p[s->n++] = *p;
		return;
	}
	for (int i = 0; i < s->n; i++) {
		if (lint_same_bits(&s->p[i], p)) {
			lint_join(&s->p[i], p);
			return;
		}
	}
	lint_join(&s->p[s->n - 1], p);
}

static void lint_merge(struct lint_state *into, const struct lint_state *b)
{
	for (int i = 0; i < b->n; i++)
		lint_add(into, &b->p[i]);
}

/* Every path is at statement loc now. */
static void lint_at(struct lint_state *s, struct cc_loc loc)
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

static void lint_relay(struct lint *l, const struct cc_expr *e, const struct lint_path *st)
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

static void lint_save(struct lint *l, const struct cc_expr *e, const struct lint_path *st)
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
			      const struct lint_path *s)
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

static void lint_stmt(struct lint *l, const struct cc_stmt *st, struct lint_state *s);
static void lint_expr(struct lint *l, const struct cc_expr *e, struct lint_state *s);
static bool lint_has_gateway(const struct lint *l, const struct lint_path *p,
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
		       struct cc_expr **args, struct lint_state *s)
{
	if (!r || !r->body || !s->n)
		return false;
	for (struct lint_frame *f = l->frame; f; f = f->up)
		if (f->route == r)
			return false;   /* recursion, reported elsewhere */
	struct lint_frame frame = { r, call_loc, l->frame };
	struct lint_state ret = { 0 }, *outer_ret = l->ret, *outer_brk = l->brk;
	unsigned allow = l->allow;
	uint64_t caller_vars = 0;
	bool outer_ret_gw = l->ret_gw;
	for (int k = 0; k < s->n; k++) {
		struct lint_path *p = &s->p[k];
		uint64_t params = 0;
		for (int i = 0; args && i < r->nparams; i++)
			if (lint_has_gateway(l, p, args[i]))
				params |= (uint64_t)1 << (i < 63 ? i : 63);
		caller_vars |= p->gw_vars;
		p->gw_vars = params;
	}
	for (const struct cc_var *v = r->vars; v; v = v->next)
		lint_forget_all(s, CC_W_VAR, v);
	l->frame = &frame;
	l->ret = &ret;
	l->brk = NULL;
	l->ret_gw = false;
	l->allow |= r->allow;
	lint_stmt(l, r->body, s);
	lint_merge(&ret, s);
	*s = ret;
	for (const struct cc_var *v = r->vars; v; v = v->next)
		lint_forget_all(s, CC_W_VAR, v);
	for (int k = 0; k < s->n; k++)
		s->p[k].gw_vars = caller_vars;
	lint_at(s, call_loc);
	bool gw = l->ret_gw;
	l->frame = frame.up;
	l->ret = outer_ret;
	l->brk = outer_brk;
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
			 struct lint_path *p)
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
		lint_forget(p, CC_W_MESSAGE, NULL);
}

static void lint_call(struct lint *l, const struct cc_expr *e, struct lint_state *s)
{
	for (int i = 0; i < e->u.call.nargs; i++)
		lint_expr(l, e->u.call.args[i], s);
	if (!s->n)
		return;
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
static bool lint_has_gateway(const struct lint *l, const struct lint_path *p,
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

/* After "x = value" on path p: x holds a gateway's URI exactly when value
 * may. An AVP keeps its older values, so it only gains the mark. What
 * the assignment writes is no longer known by the facts that read it. */
static void lint_assign(struct lint *l, const struct cc_stmt *st, struct lint_path *p)
{
	bool gw = lint_has_gateway(l, p, st->u.assign.value);
	switch (st->u.assign.lv) {
	case CC_LV_PV:
		if (gw) {
			p->bits |= LS_GATEWAY;
			p->gw_loc = st->loc;
		}
		lint_forget(p, CC_W_MESSAGE, NULL);
		break;
	case CC_LV_VAR:
		if (!st->u.assign.var)
			break;
		if (gw)
			p->gw_vars |= lint_var_bit(st->u.assign.var);
		else if (st->u.assign.var->index < 63)
			p->gw_vars &= ~lint_var_bit(st->u.assign.var);
		lint_forget(p, CC_W_VAR, st->u.assign.var);
		break;
	case CC_LV_AVP:
		if (!st->u.assign.avp)
			break;
		if (gw)
			p->gw_attrs |= lint_attr_bit(st->u.assign.avp);
		else if (st->u.assign.avp->dialog)
			p->gw_attrs &= ~lint_attr_bit(st->u.assign.avp);
		lint_forget(p, CC_W_AVP, st->u.assign.avp);
		break;
	}
}

static void lint_expr(struct lint *l, const struct cc_expr *e, struct lint_state *s)
{
	if (!e || !s->n)
		return;
	switch (e->kind) {
	case E_CALL:
		lint_call(l, e, s);
		break;
	case E_UNARY:
		lint_expr(l, e->u.unary.e, s);
		break;
	case E_BINARY:
		lint_expr(l, e->u.binary.l, s);
		lint_expr(l, e->u.binary.r, s);
		break;
	default:
		break;
	}
}

/* A condition: *t is the state where it is true, *f where it is false.
 * A function marked auth, trusted, local_check, dialog or gateway adds its
 * fact where it returned true. A condition that only reads is remembered
 * on each path with its answer; tested again on a path that knows it, the
 * path goes only where that answer leads. */
static void lint_cond(struct lint *l, const struct cc_expr *e, const struct lint_state *in,
		      struct lint_state *t, struct lint_state *f)
{
	struct lint_state a, b, c, d;

	if (e->kind == E_UNARY && e->u.unary.op == U_NOT) {
		lint_cond(l, e->u.unary.e, in, f, t);
		return;
	}
	if (e->kind == E_BINARY && (e->u.binary.op == B_AND || e->u.binary.op == B_OR)) {
		lint_cond(l, e->u.binary.l, in, &a, &b);
		if (e->u.binary.op == B_AND) {
			lint_cond(l, e->u.binary.r, &a, &c, &d);
			*t = c;
			*f = b;
			lint_merge(f, &d);
		} else {
			lint_cond(l, e->u.binary.r, &b, &c, &d);
			*t = a;
			lint_merge(t, &c);
			*f = d;
		}
		return;
	}
	const struct cc_fn_decl *fn = e->kind == E_CALL && !e->u.call.route ? e->u.call.fn : NULL;
	a = *in;
	if (fn)
		for (int i = 0; i < e->u.call.nargs; i++)
			lint_expr(l, e->u.call.args[i], &a);
	else
		lint_expr(l, e, &a);
	bool track = cc_sema_expr_readonly(e);
	unsigned m = fn ? fn->marks : 0;
	t->n = f->n = 0;
	for (int i = 0; i < a.n; i++) {
		const struct lint_path *p = &a.p[i];
		int known = track ? lint_fact_find(p, e) : -1;
		struct lint_path tp = *p, fp;
		if (fn)
			lint_fn_path(l, e, fn, &tp);
		fp = tp;
		/* As a condition, the dialog is tracked only where it returned true. */
		if ((m & CC_MARK_DIALOG_TRACK) && !(p->bits & LS_TRACKED))
			fp.bits &= ~LS_TRACKED;
		if (m & (CC_MARK_AUTH | CC_MARK_TRUSTED))
			tp.bits |= LS_AUTH;
		if (m & CC_MARK_LOCAL_CHECK)
			tp.bits |= LS_LOCAL;
		if (m & CC_MARK_DIALOG)
			tp.bits |= LS_DIALOG;
		if ((m & CC_MARK_GATEWAY) && !(tp.bits & LS_GATEWAY)) {
			tp.bits |= LS_GATEWAY;
			tp.gw_loc = e->loc;
		}
		if (known != 0) {
			if (track && known < 0)
				lint_fact_add(&tp, e, true);
			lint_add(t, &tp);
		}
		if (known != 1) {
			if (track && known < 0)
				lint_fact_add(&fp, e, false);
			lint_add(f, &fp);
		}
	}
}

static void lint_list(struct lint *l, const struct cc_stmt *st, struct lint_state *s)
{
	for (; st && s->n; st = st->next)
		lint_stmt(l, st, s);
}

static void lint_stmt(struct lint *l, const struct cc_stmt *st, struct lint_state *s)
{
	if (!st || !s->n || --l->budget < 0)
		return;
	unsigned allow = l->allow;
	l->allow |= st->allow;
	if (st->kind != S_BLOCK)
		lint_at(s, st->loc);
	switch (st->kind) {
	case S_EXPR:
		lint_expr(l, st->u.expr, s);
		break;
	case S_IF: {
		struct lint_state t, f;
		lint_cond(l, st->u.if_.cond, s, &t, &f);
		lint_stmt(l, st->u.if_.then, &t);
		lint_stmt(l, st->u.if_.els, &f);
		*s = t;
		lint_merge(s, &f);
		break;
	}
	case S_BLOCK:
		lint_list(l, st->u.block.first, s);
		break;
	case S_EXIT:
	case S_DROP:
		s->n = 0;
		break;
	case S_RETURN:
		lint_expr(l, st->u.ret.value, s);
		for (int i = 0; i < s->n; i++)
			if (lint_has_gateway(l, &s->p[i], st->u.ret.value))
				l->ret_gw = true;
		lint_merge(l->ret, s);
		s->n = 0;
		break;
	case S_ROUTE:
		lint_route(l, st->u.route_call.target, st->loc, NULL, s);
		break;
	case S_ASSIGN:
		lint_expr(l, st->u.assign.value, s);
		for (int i = 0; i < s->n; i++) {
			lint_dlgvar_write(l, st, &s->p[i]);
			lint_assign(l, st, &s->p[i]);
		}
		break;
	case S_VAR:
		lint_expr(l, st->u.var.init, s);
		for (int i = 0; i < s->n && st->u.var.var; i++) {
			struct lint_path *p = &s->p[i];
			if (lint_has_gateway(l, p, st->u.var.init))
				p->gw_vars |= lint_var_bit(st->u.var.var);
			else if (st->u.var.var->index < 63)
				p->gw_vars &= ~lint_var_bit(st->u.var.var);
			lint_forget(p, CC_W_VAR, st->u.var.var);
		}
		break;
	case S_BREAK:
		if (l->brk)
			lint_merge(l->brk, s);
		s->n = 0;
		break;
	case S_WHILE: {
		/* Zero, one or more passes: the state at the head of the loop is
		 * the state before it met with the end of every pass, so the
		 * body is walked again from the met state until it no longer
		 * changes (the states form a finite lattice; a pass can only
		 * lose a check or a fact, or gain a gateway). The loop is left
		 * where its condition is false at the head (its bound can end
		 * any pass too) and at its breaks. */
		struct lint_state brk = { 0 }, *outer = l->brk, head = *s, out = { 0 }, t, f;
		l->brk = &brk;
		for (int pass = 0; pass < 16 && l->budget >= 0; pass++) {
			lint_cond(l, st->u.while_.cond, &head, &t, &f);
			lint_merge(&out, &t);
			lint_merge(&out, &f);
			lint_stmt(l, st->u.while_.body, &t);
			struct lint_state next = head;
			lint_merge(&next, &t);
			if (lint_same(&next, &head))
				break;
			head = next;
		}
		l->brk = outer;
		*s = out;
		lint_merge(s, &brk);
		break;
	}
	case S_SWITCH: {
		struct lint_state brk = { 0 }, *outer = l->brk, cur = { 0 }, before;
		bool has_default = false;
		lint_expr(l, st->u.switch_.subject, s);
		before = *s;
		l->brk = &brk;
		for (const struct cc_case *c = st->u.switch_.cases; c; c = c->next) {
			lint_merge(&cur, &before);   /* dispatched here, or fell through */
			has_default |= c->is_default;
			lint_list(l, c->first, &cur);
		}
		l->brk = outer;
		*s = cur;
		lint_merge(s, &brk);
		if (!has_default)
			lint_merge(s, &before);
		break;
	}
	}
	l->allow = allow;
}

void cc_sema_lint(struct cc_sema *s)
{
	for (int i = 0; i < s->nroutes; i++) {
		struct cc_route *r = s->routes[i];
		if (r->kind != CC_RK_REQUEST || !r->body || cc_find_route(s->p, r->name) != r)
			continue;
		struct lint_state *st = cc_alloc(sizeof *st), *end = cc_alloc(sizeof *end);
		struct lint l = { .s = s, .entry = r, .allow = r->allow, .budget = 200000, .ret = end };
		st->n = 1;
		st->p[0].end = r->loc;
		lint_stmt(&l, r->body, st);
		lint_merge(end, st);
		if (l.budget < 0 || (r->allow & CC_ALLOW_NO_FINAL))
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
