/* The control socket and its line protocol (see ctl.h). */
#include "proxy/ctl.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>
#include "config.h"
#include "core/arena.h"
#include "core/log.h"
#include "core/stats.h"
#include "core/status.h"

/* ---- replies ---- */

static void out_reserve(proxy_ctl_out *o, size_t more)
{
	if (o->overflow || o->len + more + 1 <= o->cap)
		return;
	size_t cap = o->cap ? o->cap : 256;
	while (cap < o->len + more + 1)
		cap *= 2;
	if (cap > PROXY_CTL_REPLY_MAX) {
		o->overflow = true;
		return;
	}
	char *nb = sip_mem_realloc(o->buf, cap);
	if (!nb) {
		o->overflow = true;
		return;
	}
	o->buf = nb;
	o->cap = cap;
}

void proxy_ctl_printf(proxy_ctl_out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	out_reserve(o, (size_t)n);
	if (o->overflow)
		return;
	va_start(ap, fmt);
	vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	o->len += (size_t)n;
}

void proxy_ctl_json_str(proxy_ctl_out *o, const char *s, size_t n)
{
	out_reserve(o, n * 6 + 2);
	if (o->overflow)
		return;
	char *p = o->buf + o->len;
	*p++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			*p++ = '\\';
			*p++ = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			p += sprintf(p, "\\u%04x", c);
		} else {
			*p++ = (char)c;
		}
	}
	*p++ = '"';
	*p = '\0';
	o->len = (size_t)(p - o->buf);
}

bool proxy_ctl_error(proxy_ctl_out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->err, sizeof o->err, fmt, ap);
	va_end(ap);
	if (!o->err[0])
		snprintf(o->err, sizeof o->err, "failed");
	return false;
}

void proxy_ctl_out_free(proxy_ctl_out *o)
{
	sip_mem_free(o->buf);
	memset(o, 0, sizeof *o);
}

/* ---- commands ---- */

struct ctl_cmd {
	const char *name, *usage, *help;
	char w1[32], w2[32];            /* the name's words; w2 empty for one */
	proxy_ctl_fn fn;
};

static struct {
	struct ctl_cmd cmds[PROXY_CTL_MAX_CMDS];
	unsigned n_cmds;
	uint64_t started_ms;
	time_t started;
} C;

static void ctl_builtins(void);

int proxy_ctl_register(const char *name, const char *usage, const char *help, proxy_ctl_fn fn)
{
	char w1[32] = "", w2[32] = "";
	if (!name || !fn || sscanf(name, "%31s %31s", w1, w2) < 1)
		return SIP_EINVAL;
	struct ctl_cmd *c = NULL;
	for (unsigned i = 0; i < C.n_cmds; i++)
		if (strcmp(C.cmds[i].w1, w1) == 0 && strcmp(C.cmds[i].w2, w2) == 0)
			c = &C.cmds[i];
	if (!c) {
		if (C.n_cmds >= PROXY_CTL_MAX_CMDS)
			return SIP_ELIMIT;
		c = &C.cmds[C.n_cmds++];
	}
	c->name = name;
	c->usage = usage ? usage : "";
	c->help = help ? help : "";
	memcpy(c->w1, w1, sizeof w1);
	memcpy(c->w2, w2, sizeof w2);
	c->fn = fn;
	return SIP_OK;
}

bool proxy_ctl_has(const char *name)
{
	char w1[32] = "", w2[32] = "";
	ctl_builtins();
	if (!name || sscanf(name, "%31s %31s", w1, w2) < 1)
		return false;
	for (unsigned i = 0; i < C.n_cmds; i++)
		if (strcmp(C.cmds[i].w1, w1) == 0 && strcmp(C.cmds[i].w2, w2) == 0)
			return true;
	return false;
}

/* The command the words start with: a two-word name wins over a
 * one-word one. *used: how many words the name took. */
static const struct ctl_cmd *ctl_find(int argc, char **argv, int *used)
{
	const struct ctl_cmd *one = NULL;
	for (unsigned i = 0; i < C.n_cmds; i++) {
		const struct ctl_cmd *c = &C.cmds[i];
		if (strcmp(c->w1, argv[0]) != 0)
			continue;
		if (c->w2[0] && argc > 1 && strcmp(c->w2, argv[1]) == 0) {
			*used = 2;
			return c;
		}
		if (!c->w2[0])
			one = c;
	}
	*used = 1;
	return one;
}

