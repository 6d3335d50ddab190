/* Route functions: their symbols and prototypes, their bodies, and the
 * frame and outer function of a route that may wait. */
#include "llvm_int.h"

/* The symbol of a route: sipcc_route_<kind>_<name>, or sipcc_route_<kind>
 * when the name is the kind (the main "route request"). */
static char *cc_route_symbol(const struct cc_route *r)
{
	const char *kind = cc_route_kind_name(r->kind);
	const char *name = r->name ? r->name : "";
	size_t n = strlen("sipcc_route__") + strlen(kind) + strlen(name) + 1;
	char *sym = malloc(n);
	if (!sym)
		abort();
	if (!*name || strcmp(kind, name) == 0)
		snprintf(sym, n, "sipcc_route_%s", kind);
	else
		snprintf(sym, n, "sipcc_route_%s_%s", kind, name);
	return sym;
}

/* The body of a route that may wait: its parameters with the frame
 * inserted after ctx. */
static void cc_gen_route_body_proto(struct cc_gen *g, struct cc_route_fn *rf)
{
	unsigned n = LLVMCountParamTypes(rf->type);
	LLVMTypeRef *pt = calloc((size_t)n + 2, sizeof *pt);
	if (!pt)
		abort();
	LLVMGetParamTypes(rf->type, pt + 1);
	pt[0] = pt[1];
	pt[1] = g->t_ptr;
	rf->body_type = LLVMFunctionType(g->t_i64, pt, n + 1, 0);
	free(pt);
	char *sym = cc_route_symbol(rf->route);
	size_t len = strlen(sym);
	char *name = malloc(len + sizeof ".body");
	if (!name)
		abort();
	memcpy(name, sym, len);
	memcpy(name + len, ".body", sizeof ".body");
	rf->body = LLVMAddFunction(g->mod, name, rf->body_type);
	free(name);
	free(sym);
	LLVMSetLinkage(rf->body, LLVMInternalLinkage);
	cc_fn_attr_add(g, rf->body, LLVMAttributeFunctionIndex, "nounwind");
}

/* The outer function of a route that may wait: take the frame (a new one,
 * or the one of the call that waited), run the body, and give the frame
 * back unless the body is waiting. */
static void cc_gen_route_shim(struct cc_gen *g, struct cc_route_fn *rf, LLVMTypeRef frame_type)
{
	LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(g->llctx, rf->fn, "entry");
	LLVMPositionBuilderAtEnd(g->b, entry);
	LLVMValueRef ctx = LLVMGetParam(rf->fn, 0);
	LLVMTypeRef et[2] = { g->t_ctx, g->t_i64 };
	LLVMValueRef enter = cc_gen_declare(g, "sipcc_frame_enter",
					    LLVMFunctionType(g->t_ptr, et, 2, 0));
	LLVMValueRef eargs[2] = { ctx, LLVMSizeOf(frame_type) };
	LLVMValueRef frame = cc_gen_call(g, enter, eargs, 2, "frame");
	unsigned n = LLVMCountParams(rf->fn);
	LLVMValueRef *args = calloc((size_t)n + 2, sizeof *args);
	if (!args)
		abort();
	args[0] = ctx;
	args[1] = frame;
	for (unsigned i = 1; i < n; i++)
		args[i + 1] = LLVMGetParam(rf->fn, i);
	LLVMValueRef rc = LLVMBuildCall2(g->b, rf->body_type, rf->body, args, n + 1, "rc");
	free(args);
	LLVMValueRef waits = LLVMBuildICmp(g->b, LLVMIntEQ, rc,
					   cc_const_i64(g, SIPCC_RET_SUSPEND), "waits");
	LLVMBasicBlockRef leave = LLVMAppendBasicBlockInContext(g->llctx, rf->fn, "leave");
	LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(g->llctx, rf->fn, "done");
	LLVMBuildCondBr(g->b, waits, done, leave);
	LLVMPositionBuilderAtEnd(g->b, leave);
	LLVMTypeRef lt[1] = { g->t_ctx };
	LLVMValueRef lfn = cc_gen_declare(g, "sipcc_frame_leave",
					  LLVMFunctionType(g->t_void, lt, 1, 0));
	LLVMValueRef largs[1] = { ctx };
	cc_gen_call(g, lfn, largs, 1, "");
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, done);
	LLVMBuildRet(g->b, rc);
}

