/* Tests of the LLVM back end (compiler/llvm_gen.c), the linker driver
 * (compiler/link.c) and the stdlib reference (compiler/doc.c).
 *
 * A small policy is built by hand the way sema leaves it (decls resolved,
 * names rewritten) and lowered: the IR text is checked for the shapes the
 * ABI asks for, and the object is linked with tests/compiler/codegen_rt.c,
 * a stand-in runtime, and run, so each lowering rule is checked by what the
 * code does (at -O0 and -O2). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "codegen.h"

#ifndef CG_SRCDIR
#define CG_SRCDIR "."
#endif

static struct cc_loc loc0 = { "test.sip", 1, 1, 1 };

/* AST nodes come from the compiler arena, as the parsers' do. */
static void *t_new(size_t n)
{
	return cc_alloc(n);
}

static void *t_heap(size_t n)
{
	void *p = calloc(1, n);
	assert_non_null(p);
	return p;
}

static struct cc_expr *t_expr(enum cc_expr_kind k, enum cc_type ty)
{
	struct cc_expr *e = t_new(sizeof *e);
	e->kind = k;
	e->ty = ty;
	e->loc = loc0;
	return e;
}

static struct cc_expr *t_int(int64_t v)
{
	struct cc_expr *e = t_expr(E_INT, CC_TY_INT);
	e->u.ival = v;
	return e;
}


static struct cc_expr *t_const(int64_t v, enum cc_type ty)
{
	struct cc_expr *e = t_expr(E_CONST, ty);
	e->u.ival = v;
	return e;
}

static struct cc_expr *t_str(const char *s)
{
	struct cc_expr *e = t_expr(E_STR, CC_TY_STR);
	e->u.str.s = s;
	e->u.str.len = strlen(s);
	return e;
}

static struct cc_expr *t_pv(struct cc_pv_decl *d)
{
	struct cc_expr *e = t_expr(E_PV, d->type);
	e->u.pv.name = d->name;
	e->u.pv.decl = d;
	return e;
}

static struct cc_expr *t_not(struct cc_expr *x)
{
	struct cc_expr *e = t_expr(E_UNARY, CC_TY_BOOL);
	e->u.unary.op = U_NOT;
	e->u.unary.e = x;
	return e;
}

static struct cc_expr *t_bin(enum cc_binop op, enum cc_type ty, struct cc_expr *l,
			     struct cc_expr *r)
{
	struct cc_expr *e = t_expr(E_BINARY, ty);
	e->u.binary.op = op;
	e->u.binary.l = l;
	e->u.binary.r = r;
	return e;
}

static struct cc_expr *t_routeref(struct cc_route *r)
{
	struct cc_expr *e = t_expr(E_ROUTEREF, CC_TY_ROUTE);
	e->u.routeref.name = r->name;
	e->u.routeref.route = r;
	return e;
}

/* A call with NARGS (name, expr) pairs; a NULL name is positional. */
static struct cc_expr *t_call(struct cc_fn_decl *fn, int nargs, ...)
{
	struct cc_expr *e = t_expr(E_CALL, fn->result);
	e->u.call.name = fn->name;
	e->u.call.fn = fn;
	e->u.call.nargs = nargs;
	e->u.call.args = t_new(sizeof(struct cc_expr *) * (size_t)(nargs + 1));
	e->u.call.arg_names = t_new(sizeof(const char *) * (size_t)(nargs + 1));
	va_list ap;
	va_start(ap, nargs);
	for (int i = 0; i < nargs; i++) {
		e->u.call.arg_names[i] = va_arg(ap, const char *);
		e->u.call.args[i] = va_arg(ap, struct cc_expr *);
	}
	va_end(ap);
	return e;
}

static struct cc_stmt *t_stmt(enum cc_stmt_kind k)
{
	struct cc_stmt *s = t_new(sizeof *s);
	s->kind = k;
	s->loc = loc0;
	return s;
}

/* A block of statements, NULL-terminated. */
static struct cc_stmt *t_block(struct cc_stmt *first, ...)
{
	struct cc_stmt *b = t_stmt(S_BLOCK);
	b->u.block.first = first;
	va_list ap;
	va_start(ap, first);
	for (struct cc_stmt *s = first, *n; s; s = n) {
		n = va_arg(ap, struct cc_stmt *);
		s->next = n;
	}
	va_end(ap);
	return b;
}

static struct cc_stmt *t_do(struct cc_expr *e)
{
	struct cc_stmt *s = t_stmt(S_EXPR);
	s->u.expr = e;
	return s;
}

static struct cc_stmt *t_if(struct cc_expr *c, struct cc_stmt *then, struct cc_stmt *els)
{
	struct cc_stmt *s = t_stmt(S_IF);
	s->u.if_.cond = c;
	s->u.if_.then = then;
	s->u.if_.els = els;
	return s;
}

