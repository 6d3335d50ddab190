/* Lowering of a checked program to LLVM IR and on to a native object.
 *
 * Every route becomes an internal function i64 (%struct.sip_ctx*) returning
 * SIPCC_RET_*; sipcc_policy_init() registers listens, domains, the
 * database, settings and routes.
 * Runtime functions are declared from their stdlib declarations following
 * the calling convention of runtime/proxy/policy_abi.h, so the back end
 * never knows a function by name except the few language helpers below. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "codegen.h"


/* A lowered value: v alone for int/bool/method/route (bool is i1), or the
 * pointer v and the length len for a str. */
struct cc_val {
	LLVMValueRef v;
	LLVMValueRef len;
};

struct cc_route_fn {
	struct cc_route *route;
	LLVMValueRef fn;
	LLVMTypeRef type;           /* t_route, or the signature of a route with parameters */
	/* A route that may wait (cc_route.async): fn takes its frame from the
	 * runtime and calls body, which takes the frame after ctx. */
	LLVMValueRef body;
	LLVMTypeRef body_type;
};

/* Where "break" goes: the end of the innermost switch or while. */
struct cc_break_target {
	LLVMBasicBlockRef end;
	struct cc_break_target *outer;
};

struct cc_gen {
	LLVMContextRef llctx;
	LLVMModuleRef mod;
	LLVMBuilderRef b;
	LLVMBuilderRef ab;          /* allocas, at the end of the entry block */

	LLVMTypeRef t_void, t_i1, t_i8, t_i32, t_i64, t_ptr;
	LLVMTypeRef t_ctx;          /* %struct.sip_ctx* */
	LLVMTypeRef t_str;          /* %struct.sip_str = { i8*, i64 } */
	LLVMTypeRef t_route;        /* i64 (%struct.sip_ctx*) */

	struct cc_route_fn *routes;
	int nroutes;

	LLVMValueRef fn;            /* function being generated */
	LLVMValueRef ctx;           /* its ctx parameter */
	struct cc_route *route;     /* the route being generated */
	LLVMValueRef *slots;        /* its variables' allocas, by cc_var.index */
	LLVMValueRef result;        /* its result out-parameter, or NULL */
	/* A route that may wait: its frame (state, then its variables and
	 * loop counters), the switch on the state at its entry, the resume
	 * points made so far, and loop counters placed so far. */
	LLVMValueRef frame;
	LLVMTypeRef frame_type;
	LLVMValueRef dispatch;
	int nresume;
	unsigned nloops;
	struct cc_break_target *brk;
	int nstr;                   /* string constants made so far */
	bool failed;
};

static struct cc_val cc_gen_expr(struct cc_gen *g, struct cc_expr *e);
static void cc_gen_stmt(struct cc_gen *g, struct cc_stmt *s);
static struct cc_val cc_gen_as_str(struct cc_gen *g, struct cc_val v);

/* Report a compiler bug: an AST that sema should not have let through. */
static void cc_gen_bug(struct cc_gen *g, const struct cc_loc *loc, const char *msg,
		       const char *what)
{
	if (loc && loc->file)
		fprintf(stderr, "%s:%d:%d: ", loc->file, loc->line, loc->col);
	fprintf(stderr, "internal compiler error: %s%s%s\n", msg,
		what ? ": " : "", what ? what : "");
	g->failed = true;
}

static LLVMValueRef cc_const_i64(struct cc_gen *g, int64_t v)
{
	return LLVMConstInt(g->t_i64, (unsigned long long)v, 1);
}

static struct cc_val cc_val_poison(struct cc_gen *g)
{
	return (struct cc_val){ LLVMGetUndef(g->t_i64), NULL };
}

/* Mark attribute NAME on parameter IDX (1-based) or the function (~0u). */
static void cc_fn_attr_add(struct cc_gen *g, LLVMValueRef fn, unsigned idx, const char *name)
{
	unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));
	LLVMAddAttributeAtIndex(fn, idx, LLVMCreateEnumAttribute(g->llctx, kind, 0));
}

/* Return the declaration of external function NAME, creating it with TYPE
 * when the module does not have it yet. */
static LLVMValueRef cc_gen_declare(struct cc_gen *g, const char *name, LLVMTypeRef type)
{
	LLVMValueRef fn = LLVMGetNamedFunction(g->mod, name);
	if (!fn) {
		fn = LLVMAddFunction(g->mod, name, type);
		LLVMSetLinkage(fn, LLVMExternalLinkage);
	}
	return fn;
}

