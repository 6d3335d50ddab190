/* Forking state tests (runtime/proxy/fork.c): q groups of a lookup, the
 * contacts kept by the transaction for serial forking, Path per branch,
 * append_branch, t_set_fr, the tm settings and get_redirects; the parameters
 * of our Record-Route (proxy_rr_param_add). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/status.h"
#include "proxy/fork.h"
#include "proxy/policy_abi.h"
#include "proxy/proxy.h"
#include "txn/txn_int.h"

int64_t sipcc_fn_append_branch(struct sip_ctx *ctx, const char *s, size_t len);
int64_t sipcc_fn_t_next_contacts(struct sip_ctx *ctx);
int64_t sipcc_fn_t_load_contacts(struct sip_ctx *ctx);
void sipcc_fn_t_set_fr(struct sip_ctx *ctx, int64_t fr_inv_ms, int64_t fr_ms);
int64_t sipcc_fn_t_check_status(struct sip_ctx *ctx, const char *re, size_t len);
int64_t sipcc_fn_get_redirects(struct sip_ctx *ctx, int64_t limit);

static sip_timer_wheel wheel;
static sip_socket *sock;
static sip_addr up;
static sip_arena arena;
static sip_msg msg;
static char buf[1024];
static const struct txn_user user = { 0 };

static const char invite[] =
	"INVITE sip:bob@example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKf1\r\n"
	"Max-Forwards: 70\r\n"
	"From: <sip:alice@example.com>;tag=a\r\n"
	"To: <sip:bob@example.com>\r\n"
	"Call-ID: fork-1@10.0.0.1\r\n"
	"CSeq: 1 INVITE\r\n"
	"Content-Length: 0\r\n\r\n";

static void ctx_make(struct sip_ctx *ctx)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->msg = &msg;
	ctx->arena = &arena;
	ctx->sock = sock;
	ctx->src = up;
	ctx->maxfwd = -1;
}

static int setup(void **state)
{
	(void)state;
	sip_timer_wheel_init(&wheel, 0);
	assert_int_equal(txn_layer_init(&wheel, &user, 8), SIP_OK);
	if (!sock)
		sock = tp_loopback_socket("192.0.2.1", 5060);
	sip_addr_from_ip(&up, SIP_STR_LIT("10.0.0.1"), 5060);
	sip_arena_init(&arena, 4096);
	memcpy(buf, invite, sizeof invite);
	assert_int_equal(sip_msg_parse(&arena, buf, sizeof invite - 1, &msg), SIP_OK);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	txn_layer_destroy();
	sip_arena_destroy(&arena);
	tp_loopback_clear();
	return 0;
}

static bool is(sip_str s, const char *want)
{
	return s.len == strlen(want) && (!s.len || memcmp(s.s, want, s.len) == 0);
}

/* Contacts best first: the first q group goes to the Request-URI and the
 * destination set (a q-less contact counts as q=1), the rest is handed to
 * the transaction and comes back one group per t_next_contacts(). */
static void test_q_groups(void **state)
{
	(void)state;
	struct sip_ctx ctx;
	ctx_make(&ctx);
	proxy_fork_begin(&ctx);
	assert_int_equal(proxy_fork_add(&ctx, SIP_STR_LIT("sip:a@10.0.0.2"), SIP_STR_NULL, SIP_STR_NULL, 1000, 0), SIP_OK);
	assert_int_equal(proxy_fork_add(&ctx, SIP_STR_LIT("sip:b@10.0.0.3"), SIP_STR_NULL, SIP_STR_NULL, -1, 0), SIP_OK);
	assert_int_equal(proxy_fork_add(&ctx, SIP_STR_LIT("sip:c@10.0.0.4"), SIP_STR_NULL, SIP_STR_NULL, 500, 0), SIP_OK);
	assert_int_equal(proxy_fork_add(&ctx, SIP_STR_LIT("sip:d@10.0.0.5"), SIP_STR_NULL, SIP_STR_NULL, 500, 0), SIP_OK);
	assert_int_equal(proxy_fork_add(&ctx, SIP_STR_LIT("sip:e@10.0.0.6"), SIP_STR_NULL, SIP_STR_NULL, 100, 0), SIP_OK);
	assert_true(proxy_fork_next(&ctx));
	assert_true(is(ctx.new_ruri, "sip:a@10.0.0.2"));
	assert_non_null(ctx.fork->dset);
	assert_true(is(ctx.fork->dset->uri, "sip:b@10.0.0.3"));
	assert_null(ctx.fork->dset->next);

	/* t_relay(): the transaction keeps c, d, e in its own arena. */
	txn *s = txn_server_create(&msg, sock, &up);
	assert_non_null(s);
	proxy_fork_bind(&ctx, s);
	assert_non_null(s->u_fork);
	assert_null(ctx.fork->serial);
	sip_arena_reset(&arena);        /* the request's memory goes away */

	/* The failure route: a fresh context on the same transaction. */
	struct sip_ctx fail;
	ctx_make(&fail);
	fail.txn = s;
	fail.route_kind = SIPCC_ROUTE_FAILURE;
	assert_true(sipcc_fn_t_next_contacts(&fail));
	assert_true(is(fail.new_ruri, "sip:c@10.0.0.4"));
	assert_non_null(fail.fork->dset);
	assert_true(is(fail.fork->dset->uri, "sip:d@10.0.0.5"));
	assert_null(fail.fork->dset->next);
	assert_true(sipcc_fn_t_next_contacts(&fail));
	assert_true(is(fail.new_ruri, "sip:e@10.0.0.6"));
	assert_null(fail.fork->dset);
	assert_false(sipcc_fn_t_next_contacts(&fail));
	assert_true(is(fail.new_ruri, "sip:e@10.0.0.6"));    /* unchanged */
}

