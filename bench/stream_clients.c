/* stream_clients: the SIP clients of "make bench-tls" (bench/tls), over
 * TLS, TCP or UDP, in one process with one epoll loop (sipp has no TLS).
 *
 *   stream_clients tls -s 127.0.0.1:5061 -n 10000 -c 2000 -P PID
 *
 * Each client has a connection of its own (over UDP a socket of its own)
 * and REGISTERs user uK with its own address as the Contact, so that the
 * proxy reaches it back over the same connection (a REGISTER refused or,
 * over UDP, unanswered is sent again). Once every client is
 * registered, CALLS calls go between random pairs through the proxy:
 * INVITE, 200 from the callee, ACK, BYE, 200. While connected, a stream
 * client sends a CRLF keep-alive (RFC 5626 §3.5.1) every -k seconds.
 * Printed, one "name value" a line: connections set up (TCP connected,
 * TLS handshake done) per second, registrations, the proxy's resident
 * size before and after (from /proc/PID/status, -P), and for the calls
 * the proxy's CPU time (/proc/PID/stat) while they ran.
 *
 *   stream_clients probe -s 127.0.0.1:5060 -i 5
 *
 * sends an OPTIONS over UDP every -i ms until SIGTERM (or -t seconds) and
 * prints the count, the losses and the 50th and 99th percentile and
 * largest response times.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

enum mode { M_TLS, M_TCP, M_UDP };
enum cstate { C_NONE, C_CONNECTING, C_HANDSHAKE, C_UP, C_FAILED };

struct client {
	int fd;
	enum cstate st;
	SSL *ssl;
	unsigned short lport;
	bool registered;
	bool want_out;
	double reg_retry;   /* when to send the REGISTER again */
	char *rbuf;
	size_t rlen, rcap;
	char *wbuf;
	size_t wlen, wcap;
	double next_ping;
};

/* A call, caller's side. */
struct call {
	int from, to;
	int state;          /* 0 not started, 1 INVITE sent, 2 BYE sent, 3 done, 4 failed */
	double start;
};

static enum mode mode;
static const char *tname[] = { "TLS", "TCP", "UDP" };
static const char *tparam[] = { ";transport=tls", ";transport=tcp", "" };
static struct sockaddr_in srv;
static char srv_str[64];
static struct client *cl;
static int nclients;
static struct call *calls;
static int ncalls;
static int epfd;
static SSL_CTX *ctx;
static int n_up, n_failed, n_registered, n_reg_failed, n_reg_sent, n_calls_ok, n_calls_failed;
static int in_progress;
static double t_first_up, t_last_up;
static unsigned long branch_seq;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "stream_clients: %s\n", what);
	exit(1);
}

static int parse_addr(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	if (!colon || (size_t)(colon - s) >= sizeof host)
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons((unsigned short)atoi(colon + 1));
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

/* A field of /proc/PID/status in kB. */
static long proc_kb(int pid, const char *field)
{
	char path[64], line[256];
	long v = -1;
	size_t fl = strlen(field);
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, field, fl) == 0 && line[fl] == ':')
			v = atol(line + fl + 1);
	fclose(f);
	return v;
}

/* utime + stime of PID in clock ticks. */
static long proc_ticks(int pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	unsigned long ut = 0, st = 0;
	/* After ")": state (3), then fields 4..13, utime 14, stime 15. */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (long)(ut + st);
}