/* The LLVM type of one int/bool/method value crossing the ABI. */
static LLVMTypeRef cc_abi_scalar(struct cc_gen *g, enum cc_type t)
{
	return t == CC_TY_ROUTE ? LLVMPointerType(g->t_route, 0) : g->t_i64;
}

/* Declare the runtime function of a stdlib fn: ctx first, then sip_str *out
 * for a str result, then the parameters (str as ptr + length). */
static LLVMValueRef cc_gen_fn_decl(struct cc_gen *g, const struct cc_fn_decl *d)
{
	LLVMValueRef fn = LLVMGetNamedFunction(g->mod, d->symbol);
	if (fn)
		return fn;
	int cap = 2 + 2 * d->nparams, n = 0;
	LLVMTypeRef *pt = calloc((size_t)cap, sizeof *pt);
	if (!pt)
		abort();
	pt[n++] = g->t_ctx;
	if (cc_type_is_str(d->result))
		pt[n++] = LLVMPointerType(g->t_str, 0);
	for (int i = 0; i < d->nparams; i++) {
		if (cc_type_is_str(d->params[i].type)) {
			pt[n++] = g->t_ptr;
			pt[n++] = g->t_i64;
		} else {
			pt[n++] = cc_abi_scalar(g, d->params[i].type);
		}
	}
	LLVMTypeRef ret = (d->result == CC_TY_VOID || cc_type_is_str(d->result))
		? g->t_void : g->t_i64;
	fn = cc_gen_declare(g, d->symbol, LLVMFunctionType(ret, pt, (unsigned)n, 0));
	free(pt);
	return fn;
}

/* SYMBOL_get or SYMBOL_set of a pseudo-variable, declared on first use. */
static LLVMValueRef cc_gen_pv_decl(struct cc_gen *g, const struct cc_pv_decl *d, bool set)
{
	size_t n = strlen(d->symbol);
	char *name = malloc(n + 5);
	if (!name)
		abort();
	memcpy(name, d->symbol, n);
	memcpy(name + n, set ? "_set" : "_get", 5);
	LLVMTypeRef pt[5] = { g->t_ctx };
	unsigned np = 1;
	LLVMTypeRef ret = g->t_void;
	if (cc_type_is_str(d->type) && !set)
		pt[np++] = LLVMPointerType(g->t_str, 0);
	if (d->arg_name) {
		pt[np++] = g->t_ptr;
		pt[np++] = g->t_i64;
	}
	if (cc_type_is_str(d->type)) {
		if (set) {
			pt[np++] = g->t_ptr;
			pt[np++] = g->t_i64;
		}
	} else if (set) {
		pt[np++] = g->t_i64;
	} else {
		ret = g->t_i64;
	}
	LLVMValueRef fn = cc_gen_declare(g, name, LLVMFunctionType(ret, pt, np, 0));
	free(name);
	return fn;
}

static LLVMValueRef cc_gen_call(struct cc_gen *g, LLVMValueRef fn, LLVMValueRef *args,
				unsigned n, const char *name)
{
	LLVMTypeRef ft = LLVMGlobalGetValueType(fn);
	if (LLVMGetReturnType(ft) == g->t_void)
		name = "";
	return LLVMBuildCall2(g->b, ft, fn, args, n, name);
}

/* A sip_str slot in the entry block, for str results passed by out-param. */
static LLVMValueRef cc_gen_str_slot(struct cc_gen *g)
{
	return LLVMBuildAlloca(g->ab, g->t_str, "str.slot");
}

/* Read back a sip_str an out-param call filled in. */
static struct cc_val cc_gen_str_load(struct cc_gen *g, LLVMValueRef slot)
{
	LLVMValueRef ps = LLVMBuildStructGEP2(g->b, g->t_str, slot, 0, "");
	LLVMValueRef pl = LLVMBuildStructGEP2(g->b, g->t_str, slot, 1, "");
	return (struct cc_val){
		LLVMBuildLoad2(g->b, g->t_ptr, ps, "s"),
		LLVMBuildLoad2(g->b, g->t_i64, pl, "len"),
	};
}

/* A private NUL-terminated constant holding S; returns an i8* to it. The
 * NUL lets the same constant serve C-string registration calls. */
