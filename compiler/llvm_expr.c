/* Lowering of expressions: values, calls of stdlib functions and routes,
 * pseudo-variables, strings, operators. */
#include "llvm_int.h"

/* After a call of an async stdlib function: when it suspended the
 * message, leave the route (the frame keeps the resume state). */
static void cc_gen_wait_check(struct cc_gen *g)
{
	LLVMTypeRef pt[1] = { g->t_ctx };
	LLVMValueRef fn = cc_gen_declare(g, "sipcc_suspended", LLVMFunctionType(g->t_i64, pt, 1, 0));
	LLVMValueRef args[1] = { g->ctx };
	LLVMValueRef w = cc_gen_call(g, fn, args, 1, "waits");
	LLVMValueRef waits = LLVMBuildICmp(g->b, LLVMIntNE, w, cc_const_i64(g, 0), "");
	LLVMBasicBlockRef ret = cc_gen_block(g, "suspend");
	LLVMBasicBlockRef cont = cc_gen_block(g, "resumed");
	LLVMBuildCondBr(g->b, waits, ret, cont);
	LLVMPositionBuilderAtEnd(g->b, ret);
	LLVMBuildRet(g->b, cc_const_i64(g, SIPCC_RET_SUSPEND));
	LLVMPositionBuilderAtEnd(g->b, cont);
}

/* name(args): a call of a named route with parameters or a result. */
static struct cc_val cc_gen_route_call(struct cc_gen *g, struct cc_expr *e)
{
	struct cc_route *r = e->u.call.route;
	struct cc_route_fn *rf = cc_gen_route_find(g, r);
	struct cc_val res = { LLVMConstInt(g->t_i64, 0, 0), NULL };
	if (!rf) {
		cc_gen_bug(g, &e->loc, "route call not resolved by sema", e->u.call.name);
		return cc_val_poison(g);
	}
	LLVMValueRef *args = calloc(2 + 2 * (size_t)r->nparams, sizeof *args);
	if (!args)
		abort();
	unsigned n = 0;
	LLVMValueRef slot = NULL;
	args[n++] = g->ctx;
	if (cc_route_has_result(r)) {
		slot = cc_type_is_str(r->result) ? cc_gen_str_slot(g)
			: LLVMBuildAlloca(g->ab, g->t_i64, "ret.slot");
		args[n++] = slot;
	}
	for (int i = 0; i < r->nparams && i < e->u.call.nargs; i++) {
		struct cc_val a = cc_gen_expr(g, e->u.call.args[i]);
		if (cc_type_is_str(r->params[i].type)) {
			a = cc_gen_as_str(g, a);
			args[n++] = a.v;
			args[n++] = a.len;
		} else {
			args[n++] = cc_gen_i64(g, a.v);
		}
	}
	if (!g->failed) {
		LLVMValueRef status = LLVMBuildCall2(g->b, rf->type, rf->fn, args, n, "rc");
		cc_gen_propagate(g, status);
		if (slot)
			res = cc_gen_slot_load(g, slot, r->result);
	}
	free(args);
	return res;
}

/* s =~ "re": the pattern is compiled on first use and kept in a private
 * global, one per literal. */
static struct cc_val cc_gen_match(struct cc_gen *g, struct cc_expr *e)
{
	struct cc_val l = cc_gen_as_str(g, cc_gen_expr(g, e->u.binary.l));
	struct cc_expr *re = e->u.binary.r;
	char name[32];
	snprintf(name, sizeof name, ".re.%d", g->nstr++);
	LLVMValueRef cache = LLVMAddGlobal(g->mod, g->t_ptr, name);
	LLVMSetInitializer(cache, LLVMConstNull(g->t_ptr));
	LLVMSetLinkage(cache, LLVMInternalLinkage);
	LLVMTypeRef pt[6] = { g->t_ctx, LLVMPointerType(g->t_ptr, 0), g->t_ptr, g->t_i64,
			      g->t_ptr, g->t_i64 };
	LLVMValueRef fn = cc_gen_declare(g, "sipcc_regex_match",
					 LLVMFunctionType(g->t_i64, pt, 6, 0));
	LLVMValueRef args[6] = {
		g->ctx, cache, cc_gen_cstr(g, re->u.str.s, re->u.str.len),
		LLVMConstInt(g->t_i64, re->u.str.len, 0), l.v, l.len,
	};
	LLVMValueRef m = cc_gen_truth(g, cc_gen_call(g, fn, args, 6, "match"));
	if (e->u.binary.op == B_NMATCH)
		m = LLVMBuildNot(g->b, m, "nomatch");
	return (struct cc_val){ m, NULL };
}

