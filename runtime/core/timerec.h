/* Time recurrences (OpenSIPS's check_time_rec, after RFC 2445 §4.3.10 and
 * §4.8.5.4): a window that starts at dtstart, lasts duration and repeats
 * by a frequency, written as one line of '|'-separated fields
 *
 *   dtstart|duration|freq|until|interval|byday|bymday|byyearday|byweekno|bymonth
 *
 *   dtstart    YYYYMMDDTHHMMSS (or YYYYMMDD): local time, UTC with a
 *              trailing Z; required
 *   duration   how long each occurrence lasts: P1W2DT3H4M5S (iCalendar;
 *              the P and T may be left out) or a number of seconds; > 0
 *   freq       daily, weekly, monthly or yearly; empty: dtstart only
 *   until      no occurrence starts after it (same form and zone as dtstart)
 *   interval   every Nth day, week (weeks start on Monday), month or year
 *              counted from dtstart's; default 1
 *   byday      MO,TU,... each with an optional ordinal (1MO first Monday,
 *              -1FR last Friday) counted in the month (in the year for a
 *              yearly rule without bymonth)
 *   bymday     days of the month, 1..31 or -31..-1 from its end
 *   byyearday  days of the year, 1..366 or -366..-1
 *   byweekno   ISO 8601 weeks, 1..53 or -53..-1
 *   bymonth    months, 1..12
 *
 * Empty trailing fields may be left out. An occurrence starts at dtstart's
 * time of day on every day the rule selects: a day counted by the
 * interval whose date passes every by-list given; without a byday,
 * bymday, byyearday or byweekno, a weekly rule keeps dtstart's weekday, a
 * monthly one its day of the month, a yearly one its day and month (or
 * that day in each month of bymonth). Times are compared as wall-clock
 * times in the zone of dtstart, so a daily 08:00 window stays at 08:00
 * across daylight saving changes.
 *
 * Pure code with no dependency: the compiler checks a literal with
 * sip_timerec_parse(), the runtime parses and matches. */
#ifndef SIPCC_CORE_TIMEREC_H
#define SIPCC_CORE_TIMEREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIP_TIMEREC_MAXLIST 32

enum sip_timerec_freq { SIP_TR_NONE, SIP_TR_DAILY, SIP_TR_WEEKLY, SIP_TR_MONTHLY, SIP_TR_YEARLY };

struct sip_timerec {
	bool utc;                       /* dtstart ends in Z */
	int64_t dtstart;                /* wall-clock seconds since 1970-01-01 */
	int64_t duration;               /* seconds, > 0 */
	enum sip_timerec_freq freq;
	bool has_until;
	int64_t until;                  /* wall-clock seconds */
	int interval;                   /* >= 1 */
	unsigned n_byday, n_bymday, n_byyearday, n_byweekno, n_bymonth;
	int8_t byday_ord[SIP_TIMEREC_MAXLIST];  /* 0: every such weekday */
	uint8_t byday_wday[SIP_TIMEREC_MAXLIST]; /* 0 Sunday .. 6 Saturday */
	int8_t bymday[SIP_TIMEREC_MAXLIST];
	int16_t byyearday[SIP_TIMEREC_MAXLIST];
	int8_t byweekno[SIP_TIMEREC_MAXLIST];
	int8_t bymonth[SIP_TIMEREC_MAXLIST];
};

/* Parse the len bytes of s into r. True when valid; else false with a
 * message (naming the field) in err. */
bool sip_timerec_parse(const char *s, size_t len, struct sip_timerec *r, char *err, size_t errlen);

/* Whether the Unix time t is inside an occurrence of r, t read in r's
 * zone (UTC, or the process's local time zone). */
bool sip_timerec_match(const struct sip_timerec *r, int64_t t);

#endif
