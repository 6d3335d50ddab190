/* Whether a policy being loaded fits the running proxy
 * (runtime/proxy/policy.c, proxy_policy_check): its registrations are
 * recorded and compared, never applied; each misfit is named; --listen
 * and --db make the policy's listen lines and database irrelevant. The
 * "policies" are C functions calling the registration entry points as a
 * generated sipcc_policy_init() does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/status.h"
#include "dialog/profile.h"
#include "proxy/module.h"
#include "proxy/policy.h"
#include "proxy/proxy.h"
#include "proxy/settings.h"

static sipcc_module mod_one = { .name = "one" };
static sipcc_module mod_two = { .name = "two" };

static int64_t route_a(struct sip_ctx *ctx) { (void)ctx; return SIPCC_RET_EXIT; }
static int64_t route_b(struct sip_ctx *ctx) { (void)ctx; return SIPCC_RET_DROP; }

/* What every variant below changes one thing of. */
static const char *v_proto, *v_addr, *v_domain, *v_db, *v_state, *v_profile;
static int64_t v_expires;
static sipcc_module *v_mod;
static sipcc_route_fn v_request;

static void variant_reset(void)
{
	v_proto = "udp";
	v_addr = "127.0.0.1";
	v_domain = "a.example";
	v_db = "sqlite:x.db";
	v_state = "bflag NATED; profile calls: str; ";
	v_profile = "calls";
	v_expires = 3600;
	v_mod = &mod_one;
	v_request = route_b;
}

static void policy_variant(void)
{
	sipcc_reg_policy("abi 1", v_state);
	sipcc_reg_listen(v_proto, v_addr, 5060);
	sipcc_reg_domain(v_domain);
	sipcc_reg_database(v_db);
	sipcc_reg_setting("registrar", "default_expires", NULL, v_expires);
	sipcc_reg_setting("tls", "certificate", "", 0);
	sipcc_reg_module(v_mod);
	if (v_request)
		sipcc_reg_route(SIPCC_ROUTE_REQUEST, "request", v_request);
	sipcc_reg_timer("tick", route_b, 100);
	sipcc_reg_avp(0, "cfu", 0);
	sipcc_reg_profile(0, v_profile, 1);
}

static int setup(void **state)
{
	(void)state;
	/* The running policy: generation 1. */
	variant_reset();
	v_request = route_a;
	policy_variant();
	variant_reset();
	return 0;
}

/* Check the variant: the status, and the problems when it does not fit. */
static int check(char *msg, size_t n, struct proxy_policy *np)
{
	memset(np, 0, sizeof *np);
	msg[0] = '\0';
	return proxy_policy_check(policy_variant, np, msg, n);
}

static void test_fits_and_changes_nothing(void **state)
{
	(void)state;
	struct proxy_policy np;
	char msg[2048];
	assert_int_equal(check(msg, sizeof msg, &np), SIP_OK);
	assert_string_equal(msg, "");
	/* The new one registered its routes, the running one kept its own. */
	assert_ptr_equal(np.request, route_b);
	assert_int_equal(np.n_timers, 1);
	assert_string_equal(np.avps[0].name, "cfu");
	assert_ptr_equal(proxy_policy->request, route_a);
	assert_int_equal(proxy_policy->n_timers, 1);
	assert_int_equal(proxy_conf.n_listen, 1);
	assert_int_equal(proxy_conf.n_domains, 1);
	assert_false(proxy_policy_staging());
	/* A profile of the new policy is compared, not registered. */
	v_profile = "other";
	assert_int_equal(check(msg, sizeof msg, &np), SIP_OK);
	assert_string_equal(dlg_profile_name(0), "calls");
	assert_int_equal(dlg_profile_find(sip_str_make("other", 5)), -1);
	dlg_profile_reg_apply();
	assert_int_equal(dlg_profile_find(sip_str_make("other", 5)), -1);
}

/* Declarations kept with registrations and dialogs may be added after
 * those of their kind: a new bflag, dialog variable or profile fits, and
 * the profile is counted once the policy is loaded (apply), not before. */
static void policy_grown(void)
{
	policy_variant();
	sipcc_reg_profile(1, "more", 0);
}