static struct cc_stmt *t_route_call(struct cc_route *r)
{
	struct cc_stmt *s = t_stmt(S_ROUTE);
	s->u.route_call.name = r->name;
	s->u.route_call.target = r;
	return s;
}

static struct cc_stmt *t_assign(struct cc_pv_decl *pv, struct cc_expr *v)
{
	struct cc_stmt *s = t_stmt(S_ASSIGN);
	s->u.assign.name = pv->name;
	s->u.assign.pv = pv;
	s->u.assign.value = v;
	return s;
}

/* A fn declaration with NPARAMS (name, type) pairs. */
static struct cc_fn_decl *t_fn(struct cc_program *p, const char *name, enum cc_type result,
			       unsigned kinds, int nparams, ...)
{
	struct cc_fn_decl *f = t_new(sizeof *f);
	char *sym = t_new(strlen(name) + 10);
	sprintf(sym, "sipcc_fn_%s", name);
	f->name = name;
	f->symbol = sym;
	f->result = result;
	f->kinds = kinds;
	f->doc = "Does something.";
	f->nparams = nparams;
	f->params = t_new(sizeof(struct cc_param) * (size_t)(nparams + 1));
	va_list ap;
	va_start(ap, nparams);
	for (int i = 0; i < nparams; i++) {
		f->params[i].name = va_arg(ap, const char *);
		f->params[i].type = va_arg(ap, enum cc_type);
		f->params[i].route_kind = CC_RK_FAILURE;
	}
	va_end(ap);
	struct cc_fn_decl **tail = &p->fns;
	while (*tail)
		tail = &(*tail)->next;
	*tail = f;
	return f;
}

static struct cc_pv_decl *t_pvdecl(struct cc_program *p, const char *name, enum cc_type ty,
				   bool rw, const char *symbol)
{
	struct cc_pv_decl *v = t_new(sizeof *v);
	v->name = name;
	v->type = ty;
	v->writable = rw;
	v->kinds = CC_RK_ANY;
	v->symbol = symbol;
	v->doc = "A value.";
	v->next = p->pvs;
	p->pvs = v;
	return v;
}

static struct cc_route *t_route(struct cc_program *p, enum cc_route_kind k, const char *name)
{
	struct cc_route *r = t_new(sizeof *r);
	r->kind = k;
	r->name = name;
	r->loc = loc0;
	r->index = p->nroutes++;
	struct cc_route **tail = &p->routes;
	while (*tail)
		tail = &(*tail)->next;
	*tail = r;
	return r;
}

/*
 *  listen udp 127.0.0.1:5060
 *  domain "example.com"
 *  route request {
 *      if (!maxfwd_ok(70)) { reply(483, "Too Many Hops"); exit; }
 *      route(check);
 *      if ($rm == "INVITE" && method == INVITE) { log(L_INFO, "inv"); }
 *      if (method == BYE || pick(s: "x", n: 7) > 5) { log(L_DBG, "picked"); }
 *      $du = "sip:" + $rd;
 *      t_on_failure(busy);
 *      if (!t_relay()) { reply(500, "Relay Failed"); }
 *  }
 *  route check {
 *      if (method == OPTIONS) { drop; }
 *      if ($rd == "") { reply(400, "No Domain"); exit; }
 *  }
 *  route failure busy { log(L_INFO, "busy " + 486); return; log(L_ERR, "dead"); }
 */
static struct cc_program *t_policy(void)
{
	struct cc_program *p = t_new(sizeof *p);
	p->listens = t_new(sizeof *p->listens);
	*p->listens = (struct cc_listen){ "udp", "127.0.0.1", 5060, loc0, NULL };
	p->domains = t_new(sizeof *p->domains);
	*p->domains = (struct cc_domain){ "example.com", loc0, NULL };

	unsigned req = CC_RK_BIT(CC_RK_REQUEST);
	struct cc_fn_decl *maxfwd = t_fn(p, "maxfwd_ok", CC_TY_BOOL, req, 1, "limit", CC_TY_INT);
	struct cc_fn_decl *reply = t_fn(p, "reply", CC_TY_BOOL,
					req | CC_RK_BIT(CC_RK_ERROR), 2,
					"code", CC_TY_INT, "reason", CC_TY_STR);
	struct cc_fn_decl *relay = t_fn(p, "t_relay", CC_TY_BOOL, req, 0);
	struct cc_fn_decl *onfail = t_fn(p, "t_on_failure", CC_TY_VOID, req, 1, "r", CC_TY_ROUTE);
	struct cc_fn_decl *log = t_fn(p, "log", CC_TY_VOID, CC_RK_ANY, 2,
				      "level", CC_TY_INT, "msg", CC_TY_STR);
	struct cc_fn_decl *pick = t_fn(p, "pick", CC_TY_INT, req, 2,
				       "n", CC_TY_INT, "s", CC_TY_STR);
	struct cc_pv_decl *method = t_pvdecl(p, "method", CC_TY_METHOD, false, "sipcc_pv_method");
	struct cc_pv_decl *rm = t_pvdecl(p, "$rm", CC_TY_STR, false, "sipcc_pv_rm");
	struct cc_pv_decl *rd = t_pvdecl(p, "$rd", CC_TY_STR, false, "sipcc_pv_rd");
	struct cc_pv_decl *du = t_pvdecl(p, "$du", CC_TY_STR, true, "sipcc_pv_du");
	struct cc_const_decl *inv = t_new(sizeof *inv);
	*inv = (struct cc_const_decl){ .name = "INVITE", .type = CC_TY_METHOD, .ival = 1,
				       .doc = "The INVITE method." };
	p->consts = inv;

