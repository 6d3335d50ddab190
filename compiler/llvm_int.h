/* Shared state and helpers of the LLVM back end: llvm_gen.c (the module,
 * sipcc_policy_init, shared helpers), llvm_route.c (route functions and
 * the frames of routes that wait), llvm_stmt.c (statements), llvm_expr.c
 * (expressions). Only these files include LLVM's headers. */
#ifndef SIPCC_COMPILER_LLVM_INT_H
#define SIPCC_COMPILER_LLVM_INT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Core.h>

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
	/* Test builds: the statement probes (codegen.h) made so far, their
	 * sites one a line. */
	const struct cc_codegen_opts *opts;
	char *sites;
	size_t sites_len, sites_cap;
	int64_t nsites;
};

/* llvm_gen.c: values, declarations and calls shared by the others */
LLVMValueRef cc_const_i64(struct cc_gen *g, int64_t v);
void cc_fn_attr_add(struct cc_gen *g, LLVMValueRef fn, unsigned idx, const char *name);
bool cc_gen_args_order(struct cc_gen *g, struct cc_expr *e, struct cc_expr **out);
LLVMBasicBlockRef cc_gen_block(struct cc_gen *g, const char *name);
void cc_gen_bug(struct cc_gen *g, const struct cc_loc *loc, const char *msg, const char *what);
LLVMValueRef cc_gen_call(struct cc_gen *g, LLVMValueRef fn, LLVMValueRef *args, unsigned n, const char *name);
LLVMValueRef cc_gen_cstr(struct cc_gen *g, const char *s, size_t len);
LLVMValueRef cc_gen_declare(struct cc_gen *g, const char *name, LLVMTypeRef type);
LLVMValueRef cc_gen_fn_decl(struct cc_gen *g, const struct cc_fn_decl *d);
LLVMValueRef cc_gen_i64(struct cc_gen *g, LLVMValueRef v);
LLVMValueRef cc_gen_pv_decl(struct cc_gen *g, const struct cc_pv_decl *d, bool set);
struct cc_route_fn *cc_gen_route_find(struct cc_gen *g, const struct cc_route *r);
LLVMTypeRef cc_gen_route_type(struct cc_gen *g, const struct cc_route *r);
struct cc_val cc_gen_slot_load(struct cc_gen *g, LLVMValueRef slot, enum cc_type t);
void cc_gen_slot_store(struct cc_gen *g, LLVMValueRef slot, enum cc_type t, struct cc_val v);
struct cc_val cc_gen_str_load(struct cc_gen *g, LLVMValueRef slot);
LLVMValueRef cc_gen_str_slot(struct cc_gen *g);
LLVMValueRef cc_gen_truth(struct cc_gen *g, LLVMValueRef v);
bool cc_route_has_result(const struct cc_route *r);
struct cc_val cc_val_poison(struct cc_gen *g);

/* llvm_route.c */
void cc_gen_route_body(struct cc_gen *g, struct cc_route_fn *rf);
void cc_gen_route_protos(struct cc_gen *g, struct cc_program *p);

/* llvm_stmt.c */
void cc_gen_propagate(struct cc_gen *g, LLVMValueRef status);
void cc_gen_ret(struct cc_gen *g, int64_t code);
void cc_gen_stmt(struct cc_gen *g, struct cc_stmt *s);

/* llvm_expr.c */
struct cc_val cc_gen_as_str(struct cc_gen *g, struct cc_val v);
struct cc_val cc_gen_expr(struct cc_gen *g, struct cc_expr *e);
LLVMValueRef cc_gen_str_eq(struct cc_gen *g, struct cc_val a, struct cc_val b);

#endif