/* $avp(name): the newest value, "" or 0 when it has none. */
static struct cc_val cc_gen_avp_get(struct cc_gen *g, struct cc_expr *e)
{
	const struct cc_avp_decl *a = e->u.avp.avp;
	if (!a) {
		cc_gen_bug(g, &e->loc, "AVP not resolved by sema", e->u.avp.name);
		return cc_val_poison(g);
	}
	if (cc_type_is_str(a->type)) {
		LLVMTypeRef pt[3] = { g->t_ctx, LLVMPointerType(g->t_str, 0), g->t_i64 };
		LLVMValueRef fn = cc_gen_declare(g, a->dialog ? "sipcc_dlgvar_get_str" : "sipcc_avp_get_str",
						 LLVMFunctionType(g->t_void, pt, 3, 0));
		LLVMValueRef slot = cc_gen_str_slot(g);
		LLVMValueRef args[3] = { g->ctx, slot, cc_const_i64(g, a->index) };
		cc_gen_call(g, fn, args, 3, "");
		return cc_gen_str_load(g, slot);
	}
	LLVMTypeRef pt[2] = { g->t_ctx, g->t_i64 };
	LLVMValueRef fn = cc_gen_declare(g, a->dialog ? "sipcc_dlgvar_get_int" : "sipcc_avp_get_int",
					 LLVMFunctionType(g->t_i64, pt, 2, 0));
	LLVMValueRef args[2] = { g->ctx, cc_const_i64(g, a->index) };
	return (struct cc_val){ cc_gen_call(g, fn, args, 2, "avp"), NULL };
}

/* A call to a stdlib function, lowered per the policy ABI. */
static struct cc_val cc_gen_expr_call(struct cc_gen *g, struct cc_expr *e)
{
	if (e->u.call.route && !e->u.call.fn)
		return cc_gen_route_call(g, e);
	const struct cc_fn_decl *d = e->u.call.fn;
	if (!d || !d->symbol) {
		cc_gen_bug(g, &e->loc, "call not resolved by sema", e->u.call.name);
		return cc_val_poison(g);
	}
	LLVMValueRef fn = cc_gen_fn_decl(g, d);
	struct cc_expr **ordered = calloc((size_t)d->nparams + 1, sizeof *ordered);
	LLVMValueRef *args = calloc(2 + 2 * (size_t)d->nparams, sizeof *args);
	if (!ordered || !args)
		abort();
	struct cc_val res = cc_val_poison(g);
	if (!cc_gen_args_order(g, e, ordered))
		goto out;
	unsigned n = 0;
	LLVMValueRef slot = NULL;
	args[n++] = g->ctx;
	if (cc_type_is_str(d->result)) {
		slot = cc_gen_str_slot(g);
		args[n++] = slot;
	}
	for (int i = 0; i < d->nparams; i++) {
		struct cc_val a = cc_gen_expr(g, ordered[i]);
		if (cc_type_is_str(d->params[i].type)) {
			if (!a.len) {
				cc_gen_bug(g, &ordered[i]->loc, "str argument expected for", d->name);
				goto out;
			}
			args[n++] = a.v;
			args[n++] = a.len;
		} else if (LLVMTypeOf(a.v) == g->t_i1) {
			args[n++] = LLVMBuildZExt(g->b, a.v, g->t_i64, "");
		} else {
			args[n++] = a.v;
		}
	}
	LLVMValueRef r = cc_gen_call(g, fn, args, n, d->name);
	if ((d->marks & CC_MARK_ASYNC) && g->frame)
		cc_gen_wait_check(g);
	switch (d->result) {
	case CC_TY_STR:
	case CC_TY_URI:
	case CC_TY_IP:
		res = cc_gen_str_load(g, slot);
		break;
	case CC_TY_BOOL:
		res.v = cc_gen_truth(g, r);
		break;
	case CC_TY_VOID:
		res.v = LLVMConstInt(g->t_i64, 0, 0);
		break;
	default:
		res.v = r;
		break;
	}
out:
	free(ordered);
	free(args);
	return res;
}

