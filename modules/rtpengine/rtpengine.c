/* The rtpengine "ng" client (see rtpengine.h). */
#include "rtpengine/rtpengine.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include "core/log.h"
#include "core/status.h"
#include "core/worker.h"
#include "net/loop.h"
#include "net/transport.h"

struct rtpe_conf rtpe_conf = { "udp:127.0.0.1:2223", 500, 1, 10 };

#define RTPE_MAX_DGRAM 65507

/* The control socket, per worker: each worker sends its commands on a
 * socket of its own and its loop reads their answers, so an answer comes
 * back to the worker whose message waits for it (the cookie carries the
 * worker's id as well, so no two workers ever use the same one). */
static SIP_PER_WORKER struct {
	int fd;
	uint32_t seq;
	char out[RTPE_MAX_DGRAM];
	char in[RTPE_MAX_DGRAM + 1];
} R = { .fd = -1 };

/* Whether rtpengine answers: one for every worker (a relay that does not
 * answer one worker's commands is not tried by the others until
 * disable_time is over). Atomic. */
static struct {
	int down;
	uint64_t down_until_ms;
} RH;

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Append one flags token to the right place of the dictionary: tokens
 * are gathered by kind first, since a bencoded list is written at once. */
struct flagset {
	sip_str flags[32], replace[8], direction[4], kv_key[16], kv_val[16];
	unsigned nf, nr, nd, nkv;
	sip_str proto;
};

static void flags_split(sip_str s, struct flagset *f)
{
	memset(f, 0, sizeof *f);
	size_t i = 0;
	while (i < s.len) {
		while (i < s.len && (s.s[i] == ' ' || s.s[i] == '\t' || s.s[i] == ','))
			i++;
		size_t st = i;
		while (i < s.len && s.s[i] != ' ' && s.s[i] != '\t' && s.s[i] != ',')
			i++;
		sip_str t = sip_str_make(s.s + st, i - st);
		if (!t.len)
			continue;
		const char *eq = memchr(t.s, '=', t.len);
		if (t.len > 8 && memcmp(t.s, "replace-", 8) == 0) {
			if (f->nr < 8)
				f->replace[f->nr++] = sip_str_make(t.s + 8, t.len - 8);
		} else if (t.len >= 7 && memcmp(t.s, "RTP/", 4) == 0 && !eq) {
			f->proto = t;
		} else if (eq && eq > t.s) {
			sip_str k = sip_str_make(t.s, (size_t)(eq - t.s));
			sip_str v = sip_str_make(eq + 1, t.len - k.len - 1);
			if (sip_str_eq(k, SIP_STR_LIT("direction"))) {
				if (f->nd < 4)
					f->direction[f->nd++] = v;
			} else if (f->nkv < 16) {
				f->kv_key[f->nkv] = k;
				f->kv_val[f->nkv++] = v;
			}
		} else if (f->nf < 32) {
			f->flags[f->nf++] = t;
		}
	}
}

static void put_list(benc_buf *b, const char *key, const sip_str *v, unsigned n)
{
	if (!n)
		return;
	benc_cstr(b, key);
	benc_list(b);
	for (unsigned i = 0; i < n; i++)
		benc_str(b, v[i]);
	benc_end(b);
}

void rtpe_build(benc_buf *b, const struct rtpe_req *r)
{
	struct flagset f;
	flags_split(r->flags, &f);
	benc_dict(b);
	benc_kv(b, "command", sip_str_make(r->command, strlen(r->command)));
	if (r->callid.len)
		benc_kv(b, "call-id", r->callid);
	if (r->from_tag.len)
		benc_kv(b, "from-tag", r->from_tag);
	if (r->to_tag.len)
		benc_kv(b, "to-tag", r->to_tag);
	if (r->via_branch.len)
		benc_kv(b, "via-branch", r->via_branch);
	if (r->sdp.len)
		benc_kv(b, "sdp", r->sdp);
	put_list(b, "flags", f.flags, f.nf);
	put_list(b, "replace", f.replace, f.nr);
	put_list(b, "direction", f.direction, f.nd);
	if (f.proto.len)
		benc_kv(b, "transport-protocol", f.proto);
	for (unsigned i = 0; i < f.nkv; i++) {
		benc_str(b, f.kv_key[i]);
		benc_str(b, f.kv_val[i]);
	}
	if (r->recv_ip.len) {
		benc_cstr(b, "received-from");
		benc_list(b);
		benc_cstr(b, r->recv_ip6 ? "IP6" : "IP4");
		benc_str(b, r->recv_ip);
		benc_end(b);
	}
	benc_end(b);
}