/* Whether any command's name starts with the word w ("ul" of "ul show"). */
static bool ctl_is_group(const char *w)
{
	for (unsigned i = 0; i < C.n_cmds; i++)
		if (strcmp(C.cmds[i].w1, w) == 0)
			return true;
	return false;
}

/* Close the reply: the fields printed so far and "}", or the error. */
static void ctl_out_end(proxy_ctl_out *o, bool ok)
{
	if (ok) {
		proxy_ctl_printf(o, "}\n");
		if (!o->overflow)
			return;
		proxy_ctl_error(o, "reply too large");
	}
	o->len = 0;
	o->overflow = false;
	proxy_ctl_printf(o, "{\"ok\":false,\"error\":");
	proxy_ctl_json_str(o, o->err, strlen(o->err));
	proxy_ctl_printf(o, "}\n");
}

struct ctl_client;

struct proxy_ctl_later {
	proxy_ctl_out o;                /* the reply being built */
	struct ctl_client *c;           /* who asked; NULL when gone */
	char hup[64];                   /* for SIGHUP: the command, to log */
	proxy_ctl_later_fn notify;      /* or another caller of proxy_ctl_exec */
	void *notify_arg;
	bool ok;
};

void proxy_ctl_later_notify(proxy_ctl_later *l, proxy_ctl_later_fn fn, void *arg)
{
	l->notify = fn;
	l->notify_arg = arg;
}

static void ctl_later_deliver(proxy_ctl_later *l);

proxy_ctl_later *proxy_ctl_defer(proxy_ctl_out *o)
{
	if (o->later)
		return o->later;
	proxy_ctl_later *l = sip_mem_alloc(sizeof *l);
	if (!l)
		return NULL;
	memset(l, 0, sizeof *l);
	o->later = l;
	return l;
}

/* Move what the handler printed into the deferred reply; o stays empty
 * with o->later set, for the caller to attach the client. */
static void ctl_later_take(proxy_ctl_later *l, proxy_ctl_out *o)
{
	l->o = *o;
	l->o.later = NULL;
	o->buf = NULL;
	o->len = o->cap = 0;
	o->overflow = false;
	o->err[0] = '\0';
}

proxy_ctl_out *proxy_ctl_later_out(proxy_ctl_later *l)
{
	return &l->o;
}

void proxy_ctl_finish(proxy_ctl_later *l, bool ok)
{
	if (ok && l->o.overflow)
		ok = proxy_ctl_error(&l->o, "reply too large");
	ctl_out_end(&l->o, ok);
	l->ok = ok;
	ctl_later_deliver(l);
	proxy_ctl_out_free(&l->o);
	sip_mem_free(l);
}

void proxy_ctl_exec(char *line, proxy_ctl_out *o)
{
	ctl_builtins();
	char *argv[PROXY_CTL_MAX_ARGS + 1];
	int argc = 0;
	bool too_many = false;
	for (char *p = line; *p;) {
		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (!*p)
			break;
		if (argc == PROXY_CTL_MAX_ARGS) {
			too_many = true;
			break;
		}
		argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r')
			p++;
		if (*p)
			*p++ = '\0';
	}
	o->len = 0;
	o->overflow = false;
	o->err[0] = '\0';
	o->later = NULL;
	bool ok;
	if (!argc) {
		ok = proxy_ctl_error(o, "empty command (try 'help')");
	} else if (too_many) {
		ok = proxy_ctl_error(o, "too many arguments (at most %d words)", PROXY_CTL_MAX_ARGS);
	} else {
		int used;
		const struct ctl_cmd *c = ctl_find(argc, argv, &used);
		proxy_ctl_printf(o, "{\"ok\":true");
		if (!c && ctl_is_group(argv[0]))
			ok = proxy_ctl_error(o, "unknown command '%s%s%s' (try 'help')", argv[0],
					     argc > 1 ? " " : "", argc > 1 ? argv[1] : "");
		else if (!c)
			ok = proxy_ctl_error(o, "unknown command '%s' (try 'help')", argv[0]);
		else
			ok = c->fn(argc - used, argv + used, o);
		if (o->later) {
			if (ok) {
				/* The handler finishes the reply later. */
				ctl_later_take(o->later, o);
				return;
			}
			sip_mem_free(o->later);
			o->later = NULL;
		}
		if (ok && o->overflow)
			ok = proxy_ctl_error(o, "reply too large");
	}
	ctl_out_end(o, ok);
}

