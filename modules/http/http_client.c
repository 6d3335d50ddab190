/* libcurl's multi interface on the proxy's event loop (http_client.h).
 *
 * curl tells which sockets it waits on (CURLMOPT_SOCKETFUNCTION): each is
 * watched by the loop for the events curl asks for; and when it wants to
 * be called whatever happens (CURLMOPT_TIMERFUNCTION): one timer on the
 * wheel. Either calls curl_multi_socket_action, after which the finished
 * transfers are collected and their callbacks run. curl's callbacks only
 * change what is watched: nothing calls back into curl from inside curl,
 * and nothing waits.
 *
 * With several workers each has its own multi handle on its own loop
 * (http_client_init on each worker thread): a transfer starts, runs and
 * ends on the worker whose message waits for it, and no curl handle is
 * ever touched by two threads. Only curl's global set-up (worker 0,
 * before the workers start) and the count of transfers under way (the
 * limit is for every worker together, atomic) are shared. */
#include "http/http_client.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include "core/arena.h"
#include "core/log.h"
#include "core/status.h"
#include "core/worker.h"

struct http_xfer {
	CURL *easy;
	http_done_fn fn;
	void *arg;
	char *url;
	struct curl_slist *hdrs_out;
	char *body;                 /* the answer so far */
	size_t body_len, body_cap, max_body;
	bool too_big;
	char *hdrs;                 /* the header lines received */
	size_t hdrs_len, hdrs_cap;
	uint64_t start_ms;
	CURLcode rc;                /* once it ended */
	char err[CURL_ERROR_SIZE];
	struct http_xfer *next;     /* in the running list */
};

/* The caller's client: one per worker. */
static SIP_PER_WORKER struct {
	CURLM *multi;
	sip_loop *loop;
	sip_timer_wheel *w;
	sip_timer timer;
	struct http_xfer *running;
	unsigned nrunning;
	bool global;                /* this worker did curl_global_init */
	bool in_action;             /* inside curl_multi_socket_action */
} H;

/* Shared: curl_global_init done (by the first init, before the workers
 * start); the limit and the transfers under way on every worker. */
static bool http_curl_up;
static unsigned http_max;
static unsigned http_total;     /* atomic */
static struct http_tls http_tls = { .verify = true };

/* Bytes kept of the header lines of one answer. */
#define HTTP_HDRS_MAX 16384

static bool buf_append(char **buf, size_t *len, size_t *cap, const char *p, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t c = *cap ? *cap : 1024;
		while (c < *len + n + 1)
			c *= 2;
		char *b = sip_mem_realloc(*buf, c);
		if (!b)
			return false;
		*buf = b;
		*cap = c;
	}
	memcpy(*buf + *len, p, n);
	*len += n;
	(*buf)[*len] = '\0';
	return true;
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct http_xfer *x = arg;
	size_t len = size * n;
	if (x->body_len + len > x->max_body) {
		x->too_big = true;
		return 0;           /* ends the transfer: CURLE_WRITE_ERROR */
	}
	return buf_append(&x->body, &x->body_len, &x->body_cap, p, len) ? len : 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct http_xfer *x = arg;
	size_t len = size * n;
	if (x->hdrs_len + len <= HTTP_HDRS_MAX)
		buf_append(&x->hdrs, &x->hdrs_len, &x->hdrs_cap, p, len);
	return len;
}

static void xfer_free(struct http_xfer *x)
{
	if (x->easy)
		curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->hdrs_out);
	sip_mem_free(x->url);
	sip_mem_free(x->body);
	sip_mem_free(x->hdrs);
	sip_mem_free(x);
}

/* What a transfer that ended with rc gives the policy. */
static int xfer_code(struct http_xfer *x, CURLcode rc, const char **why)
{
	long status = 0;
	*why = x->err[0] ? x->err : curl_easy_strerror(rc);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
		*why = NULL;
		return status >= 100 && status <= 999 ? (int)status : HTTP_ERROR;
	}
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return HTTP_TIMEOUT;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return HTTP_CONNECT_FAILED;
	case CURLE_WRITE_ERROR:
		if (x->too_big)
			*why = "the answer is longer than http.max_body";
		return HTTP_ERROR;
	default:
		return HTTP_ERROR;
	}
}

/* Take the finished transfers out of curl, then run their callbacks (a
 * callback may start a new transfer: curl is not in the middle of
 * anything then). */
