#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>

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

/* Write one line. The line is formatted first and written with one call so
 * lines from several threads do not interleave. */
void sip_log(int level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

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
	if (log_to_syslog)
		syslog(log_syslog_prio[level], "%s", line);
	else
		fprintf(stderr, "%s: %s\n", log_names[level], line);
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
