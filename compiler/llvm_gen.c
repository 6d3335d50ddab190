/* Lowering of a checked program to LLVM IR and on to a native object.
 *
 * Every route becomes an internal function i64 (%struct.sip_ctx*) returning
 * SIPCC_RET_*; sipcc_policy_init() registers listens, domains, the
 * database, settings and routes.
 * Runtime functions are declared from their stdlib declarations following
 * the calling convention of runtime/proxy/policy_abi.h, so the back end
 * never knows a function by name except the few language helpers below. */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <llvm-c/Analysis.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "llvm_int.h"

/* Report a compiler bug: an AST that sema should not have let through. */
void cc_gen_bug(struct cc_gen *g, const struct cc_loc *loc, const char *msg,
		const char *what)
{
	if (loc && loc->file)
		fprintf(stderr, "%s:%d:%d: ", loc->file, loc->line, loc->col);
	fprintf(stderr, "internal compiler error: %s%s%s\n", msg,
		what ? ": " : "", what ? what : "");
	g->failed = true;
}

LLVMValueRef cc_const_i64(struct cc_gen *g, int64_t v)
{
	return LLVMConstInt(g->t_i64, (unsigned long long)v, 1);
}

struct cc_val cc_val_poison(struct cc_gen *g)
{
	return (struct cc_val){ LLVMGetUndef(g->t_i64), NULL };
}

/* Mark attribute NAME on parameter IDX (1-based) or the function (~0u). */
void cc_fn_attr_add(struct cc_gen *g, LLVMValueRef fn, unsigned idx, const char *name)
{
	unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));
	LLVMAddAttributeAtIndex(fn, idx, LLVMCreateEnumAttribute(g->llctx, kind, 0));
}

/* Return the declaration of external function NAME, creating it with TYPE
 * when the module does not have it yet. */
LLVMValueRef cc_gen_declare(struct cc_gen *g, const char *name, LLVMTypeRef type)
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
LLVMValueRef cc_gen_fn_decl(struct cc_gen *g, const struct cc_fn_decl *d)
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
LLVMValueRef cc_gen_pv_decl(struct cc_gen *g, const struct cc_pv_decl *d, bool set)
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

LLVMValueRef cc_gen_call(struct cc_gen *g, LLVMValueRef fn, LLVMValueRef *args,
			 unsigned n, const char *name)
{
	LLVMTypeRef ft = LLVMGlobalGetValueType(fn);
	if (LLVMGetReturnType(ft) == g->t_void)
		name = "";
	return LLVMBuildCall2(g->b, ft, fn, args, n, name);
}

/* A sip_str slot in the entry block, for str results passed by out-param. */
LLVMValueRef cc_gen_str_slot(struct cc_gen *g)
{
	return LLVMBuildAlloca(g->ab, g->t_str, "str.slot");
}

/* Read back a sip_str an out-param call filled in. */
struct cc_val cc_gen_str_load(struct cc_gen *g, LLVMValueRef slot)
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
LLVMValueRef cc_gen_cstr(struct cc_gen *g, const char *s, size_t len)
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
LLVMValueRef cc_gen_truth(struct cc_gen *g, LLVMValueRef v)
{
	if (LLVMTypeOf(v) == g->t_i1)
		return v;
	return LLVMBuildICmp(g->b, LLVMIntNE, v, LLVMConstInt(LLVMTypeOf(v), 0, 0), "tobool");
}

LLVMBasicBlockRef cc_gen_block(struct cc_gen *g, const char *name)
{
	return LLVMAppendBasicBlockInContext(g->llctx, g->fn, name);
}

struct cc_route_fn *cc_gen_route_find(struct cc_gen *g, const struct cc_route *r)
{
	for (int i = 0; i < g->nroutes; i++)
		if (g->routes[i].route == r)
			return &g->routes[i];
	return NULL;
}

/* Arguments of a call in parameter order: positional ones first, then named
 * ones placed by name. Returns false when a parameter is left without a
 * value or a name matches none. */
bool cc_gen_args_order(struct cc_gen *g, struct cc_expr *e, struct cc_expr **out)
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

bool cc_route_has_result(const struct cc_route *r)
{
	return r->result != CC_TY_VOID && r->result != CC_TY_ERROR;
}

/* The function type of a route: i64 (ctx) for entry routes and plain
 * named routes; a named route with parameters or a result also takes a
 * pointer to its result (sip_str or i64) and its arguments (a str as
 * pointer and length). It still returns SIPCC_RET_*, so exit and drop in
 * it stop the caller too. */
LLVMTypeRef cc_gen_route_type(struct cc_gen *g, const struct cc_route *r)
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
LLVMValueRef cc_gen_i64(struct cc_gen *g, LLVMValueRef v)
{
	return LLVMTypeOf(v) == g->t_i1 ? LLVMBuildZExt(g->b, v, g->t_i64, "") : v;
}