/* Read a pseudo-variable through SYMBOL_get. */
static struct cc_val cc_gen_expr_pv(struct cc_gen *g, struct cc_expr *e)
{
	const struct cc_pv_decl *d = e->u.pv.decl;
	if (!d || !d->symbol) {
		cc_gen_bug(g, &e->loc, "pseudo-variable not resolved by sema", e->u.pv.name);
		return cc_val_poison(g);
	}
	LLVMValueRef fn = cc_gen_pv_decl(g, d, false);
	LLVMValueRef args[4] = { g->ctx };
	unsigned n = 1;
	LLVMValueRef slot = NULL;
	if (cc_type_is_str(d->type)) {
		slot = cc_gen_str_slot(g);
		args[n++] = slot;
	}
	if (d->arg_name) {
		const char *a = e->u.pv.arg ? e->u.pv.arg : "";
		args[n++] = cc_gen_cstr(g, a, strlen(a));
		args[n++] = LLVMConstInt(g->t_i64, strlen(a), 0);
	}
	if (slot) {
		cc_gen_call(g, fn, args, n, "");
		return cc_gen_str_load(g, slot);
	}
	LLVMValueRef r = cc_gen_call(g, fn, args, n, d->name[0] == '$' ? d->name + 1 : d->name);
	if (d->type == CC_TY_BOOL)
		r = cc_gen_truth(g, r);
	return (struct cc_val){ r, NULL };
}

/* A str view of V: str values as they are, ints through sipcc_int_to_str. */
struct cc_val cc_gen_as_str(struct cc_gen *g, struct cc_val v)
{
	if (v.len)
		return v;
	LLVMTypeRef pt[3] = { g->t_ctx, LLVMPointerType(g->t_str, 0), g->t_i64 };
	LLVMValueRef fn = cc_gen_declare(g, "sipcc_int_to_str",
					 LLVMFunctionType(g->t_void, pt, 3, 0));
	LLVMValueRef slot = cc_gen_str_slot(g);
	LLVMValueRef iv = LLVMTypeOf(v.v) == g->t_i1
		? LLVMBuildZExt(g->b, v.v, g->t_i64, "") : v.v;
	LLVMValueRef args[3] = { g->ctx, slot, iv };
	cc_gen_call(g, fn, args, 3, "");
	return cc_gen_str_load(g, slot);
}

/* a + b on strings: sipcc_str_concat into the message arena. */
static struct cc_val cc_gen_concat(struct cc_gen *g, struct cc_val a, struct cc_val b)
{
	a = cc_gen_as_str(g, a);
	b = cc_gen_as_str(g, b);
	LLVMTypeRef pt[6] = { g->t_ctx, LLVMPointerType(g->t_str, 0),
			      g->t_ptr, g->t_i64, g->t_ptr, g->t_i64 };
	LLVMValueRef fn = cc_gen_declare(g, "sipcc_str_concat",
					 LLVMFunctionType(g->t_void, pt, 6, 0));
	LLVMValueRef slot = cc_gen_str_slot(g);
	LLVMValueRef args[6] = { g->ctx, slot, a.v, a.len, b.v, b.len };
	cc_gen_call(g, fn, args, 6, "");
	return cc_gen_str_load(g, slot);
}

/* String equality inline: equal lengths, then memcmp unless empty (memcmp
 * may not be given a null pointer, and an empty sip_str may have one). A
 * literal side gives memcmp a constant length, which the optimiser turns
 * into a few loads and compares. */
LLVMValueRef cc_gen_str_eq(struct cc_gen *g, struct cc_val a, struct cc_val b)
{
	LLVMValueRef n = LLVMIsAConstantInt(b.len) ? b.len
		: LLVMIsAConstantInt(a.len) ? a.len : NULL;
	LLVMValueRef same_len = LLVMBuildICmp(g->b, LLVMIntEQ, a.len, b.len, "samelen");
	if (n && LLVMConstIntGetZExtValue(n) == 0)
		return same_len;

	LLVMTypeRef pt[3] = { g->t_ptr, g->t_ptr, g->t_i64 };
	LLVMValueRef memcmp_fn = cc_gen_declare(g, "memcmp",
						LLVMFunctionType(g->t_i32, pt, 3, 0));
	LLVMBasicBlockRef start = LLVMGetInsertBlock(g->b);
	LLVMBasicBlockRef nonempty = n ? NULL : cc_gen_block(g, "streq.cmp");
	LLVMBasicBlockRef bytes = cc_gen_block(g, "streq.bytes");
	LLVMBasicBlockRef done = cc_gen_block(g, "streq.done");
	LLVMBuildCondBr(g->b, same_len, n ? bytes : nonempty, done);

	if (!n) {
		LLVMPositionBuilderAtEnd(g->b, nonempty);
		LLVMValueRef empty = LLVMBuildICmp(g->b, LLVMIntEQ, a.len,
						   LLVMConstInt(g->t_i64, 0, 0), "empty");
		LLVMBuildCondBr(g->b, empty, done, bytes);
		n = a.len;
	}

	LLVMPositionBuilderAtEnd(g->b, bytes);
	LLVMValueRef args[3] = { a.v, b.v, n };
	LLVMValueRef c = cc_gen_call(g, memcmp_fn, args, 3, "cmp");
	LLVMValueRef eq = LLVMBuildICmp(g->b, LLVMIntEQ, c, LLVMConstInt(g->t_i32, 0, 0), "");
	LLVMBasicBlockRef bytes_end = LLVMGetInsertBlock(g->b);
	LLVMBuildBr(g->b, done);

	LLVMPositionBuilderAtEnd(g->b, done);
	LLVMValueRef phi = LLVMBuildPhi(g->b, g->t_i1, "streq");
	LLVMValueRef vals[3] = { LLVMConstInt(g->t_i1, 0, 0), eq, LLVMConstInt(g->t_i1, 1, 0) };
	LLVMBasicBlockRef from[3] = { start, bytes_end, nonempty };
	LLVMAddIncoming(phi, vals, from, nonempty ? 3 : 2);
	return phi;
}

