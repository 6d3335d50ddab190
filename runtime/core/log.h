/* Logging to stderr, syslog or the systemd journal with a level
 * threshold, as text or as one JSON object a line. */
#ifndef SIPCC_CORE_LOG_H
#define SIPCC_CORE_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum sip_log_level {
	SIP_LOG_ERR = 0,
	SIP_LOG_WARN = 1,
	SIP_LOG_NOTICE = 2,
	SIP_LOG_INFO = 3,
	SIP_LOG_DEBUG = 4,
};

/* The threshold: the control socket ("log level") changes it on worker 0
 * while every worker reads it before each line, so it is read and written
 * through sip_log_level_get/set (relaxed atomics: a worker may log one
 * more line at the old level). Plain writes are fine before the workers
 * start (command line, tests). */
extern int sip_log_level;

static inline int sip_log_level_get(void)
{
	return __atomic_load_n(&sip_log_level, __ATOMIC_RELAXED);
}

static inline void sip_log_level_set(int level)
{
	__atomic_store_n(&sip_log_level, level, __ATOMIC_RELAXED);
}

/* Parse "err|warn|notice|info|debug" or a digit; -1 when unknown. */
int sip_log_level_parse(const char *s);
void sip_log_use_syslog(const char *ident);
/* Where lines go: "stderr" (the default), "syslog" or "syslog:FACILITY"
 * (daemon, local0..local7, user), or "journal" (native fields, through
 * libsystemd). ident names the program (syslog tag, SYSLOG_IDENTIFIER)
 * and must stay valid. SIP_OK, or SIP_EINVAL with *why set. */
int sip_log_open(const char *target, const char *ident, const char **why);
/* The journal writer ("journal" needs one): set by the program that links
 * libsystemd (the proxy, proxy/service.h), so the core library does not. */
extern void (*sip_log_journal)(int prio, const char *line, const char *ident);
/* While on, errors and warnings also go to stderr when the log goes to
 * syslog or the journal: a daemon that cannot start says why on the
 * terminal it was started from. */
void sip_log_startup(bool on);
/* "text" (the default: "level: message") or "json": one object a line
 * with time, level, msg and a field for every key=value word of the
 * message (src=..., method=..., user="..."), for log shippers. SIP_OK or
 * SIP_EINVAL. */
int sip_log_format(const char *format);
void sip_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Copy the n bytes at s into buf (sz > 0) for a log line, NUL-terminated
 * and cut to fit: printable ASCII other than '"' and '\' as is, every
 * other byte as \xHH, so a value a peer sent cannot end a quoted field,
 * start a new line or hide in control characters. Returns buf. */
const char *sip_log_quote(char *buf, size_t sz, const char *s, size_t n);
/* After SIP_LOG_REPEAT_BURST identical lines in a row, further copies are
 * counted, not written; the count comes out as "last message repeated N
 * times" before the next different line, at sip_log_flush() and at least
 * every sip_log_repeat_ms (default 10000) while the repetition lasts. */
#define SIP_LOG_REPEAT_BURST 10u
extern unsigned sip_log_repeat_ms;
void sip_log_flush(void);

#define SIP_LOG(level, ...) \
	do { if ((level) <= sip_log_level_get()) sip_log((level), __VA_ARGS__); } while (0)
#define LOG_ERR(...)    SIP_LOG(SIP_LOG_ERR, __VA_ARGS__)
#define LOG_WARN(...)   SIP_LOG(SIP_LOG_WARN, __VA_ARGS__)
#define LOG_NOTICE(...) SIP_LOG(SIP_LOG_NOTICE, __VA_ARGS__)
#define LOG_INFO(...)   SIP_LOG(SIP_LOG_INFO, __VA_ARGS__)
#define LOG_DEBUG(...)  SIP_LOG(SIP_LOG_DEBUG, __VA_ARGS__)

#endif
