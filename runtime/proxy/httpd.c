/* The HTTP listener of /metrics and /rpc (see httpd.h). */
#include "proxy/httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include "core/arena.h"
#include "core/log.h"
#include "core/status.h"
#include "proxy/ctl.h"
#include "proxy/metrics.h"
#include "proxy/rpc.h"

#define HTTP_MAX_LISTENERS 2
#define HTTP_ADDR_MAX      64

struct http_lsn {
	struct MHD_Daemon *d;
	char addr[HTTP_ADDR_MAX];
	int port;
	bool metrics, rpc;
	int epfd;
	sip_timer t;                    /* MHD's own timeouts */
};

/* One /rpc request: its body as it arrives, then its answer. */
struct http_req {
	struct http_lsn *l;
	struct MHD_Connection *conn;
	char *body;
	size_t len;
	bool too_big;
	bool started, suspended, answered;
	proxy_rpc_req *rpc;             /* while a command replies later */
	char *answer;
	size_t alen;
	struct http_req *next, *prev;   /* suspended ones, in H.waiting */
};

static struct {
	struct http_lsn l[HTTP_MAX_LISTENERS];
	unsigned n;
	sip_loop *loop;
	char token[256];
	size_t token_len;
	struct http_req *waiting;       /* suspended until a command answers */
} H;

static void waiting_del(struct http_req *q)
{
	if (q->prev)
		q->prev->next = q->next;
	else if (H.waiting == q)
		H.waiting = q->next;
	if (q->next)
		q->next->prev = q->prev;
	q->next = q->prev = NULL;
}

bool proxy_http_parse_addr(const char *arg, char *addr, size_t size, int *port)
{
	if (arg && arg[0] && strspn(arg, "0123456789") == strlen(arg)) {
		/* A port alone: on the loopback address. */
		char buf[32];
		if (strlen(arg) > 5)
			return false;
		snprintf(buf, sizeof buf, "127.0.0.1:%s", arg);
		return proxy_http_parse_addr(buf, addr, size, port);
	}
	const char *pc = arg ? strrchr(arg, ':') : NULL;
	if (!pc || pc == arg)
		return false;
	size_t hl = (size_t)(pc - arg);
	const char *host = arg;
	if (host[0] == '[') {
		if (hl < 3 || host[hl - 1] != ']')
			return false;
		host++;
		hl -= 2;
	}
	if (hl >= size)
		return false;
	memcpy(addr, host, hl);
	addr[hl] = '\0';
	struct in6_addr a6;
	struct in_addr a4;
	if (inet_pton(AF_INET, addr, &a4) != 1 && inet_pton(AF_INET6, addr, &a6) != 1)
		return false;
	char *end;
	long p = strtol(pc + 1, &end, 10);
	if (!pc[1] || *end || p <= 0 || p > 65535)
		return false;
	*port = (int)p;
	return true;
}

bool proxy_http_loopback(const char *addr)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, addr, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6)
		       || (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return false;
}

static int conf_fail(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int conf_fail(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return SIP_EINVAL;
}

/* The token: the file's first line without surrounding blanks. */
static int read_token(const char *path, char *why, size_t n)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return conf_fail(why, n, "cannot read --rpc-token-file %s: %s", path, strerror(errno));
	char line[sizeof H.token + 2];
	bool got = fgets(line, sizeof line, f) != NULL;
	fclose(f);
	size_t len = got ? strlen(line) : 0;
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' '
		       || line[len - 1] == '\t'))
		line[--len] = '\0';
	size_t skip = strspn(line, " \t");
	len -= skip;
	if (len >= sizeof H.token)
		return conf_fail(why, n, "the token in %s is longer than %zu characters", path,
				 sizeof H.token - 1);
	if (len < PROXY_HTTP_TOKEN_MIN)
		return conf_fail(why, n, "the token in %s is shorter than %d characters", path,
				 PROXY_HTTP_TOKEN_MIN);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)line[skip + i] <= 0x20 || line[skip + i] == 0x7f)
			return conf_fail(why, n, "the token in %s has a blank or a control character",
					 path);
	memcpy(H.token, line + skip, len);
	H.token[len] = '\0';
	H.token_len = len;
	return SIP_OK;
}