	struct cc_route *request = t_route(p, CC_RK_REQUEST, "request");
	struct cc_route *check = t_route(p, CC_RK_NAMED, "check");
	struct cc_route *busy = t_route(p, CC_RK_FAILURE, "busy");

	request->body = t_block(
		t_if(t_not(t_call(maxfwd, 1, NULL, t_int(70))),
		     t_block(t_do(t_call(reply, 2, NULL, t_int(483), NULL, t_str("Too Many Hops"))),
			     t_stmt(S_EXIT), NULL),
		     NULL),
		t_route_call(check),
		t_if(t_bin(B_AND, CC_TY_BOOL,
			   t_bin(B_EQ, CC_TY_BOOL, t_pv(rm), t_str("INVITE")),
			   t_bin(B_EQ, CC_TY_BOOL, t_pv(method), t_const(1, CC_TY_METHOD))),
		     t_block(t_do(t_call(log, 2, NULL, t_int(3), NULL, t_str("inv"))), NULL),
		     NULL),
		t_if(t_bin(B_OR, CC_TY_BOOL,
			   t_bin(B_EQ, CC_TY_BOOL, t_pv(method), t_const(3, CC_TY_METHOD)),
			   t_bin(B_GT, CC_TY_BOOL,
				 t_call(pick, 2, "s", t_str("x"), "n", t_int(7)), t_int(5))),
		     t_block(t_do(t_call(log, 2, NULL, t_int(4), NULL, t_str("picked"))), NULL),
		     NULL),
		t_assign(du, t_bin(B_ADD, CC_TY_STR, t_str("sip:"), t_pv(rd))),
		t_do(t_call(onfail, 1, NULL, t_routeref(busy))),
		t_if(t_not(t_call(relay, 0)),
		     t_block(t_do(t_call(reply, 2, NULL, t_int(500), NULL, t_str("Relay Failed"))),
			     NULL),
		     NULL),
		NULL);
	check->body = t_block(
		t_if(t_bin(B_EQ, CC_TY_BOOL, t_pv(method), t_const(6, CC_TY_METHOD)),
		     t_block(t_stmt(S_DROP), NULL), NULL),
		t_if(t_bin(B_EQ, CC_TY_BOOL, t_pv(rd), t_str("")),
		     t_block(t_do(t_call(reply, 2, NULL, t_int(400), NULL, t_str("No Domain"))),
			     t_stmt(S_EXIT), NULL),
		     NULL),
		NULL);
	busy->body = t_block(
		t_do(t_call(log, 2, NULL, t_int(3), NULL,
			    t_bin(B_ADD, CC_TY_STR, t_str("busy "), t_int(486)))),
		t_stmt(S_RETURN),
		t_do(t_call(log, 2, NULL, t_int(0), NULL, t_str("dead"))),
		NULL);
	return p;
}

static struct cc_var *t_var(struct cc_route *r, const char *name, enum cc_type ty)
{
	struct cc_var *v = t_new(sizeof *v);
	v->name = name;
	v->type = ty;
	v->loc = loc0;
	v->index = r->nvars++;
	struct cc_var **tail = &r->vars;
	while (*tail)
		tail = &(*tail)->next;
	*tail = v;
	return v;
}

static struct cc_expr *t_varref(struct cc_var *v)
{
	struct cc_expr *e = t_expr(E_VAR, v->type);
	e->u.var.name = v->name;
	e->u.var.var = v;
	return e;
}

static struct cc_stmt *t_var_init(struct cc_var *v, struct cc_expr *init)
{
	struct cc_stmt *s = t_stmt(S_VAR);
	s->u.var.name = v->name;
	s->u.var.type = v->type;
	s->u.var.init = init;
	s->u.var.var = v;
	return s;
}

static struct cc_stmt *t_set(struct cc_var *v, struct cc_expr *value)
{
	struct cc_stmt *s = t_stmt(S_ASSIGN);
	s->u.assign.name = v->name;
	s->u.assign.is_ident = true;
	s->u.assign.lv = CC_LV_VAR;
	s->u.assign.var = v;
	s->u.assign.value = value;
	return s;
}

