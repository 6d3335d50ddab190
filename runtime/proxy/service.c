/* The proxy as a service (proxy/service.h): daemon, pid file, dropped
 * privileges, systemd readiness and watchdog. */
#include "proxy/service.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>
/* sd-journal.h brings syslog.h, whose LOG_* names core/log.h takes. */
#undef LOG_ERR
#undef LOG_WARN
#undef LOG_NOTICE
#undef LOG_INFO
#undef LOG_DEBUG
#include "core/log.h"
#include "core/status.h"

static struct {
	const struct proxy_service *conf;
	uid_t uid;
	gid_t gid;
	int ready_fd;           /* --daemon: the parent waits on it */
	bool pid_written;
	sip_timer_wheel *w;
	sip_timer watchdog;
	uint64_t watchdog_ms;
} S = { .ready_fd = -1 };

static void journal_write(int prio, const char *line, const char *ident)
{
	sd_journal_send("MESSAGE=%s", line, "PRIORITY=%d", prio, "SYSLOG_IDENTIFIER=%s", ident, NULL);
}

void proxy_service_log_init(void)
{
	sip_log_journal = journal_write;
}

int proxy_service_check(const struct proxy_service *conf, const char **why)
{
	S.conf = conf;
	S.uid = getuid();
	S.gid = getgid();
	if (conf->group && !conf->user) {
		*why = "--group needs --user";
		return SIP_EINVAL;
	}
	if (conf->user) {
		struct passwd *pw = getpwnam(conf->user);
		if (!pw) {
			*why = "no such user";
			return SIP_EINVAL;
		}
		S.uid = pw->pw_uid;
		S.gid = pw->pw_gid;
		if (geteuid() != 0 && S.uid != geteuid()) {
			*why = "only root can change to another user";
			return SIP_EINVAL;
		}
	}
	if (conf->group) {
		struct group *gr = getgrnam(conf->group);
		if (!gr) {
			*why = "no such group";
			return SIP_EINVAL;
		}
		S.gid = gr->gr_gid;
	}
	/* A service left running as root by mistake is a risk nobody chose:
	 * a daemon must be told whom to run as, or that root is meant. */
	if (conf->daemon && geteuid() == 0 && (!conf->user || S.uid == 0) && !conf->allow_root) {
		*why = "refusing to run as root in the background: give --user USER "
		       "(privileges are dropped once the sockets are bound) or --allow-root";
		return SIP_EINVAL;
	}
	return SIP_OK;
}

int proxy_service_daemonize(void)
{
	int fds[2];
	if (pipe(fds) != 0)
		return SIP_EIO;
	pid_t pid = fork();
	if (pid < 0)
		return SIP_EIO;
	if (pid > 0) {
		/* The parent: exit 0 once the child is ready, else with the
		 * child's status. */
		close(fds[1]);
		char c;
		ssize_t n;
		do
			n = read(fds[0], &c, 1);
		while (n < 0 && errno == EINTR);
		if (n == 1)
			_exit(0);
		int st = 0;
		if (waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st))
			_exit(WEXITSTATUS(st));
		_exit(1);
	}
	close(fds[0]);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	S.ready_fd = fds[1];
	setsid();
	umask(027);
	return SIP_OK;
}

int proxy_service_drop(void)
{
	const struct proxy_service *c = S.conf;
	if (!c || !c->user)
		return SIP_OK;
	if (geteuid() == 0) {
		if (initgroups(c->user, S.gid) != 0 || setgid(S.gid) != 0 || setuid(S.uid) != 0) {
			LOG_ERR("cannot change to user %s: %s", c->user, strerror(errno));
			return SIP_EIO;
		}
		/* Make sure there is no way back. */
		if (S.uid != 0 && setuid(0) == 0) {
			LOG_ERR("privileges were not dropped (setuid(0) still works)");
			return SIP_EIO;
		}
	}
	LOG_NOTICE("running as user %s (uid %u, gid %u)", c->user, (unsigned)getuid(),
		   (unsigned)getgid());
	return SIP_OK;
}

static void on_watchdog(sip_timer *t, void *arg)
{
	(void)arg;
	sd_notify(0, "WATCHDOG=1");
	sip_timer_add(S.w, t, S.watchdog_ms);
}

/* Write the pid file: the pid and a newline, replaced atomically. */
static int write_pidfile(const char *path)
{
	char tmp[4096];
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid()) >= sizeof tmp)
		return SIP_EINVAL;
	FILE *f = fopen(tmp, "w");
	if (!f)
		return SIP_EIO;
	fprintf(f, "%ld\n", (long)getpid());
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return SIP_EIO;
	}
	return SIP_OK;
}

int proxy_service_pidfile(void)
{
	const struct proxy_service *c = S.conf;
	if (!c || !c->pidfile)
		return SIP_OK;
	if (write_pidfile(c->pidfile) != SIP_OK) {
		LOG_ERR("cannot write the pid file %s: %s", c->pidfile, strerror(errno));
		return SIP_EIO;
	}
	S.pid_written = true;
	return SIP_OK;
}

void proxy_service_ready(sip_timer_wheel *w)
{
	sd_notifyf(0, "READY=1\nSTATUS=processing SIP\nMAINPID=%ld", (long)getpid());
	uint64_t usec = 0;
	if (sd_watchdog_enabled(0, &usec) > 0 && usec) {
		S.w = w;
		S.watchdog_ms = usec / 2000u ? usec / 2000u : 1;
		sip_timer_init(&S.watchdog, on_watchdog, NULL);
		sip_timer_add(w, &S.watchdog, S.watchdog_ms);
		sd_notify(0, "WATCHDOG=1");
	}
	sip_log_startup(false);
	if (S.ready_fd >= 0) {
		/* The terminal is the parent's: a daemon keeps no standard
		 * streams (its log goes elsewhere). */
		int fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
		ssize_t n;
		do
			n = write(S.ready_fd, "R", 1);
		while (n < 0 && errno == EINTR);
		close(S.ready_fd);
		S.ready_fd = -1;
	}
}

void proxy_service_stop(void)
{
	sd_notify(0, "STOPPING=1");
	if (S.w)
		sip_timer_cancel(S.w, &S.watchdog);
	S.w = NULL;
	if (S.pid_written && S.conf && S.conf->pidfile)
		unlink(S.conf->pidfile);
	S.pid_written = false;
}
