/* Time recurrences (runtime/core/timerec.c): the parser's diagnostics and
 * the matcher on fixed times (never "now"): weekly business hours, a
 * window across midnight, ordinals, yearly dates, intervals, until, ISO
 * weeks, days from the end of the year, and local time with daylight
 * saving. */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "core/timerec.h"

static struct sip_timerec rec(const char *spec)
{
	struct sip_timerec r;
	char err[160];
	bool ok = sip_timerec_parse(spec, strlen(spec), &r, err, sizeof err);
	if (!ok)
		fail_msg("'%s': %s", spec, err);
	return r;
}

/* Unix time of a UTC date and time. */
static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
			 .tm_hour = h, .tm_min = mi, .tm_sec = s };
	return (int64_t)timegm(&tm);
}

static void bad(const char *spec, const char *field)
{
	struct sip_timerec r;
	char err[160] = "";
	if (sip_timerec_parse(spec, strlen(spec), &r, err, sizeof err))
		fail_msg("'%s' was accepted", spec);
	if (!strstr(err, field))
		fail_msg("'%s': '%s' does not name %s", spec, err, field);
}

static void test_parse_errors(void **state)
{
	(void)state;
	bad("", "dtstart");
	bad("2024", "dtstart");
	bad("20241301T000000|1H", "dtstart");
	bad("20240230T000000|1H", "dtstart");
	bad("20240101T250000|1H", "dtstart");
	bad("20240101T080000", "duration");
	bad("20240101T080000|0", "duration");
	bad("20240101T080000|PT", "duration");
	bad("20240101T080000|P1Y", "duration");        /* no years: 52W */
	bad("20240101T080000|8X", "duration");
	bad("20240101T080000|8H|hourly", "freq");
	bad("20240101T080000|8H||20250101T000000", "until");
	bad("20240101T080000|8H|weekly|20230101T000000", "until");
	bad("20240101T080000Z|8H|weekly|20250101T000000", "until");
	bad("20240101T080000|8H|weekly||0", "interval");
	bad("20240101T080000|8H|weekly|||MO,XX", "byday");
	bad("20240101T080000|8H|weekly|||MO,", "byday");
	bad("20240101T080000|8H|weekly|||9MO", "byday");
	bad("20240101T080000|8H|monthly||||32", "bymday");
	bad("20240101T080000|8H|monthly||||0", "bymday");
	bad("20240101T080000|8H|yearly|||||367", "byyearday");
	bad("20240101T080000|8H|yearly||||||54", "byweekno");
	bad("20240101T080000|8H|yearly|||||||13", "bymonth");
	bad("20240101T080000|8H||||MO", "byday");
	bad("20240101T080000|8H|weekly|||MO|||||x", "more than 10 fields");
	bad("20240101T080000|8H|weekly|||MO, TU", "no spaces");
	/* Valid forms. */
	struct sip_timerec r = rec("20240101T080000Z|PT8H|WEEKLY|||MO,TU,WE,TH,FR");
	assert_true(r.utc);
	assert_int_equal(r.duration, 8 * 3600);
	assert_int_equal(r.freq, SIP_TR_WEEKLY);
	assert_int_equal(r.n_byday, 5);
	assert_int_equal(rec("20240101|P1W2DT3H4M5S").duration, 9 * 86400 + 3 * 3600 + 4 * 60 + 5);
	assert_int_equal(rec("20240101|8h30m").duration, 8 * 3600 + 30 * 60);
	assert_int_equal(rec("20240101|90").duration, 90);
	assert_int_equal(rec("20240101|1d|daily||2").interval, 2);
}