/*
 *  route request {
 *      var n: int = 3;
 *      var s: str = "a";
 *      log(L_INFO, "before");
 *      route(auth);
 *      n = n + wait(4);
 *      while (n < 50) max 10 { n = n + wait(1); }
 *      log(L_INFO, s + n);
 *  }
 *  route auth { log(L_INFO, "auth"); if (!wait(0)) { log(L_INFO, "challenge"); } }
 *
 * wait() is async (codegen_rt.c: the first call suspends); sema marks both
 * routes async.
 */
static struct cc_program *t_async_policy(void)
{
	struct cc_program *p = t_new(sizeof *p);
	struct cc_fn_decl *log = t_fn(p, "log", CC_TY_VOID, CC_RK_ANY, 2,
				      "level", CC_TY_INT, "msg", CC_TY_STR);
	struct cc_fn_decl *wait = t_fn(p, "wait", CC_TY_INT, CC_RK_ANY, 1, "n", CC_TY_INT);
	wait->marks = CC_MARK_ASYNC;
	struct cc_route *request = t_route(p, CC_RK_REQUEST, "request");
	struct cc_route *auth = t_route(p, CC_RK_NAMED, "auth");
	request->async = auth->async = true;
	struct cc_var *n = t_var(request, "n", CC_TY_INT);
	struct cc_var *sv = t_var(request, "s", CC_TY_STR);
	struct cc_stmt *loop = t_stmt(S_WHILE);
	loop->u.while_.cond = t_bin(B_LT, CC_TY_BOOL, t_varref(n), t_int(50));
	loop->u.while_.max = 10;
	loop->u.while_.body = t_block(
		t_set(n, t_bin(B_ADD, CC_TY_INT, t_varref(n), t_call(wait, 1, NULL, t_int(1)))),
		NULL);
	request->body = t_block(
		t_var_init(n, t_int(3)),
		t_var_init(sv, t_str("a")),
		t_do(t_call(log, 2, NULL, t_int(3), NULL, t_str("before"))),
		t_route_call(auth),
		t_set(n, t_bin(B_ADD, CC_TY_INT, t_varref(n), t_call(wait, 1, NULL, t_int(4)))),
		loop,
		t_do(t_call(log, 2, NULL, t_int(3), NULL,
			    t_bin(B_ADD, CC_TY_STR, t_varref(sv), t_varref(n)))),
		NULL);
	auth->body = t_block(
		t_do(t_call(log, 2, NULL, t_int(3), NULL, t_str("auth"))),
		t_if(t_not(t_call(wait, 1, NULL, t_int(0))),
		     t_block(t_do(t_call(log, 2, NULL, t_int(3), NULL, t_str("challenge"))), NULL),
		     NULL),
		NULL);
	return p;
}

/* Integer arithmetic with the operands the generated code must not leave
 * undefined. Each case is logged as "A OP B=" + (A OP B); with opaque the
 * operands come from num() (codegen_rt.c), so the division happens when the
 * program runs, else they are literals the optimiser may fold. */
struct t_arith {
	enum cc_binop op;
	int64_t a, b;
	const char *want;
};

static const struct t_arith t_arith_cases[] = {
	{ B_MUL, 6, 7, "42" },
	{ B_MUL, -6, 7, "-42" },
	{ B_MUL, -6, -7, "42" },
	{ B_MUL, INT64_MAX, 2, "-2" },                  /* wraps */
	{ B_DIV, 7, 2, "3" },
	{ B_DIV, -7, 2, "-3" },                         /* truncates toward 0 */
	{ B_DIV, 7, -2, "-3" },
	{ B_DIV, -7, -2, "3" },
	{ B_DIV, 7, 0, "0" },
	{ B_DIV, -7, 0, "0" },
	{ B_DIV, 0, 0, "0" },
	{ B_DIV, 7, -1, "-7" },
	{ B_DIV, INT64_MAX, -1, "-9223372036854775807" },
	{ B_DIV, INT64_MIN, -1, "-9223372036854775808" },
	{ B_DIV, INT64_MIN, 1, "-9223372036854775808" },
	{ B_DIV, INT64_MIN, 2, "-4611686018427387904" },
	{ B_MOD, 7, 2, "1" },
	{ B_MOD, -7, 2, "-1" },                         /* sign of the dividend */
	{ B_MOD, 7, -2, "1" },
	{ B_MOD, -7, -2, "-1" },
	{ B_MOD, 7, 0, "0" },
	{ B_MOD, -7, 0, "0" },
	{ B_MOD, 5, -1, "0" },
	{ B_MOD, INT64_MIN, -1, "0" },
	{ B_MOD, INT64_MIN, 3, "-2" },
};
#define T_NARITH (sizeof t_arith_cases / sizeof t_arith_cases[0])

