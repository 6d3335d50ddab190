/* Lowering of statements, and the resume points of routes that wait. */
#include "llvm_int.h"

/* After a call of a route: hand EXIT or DROP up to our caller, go on
 * otherwise. */
void cc_gen_propagate(struct cc_gen *g, LLVMValueRef status)
{
	LLVMValueRef stop = LLVMBuildICmp(g->b, LLVMIntNE, status,
					  cc_const_i64(g, SIPCC_RET_CONTINUE), "stop");
	LLVMBasicBlockRef ret = cc_gen_block(g, "route.stop");
	LLVMBasicBlockRef cont = cc_gen_block(g, "route.cont");
	LLVMBuildCondBr(g->b, stop, ret, cont);
	LLVMPositionBuilderAtEnd(g->b, ret);
	LLVMBuildRet(g->b, status);
	LLVMPositionBuilderAtEnd(g->b, cont);
}

/* ---- routes that may wait (compiler/sema_async.c) ----
 *
 * Such a route keeps its variables and loop counters in a frame the
 * runtime holds with the message (sipcc_frame_enter), whose first field is
 * the resume state. Each statement that may wait starts a resume point:
 * it stores its number in the state, and the switch at the route's entry
 * jumps there when the route is called again after a wait. A call that
 * waits (sipcc_suspended() true after it, or SIPCC_RET_SUSPEND from a
 * route) returns SIPCC_RET_SUSPEND at once; the caller, itself at a resume
 * point, hands it up (cc_gen_propagate). Nothing else lives across a
 * resume point: values in registers are recomputed by the statement,
 * which sema allows to call nothing before the call that waits. */

/* Start resume point K here: later code runs again from here on resume. */
static void cc_gen_resume_point(struct cc_gen *g)
{
	int k = ++g->nresume;
	LLVMBasicBlockRef at = cc_gen_block(g, "resume");
	LLVMBuildBr(g->b, at);
	LLVMPositionBuilderAtEnd(g->b, at);
	LLVMBuildStore(g->b, cc_const_i64(g, k),
		       LLVMBuildStructGEP2(g->b, g->frame_type, g->frame, 0, "state"));
	LLVMAddCase(g->dispatch, cc_const_i64(g, k), at);
}

void cc_gen_ret(struct cc_gen *g, int64_t code)
{
	LLVMBuildRet(g->b, cc_const_i64(g, code));
}

/* route(name): call it and hand EXIT or DROP up to our caller. */
static void cc_gen_stmt_route(struct cc_gen *g, struct cc_stmt *s)
{
	struct cc_route_fn *rf = cc_gen_route_find(g, s->u.route_call.target);
	if (!rf) {
		cc_gen_bug(g, &s->loc, "route call not resolved by sema", s->u.route_call.name);
		return;
	}
	struct cc_route *t = s->u.route_call.target;
	LLVMValueRef args[2] = { g->ctx };
	unsigned n = 1;
	if (cc_route_has_result(t))
		args[n++] = cc_type_is_str(t->result) ? cc_gen_str_slot(g)
			: LLVMBuildAlloca(g->ab, g->t_i64, "ret.slot");
	LLVMValueRef r = LLVMBuildCall2(g->b, rf->type, rf->fn, args, n, "rc");
	cc_gen_propagate(g, r);
}

