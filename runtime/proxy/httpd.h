/* The proxy's HTTP listener (libmicrohttpd, driven by the event loop: its
 * epoll descriptor is watched by the loop and a timer, so every request
 * is handled on the loop's thread and reads the statistics and runs the
 * control commands without locks).
 *
 *   --metrics [ADDR:]PORT   GET /metrics: the Prometheus exposition (metrics.h)
 *   --rpc [ADDR:]PORT       POST /rpc: JSON-RPC 2.0 (rpc.h)
 *
 * ADDR is a numeric address, 127.0.0.1 when not given. *
 * The same ADDR:PORT for both gives one listener serving both paths.
 * /rpc runs any control command, so it is for the operator only: on a
 * loopback address (127.0.0.0/8, ::1) it may go without a token; on any
 * other it needs --rpc-token-file, and the proxy refuses to start without
 * one. With a token every /rpc request must carry "Authorization: Bearer
 * TOKEN", else it gets 401 (and the attempt is logged). /metrics needs
 * no token (it reveals counts, not subscribers). */
#ifndef SIPCC_PROXY_HTTPD_H
#define SIPCC_PROXY_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include "net/loop.h"

#define PROXY_HTTP_BODY_MAX   (64u * 1024)  /* a JSON-RPC request */
#define PROXY_HTTP_CLIENTS    32
#define PROXY_HTTP_TIMEOUT_S  30
#define PROXY_HTTP_TOKEN_MIN  16

struct proxy_http_conf {
	const char *metrics;            /* ADDR:PORT, or NULL */
	const char *rpc;                /* ADDR:PORT, or NULL */
	const char *token_file;         /* the bearer token, its first line; or NULL */
};

/* Check conf and read the token (before privileges are dropped): the
 * addresses are numeric IPv4 or [IPv6] with a port, a non-loopback --rpc
 * has a token, the token file is readable and its token at least
 * PROXY_HTTP_TOKEN_MIN characters. SIP_OK, or SIP_EINVAL with why. */
int proxy_http_configure(const struct proxy_http_conf *conf, char *why, size_t why_size);
/* Listen (after proxy_http_configure) on loop. SIP_OK or SIP_EIO (logged). */
int proxy_http_start(sip_loop *loop);
/* Close the listeners and their connections. */
void proxy_http_stop(void);

/* Whether a numeric address is a loopback one. */
bool proxy_http_loopback(const char *addr);
/* "127.0.0.1:9090", "[::1]:9090" or "9090" (127.0.0.1) into addr and
 * port; false when not so. */
bool proxy_http_parse_addr(const char *arg, char *addr, size_t size, int *port);

#endif