static struct cc_program *t_arith_policy(bool opaque)
{
	struct cc_program *p = t_new(sizeof *p);
	struct cc_fn_decl *log = t_fn(p, "log", CC_TY_VOID, CC_RK_ANY, 2,
				      "level", CC_TY_INT, "msg", CC_TY_STR);
	struct cc_fn_decl *num = t_fn(p, "num", CC_TY_INT, CC_RK_ANY, 1, "n", CC_TY_INT);
	struct cc_route *request = t_route(p, CC_RK_REQUEST, "request");
	struct cc_stmt *first = NULL, **tail = &first;

	for (size_t i = 0; i < T_NARITH; i++) {
		const struct t_arith *c = &t_arith_cases[i];
		struct cc_expr *a = t_int(c->a), *b = t_int(c->b);
		if (opaque) {
			a = t_call(num, 1, NULL, a);
			b = t_call(num, 1, NULL, b);
		}
		char *label = t_new(64);
		snprintf(label, 64, "%lld %c %lld=", (long long)c->a,
			 c->op == B_MUL ? '*' : c->op == B_DIV ? '/' : '%', (long long)c->b);
		struct cc_stmt *st = t_do(t_call(log, 2, NULL, t_int(3), NULL,
						 t_bin(B_ADD, CC_TY_STR, t_str(label),
						       t_bin(c->op, CC_TY_INT, a, b))));
		*tail = st;
		tail = &st->next;
	}
	request->body = t_stmt(S_BLOCK);
	request->body->u.block.first = first;
	return p;
}

struct t_dir {
	char path[64];
};

static int t_setup(void **state)
{
	struct t_dir *d = calloc(1, sizeof *d);
	if (!d)
		return -1;
	strcpy(d->path, "/tmp/test_codegen.XXXXXX");
	if (!mkdtemp(d->path))
		return -1;
	*state = d;
	return 0;
}

static int t_teardown(void **state)
{
	struct t_dir *d = *state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", d->path);
	if (system(cmd) != 0)
		return -1;
	free(d);
	return 0;
}

static char *t_path(void **state, const char *name)
{
	struct t_dir *d = *state;
	char *p = t_new(strlen(d->path) + strlen(name) + 2);
	sprintf(p, "%s/%s", d->path, name);
	return p;
}

static char *t_slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = t_heap((size_t)n + 1);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return s;
}

static void t_assert_has(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("expected to find\n  %s\nin\n%s", needle, hay);
}

static char *t_emit_ir(void **state, struct cc_program *p, int opt)
{
	char *ll = t_path(state, "policy.ll");
	struct cc_codegen_opts o = { ll, true, "test.sip", opt };
	assert_true(cc_codegen(p, &o));
	return t_slurp(ll);
}

static void test_ir_shapes(void **state)
{
	char *ir = t_emit_ir(state, t_policy(), 0);
	t_assert_has(ir, "define internal i64 @sipcc_route_request(%struct.sip_ctx*");
	t_assert_has(ir, "define internal i64 @sipcc_route_named_check(");
	t_assert_has(ir, "define internal i64 @sipcc_route_failure_busy(");
	t_assert_has(ir, "nonnull");
	t_assert_has(ir, "declare i64 @sipcc_fn_reply(%struct.sip_ctx*, i64, i8*, i64)");
	t_assert_has(ir, "declare void @sipcc_fn_t_on_failure(%struct.sip_ctx*, i64 (%struct.sip_ctx*)*)");
	t_assert_has(ir, "declare void @sipcc_pv_rm_get(%struct.sip_ctx*, %struct.sip_str*)");
	t_assert_has(ir, "declare i64 @sipcc_pv_method_get(%struct.sip_ctx*)");
	t_assert_has(ir, "declare void @sipcc_pv_du_set(%struct.sip_ctx*, i8*, i64)");
	t_assert_has(ir, "call i32 @memcmp(");
	t_assert_has(ir, "call void @sipcc_str_concat(");
	t_assert_has(ir, "call void @sipcc_int_to_str(");
	t_assert_has(ir, "@sipcc_route_failure_busy)");
	t_assert_has(ir, "c\"Too Many Hops\\00\"");
	t_assert_has(ir, "define void @sipcc_policy_init()");
	t_assert_has(ir, "call void @sipcc_reg_route(i64 9,");
	t_assert_has(ir, "call void @sipcc_reg_listen(");
	t_assert_has(ir, "call void @sipcc_reg_domain(");
	/* What a running proxy compares before it loads the policy. */
	t_assert_has(ir, "@sipcc_policy_abi = constant");
	t_assert_has(ir, "c\"sipcc policy abi ");
	t_assert_has(ir, "call void @sipcc_reg_policy(");
	t_assert_has(ir, "ret i64 2");
	t_assert_has(ir, "ret i64 1");
	free(ir);
}

