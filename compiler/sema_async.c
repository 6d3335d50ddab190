/* Asynchronous calls: which routes may wait, and where a wait may stand.
 *
 * A stdlib function marked "async" may have to wait for a result (a
 * database row, a DNS answer): the runtime then suspends the message and
 * the route returns at once; when the result is in, the route is called
 * again and goes on at the statement that waited (compiler/llvm_gen.c
 * splits the route there). That statement is evaluated a second time, up to
 * the call, which now finds its result. So that nothing runs twice, the
 * call must be the first call of its statement: what is evaluated before
 * it may read variables, pseudo-variables and literals, but not call a
 * function or a route. One async call a statement, for the same reason.
 *
 * A route is async when it contains an async call or calls an async route;
 * its callers are then split at that call too.
 *
 * Request, failure and reply routes (and the named routes they call) can
 * wait: the runtime keeps their message and holds the transaction's final
 * response or the reply. Branch routes run in the middle of a relay,
 * which does not stop halfway; neither do error, local, startup and timer
 * routes. An async function whose declaration allows such kinds does its
 * work there synchronously, with a bounded wait (rtpengine_offer in a
 * branch route); one that cannot (www_authorize) leaves them out of its
 * "in (...)" list, and the route-kind error then says why. A relay that waits for DNS (t_relay) is
 * not async at this level: the runtime goes on with the relay by itself
 * and no route code runs again, so statements like
 * "if (isflagset(F) && t_relay())" stay valid. */
#include <stdio.h>
#include "sema_int.h"

/* Calls of one statement in the order the generated code evaluates them:
 * the arguments (already in parameter order), then the call; left, then
 * right. */
struct cc_async_scan {
	const struct cc_expr *first_call;   /* the first call of any kind */
	const struct cc_expr *wait;         /* the first async call */
	bool report;
};

static void cc_async_scan_expr(struct cc_async_scan *sc, const struct cc_expr *e)
{
	if (!e)
		return;
	switch (e->kind) {
	case E_CALL:
		for (int i = 0; i < e->u.call.nargs; i++)
			cc_async_scan_expr(sc, e->u.call.args[i]);
		if (cc_expr_is_wait(e)) {
			if (sc->report && sc->wait) {
				cc_diag_report(CC_D_ASYNC_CALL, e->loc,
					       "a second call that may wait in one statement; "
					       "assign the result of the first to a variable");
				cc_diag_note(sc->wait->loc, "the first one is here");
			} else if (sc->report && sc->first_call) {
				cc_diag_report(CC_D_ASYNC_CALL, e->loc,
					       "'%s' may wait, and the statement would be evaluated "
					       "again up to it; call '%s' in a statement of its own "
					       "before it",
					       e->u.call.name, sc->first_call->u.call.name);
				cc_diag_note(sc->first_call->loc, "'%s' is called here first",
					     sc->first_call->u.call.name);
			}
			if (!sc->wait)
				sc->wait = e;
		}
		if (!sc->first_call)
			sc->first_call = e;
		break;
	case E_UNARY:
		cc_async_scan_expr(sc, e->u.unary.e);
		break;
	case E_BINARY:
		cc_async_scan_expr(sc, e->u.binary.l);
		cc_async_scan_expr(sc, e->u.binary.r);
		break;
	default:
		break;
	}
}

/* Whether a statement list waits anywhere; with report, check each
 * statement that does. */
static bool cc_async_walk(const struct cc_stmt *st, bool report)
{
	bool any = false;
	for (; st; st = st->next) {
		if (report && st->kind != S_ROUTE) {
			struct cc_async_scan sc = { NULL, NULL, true };
			cc_async_scan_expr(&sc, cc_stmt_expr(st));
		}
		any |= cc_stmt_waits(st);
		switch (st->kind) {
		case S_BLOCK:
			any |= cc_async_walk(st->u.block.first, report);
			break;
		case S_IF:
			any |= cc_async_walk(st->u.if_.then, report);
			any |= cc_async_walk(st->u.if_.els, report);
			break;
		case S_WHILE:
			any |= cc_async_walk(st->u.while_.body, report);
			break;
		case S_SWITCH:
			for (const struct cc_case *c = st->u.switch_.cases; c; c = c->next)
				any |= cc_async_walk(c->first, report);
			break;
		default:
			break;
		}
	}
	return any;
}

void cc_sema_async_kind_note(const struct cc_sema *s, const struct cc_fn_decl *f,
			     struct cc_loc loc)
{
	unsigned cur = s->cur->kind == CC_RK_NAMED ? s->cur->used_from : CC_RK_BIT(s->cur->kind);
	unsigned can_wait = CC_RK_BIT(CC_RK_REQUEST) | CC_RK_BIT(CC_RK_FAILURE) |
			    CC_RK_BIT(CC_RK_REPLY) | CC_RK_BIT(CC_RK_EVENT);
	/* Only when the route cannot wait is that the reason. */
	if ((f->marks & CC_MARK_ASYNC) && (cur & ~f->kinds & ~can_wait))
		cc_diag_note(loc, "'%s' may wait for a result, and only request, failure, "
			     "reply and event routes (and the named routes they call) can wait", f->name);
}

void cc_sema_async(struct cc_sema *s)
{
	/* To a fixed point: a route that calls an async route is async. The
	 * call graph has no cycles (recursion is an error), so it ends. */
	bool changed = true;
	while (changed) {
		changed = false;
		for (int i = 0; i < s->nroutes; i++) {
			struct cc_route *r = s->routes[i];
			if (r->async || !r->body)
				continue;
			if (cc_async_walk(r->body->u.block.first, false)) {
				r->async = true;
				changed = true;
			}
		}
	}
	for (int i = 0; i < s->nroutes; i++) {
		struct cc_route *r = s->routes[i];
		if (r->async && r->body)
			cc_async_walk(r->body->u.block.first, true);
	}
}