static void watch(struct client *c, bool out)
{
	struct epoll_event ev = { .events = EPOLLIN | (out ? EPOLLOUT : 0), .data.u32 = (uint32_t)(c - cl) };
	if (c->want_out != out && epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->want_out = out;
}

static void client_fail(struct client *c)
{
	if (c->st == C_FAILED)
		return;
	if (c->st == C_CONNECTING || c->st == C_HANDSHAKE) {
		in_progress--;
		n_failed++;
	}
	c->st = C_FAILED;
	if (c->ssl)
		SSL_free(c->ssl);
	c->ssl = NULL;
	if (c->fd >= 0) {
		epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	c->fd = -1;
}

/* Raw output; -1 with EAGAIN to wait. */
static ssize_t raw_write(struct client *c, const char *buf, size_t len)
{
	if (mode == M_UDP)
		return sendto(c->fd, buf, len, 0, (struct sockaddr *)&srv, sizeof srv);
	if (mode == M_TCP)
		return send(c->fd, buf, len, MSG_NOSIGNAL);
	int r = SSL_write(c->ssl, buf, (int)len);
	if (r > 0)
		return r;
	int e = SSL_get_error(c->ssl, r);
	ERR_clear_error();
	errno = e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? EAGAIN : EIO;
	return -1;
}

static void flush(struct client *c)
{
	size_t off = 0;
	while (off < c->wlen) {
		ssize_t n = raw_write(c, c->wbuf + off, c->wlen - off);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				break;
			client_fail(c);
			return;
		}
		off += (size_t)n;
	}
	memmove(c->wbuf, c->wbuf + off, c->wlen - off);
	c->wlen -= off;
	watch(c, c->wlen > 0);
}

static void client_send(struct client *c, const char *buf, size_t len)
{
	if (c->st != C_UP)
		return;
	if (mode == M_UDP) {
		raw_write(c, buf, len);
		return;
	}
	if (c->wlen + len > c->wcap) {
		size_t cap = c->wcap ? c->wcap : 2048;
		while (cap < c->wlen + len)
			cap *= 2;
		char *p = realloc(c->wbuf, cap);
		if (!p)
			die("out of memory");
		c->wbuf = p;
		c->wcap = cap;
	}
	memcpy(c->wbuf + c->wlen, buf, len);
	c->wlen += len;
	flush(c);
}

static void send_register(int i)
{
	struct client *c = &cl[i];
	char m[1024];
	int n = snprintf(m, sizeof m,
		"REGISTER sip:bench.invalid SIP/2.0\r\n"
		"Via: SIP/2.0/%s 127.0.0.1:%u;branch=z9hG4bK-r%lu;rport\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:u%d@bench.invalid>;tag=r%d\r\n"
		"To: <sip:u%d@bench.invalid>\r\n"
		"Call-ID: r%d@bench\r\n"
		"CSeq: 1 REGISTER\r\n"
		"Contact: <sip:u%d@127.0.0.1:%u%s>\r\n"
		"Expires: 3600\r\n"
		"Content-Length: 0\r\n\r\n",
		tname[mode], c->lport, branch_seq++, i, i, i, i, i, c->lport, tparam[mode]);
	c->reg_retry = now() + 4;
	n_reg_sent++;
	client_send(c, m, (size_t)n);
}

static void client_up(struct client *c)
{
	c->st = C_UP;
	in_progress--;
	n_up++;
	t_last_up = now();
	if (!t_first_up)
		t_first_up = t_last_up;
	send_register((int)(c - cl));
}

static void handshake(struct client *c)
{
	ERR_clear_error();
	int r = SSL_do_handshake(c->ssl);
	if (r == 1) {
		watch(c, false);
		client_up(c);
		return;
	}
	int e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ)
		watch(c, false);
	else if (e == SSL_ERROR_WANT_WRITE)
		watch(c, true);
	else
		client_fail(c);
	ERR_clear_error();
}

static void client_open(int i)
{
	struct client *c = &cl[i];
	int fd = socket(AF_INET, (mode == M_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		c->fd = -1;
		c->st = C_CONNECTING;
		in_progress++;
		client_fail(c);
		return;
	}
	struct sockaddr_in me = { .sin_family = AF_INET };
	me.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&me, sizeof me);
	socklen_t ml = sizeof me;
	getsockname(fd, (struct sockaddr *)&me, &ml);
	c->fd = fd;
	c->lport = ntohs(me.sin_port);
	c->st = C_CONNECTING;
	in_progress++;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.u32 = (uint32_t)i };
	c->want_out = true;
	epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
	if (mode == M_UDP) {
		watch(c, false);
		client_up(c);
		return;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *)&srv, sizeof srv) < 0 && errno != EINPROGRESS)
		client_fail(c);
}

static void on_connected(struct client *c)
{
	int err = 0;
	socklen_t l = sizeof err;
	getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
	if (err) {
		client_fail(c);
		return;
	}
	if (mode == M_TCP) {
		watch(c, false);
		client_up(c);
		return;
	}
	c->ssl = SSL_new(ctx);
	if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1)
		die("SSL_new failed");
	SSL_set_connect_state(c->ssl);
	c->st = C_HANDSHAKE;
	handshake(c);
}