/* Test builds (sipcc test) call a probe before each statement and
 * register the statements' sites; a build for the proxy has none. */
static void test_ir_probes(void **state)
{
	char *ll = t_path(state, "probes.ll");
	struct cc_codegen_opts o = { ll, true, "test.sip", 0, true, NULL };
	assert_true(cc_codegen(t_policy(), &o));
	char *ir = t_slurp(ll);
	t_assert_has(ir, "call void @sipcc_probe(%struct.sip_ctx* ");
	t_assert_has(ir, "call void @sipcc_probe_sites(");
	free(ir);
	ir = t_emit_ir(state, t_policy(), 0);
	assert_null(strstr(ir, "sipcc_probe"));
	free(ir);
}

/* After optimisation the method compare stays an inline icmp and the
 * statement after "return" is gone. */
static void test_ir_optimised(void **state)
{
	char *ir = t_emit_ir(state, t_policy(), 2);
	t_assert_has(ir, "define void @sipcc_policy_init()");
	t_assert_has(ir, "icmp eq i64");
	assert_null(strstr(ir, "c\"dead\\00\""));
	free(ir);
}

static void test_object_written(void **state)
{
	char *obj = t_path(state, "policy.o");
	struct cc_codegen_opts o = { obj, false, "test.sip", 2 };
	assert_true(cc_codegen(t_policy(), &o));
	char *s = t_slurp(obj);
	assert_memory_equal(s, "\177ELF", 4);
	free(s);
}

/* An identifier sema should have resolved is a compiler bug, not silent
 * bad code. */
static void test_unresolved_rejected(void **state)
{
	struct cc_program *p = t_policy();
	struct cc_expr *id = t_expr(E_IDENT, CC_TY_INT);
	id->u.ident.name = "NOPE";
	p->routes->body->u.block.first->u.if_.cond->u.unary.e->u.call.args[0] = id;
	char *ll = t_path(state, "bad.ll");
	struct cc_codegen_opts o = { ll, true, "test.sip", 0 };
	assert_false(cc_codegen(p, &o));
}

/* Compile the policy at OPT, link it with the stand-in runtime and return
 * the path of the program. */
static char *t_build_policy(void **state, struct cc_program *p, int opt)
{
	char *obj = t_path(state, "policy.o");
	char *exe = t_path(state, "proxy");
	struct cc_codegen_opts o = { obj, false, "test.sip", opt };
	assert_true(cc_codegen(p, &o));
	setenv("SIPCC_CC", "cc -I" CG_SRCDIR "/runtime", 1);
	setenv("SIPCC_RUNTIME", CG_SRCDIR "/tests/compiler/codegen_rt.c", 1);
	setenv("SIPCC_LIBS", "", 1);
	assert_true(cc_link(obj, exe));
	return exe;
}

static char *t_build(void **state, int opt)
{
	return t_build_policy(state, t_policy(), opt);
}

static char *t_run(const char *exe, const char *args)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "%s %s", exe, args);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	size_t cap = 4096, n = 0;
	char *s = t_heap(cap);
	size_t r;
	while ((r = fread(s + n, 1, cap - n - 1, f)) > 0)
		n += r;
	assert_int_equal(pclose(f), 0);
	return s;
}

/* sipcc build --hot: the policy alone, as a shared object (ET_DYN) that
 * defines sipcc_policy_init and sipcc_policy_abi for the proxy to find. */
static void test_link_hot(void **state)
{
	char *obj = t_path(state, "policy.o");
	char *so = t_path(state, "policy.so");
	struct cc_codegen_opts o = { obj, false, "test.sip", 2 };
	assert_true(cc_codegen(t_policy(), &o));
	setenv("SIPCC_CC", "cc", 1);
	setenv("SIPCC_RUNTIME", "/nonexistent/libsiprt.a", 1);  /* not needed */
	assert_true(cc_link_hot(obj, so));
	char *s = t_slurp(so);
	assert_memory_equal(s, "\177ELF", 4);
	assert_int_equal(s[16], 3);        /* e_type ET_DYN (little endian) */
	free(s);
	char cmd[512];
	snprintf(cmd, sizeof cmd, "nm -D --defined-only %s", so);
	char *syms = t_run(cmd, "");
	t_assert_has(syms, " T sipcc_policy_init");
	t_assert_has(syms, " R sipcc_policy_abi");
	assert_null(strstr(syms, "sipcc_route_"));    /* routes stay internal */
	free(syms);
}

#define T_INIT "policy abi | \nlisten udp 127.0.0.1 5060\ndomain example.com\n" \
	"route 0 request\nroute 9 check\nroute 2 busy\n"