/* Open the caller's socket to rtpe_conf.socket. */
static int sock_open(void)
{
	rtpe_close();
	const char *s = rtpe_conf.socket;
	if (strncmp(s, "udp:", 4) == 0)
		s += 4;
	else if (strncmp(s, "udp6:", 5) == 0)
		s += 5;
	const char *colon = strrchr(s, ':');
	if (!colon || colon == s || !colon[1]) {
		LOG_ERR("rtpengine: socket '%s' is not udp:HOST:PORT", rtpe_conf.socket);
		return SIP_EINVAL;
	}
	char *e;
	long port = strtol(colon + 1, &e, 10);
	sip_addr a;
	if (*e || port <= 0 || port > 65535 ||
	    sip_addr_from_ip(&a, sip_str_make(s, (size_t)(colon - s)), (int)port) != SIP_OK) {
		LOG_ERR("rtpengine: socket '%s' is not udp:IP:PORT", rtpe_conf.socket);
		return SIP_EINVAL;
	}
	int fd = socket(a.u.sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, &a.u.sa, a.len) < 0) {
		LOG_ERR("rtpengine: cannot use %s: %s", rtpe_conf.socket, strerror(errno));
		if (fd >= 0)
			close(fd);
		return SIP_EIO;
	}
	R.fd = fd;
	return SIP_OK;
}

int rtpe_open(void)
{
	int rc = sock_open();
	if (rc == SIP_OK) {
		__atomic_store_n(&RH.down, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&RH.down_until_ms, 0, __ATOMIC_RELAXED);
	}
	return rc;
}

static void rtpe_unwatch(void);

void rtpe_close(void)
{
	rtpe_unwatch();
	if (R.fd >= 0)
		close(R.fd);
	R.fd = -1;
}

bool rtpe_up(void)
{
	return !__atomic_load_n(&RH.down, __ATOMIC_ACQUIRE) ||
	       now_ms() >= __atomic_load_n(&RH.down_until_ms, __ATOMIC_RELAXED);
}

static void mark_down(void)
{
	__atomic_store_n(&RH.down_until_ms, now_ms() + (uint64_t)rtpe_conf.disable_s * 1000u,
			 __ATOMIC_RELAXED);
	if (!__atomic_exchange_n(&RH.down, 1, __ATOMIC_ACQ_REL))
		LOG_ERR("rtpengine at %s does not answer: media relay disabled for %u s",
			rtpe_conf.socket, rtpe_conf.disable_s);
}

/* An answer came: the relay is up (said once, by whichever worker saw it
 * first). */
static void mark_up(void)
{
	if (__atomic_load_n(&RH.down, __ATOMIC_RELAXED) &&
	    __atomic_exchange_n(&RH.down, 0, __ATOMIC_ACQ_REL))
		LOG_NOTICE("rtpengine at %s answers again", rtpe_conf.socket);
}

/* ---- commands that do not wait (the loop reads the answers) ---- */

/* A command out: its datagram, the sends left and who waits for it. An
 * answer that the synchronous path read for it is kept in ans until a
 * zero-delay timer hands it over (never from inside that path's caller). */
struct rtpe_pending {
	struct rtpe_pending *next;
	char cookie[32];
	size_t cookie_len;
	char *dgram;
	size_t len;
	unsigned sends;
	sip_timer tm;
	rtpe_done_fn done;
	void *arg;
	char *ans;
	size_t ans_len;
};

/* The commands out on the caller's socket, read by its loop. */
static SIP_PER_WORKER struct {
	sip_loop *loop;
	sip_timer_wheel *w;
	struct rtpe_pending *head;
	bool watching;
} AS;

static void rtpe_unwatch(void)
{
	if (AS.watching && R.fd >= 0)
		sip_loop_del_fd(AS.loop, R.fd);
	AS.watching = false;
}

static void pending_free(struct rtpe_pending *p)
{
	sip_mem_free(p->ans);
	sip_mem_free(p->dgram);
	sip_mem_free(p);
}