/* $pv = value through SYMBOL_set. */
static void cc_gen_stmt_assign(struct cc_gen *g, struct cc_stmt *s)
{
	if (s->u.assign.lv == CC_LV_VAR) {
		struct cc_var *var = s->u.assign.var;
		struct cc_val v = cc_gen_expr(g, s->u.assign.value);
		if (!g->failed)
			cc_gen_slot_store(g, g->slots[var->index], var->type,
					  cc_type_is_str(var->type) ? cc_gen_as_str(g, v) : v);
		return;
	}
	if (s->u.assign.lv == CC_LV_AVP) {
		const struct cc_avp_decl *a = s->u.assign.avp;
		struct cc_val v = cc_gen_expr(g, s->u.assign.value);
		if (g->failed)
			return;
		if (cc_type_is_str(a->type)) {
			v = cc_gen_as_str(g, v);
			LLVMTypeRef pt[4] = { g->t_ctx, g->t_i64, g->t_ptr, g->t_i64 };
			LLVMValueRef fn = cc_gen_declare(g, a->dialog ? "sipcc_dlgvar_set_str" : "sipcc_avp_push_str",
							 LLVMFunctionType(g->t_void, pt, 4, 0));
			LLVMValueRef args[4] = { g->ctx, cc_const_i64(g, a->index), v.v, v.len };
			cc_gen_call(g, fn, args, 4, "");
		} else {
			LLVMTypeRef pt[3] = { g->t_ctx, g->t_i64, g->t_i64 };
			LLVMValueRef fn = cc_gen_declare(g, a->dialog ? "sipcc_dlgvar_set_int" : "sipcc_avp_push_int",
							 LLVMFunctionType(g->t_void, pt, 3, 0));
			LLVMValueRef args[3] = { g->ctx, cc_const_i64(g, a->index), cc_gen_i64(g, v.v) };
			cc_gen_call(g, fn, args, 3, "");
		}
		return;
	}
	const struct cc_pv_decl *d = s->u.assign.pv;
	if (!d || !d->symbol || !d->writable) {
		cc_gen_bug(g, &s->loc, "assignment to a pseudo-variable sema did not resolve",
			   s->u.assign.name);
		return;
	}
	struct cc_val v = cc_gen_expr(g, s->u.assign.value);
	if (g->failed)
		return;
	LLVMValueRef fn = cc_gen_pv_decl(g, d, true);
	LLVMValueRef args[5] = { g->ctx };
	unsigned n = 1;
	if (d->arg_name) {
		const char *a = s->u.assign.arg ? s->u.assign.arg : "";
		args[n++] = cc_gen_cstr(g, a, strlen(a));
		args[n++] = LLVMConstInt(g->t_i64, strlen(a), 0);
	}
	if (cc_type_is_str(d->type)) {
		v = cc_gen_as_str(g, v);
		args[n++] = v.v;
		args[n++] = v.len;
	} else {
		args[n++] = LLVMTypeOf(v.v) == g->t_i1
			? LLVMBuildZExt(g->b, v.v, g->t_i64, "") : v.v;
	}
	cc_gen_call(g, fn, args, n, "");
}

static void cc_gen_stmt_if(struct cc_gen *g, struct cc_stmt *s)
{
	LLVMValueRef c = cc_gen_truth(g, cc_gen_expr(g, s->u.if_.cond).v);
	if (g->failed)
		return;
	LLVMBasicBlockRef then = cc_gen_block(g, "if.then");
	LLVMBasicBlockRef els = s->u.if_.els ? cc_gen_block(g, "if.else") : NULL;
	LLVMBasicBlockRef end = cc_gen_block(g, "if.end");
	LLVMBuildCondBr(g->b, c, then, els ? els : end);

	LLVMPositionBuilderAtEnd(g->b, then);
	cc_gen_stmt(g, s->u.if_.then);
	if (!LLVMGetBasicBlockTerminator(LLVMGetInsertBlock(g->b)))
		LLVMBuildBr(g->b, end);
	if (els) {
		LLVMPositionBuilderAtEnd(g->b, els);
		cc_gen_stmt(g, s->u.if_.els);
		if (!LLVMGetBasicBlockTerminator(LLVMGetInsertBlock(g->b)))
			LLVMBuildBr(g->b, end);
	}
	LLVMPositionBuilderAtEnd(g->b, end);
}

/* while (cond) max N body: the N+1st iteration logs and leaves the loop
 * (sipcc_loop_bound), so no message can keep a worker spinning. */