static void collect_done(void)
{
	struct http_xfer *done = NULL, **tail = &done;
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(H.multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		struct http_xfer *x = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		CURLcode rc = msg->data.result;
		curl_multi_remove_handle(H.multi, msg->easy_handle);
		for (struct http_xfer **pp = &H.running; *pp; pp = &(*pp)->next)
			if (*pp == x) {
				*pp = x->next;
				H.nrunning--;
				__atomic_fetch_sub(&http_total, 1, __ATOMIC_RELAXED);
				break;
			}
		x->next = NULL;
		x->rc = rc;
		x->start_ms = sip_loop_clock_ms() - x->start_ms;
		*tail = x;
		tail = &x->next;
	}
	while (done) {
		struct http_xfer *x = done;
		done = x->next;
		struct http_resp r = { 0 };
		r.code = xfer_code(x, x->rc, &r.err);
		r.body = x->body ? x->body : "";
		r.body_len = x->body_len;
		r.hdrs = x->hdrs ? x->hdrs : "";
		r.hdrs_len = x->hdrs_len;
		r.ms = x->start_ms;
		x->fn(x->arg, &r);
		xfer_free(x);
	}
}

static void on_socket_ready(sip_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)arg;
	int mask = 0, running;
	if (events & EPOLLIN)
		mask |= CURL_CSELECT_IN;
	if (events & EPOLLOUT)
		mask |= CURL_CSELECT_OUT;
	if (events & (EPOLLERR | EPOLLHUP))
		mask |= CURL_CSELECT_ERR;
	H.in_action = true;
	curl_multi_socket_action(H.multi, fd, mask, &running);
	H.in_action = false;
	collect_done();
}

static void on_timer(sip_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	int running;
	H.in_action = true;
	curl_multi_socket_action(H.multi, CURL_SOCKET_TIMEOUT, 0, &running);
	H.in_action = false;
	collect_done();
}

/* CURLMOPT_SOCKETFUNCTION: watch s for what curl waits for. sockp is what
 * curl_multi_assign gave s: non-NULL once the loop watches it. */
static int curl_socket_cb(CURL *e, curl_socket_t s, int what, void *userp, void *sockp)
{
	(void)e;
	(void)userp;
	if (what == CURL_POLL_REMOVE) {
		if (sockp) {
			sip_loop_del_fd(H.loop, s);
			curl_multi_assign(H.multi, s, NULL);
		}
		return 0;
	}
	if (!sockp) {
		if (sip_loop_add_fd(H.loop, s, on_socket_ready, NULL) != SIP_OK) {
			LOG_WARN("http: cannot watch socket %d", (int)s);
			return -1;
		}
		curl_multi_assign(H.multi, s, &H);
	}
	uint32_t ev = 0;
	if (what & CURL_POLL_IN)
		ev |= EPOLLIN;
	if (what & CURL_POLL_OUT)
		ev |= EPOLLOUT;
	sip_loop_mod_fd(H.loop, s, ev);
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: one timer; -1 disarms it. 0 ms fires on the
 * wheel's next pass; asked from inside curl's own run (the timer or a
 * socket), at least a tick later, so a curl that keeps asking for "now"
 * cannot hold the wheel's expiry. */
static int curl_timer_cb(CURLM *m, long timeout_ms, void *userp)
{
	(void)m;
	(void)userp;
	if (timeout_ms < 0)
		sip_timer_cancel(H.w, &H.timer);
	else
		sip_timer_add(H.w, &H.timer,
			      H.in_action && timeout_ms < 1 ? 1 : (uint64_t)timeout_ms);
	return 0;
}

int http_client_init(sip_loop *loop, sip_timer_wheel *w)
{
	if (H.multi)
		return SIP_OK;
	if (!loop || !w)
		return SIP_ESTATE;
	if (!http_curl_up) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return SIP_EIO;
		http_curl_up = true;
		H.global = true;
	}
	if (!(H.multi = curl_multi_init()))
		return SIP_EIO;
	H.loop = loop;
	H.w = w;
	sip_timer_init(&H.timer, on_timer, NULL);
	curl_multi_setopt(H.multi, CURLMOPT_SOCKETFUNCTION, curl_socket_cb);
	curl_multi_setopt(H.multi, CURLMOPT_TIMERFUNCTION, curl_timer_cb);
	return SIP_OK;
}