static void pending_unlink(struct rtpe_pending *p)
{
	for (struct rtpe_pending **pp = &AS.head; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	if (AS.w)
		sip_timer_cancel(AS.w, &p->tm);
	/* The socket is watched only while commands are out: the loop's
	 * single-socket fast path (net/loop.h) stays on otherwise. */
	if (!AS.head)
		rtpe_unwatch();
}

static struct rtpe_pending *pending_find(const char *dgram, size_t n)
{
	for (struct rtpe_pending *p = AS.head; p; p = p->next)
		if (n > p->cookie_len && memcmp(dgram, p->cookie, p->cookie_len) == 0 &&
		    dgram[p->cookie_len] == ' ')
			return p;
	return NULL;
}

/* Hand p's answer (the datagram without its cookie) or its failure to
 * its owner, then free it. */
static void pending_finish(struct rtpe_pending *p, int status, const char *ans, size_t len)
{
	pending_unlink(p);
	if (status == SIP_OK)
		mark_up();
	p->done(status, ans, len, p->arg);
	pending_free(p);
}

static void rtpe_on_readable(sip_loop *loop, int fd, uint32_t events, void *arg);

/* Timer of p: a kept answer (read by the synchronous path) is handed over;
 * otherwise no answer came in timeout_ms: send again, or give up. */
static void pending_on_timer(sip_timer *tm, void *arg)
{
	(void)tm;
	struct rtpe_pending *p = arg;
	if (p->ans) {
		pending_finish(p, SIP_OK, p->ans + p->cookie_len + 1, p->ans_len - p->cookie_len - 1);
		return;
	}
	if (p->sends > rtpe_conf.retries) {
		mark_down();
		pending_finish(p, SIP_ETIMEOUT, NULL, 0);
		return;
	}
	if (send(R.fd, p->dgram, p->len, 0) < 0 && errno != ECONNREFUSED)
		LOG_WARN("rtpengine: cannot send to %s: %s", rtpe_conf.socket, strerror(errno));
	p->sends++;
	sip_timer_add(AS.w, &p->tm, rtpe_conf.timeout_ms);
}

/* A datagram for no command the caller waits for: an answer to a command
 * that does not wait is kept and handed over from the loop's top level. */
static void pending_keep(const char *dgram, size_t n)
{
	struct rtpe_pending *p = pending_find(dgram, n);
	if (!p || p->ans)
		return;
	if (!(p->ans = sip_mem_alloc(n + 1)))
		return;
	memcpy(p->ans, dgram, n);
	p->ans[n] = '\0';
	p->ans_len = n;
	sip_timer_cancel(AS.w, &p->tm);
	sip_timer_add(AS.w, &p->tm, 0);
}

static void rtpe_on_readable(sip_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)events;
	(void)arg;
	for (;;) {
		ssize_t n = recv(fd, R.in, RTPE_MAX_DGRAM, 0);
		if (n < 0) {
			if (errno == EINTR || errno == ECONNREFUSED)
				continue;   /* ECONNREFUSED: the timer sends again */
			return;
		}
		R.in[n] = '\0';
		struct rtpe_pending *p = pending_find(R.in, (size_t)n);
		if (!p)
			continue;       /* an answer to a command given up on */
		size_t cl = p->cookie_len;
		pending_finish(p, SIP_OK, R.in + cl + 1, (size_t)n - cl - 1);
		if (R.fd != fd || !AS.watching)
			return;         /* the callback closed or stopped watching it */
	}
}

void rtpe_use_loop(sip_loop *loop, sip_timer_wheel *w)
{
	AS.loop = loop;
	AS.w = w;
}

bool rtpe_can_start(void)
{
	return AS.loop && AS.w;
}

/* Build r into R.out behind a new cookie (written to ck); its length, or
 * 0 when it does not fit in a datagram. */
static size_t command_build(const struct rtpe_req *r, char *ck, size_t cksz, size_t *cklen)
{
	int cl = snprintf(ck, cksz, "%x_%u_%u", (unsigned)getpid(), sip_worker_id, ++R.seq);
	*cklen = (size_t)cl;
	benc_buf b;
	benc_init(&b, R.out, sizeof R.out);
	memcpy(R.out, ck, (size_t)cl);
	R.out[cl] = ' ';
	b.len = (size_t)cl + 1;
	rtpe_build(&b, r);
	return b.overflow ? 0 : b.len;
}

