/* Time recurrences (core/timerec.h): the parser of the '|'-separated
 * form and the matcher, on wall-clock seconds counted from 1970-01-01 in
 * the recurrence's zone (days from the proleptic Gregorian calendar, so
 * no mktime() and no time zone database in the matcher). */
#include "core/timerec.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define DAY 86400
/* Most days the matcher looks back for an occurrence that started before
 * the time asked about (a duration of ten years). */
#define TR_MAX_LOOKBACK 3660

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = floor_div(y, 400);
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
	static const int n[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && leap(y) ? 29 : n[m - 1];
}

/* 0 Sunday .. 6 Saturday (1970-01-01 was a Thursday). */
static int wday_of(int64_t z)
{
	return (int)(((z + 4) % 7 + 7) % 7);
}

/* ISO 8601 week number of day z and the number of weeks of its ISO year. */
static int iso_week(int64_t z, int *weeks)
{
	int64_t thu = z - (wday_of(z) + 6) % 7 + 3;
	int64_t y;
	int m, d;
	civil_from_days(thu, &y, &m, &d);
	int64_t jan1 = days_from_civil(y, 1, 1);
	int w1 = wday_of(jan1);
	*weeks = (w1 == 4 || (w1 == 3 && leap(y))) ? 53 : 52;
	return (int)((thu - jan1) / 7 + 1);
}

/* ---- parsing ---- */

struct tr_field {
	const char *s;
	size_t len;
};

static bool tr_err(char *err, size_t n, const char *fmt, const char *what)
{
	if (err && n)
		snprintf(err, n, fmt, what);
	return false;
}

static bool digits(const char *s, size_t n, int *out)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* YYYYMMDD[THHMMSS][Z] into wall-clock seconds; *utc says whether Z. */
static bool parse_datetime(struct tr_field f, int64_t *out, bool *utc)
{
	int y, mo, d, h = 0, mi = 0, s = 0;
	*utc = f.len && (f.s[f.len - 1] == 'Z' || f.s[f.len - 1] == 'z');
	size_t n = f.len - *utc;
	if ((n != 8 && n != 15) || !digits(f.s, 4, &y) || !digits(f.s + 4, 2, &mo) ||
	    !digits(f.s + 6, 2, &d))
		return false;
	if (n == 15 && ((f.s[8] != 'T' && f.s[8] != 't') || !digits(f.s + 9, 2, &h) ||
			!digits(f.s + 11, 2, &mi) || !digits(f.s + 13, 2, &s)))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 59)
		return false;
	*out = days_from_civil(y, mo, d) * DAY + h * 3600 + mi * 60 + s;
	return true;
}

/* P1W2DT3H4M5S (P and T optional) or plain seconds; > 0. */
static bool parse_duration(struct tr_field f, int64_t *out)
{
	size_t i = 0;
	int64_t total = 0, v = -1;
	bool any = false, time_part = false;
	if (i < f.len && (f.s[i] == 'P' || f.s[i] == 'p'))
		i++;
	for (; i < f.len; i++) {
		char c = f.s[i];
		if (c >= '0' && c <= '9') {
			v = (v < 0 ? 0 : v) * 10 + (c - '0');
			if (v > 100000000)
				return false;
			continue;
		}
		if ((c == 'T' || c == 't') && v < 0 && !time_part) {
			time_part = true;
			continue;
		}
		int64_t unit;
		switch (c) {
		case 'W': case 'w': unit = 7 * DAY; break;
		case 'D': case 'd': unit = DAY; break;
		case 'H': case 'h': unit = 3600; break;
		case 'M': case 'm': unit = 60; break;
		case 'S': case 's': unit = 1; break;
		default: return false;
		}
		if (v < 0 || (time_part && unit >= DAY))
			return false;
		total += v * unit;
		v = -1;
		any = true;
	}
	if (v >= 0) {
		if (any || time_part || (f.len && (f.s[0] == 'P' || f.s[0] == 'p')))
			return false;       /* a number without its unit */
		total = v;
	}
	*out = total;
	return total > 0;
}