void http_client_destroy(void)
{
	if (!H.multi)
		return;
	while (H.running) {
		struct http_xfer *x = H.running;
		H.running = x->next;
		curl_multi_remove_handle(H.multi, x->easy);
		xfer_free(x);
	}
	__atomic_fetch_sub(&http_total, H.nrunning, __ATOMIC_RELAXED);
	H.nrunning = 0;
	curl_multi_cleanup(H.multi);
	H.multi = NULL;
	sip_timer_cancel(H.w, &H.timer);
	if (H.global) {
		curl_global_cleanup();
		http_curl_up = false;
	}
	H.global = false;
}

unsigned http_client_running(void)
{
	return __atomic_load_n(&http_total, __ATOMIC_RELAXED);
}

void http_client_set_max(unsigned n)
{
	http_max = n;
}

void http_client_set_tls(const struct http_tls *t)
{
	http_tls = *t;
}

/* The TLS settings on e: the PEM text is the client's for as long as it
 * runs (CURL_BLOB_NOCOPY). */
static void xfer_tls(CURL *e)
{
	struct curl_blob b = { .flags = CURL_BLOB_NOCOPY };
	if (http_tls.ca_len) {
		b.data = (void *)http_tls.ca;
		b.len = http_tls.ca_len;
		curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &b);
		curl_easy_setopt(e, CURLOPT_CAPATH, NULL);  /* only these CAs */
	}
	if (!http_tls.verify) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (http_tls.cert_len && http_tls.key_len) {
		b.data = (void *)http_tls.cert;
		b.len = http_tls.cert_len;
		curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, &b);
		b.data = (void *)http_tls.key;
		b.len = http_tls.key_len;
		curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, &b);
	}
}

static int xfer_start(const struct http_req *r, http_done_fn fn, void *arg);

int http_client_start(const struct http_req *r, http_done_fn fn, void *arg)
{
	if (!H.multi)
		return SIP_ESTATE;
	/* Counted first, so that workers starting at once cannot all pass
	 * the limit; given back when the transfer does not start. */
	if (__atomic_add_fetch(&http_total, 1, __ATOMIC_RELAXED) > http_max && http_max) {
		__atomic_fetch_sub(&http_total, 1, __ATOMIC_RELAXED);
		return SIP_ELIMIT;
	}
	int rc = xfer_start(r, fn, arg);
	if (rc != SIP_OK)
		__atomic_fetch_sub(&http_total, 1, __ATOMIC_RELAXED);
	return rc;
}

/* Make and add the transfer of r (counted in http_total already). */
static int xfer_start(const struct http_req *r, http_done_fn fn, void *arg)
{
	struct http_xfer *x = sip_mem_alloc(sizeof *x);
	if (!x)
		return SIP_NOMEM;
	memset(x, 0, sizeof *x);
	x->fn = fn;
	x->arg = arg;
	x->max_body = r->max_body;
	size_t ulen = strlen(r->url);
	if (!(x->url = sip_mem_alloc(ulen + 1)) || !(x->easy = curl_easy_init())) {
		xfer_free(x);
		return SIP_NOMEM;
	}
	memcpy(x->url, r->url, ulen + 1);
	CURL *e = x->easy;
	curl_easy_setopt(e, CURLOPT_URL, x->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(r->timeout_ms ? r->timeout_ms : 1));
	if (r->connect_timeout_ms)
		curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)r->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->err);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "sipcc");
	/* A redirect is the policy's to follow: it gets the 3xx. */
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	xfer_tls(e);
	if (r->body_len || (r->method && strcmp(r->method, "POST") == 0)) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)r->body_len);
		curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, r->body_len ? r->body : "");
	}
	if (r->method && strcmp(r->method, "GET") != 0 && strcmp(r->method, "POST") != 0)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
	/* No "Expect: 100-continue" wait before a body. */
	struct curl_slist *h = curl_slist_append(NULL, "Expect:");
	if (h)
		x->hdrs_out = h;
	if (r->content_type && *r->content_type) {
		char line[256];
		snprintf(line, sizeof line, "Content-Type: %s", r->content_type);
		if ((h = curl_slist_append(x->hdrs_out, line)))
			x->hdrs_out = h;
	}
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs_out);
	x->start_ms = sip_loop_clock_ms();
	if (curl_multi_add_handle(H.multi, e) != CURLM_OK) {
		xfer_free(x);
		return SIP_EIO;
	}
	x->next = H.running;
	H.running = x;
	H.nrunning++;
	return SIP_OK;
}