static LLVMValueRef cc_gen_cstr(struct cc_gen *g, const char *s, size_t len)
{
	char name[32];
	snprintf(name, sizeof name, ".str.%d", g->nstr++);
	LLVMValueRef init = LLVMConstStringInContext(g->llctx, s, (unsigned)len, 0);
	LLVMValueRef gv = LLVMAddGlobal(g->mod, LLVMTypeOf(init), name);
	LLVMSetInitializer(gv, init);
	LLVMSetLinkage(gv, LLVMPrivateLinkage);
	LLVMSetGlobalConstant(gv, 1);
	LLVMSetUnnamedAddress(gv, LLVMGlobalUnnamedAddr);
	LLVMSetAlignment(gv, 1);
	LLVMValueRef zero[2] = { LLVMConstInt(g->t_i32, 0, 0), LLVMConstInt(g->t_i32, 0, 0) };
	return LLVMConstInBoundsGEP2(LLVMTypeOf(init), gv, zero, 2);
}

/* An i1 from a bool (i1) or an int/method (nonzero is true). */
static LLVMValueRef cc_gen_truth(struct cc_gen *g, LLVMValueRef v)
{
	if (LLVMTypeOf(v) == g->t_i1)
		return v;
	return LLVMBuildICmp(g->b, LLVMIntNE, v, LLVMConstInt(LLVMTypeOf(v), 0, 0), "tobool");
}

static LLVMBasicBlockRef cc_gen_block(struct cc_gen *g, const char *name)
{
	return LLVMAppendBasicBlockInContext(g->llctx, g->fn, name);
}

static struct cc_route_fn *cc_gen_route_find(struct cc_gen *g, const struct cc_route *r)
{
	for (int i = 0; i < g->nroutes; i++)
		if (g->routes[i].route == r)
			return &g->routes[i];
	return NULL;
}

/* Arguments of a call in parameter order: positional ones first, then named
 * ones placed by name. Returns false when a parameter is left without a
 * value or a name matches none. */
static bool cc_gen_args_order(struct cc_gen *g, struct cc_expr *e, struct cc_expr **out)
{
	const struct cc_fn_decl *d = e->u.call.fn;
	int pos = 0;
	for (int i = 0; i < d->nparams; i++)
		out[i] = NULL;
	for (int i = 0; i < e->u.call.nargs; i++) {
		const char *an = e->u.call.arg_names ? e->u.call.arg_names[i] : NULL;
		int slot = -1;
		if (an) {
			for (int j = 0; j < d->nparams; j++)
				if (d->params[j].name && strcmp(d->params[j].name, an) == 0)
					slot = j;
		} else {
			slot = pos++;
		}
		if (slot < 0 || slot >= d->nparams || out[slot]) {
			cc_gen_bug(g, &e->loc, "argument does not match a parameter of", d->name);
			return false;
		}
		out[slot] = e->u.call.args[i];
	}
	for (int i = 0; i < d->nparams; i++) {
		if (!out[i]) {
			cc_gen_bug(g, &e->loc, "missing argument in call to", d->name);
			return false;
		}
	}
	return true;
}

static bool cc_route_has_result(const struct cc_route *r)
{
	return r->result != CC_TY_VOID && r->result != CC_TY_ERROR;
}

/* The function type of a route: i64 (ctx) for entry routes and plain
 * named routes; a named route with parameters or a result also takes a
 * pointer to its result (sip_str or i64) and its arguments (a str as
 * pointer and length). It still returns SIPCC_RET_*, so exit and drop in
 * it stop the caller too. */
static LLVMTypeRef cc_gen_route_type(struct cc_gen *g, const struct cc_route *r)
{
	if (!r->nparams && !cc_route_has_result(r))
		return g->t_route;
	LLVMTypeRef *pt = calloc(2 + 2 * (size_t)r->nparams, sizeof *pt);
	unsigned n = 0;
	if (!pt)
		abort();
	pt[n++] = g->t_ctx;
	if (cc_route_has_result(r))
		pt[n++] = LLVMPointerType(cc_type_is_str(r->result) ? g->t_str : g->t_i64, 0);
	for (int i = 0; i < r->nparams; i++) {
		if (cc_type_is_str(r->params[i].type)) {
			pt[n++] = g->t_ptr;
			pt[n++] = g->t_i64;
		} else {
			pt[n++] = g->t_i64;
		}
	}
	LLVMTypeRef t = LLVMFunctionType(g->t_i64, pt, n, 0);
	free(pt);
	return t;
}

/* An int/bool value as the i64 that crosses calls and fills slots. */
static LLVMValueRef cc_gen_i64(struct cc_gen *g, LLVMValueRef v)
{
	return LLVMTypeOf(v) == g->t_i1 ? LLVMBuildZExt(g->b, v, g->t_i64, "") : v;
}