/* && and ||: evaluate the right side only when the left does not decide. */
static struct cc_val cc_gen_logic(struct cc_gen *g, struct cc_expr *e)
{
	bool is_and = e->u.binary.op == B_AND;
	LLVMValueRef l = cc_gen_truth(g, cc_gen_expr(g, e->u.binary.l).v);
	LLVMBasicBlockRef lend = LLVMGetInsertBlock(g->b);
	LLVMBasicBlockRef rhs = cc_gen_block(g, is_and ? "and.rhs" : "or.rhs");
	LLVMBasicBlockRef done = cc_gen_block(g, is_and ? "and.done" : "or.done");
	if (is_and)
		LLVMBuildCondBr(g->b, l, rhs, done);
	else
		LLVMBuildCondBr(g->b, l, done, rhs);

	LLVMPositionBuilderAtEnd(g->b, rhs);
	LLVMValueRef r = cc_gen_truth(g, cc_gen_expr(g, e->u.binary.r).v);
	LLVMBasicBlockRef rend = LLVMGetInsertBlock(g->b);
	LLVMBuildBr(g->b, done);

	LLVMPositionBuilderAtEnd(g->b, done);
	LLVMValueRef phi = LLVMBuildPhi(g->b, g->t_i1, is_and ? "and" : "or");
	LLVMValueRef vals[2] = { LLVMConstInt(g->t_i1, is_and ? 0 : 1, 0), r };
	LLVMBasicBlockRef from[2] = { lend, rend };
	LLVMAddIncoming(phi, vals, from, 2);
	return (struct cc_val){ phi, NULL };
}

/* x / y and x % y on i64 without the cases LLVM leaves undefined (a
 * divisor of 0, INT64_MIN / -1): the divisor is replaced by 1 when it is 0
 * or -1, so the sdiv/srem never traps, and the result is then chosen:
 *     x / 0 = 0      x / -1 = 0 - x (wrapping: INT64_MIN / -1 = INT64_MIN)
 *     x % 0 = 0      x % -1 = 0     (x % 1, as srem gives it)
 * Otherwise C's truncating division. Selects rather than branches, so the
 * optimiser keeps straight-line code and folds constant operands. */
static LLVMValueRef cc_gen_divmod(struct cc_gen *g, bool rem, LLVMValueRef l, LLVMValueRef r)
{
	LLVMValueRef zero = cc_const_i64(g, 0), one = cc_const_i64(g, 1);
	LLVMValueRef is0 = LLVMBuildICmp(g->b, LLVMIntEQ, r, zero, "div.zero");
	LLVMValueRef ism1 = LLVMBuildICmp(g->b, LLVMIntEQ, r, cc_const_i64(g, -1), "div.m1");
	LLVMValueRef odd = LLVMBuildOr(g->b, is0, ism1, "div.odd");
	LLVMValueRef d = LLVMBuildSelect(g->b, odd, one, r, "div.d");

	if (rem)
		return LLVMBuildSRem(g->b, l, d, "rem");
	LLVMValueRef q = LLVMBuildSDiv(g->b, l, d, "div.q");
	LLVMValueRef neg = LLVMBuildSub(g->b, zero, l, "div.neg");
	q = LLVMBuildSelect(g->b, ism1, neg, q, "div.q1");
	return LLVMBuildSelect(g->b, is0, zero, q, "div");
}

static struct cc_val cc_gen_binary(struct cc_gen *g, struct cc_expr *e)
{
	enum cc_binop op = e->u.binary.op;
	if (op == B_AND || op == B_OR)
		return cc_gen_logic(g, e);
	if (op == B_MATCH || op == B_NMATCH)
		return cc_gen_match(g, e);
	struct cc_val l = cc_gen_expr(g, e->u.binary.l);
	struct cc_val r = cc_gen_expr(g, e->u.binary.r);
	if (g->failed)
		return cc_val_poison(g);