struct ctl_stat_walk {
	proxy_ctl_out *o;
	unsigned n;
};

static void ctl_stat_out(const char *name, int64_t v, void *arg)
{
	struct ctl_stat_walk *w = arg;
	proxy_ctl_printf(w->o, "%s\"%s\":%lld", w->n++ ? "," : "", name, (long long)v);
}

static bool ctl_stats(int argc, char **argv, proxy_ctl_out *o)
{
	if (argc > 1)
		return proxy_ctl_error(o, "usage: stats [PREFIX]");
	sip_str prefix = argc ? sip_str_make(argv[0], strlen(argv[0])) : SIP_STR_NULL;
	struct ctl_stat_walk w = { o, 0 };
	proxy_ctl_printf(o, ",\"stats\":{");
	sip_stat_foreach(prefix, ctl_stat_out, &w);
	proxy_ctl_printf(o, "}");
	return true;
}

static bool ctl_help(int argc, char **argv, proxy_ctl_out *o)
{
	(void)argv;
	if (argc)
		return proxy_ctl_error(o, "usage: help");
	proxy_ctl_printf(o, ",\"commands\":[");
	for (unsigned i = 0; i < C.n_cmds; i++) {
		char full[200];
		const struct ctl_cmd *c = &C.cmds[i];
		snprintf(full, sizeof full, "%s%s%s", c->name, c->usage[0] ? " " : "", c->usage);
		proxy_ctl_printf(o, "%s{\"command\":", i ? "," : "");
		proxy_ctl_json_str(o, full, strlen(full));
		proxy_ctl_printf(o, ",\"help\":");
		proxy_ctl_json_str(o, c->help, strlen(c->help));
		proxy_ctl_printf(o, "}");
	}
	proxy_ctl_printf(o, "]");
	return true;
}

static bool ctl_uptime(int argc, char **argv, proxy_ctl_out *o)
{
	(void)argv;
	if (argc)
		return proxy_ctl_error(o, "usage: uptime");
	proxy_ctl_printf(o, ",\"uptime_s\":%llu,\"started\":%lld",
			 (unsigned long long)((sip_loop_clock_ms() - C.started_ms) / 1000),
			 (long long)C.started);
	return true;
}

static bool ctl_version(int argc, char **argv, proxy_ctl_out *o)
{
	(void)argv;
	if (argc)
		return proxy_ctl_error(o, "usage: version");
	proxy_ctl_printf(o, ",\"version\":\"%s\"", PACKAGE_VERSION);
	return true;
}

static const char *const ctl_level_names[] = { "err", "warn", "notice", "info", "debug" };

static bool ctl_log_level(int argc, char **argv, proxy_ctl_out *o)
{
	if (argc > 1)
		return proxy_ctl_error(o, "usage: log level [err|warn|notice|info|debug]");
	if (argc == 1) {
		int lv = sip_log_level_parse(argv[0]);
		if (lv < SIP_LOG_ERR || lv > SIP_LOG_DEBUG)
			return proxy_ctl_error(o, "unknown log level '%s' (err, warn, notice, info, debug)",
					       argv[0]);
		int was = sip_log_level_get();
		if (lv != was)
			LOG_NOTICE("ctl: log level %s (was %s)", ctl_level_names[lv],
				   ctl_level_names[was]);
		sip_log_level_set(lv);
	}
	int cur = sip_log_level_get();
	proxy_ctl_printf(o, ",\"level\":\"%s\"",
			 cur >= SIP_LOG_ERR && cur <= SIP_LOG_DEBUG ? ctl_level_names[cur] : "?");
	return true;
}