/* Store a value into a slot: a sip_str for str types, an i64 otherwise. */
static void cc_gen_slot_store(struct cc_gen *g, LLVMValueRef slot, enum cc_type t,
			      struct cc_val v)
{
	if (cc_type_is_str(t)) {
		LLVMBuildStore(g->b, v.v, LLVMBuildStructGEP2(g->b, g->t_str, slot, 0, ""));
		LLVMBuildStore(g->b, v.len, LLVMBuildStructGEP2(g->b, g->t_str, slot, 1, ""));
	} else {
		LLVMBuildStore(g->b, cc_gen_i64(g, v.v), slot);
	}
}

static struct cc_val cc_gen_slot_load(struct cc_gen *g, LLVMValueRef slot, enum cc_type t)
{
	if (cc_type_is_str(t))
		return cc_gen_str_load(g, slot);
	LLVMValueRef v = LLVMBuildLoad2(g->b, g->t_i64, slot, "");
	if (t == CC_TY_BOOL)
		v = cc_gen_truth(g, v);
	return (struct cc_val){ v, NULL };
}

/* After a call of a route: hand EXIT or DROP up to our caller, go on
 * otherwise. */
static void cc_gen_propagate(struct cc_gen *g, LLVMValueRef status)
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
static struct cc_val cc_gen_as_str(struct cc_gen *g, struct cc_val v)
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
static LLVMValueRef cc_gen_str_eq(struct cc_gen *g, struct cc_val a, struct cc_val b)
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

static struct cc_val cc_gen_expr(struct cc_gen *g, struct cc_expr *e)
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

static void cc_gen_ret(struct cc_gen *g, int64_t code)
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

/* Lower one statement (and, for S_BLOCK, its list). Statements after an
 * exit/drop/return land in a fresh block with no predecessor, which the
 * optimiser drops; sema has already warned about them. */