static void cc_gen_stmt_while(struct cc_gen *g, struct cc_stmt *s)
{
	LLVMValueRef counter = g->frame
		? LLVMBuildStructGEP2(g->ab, g->frame_type, g->frame,
				      1 + (unsigned)g->route->nvars + g->nloops++, "loop.n")
		: LLVMBuildAlloca(g->ab, g->t_i64, "loop.n");
	LLVMBuildStore(g->b, cc_const_i64(g, 0), counter);
	LLVMBasicBlockRef cond = cc_gen_block(g, "while.cond");
	LLVMBasicBlockRef count = cc_gen_block(g, "while.count");
	LLVMBasicBlockRef over = cc_gen_block(g, "while.bound");
	LLVMBasicBlockRef body = cc_gen_block(g, "while.body");
	LLVMBasicBlockRef end = cc_gen_block(g, "while.end");
	LLVMBuildBr(g->b, cond);

	LLVMPositionBuilderAtEnd(g->b, cond);
	if (g->frame && cc_stmt_waits(s))
		cc_gen_resume_point(g);
	LLVMValueRef c = cc_gen_truth(g, cc_gen_expr(g, s->u.while_.cond).v);
	if (g->failed)
		return;
	LLVMBuildCondBr(g->b, c, count, end);

	LLVMPositionBuilderAtEnd(g->b, count);
	LLVMValueRef n = LLVMBuildAdd(g->b, LLVMBuildLoad2(g->b, g->t_i64, counter, ""),
				      cc_const_i64(g, 1), "n");
	LLVMBuildStore(g->b, n, counter);
	LLVMValueRef too_many = LLVMBuildICmp(g->b, LLVMIntSGT, n,
					      cc_const_i64(g, s->u.while_.max), "over");
	LLVMBuildCondBr(g->b, too_many, over, body);

	LLVMPositionBuilderAtEnd(g->b, over);
	char where[512];
	snprintf(where, sizeof where, "%s:%d", s->loc.file ? s->loc.file : "?", s->loc.line);
	LLVMTypeRef pt[3] = { g->t_ctx, g->t_ptr, g->t_i64 };
	LLVMValueRef fn = cc_gen_declare(g, "sipcc_loop_bound", LLVMFunctionType(g->t_void, pt, 3, 0));
	LLVMValueRef args[3] = { g->ctx, cc_gen_cstr(g, where, strlen(where) + 1),
				 cc_const_i64(g, s->u.while_.max) };
	cc_gen_call(g, fn, args, 3, "");
	LLVMBuildBr(g->b, end);

	LLVMPositionBuilderAtEnd(g->b, body);
	struct cc_break_target bt = { end, g->brk };
	g->brk = &bt;
	cc_gen_stmt(g, s->u.while_.body);
	g->brk = bt.outer;
	if (!LLVMGetBasicBlockTerminator(LLVMGetInsertBlock(g->b)))
		LLVMBuildBr(g->b, cond);
	LLVMPositionBuilderAtEnd(g->b, end);
}

/* switch: an LLVM switch on int and method subjects, a chain of inline
 * string compares on str subjects. Case groups fall through in order. */
