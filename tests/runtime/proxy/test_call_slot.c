/* Per-call state of modules (runtime/proxy/modules.c, proxy_call_slot and
 * call_copy): state a module keeps for a request before it has a
 * transaction is copied into the transaction's arena when the request
 * gets one, the request, failure and reply routes then share the
 * transaction's copy, and a module without call_copy keeps its message
 * slot to itself. The transaction is a bare struct: only its slots and
 * arena are used. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "proxy/module.h"
#include "proxy/policy_abi.h"
#include "proxy/proxy.h"

/* proxy.c is not linked: its configuration lives here. */
struct proxy_conf proxy_conf;

struct test_state {
	int64_t n;
	sip_str s;
};

static unsigned copies;

static void *test_copy(const void *st, sip_arena *a)
{
	const struct test_state *from = st;
	struct test_state *c = sip_arena_alloc(a, sizeof *c);
	if (!c)
		return NULL;
	c->n = from->n;
	c->s = sip_arena_strdup(a, from->s);
	copies++;
	return c;
}

static sipcc_module mod_call = { .name = "test_call", .call_copy = test_copy };
static sipcc_module mod_msg = { .name = "test_msg" };

static void test_moves_into_txn(void **state)
{
	(void)state;
	sipcc_reg_module(&mod_call);
	sipcc_reg_module(&mod_msg);
	assert_int_not_equal(mod_call.slot, mod_msg.slot);

	sip_arena ma, ta;
	sip_arena_init(&ma, 1024);
	struct sip_ctx ctx;
	memset(&ctx, 0, sizeof ctx);
	ctx.arena = &ma;
	static txn t;
	memset(&t, 0, sizeof t);
	sip_arena_init(&t.arena, 1024);

	/* Before the transaction: the message's slot, in its arena. */
	sip_arena *a = NULL;
	void **slot = proxy_call_slot(&ctx, &mod_call, &a);
	assert_ptr_equal(slot, proxy_ctx_slot(&ctx, &mod_call));
	assert_ptr_equal(a, &ma);
	struct test_state *st = sip_arena_alloc(a, sizeof *st);
	st->n = 42;
	st->s = sip_arena_strdup(a, SIP_STR_LIT("gw-1"));
	*slot = st;
	static int mark;
	*proxy_ctx_slot(&ctx, &mod_msg) = &mark;

	/* The request gets its transaction: one copy, in its arena. */
	ctx.txn = &t;
	proxy_modules_txn_bind(&ctx);
	proxy_modules_txn_bind(&ctx);
	assert_int_equal(copies, 1);
	const struct test_state *ts = *proxy_txn_slot(&t, &mod_call);
	assert_non_null(ts);
	assert_ptr_not_equal(ts, st);
	assert_int_equal(ts->n, 42);
	assert_true(sip_str_eq(ts->s, SIP_STR_LIT("gw-1")));
	assert_ptr_not_equal(ts->s.s, st->s.s);
	assert_null(*proxy_txn_slot(&t, &mod_msg));

	/* From now on every route of the transaction works on its copy. */
	slot = proxy_call_slot(&ctx, &mod_call, &a);
	assert_ptr_equal(slot, proxy_txn_slot(&t, &mod_call));
	assert_ptr_equal(a, &t.arena);
	sip_arena_destroy(&ma);                 /* the message is gone */
	struct sip_ctx fail;
	memset(&fail, 0, sizeof fail);
	sip_arena_init(&ta, 1024);
	fail.arena = &ta;
	fail.txn = &t;
	const struct test_state *fs = *proxy_call_slot(&fail, &mod_call, NULL);
	assert_ptr_equal(fs, ts);
	assert_true(sip_str_eq(fs->s, SIP_STR_LIT("gw-1")));
	assert_int_equal(copies, 1);
	sip_arena_destroy(&ta);
	sip_arena_destroy(&t.arena);
}

/* A request that gets a transaction with nothing kept: nothing moves. */
static void test_nothing_kept(void **state)
{
	(void)state;
	sipcc_reg_module(&mod_call);
	sip_arena ma;
	sip_arena_init(&ma, 1024);
	struct sip_ctx ctx;
	memset(&ctx, 0, sizeof ctx);
	ctx.arena = &ma;
	static txn t;
	memset(&t, 0, sizeof t);
	sip_arena_init(&t.arena, 1024);
	ctx.txn = &t;
	unsigned before = copies;
	proxy_modules_txn_bind(&ctx);
	assert_null(*proxy_call_slot(&ctx, &mod_call, NULL));
	assert_int_equal(copies, before);
	sip_arena_destroy(&t.arena);
	sip_arena_destroy(&ma);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_moves_into_txn),
		cmocka_unit_test(test_nothing_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
