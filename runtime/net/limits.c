/* The transport limits in force (net/limits.h), and the process's
 * descriptor limit fitted to them. */
#include <dirent.h>
#include <stdbool.h>
#include <sys/resource.h>
#include "core/log.h"
#include "core/status.h"
#include "net/limits.h"

struct tp_limits tp_limits = {
	TP_DEFAULT_TCP_MAX_CONNS, TP_DEFAULT_TCP_MAX_RBUF, TP_DEFAULT_TCP_MAX_WBUF,
	TP_DEFAULT_TCP_IDLE_MS,
};

/* Descriptors open now (/proc/self/fd), or a guess without /proc. */
static unsigned fds_in_use(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned n = 0;

	if (!d)
		return 16;
	while (readdir(d))
		n++;
	closedir(d);
	return n > 3 ? n - 3 : n;       /* ".", ".." and the directory itself */
}

/* Every TCP, TLS or WebSocket connection costs a descriptor, on top of what
 * the process holds at start-up (database, resolver, control socket, the
 * listening sockets to come): TP_FD_HEADROOM more than is open now. The
 * soft limit is raised to fit tcp.max_connections, as far as the hard
 * limit allows (a process may do that without privileges). When the hard
 * limit is too low, tcp.max_connections is lowered to what fits, with a
 * warning: a proxy that accepted more connections than it has descriptors
 * for would fail at accept() instead of refusing cleanly. When fewer than
 * TP_MIN_TCP_CONNS fit and streams are required (a tcp, tls, ws or wss
 * listener), the proxy cannot do its job: SIP_ELIMIT, after an error that
 * says what to change. Returns SIP_OK otherwise. */
int tp_limits_fit_fds(bool streams)
{
	struct rlimit rl;
	unsigned long reserve = fds_in_use() + TP_FD_HEADROOM, need, avail;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return SIP_OK;
	need = tp_limits.tcp_max_conns + reserve;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		struct rlimit want = rl;
		want.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &want) == 0) {
			LOG_INFO("file descriptor limit raised from %lu to %lu for tcp.max_connections (%u)",
				 (unsigned long)rl.rlim_cur, (unsigned long)want.rlim_cur, tp_limits.tcp_max_conns);
			rl = want;
		}
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return SIP_OK;
	avail = rl.rlim_cur > reserve ? rl.rlim_cur - reserve : 0;
	if (avail < TP_MIN_TCP_CONNS && streams) {
		LOG_ERR("file descriptor limit %lu (hard %lu) leaves room for %lu TCP/TLS connections, "
			"fewer than %u; refusing to start (raise it: ulimit -n, LimitNOFILE= in the "
			"systemd unit, or /etc/security/limits.conf)", (unsigned long)rl.rlim_cur,
			(unsigned long)rl.rlim_max, avail, TP_MIN_TCP_CONNS);
		return SIP_ELIMIT;
	}
	if (avail < 1)
		avail = 1;
	LOG_WARN("file descriptor limit %lu (hard %lu) fits %lu TCP/TLS connections: "
		 "tcp.max_connections lowered from %u to %lu (raise the hard limit: ulimit -Hn, "
		 "LimitNOFILE= in the systemd unit)", (unsigned long)rl.rlim_cur,
		 (unsigned long)rl.rlim_max, avail, tp_limits.tcp_max_conns, avail);
	tp_limits.tcp_max_conns = (unsigned)avail;
	return SIP_OK;
}