/* Header lookup in msg[0..hlen): the value of the first header named
 * name (or its compact form), NULL when there is none. */
static const char *hdr(const char *msg, size_t hlen, const char *name, char compact, size_t *vlen)
{
	const char *p = memchr(msg, '\n', hlen), *end = msg + hlen;
	size_t nl = strlen(name);
	while (p && ++p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		const char *colon = memchr(p, ':', (size_t)(eol - p));
		if (colon) {
			size_t n = (size_t)(colon - p);
			while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
				n--;
			if ((n == nl && strncasecmp(p, name, nl) == 0) ||
			    (n == 1 && compact && (p[0] | 0x20) == compact)) {
				const char *v = colon + 1;
				while (v < eol && (*v == ' ' || *v == '\t'))
					v++;
				const char *ve = eol;
				while (ve > v && (ve[-1] == '\r' || ve[-1] == ' '))
					ve--;
				*vlen = (size_t)(ve - v);
				return v;
			}
		}
		p = eol;
	}
	return NULL;
}

/* Append to out the header lines of msg named like one of names (full
 * names, compact forms in compact, same order), the To with tag added. */
static size_t copy_headers(char *out, size_t cap, const char *msg, size_t hlen, bool add_tag, bool with_rr)
{
	size_t o = 0;
	const char *p = memchr(msg, '\n', hlen), *end = msg + hlen;
	while (p && ++p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		const char *colon = memchr(p, ':', (size_t)(eol - p));
		size_t ll = (size_t)(eol - p);
		while (ll && p[ll - 1] == '\r')
			ll--;
		if (colon && ll) {
			size_t n = (size_t)(colon - p);
			bool keep = false, is_to = false;
			if ((n == 3 && !strncasecmp(p, "Via", 3)) || (n == 1 && (p[0] | 0x20) == 'v') ||
			    (n == 4 && !strncasecmp(p, "From", 4)) || (n == 1 && (p[0] | 0x20) == 'f') ||
			    (n == 7 && !strncasecmp(p, "Call-ID", 7)) || (n == 1 && (p[0] | 0x20) == 'i') ||
			    (n == 4 && !strncasecmp(p, "CSeq", 4)) ||
			    (with_rr && n == 12 && !strncasecmp(p, "Record-Route", 12)))
				keep = true;
			if ((n == 2 && !strncasecmp(p, "To", 2)) || (n == 1 && (p[0] | 0x20) == 't'))
				keep = is_to = true;
			if (keep && o + ll + 32 < cap) {
				memcpy(out + o, p, ll);
				o += ll;
				if (is_to && add_tag && !memmem(p, ll, ";tag=", 5))
					o += (size_t)snprintf(out + o, cap - o, ";tag=b%lu", branch_seq++);
				out[o++] = '\r';
				out[o++] = '\n';
			}
		}
		p = eol;
	}
	return o;
}

/* The callee answers a request. */
static void answer(struct client *c, const char *msg, size_t hlen, const char *method, size_t mlen)
{
	if (mlen == 3 && !memcmp(method, "ACK", 3))
		return;
	bool invite = mlen == 6 && !memcmp(method, "INVITE", 6);
	char out[4096];
	size_t o = (size_t)snprintf(out, sizeof out, "SIP/2.0 200 OK\r\n");
	o += copy_headers(out + o, sizeof out - o - 256, msg, hlen, true, invite);
	o += (size_t)snprintf(out + o, sizeof out - o,
		"Contact: <sip:u%d@127.0.0.1:%u%s>\r\nContent-Length: 0\r\n\r\n",
		(int)(c - cl), c->lport, tparam[mode]);
	client_send(c, out, o);
}

