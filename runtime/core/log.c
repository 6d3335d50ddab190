#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

/* syslog.h and core/log.h both define LOG_ERR etc.; take the syslog
 * priorities first, then let the runtime's logging macros win. */
static const int log_syslog_prio[] = { LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG };
#undef LOG_ERR
#undef LOG_WARN
#undef LOG_NOTICE
#undef LOG_INFO
#undef LOG_DEBUG

#include "core/log.h"
#include "core/str.h"

int sip_log_level = SIP_LOG_NOTICE;

static bool log_to_syslog;

static const char *const log_names[] = { "err", "warn", "notice", "info", "debug" };
/* Accept a level name (also "error"/"warning") or a single digit 0..4.
 * Returns the level or -1 so the caller can report a bad option. */
int sip_log_level_parse(const char *s)
{
	if (!s || !*s)
		return -1;
	if (s[0] >= '0' && s[0] <= '4' && s[1] == '\0')
		return s[0] - '0';
	for (int i = 0; i < (int)(sizeof(log_names) / sizeof(log_names[0])); i++)
		if (strcasecmp(s, log_names[i]) == 0)
			return i;
	if (strcasecmp(s, "error") == 0)
		return SIP_LOG_ERR;
	if (strcasecmp(s, "warning") == 0)
		return SIP_LOG_WARN;
	return -1;
}

/* Switch to syslog (LOG_DAEMON); ident must stay valid, as openlog keeps it. */
void sip_log_use_syslog(const char *ident)
{
	openlog(ident ? ident : "sipcc", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	log_to_syslog = true;
}

unsigned sip_log_repeat_ms = 10000;

/* Repeated-line reduction, as syslogd and rsyslog do it: once
 * SIP_LOG_REPEAT_BURST lines in a row were identical (same level, same
 * text), further copies are counted instead of written, and the count comes
 * out as "last message repeated N times" when a different line arrives,
 * when sip_log_flush() is called, or every sip_log_repeat_ms while the
 * repetition goes on. An error that recurs in a tight loop (an accept()
 * failing with EMFILE, a peer resending garbage) then costs one line per
 * interval instead of filling the disk, while a few identical lines of
 * normal operation (two calls ending the same way) are all written. The state is shared by
 * every thread; a spin lock keeps it consistent (lines are short, the lock
 * is held for a compare and a write). */
static struct {
	atomic_flag lock;
	char last[1024];
	size_t last_len;
	int last_level;
	unsigned run;               /* identical lines in a row, written or not */
	unsigned long repeats;      /* identical lines not written yet */
	uint64_t since_ms;          /* when the count was last written */
} L = { ATOMIC_FLAG_INIT, "", 0, -1, 0, 0, 0 };

static uint64_t log_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void log_lock(void)
{
	while (atomic_flag_test_and_set_explicit(&L.lock, memory_order_acquire))
		;
}

static void log_unlock(void)
{
	atomic_flag_clear_explicit(&L.lock, memory_order_release);
}

static void log_write(int level, const char *line)
{
	if (log_to_syslog)
		syslog(log_syslog_prio[level], "%s", line);
	else
		fprintf(stderr, "%s: %s\n", log_names[level], line);
}

/* Write the pending count of the last line, with its level; lock held. */
static void log_write_repeats(uint64_t now)
{
	char msg[64];

	if (!L.repeats)
		return;
	snprintf(msg, sizeof msg, "last message repeated %lu time%s", L.repeats,
		 L.repeats == 1 ? "" : "s");
	log_write(L.last_level, msg);
	L.repeats = 0;
	L.since_ms = now;
}

void sip_log_flush(void)
{
	log_lock();
	log_write_repeats(log_now_ms());
	log_unlock();
}

/* Write one line. The line is formatted first and written with one call so
 * lines from several threads do not interleave; repeats are counted (see
 * above). */
void sip_log(int level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;
	uint64_t now;

	if (level < SIP_LOG_ERR)
		level = SIP_LOG_ERR;
	if (level > SIP_LOG_DEBUG)
		level = SIP_LOG_DEBUG;
	if (level > sip_log_level)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	now = log_now_ms();
	log_lock();
	if (level == L.last_level && (size_t)n == L.last_len && memcmp(line, L.last, (size_t)n) == 0) {
		if (L.run < SIP_LOG_REPEAT_BURST) {
			L.run++;
			log_write(level, line);
			L.since_ms = now;
		} else {
			L.repeats++;
			if (now - L.since_ms >= sip_log_repeat_ms)
				log_write_repeats(now);
		}
		log_unlock();
		return;
	}
	log_write_repeats(now);
	L.run = 1;
	log_write(level, line);
	memcpy(L.last, line, (size_t)n + 1);
	L.last_len = (size_t)n;
	L.last_level = level;
	L.since_ms = now;
	log_unlock();
}

const char *sip_log_quote(char *buf, size_t sz, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		bool plain = ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\';
		if (k + (plain ? 1 : 4) >= sz)
			break;
		if (plain) {
			buf[k++] = (char)ch;
		} else {
			buf[k++] = '\\';
			buf[k++] = 'x';
			buf[k++] = hex[ch >> 4];
			buf[k++] = hex[ch & 15];
		}
	}
	buf[k] = '\0';
	return buf;
}