/* The built-in commands, registered on first use. */
static void ctl_builtins(void)
{
	static bool done;
	if (done)
		return;
	done = true;
	C.started_ms = sip_loop_clock_ms();
	C.started = time(NULL);
	proxy_ctl_register("help", "", "list the commands", ctl_help);
	proxy_ctl_register("stats", "[PREFIX]",
			   "counters and gauges whose names start with PREFIX (all of them without)",
			   ctl_stats);
	proxy_ctl_register("uptime", "", "seconds since start-up", ctl_uptime);
	proxy_ctl_register("version", "", "the proxy's version", ctl_version);
	proxy_ctl_register("log level", "[LEVEL]",
			   "show or set the log level (err, warn, notice, info, debug)", ctl_log_level);
}

/* ---- the socket ---- */

struct ctl_client {
	int fd;                         /* -1: free slot */
	size_t in_len;
	char in[PROXY_CTL_LINE_MAX + 1];
	char *out;                      /* unsent reply bytes */
	size_t out_len, out_off;
	bool closing;                   /* close once out is sent */
	bool want_out;                  /* watched for EPOLLOUT */
	proxy_ctl_later *later;         /* a reply not finished yet */
	sip_timer idle;
};

static struct {
	sip_loop *loop;
	int fd;
	char path[sizeof ((struct sockaddr_un *)0)->sun_path];
	struct ctl_client cl[PROXY_CTL_MAX_CLIENTS];
	unsigned n;
} L = { .fd = -1 };

unsigned proxy_ctl_clients(void)
{
	return L.n;
}

static void client_close(struct ctl_client *c)
{
	if (c->fd < 0)
		return;
	sip_loop_del_fd(L.loop, c->fd);
	close(c->fd);
	c->fd = -1;
	if (c->later)
		c->later->c = NULL;
	c->later = NULL;
	sip_timer_cancel(&L.loop->timers, &c->idle);
	sip_mem_free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = 0;
	c->in_len = 0;
	L.n--;
}

static void client_on_idle(sip_timer *t, void *arg)
{
	(void)t;
	client_close(arg);
}

/* Queue len bytes of reply; false without memory or beyond the bound. */
static bool client_queue(struct ctl_client *c, const char *s, size_t len)
{
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_len + len > PROXY_CTL_REPLY_MAX)
		return false;
	char *nb = sip_mem_realloc(c->out, c->out_len + len);
	if (!nb)
		return false;
	memcpy(nb + c->out_len, s, len);
	c->out = nb;
	c->out_len += len;
	return true;
}

/* Send what is queued; then close a closing client, or go back to
 * reading. False when the client is gone. */
static bool client_flush(struct ctl_client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (!c->want_out && sip_loop_mod_fd(L.loop, c->fd, EPOLLOUT) == SIP_OK)
				c->want_out = true;
			return true;
		}
		if (n <= 0) {
			client_close(c);
			return false;
		}
		c->out_off += (size_t)n;
	}
	if (c->closing) {
		/* Unread input would make close() reset the connection, and the
		 * client could lose the error line: drop what has arrived. */
		char junk[4096];
		for (int i = 0; i < 16 && recv(c->fd, junk, sizeof junk, MSG_DONTWAIT) > 0; i++)
			;
		shutdown(c->fd, SHUT_WR);
		client_close(c);
		return false;
	}
	if (c->want_out) {
		sip_loop_mod_fd(L.loop, c->fd, c->later ? 0 : EPOLLIN);
		c->want_out = false;
	}
	return true;
}

static void client_fail(struct ctl_client *c, const char *why)
{
	char line[160];
	int n = snprintf(line, sizeof line, "{\"ok\":false,\"error\":\"%s\"}\n", why);
	client_queue(c, line, (size_t)n);
	c->closing = true;
	c->in_len = 0;
	LOG_INFO("ctl: closing a client: %s", why);
}

/* Run the complete lines in c->in; refuse a line that is too long or is
 * not text. */