/* Build ACK or BYE of call k from the caller's 200 to the INVITE. */
static void send_in_dialog(struct client *c, int k, const char *method, int cseq,
			   const char *msg, size_t hlen)
{
	size_t tl, ctl;
	const char *to = hdr(msg, hlen, "To", 't', &tl);
	const char *ct = hdr(msg, hlen, "Contact", 'm', &ctl);
	if (!to || !ct) {
		calls[k].state = 4;
		n_calls_failed++;
		return;
	}
	char target[256];
	const char *lt = memchr(ct, '<', ctl), *gt = lt ? memchr(lt, '>', ctl - (size_t)(lt - ct)) : NULL;
	if (lt && gt && (size_t)(gt - lt - 1) < sizeof target) {
		memcpy(target, lt + 1, (size_t)(gt - lt - 1));
		target[gt - lt - 1] = '\0';
	} else {
		snprintf(target, sizeof target, "%.*s", (int)ctl, ct);
	}
	/* The route set: the Record-Route values reversed. */
	char routes[1024];
	size_t ro = 0;
	const char *rr[16];
	size_t rrl[16];
	int nrr = 0;
	const char *p = memchr(msg, '\n', hlen), *end = msg + hlen;
	while (p && ++p < end && nrr < 16) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		if ((size_t)(eol - p) > 13 && !strncasecmp(p, "Record-Route:", 13)) {
			const char *v = p + 13;
			while (*v == ' ')
				v++;
			const char *ve = eol;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' '))
				ve--;
			rr[nrr] = v;
			rrl[nrr++] = (size_t)(ve - v);
		}
		p = eol;
	}
	for (int i = nrr - 1; i >= 0 && ro + rrl[i] + 16 < sizeof routes; i--)
		ro += (size_t)snprintf(routes + ro, sizeof routes - ro, "Route: %.*s\r\n", (int)rrl[i], rr[i]);
	routes[ro] = '\0';
	char out[4096];
	int n = snprintf(out, sizeof out,
		"%s %s SIP/2.0\r\n"
		"Via: SIP/2.0/%s 127.0.0.1:%u;branch=z9hG4bK-d%lu;rport\r\n"
		"%s"
		"Max-Forwards: 70\r\n"
		"From: <sip:u%d@bench.invalid>;tag=c%d\r\n"
		"To: %.*s\r\n"
		"Call-ID: c%d@bench\r\n"
		"CSeq: %d %s\r\n"
		"Content-Length: 0\r\n\r\n",
		method, target, tname[mode], c->lport, branch_seq++, routes,
		calls[k].from, k, (int)tl, to, k, cseq, method);
	client_send(c, out, (size_t)n);
}

static void start_call(int k)
{
	struct call *x = &calls[k];
	struct client *c = &cl[x->from];
	char m[1024];
	int n = snprintf(m, sizeof m,
		"INVITE sip:u%d@bench.invalid SIP/2.0\r\n"
		"Via: SIP/2.0/%s 127.0.0.1:%u;branch=z9hG4bK-i%lu;rport\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:u%d@bench.invalid>;tag=c%d\r\n"
		"To: <sip:u%d@bench.invalid>\r\n"
		"Call-ID: c%d@bench\r\n"
		"CSeq: 1 INVITE\r\n"
		"Contact: <sip:u%d@127.0.0.1:%u%s>\r\n"
		"Content-Length: 0\r\n\r\n",
		x->to, tname[mode], c->lport, branch_seq++, x->from, k, x->to, k, x->from,
		c->lport, tparam[mode]);
	x->state = 1;
	x->start = now();
	client_send(c, m, (size_t)n);
}

/* One whole message (headers hlen bytes) received by client c. */
static void on_message(struct client *c, const char *msg, size_t hlen)
{
	size_t cl_len, csl;
	const char *cid = hdr(msg, hlen, "Call-ID", 'i', &cl_len);
	const char *cseq = hdr(msg, hlen, "CSeq", 0, &csl);
	if (!cid || !cseq)
		return;
	const char *sp = memchr(cseq, ' ', csl);
	const char *method = sp ? sp + 1 : cseq;
	size_t mlen = csl - (size_t)(method - cseq);
	if (strncmp(msg, "SIP/2.0 ", 8) != 0) {
		answer(c, msg, hlen, method, mlen);
		return;
	}
	int status = atoi(msg + 8);
	if (status < 200)
		return;
	int k = atoi(cid + 1);
	if (cid[0] == 'r' && k >= 0 && k < nclients) {
		if (!cl[k].registered) {
			if (status == 200) {
				cl[k].registered = true;
				n_registered++;
			} else {
				/* Refused for now (503: the registrar's
				 * database queue is full): again in a second,
				 * as a phone would. */
				n_reg_failed++;
				cl[k].reg_retry = now() + 1;
			}
		}
		return;
	}
	if (cid[0] != 'c' || k < 0 || k >= ncalls)
		return;
	struct call *x = &calls[k];
	if (mlen == 6 && !memcmp(method, "INVITE", 6) && x->state == 1) {
		if (status != 200) {
			x->state = 4;
			n_calls_failed++;
			return;
		}
		send_in_dialog(c, k, "ACK", 1, msg, hlen);
		if (x->state == 1) {
			send_in_dialog(c, k, "BYE", 2, msg, hlen);
			x->state = 2;
		}
	} else if (mlen == 3 && !memcmp(method, "BYE", 3) && x->state == 2) {
		x->state = status == 200 ? 3 : 4;
		if (status == 200)
			n_calls_ok++;
		else
			n_calls_failed++;
	}
}