static void cc_gen_stmt(struct cc_gen *g, struct cc_stmt *s)
{
	if (!s || g->failed)
		return;
	if (LLVMGetBasicBlockTerminator(LLVMGetInsertBlock(g->b)))
		LLVMPositionBuilderAtEnd(g->b, cc_gen_block(g, "dead"));
	if (g->frame && s->kind != S_WHILE && cc_stmt_waits(s))
		cc_gen_resume_point(g);
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
static void cc_gen_route_protos(struct cc_gen *g, struct cc_program *p)
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

static void cc_gen_route_body(struct cc_gen *g, struct cc_route_fn *rf)
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
	for (struct cc_var *v = r->vars; v; v = v->next) {
		if (!v->is_param)
			continue;
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

/* sipcc_policy_init(): register listens, domains and routes with the
 * runtime, in the order the policy declares them. */
static void cc_gen_policy_init(struct cc_gen *g, struct cc_program *p)
{
	LLVMValueRef fn = LLVMAddFunction(g->mod, "sipcc_policy_init",
					  LLVMFunctionType(g->t_void, NULL, 0, 0));
	cc_fn_attr_add(g, fn, LLVMAttributeFunctionIndex, "nounwind");
	g->fn = fn;
	LLVMPositionBuilderAtEnd(g->b, cc_gen_block(g, "entry"));

	LLVMTypeRef lt[3] = { g->t_ptr, g->t_ptr, g->t_i64 };
	LLVMValueRef reg_listen = cc_gen_declare(g, "sipcc_reg_listen",
						 LLVMFunctionType(g->t_void, lt, 3, 0));
	for (struct cc_listen *l = p->listens; l; l = l->next) {
		LLVMValueRef args[3] = {
			cc_gen_cstr(g, l->proto, strlen(l->proto)),
			cc_gen_cstr(g, l->addr, strlen(l->addr)),
			cc_const_i64(g, l->port),
		};
		cc_gen_call(g, reg_listen, args, 3, "");
	}

	LLVMTypeRef dt[1] = { g->t_ptr };
	LLVMValueRef reg_domain = cc_gen_declare(g, "sipcc_reg_domain",
						 LLVMFunctionType(g->t_void, dt, 1, 0));
	for (struct cc_domain *d = p->domains; d; d = d->next) {
		LLVMValueRef args[1] = { cc_gen_cstr(g, d->name, strlen(d->name)) };
		cc_gen_call(g, reg_domain, args, 1, "");
	}

	if (p->database) {
		LLVMValueRef reg_db = cc_gen_declare(g, "sipcc_reg_database",
						     LLVMFunctionType(g->t_void, dt, 1, 0));
		LLVMValueRef args[1] = { cc_gen_cstr(g, p->database, strlen(p->database)) };
		cc_gen_call(g, reg_db, args, 1, "");
	}

	/* Every setting the stdlib declares, with the policy's value or the
	 * declared default, so a module's defaults live in one place. */
	LLVMTypeRef st[4] = { g->t_ptr, g->t_ptr, g->t_ptr, g->t_i64 };
	LLVMValueRef reg_setting = NULL;
	for (const struct cc_setting_decl *d = p->settings; d; d = d->next) {
		const struct cc_expr *v = d->dflt;
		for (const struct cc_use *u = p->uses; u; u = u->next)
			for (const struct cc_use_item *it = u->items; it; it = it->next)
				if (it->decl == d)
					v = it->value;
		if (!reg_setting)
			reg_setting = cc_gen_declare(g, "sipcc_reg_setting",
						     LLVMFunctionType(g->t_void, st, 4, 0));
		LLVMValueRef args[4] = {
			cc_gen_cstr(g, d->module, strlen(d->module)),
			cc_gen_cstr(g, d->key, strlen(d->key)),
			v->kind == E_STR ? cc_gen_cstr(g, v->u.str.s, v->u.str.len)
					 : LLVMConstNull(g->t_ptr),
			cc_const_i64(g, v->kind == E_STR ? 0 : v->u.ival),
		};
		cc_gen_call(g, reg_setting, args, 4, "");
	}

	LLVMTypeRef rt[3] = { g->t_i64, g->t_ptr, LLVMPointerType(g->t_route, 0) };
	LLVMValueRef reg_route = cc_gen_declare(g, "sipcc_reg_route",
						LLVMFunctionType(g->t_void, rt, 3, 0));
	LLVMTypeRef tt[3] = { g->t_ptr, LLVMPointerType(g->t_route, 0), g->t_i64 };
	LLVMValueRef reg_timer = NULL;
	for (int i = 0; i < g->nroutes; i++) {
		const struct cc_route *r = g->routes[i].route;
		if (g->routes[i].type != g->t_route)
			continue;   /* called only from the policy */
		const char *name = r->name ? r->name : cc_route_kind_name(r->kind);
		if (r->kind == CC_RK_TIMER) {
			if (!reg_timer)
				reg_timer = cc_gen_declare(g, "sipcc_reg_timer",
							   LLVMFunctionType(g->t_void, tt, 3, 0));
			LLVMValueRef args[3] = {
				cc_gen_cstr(g, name, strlen(name)),
				g->routes[i].fn,
				cc_const_i64(g, r->every_ms),
			};
			cc_gen_call(g, reg_timer, args, 3, "");
			continue;
		}
		LLVMValueRef args[3] = {
			cc_const_i64(g, r->kind),
			cc_gen_cstr(g, name, strlen(name)),
			g->routes[i].fn,
		};
		cc_gen_call(g, reg_route, args, 3, "");
	}
	LLVMBuildRetVoid(g->b);
}

static void cc_gen_types(struct cc_gen *g)
{
	LLVMContextRef c = g->llctx;
	g->t_void = LLVMVoidTypeInContext(c);
	g->t_i1 = LLVMInt1TypeInContext(c);
	g->t_i8 = LLVMInt8TypeInContext(c);
	g->t_i32 = LLVMInt32TypeInContext(c);
	g->t_i64 = LLVMInt64TypeInContext(c);
	g->t_ptr = LLVMPointerType(g->t_i8, 0);
	g->t_ctx = LLVMPointerType(LLVMStructCreateNamed(c, "struct.sip_ctx"), 0);
	g->t_str = LLVMStructCreateNamed(c, "struct.sip_str");
	LLVMTypeRef fields[2] = { g->t_ptr, g->t_i64 };
	LLVMStructSetBody(g->t_str, fields, 2, 0);
	LLVMTypeRef pt[1] = { g->t_ctx };
	g->t_route = LLVMFunctionType(g->t_i64, pt, 1, 0);
}

/* A target machine for the host, position-independent since the system
 * compiler links PIE by default. NULL (with a message) on failure. */
static LLVMTargetMachineRef cc_target_machine_create(int opt_level)
{
	LLVMInitializeNativeTarget();
	LLVMInitializeNativeAsmPrinter();
	char *triple = LLVMGetDefaultTargetTriple();
	LLVMTargetRef target;
	char *err = NULL;
	if (LLVMGetTargetFromTriple(triple, &target, &err)) {
		fprintf(stderr, "sipcc: no LLVM target for %s: %s\n", triple, err);
		LLVMDisposeMessage(err);
		LLVMDisposeMessage(triple);
		return NULL;
	}
	LLVMCodeGenOptLevel lvl = opt_level <= 0 ? LLVMCodeGenLevelNone
		: opt_level == 1 ? LLVMCodeGenLevelLess
		: opt_level == 2 ? LLVMCodeGenLevelDefault : LLVMCodeGenLevelAggressive;
	LLVMTargetMachineRef tm = LLVMCreateTargetMachine(target, triple, "generic", "",
							  lvl, LLVMRelocPIC,
							  LLVMCodeModelDefault);
	LLVMDisposeMessage(triple);
	if (!tm)
		fprintf(stderr, "sipcc: cannot create an LLVM target machine\n");
	return tm;
}

/* Run the new pass manager's default pipeline for the level (O1..O3). */
static bool cc_module_optimize(LLVMModuleRef mod, LLVMTargetMachineRef tm, int level)
{
	if (level <= 0)
		return true;
	char pipeline[32];
	snprintf(pipeline, sizeof pipeline, "default<O%d>", level > 3 ? 3 : level);
	LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
	LLVMErrorRef err = LLVMRunPasses(mod, pipeline, tm, po);
	LLVMDisposePassBuilderOptions(po);
	if (err) {
		char *msg = LLVMGetErrorMessage(err);
		fprintf(stderr, "sipcc: optimisation failed: %s\n", msg);
		LLVMDisposeErrorMessage(msg);
		return false;
	}
	return true;
}

/* Verify, optimise and write the module as IR text or an object file. */
static bool cc_module_emit(LLVMModuleRef mod, const struct cc_codegen_opts *o)
{
	char *err = NULL;
	if (LLVMVerifyModule(mod, LLVMReturnStatusAction, &err)) {
		fprintf(stderr, "sipcc: internal compiler error: invalid LLVM module:\n%s\n", err);
		LLVMDisposeMessage(err);
		return false;
	}
	LLVMDisposeMessage(err);
	err = NULL;
	LLVMTargetMachineRef tm = cc_target_machine_create(o->opt_level);
	if (!tm)
		return false;
	char *triple = LLVMGetTargetMachineTriple(tm);
	LLVMSetTarget(mod, triple);
	LLVMDisposeMessage(triple);
	LLVMTargetDataRef td = LLVMCreateTargetDataLayout(tm);
	char *layout = LLVMCopyStringRepOfTargetData(td);
	LLVMSetDataLayout(mod, layout);
	LLVMDisposeMessage(layout);
	LLVMDisposeTargetData(td);

	bool ok = cc_module_optimize(mod, tm, o->opt_level);
	if (ok && o->emit_llvm) {
		if (LLVMPrintModuleToFile(mod, o->out_path, &err)) {
			fprintf(stderr, "sipcc: cannot write %s: %s\n", o->out_path, err);
			ok = false;
		}
	} else if (ok) {
		if (LLVMTargetMachineEmitToFile(tm, mod, (char *)o->out_path,
						LLVMObjectFile, &err)) {
			fprintf(stderr, "sipcc: cannot write %s: %s\n", o->out_path, err);
			ok = false;
		}
	}
	LLVMDisposeMessage(err);
	LLVMDisposeTargetMachine(tm);
	return ok;
}

bool cc_codegen(struct cc_program *p, const struct cc_codegen_opts *o)
{
	struct cc_gen g = { 0 };
	g.llctx = LLVMContextCreate();
	const char *mname = o->module_name ? o->module_name : "policy";
	g.mod = LLVMModuleCreateWithNameInContext(mname, g.llctx);
	LLVMSetSourceFileName(g.mod, mname, strlen(mname));
	g.b = LLVMCreateBuilderInContext(g.llctx);
	g.ab = LLVMCreateBuilderInContext(g.llctx);
	cc_gen_types(&g);

	cc_gen_route_protos(&g, p);
	for (int i = 0; i < g.nroutes && !g.failed; i++)
		cc_gen_route_body(&g, &g.routes[i]);
	if (!g.failed)
		cc_gen_policy_init(&g, p);

	bool ok = !g.failed && cc_module_emit(g.mod, o);
	free(g.routes);
	LLVMDisposeBuilder(g.ab);
	LLVMDisposeBuilder(g.b);
	LLVMDisposeModule(g.mod);
	LLVMContextDispose(g.llctx);
	return ok;
}