static void t_expect(const char *exe, const char *args, const char *want)
{
	char *got = t_run(exe, args);
	if (strcmp(got, want) != 0)
		fail_msg("%s %s:\n--- want\n%s--- got\n%s", exe, args, want, got);
	free(got);
}

static void t_behaviour(void **state, int opt)
{
	char *exe = t_build(state, opt);
	t_expect(exe, "0 1 INVITE example.com",
		 T_INIT "maxfwd_ok 70\nreply 483 Too Many Hops\nret 1\n");
	t_expect(exe, "5 6 OPTIONS example.com", T_INIT "maxfwd_ok 70\nret 2\n");
	t_expect(exe, "5 1 INVITE ''", T_INIT "maxfwd_ok 70\nreply 400 No Domain\nret 1\n");
	t_expect(exe, "5 1 INVITE example.com",
		 T_INIT "maxfwd_ok 70\nlog 3 inv\npick 7 x\nlog 4 picked\n"
		 "du sip:example.com\non_failure\nrelay sip:example.com\nret 0\n"
		 "log 3 busy 486\nfailure ret 0\n");
	t_expect(exe, "5 3 BYE fail.example.com",
		 T_INIT "maxfwd_ok 70\nlog 4 picked\ndu sip:fail.example.com\non_failure\n"
		 "relay sip:fail.example.com\nreply 500 Relay Failed\nret 0\n"
		 "log 3 busy 486\nfailure ret 0\n");
	t_expect(exe, "5 1 INVITX example.com",
		 T_INIT "maxfwd_ok 70\npick 7 x\nlog 4 picked\n"
		 "du sip:example.com\non_failure\nrelay sip:example.com\nret 0\n"
		 "log 3 busy 486\nfailure ret 0\n");
	t_expect(exe, "5 1 INV example.com",
		 T_INIT "maxfwd_ok 70\npick 7 x\nlog 4 picked\n"
		 "du sip:example.com\non_failure\nrelay sip:example.com\nret 0\n"
		 "log 3 busy 486\nfailure ret 0\n");
	t_expect(exe, "5 1 INVITEX example.com",
		 T_INIT "maxfwd_ok 70\npick 7 x\nlog 4 picked\n"
		 "du sip:example.com\non_failure\nrelay sip:example.com\nret 0\n"
		 "log 3 busy 486\nfailure ret 0\n");
}

static void test_behaviour_O0(void **state)
{
	t_behaviour(state, 0);
}

static void test_behaviour_O2(void **state)
{
	t_behaviour(state, 2);
}

/* A route that waits returns SIPCC_RET_SUSPEND and, called again, goes on
 * at the statement that waited: what ran before runs once, variables and
 * the loop keep their values, every frame is given back. */
static void t_async_behaviour(void **state, int opt)
{
	char *exe = t_build_policy(state, t_async_policy(), opt);
	t_expect(exe, "70 1 INVITE example.com",
		 "policy abi | \nroute 0 request\nroute 9 auth\n"
		 "log 3 before\nlog 3 auth\nwait 0 suspends\nret 3\n"
		 "wait 0 -> 0\nlog 3 challenge\nwait 4 suspends\nret 3\n"
		 "wait 4 -> 40\nwait 1 suspends\nret 3\n"
		 "wait 1 -> 10\nlog 3 a53\nret 0\n");
}

static void test_async_O0(void **state)
{
	t_async_behaviour(state, 0);
}

static void test_async_O2(void **state)
{
	t_async_behaviour(state, 2);
}

/* Each case prints what C's truncating division would, except where C
 * leaves it undefined; the program must not trap. */
static void t_arith_behaviour(void **state, bool opaque, int opt)
{
	char *exe = t_build_policy(state, t_arith_policy(opaque), opt);
	char *want = t_heap(4096);
	size_t n = (size_t)snprintf(want, 4096, "policy abi | \nroute 0 request\n");
	for (size_t i = 0; i < T_NARITH; i++) {
		const struct t_arith *c = &t_arith_cases[i];
		n += (size_t)snprintf(want + n, 4096 - n, "log 3 %lld %c %lld=%s\n",
				      (long long)c->a,
				      c->op == B_MUL ? '*' : c->op == B_DIV ? '/' : '%',
				      (long long)c->b, c->want);
	}
	snprintf(want + n, 4096 - n, "ret 0\n");
	assert_true(n < 4000);
	t_expect(exe, "70 1 INVITE example.com", want);
	free(want);
}

static void test_arith_O0(void **state)
{
	t_arith_behaviour(state, true, 0);
	t_arith_behaviour(state, false, 0);
}

static void test_arith_O2(void **state)
{
	t_arith_behaviour(state, true, 2);
	t_arith_behaviour(state, false, 2);
}