/* Frame the stream input of c: CRLFs between messages, Content-Length. */
static void frame(struct client *c)
{
	size_t off = 0;
	while (off < c->rlen) {
		char *p = c->rbuf + off;
		size_t n = c->rlen - off;
		if (*p == '\r' || *p == '\n') {
			off++;
			continue;
		}
		char *e = memmem(p, n, "\r\n\r\n", 4);
		if (!e)
			break;
		size_t hlen = (size_t)(e - p) + 2, bl, body = 0;
		const char *v = hdr(p, hlen, "Content-Length", 'l', &bl);
		if (v)
			body = (size_t)atol(v);
		size_t total = hlen + 2 + body;
		if (total > n)
			break;
		on_message(c, p, hlen);
		if (c->st != C_UP)
			return;
		off += total;
	}
	memmove(c->rbuf, c->rbuf + off, c->rlen - off);
	c->rlen -= off;
}

static void on_readable(struct client *c)
{
	for (;;) {
		if (c->rcap - c->rlen < 4096) {
			c->rcap = c->rcap ? c->rcap * 2 : 8192;
			if (!(c->rbuf = realloc(c->rbuf, c->rcap)))
				die("out of memory");
		}
		ssize_t n;
		if (mode == M_UDP) {
			n = recv(c->fd, c->rbuf, c->rcap - 1, 0);
			if (n <= 0)
				return;
			c->rbuf[n] = '\0';
			char *e = memmem(c->rbuf, (size_t)n, "\r\n\r\n", 4);
			if (e)
				on_message(c, c->rbuf, (size_t)(e - c->rbuf) + 2);
			continue;
		}
		if (mode == M_TCP) {
			n = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen, 0);
		} else {
			ERR_clear_error();
			int r = SSL_read(c->ssl, c->rbuf + c->rlen, (int)(c->rcap - c->rlen));
			if (r <= 0) {
				int e = SSL_get_error(c->ssl, r);
				ERR_clear_error();
				if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
					return;
				client_fail(c);
				return;
			}
			n = r;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			client_fail(c);
			return;
		}
		c->rlen += (size_t)n;
		frame(c);
		if (c->st != C_UP)
			return;
	}
}

static void on_event(struct client *c, uint32_t ev)
{
	if (c->st == C_CONNECTING) {
		if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			on_connected(c);
		return;
	}
	if (c->st == C_HANDSHAKE) {
		handshake(c);
		return;
	}
	if (c->st != C_UP)
		return;
	if (c->wlen)
		flush(c);
	if (c->st == C_UP && (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)))
		on_readable(c);
}

static void poll_once(int ms)
{
	struct epoll_event evs[256];
	int n = epoll_wait(epfd, evs, 256, ms);
	for (int i = 0; i < n; i++)
		on_event(&cl[evs[i].data.u32], evs[i].events);
}

/* CRLF pings, and REGISTERs again that were refused or, over UDP,
 * lost. */