/* Monday to Friday, 08:00 to 16:00 UTC, from Monday 1 January 2024. */
static void test_business_hours(void **state)
{
	(void)state;
	struct sip_timerec r = rec("20240101T080000Z|8H|weekly|||MO,TU,WE,TH,FR");
	assert_true(sip_timerec_match(&r, utc(2024, 3, 5, 9, 0, 0)));       /* Tuesday */
	assert_true(sip_timerec_match(&r, utc(2024, 3, 5, 8, 0, 0)));
	assert_true(sip_timerec_match(&r, utc(2024, 3, 5, 15, 59, 59)));
	assert_false(sip_timerec_match(&r, utc(2024, 3, 5, 16, 0, 0)));     /* the end is out */
	assert_false(sip_timerec_match(&r, utc(2024, 3, 5, 7, 59, 59)));
	assert_false(sip_timerec_match(&r, utc(2024, 3, 9, 10, 0, 0)));     /* Saturday */
	assert_false(sip_timerec_match(&r, utc(2024, 3, 10, 10, 0, 0)));    /* Sunday */
	assert_false(sip_timerec_match(&r, utc(2023, 12, 29, 10, 0, 0)));   /* before dtstart */
	/* Without byday: dtstart's weekday only (a Monday). */
	struct sip_timerec mon = rec("20240101T080000Z|8H|weekly");
	assert_true(sip_timerec_match(&mon, utc(2024, 3, 4, 9, 0, 0)));
	assert_false(sip_timerec_match(&mon, utc(2024, 3, 5, 9, 0, 0)));
}

/* 22:00 to 02:00 every night: the window of the day before holds 01:00. */
static void test_across_midnight(void **state)
{
	(void)state;
	struct sip_timerec r = rec("20240101T220000Z|PT4H|daily");
	assert_true(sip_timerec_match(&r, utc(2024, 2, 10, 1, 0, 0)));
	assert_true(sip_timerec_match(&r, utc(2024, 2, 10, 22, 0, 0)));
	assert_false(sip_timerec_match(&r, utc(2024, 2, 10, 2, 0, 0)));
	assert_false(sip_timerec_match(&r, utc(2024, 2, 10, 21, 59, 59)));
	assert_false(sip_timerec_match(&r, utc(2024, 1, 1, 1, 0, 0)));      /* before the first */
	/* Only on Fridays: Saturday 01:00 is Friday's window, Friday 01:00
	 * is Thursday's, which is not one. */
	struct sip_timerec fri = rec("20240105T220000Z|PT4H|weekly|||FR");
	assert_true(sip_timerec_match(&fri, utc(2024, 2, 10, 1, 0, 0)));
	assert_false(sip_timerec_match(&fri, utc(2024, 2, 9, 1, 0, 0)));
}

static void test_ordinals_and_dates(void **state)
{
	(void)state;
	/* The last Friday of each month, all day. */
	struct sip_timerec r = rec("20240126T000000Z|1D|monthly|||-1FR");
	assert_true(sip_timerec_match(&r, utc(2024, 3, 29, 12, 0, 0)));
	assert_false(sip_timerec_match(&r, utc(2024, 3, 22, 12, 0, 0)));
	/* The first Monday of each month. */
	struct sip_timerec m1 = rec("20240101T000000Z|1D|monthly|||1MO");
	assert_true(sip_timerec_match(&m1, utc(2024, 4, 1, 12, 0, 0)));
	assert_false(sip_timerec_match(&m1, utc(2024, 4, 8, 12, 0, 0)));
	/* Christmas Day, yearly. */
	struct sip_timerec x = rec("20240101T000000Z|P1D|yearly||||25|||12");
	assert_true(sip_timerec_match(&x, utc(2025, 12, 25, 18, 0, 0)));
	assert_false(sip_timerec_match(&x, utc(2025, 12, 24, 18, 0, 0)));
	assert_false(sip_timerec_match(&x, utc(2025, 11, 25, 18, 0, 0)));
	/* Without a day: dtstart's date every year. */
	struct sip_timerec bd = rec("20240314T000000Z|P1D|yearly");
	assert_true(sip_timerec_match(&bd, utc(2027, 3, 14, 9, 0, 0)));
	assert_false(sip_timerec_match(&bd, utc(2027, 4, 14, 9, 0, 0)));
	/* The last day of the year (leap and common). */
	struct sip_timerec last = rec("20240101T000000Z|P1D|yearly|||||-1");
	assert_true(sip_timerec_match(&last, utc(2024, 12, 31, 9, 0, 0)));
	assert_true(sip_timerec_match(&last, utc(2025, 12, 31, 9, 0, 0)));
	assert_false(sip_timerec_match(&last, utc(2025, 12, 30, 9, 0, 0)));
	/* ISO week 1: Monday 29 December 2025 is in week 1 of 2026. */
	struct sip_timerec w1 = rec("20240101T000000Z|P1D|yearly||||||1");
	assert_true(sip_timerec_match(&w1, utc(2025, 12, 29, 9, 0, 0)));
	assert_false(sip_timerec_match(&w1, utc(2025, 12, 28, 9, 0, 0)));
	/* The last day of February (bymday -1, bymonth 2). */
	struct sip_timerec feb = rec("20240101T000000Z|P1D|monthly||||-1|||2");
	assert_true(sip_timerec_match(&feb, utc(2024, 2, 29, 9, 0, 0)));
	assert_true(sip_timerec_match(&feb, utc(2025, 2, 28, 9, 0, 0)));
	assert_false(sip_timerec_match(&feb, utc(2024, 2, 28, 9, 0, 0)));
	assert_false(sip_timerec_match(&feb, utc(2024, 3, 31, 9, 0, 0)));
}