	if (op == B_ADD) {
		if (cc_type_is_str(e->ty) || l.len || r.len)
			return cc_gen_concat(g, l, r);
		return (struct cc_val){ LLVMBuildAdd(g->b, l.v, r.v, "add"), NULL };
	}
	if (op == B_SUB)
		return (struct cc_val){ LLVMBuildSub(g->b, l.v, r.v, "sub"), NULL };
	if (op == B_MUL)
		return (struct cc_val){ LLVMBuildMul(g->b, l.v, r.v, "mul"), NULL };
	if (op == B_DIV || op == B_MOD)
		return (struct cc_val){ cc_gen_divmod(g, op == B_MOD, l.v, r.v), NULL };
	if (op == B_EQ || op == B_NE) {
		LLVMValueRef eq;
		if (l.len && r.len)
			eq = cc_gen_str_eq(g, l, r);
		else if (l.len || r.len) {
			cc_gen_bug(g, &e->loc, "comparison of str with a non-str value", NULL);
			return cc_val_poison(g);
		} else {
			if (LLVMTypeOf(l.v) != LLVMTypeOf(r.v)) {
				l.v = LLVMBuildZExt(g->b, cc_gen_truth(g, l.v), g->t_i64, "");
				r.v = LLVMBuildZExt(g->b, cc_gen_truth(g, r.v), g->t_i64, "");
			}
			eq = LLVMBuildICmp(g->b, LLVMIntEQ, l.v, r.v, "eq");
		}
		if (op == B_NE)
			eq = LLVMBuildNot(g->b, eq, "ne");
		return (struct cc_val){ eq, NULL };
	}
	if (l.len || r.len) {
		cc_gen_bug(g, &e->loc, "ordering comparison on str", NULL);
		return cc_val_poison(g);
	}
	LLVMIntPredicate pred = op == B_LT ? LLVMIntSLT : op == B_GT ? LLVMIntSGT
		: op == B_LE ? LLVMIntSLE : LLVMIntSGE;
	return (struct cc_val){ LLVMBuildICmp(g->b, pred, l.v, r.v, "cmp"), NULL };
}

struct cc_val cc_gen_expr(struct cc_gen *g, struct cc_expr *e)
{
	if (g->failed)
		return cc_val_poison(g);
	switch (e->kind) {
	case E_INT:
	case E_CONST:
		return (struct cc_val){ cc_const_i64(g, e->u.ival), NULL };
	case E_BOOL:
		return (struct cc_val){ LLVMConstInt(g->t_i1, e->u.ival != 0, 0), NULL };
	case E_STR:
		return (struct cc_val){ cc_gen_cstr(g, e->u.str.s, e->u.str.len),
					LLVMConstInt(g->t_i64, e->u.str.len, 0) };
	case E_PV:
		return cc_gen_expr_pv(g, e);
	case E_CALL:
		return cc_gen_expr_call(g, e);
	case E_UNARY: {
		struct cc_val v = cc_gen_expr(g, e->u.unary.e);
		if (g->failed)
			return v;
		if (e->u.unary.op == U_NOT)
			return (struct cc_val){ LLVMBuildNot(g->b, cc_gen_truth(g, v.v), "not"), NULL };
		return (struct cc_val){ LLVMBuildNeg(g->b, v.v, "neg"), NULL };
	}
	case E_BINARY:
		return cc_gen_binary(g, e);
	case E_ROUTEREF: {
		struct cc_route_fn *rf = cc_gen_route_find(g, e->u.routeref.route);
		if (!rf) {
			cc_gen_bug(g, &e->loc, "route reference not resolved by sema",
				   e->u.routeref.name);
			return cc_val_poison(g);
		}
		return (struct cc_val){ rf->fn, NULL };
	}
	case E_VAR:
		if (!g->slots || !e->u.var.var) {
			cc_gen_bug(g, &e->loc, "variable not resolved by sema", e->u.var.name);
			return cc_val_poison(g);
		}
		return cc_gen_slot_load(g, g->slots[e->u.var.var->index], e->u.var.var->type);
	case E_AVP:
		return cc_gen_avp_get(g, e);
	case E_IDENT:
		cc_gen_bug(g, &e->loc, "name not resolved by sema", e->u.ident.name);
		return cc_val_poison(g);
	}
	cc_gen_bug(g, &e->loc, "unknown expression kind", NULL);
	return cc_val_poison(g);
}