static void test_state_grows(void **state)
{
	(void)state;
	struct proxy_policy np;
	char msg[2048];
	variant_reset();
	v_state = "bflag NATED; bflag MORE; dlgvar d: int; profile calls: str; profile more; ";
	memset(&np, 0, sizeof np);
	assert_int_equal(proxy_policy_check(policy_grown, &np, msg, sizeof msg), SIP_OK);
	assert_int_equal(dlg_profile_find(sip_str_make("more", 4)), -1);
	dlg_profile_reg_apply();
	assert_int_equal(dlg_profile_find(sip_str_make("more", 4)), 1);
	assert_string_equal(dlg_profile_name(0), "calls");
}

static void test_each_misfit_named(void **state)
{
	(void)state;
	struct proxy_policy np;
	char msg[2048];
	static const struct {
		const char **field;
		const char *value;
		const char *want[2];
	} cases[] = {
		{ &v_addr, "127.0.0.2", { "it listens on udp:127.0.0.2:5060, the running proxy does not",
					  "it does not listen on udp:127.0.0.1:5060, the running proxy does" } },
		{ &v_proto, "tcp", { "it listens on tcp:127.0.0.1:5060", NULL } },
		{ &v_domain, "b.example", { "domain b.example is new", "domain a.example is gone" } },
		{ &v_db, "sqlite:y.db", { "its database is \"sqlite:y.db\", the running one \"sqlite:x.db\"", NULL } },
		{ &v_state, "bflag MORE; bflag NATED; profile calls: str; ", { "it declares \"bflag MORE\" where the running one declares \"bflag NATED\"", NULL } },
		{ &v_state, "profile calls: str; ", { "it drops \"bflag NATED\"", NULL } },
		{ &v_state, "bflag NATED; profile calls; ", { "it declares \"profile calls\" where the running one declares \"profile calls: str\"", NULL } },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		variant_reset();
		*cases[i].field = cases[i].value;
		assert_int_equal(check(msg, sizeof msg, &np), SIP_EINVAL);
		for (int k = 0; k < 2; k++)
			if (cases[i].want[k] && !strstr(msg, cases[i].want[k]))
				fail_msg("case %zu: \"%s\" not in \"%s\"", i, cases[i].want[k], msg);
	}
	variant_reset();
	v_expires = 60;
	assert_int_equal(check(msg, sizeof msg, &np), SIP_EINVAL);
	assert_string_equal(msg, "setting registrar.default_expires is 60 in the new policy, "
			    "3600 in the running one");
	assert_int_equal(sipcc_setting_int("registrar", "default_expires", 0), 3600);
	variant_reset();
	v_mod = &mod_two;
	assert_int_equal(check(msg, sizeof msg, &np), SIP_EINVAL);
	assert_string_equal(msg, "module two is not running");
	variant_reset();
	v_request = NULL;
	assert_int_equal(check(msg, sizeof msg, &np), SIP_EINVAL);
	assert_string_equal(msg, "it has no request route");
	/* Two misfits at once: both named. */
	variant_reset();
	v_expires = 60;
	v_mod = &mod_two;
	assert_int_equal(check(msg, sizeof msg, &np), SIP_EINVAL);
	assert_non_null(strstr(msg, "default_expires"));
	assert_non_null(strstr(msg, "; module two is not running"));
}

static void test_overrides(void **state)
{
	(void)state;
	struct proxy_policy np;
	char msg[2048];
	proxy_policy_overrides(true, true);
	variant_reset();
	v_addr = "10.0.0.1";
	v_db = "postgres://elsewhere/db";
	assert_int_equal(check(msg, sizeof msg, &np), SIP_OK);
	proxy_policy_overrides(false, false);
	assert_int_equal(check(msg, sizeof msg, &np), SIP_EINVAL);
}

/* A setting read within a range: its value inside, the default outside
 * (logged), the default for a setting the policy does not have. */
static void test_setting_range(void **state)
{
	(void)state;
	assert_int_equal(sipcc_setting_int_range("registrar", "default_expires", 7, 1, 86400), 3600);
	assert_int_equal(sipcc_setting_int_range("registrar", "default_expires", 7, 3600, 3600), 3600);
	assert_int_equal(sipcc_setting_int_range("registrar", "default_expires", 7, 1, 60), 7);
	assert_int_equal(sipcc_setting_int_range("registrar", "default_expires", 7, 3601, 86400), 7);
	assert_int_equal(sipcc_setting_int_range("registrar", "no_such_key", 7, 1, 60), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fits_and_changes_nothing),
		cmocka_unit_test(test_each_misfit_named),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_setting_range),
		cmocka_unit_test(test_state_grows),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