static void cc_gen_stmt_switch(struct cc_gen *g, struct cc_stmt *s)
{
	struct cc_val v = cc_gen_expr(g, s->u.switch_.subject);
	if (g->failed)
		return;
	int n = 0;
	for (struct cc_case *c = s->u.switch_.cases; c; c = c->next)
		n++;
	LLVMBasicBlockRef *blocks = calloc((size_t)n + 1, sizeof *blocks);
	if (!blocks)
		abort();
	LLVMBasicBlockRef end = cc_gen_block(g, "switch.end");
	LLVMBasicBlockRef dflt = end;
	int i = 0;
	for (struct cc_case *c = s->u.switch_.cases; c; c = c->next, i++) {
		blocks[i] = cc_gen_block(g, c->is_default ? "switch.default" : "switch.case");
		if (c->is_default)
			dflt = blocks[i];
	}
	blocks[n] = end;
	if (v.len) {
		i = 0;
		for (struct cc_case *c = s->u.switch_.cases; c; c = c->next, i++) {
			for (int j = 0; j < c->nvalues; j++) {
				struct cc_val w = cc_gen_expr(g, c->values[j]);
				LLVMValueRef eq = cc_gen_str_eq(g, v, w);
				LLVMBasicBlockRef next = cc_gen_block(g, "switch.next");
				LLVMBuildCondBr(g->b, eq, blocks[i], next);
				LLVMPositionBuilderAtEnd(g->b, next);
			}
		}
		LLVMBuildBr(g->b, dflt);
	} else {
		LLVMValueRef sw = LLVMBuildSwitch(g->b, cc_gen_i64(g, v.v), dflt, (unsigned)n);
		i = 0;
		for (struct cc_case *c = s->u.switch_.cases; c; c = c->next, i++)
			for (int j = 0; j < c->nvalues; j++)
				LLVMAddCase(sw, cc_const_i64(g, c->values[j]->u.ival), blocks[i]);
	}
	struct cc_break_target bt = { end, g->brk };
	g->brk = &bt;
	i = 0;
	for (struct cc_case *c = s->u.switch_.cases; c && !g->failed; c = c->next, i++) {
		LLVMPositionBuilderAtEnd(g->b, blocks[i]);
		for (struct cc_stmt *st = c->first; st && !g->failed; st = st->next)
			cc_gen_stmt(g, st);
		if (!LLVMGetBasicBlockTerminator(LLVMGetInsertBlock(g->b)))
			LLVMBuildBr(g->b, blocks[i + 1]);
	}
	g->brk = bt.outer;
	free(blocks);
	LLVMPositionBuilderAtEnd(g->b, end);
}

/* return [value]: a value goes to the caller's result slot. */
static void cc_gen_stmt_return(struct cc_gen *g, struct cc_stmt *s)
{
	if (s->u.ret.value) {
		struct cc_val v = cc_gen_expr(g, s->u.ret.value);
		if (g->failed)
			return;
		if (g->result) {
			enum cc_type t = g->route->result;
			cc_gen_slot_store(g, g->result, t, cc_type_is_str(t) ? cc_gen_as_str(g, v) : v);
		}
	}
	cc_gen_ret(g, SIPCC_RET_CONTINUE);
}

/* Whether e calls a function that answers or forwards the request (marks
 * relay, reply or save_contact), not counting the statements of routes. */
static bool cc_expr_decides(const struct cc_expr *e)
{
	if (!e)
		return false;
	switch (e->kind) {
	case E_CALL:
		if (e->u.call.fn && (e->u.call.fn->marks &
				     (CC_MARK_RELAY | CC_MARK_REPLY | CC_MARK_SAVE_CONTACT)))
			return true;
		for (int i = 0; i < e->u.call.nargs; i++)
			if (cc_expr_decides(e->u.call.args[i]))
				return true;
		return false;
	case E_UNARY:
		return cc_expr_decides(e->u.unary.e);
	case E_BINARY:
		return cc_expr_decides(e->u.binary.l) || cc_expr_decides(e->u.binary.r);
	default:
		return false;
	}
}

/* The expression a statement evaluates itself (not its nested statements). */
static const struct cc_expr *cc_stmt_own_expr(const struct cc_stmt *s)
{
	switch (s->kind) {
	case S_EXPR: return s->u.expr;
	case S_IF: return s->u.if_.cond;
	case S_VAR: return s->u.var.init;
	case S_ASSIGN: return s->u.assign.value;
	case S_RETURN: return s->u.ret.value;
	case S_WHILE: return s->u.while_.cond;
	case S_SWITCH: return s->u.switch_.subject;
	default: return NULL;
	}
}

/* Test builds: count statement s as reached (codegen.h). Its site is
 * appended to g->sites; a block is not a statement of its own. A
 * statement that answers or forwards calls sipcc_probe_decide instead:
 * the test engine names it as the one that made the decision. */