/* The listener for addr:port, made when new. */
static struct http_lsn *lsn_for(const char *addr, int port)
{
	for (unsigned i = 0; i < H.n; i++)
		if (H.l[i].port == port && strcmp(H.l[i].addr, addr) == 0)
			return &H.l[i];
	struct http_lsn *l = &H.l[H.n++];
	memset(l, 0, sizeof *l);
	snprintf(l->addr, sizeof l->addr, "%s", addr);
	l->port = port;
	l->epfd = -1;
	return l;
}

int proxy_http_configure(const struct proxy_http_conf *conf, char *why, size_t why_size)
{
	char addr[HTTP_ADDR_MAX];
	int port;
	memset(&H, 0, sizeof H);
	if (conf->metrics) {
		if (!proxy_http_parse_addr(conf->metrics, addr, sizeof addr, &port))
			return conf_fail(why, why_size, "invalid --metrics '%s' (expected [ADDR:]PORT, "
					 "a numeric address: 127.0.0.1:9090 or [::1]:9090)", conf->metrics);
		lsn_for(addr, port)->metrics = true;
	}
	if (conf->rpc) {
		if (!proxy_http_parse_addr(conf->rpc, addr, sizeof addr, &port))
			return conf_fail(why, why_size, "invalid --rpc '%s' (expected [ADDR:]PORT, "
					 "a numeric address: 127.0.0.1:8080 or [::1]:8080)", conf->rpc);
		if (!proxy_http_loopback(addr) && !conf->token_file)
			return conf_fail(why, why_size, "--rpc %s is not a loopback address: it needs "
					 "--rpc-token-file (anyone who reaches it could run every "
					 "control command)", conf->rpc);
		lsn_for(addr, port)->rpc = true;
	}
	if (conf->token_file) {
		if (!conf->rpc)
			return conf_fail(why, why_size, "--rpc-token-file without --rpc");
		return read_token(conf->token_file, why, why_size);
	}
	return SIP_OK;
}

/* ---- requests ---- */

static void http_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char msg[256];
	vsnprintf(msg, sizeof msg, fmt, ap);
	size_t n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	LOG_WARN("http: %s", msg);
}

static enum MHD_Result http_send(struct MHD_Connection *conn, unsigned status, const char *type,
				 char *body, size_t len, bool owned)
{
	struct MHD_Response *r = owned ?
		MHD_create_response_from_buffer_with_free_callback(len, body, sip_mem_free) :
		MHD_create_response_from_buffer(len, body, MHD_RESPMEM_PERSISTENT);
	if (!r) {
		if (owned)
			sip_mem_free(body);
		return MHD_NO;
	}
	if (type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"sipcc\"");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, type && strstr(type, "json") ? "POST"
											   : "GET, HEAD");
	enum MHD_Result rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

#define TEXT_PLAIN "text/plain; charset=utf-8"
#define JSON_TYPE  "application/json"

static enum MHD_Result http_metrics(struct MHD_Connection *conn, const char *method)
{
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return http_send(conn, MHD_HTTP_METHOD_NOT_ALLOWED, TEXT_PLAIN,
				 (char *)"GET or HEAD\n", 12, false);
	proxy_ctl_out o = { 0 };
	proxy_metrics_render(&o);
	if (o.overflow) {
		proxy_ctl_out_free(&o);
		return http_send(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, TEXT_PLAIN,
				 (char *)"out of memory\n", 14, false);
	}
	return http_send(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", o.buf, o.len,
			 true);
}

/* Whether the request carries the token (compared in constant time). */
static bool http_authorized(struct MHD_Connection *conn)
{
	if (!H.token_len)
		return true;
	const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_AUTHORIZATION);
	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return false;
	h += 7;
	while (*h == ' ')
		h++;
	size_t n = strlen(h);
	while (n && h[n - 1] == ' ')
		n--;
	unsigned char diff = n != H.token_len;
	for (size_t i = 0; i < H.token_len; i++)
		diff |= (unsigned char)(H.token[i] ^ (i < n ? h[i] : 0));
	return diff == 0;
}

static void http_client(struct MHD_Connection *conn, char *out, size_t n)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	out[0] = '\0';
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)n);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)n);
}