/* How many while loops a statement list has (their counters go in the
 * frame of a route that may wait). */
static unsigned cc_count_loops(const struct cc_stmt *st)
{
	unsigned n = 0;
	for (; st; st = st->next) {
		switch (st->kind) {
		case S_BLOCK: n += cc_count_loops(st->u.block.first); break;
		case S_IF: n += cc_count_loops(st->u.if_.then) + cc_count_loops(st->u.if_.els); break;
		case S_WHILE: n += 1 + cc_count_loops(st->u.while_.body); break;
		case S_SWITCH:
			for (const struct cc_case *c = st->u.switch_.cases; c; c = c->next)
				n += cc_count_loops(c->first);
			break;
		default: break;
		}
	}
	return n;
}

/* Create (without bodies) the function of every route, so calls and route
 * references can point at routes defined later. */
void cc_gen_route_protos(struct cc_gen *g, struct cc_program *p)
{
	int n = 0;
	for (struct cc_route *r = p->routes; r; r = r->next)
		n++;
	g->routes = calloc((size_t)n + 1, sizeof *g->routes);
	if (!g->routes)
		abort();
	for (struct cc_route *r = p->routes; r; r = r->next) {
		char *sym = cc_route_symbol(r);
		LLVMTypeRef type = cc_gen_route_type(g, r);
		LLVMValueRef fn = LLVMAddFunction(g->mod, sym, type);
		free(sym);
		LLVMSetLinkage(fn, LLVMInternalLinkage);
		LLVMSetValueName2(LLVMGetParam(fn, 0), "ctx", 3);
		cc_fn_attr_add(g, fn, 1, "nonnull");
		cc_fn_attr_add(g, fn, 1, "noundef");
		cc_fn_attr_add(g, fn, LLVMAttributeFunctionIndex, "nounwind");
		struct cc_route_fn rf = { r, fn, type, NULL, NULL };
		if (r->async)
			cc_gen_route_body_proto(g, &rf);
		g->routes[g->nroutes++] = rf;
	}
}

/* The frame of a route that may wait: the resume state, one slot per
 * parameter and variable (by cc_var.index), one counter per while loop. */
static LLVMTypeRef cc_gen_frame_type(struct cc_gen *g, const struct cc_route *r)
{
	unsigned n = 1 + (unsigned)r->nvars + cc_count_loops(r->body);
	LLVMTypeRef *ft = calloc(n, sizeof *ft);
	if (!ft)
		abort();
	ft[0] = g->t_i64;
	for (unsigned i = 1; i < n; i++)
		ft[i] = g->t_i64;
	for (const struct cc_var *v = r->vars; v; v = v->next)
		if (cc_type_is_str(v->type))
			ft[1 + v->index] = g->t_str;
	LLVMTypeRef t = LLVMStructTypeInContext(g->llctx, ft, n, 0);
	free(ft);
	return t;
}

/* Parameter i of the event an event route handles, from the runtime
 * (sipcc_event_arg_str / sipcc_event_arg_int, proxy/policy_abi.h). */