static void keepalive(double t, double every)
{
	static int next;
	/* A slice of the clients at a time, so that the pings spread. */
	for (int k = 0; k < nclients / 50 + 1; k++) {
		struct client *c = &cl[next];
		next = (next + 1) % nclients;
		if (c->st == C_UP && !c->registered && t >= c->reg_retry)
			send_register((int)(c - cl));
		if (mode != M_UDP && every > 0 && c->st == C_UP && t >= c->next_ping) {
			client_send(c, "\r\n\r\n", 4);
			c->next_ping = t + every;
		}
	}
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* OPTIONS every interval ms over UDP until SIGTERM or secs. */
static int probe(double interval_ms, double secs)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in me = { .sin_family = AF_INET };
	me.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t ml = sizeof me;
	if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof me) < 0 ||
	    getsockname(fd, (struct sockaddr *)&me, &ml) < 0)
		die("probe socket");
	size_t cap = 1 << 16, sent = 0, got = 0;
	double *sent_at = calloc(cap, sizeof *sent_at), *lat = calloc(cap, sizeof *lat);
	if (!sent_at || !lat)
		die("out of memory");
	double t0 = now(), next = t0;
	while (!stop && (secs <= 0 || now() - t0 < secs)) {
		double t = now();
		if (t >= next && sent < cap) {
			char m[512];
			int n = snprintf(m, sizeof m,
				"OPTIONS sip:%s SIP/2.0\r\n"
				"Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bK-p%zu;rport\r\n"
				"Max-Forwards: 70\r\nFrom: <sip:probe@bench.invalid>;tag=p\r\n"
				"To: <sip:%s>\r\nCall-ID: p%zu@bench\r\nCSeq: 1 OPTIONS\r\n"
				"Content-Length: 0\r\n\r\n",
				srv_str, ntohs(me.sin_port), sent, srv_str, sent);
			sent_at[sent++] = t;
			sendto(fd, m, (size_t)n, 0, (struct sockaddr *)&srv, sizeof srv);
			next += interval_ms / 1000;
			if (next < t)
				next = t;
		}
		struct timespec ts = { 0, 200000 };
		nanosleep(&ts, NULL);
		char buf[4096];
		ssize_t n;
		while ((n = recv(fd, buf, sizeof buf - 1, 0)) > 0) {
			buf[n] = '\0';
			size_t l;
			const char *cid = hdr(buf, (size_t)n, "Call-ID", 'i', &l);
			if (!cid || cid[0] != 'p')
				continue;
			size_t k = (size_t)atol(cid + 1);
			if (k < sent && sent_at[k] > 0) {
				lat[got++] = now() - sent_at[k];
				sent_at[k] = 0;
			}
		}
	}
	qsort(lat, got, sizeof *lat, cmp_double);
	printf("probe_sent %zu\nprobe_answered %zu\n", sent, got);
	if (got)
		printf("probe_p50_ms %.2f\nprobe_p99_ms %.2f\nprobe_max_ms %.2f\n",
		       lat[got / 2] * 1000, lat[(size_t)(got * 0.99)] * 1000, lat[got - 1] * 1000);
	return 0;
}

