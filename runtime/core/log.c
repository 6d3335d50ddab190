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
#include "core/status.h"
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

static bool log_to_journal, log_json, log_startup;
void (*sip_log_journal)(int prio, const char *line, const char *ident);
static const char *log_ident = "sipcc";

static const struct { const char *name; int fac; } log_facilities[] = {
	{ "daemon", LOG_DAEMON }, { "user", LOG_USER }, { "local0", LOG_LOCAL0 },
	{ "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },
	{ "local7", LOG_LOCAL7 },
};

int sip_log_open(const char *target, const char *ident, const char **why)
{
	if (ident)
		log_ident = ident;
	if (strcmp(target, "stderr") == 0) {
		if (log_to_syslog)
			closelog();
		log_to_syslog = log_to_journal = false;
		return SIP_OK;
	}
	if (strcmp(target, "journal") == 0) {
		if (!sip_log_journal) {
			*why = "this program cannot write to the journal";
			return SIP_EINVAL;
		}
		log_to_syslog = false;
		log_to_journal = true;
		return SIP_OK;
	}
	if (strncmp(target, "syslog", 6) == 0 && (target[6] == '\0' || target[6] == ':')) {
		int fac = LOG_DAEMON;
		if (target[6] == ':') {
			size_t i, n = sizeof log_facilities / sizeof log_facilities[0];
			for (i = 0; i < n && strcmp(target + 7, log_facilities[i].name) != 0; i++)
				;
			if (i == n) {
				*why = "unknown syslog facility (daemon, user, local0 to local7)";
				return SIP_EINVAL;
			}
			fac = log_facilities[i].fac;
		}
		openlog(log_ident, LOG_PID | LOG_NDELAY, fac);
		log_to_syslog = true;
		log_to_journal = false;
		return SIP_OK;
	}
	*why = "expected stderr, syslog[:FACILITY] or journal";
	return SIP_EINVAL;
}

void sip_log_startup(bool on)
{
	log_startup = on;
}

int sip_log_format(const char *format)
{
	if (strcmp(format, "text") == 0)
		log_json = false;
	else if (strcmp(format, "json") == 0)
		log_json = true;
	else
		return SIP_EINVAL;
	return SIP_OK;
}

/* Append s (n bytes) to out as the inside of a JSON string. */
static size_t json_put(char *out, size_t k, size_t sz, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n && k + 7 < sz; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\') {
			out[k++] = '\\';
			out[k++] = (char)ch;
		} else if (ch < 0x20 || ch == 0x7f) {
			memcpy(out + k, "\\u00", 4);
			out[k + 4] = hex[ch >> 4];
			out[k + 5] = hex[ch & 15];
			k += 6;
		} else {
			out[k++] = (char)ch;
		}
	}
	return k;
}

/* The key=value words of a line: key is [a-z_0-9]+ at the start of a
 * word, value runs to the next blank or is "quoted" (sip_log_quote leaves
 * no quote inside). Calls fn for each; the message stays whole too. */
static void log_fields(const char *line, void (*fn)(void *, const char *, size_t, const char *, size_t),
		       void *arg)
{
	const char *p = line;
	while (*p) {
		while (*p == ' ')
			p++;
		const char *k = p;
		while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')
			p++;
		if (p > k && *p == '=') {
			size_t kn = (size_t)(p - k);
			const char *v = ++p;
			if (*v == '"') {
				const char *e = strchr(v + 1, '"');
				if (e) {
					fn(arg, k, kn, v + 1, (size_t)(e - v - 1));
					p = e + 1;
					continue;
				}
			}
			while (*p && *p != ' ')
				p++;
			/* A value ending a clause ("a=1," or "a=1;") keeps its text. */
			size_t vn = (size_t)(p - v);
			while (vn && (v[vn - 1] == ',' || v[vn - 1] == ';'))
				vn--;
			fn(arg, k, kn, v, vn);
			continue;
		}
		while (*p && *p != ' ')
			p++;
	}
}

struct json_line { char *out; size_t k, sz; };

static void json_field(void *arg, const char *k, size_t kn, const char *v, size_t vn)
{
	struct json_line *j = arg;
	/* Names the object has already stay the message's. */
	if ((kn == 4 && !memcmp(k, "time", 4)) || (kn == 5 && !memcmp(k, "level", 5)) ||
	    (kn == 3 && !memcmp(k, "msg", 3)))
		return;
	if (j->k + kn + 8 >= j->sz)
		return;
	j->out[j->k++] = ',';
	j->out[j->k++] = '"';
	memcpy(j->out + j->k, k, kn);
	j->k += kn;
	memcpy(j->out + j->k, "\":\"", 3);
	j->k += 3;
	j->k = json_put(j->out, j->k, j->sz, v, vn);
	if (j->k + 1 < j->sz)
		j->out[j->k++] = '"';
}

/* line as one JSON object into out. */
static void log_json_line(char *out, size_t sz, int level, const char *line, bool with_time)
{
	struct json_line j = { out, 0, sz };
	j.k = (size_t)snprintf(out, sz, "{");
	if (with_time) {
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		j.k += strftime(out + j.k, sz - j.k, "\"time\":\"%Y-%m-%dT%H:%M:%S", &tm);
		j.k += (size_t)snprintf(out + j.k, sz - j.k, ".%03ldZ\",", ts.tv_nsec / 1000000);
	}
	j.k += (size_t)snprintf(out + j.k, sz - j.k, "\"level\":\"%s\",\"msg\":\"", log_names[level]);
	j.k = json_put(out, j.k, sz - 3, line, strlen(line));
	out[j.k++] = '"';
	log_fields(line, json_field, &j);
	if (j.k + 2 > sz)
		j.k = sz - 2;
	out[j.k++] = '}';
	out[j.k] = '\0';
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
	char json[3072];
	if (log_json)
		log_json_line(json, sizeof json, level, line, !log_to_syslog && !log_to_journal);
	if (log_to_journal)
		sip_log_journal(log_syslog_prio[level], log_json ? json : line, log_ident);
	else if (log_to_syslog)
		syslog(log_syslog_prio[level], "%s", log_json ? json : line);
	else if (log_json)
		fprintf(stderr, "%s\n", json);
	else
		fprintf(stderr, "%s: %s\n", log_names[level], line);
	if ((log_to_journal || log_to_syslog) && log_startup && level <= SIP_LOG_WARN)
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
	if (level > sip_log_level_get())
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