/* A single contact: no destination set, nothing for the transaction. */
static void test_single_contact(void **state)
{
	(void)state;
	struct sip_ctx ctx;
	ctx_make(&ctx);
	assert_false(proxy_fork_next(&ctx));                 /* no lookup yet */
	proxy_fork_begin(&ctx);
	proxy_fork_add(&ctx, SIP_STR_LIT("sip:a@10.0.0.2"), SIP_STR_NULL, SIP_STR_NULL, -1, 0);
	assert_true(proxy_fork_next(&ctx));
	assert_null(ctx.fork->dset);
	txn *s = txn_server_create(&msg, sock, &up);
	proxy_fork_bind(&ctx, s);
	assert_null(s->u_fork);
	ctx.txn = s;
	ctx.route_kind = SIPCC_ROUTE_FAILURE;
	assert_false(sipcc_fn_t_next_contacts(&ctx));
}

/* Path: the first value is the branch's next hop, and the branch gets
 * the whole Path as a Route header above the others. */
static void test_path(void **state)
{
	(void)state;
	struct sip_ctx ctx;
	ctx_make(&ctx);
	proxy_fork_begin(&ctx);
	proxy_fork_add(&ctx, SIP_STR_LIT("sip:a@10.0.0.2"),
		       SIP_STR_LIT("<sip:10.0.0.7;lr>, <sip:10.0.0.8;lr>"), SIP_STR_NULL, -1, 0);
	proxy_fork_add(&ctx, SIP_STR_LIT("sip:b@10.0.0.3"), SIP_STR_NULL, SIP_STR_NULL, -1, 0);
	assert_true(proxy_fork_next(&ctx));
	assert_true(is(ctx.du, "sip:10.0.0.7;lr"));
	assert_true(is(ctx.fork->dset->du, ""));
	assert_int_equal(proxy_fork_path_edit(&ctx), SIP_OK);
	char out[2048];
	long n = sip_msg_build(&msg, out, sizeof out);
	assert_true(n > 0);
	out[n] = '\0';
	assert_non_null(strstr(out, "\r\nRoute: <sip:10.0.0.7;lr>, <sip:10.0.0.8;lr>\r\nVia: "));
	/* The other branch has no Path: nothing inserted. */
	ctx.fork->path = ctx.fork->dset->path;
	unsigned edits = msg.n_edits;
	assert_int_equal(proxy_fork_path_edit(&ctx), SIP_OK);
	assert_int_equal(msg.n_edits, edits);
}

static void test_append_branch(void **state)
{
	(void)state;
	struct sip_ctx ctx;
	ctx_make(&ctx);
	assert_int_equal(sipcc_fn_append_branch(&ctx, "sip:x@10.0.0.9", 14), 1);
	assert_int_equal(sipcc_fn_append_branch(&ctx, "sip:y@10.0.0.10:5070", 20), 1);
	assert_int_equal(sipcc_fn_append_branch(&ctx, "tel:+4930123", 12), 0);
	assert_int_equal(sipcc_fn_append_branch(&ctx, "sip:", 4), 0);
	struct proxy_dest *e = ctx.fork->dset;
	assert_true(is(e->uri, "sip:x@10.0.0.9"));
	assert_true(is(e->next->uri, "sip:y@10.0.0.10:5070"));
	assert_null(e->next->next);
	/* A lookup starts a new set. */
	proxy_fork_begin(&ctx);
	assert_null(ctx.fork->dset);
}

/* t_set_fr before the transaction exists is handed to it by t_relay; in
 * a failure route it applies at once; values are clamped. */
