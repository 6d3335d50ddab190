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
#include "net/transport.h"

struct rtpe_conf rtpe_conf = { "udp:127.0.0.1:2223", 500, 1, 10 };

#define RTPE_MAX_DGRAM 65507

static struct {
	int fd;
	uint32_t seq;
	uint64_t down_until_ms;
	bool down;
	char out[RTPE_MAX_DGRAM];
	char in[RTPE_MAX_DGRAM + 1];
} R = { .fd = -1 };

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

int rtpe_open(void)
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
	R.down = false;
	R.down_until_ms = 0;
	return SIP_OK;
}

void rtpe_close(void)
{
	if (R.fd >= 0)
		close(R.fd);
	R.fd = -1;
}

bool rtpe_up(void)
{
	return !R.down || now_ms() >= R.down_until_ms;
}

static void mark_down(void)
{
	if (!R.down)
		LOG_ERR("rtpengine at %s does not answer: media relay disabled for %u s",
			rtpe_conf.socket, rtpe_conf.disable_s);
	R.down = true;
	R.down_until_ms = now_ms() + (uint64_t)rtpe_conf.disable_s * 1000u;
}

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
		/* An answer to an earlier command that timed out is skipped. */
		if ((size_t)n > cookie.len && memcmp(R.in, cookie.s, cookie.len) == 0 &&
		    R.in[cookie.len] == ' ')
			return (size_t)n;
	}
}

int rtpe_command(sip_arena *a, const struct rtpe_req *r, benc_node **out, sip_str *why)
{
	if (why)
		*why = SIP_STR_NULL;
	if (!rtpe_up())
		return SIP_ESTATE;
	if (R.fd < 0) {
		int rc = rtpe_open();
		if (rc)
			return rc;
	}
	char ck[32];
	int cl = snprintf(ck, sizeof ck, "%x_%u", (unsigned)getpid(), ++R.seq);
	sip_str cookie = sip_str_make(ck, (size_t)cl);
	benc_buf b;
	benc_init(&b, R.out, sizeof R.out);
	memcpy(R.out, ck, (size_t)cl);
	R.out[cl] = ' ';
	b.len = (size_t)cl + 1;
	rtpe_build(&b, r);
	if (b.overflow)
		return SIP_ELIMIT;
	size_t got = 0;
	for (unsigned t = 0; t <= rtpe_conf.retries && !got; t++) {
		if (send(R.fd, R.out, b.len, 0) < 0 && errno != ECONNREFUSED)
			LOG_WARN("rtpengine: cannot send to %s: %s", rtpe_conf.socket, strerror(errno));
		got = wait_answer(cookie, rtpe_conf.timeout_ms);
	}
	if (!got) {
		mark_down();
		return SIP_ETIMEOUT;
	}
	if (R.down)
		LOG_NOTICE("rtpengine at %s answers again", rtpe_conf.socket);
	R.down = false;
	/* The answer lives in the static buffer: copy it for the caller. */
	size_t blen = got - cookie.len - 1;
	char *copy = sip_arena_alloc(a, blen + 1);
	if (!copy)
		return SIP_NOMEM;
	memcpy(copy, R.in + cookie.len + 1, blen);
	copy[blen] = '\0';
	benc_node *d;
	int rc = benc_decode(a, copy, blen, &d, NULL);
	if (rc != SIP_OK || d->type != BENC_DICT) {
		LOG_WARN("rtpengine: a garbled answer to %s", r->command);
		return rc == SIP_NOMEM ? rc : SIP_EPARSE;
	}
	sip_str res = benc_get_str(d, "result");
	if (sip_str_eq(res, SIP_STR_LIT("ok")) || sip_str_eq(res, SIP_STR_LIT("pong"))) {
		*out = d;
		return SIP_OK;
	}
	if (why)
		*why = benc_get_str(d, "error-reason");
	if (!why || !why->len) {
		if (why)
			*why = res;
	}
	return SIP_DECLINED;
}
