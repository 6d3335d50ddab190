/* The generated proxy as a service an operator runs for years: in the
 * background (--daemon: the starting process exits 0 only once the proxy
 * listens, else with its error), with a pid file, with the privileges of
 * an ordinary user once the sockets are bound and the TLS keys read
 * (--user, --group), and with systemd's readiness notification
 * (Type=notify: READY=1 once it listens, STOPPING=1 at exit) and
 * watchdog (WATCHDOG=1 from the event loop at half of WatchdogSec, so a
 * stuck loop gets the proxy restarted). Without systemd (no
 * NOTIFY_SOCKET) the notifications are no-ops. */
#ifndef SIPCC_PROXY_SERVICE_H
#define SIPCC_PROXY_SERVICE_H

#include <stdbool.h>
#include "core/timer.h"

struct proxy_service {
	bool daemon;
	const char *pidfile;
	const char *user, *group;
	bool allow_root;        /* --daemon as root without --user */
};

/* Let the log write to the journal (--log journal). */
void proxy_service_log_init(void);
/* Check conf before anything starts (the user and group exist, a daemon
 * is not left running as root unless told); conf must stay valid.
 * SIP_OK, or SIP_EINVAL with *why. */
int proxy_service_check(const struct proxy_service *conf, const char **why);
/* --daemon: fork; the parent waits for proxy_service_ready() and exits.
 * Call before any thread starts. */
int proxy_service_daemonize(void);
/* Once the sockets are bound: become conf->user (and group). */
int proxy_service_drop(void);
/* Write conf->pidfile (before the privileges are dropped). */
int proxy_service_pidfile(void);
/* The proxy listens: tell systemd and a waiting parent, arm the watchdog
 * on w. */
void proxy_service_ready(sip_timer_wheel *w);
/* At exit: STOPPING=1, the pid file removed. */
void proxy_service_stop(void);

#endif