/* Routes that cannot wait keep their variables in registers: no frame. */
static void test_ir_no_frame(void **state)
{
	char *ir = t_emit_ir(state, t_policy(), 0);
	assert_null(strstr(ir, "sipcc_frame_enter"));
	free(ir);
	ir = t_emit_ir(state, t_async_policy(), 0);
	t_assert_has(ir, "call i8* @sipcc_frame_enter(");
	t_assert_has(ir, "@sipcc_route_request.body(");
	t_assert_has(ir, "call i64 @sipcc_suspended(");
	free(ir);
}

static struct cc_module_decl *t_module(struct cc_program *p, const char *name, bool used)
{
	struct cc_module_decl *m = t_new(sizeof *m), **tail;
	int order = 0;
	m->name = name;
	m->used = used;
	for (tail = &p->modules; *tail; tail = &(*tail)->next)
		order++;
	m->order = order;
	*tail = m;
	m->req = t_new(sizeof *m->req * 4);
	m->aft = t_new(sizeof *m->aft * 4);
	return m;
}

/* sipcc_reg_module for each used module, after what it requires or starts
 * after; an unused one is neither registered nor referenced. */
static void test_modules_order(void **state)
{
	struct cc_program *p = t_policy();
	struct cc_module_decl *acc = t_module(p, "acc", true);
	struct cc_module_decl *dialog = t_module(p, "dialog", true);
	struct cc_module_decl *nat = t_module(p, "nat", true);
	struct cc_module_decl *registrar = t_module(p, "registrar", true);
	t_module(p, "unused", false);
	acc->aft[acc->nafter++] = dialog;
	nat->req[nat->nrequires++] = registrar;
	char *ir = t_emit_ir(state, p, 0);
	const char *d = strstr(ir, "call void @sipcc_reg_module(i8* @sipcc_module_dialog)");
	const char *a = strstr(ir, "call void @sipcc_reg_module(i8* @sipcc_module_acc)");
	const char *r = strstr(ir, "call void @sipcc_reg_module(i8* @sipcc_module_registrar)");
	const char *n = strstr(ir, "call void @sipcc_reg_module(i8* @sipcc_module_nat)");
	if (!d || !a || !r || !n)
		fail_msg("module registrations missing in\n%s", ir);
	assert_true(d < a);
	assert_true(r < n);
	assert_null(strstr(ir, "sipcc_module_unused"));
	free(ir);
}

static void test_link_missing_runtime(void **state)
{
	char *obj = t_path(state, "policy.o");
	struct cc_codegen_opts o = { obj, false, "test.sip", 0 };
	assert_true(cc_codegen(t_policy(), &o));
	setenv("SIPCC_RUNTIME", "/nonexistent/libsiprt.a", 1);
	assert_false(cc_link(obj, t_path(state, "proxy")));
}

/* A runtime without the symbols the policy calls: the link must fail. */
static void test_link_undefined(void **state)
{
	char *obj = t_path(state, "policy.o");
	struct cc_codegen_opts o = { obj, false, "test.sip", 0 };
	assert_true(cc_codegen(t_policy(), &o));
	char *rt = t_path(state, "empty.c");
	FILE *f = fopen(rt, "w");
	assert_non_null(f);
	fputs("int main(void) { return 0; }\n", f);
	fclose(f);
	setenv("SIPCC_CC", "cc", 1);
	setenv("SIPCC_RUNTIME", rt, 1);
	setenv("SIPCC_LIBS", "", 1);
	char *exe = t_path(state, "proxy");
	assert_false(cc_link(obj, exe));
	assert_int_not_equal(access(exe, F_OK), 0);
}

static void test_doc_roff(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	cc_doc_stdlib_roff(t_policy(), f);
	fclose(f);
	t_assert_has(buf, ".SS Functions\n");
	t_assert_has(buf, ".SS Pseudo-variables\n");
	t_assert_has(buf, ".SS Constants\n");
	t_assert_has(buf, ".TP\n\\fBreply\\fR(\\fIcode\\fR: int, \\fIreason\\fR: str): bool\n"
		     "Does something.\n.br\nAllowed in: request, error routes.\n");
	t_assert_has(buf, "\\fIr\\fR: route failure): void\n");
	t_assert_has(buf, "Allowed in: any route with a message.\n");
	t_assert_has(buf, "\\fB$du\\fR: str (writable)\n");
	t_assert_has(buf, "\\fBINVITE\\fR: method = 1\nThe INVITE method.\n");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ir_shapes, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_ir_optimised, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_link_hot, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_object_written, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_unresolved_rejected, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_behaviour_O0, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_behaviour_O2, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_async_O0, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_async_O2, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_ir_no_frame, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_arith_O0, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_arith_O2, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_modules_order, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_ir_probes, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_link_missing_runtime, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_link_undefined, t_setup, t_teardown),
		cmocka_unit_test(test_doc_roff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