/* Store a value into a slot: a sip_str for str types, an i64 otherwise. */
void cc_gen_slot_store(struct cc_gen *g, LLVMValueRef slot, enum cc_type t,
		       struct cc_val v)
{
	if (cc_type_is_str(t)) {
		LLVMBuildStore(g->b, v.v, LLVMBuildStructGEP2(g->b, g->t_str, slot, 0, ""));
		LLVMBuildStore(g->b, v.len, LLVMBuildStructGEP2(g->b, g->t_str, slot, 1, ""));
	} else {
		LLVMBuildStore(g->b, cc_gen_i64(g, v.v), slot);
	}
}

struct cc_val cc_gen_slot_load(struct cc_gen *g, LLVMValueRef slot, enum cc_type t)
{
	if (cc_type_is_str(t))
		return cc_gen_str_load(g, slot);
	LLVMValueRef v = LLVMBuildLoad2(g->b, g->t_i64, slot, "");
	if (t == CC_TY_BOOL)
		v = cc_gen_truth(g, v);
	return (struct cc_val){ v, NULL };
}

/* sipcc_policy_init(): register listens, domains and routes with the
 * runtime, in the order the policy declares them. */
/* sipcc_reg_module(&sipcc_module_NAME) for every module the policy uses,
 * each after those it requires or starts after (sema checked there is no
 * cycle), else in declaration order. */
static void cc_gen_modules(struct cc_gen *g, struct cc_program *p)
{
	int n = 0;
	for (struct cc_module_decl *m = p->modules; m; m = m->next)
		n++;
	if (!n)
		return;
	bool *placed = calloc((size_t)n, sizeof *placed);
	if (!placed)
		abort();
	LLVMTypeRef mt[1] = { g->t_ptr };
	LLVMValueRef reg = NULL;
	for (bool progress = true; progress;) {
		progress = false;
		for (struct cc_module_decl *m = p->modules; m; m = m->next) {
			if (!m->used || placed[m->order])
				continue;
			bool ready = true;
			for (int i = 0; i < m->nrequires; i++)
				ready &= !m->req || !m->req[i] || placed[m->req[i]->order];
			for (int i = 0; i < m->nafter; i++)
				ready &= !m->aft || !m->aft[i] || !m->aft[i]->used
					 || placed[m->aft[i]->order];
			if (!ready)
				continue;
			if (!reg)
				reg = cc_gen_declare(g, "sipcc_reg_module",
						     LLVMFunctionType(g->t_void, mt, 1, 0));
			size_t len = strlen("sipcc_module_") + strlen(m->name) + 1;
			char *sym = malloc(len);
			if (!sym)
				abort();
			snprintf(sym, len, "sipcc_module_%s", m->name);
			LLVMValueRef gv = LLVMGetNamedGlobal(g->mod, sym);
			if (!gv)
				gv = LLVMAddGlobal(g->mod, g->t_i8, sym);
			free(sym);
			LLVMValueRef args[1] = { LLVMBuildBitCast(g->b, gv, g->t_ptr, "") };
			cc_gen_call(g, reg, args, 1, "");
			placed[m->order] = true;
			progress = true;
			break;      /* from the first again: declaration order among the ready */
		}
	}
	free(placed);
}

