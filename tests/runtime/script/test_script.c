/* Script state (runtime/script/vars.c): message flags and AVPs follow the
 * request into its transaction; branch flags are kept per branch, so the
 * branch, reply and failure routes of a forked request each see the flags
 * of their own branch. Transactions are plain structs here: vars.c only
 * reads their arena, branch index and final codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "proxy/proxy.h"
#include "script/script.h"

void sipcc_fn_setflag(struct sip_ctx *ctx, int64_t idx);
int64_t sipcc_fn_isflagset(struct sip_ctx *ctx, int64_t idx);
void sipcc_fn_setbflag(struct sip_ctx *ctx, int64_t idx);
void sipcc_fn_resetbflag(struct sip_ctx *ctx, int64_t idx);
int64_t sipcc_fn_isbflagset(struct sip_ctx *ctx, int64_t idx);

enum { NATED = 0, VOICEMAIL = 5 };

static sip_arena msg_arena;
static txn srv, cl[3];

static int setup(void **state)
{
	(void)state;
	sip_arena_init(&msg_arena, 4096);
	memset(&srv, 0, sizeof srv);
	memset(cl, 0, sizeof cl);
	sip_arena_init(&srv.arena, 4096);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sip_arena_destroy(&msg_arena);
	sip_arena_destroy(&srv.arena);
	return 0;
}

/* The request route's context; with_txn as after t_relay created it. */
static void req_ctx(struct sip_ctx *ctx)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->arena = &msg_arena;
	ctx->route_kind = SIPCC_ROUTE_REQUEST;
}

/* Branch i of srv was created (as txn_client_create numbers them). */
static void branch_created(struct sip_ctx *ctx, unsigned i)
{
	cl[i].idx = i;
	cl[i].is_client = true;
	cl[i].parent = &srv;
	srv.branches[i] = &cl[i];
	srv.n_branches = i + 1;
	script_branch_keep(ctx, i);
}

/* A reply route for branch i. */
static void reply_ctx(struct sip_ctx *ctx, unsigned i)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->arena = &msg_arena;
	ctx->route_kind = SIPCC_ROUTE_REPLY;
	ctx->txn = &srv;
	ctx->branch = &cl[i];
}

static void test_no_state_no_allocation(void **state)
{
	(void)state;
	struct sip_ctx ctx;
	req_ctx(&ctx);
	/* A policy without flags pays nothing on relay. */
	script_bflags_set(&ctx, 0);
	assert_int_equal(script_bflags(&ctx), 0);
	assert_null(ctx.script);
	script_bflags_set(&ctx, 4);
	assert_non_null(ctx.script);
	assert_int_equal(script_bflags(&ctx), 4);
}

/* Flags set in the request route before t_relay belong to branch 0 and
 * are seen by its reply route; message flags stay per transaction. */
static void test_request_route_flags_are_branch_zero(void **state)
{
	(void)state;
	struct sip_ctx ctx;
	req_ctx(&ctx);
	sipcc_fn_setflag(&ctx, 3);
	sipcc_fn_setbflag(&ctx, NATED);
	assert_true(sipcc_fn_isbflagset(&ctx, NATED));
	ctx.txn = &srv;
	script_txn_bind(&ctx);
	branch_created(&ctx, 0);

	struct sip_ctx r;
	reply_ctx(&r, 0);
	assert_true(sipcc_fn_isbflagset(&r, NATED));
	assert_false(sipcc_fn_isbflagset(&r, VOICEMAIL));
	assert_true(sipcc_fn_isflagset(&r, 3));
}

/* Three branches with their own flags, as lookup() and t_relay() make
 * them: each reply route sees its branch's, a change in one reply route
 * stays on that branch. */
static void test_branches_have_their_own_flags(void **state)
{
	(void)state;
	struct sip_ctx ctx;
	req_ctx(&ctx);
	ctx.txn = &srv;
	script_bflags_set(&ctx, 1u << NATED);            /* contact 1: NATed */
	branch_created(&ctx, 0);
	script_bflags_set(&ctx, 0);                      /* contact 2 */
	branch_created(&ctx, 1);
	script_bflags_set(&ctx, 0);                      /* contact 3: its branch route sets one */
	sipcc_fn_setbflag(&ctx, VOICEMAIL);
	branch_created(&ctx, 2);

	struct sip_ctx r;
	reply_ctx(&r, 0);
	assert_true(sipcc_fn_isbflagset(&r, NATED));
	assert_false(sipcc_fn_isbflagset(&r, VOICEMAIL));
	reply_ctx(&r, 1);
	assert_false(sipcc_fn_isbflagset(&r, NATED));
	sipcc_fn_setbflag(&r, NATED);
	assert_true(sipcc_fn_isbflagset(&r, NATED));
	reply_ctx(&r, 2);
	assert_false(sipcc_fn_isbflagset(&r, NATED));
	assert_true(sipcc_fn_isbflagset(&r, VOICEMAIL));
	reply_ctx(&r, 0);
	sipcc_fn_resetbflag(&r, NATED);
	assert_false(sipcc_fn_isbflagset(&r, NATED));
	reply_ctx(&r, 1);
	assert_true(sipcc_fn_isbflagset(&r, NATED));
}

/* The failure route starts from the flags of the branch whose reply was
 * picked; a branch it relays to takes them. */
static void test_failure_route_sees_picked_branch(void **state)
{
	(void)state;
	struct sip_ctx ctx;
	req_ctx(&ctx);
	ctx.txn = &srv;
	script_bflags_set(&ctx, 1u << VOICEMAIL);
	branch_created(&ctx, 0);
	script_bflags_set(&ctx, 1u << NATED);
	branch_created(&ctx, 1);
	srv.br_code[0] = 603;
	srv.br_code[1] = 486;
	srv.best_status = 486;

	struct sip_ctx f;
	memset(&f, 0, sizeof f);
	f.arena = &msg_arena;
	f.route_kind = SIPCC_ROUTE_FAILURE;
	f.txn = &srv;
	script_failure_enter(&f);
	assert_true(sipcc_fn_isbflagset(&f, NATED));
	assert_false(sipcc_fn_isbflagset(&f, VOICEMAIL));
	sipcc_fn_setbflag(&f, VOICEMAIL);
	branch_created(&f, 2);
	struct sip_ctx r;
	reply_ctx(&r, 2);
	assert_true(sipcc_fn_isbflagset(&r, NATED));
	assert_true(sipcc_fn_isbflagset(&r, VOICEMAIL));
	reply_ctx(&r, 1);
	assert_false(sipcc_fn_isbflagset(&r, VOICEMAIL));

	srv.best_status = 603;
	script_failure_enter(&f);
	assert_false(sipcc_fn_isbflagset(&f, NATED));
	assert_true(sipcc_fn_isbflagset(&f, VOICEMAIL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_state_no_allocation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_route_flags_are_branch_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_branches_have_their_own_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_route_sees_picked_branch, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