static void cc_gen_probe(struct cc_gen *g, struct cc_stmt *s)
{
	const char *file = s->loc.file ? s->loc.file : "?";
	const char *skip = g->opts->probe_skip;
	char site[600];

	if (s->kind == S_BLOCK || s->loc.line <= 0)
		return;
	if (skip && *skip && strncmp(file, skip, strlen(skip)) == 0)
		return;
	int n = snprintf(site, sizeof site, "%s:%d:%d\n", file, s->loc.line, s->loc.col);
	if (n <= 0 || (size_t)n >= sizeof site)
		return;
	if (g->sites_len + (size_t)n + 1 > g->sites_cap) {
		g->sites_cap = (g->sites_cap + (size_t)n + 1) * 2;
		g->sites = realloc(g->sites, g->sites_cap);
		if (!g->sites)
			abort();
	}
	memcpy(g->sites + g->sites_len, site, (size_t)n + 1);
	g->sites_len += (size_t)n;
	LLVMTypeRef pt[2] = { g->t_ctx, g->t_i64 };
	const char *probe = cc_expr_decides(cc_stmt_own_expr(s)) ? "sipcc_probe_decide" : "sipcc_probe";
	LLVMValueRef fn = cc_gen_declare(g, probe, LLVMFunctionType(g->t_void, pt, 2, 0));
	LLVMValueRef args[2] = { g->ctx, cc_const_i64(g, g->nsites++) };
	cc_gen_call(g, fn, args, 2, "");
}

/* Lower one statement (and, for S_BLOCK, its list). Statements after an
 * exit/drop/return land in a fresh block with no predecessor, which the
 * optimiser drops; sema has already warned about them. */
void cc_gen_stmt(struct cc_gen *g, struct cc_stmt *s)
{
	if (!s || g->failed)
		return;
	if (LLVMGetBasicBlockTerminator(LLVMGetInsertBlock(g->b)))
		LLVMPositionBuilderAtEnd(g->b, cc_gen_block(g, "dead"));
	if (g->frame && s->kind != S_WHILE && cc_stmt_waits(s))
		cc_gen_resume_point(g);
	if (g->opts->probes)
		cc_gen_probe(g, s);
	switch (s->kind) {
	case S_EXPR:
		cc_gen_expr(g, s->u.expr);
		break;
	case S_IF:
		cc_gen_stmt_if(g, s);
		break;
	case S_BLOCK:
		for (struct cc_stmt *c = s->u.block.first; c && !g->failed; c = c->next)
			cc_gen_stmt(g, c);
		break;
	case S_EXIT:
		cc_gen_ret(g, SIPCC_RET_EXIT);
		break;
	case S_DROP:
		cc_gen_ret(g, SIPCC_RET_DROP);
		break;
	case S_RETURN:
		cc_gen_stmt_return(g, s);
		break;
	case S_VAR:
		if (s->u.var.init) {
			struct cc_var *var = s->u.var.var;
			struct cc_val v = cc_gen_expr(g, s->u.var.init);
			if (!g->failed)
				cc_gen_slot_store(g, g->slots[var->index], var->type,
						  cc_type_is_str(var->type) ? cc_gen_as_str(g, v) : v);
		}
		break;
	case S_WHILE:
		cc_gen_stmt_while(g, s);
		break;
	case S_SWITCH:
		cc_gen_stmt_switch(g, s);
		break;
	case S_BREAK:
		if (!g->brk) {
			cc_gen_bug(g, &s->loc, "break outside a loop", NULL);
			break;
		}
		LLVMBuildBr(g->b, g->brk->end);
		break;
	case S_ROUTE:
		cc_gen_stmt_route(g, s);
		break;
	case S_ASSIGN:
		cc_gen_stmt_assign(g, s);
		break;
	default:
		cc_gen_bug(g, &s->loc, "unknown statement kind", NULL);
		break;
	}
}