static void client_lines(struct ctl_client *c)
{
	size_t start = 0;
	if (c->later)
		return;
	for (size_t i = 0; i < c->in_len && !c->closing; i++) {
		unsigned char ch = (unsigned char)c->in[i];
		if (ch == '\n') {
			c->in[i] = '\0';
			proxy_ctl_out o = { 0 };
			proxy_ctl_exec(c->in + start, &o);
			start = i + 1;
			if (o.later) {
				/* The rest waits for this reply; meanwhile the
				 * socket is not read (see ctl_later_deliver). */
				c->later = o.later;
				c->later->c = c;
				if (!c->want_out)
					sip_loop_mod_fd(L.loop, c->fd, 0);
				break;
			}
			if (o.overflow || !client_queue(c, o.buf, o.len))
				client_fail(c, "out of memory");
			proxy_ctl_out_free(&o);
		} else if ((ch < 0x20 && ch != '\t' && ch != '\r') || ch == 0x7f) {
			client_fail(c, "not a text line");
		}
	}
	if (c->closing)
		return;
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	if (c->in_len >= PROXY_CTL_LINE_MAX)
		client_fail(c, "line too long");
}

static void client_on_event(sip_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)fd;
	struct ctl_client *c = arg;
	if (c->want_out || (events & EPOLLOUT)) {
		if (!client_flush(c) || c->want_out)
			return;
	}
	if (c->later && (events & (EPOLLHUP | EPOLLERR))) {
		client_close(c);
		return;
	}
	if (c->closing || c->later)
		return;
	ssize_t n = recv(c->fd, c->in + c->in_len, PROXY_CTL_LINE_MAX - c->in_len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		client_close(c);
		return;
	}
	c->in_len += (size_t)n;
	sip_timer_cancel(&L.loop->timers, &c->idle);
	sip_timer_add(&L.loop->timers, &c->idle, PROXY_CTL_IDLE_MS);
	client_lines(c);
	client_flush(c);
}

/* A deferred reply is complete: send it and go on with the client's next
 * commands, or log it for SIGHUP. */
static void ctl_later_deliver(proxy_ctl_later *l)
{
	struct ctl_client *c = l->c;
	if (l->notify) {
		l->notify(l->notify_arg, &l->o, l->ok);
		return;
	}
	if (l->hup[0]) {
		if (l->o.buf && l->o.len)
			l->o.buf[l->o.len - 1] = '\0';
		LOG_NOTICE("SIGHUP: %s: %s", l->hup, l->o.buf ? l->o.buf : "out of memory");
		return;
	}
	if (!c)
		return;
	c->later = NULL;
	l->c = NULL;
	if (l->o.overflow || !client_queue(c, l->o.buf, l->o.len))
		client_fail(c, "out of memory");
	if (!c->want_out && !c->closing)
		sip_loop_mod_fd(L.loop, c->fd, EPOLLIN);
	client_lines(c);
	client_flush(c);
}

static void ctl_on_accept(sip_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)events;
	(void)arg;
	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				LOG_WARN("ctl: accept: %s", strerror(errno));
			return;
		}
		struct ctl_client *c = NULL;
		for (unsigned i = 0; i < PROXY_CTL_MAX_CLIENTS && !c; i++)
			if (L.cl[i].fd < 0)
				c = &L.cl[i];
		if (!c) {
			static const char busy[] = "{\"ok\":false,\"error\":\"too many control clients\"}\n";
			ssize_t w = send(cfd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			(void)w;
			close(cfd);
			LOG_INFO("ctl: refused a client: %d connected already", PROXY_CTL_MAX_CLIENTS);
			continue;
		}
		if (sip_loop_add_fd(loop, cfd, client_on_event, c) != SIP_OK) {
			close(cfd);
			continue;
		}
		c->fd = cfd;
		c->in_len = c->out_len = c->out_off = 0;
		c->closing = c->want_out = false;
		c->later = NULL;
		sip_timer_init(&c->idle, client_on_idle, c);
		sip_timer_add(&loop->timers, &c->idle, PROXY_CTL_IDLE_MS);
		L.n++;
	}
}

