/* The limits settings (stdlib/limits.sipi): read once at start-up into the
 * parser's and the transports' limit tables, after checking their ranges. */
#include <stdint.h>
#include "core/log.h"
#include "net/limits.h"
#include "proxy/modules.h"
#include "proxy/settings.h"
#include "sip/msg.h"

/* MODULE.KEY as an int in lo..hi; false (logged) when outside. Not
 * sipcc_setting_int_range: a limit out of range stops the proxy at start-up
 * (tests/e2e/limits.sh) rather than running with a default. */
static bool limit_get(const char *module, const char *key, int64_t dflt, int64_t lo, int64_t hi,
		      int64_t *out)
{
	int64_t v = sipcc_setting_int(module, key, dflt);
	if (v < lo || v > hi) {
		LOG_ERR("setting %s.%s = %lld is out of range (%lld..%lld)", module, key,
			(long long)v, (long long)lo, (long long)hi);
		return false;
	}
	*out = v;
	return true;
}

int proxy_limits_configure(void)
{
	int64_t msg = 0, hdrs = 0, conns = 0, rbuf = 0, wbuf = 0, idle = 0;
	bool ok = true;

	ok &= limit_get("limits", "max_message_size", SIP_MAX_MSG_SIZE, 512, SIP_MAX_MSG_SIZE, &msg);
	ok &= limit_get("limits", "max_headers", SIP_MAX_HEADERS, 8, SIP_MAX_HEADERS, &hdrs);
	ok &= limit_get("tcp", "max_connections", TP_DEFAULT_TCP_MAX_CONNS, 1, 1048576, &conns);
	ok &= limit_get("tcp", "read_buffer", TP_DEFAULT_TCP_MAX_RBUF, 4096, TP_DEFAULT_TCP_MAX_RBUF, &rbuf);
	ok &= limit_get("tcp", "write_buffer", TP_DEFAULT_TCP_MAX_WBUF, 4096, 256 * 1024 * 1024, &wbuf);
	ok &= limit_get("tcp", "idle_timeout", TP_DEFAULT_TCP_IDLE_MS / 1000, 1, 86400, &idle);
	if (!ok)
		return -1;
	sip_limits.max_msg_size = (size_t)msg;
	sip_limits.max_headers = (unsigned)hdrs;
	tp_limits.tcp_max_conns = (unsigned)conns;
	tp_limits.tcp_max_rbuf = (unsigned)rbuf;
	tp_limits.tcp_max_wbuf = (unsigned)wbuf;
	tp_limits.tcp_idle_ms = (unsigned)idle * 1000u;
	LOG_DEBUG("limits: message %lld bytes, %lld headers; tcp: %lld connections, "
		  "read %lld, write %lld bytes, idle %lld s", (long long)msg, (long long)hdrs,
		  (long long)conns, (long long)rbuf, (long long)wbuf, (long long)idle);
	return 0;
}