/* Append printf-style text to the growing string *buf. */
static void cc_strbuf_add(char **buf, size_t *len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *nb = realloc(*buf, *len + (size_t)n + 1);
	if (!nb)
		abort();
	va_start(ap, fmt);
	vsnprintf(nb + *len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	*buf = nb;
	*len += (size_t)n;
}

/* The identity of the runtime interface the policy is compiled against
 * (policy_abi.h's version, the compiler's, the stdlib declarations'), as
 * the exported constant sipcc_policy_abi a proxy reads before it loads a
 * policy (sipcc build --hot), and the declarations whose values outlive a
 * message, in index order: branch flags (kept with registrations),
 * dialog variables and profiles (kept with dialogs). A running proxy
 * swaps in only a policy with the same ABI and the same state. */
static void cc_gen_policy_ids(struct cc_gen *g, const struct cc_program *p,
			      LLVMValueRef *abi, LLVMValueRef *state)
{
	char id[160];
	int n = snprintf(id, sizeof id, "sipcc policy abi %d; sipcc %s; stdlib %016llx",
			 SIPCC_POLICY_ABI_VERSION, PACKAGE_VERSION,
			 (unsigned long long)p->stdlib_hash);
	LLVMValueRef init = LLVMConstStringInContext(g->llctx, id, (unsigned)n, 0);
	LLVMValueRef gv = LLVMAddGlobal(g->mod, LLVMTypeOf(init), "sipcc_policy_abi");
	LLVMSetInitializer(gv, init);
	LLVMSetGlobalConstant(gv, 1);
	LLVMValueRef zero[2] = { LLVMConstInt(g->t_i32, 0, 0), LLVMConstInt(g->t_i32, 0, 0) };
	*abi = LLVMConstInBoundsGEP2(LLVMTypeOf(init), gv, zero, 2);

	char *buf = NULL;
	size_t len = 0;
	cc_strbuf_add(&buf, &len, "%s", "");
	for (int i = 0; i < p->nbflags; i++)
		for (const struct cc_flag_decl *f = p->flags; f; f = f->next)
			if (f->branch && f->index == i)
				cc_strbuf_add(&buf, &len, "bflag %s; ", f->name);
	for (int i = 0; i < p->ndlgvars; i++)
		for (const struct cc_avp_decl *a = p->dlgvars; a; a = a->next)
			if (a->index == i)
				cc_strbuf_add(&buf, &len, "dlgvar %s: %s; ", a->name,
					      cc_type_name(a->type));
	for (int i = 0; i < p->nprofiles; i++)
		for (const struct cc_profile_decl *d = p->profiles; d; d = d->next)
			if (d->index == i)
				cc_strbuf_add(&buf, &len, "profile %s%s; ", d->name,
					      d->type == CC_TY_STR ? ": str" : "");
	*state = cc_gen_cstr(g, buf, len);
	free(buf);
}

static void cc_gen_policy_init(struct cc_gen *g, struct cc_program *p)
{
	LLVMValueRef fn = LLVMAddFunction(g->mod, "sipcc_policy_init",
					  LLVMFunctionType(g->t_void, NULL, 0, 0));
	cc_fn_attr_add(g, fn, LLVMAttributeFunctionIndex, "nounwind");
	g->fn = fn;
	LLVMPositionBuilderAtEnd(g->b, cc_gen_block(g, "entry"));

	LLVMTypeRef pt[2] = { g->t_ptr, g->t_ptr };
	LLVMValueRef ids[2];
	cc_gen_policy_ids(g, p, &ids[0], &ids[1]);
	cc_gen_call(g, cc_gen_declare(g, "sipcc_reg_policy", LLVMFunctionType(g->t_void, pt, 2, 0)),
		    ids, 2, "");

	if (g->opts->probes) {
		LLVMTypeRef st[2] = { g->t_ptr, g->t_i64 };
		LLVMValueRef reg_sites = cc_gen_declare(g, "sipcc_probe_sites",
							LLVMFunctionType(g->t_void, st, 2, 0));
		LLVMValueRef args[2] = {
			cc_gen_cstr(g, g->sites ? g->sites : "", g->sites_len),
			cc_const_i64(g, g->nsites),
		};
		cc_gen_call(g, reg_sites, args, 2, "");
		/* The flags by name, for the checks of a test case. */
		LLVMTypeRef ft[3] = { g->t_ptr, g->t_i64, g->t_i64 };
		LLVMValueRef reg_flag = cc_gen_declare(g, "sipcc_probe_flag",
						       LLVMFunctionType(g->t_void, ft, 3, 0));
		for (struct cc_flag_decl *f = p->flags; f; f = f->next) {
			LLVMValueRef fa[3] = {
				cc_gen_cstr(g, f->name, strlen(f->name)),
				cc_const_i64(g, f->index),
				cc_const_i64(g, f->branch),
			};
			cc_gen_call(g, reg_flag, fa, 3, "");
		}
	}

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

	/* The AVPs the policy declares, so the runtime knows each index's
	 * name and type (attributes loaded from the database by name). */
	LLVMTypeRef at[3] = { g->t_i64, g->t_ptr, g->t_i64 };
	LLVMValueRef reg_avp = NULL;
	for (const struct cc_avp_decl *a = p->avps; a; a = a->next) {
		if (!reg_avp)
			reg_avp = cc_gen_declare(g, "sipcc_reg_avp", LLVMFunctionType(g->t_void, at, 3, 0));
		LLVMValueRef args[3] = {
			cc_const_i64(g, a->index),
			cc_gen_cstr(g, a->name, strlen(a->name)),
			cc_const_i64(g, a->type == CC_TY_INT),
		};
		cc_gen_call(g, reg_avp, args, 3, "");
	}

	/* The dialog profiles the policy declares: their names and whether
	 * they have values, for the runtime's counters and control socket. */
	LLVMValueRef reg_profile = NULL;
	for (const struct cc_profile_decl *d = p->profiles; d; d = d->next) {
		if (!reg_profile)
			reg_profile = cc_gen_declare(g, "sipcc_reg_profile",
						     LLVMFunctionType(g->t_void, at, 3, 0));
		LLVMValueRef args[3] = {
			cc_const_i64(g, d->index),
			cc_gen_cstr(g, d->name, strlen(d->name)),
			cc_const_i64(g, d->type == CC_TY_STR),
		};
		cc_gen_call(g, reg_profile, args, 3, "");
	}

	cc_gen_modules(g, p);

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
	g.opts = o;
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
	free(g.sites);
	LLVMDisposeBuilder(g.ab);
	LLVMDisposeBuilder(g.b);
	LLVMDisposeModule(g.mod);
	LLVMContextDispose(g.llctx);
	return ok;
}