/* A comma-separated list of integers in [lo, hi] without 0. */
static bool parse_ints(struct tr_field f, int lo, int hi, int16_t *out, unsigned *n)
{
	*n = 0;
	size_t i = 0;
	while (i < f.len) {
		size_t j = i;
		while (j < f.len && f.s[j] != ',')
			j++;
		size_t k = i;
		bool neg = false;
		if (k < j && (f.s[k] == '+' || f.s[k] == '-'))
			neg = f.s[k++] == '-';
		int v;
		if (k == j || j - k > 3 || !digits(f.s + k, j - k, &v) || *n == SIP_TIMEREC_MAXLIST)
			return false;
		v = neg ? -v : v;
		if (v == 0 || v < lo || v > hi)
			return false;
		out[(*n)++] = (int16_t)v;
		i = j + 1;
		if (j + 1 == f.len)
			return false;       /* trailing comma */
	}
	return *n > 0;
}

static bool parse_byday(struct tr_field f, struct sip_timerec *r)
{
	static const char names[7][3] = { "SU", "MO", "TU", "WE", "TH", "FR", "SA" };
	r->n_byday = 0;
	size_t i = 0;
	while (i < f.len) {
		size_t j = i;
		while (j < f.len && f.s[j] != ',')
			j++;
		if (j - i < 2 || r->n_byday == SIP_TIMEREC_MAXLIST)
			return false;
		const char *w = f.s + j - 2;
		int wd = -1;
		for (int k = 0; k < 7; k++)
			if ((w[0] & ~0x20) == names[k][0] && (w[1] & ~0x20) == names[k][1])
				wd = k;
		int ord = 0;
		size_t k = i, e = (size_t)(w - f.s);
		if (k < e) {
			bool neg = false;
			if (f.s[k] == '+' || f.s[k] == '-')
				neg = f.s[k++] == '-';
			if (k == e || e - k > 2 || !digits(f.s + k, e - k, &ord) || ord < 1 || ord > 53)
				return false;
			ord = neg ? -ord : ord;
		}
		if (wd < 0)
			return false;
		r->byday_wday[r->n_byday] = (uint8_t)wd;
		r->byday_ord[r->n_byday] = (int8_t)ord;
		r->n_byday++;
		i = j + 1;
		if (j + 1 == f.len)
			return false;
	}
	return r->n_byday > 0;
}