/* The JSON-RPC answer is in (now, or later from the loop). */
static void http_rpc_reply(void *arg, char *body, size_t len)
{
	struct http_req *q = arg;
	q->answer = body;
	q->alen = len;
	q->answered = true;
	q->rpc = NULL;
	if (q->suspended) {
		/* MHD answers it on its next run: soon, from the loop (this may
		 * be called from inside MHD_run, which must not be re-entered). */
		q->suspended = false;
		waiting_del(q);
		MHD_resume_connection(q->conn);
		sip_timer_add(&H.loop->timers, &q->l->t, 0);
	}
}

static enum MHD_Result http_rpc_answer(struct http_req *q)
{
	if (!q->answer)
		return http_send(q->conn, MHD_HTTP_NO_CONTENT, NULL, (char *)"", 0, false);
	char *b = q->answer;
	q->answer = NULL;
	return http_send(q->conn, MHD_HTTP_OK, JSON_TYPE, b, q->alen, true);
}

static enum MHD_Result http_on_request(void *cls, struct MHD_Connection *conn, const char *url,
				       const char *method, const char *version,
				       const char *upload, size_t *upload_size, void **state)
{
	(void)version;
	struct http_lsn *l = cls;
	struct http_req *q = *state;
	if (!q) {
		if (l->metrics && strcmp(url, "/metrics") == 0)
			return http_metrics(conn, method);
		if (!l->rpc || strcmp(url, "/rpc") != 0)
			return http_send(conn, MHD_HTTP_NOT_FOUND, TEXT_PLAIN, (char *)"not found\n",
					 10, false);
		if (strcmp(method, "POST") != 0)
			return http_send(conn, MHD_HTTP_METHOD_NOT_ALLOWED, JSON_TYPE,
					 (char *)"{\"error\":\"use POST\"}\n", 21, false);
		if (!http_authorized(conn)) {
			char ip[INET6_ADDRSTRLEN];
			http_client(conn, ip, sizeof ip);
			LOG_WARN("rpc: refused a request from %s: missing or wrong bearer token",
				 ip[0] ? ip : "?");
			return http_send(conn, MHD_HTTP_UNAUTHORIZED, JSON_TYPE,
					 (char *)"{\"error\":\"unauthorized\"}\n", 25, false);
		}
		q = sip_mem_calloc(1, sizeof *q);
		if (!q)
			return MHD_NO;
		q->l = l;
		q->conn = conn;
		*state = q;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!q->too_big && q->len + *upload_size <= PROXY_HTTP_BODY_MAX) {
			char *nb = sip_mem_realloc(q->body, q->len + *upload_size);
			if (!nb)
				return MHD_NO;
			memcpy(nb + q->len, upload, *upload_size);
			q->body = nb;
			q->len += *upload_size;
		} else {
			q->too_big = true;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (q->answered)
		return http_rpc_answer(q);
	if (q->started)
		return MHD_YES;         /* resumed before its answer: keep waiting */
	if (q->too_big)
		return http_send(conn, MHD_HTTP_CONTENT_TOO_LARGE, JSON_TYPE,
				 (char *)"{\"error\":\"request too large\"}\n", 30, false);
	q->started = true;
	if (proxy_rpc_handle(q->body ? q->body : "", q->len, http_rpc_reply, q, &q->rpc) != SIP_OK)
		return http_send(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, JSON_TYPE,
				 (char *)"{\"error\":\"out of memory\"}\n", 26, false);
	if (q->answered)
		return http_rpc_answer(q);
	q->suspended = true;
	q->next = H.waiting;
	if (H.waiting)
		H.waiting->prev = q;
	H.waiting = q;
	MHD_suspend_connection(conn);
	return MHD_YES;
}

static void http_on_completed(void *cls, struct MHD_Connection *conn, void **state,
			      enum MHD_RequestTerminationCode why)
{
	(void)cls;
	(void)conn;
	(void)why;
	struct http_req *q = *state;
	if (!q)
		return;
	if (q->rpc)
		proxy_rpc_cancel(q->rpc);
	if (q->suspended)
		waiting_del(q);
	sip_mem_free(q->body);
	sip_mem_free(q->answer);
	sip_mem_free(q);
	*state = NULL;
}

/* ---- the loop ---- */

/* Let MHD work, then wake it again when it has a timeout of its own (an
 * idle connection, one with work left over). */
static void http_kick(struct http_lsn *l)
{
	if (!l->d)
		return;
	MHD_run(l->d);
	MHD_UNSIGNED_LONG_LONG ms;
	uint64_t delay = 1000;
	if (MHD_get_timeout(l->d, &ms) == MHD_YES && ms < delay)
		delay = ms;
	sip_timer_add(&H.loop->timers, &l->t, delay);
}

static void http_on_ready(sip_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)fd;
	(void)events;
	http_kick(arg);
}