static void test_set_fr(void **state)
{
	(void)state;
	struct sip_ctx ctx;
	ctx_make(&ctx);
	sipcc_fn_t_set_fr(&ctx, 5000, -1);
	txn *s = txn_server_create(&msg, sock, &up);
	proxy_fork_bind(&ctx, s);
	assert_int_equal(s->fr_inv_ms, 5000);
	assert_int_equal(s->fr_ms, 0);
	ctx.txn = s;
	sipcc_fn_t_set_fr(&ctx, INT64_MAX, 1200);
	assert_int_equal(s->fr_inv_ms, 86400000);
	assert_int_equal(s->fr_ms, 1200);
}

/* use tm { ... }: the layer's timers; out of range keeps the RFC value. */
static void test_settings(void **state)
{
	(void)state;
	proxy_fork_init();
	assert_int_equal(txn_L.fr_ms, 32000);
	assert_int_equal(txn_L.fr_inv_ms, 180000);
	sipcc_reg_setting("tm", "fr_timer", NULL, 1500);
	sipcc_reg_setting("tm", "fr_inv_timer", NULL, -3);
	proxy_fork_init();
	assert_int_equal(txn_L.fr_ms, 1500);
	assert_int_equal(txn_L.fr_inv_ms, 180000);
	sipcc_reg_setting("tm", "fr_timer", NULL, 32000);
	sipcc_reg_setting("tm", "fr_inv_timer", NULL, 180000);
	proxy_fork_init();
}

/* Kamailio's idiom: lookup(), t_load_contacts(), t_next_contacts() gives
 * the first q group again; appended branches are sorted in by q. */
static void test_load_contacts(void **state)
{
	(void)state;
	struct sip_ctx ctx;
	ctx_make(&ctx);
	proxy_fork_begin(&ctx);
	proxy_fork_add(&ctx, SIP_STR_LIT("sip:a@10.0.0.2"), SIP_STR_NULL, SIP_STR_NULL, 900, 0);
	proxy_fork_add(&ctx, SIP_STR_LIT("sip:b@10.0.0.3"), SIP_STR_NULL, SIP_STR_NULL, 900, 0);
	proxy_fork_add(&ctx, SIP_STR_LIT("sip:c@10.0.0.4"), SIP_STR_NULL, SIP_STR_NULL, 500, 0);
	assert_true(proxy_fork_next(&ctx));
	assert_true(sipcc_fn_append_branch(&ctx, "sip:x@10.0.0.9", 14));   /* q none = 1 */
	assert_true(sipcc_fn_t_load_contacts(&ctx));
	assert_null(ctx.fork->dset);
	assert_true(sipcc_fn_t_next_contacts(&ctx));
	assert_true(is(ctx.new_ruri, "sip:x@10.0.0.9"));
	assert_null(ctx.fork->dset);
	assert_true(sipcc_fn_t_next_contacts(&ctx));
	assert_true(is(ctx.new_ruri, "sip:a@10.0.0.2"));
	assert_true(is(ctx.fork->dset->uri, "sip:b@10.0.0.3"));

	/* t_relay() keeps c for the failure route. */
	txn *s = txn_server_create(&msg, sock, &up);
	proxy_fork_bind(&ctx, s);
	struct sip_ctx fail;
	ctx_make(&fail);
	fail.txn = s;
	fail.route_kind = SIPCC_ROUTE_FAILURE;
	assert_true(sipcc_fn_t_next_contacts(&fail));
	assert_true(is(fail.new_ruri, "sip:c@10.0.0.4"));
	assert_false(sipcc_fn_t_next_contacts(&fail));
}

/* t_check_status: the whole code must match; failure routes test the best
 * code, reply routes the reply; a bad pattern matches nothing. */
static void test_check_status(void **state)
{
	(void)state;
	struct sip_ctx ctx;
	ctx_make(&ctx);
	ctx.route_kind = SIPCC_ROUTE_FAILURE;
	ctx.reply_code = 486;
#define CHK(re) sipcc_fn_t_check_status(&ctx, re, strlen(re))
	assert_true(CHK("486|408"));
	assert_true(CHK("4[0-9][0-9]"));
	assert_false(CHK("48"));
	assert_false(CHK("408"));
	assert_false(CHK("4(8"));
	ctx.reply_code = 408;
	assert_true(CHK("486|408"));
	for (int i = 0; i < 20; i++) {          /* more patterns than the cache */
		char re[8];
		snprintf(re, sizeof re, "%d", 400 + i);
		assert_int_equal(CHK(re), i == 8);
	}
	assert_true(CHK("486|408"));
	ctx.route_kind = SIPCC_ROUTE_REQUEST;    /* a request: no status */
	assert_false(CHK("486|408"));
#undef CHK
}