int rtpe_command_start(const struct rtpe_req *r, rtpe_done_fn done, void *arg)
{
	if (!AS.loop || !AS.w)
		return SIP_EINVAL;
	if (!rtpe_up())
		return SIP_ESTATE;
	if (R.fd < 0) {
		int rc = sock_open();
		if (rc)
			return rc;
	}
	struct rtpe_pending *p = sip_mem_alloc(sizeof *p);
	if (!p)
		return SIP_NOMEM;
	memset(p, 0, sizeof *p);
	size_t len = command_build(r, p->cookie, sizeof p->cookie, &p->cookie_len);
	if (!len) {
		sip_mem_free(p);
		return SIP_ELIMIT;
	}
	if (!(p->dgram = sip_mem_alloc(len))) {
		sip_mem_free(p);
		return SIP_NOMEM;
	}
	memcpy(p->dgram, R.out, len);
	p->len = len;
	p->done = done;
	p->arg = arg;
	if (!AS.watching) {
		if (sip_loop_add_fd(AS.loop, R.fd, rtpe_on_readable, NULL) != SIP_OK) {
			pending_free(p);
			return SIP_EIO;
		}
		AS.watching = true;
	}
	p->next = AS.head;
	AS.head = p;
	sip_timer_init(&p->tm, pending_on_timer, p);
	/* The first send goes from the timer as well, at once: one path. */
	pending_on_timer(&p->tm, p);
	return SIP_OK;
}

void rtpe_pending_drop_all(void)
{
	while (AS.head) {
		struct rtpe_pending *p = AS.head;
		pending_unlink(p);
		pending_free(p);
	}
}

/* ---- the synchronous command ---- */

/* Wait up to ms for the answer carrying cookie; its length, 0 on timeout. */
static size_t wait_answer(sip_str cookie, unsigned ms)
{
	uint64_t deadline = now_ms() + ms;
	for (;;) {
		uint64_t now = now_ms();
		if (now >= deadline)
			return 0;
		struct pollfd p = { R.fd, POLLIN, 0 };
		int k = poll(&p, 1, (int)(deadline - now));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return 0;
		ssize_t n = recv(R.fd, R.in, RTPE_MAX_DGRAM, 0);
		if (n < 0) {
			/* ECONNREFUSED: nothing listens; wait out the try, so a
			 * restarting rtpengine is given the same time. */
			if (errno != EAGAIN && errno != EINTR && errno != ECONNREFUSED)
				return 0;
			continue;
		}
		if ((size_t)n > cookie.len && memcmp(R.in, cookie.s, cookie.len) == 0 &&
		    R.in[cookie.len] == ' ')
			return (size_t)n;
		/* An answer to a command that does not wait is kept for it; one
		 * to an earlier command that timed out is skipped. */
		pending_keep(R.in, (size_t)n);
	}
}

int rtpe_answer_parse(sip_arena *a, const char *command, const char *ans, size_t len,
		      benc_node **out, sip_str *why)
{
	if (why)
		*why = SIP_STR_NULL;
	char *copy = sip_arena_alloc(a, len + 1);
	if (!copy)
		return SIP_NOMEM;
	memcpy(copy, ans, len);
	copy[len] = '\0';
	benc_node *d;
	int rc = benc_decode(a, copy, len, &d, NULL);
	if (rc != SIP_OK || d->type != BENC_DICT) {
		LOG_WARN("rtpengine: a garbled answer to %s", command);
		return rc == SIP_NOMEM ? rc : SIP_EPARSE;
	}
	sip_str res = benc_get_str(d, "result");
	if (sip_str_eq(res, SIP_STR_LIT("ok")) || sip_str_eq(res, SIP_STR_LIT("pong"))) {
		*out = d;
		return SIP_OK;
	}
	if (why) {
		*why = benc_get_str(d, "error-reason");
		if (!why->len)
			*why = res;
	}
	return SIP_DECLINED;
}

int rtpe_command(sip_arena *a, const struct rtpe_req *r, benc_node **out, sip_str *why)
{
	if (why)
		*why = SIP_STR_NULL;
	if (!rtpe_up())
		return SIP_ESTATE;
	if (R.fd < 0) {
		int rc = sock_open();
		if (rc)
			return rc;
	}
	char ck[32];
	size_t cl;
	size_t len = command_build(r, ck, sizeof ck, &cl);
	if (!len)
		return SIP_ELIMIT;
	sip_str cookie = sip_str_make(ck, cl);
	size_t got = 0;
	for (unsigned t = 0; t <= rtpe_conf.retries && !got; t++) {
		if (send(R.fd, R.out, len, 0) < 0 && errno != ECONNREFUSED)
			LOG_WARN("rtpengine: cannot send to %s: %s", rtpe_conf.socket, strerror(errno));
		got = wait_answer(cookie, rtpe_conf.timeout_ms);
	}
	if (!got) {
		mark_down();
		return SIP_ETIMEOUT;
	}
	mark_up();
	return rtpe_answer_parse(a, r->command, R.in + cl + 1, got - cl - 1, out, why);
}