static void http_on_timer(sip_timer *t, void *arg)
{
	(void)t;
	http_kick(arg);
}

static int lsn_start(struct http_lsn *l)
{
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} u;
	memset(&u, 0, sizeof u);
	unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	if (inet_pton(AF_INET, l->addr, &u.in.sin_addr) == 1) {
		u.in.sin_family = AF_INET;
		u.in.sin_port = htons((uint16_t)l->port);
	} else {
		inet_pton(AF_INET6, l->addr, &u.in6.sin6_addr);
		u.in6.sin6_family = AF_INET6;
		u.in6.sin6_port = htons((uint16_t)l->port);
		flags |= MHD_USE_IPv6;
	}
	l->d = MHD_start_daemon(flags, (uint16_t)l->port, NULL, NULL, http_on_request, l,
				MHD_OPTION_EXTERNAL_LOGGER, http_log, NULL,
				MHD_OPTION_SOCK_ADDR, &u.sa,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)PROXY_HTTP_CLIENTS,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)PROXY_HTTP_TIMEOUT_S,
				MHD_OPTION_NOTIFY_COMPLETED, http_on_completed, NULL,
				MHD_OPTION_END);
	const char *what = l->metrics && l->rpc ? "/metrics and /rpc" : l->metrics ? "/metrics" : "/rpc";
	bool v6 = strchr(l->addr, ':') != NULL;
	if (!l->d) {
		LOG_ERR("http: cannot listen on %s%s%s:%d for %s", v6 ? "[" : "", l->addr,
			v6 ? "]" : "", l->port, what);
		return SIP_EIO;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(l->d, MHD_DAEMON_INFO_EPOLL_FD);
	l->epfd = di ? di->epoll_fd : -1;
	if (l->epfd < 0 || sip_loop_add_fd(H.loop, l->epfd, http_on_ready, l) != SIP_OK) {
		LOG_ERR("http: cannot watch the listener of %s", what);
		MHD_stop_daemon(l->d);
		l->d = NULL;
		return SIP_EIO;
	}
	sip_timer_init(&l->t, http_on_timer, l);
	sip_timer_add(&H.loop->timers, &l->t, 1000);
	LOG_NOTICE("http: %s on http://%s%s%s:%d%s", what, v6 ? "[" : "", l->addr, v6 ? "]" : "",
		   l->port, l->rpc && H.token_len ? " (a token is required for /rpc)" : "");
	return SIP_OK;
}

int proxy_http_start(sip_loop *loop)
{
	H.loop = loop;
	for (unsigned i = 0; i < H.n; i++)
		if (lsn_start(&H.l[i]) != SIP_OK) {
			proxy_http_stop();
			return SIP_EIO;
		}
	return SIP_OK;
}

void proxy_http_stop(void)
{
	/* MHD refuses to stop with suspended connections: a command still
	 * working (a reload) will answer nobody. */
	while (H.waiting) {
		struct http_req *q = H.waiting;
		waiting_del(q);
		q->suspended = false;
		proxy_rpc_cancel(q->rpc);
		q->rpc = NULL;
		MHD_resume_connection(q->conn);
	}
	for (unsigned i = 0; i < H.n; i++) {
		struct http_lsn *l = &H.l[i];
		if (!l->d)
			continue;
		sip_timer_cancel(&H.loop->timers, &l->t);
		if (l->epfd >= 0)
			sip_loop_del_fd(H.loop, l->epfd);
		MHD_stop_daemon(l->d);
		l->d = NULL;
		l->epfd = -1;
	}
}