int proxy_ctl_listen(sip_loop *loop, const char *path)
{
	ctl_builtins();
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (!path || !path[0] || strlen(path) >= sizeof sa.sun_path) {
		LOG_ERR("ctl: socket path '%s' is empty or longer than %zu bytes", path ? path : "",
			sizeof sa.sun_path - 1);
		return SIP_EINVAL;
	}
	strcpy(sa.sun_path, path);
	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			LOG_ERR("ctl: %s exists and is not a socket", path);
			return SIP_EADDRINUSE;
		}
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		bool live = probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof sa) == 0;
		if (probe >= 0)
			close(probe);
		if (live) {
			LOG_ERR("ctl: %s is in use by another process", path);
			return SIP_EADDRINUSE;
		}
		unlink(path);       /* left by a proxy that did not exit cleanly */
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		LOG_ERR("ctl: socket: %s", strerror(errno));
		return SIP_EIO;
	}
	mode_t old = umask(077);
	int rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
	umask(old);
	if (rc != 0 || chmod(path, 0600) != 0 || listen(fd, 16) != 0) {
		LOG_ERR("ctl: cannot listen on %s: %s", path, strerror(errno));
		close(fd);
		return SIP_EIO;
	}
	if (sip_loop_add_fd(loop, fd, ctl_on_accept, NULL) != SIP_OK) {
		close(fd);
		unlink(path);
		return SIP_EIO;
	}
	for (unsigned i = 0; i < PROXY_CTL_MAX_CLIENTS; i++)
		L.cl[i].fd = -1;
	L.loop = loop;
	L.fd = fd;
	L.n = 0;
	strcpy(L.path, path);
	LOG_NOTICE("ctl: control socket %s", path);
	return SIP_OK;
}

void proxy_ctl_close(void)
{
	if (L.fd < 0)
		return;
	for (unsigned i = 0; i < PROXY_CTL_MAX_CLIENTS; i++)
		client_close(&L.cl[i]);
	sip_loop_del_fd(L.loop, L.fd);
	close(L.fd);
	unlink(L.path);
	L.fd = -1;
}

/* ---- SIGHUP ---- */

#define CTL_HUP_CHECK_MS 1000

static volatile sig_atomic_t ctl_hup_flag;
static sip_timer_wheel *ctl_hup_wheel;
static sip_timer ctl_hup_timer;

void proxy_ctl_hup(void)
{
	ctl_hup_flag = 1;
}

/* Run every registered "... reload" command, as if sent on the socket. */
static void ctl_hup_reload(void)
{
	ctl_builtins();
	unsigned n = 0;
	for (unsigned i = 0; i < C.n_cmds; i++) {
		if (strcmp(C.cmds[i].w2, "reload") != 0)
			continue;
		char line[80];
		snprintf(line, sizeof line, "%s reload", C.cmds[i].w1);
		proxy_ctl_out o = { 0 };
		proxy_ctl_exec(line, &o);
		if (o.later) {
			/* Logged by ctl_later_deliver when it ends. */
			snprintf(o.later->hup, sizeof o.later->hup, "%s", C.cmds[i].name);
			n++;
			continue;
		}
		if (o.buf && o.len)
			o.buf[o.len - 1] = '\0';
		LOG_NOTICE("SIGHUP: %s: %s", C.cmds[i].name, o.buf ? o.buf : "out of memory");
		proxy_ctl_out_free(&o);
		n++;
	}
	if (!n)
		LOG_NOTICE("SIGHUP: nothing to reload (the policy uses no reloadable tables)");
}

static void ctl_hup_check(sip_timer *t, void *arg)
{
	(void)arg;
	if (ctl_hup_flag) {
		ctl_hup_flag = 0;
		ctl_hup_reload();
	}
	sip_timer_add(ctl_hup_wheel, t, CTL_HUP_CHECK_MS);
}

void proxy_ctl_hup_start(sip_timer_wheel *w)
{
	ctl_hup_wheel = w;
	sip_timer_init(&ctl_hup_timer, ctl_hup_check, NULL);
	sip_timer_add(w, &ctl_hup_timer, CTL_HUP_CHECK_MS);
}

void proxy_ctl_hup_stop(void)
{
	if (ctl_hup_wheel)
		sip_timer_cancel(ctl_hup_wheel, &ctl_hup_timer);
	ctl_hup_wheel = NULL;
}