bool sip_timerec_parse(const char *s, size_t len, struct sip_timerec *r, char *err, size_t errlen)
{
	static const char *const names[] = { "dtstart", "duration", "freq", "until", "interval",
					     "byday", "bymday", "byyearday", "byweekno", "bymonth" };
	struct tr_field f[10];
	unsigned n = 0;
	memset(r, 0, sizeof *r);
	r->interval = 1;
	size_t i = 0;
	for (;;) {
		size_t j = i;
		while (j < len && s[j] != '|')
			j++;
		if (n == 10)
			return tr_err(err, errlen, "%s", "more than 10 fields (dtstart|duration|freq|until|"
				      "interval|byday|bymday|byyearday|byweekno|bymonth)");
		f[n++] = (struct tr_field){ s + i, j - i };
		if (j >= len)
			break;
		i = j + 1;
	}
	while (n < 10)
		f[n++] = (struct tr_field){ s + len, 0 };
	for (unsigned k = 0; k < 10; k++)
		for (size_t c = 0; c < f[k].len; c++)
			if (f[k].s[c] == ' ' || f[k].s[c] == '\t')
				return tr_err(err, errlen, "%s: no spaces allowed", names[k]);
	if (!f[0].len || !parse_datetime(f[0], &r->dtstart, &r->utc))
		return tr_err(err, errlen, "%s must be a date and time YYYYMMDDTHHMMSS (Z for UTC)",
			      names[0]);
	if (!f[1].len || !parse_duration(f[1], &r->duration))
		return tr_err(err, errlen, "%s must be a positive duration (P1DT8H, 8H30M, or seconds)",
			      names[1]);
	if (f[2].len) {
		static const char *const fr[] = { "daily", "weekly", "monthly", "yearly" };
		for (int k = 0; k < 4; k++)
			if (f[2].len == strlen(fr[k]) && strncasecmp(f[2].s, fr[k], f[2].len) == 0)
				r->freq = (enum sip_timerec_freq)(SIP_TR_DAILY + k);
		if (r->freq == SIP_TR_NONE)
			return tr_err(err, errlen, "%s must be daily, weekly, monthly or yearly", names[2]);
	}
	if (f[3].len) {
		bool utc;
		if (!parse_datetime(f[3], &r->until, &utc))
			return tr_err(err, errlen, "%s must be a date and time YYYYMMDDTHHMMSS (Z for UTC)",
				      names[3]);
		if (utc != r->utc)
			return tr_err(err, errlen, "%s must be in the time zone of dtstart "
				      "(both with Z or both without)", names[3]);
		if (r->until < r->dtstart)
			return tr_err(err, errlen, "%s is before dtstart", names[3]);
		r->has_until = true;
	}
	if (f[4].len) {
		int v;
		if (f[4].len > 4 || !digits(f[4].s, f[4].len, &v) || v < 1)
			return tr_err(err, errlen, "%s must be a number from 1 to 9999", names[4]);
		r->interval = v;
	}
	if (f[5].len && !parse_byday(f[5], r))
		return tr_err(err, errlen, "%s must be a list of MO, TU, WE, TH, FR, SA, SU, each with "
			      "an optional ordinal (1MO, -1FR)", names[5]);
	int16_t tmp[SIP_TIMEREC_MAXLIST];
	static const struct { int lo, hi; } range[] = { { -31, 31 }, { -366, 366 }, { -53, 53 },
							 { -12, 12 } };
	for (unsigned k = 0; k < 4; k++) {
		struct tr_field x = f[6 + k];
		unsigned cnt = 0;
		if (!x.len)
			continue;
		if (!parse_ints(x, range[k].lo, range[k].hi, tmp, &cnt)) {
			if (err && errlen)
				snprintf(err, errlen, "%s must be a list of numbers from 1 to %d (or -%d to -1)",
					 names[6 + k], range[k].hi, range[k].hi);
			return false;
		}
		for (unsigned c = 0; c < cnt; c++) {
			switch (k) {
			case 0: r->bymday[c] = (int8_t)tmp[c]; break;
			case 1: r->byyearday[c] = tmp[c]; break;
			case 2: r->byweekno[c] = (int8_t)tmp[c]; break;
			default: r->bymonth[c] = (int8_t)tmp[c]; break;
			}
		}
		*(k == 0 ? &r->n_bymday : k == 1 ? &r->n_byyearday : k == 2 ? &r->n_byweekno
					: &r->n_bymonth) = cnt;
	}
	/* An ordinal counts in the month (at most 5 of a weekday) unless the
	 * rule is yearly without bymonth (in the year: up to 53). */
	for (unsigned k = 0; k < r->n_byday; k++)
		if ((r->freq != SIP_TR_YEARLY || r->n_bymonth) &&
		    (r->byday_ord[k] > 5 || r->byday_ord[k] < -5))
			return tr_err(err, errlen, "%s: an ordinal counts in the month here: 1 to 5 "
				      "(or -5 to -1)", names[5]);
	if (r->freq == SIP_TR_NONE) {
		for (unsigned k = 3; k < 10; k++)
			if (f[k].len)
				return tr_err(err, errlen, "%s needs a frequency (daily, weekly, monthly, "
					      "yearly)", names[k]);
	}
	return true;
}

/* ---- matching ---- */

