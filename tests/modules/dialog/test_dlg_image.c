/* The items of a dialog kept in the cluster's store
 * (modules/dialog/dlg_image.c): what is written reads back the same (ints
 * at both ends of their range, strings with newlines, colons and digits
 * inside, empty ones, profiles with and without a value); text that is
 * not items (a wrong kind, a missing '=', a length past the end, a
 * number too big, a missing newline) is refused where it goes wrong; a
 * NUL inside a value fails the write; a text that grows past its first
 * allocation stays whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/status.h"
#include "dialog/dlg_image.h"

static sip_str S(const char *s)
{
	return sip_str_make(s, strlen(s));
}

static void test_round_trip(void **state)
{
	(void)state;
	struct dlg_img_buf b = { 0 };
	dlg_img_put(&b, DLG_IMG_INT, 3, -42, SIP_STR_NULL);
	dlg_img_put(&b, DLG_IMG_INT, 0, INT64_MAX, SIP_STR_NULL);
	dlg_img_put(&b, DLG_IMG_INT, 1, INT64_MIN, SIP_STR_NULL);
	dlg_img_put(&b, DLG_IMG_STR, 63, 0, S("line one\nP2=3:abc\n12:"));
	dlg_img_put(&b, DLG_IMG_STR, 5, 0, SIP_STR_NULL);
	dlg_img_put(&b, DLG_IMG_PROFILE, 0, 0, S(""));
	dlg_img_put(&b, DLG_IMG_PROFILE, 2, 0, S("sip:alice@example.com"));
	assert_false(b.failed);
	sip_str t = dlg_img_text(&b);
	assert_string_equal(b.p, "I3=-42\nI0=9223372036854775807\nI1=-9223372036854775808\n"
				 "S63=21:line one\nP2=3:abc\n12:\nS5=0:\nP0=0:\n"
				 "P2=21:sip:alice@example.com\n");
	size_t pos = 0;
	struct dlg_img_item it;
	assert_int_equal(dlg_img_next(t, &pos, &it), 1);
	assert_int_equal(it.kind, DLG_IMG_INT);
	assert_int_equal(it.idx, 3);
	assert_true(it.ival == -42);
	assert_int_equal(dlg_img_next(t, &pos, &it), 1);
	assert_true(it.ival == INT64_MAX);
	assert_int_equal(dlg_img_next(t, &pos, &it), 1);
	assert_true(it.ival == INT64_MIN);
	assert_int_equal(it.idx, 1);
	assert_int_equal(dlg_img_next(t, &pos, &it), 1);
	assert_int_equal(it.kind, DLG_IMG_STR);
	assert_int_equal(it.idx, 63);
	assert_true(sip_str_eq(it.sval, S("line one\nP2=3:abc\n12:")));
	assert_int_equal(dlg_img_next(t, &pos, &it), 1);
	assert_int_equal(it.kind, DLG_IMG_STR);
	assert_int_equal(it.sval.len, 0);
	assert_int_equal(dlg_img_next(t, &pos, &it), 1);
	assert_int_equal(it.kind, DLG_IMG_PROFILE);
	assert_int_equal(it.idx, 0);
	assert_int_equal(it.sval.len, 0);
	assert_int_equal(dlg_img_next(t, &pos, &it), 1);
	assert_int_equal(it.idx, 2);
	assert_true(sip_str_eq(it.sval, S("sip:alice@example.com")));
	assert_int_equal(dlg_img_next(t, &pos, &it), 0);
	assert_int_equal(pos, t.len);
	dlg_img_free(&b);
	assert_null(b.p);
	/* Nothing written reads as no items. */
	assert_int_equal(dlg_img_text(&b).len, 0);
	pos = 0;
	assert_int_equal(dlg_img_next(dlg_img_text(&b), &pos, &it), 0);
}

/* Each bad text is refused at its bad item: pos stays at its start. */
static void test_malformed(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		size_t stop;        /* where the bad item starts */
	} bad[] = {
		{ "X1=2\n", 0 },                        /* unknown kind */
		{ "I1=2\nI=3\n", 5 },                   /* no index */
		{ "I1 2\n", 0 },                        /* no '=' */
		{ "I1=\n", 0 },                         /* no number */
		{ "I1=12", 0 },                         /* no newline */
		{ "I1=9223372036854775808\n", 0 },      /* too big */
		{ "I1=-9223372036854775809\n", 0 },     /* too small */
		{ "I4294967296=1\n", 0 },               /* index too big */
		{ "S1=5:abc\n", 0 },                    /* length past the end */
		{ "S1=3abc\n", 0 },                     /* no ':' */
		{ "S1=3:abcd\n", 0 },                   /* longer than said */
		{ "P1=2:ab", 0 },                       /* no newline */
		{ "S1=99999999999999999999999:a\n", 0 }, /* length overflows */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		sip_str t = S(bad[i].text);
		size_t pos = 0;
		struct dlg_img_item it;
		int rc;
		while ((rc = dlg_img_next(t, &pos, &it)) == 1)
			;
		if (rc != SIP_EINVAL || pos != bad[i].stop)
			fail_msg("'%s': %d at %zu, expected SIP_EINVAL at %zu", bad[i].text, rc, pos,
				 bad[i].stop);
	}
}

static void test_nul_refused(void **state)
{
	(void)state;
	struct dlg_img_buf b = { 0 };
	dlg_img_put(&b, DLG_IMG_STR, 1, 0, sip_str_make("a\0b", 3));
	assert_true(b.failed);
	assert_int_equal(dlg_img_text(&b).len, 0);
	dlg_img_free(&b);
}

/* Many items: the buffer grows and every item reads back. */
static void test_growth(void **state)
{
	(void)state;
	struct dlg_img_buf b = { 0 };
	char v[64];
	for (unsigned i = 0; i < 500; i++) {
		int n = snprintf(v, sizeof v, "value-%u", i);
		dlg_img_put(&b, i % 2 ? DLG_IMG_STR : DLG_IMG_PROFILE, i, 0, sip_str_make(v, (size_t)n));
	}
	assert_false(b.failed);
	sip_str t = dlg_img_text(&b);
	size_t pos = 0;
	struct dlg_img_item it;
	unsigned n = 0;
	while (dlg_img_next(t, &pos, &it) == 1) {
		int k = snprintf(v, sizeof v, "value-%u", n);
		assert_int_equal(it.idx, n);
		assert_true(sip_str_eq(it.sval, sip_str_make(v, (size_t)k)));
		n++;
	}
	assert_int_equal(n, 500);
	assert_int_equal(pos, t.len);
	dlg_img_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_nul_refused),
		cmocka_unit_test(test_growth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