/* get_redirects: the SIP Contacts of the 3xx the transaction kept as its
 * best reply, by q (the order within a q kept), at most the limit; what
 * is not a SIP URI is skipped; nothing for another class of reply or
 * outside a failure route. */
static void test_get_redirects(void **state)
{
	(void)state;
	static const char r302[] =
		"SIP/2.0 302 Moved Temporarily\r\n"
		"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKf1\r\n"
		"From: <sip:alice@example.com>;tag=a\r\n"
		"To: <sip:bob@example.com>;tag=b\r\n"
		"Call-ID: fork-1@10.0.0.1\r\n"
		"CSeq: 1 INVITE\r\n"
		"Contact: <sip:low@10.0.0.9>;q=0.1, <sip:hi1@10.0.0.7>;q=0.9\r\n"
		"Contact: <tel:+15551234>;q=1.0, <sip:hi2@10.0.0.8>;Q=0.9;expires=60\r\n"
		"Contact: sip:noq@10.0.0.6\r\n"
		"Content-Length: 0\r\n\r\n";
	txn *s = txn_server_create(&msg, sock, &up);
	assert_non_null(s);
	s->best = sip_mem_alloc(sizeof r302);
	assert_non_null(s->best);
	memcpy(s->best, r302, sizeof r302);
	s->best_len = s->best_cap = sizeof r302 - 1;
	s->best_code = s->best_status = 302;

	struct sip_ctx fail;
	ctx_make(&fail);
	fail.txn = s;
	fail.route_kind = SIPCC_ROUTE_FAILURE;
	/* No q counts as 1: noq first, then hi1 and hi2 in parallel, low
	 * kept for t_next_contacts(). */
	assert_true(sipcc_fn_get_redirects(&fail, 0));
	assert_true(is(fail.new_ruri, "sip:noq@10.0.0.6"));
	assert_null(fail.fork->dset);
	assert_true(sipcc_fn_t_next_contacts(&fail));
	assert_true(is(fail.new_ruri, "sip:hi1@10.0.0.7"));
	assert_non_null(fail.fork->dset);
	assert_true(is(fail.fork->dset->uri, "sip:hi2@10.0.0.8"));
	assert_null(fail.fork->dset->next);
	assert_true(sipcc_fn_t_next_contacts(&fail));
	assert_true(is(fail.new_ruri, "sip:low@10.0.0.9"));
	assert_false(sipcc_fn_t_next_contacts(&fail));

	/* At most two: the best two. */
	ctx_make(&fail);
	fail.txn = s;
	fail.route_kind = SIPCC_ROUTE_FAILURE;
	assert_true(sipcc_fn_get_redirects(&fail, 2));
	assert_true(is(fail.new_ruri, "sip:noq@10.0.0.6"));
	assert_true(sipcc_fn_t_next_contacts(&fail));
	assert_true(is(fail.new_ruri, "sip:hi1@10.0.0.7"));
	assert_null(fail.fork->dset);
	assert_false(sipcc_fn_t_next_contacts(&fail));

	/* Not a 3xx; not a failure route. */
	s->best_status = 486;
	ctx_make(&fail);
	fail.txn = s;
	fail.route_kind = SIPCC_ROUTE_FAILURE;
	assert_false(sipcc_fn_get_redirects(&fail, 0));
	s->best_status = 302;
	fail.route_kind = SIPCC_ROUTE_REQUEST;
	assert_false(sipcc_fn_get_redirects(&fail, 0));
}

/* proxy_rr_param_add: parameters for our Record-Route entries, one at a
 * time, each NAME or NAME=VALUE of URI parameter characters. */
static void test_rr_params(void **state)
{
	(void)state;
	struct sip_ctx ctx;
	ctx_make(&ctx);
	assert_int_equal(proxy_rr_param_add(&ctx, SIP_STR_LIT("uacf=YWJj-_")), SIP_OK);
	assert_int_equal(proxy_rr_param_add(&ctx, SIP_STR_LIT("nat")), SIP_OK);
	assert_true(is(ctx.rr_params, ";uacf=YWJj-_;nat"));
	static const char *const bad[] = { "", "=x", "a;b", "a>b", "a b", "a\r\nX: 1", "a=\"q\"", "a,b" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(proxy_rr_param_add(&ctx, sip_str_make(bad[i], strlen(bad[i]))), SIP_EINVAL);
	assert_true(is(ctx.rr_params, ";uacf=YWJj-_;nat"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_q_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_single_contact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_branch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_fr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_settings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_contacts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_redirects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rr_params, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