static void test_interval_until_once(void **state)
{
	(void)state;
	/* Every other Monday from Monday 1 January 2024. */
	struct sip_timerec r = rec("20240101T000000Z|P1D|weekly||2|MO");
	assert_true(sip_timerec_match(&r, utc(2024, 1, 15, 9, 0, 0)));
	assert_false(sip_timerec_match(&r, utc(2024, 1, 8, 9, 0, 0)));
	/* Every third day. */
	struct sip_timerec d3 = rec("20240101T000000Z|P1D|daily||3");
	assert_true(sip_timerec_match(&d3, utc(2024, 1, 4, 9, 0, 0)));
	assert_false(sip_timerec_match(&d3, utc(2024, 1, 5, 9, 0, 0)));
	/* Daily until the 10th at midnight: the 10th's 08:00 start is later. */
	struct sip_timerec u = rec("20240101T080000Z|8H|daily|20240110T000000Z");
	assert_true(sip_timerec_match(&u, utc(2024, 1, 9, 9, 0, 0)));
	assert_false(sip_timerec_match(&u, utc(2024, 1, 10, 9, 0, 0)));
	/* No frequency: one window. */
	struct sip_timerec once = rec("20240301T100000Z|PT30M");
	assert_true(sip_timerec_match(&once, utc(2024, 3, 1, 10, 29, 59)));
	assert_false(sip_timerec_match(&once, utc(2024, 3, 1, 10, 30, 0)));
	assert_false(sip_timerec_match(&once, utc(2024, 3, 2, 10, 10, 0)));
}

/* Local time (no Z): wall-clock times in the process's zone, here
 * central Europe, so the 08:00 start follows daylight saving. */
static void test_local_time(void **state)
{
	(void)state;
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
	tzset();
	struct sip_timerec r = rec("20240101T080000|8H|daily");
	assert_false(r.utc);
	assert_true(sip_timerec_match(&r, utc(2024, 1, 15, 7, 30, 0)));     /* 08:30 CET */
	assert_false(sip_timerec_match(&r, utc(2024, 1, 15, 6, 30, 0)));    /* 07:30 CET */
	assert_true(sip_timerec_match(&r, utc(2024, 7, 1, 6, 30, 0)));      /* 08:30 CEST */
	assert_false(sip_timerec_match(&r, utc(2024, 7, 1, 5, 30, 0)));     /* 07:30 CEST */
	assert_false(sip_timerec_match(&r, utc(2024, 7, 1, 14, 30, 0)));    /* 16:30 CEST */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_business_hours),
		cmocka_unit_test(test_across_midnight),
		cmocka_unit_test(test_ordinals_and_dates),
		cmocka_unit_test(test_interval_until_once),
		cmocka_unit_test(test_local_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