static void usage(void)
{
	fputs("usage: stream_clients tls|tcp|udp -s ADDR:PORT [-n CLIENTS] [-r CONN_PER_S]\n"
	      "           [-o OUTSTANDING] [-c CALLS] [-R CALLS_PER_S] [-k KEEPALIVE_S]\n"
	      "           [-w SECONDS] [-P PROXY_PID]\n"
	      "       stream_clients probe -s ADDR:PORT [-i INTERVAL_MS] [-t SECONDS]\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	const char *m = argv[1];
	bool is_probe = !strcmp(m, "probe");
	if (!strcmp(m, "tls"))
		mode = M_TLS;
	else if (!strcmp(m, "tcp"))
		mode = M_TCP;
	else if (!strcmp(m, "udp"))
		mode = M_UDP;
	else if (!is_probe)
		usage();
	int n = 1000, outstanding = 200, pid = 0;
	double rate = 0, call_rate = 200, ka = 30, wait_s = 120, interval = 5, secs = 0;
	const char *server = NULL;
	int opt;
	optind = 2;
	while ((opt = getopt(argc, argv, "s:n:r:o:c:R:k:w:P:i:t:")) != -1) {
		switch (opt) {
		case 's': server = optarg; break;
		case 'n': n = atoi(optarg); break;
		case 'r': rate = atof(optarg); break;
		case 'o': outstanding = atoi(optarg); break;
		case 'c': ncalls = atoi(optarg); break;
		case 'R': call_rate = atof(optarg); break;
		case 'k': ka = atof(optarg); break;
		case 'w': wait_s = atof(optarg); break;
		case 'P': pid = atoi(optarg); break;
		case 'i': interval = atof(optarg); break;
		case 't': secs = atof(optarg); break;
		default: usage();
		}
	}
	if (!server || parse_addr(server, &srv) < 0 || n <= 0 || outstanding <= 0)
		usage();
	snprintf(srv_str, sizeof srv_str, "%s", server);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (is_probe)
		return probe(interval, secs);

	nclients = n;
	cl = calloc((size_t)n, sizeof *cl);
	calls = calloc((size_t)(ncalls ? ncalls : 1), sizeof *calls);
	if (!cl || !calls)
		die("out of memory");
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die("epoll_create1");
	if (mode == M_TLS) {
		ctx = SSL_CTX_new(TLS_client_method());
		if (!ctx)
			die("SSL_CTX_new");
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
		SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
				 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	}

	long rss0 = pid ? proc_kb(pid, "VmRSS") : -1;
	long ticks0 = pid ? proc_ticks(pid) : -1;
	double t0 = now(), deadline = t0 + wait_s;
	int opened = 0;
	while (!stop && (n_up + n_failed < n || n_registered < n_up) && now() < deadline) {
		double t = now();
		while (opened < n && in_progress < outstanding && (rate <= 0 || opened < (t - t0) * rate))
			client_open(opened++);
		poll_once(opened < n ? 1 : 10);
		keepalive(now(), ka);
	}
	long ticks1 = pid ? proc_ticks(pid) : -1;
	double up_s = t_last_up - t0;
	printf("clients %d\nconnected %d\nconnect_failed %d\nregistered %d\n"
	       "register_sent %d\nregister_refused %d\n", n, n_up, n_failed, n_registered,
	       n_reg_sent, n_reg_failed);
	printf("connect_seconds %.2f\nconnects_per_second %.0f\n", up_s,
	       up_s > 0 ? n_up / up_s : 0);
	long hz = sysconf(_SC_CLK_TCK);
	if (pid)
		printf("connect_proxy_cpu_ms %.0f\n", (ticks1 - ticks0) * 1000.0 / hz);
	/* Let the proxy settle (its transactions' timers) before the sample. */
	for (double e = now() + 2; !stop && now() < e;) {
		poll_once(10);
		keepalive(now(), ka);
	}
	long rss1 = pid ? proc_kb(pid, "VmRSS") : -1;
	if (pid)
		printf("rss_before_kb %ld\nrss_connected_kb %ld\nrss_per_client_b %.0f\n", rss0, rss1,
		       n_up ? (rss1 - rss0) * 1024.0 / n_up : 0);

	if (ncalls > 0 && n_registered > 1) {
		int *reg = malloc(sizeof *reg * (size_t)n);
		int nr = 0;
		for (int i = 0; i < n; i++)
			if (cl[i].registered)
				reg[nr++] = i;
		srand(12345);
		for (int k = 0; k < ncalls; k++) {
			calls[k].from = reg[rand() % nr];
			do
				calls[k].to = reg[rand() % nr];
			while (calls[k].to == calls[k].from);
		}
		free(reg);
		long c0 = pid ? proc_ticks(pid) : -1;
		double s = now(), end = s + (double)ncalls / call_rate + wait_s;
		int started = 0;
		while (!stop && n_calls_ok + n_calls_failed < ncalls && now() < end) {
			double t = now();
			while (started < ncalls && started < (t - s) * call_rate)
				start_call(started++);
			poll_once(1);
			keepalive(now(), ka);
			/* A call without its end in 32 s fails (timer B). */
			static int scan;
			if (started && ++scan % 1000 == 0)
				for (int k = 0; k < started; k++)
					if ((calls[k].state == 1 || calls[k].state == 2) && t - calls[k].start > 32) {
						calls[k].state = 4;
						n_calls_failed++;
					}
		}
		double el = now() - s;
		long c1 = pid ? proc_ticks(pid) : -1;
		printf("calls %d\ncalls_ok %d\ncalls_failed %d\ncall_seconds %.2f\n", ncalls,
		       n_calls_ok, n_calls_failed, el);
		if (pid && n_calls_ok)
			printf("call_proxy_cpu_ms %.0f\ncpu_us_per_call %.1f\n",
			       (c1 - c0) * 1000.0 / hz, (c1 - c0) * 1e6 / hz / n_calls_ok);
	}
	for (int i = 0; i < n; i++)
		if (cl[i].fd >= 0 && cl[i].st != C_NONE)
			close(cl[i].fd);
	return 0;
}