static struct cc_val cc_gen_event_arg(struct cc_gen *g, enum cc_type t, int64_t i)
{
	if (cc_type_is_str(t)) {
		LLVMTypeRef pt[3] = { g->t_ctx, LLVMPointerType(g->t_str, 0), g->t_i64 };
		LLVMValueRef fn = cc_gen_declare(g, "sipcc_event_arg_str",
						 LLVMFunctionType(g->t_void, pt, 3, 0));
		LLVMValueRef slot = cc_gen_str_slot(g);
		LLVMValueRef args[3] = { g->ctx, slot, cc_const_i64(g, i) };
		cc_gen_call(g, fn, args, 3, "");
		return cc_gen_str_load(g, slot);
	}
	LLVMTypeRef pt[2] = { g->t_ctx, g->t_i64 };
	LLVMValueRef fn = cc_gen_declare(g, "sipcc_event_arg_int",
					 LLVMFunctionType(g->t_i64, pt, 2, 0));
	LLVMValueRef args[2] = { g->ctx, cc_const_i64(g, i) };
	LLVMValueRef v = cc_gen_call(g, fn, args, 2, "evarg");
	if (t == CC_TY_BOOL)
		v = cc_gen_truth(g, v);
	return (struct cc_val){ v, NULL };
}

void cc_gen_route_body(struct cc_gen *g, struct cc_route_fn *rf)
{
	struct cc_route *r = rf->route;
	g->frame = NULL;
	g->frame_type = NULL;
	g->dispatch = NULL;
	g->nresume = 0;
	g->nloops = 0;
	unsigned arg = 1;
	if (r->async) {
		g->frame_type = cc_gen_frame_type(g, r);
		cc_gen_route_shim(g, rf, g->frame_type);
		g->fn = rf->body;
		g->frame = LLVMGetParam(rf->body, 1);
		arg = 2;
	} else {
		g->fn = rf->fn;
	}
	g->ctx = LLVMGetParam(g->fn, 0);
	g->route = r;
	g->brk = NULL;
	LLVMBasicBlockRef entry = cc_gen_block(g, "entry");
	LLVMBasicBlockRef body = cc_gen_block(g, "body");
	LLVMPositionBuilderAtEnd(g->ab, entry);
	LLVMPositionBuilderAtEnd(g->b, body);

	/* One slot per parameter and variable (in the frame when the route
	 * may wait); parameters start with their argument. */
	g->slots = calloc((size_t)r->nvars + 1, sizeof *g->slots);
	if (!g->slots)
		abort();
	for (struct cc_var *v = r->vars; v; v = v->next)
		g->slots[v->index] = g->frame
			? LLVMBuildStructGEP2(g->ab, g->frame_type, g->frame, 1 + (unsigned)v->index, v->name)
			: cc_type_is_str(v->type) ? cc_gen_str_slot(g)
			: LLVMBuildAlloca(g->ab, g->t_i64, v->name);
	if (g->frame) {
		/* A call after a wait goes to its resume point; a new call
		 * starts at the top. */
		LLVMValueRef state = LLVMBuildLoad2(g->b, g->t_i64,
			LLVMBuildStructGEP2(g->b, g->frame_type, g->frame, 0, ""), "state");
		LLVMBasicBlockRef start = cc_gen_block(g, "start");
		g->dispatch = LLVMBuildSwitch(g->b, state, start, 4);
		LLVMPositionBuilderAtEnd(g->b, start);
	}
	g->result = NULL;
	if (cc_route_has_result(r))
		g->result = LLVMGetParam(g->fn, arg++);
	int64_t evarg = 0;
	for (struct cc_var *v = r->vars; v; v = v->next) {
		if (!v->is_param)
			continue;
		if (r->kind == CC_RK_EVENT) {
			cc_gen_slot_store(g, g->slots[v->index], v->type,
					  cc_gen_event_arg(g, v->type, evarg++));
			continue;
		}
		struct cc_val pv = { LLVMGetParam(g->fn, arg++), NULL };
		if (cc_type_is_str(v->type))
			pv.len = LLVMGetParam(g->fn, arg++);
		cc_gen_slot_store(g, g->slots[v->index], v->type, pv);
	}
	cc_gen_stmt(g, r->body);
	if (!LLVMGetBasicBlockTerminator(LLVMGetInsertBlock(g->b)))
		cc_gen_ret(g, SIPCC_RET_CONTINUE);
	LLVMPositionBuilderAtEnd(g->ab, entry);
	LLVMBuildBr(g->ab, body);
	free(g->slots);
	g->slots = NULL;
	g->frame = NULL;
}