/* Whether the day z (its civil date y-m-d) is one the rule selects. */
static bool day_ok(const struct sip_timerec *r, int64_t z)
{
	int64_t y, y0;
	int m, d, m0, d0;
	int64_t z0 = floor_div(r->dtstart, DAY);
	civil_from_days(z, &y, &m, &d);
	civil_from_days(z0, &y0, &m0, &d0);
	int64_t step;
	switch (r->freq) {
	case SIP_TR_DAILY: step = z - z0; break;
	case SIP_TR_WEEKLY: step = floor_div(z + 3, 7) - floor_div(z0 + 3, 7); break;
	case SIP_TR_MONTHLY: step = (y * 12 + m) - (y0 * 12 + m0); break;
	case SIP_TR_YEARLY: step = y - y0; break;
	default: return false;
	}
	if (step % r->interval != 0)
		return false;
	int dim = days_in_month(y, m), wd = wday_of(z);
	int yday = (int)(z - days_from_civil(y, 1, 1)) + 1, ylen = leap(y) ? 366 : 365;
	if (r->n_bymonth) {
		bool ok = false;
		for (unsigned i = 0; i < r->n_bymonth; i++)
			ok |= (r->bymonth[i] > 0 ? r->bymonth[i] : 13 + r->bymonth[i]) == m;
		if (!ok)
			return false;
	}
	if (r->n_byweekno) {
		int weeks, w = iso_week(z, &weeks);
		bool ok = false;
		for (unsigned i = 0; i < r->n_byweekno; i++)
			ok |= (r->byweekno[i] > 0 ? r->byweekno[i] : weeks + 1 + r->byweekno[i]) == w;
		if (!ok)
			return false;
	}
	if (r->n_byyearday) {
		bool ok = false;
		for (unsigned i = 0; i < r->n_byyearday; i++)
			ok |= (r->byyearday[i] > 0 ? r->byyearday[i] : ylen + 1 + r->byyearday[i]) == yday;
		if (!ok)
			return false;
	}
	if (r->n_bymday) {
		bool ok = false;
		for (unsigned i = 0; i < r->n_bymday; i++)
			ok |= (r->bymday[i] > 0 ? r->bymday[i] : dim + 1 + r->bymday[i]) == d;
		if (!ok)
			return false;
	}
	if (r->n_byday) {
		/* An ordinal counts in the year for a yearly rule without
		 * bymonth, else in the month. */
		bool in_year = r->freq == SIP_TR_YEARLY && !r->n_bymonth;
		int pos = in_year ? yday : d, len = in_year ? ylen : dim;
		int nth = (pos - 1) / 7 + 1, nth_last = -((len - pos) / 7 + 1);
		bool ok = false;
		for (unsigned i = 0; i < r->n_byday; i++)
			ok |= r->byday_wday[i] == wd &&
			      (r->byday_ord[i] == 0 || r->byday_ord[i] == nth || r->byday_ord[i] == nth_last);
		if (!ok)
			return false;
	}
	if (r->n_byday || r->n_bymday || r->n_byyearday || r->n_byweekno)
		return true;
	/* No day given: dtstart's weekday, day of the month, date. */
	switch (r->freq) {
	case SIP_TR_WEEKLY: return wd == wday_of(z0);
	case SIP_TR_MONTHLY: return d == d0;
	case SIP_TR_YEARLY: return d == d0 && (r->n_bymonth || m == m0);
	default: return true;
	}
}

bool sip_timerec_match(const struct sip_timerec *r, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (!(r->utc ? gmtime_r(&tt, &tm) : localtime_r(&tt, &tm)))
		return false;
	int64_t w = days_from_civil((int64_t)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) * DAY +
		    tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
	if (w < r->dtstart)
		return false;
	if (r->freq == SIP_TR_NONE)
		return w < r->dtstart + r->duration;
	/* The occurrences that may hold w start at dtstart's time of day on
	 * a day z with z*DAY + tod <= w < z*DAY + tod + duration. */
	int64_t tod = r->dtstart - floor_div(r->dtstart, DAY) * DAY;
	int64_t hi = floor_div(w - tod, DAY), lo = floor_div(w - tod - r->duration, DAY) + 1;
	if (hi - lo > TR_MAX_LOOKBACK)
		lo = hi - TR_MAX_LOOKBACK;
	for (int64_t z = hi; z >= lo; z--) {
		int64_t start = z * DAY + tod;
		if (start < r->dtstart)
			break;
		if (r->has_until && start > r->until)
			continue;
		if (day_ok(r, z))
			return true;
	}
	return false;
}
