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

struct lint_state {
	bool live;              /* some path reaches here */
	unsigned bits;
	struct cc_loc gw_loc;   /* where a gateway destination was set */
	/* Which script variables of the route being walked (bit = index,
	 * the last bit for all from 63 on) and which AVPs (bits 0-31) and
	 * dialog variables (32-63) may hold a gateway's URI. */
	uint64_t gw_vars;
	uint64_t gw_attrs;
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

static const struct lint_state lint_dead = { false, 0, { 0 }, 0, 0 };

static uint64_t lint_var_bit(const struct cc_var *v)
{
	return (uint64_t)1 << (v->index < 63 ? v->index : 63);
}

static uint64_t lint_attr_bit(const struct cc_avp_decl *a)
{
	return (uint64_t)1 << ((a->index & 31) + (a->dialog ? 32 : 0));
}

static bool lint_same(const struct lint_state *a, const struct lint_state *b)
{
	if (a->live != b->live)
		return false;
	return !a->live || (a->bits == b->bits && a->gw_vars == b->gw_vars &&
			    a->gw_attrs == b->gw_attrs);
}

static void lint_merge(struct lint_state *into, const struct lint_state *b)
{
	if (!b->live)
		return;
	if (!into->live) {
		*into = *b;
		return;
	}
	unsigned must = into->bits & b->bits & LS_MUST;
	unsigned may = (into->bits | b->bits) & ~LS_MUST;
	if (!(into->bits & LS_GATEWAY) && (b->bits & LS_GATEWAY))
		into->gw_loc = b->gw_loc;
	into->bits = must | may;
	into->gw_vars |= b->gw_vars;
	into->gw_attrs |= b->gw_attrs;
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

static void lint_relay(struct lint *l, const struct cc_expr *e, struct lint_state *st)
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

static void lint_save(struct lint *l, const struct cc_expr *e, const struct lint_state *st)
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
			      const struct lint_state *s)
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
static bool lint_has_gateway(const struct lint *l, const struct lint_state *s,
			     const struct cc_expr *e);

/* Follow a named route from a call (args: the call's arguments, NULL
 * for route(NAME)) with state s; s becomes the state after the call (dead
 * when the route always exits). A parameter given a gateway's URI holds
 * one in the route; the caller's variables are as they were after it.
 * Returns whether the route may return a gateway's URI. */
static bool lint_route(struct lint *l, const struct cc_route *r, struct cc_loc call_loc,
		       struct cc_expr **args, struct lint_state *s)
{
	if (!r || !r->body || !s->live)
		return false;
	for (struct lint_frame *f = l->frame; f; f = f->up)
		if (f->route == r)
			return false;   /* recursion, reported elsewhere */
	struct lint_frame frame = { r, call_loc, l->frame };
	struct lint_state ret = lint_dead, *outer_ret = l->ret, *outer_brk = l->brk;
	unsigned allow = l->allow;
	uint64_t caller_vars = s->gw_vars, params = 0;
	bool outer_ret_gw = l->ret_gw;
	for (int i = 0; args && i < r->nparams; i++)
		if (lint_has_gateway(l, s, args[i]))
			params |= (uint64_t)1 << (i < 63 ? i : 63);
	s->gw_vars = params;
	l->frame = &frame;
	l->ret = &ret;
	l->brk = NULL;
	l->ret_gw = false;
	l->allow |= r->allow;
	lint_stmt(l, r->body, s);
	lint_merge(&ret, s);
	*s = ret;
	s->gw_vars = caller_vars;
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

static void lint_call(struct lint *l, const struct cc_expr *e, struct lint_state *s)
{
	for (int i = 0; i < e->u.call.nargs; i++)
		lint_expr(l, e->u.call.args[i], s);
	if (!s->live)
		return;
	if (e->u.call.route) {
		if (lint_route(l, e->u.call.route, e->loc, e->u.call.args, s))
			lint_gw_call(l, e);
		return;
	}
	const struct cc_fn_decl *f = e->u.call.fn;
	if (!f)
		return;
	if (f->marks & CC_MARK_RELAY)
		lint_relay(l, e, s);
	if (f->marks & CC_MARK_SAVE_CONTACT)
		lint_save(l, e, s);
	if (f->marks & (CC_MARK_RELAY | CC_MARK_REPLY | CC_MARK_SAVE_CONTACT))
		s->bits |= LS_FINAL;
	/* Called as a statement, a dialog tracker counts from here on (on a
	 * request it does not apply to, no variable would be kept anyway). */
	if (f->marks & CC_MARK_DIALOG_TRACK)
		s->bits |= LS_TRACKED;
	/* A void function marked gateway (a gateway selection that cannot
	 * fail) sets the destination as a statement. */
	if ((f->marks & CC_MARK_GATEWAY) && f->result == CC_TY_VOID && !(s->bits & LS_GATEWAY)) {
		s->bits |= LS_GATEWAY;
		s->gw_loc = e->loc;
	}
}

/* May the value of e be (or contain) a gateway's URI in state s: a
 * define annotated @gateway, a variable, AVP or dialog variable assigned
 * one, or a named route that returned one. */
static bool lint_has_gateway(const struct lint *l, const struct lint_state *s,
			     const struct cc_expr *e)
{
	if (!e)
		return false;
	if (e->def && e->def->gateway)
		return true;
	switch (e->kind) {
	case E_BINARY:
		return lint_has_gateway(l, s, e->u.binary.l) || lint_has_gateway(l, s, e->u.binary.r);
	case E_UNARY:
		return lint_has_gateway(l, s, e->u.unary.e);
	case E_VAR:
		return e->u.var.var && (s->gw_vars & lint_var_bit(e->u.var.var));
	case E_AVP:
		return e->u.avp.avp && (s->gw_attrs & lint_attr_bit(e->u.avp.avp));
	case E_CALL:
		for (int i = 0; i < l->ngw_calls; i++)
			if (l->gw_calls[i] == e)
				return true;
		return false;
	default:
		return false;
	}
}

/* After "x = value": x holds a gateway's URI exactly when value may. An
 * AVP keeps its older values, so it only gains the mark. */
static void lint_assign_gw(struct lint *l, const struct cc_stmt *st, struct lint_state *s)
{
	bool gw = lint_has_gateway(l, s, st->u.assign.value);
	switch (st->u.assign.lv) {
	case CC_LV_PV:
		if (gw) {
			s->bits |= LS_GATEWAY;
			s->gw_loc = st->loc;
		}
		break;
	case CC_LV_VAR:
		if (!st->u.assign.var)
			break;
		if (gw)
			s->gw_vars |= lint_var_bit(st->u.assign.var);
		else if (st->u.assign.var->index < 63)
			s->gw_vars &= ~lint_var_bit(st->u.assign.var);
		break;
	case CC_LV_AVP:
		if (!st->u.assign.avp)
			break;
		if (gw)
			s->gw_attrs |= lint_attr_bit(st->u.assign.avp);
		else if (st->u.assign.avp->dialog)
			s->gw_attrs &= ~lint_attr_bit(st->u.assign.avp);
		break;
	}
}

static void lint_expr(struct lint *l, const struct cc_expr *e, struct lint_state *s)
{
	if (!e || !s->live)
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
 * fact where it returned true. */
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
	a = *in;
	lint_expr(l, e, &a);
	*t = *f = a;
	if (!a.live || e->kind != E_CALL || !e->u.call.fn)
		return;
	unsigned m = e->u.call.fn->marks;
	if (m & (CC_MARK_AUTH | CC_MARK_TRUSTED))
		t->bits |= LS_AUTH;
	if (m & CC_MARK_LOCAL_CHECK)
		t->bits |= LS_LOCAL;
	if (m & CC_MARK_DIALOG)
		t->bits |= LS_DIALOG;
	/* As a condition, the dialog is tracked only where it returned true. */
	if ((m & CC_MARK_DIALOG_TRACK) && !(in->bits & LS_TRACKED))
		f->bits &= ~LS_TRACKED;
	if ((m & CC_MARK_GATEWAY) && !(t->bits & LS_GATEWAY)) {
		t->bits |= LS_GATEWAY;
		t->gw_loc = e->loc;
	}
}

static void lint_list(struct lint *l, const struct cc_stmt *st, struct lint_state *s)
{
	for (; st && s->live; st = st->next)
		lint_stmt(l, st, s);
}

static void lint_stmt(struct lint *l, const struct cc_stmt *st, struct lint_state *s)
{
	if (!st || !s->live || --l->budget < 0)
		return;
	unsigned allow = l->allow;
	l->allow |= st->allow;
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
		*s = lint_dead;
		break;
	case S_RETURN:
		lint_expr(l, st->u.ret.value, s);
		if (s->live && lint_has_gateway(l, s, st->u.ret.value))
			l->ret_gw = true;
		lint_merge(l->ret, s);
		*s = lint_dead;
		break;
	case S_ROUTE:
		lint_route(l, st->u.route_call.target, st->loc, NULL, s);
		break;
	case S_ASSIGN:
		lint_expr(l, st->u.assign.value, s);
		if (s->live) {
			lint_dlgvar_write(l, st, s);
			lint_assign_gw(l, st, s);
		}
		break;
	case S_VAR:
		lint_expr(l, st->u.var.init, s);
		if (s->live && st->u.var.var) {
			if (lint_has_gateway(l, s, st->u.var.init))
				s->gw_vars |= lint_var_bit(st->u.var.var);
			else if (st->u.var.var->index < 63)
				s->gw_vars &= ~lint_var_bit(st->u.var.var);
		}
		break;
	case S_BREAK:
		if (l->brk)
			lint_merge(l->brk, s);
		*s = lint_dead;
		break;
	case S_WHILE: {
		/* Zero, one or more passes: the state at the head of the loop is
		 * the state before it met with the end of every pass, so the
		 * body is walked again from the met state until it no longer
		 * changes (the states form a finite lattice; a pass can only
		 * lose a check or gain a gateway). The loop is left where its
		 * condition is false at the head (its bound can end any pass
		 * too) and at its breaks. */
		struct lint_state brk = lint_dead, *outer = l->brk, head = *s, out = lint_dead, t, f;
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
		struct lint_state brk = lint_dead, *outer = l->brk, cur = lint_dead, before;
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
		struct lint_state st = { .live = true }, end = lint_dead;
		struct lint l = { .s = s, .entry = r, .allow = r->allow, .budget = 200000, .ret = &end };
		lint_stmt(&l, r->body, &st);
		lint_merge(&end, &st);
		st = end;
		if (l.budget < 0)
			continue;   /* too big to follow every path: say nothing */
		if (st.live && !(st.bits & LS_FINAL) && !(r->allow & CC_ALLOW_NO_FINAL)) {
			cc_diag_report(CC_D_NO_FINAL, r->loc,
				       "a request can leave the request route without a reply, a relay, "
				       "'drop' or 'exit'");
			cc_diag_note((struct cc_loc){0},
				     "the proxy then does nothing with it and the sender retransmits; "
				     "end every path with a reply, a relay, 'drop' or 'exit', or write "
				     "@allow(no_final) before the route");
		}
	}
}
