/* The policy's HTTP functions (modules/http/http.sipi): http_get,
 * http_post, http_request, the answer's pseudo-variables and the JSON
 * readers; the module's start from the "use http { ... }" settings.
 *
 * A request is declared async: the call starts the transfer
 * (http_client.c), the message waits (proxy_wait) and the loop goes on;
 * when the transfer ends its callback keeps the answer in the message's
 * slot and resumes the route, whose call then returns the status.
 *
 * With several workers each runs its own client (http_worker_start), so
 * a message waits for a transfer of its own worker and is resumed there;
 * the settings (and the PEM text of the TLS ones) are read-only after
 * init and the statistics atomic. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/arena.h"
#include "core/log.h"
#include "core/status.h"
#include "core/worker.h"
#include "http/http_client.h"
#include "http/http_util.h"
#include "proxy/host.h"
#include "proxy/modules.h"

/* The message's HTTP state, in its context's slot and arena: the last
 * answer (what $http_* read) and the request it waits for. */
struct http_call {
	struct sip_ctx *ctx;
	bool pending;               /* a transfer is under way */
	bool done;                  /* it ended; the resumed call takes the code */
	int code;
	sip_str body, hdrs, err;
};

static struct {
	unsigned timeout_ms, connect_ms;
	size_t max_body;
	bool up;
	/* the PEM text of http.ca_file, http.client_cert and http.client_key
	 * (read at start-up: the files may be root's) */
	char *ca, *cert, *key;
	/* statistics: requests started, answered (any status), and those
	 * that got no answer by cause (atomic: bumped by every worker) */
	int64_t requests, answered, timeouts, connect_failed, errors;
} HF;

static struct http_call *http_call_of(struct sip_ctx *ctx, bool make)
{
	void **slot = proxy_ctx_slot(ctx, &sipcc_module_http);
	struct http_call *c = *slot;
	if (!c && make && (c = sip_arena_alloc(ctx->arena, sizeof *c))) {
		memset(c, 0, sizeof *c);
		c->ctx = ctx;
		*slot = c;
	}
	return c;
}

static void http_stat_inc(int64_t *v)
{
	__atomic_fetch_add(v, 1, __ATOMIC_RELAXED);
}

static void http_count(int code)
{
	if (code > 0)
		http_stat_inc(&HF.answered);
	else if (code == HTTP_TIMEOUT)
		http_stat_inc(&HF.timeouts);
	else if (code == HTTP_CONNECT_FAILED)
		http_stat_inc(&HF.connect_failed);
	else
		http_stat_inc(&HF.errors);
}

static int64_t http_fail(struct http_call *c, int code, const char *why)
{
	http_count(code);
	c->code = code;
	c->err = sip_str_make(why, strlen(why));
	LOG_INFO("http: %s", why);
	return code;
}

/* The loop: the transfer of c ended; keep its answer in the message's
 * arena and go on with its route. */
static void http_done(void *arg, const struct http_resp *r)
{
	struct http_call *c = arg;
	sip_arena *a = c->ctx->arena;
	c->pending = false;
	c->done = true;
	c->code = r->code;
	c->body = c->hdrs = c->err = SIP_STR_LIT("");
	if (r->body_len)
		c->body = sip_arena_strdup(a, sip_str_make(r->body, r->body_len));
	if (r->hdrs_len)
		c->hdrs = sip_arena_strdup(a, sip_str_make(r->hdrs, r->hdrs_len));
	if (r->err)
		c->err = sip_arena_strdup(a, sip_str_make(r->err, strlen(r->err)));
	if (!c->body.s || !c->hdrs.s || !c->err.s) {
		c->body = c->hdrs = SIP_STR_LIT("");
		c->err = SIP_STR_LIT("out of memory");
		c->code = HTTP_ERROR;
	}
	http_count(c->code);
	if (r->code < 0)
		LOG_INFO("http: no answer after %llu ms (%d): " SIP_STR_FMT,
			 (unsigned long long)r->ms, r->code, SIP_STR_ARG(c->err));
	else
		LOG_DEBUG("http: %d after %llu ms, %zu bytes", r->code, (unsigned long long)r->ms,
			  r->body_len);
	proxy_resume(c->ctx);
}

/* Start method url for the message of ctx, or, when its route resumes
 * at this call, return what the request ended with. */
static int64_t http_run(struct sip_ctx *ctx, const char *method, const char *url, size_t ulen,
			const char *body, size_t blen, const char *ct, size_t ctlen,
			int64_t timeout_ms)
{
	struct http_call *c = http_call_of(ctx, true);
	if (!c)
		return HTTP_ERROR;
	if (c->done) {
		c->done = false;
		return c->code;
	}
	c->code = 0;
	c->body = c->hdrs = c->err = SIP_STR_LIT("");
	if (c->pending)
		return http_fail(c, HTTP_ERROR, "a request of this message is under way already");
	if (!HF.up)
		return http_fail(c, HTTP_ERROR, "the HTTP client is not running");
	if (!http_url_ok(sip_str_make(url, ulen)))
		return http_fail(c, HTTP_ERROR, "not an http:// or https:// URL");
	if (ctlen > 200)
		return http_fail(c, HTTP_ERROR, "content type too long");
	int rc = proxy_wait(ctx);
	if (rc == SIP_ESTATE)
		return http_fail(c, HTTP_ERROR, "this route cannot wait for an answer");
	if (rc != SIP_OK)
		return http_fail(c, HTTP_ERROR, "too many messages wait");
	sip_str u = sip_arena_strdup(ctx->arena, sip_str_make(url, ulen));
	sip_str t = sip_arena_strdup(ctx->arena, sip_str_make(ct, ctlen));
	if (!u.s || !t.s) {
		proxy_wait_cancel(ctx);
		return http_fail(c, HTTP_ERROR, "out of memory");
	}
	unsigned tmo = timeout_ms > 0 ? (timeout_ms > 3600000 ? 3600000 : (unsigned)timeout_ms)
				      : HF.timeout_ms;
	struct http_req req = {
		.method = method, .url = u.s, .body = body, .body_len = blen,
		.content_type = t.s, .timeout_ms = tmo,
		.connect_timeout_ms = HF.connect_ms < tmo ? HF.connect_ms : tmo,
		.max_body = HF.max_body,
	};
	rc = http_client_start(&req, http_done, c);
	if (rc != SIP_OK) {
		proxy_wait_cancel(ctx);
		return http_fail(c, HTTP_ERROR, rc == SIP_ELIMIT ? "too many requests under way (http.max_requests)"
								  : "cannot start the request");
	}
	c->pending = true;
	http_stat_inc(&HF.requests);
	return 0;   /* not used: the route waits */
}

int64_t sipcc_fn_http_get(struct sip_ctx *ctx, const char *url, size_t url_len)
{
	return http_run(ctx, "GET", url, url_len, "", 0, "", 0, 0);
}

int64_t sipcc_fn_http_post(struct sip_ctx *ctx, const char *url, size_t url_len,
			   const char *body, size_t body_len, const char *content_type,
			   size_t content_type_len)
{
	return http_run(ctx, "POST", url, url_len, body, body_len, content_type,
			content_type_len, 0);
}

int64_t sipcc_fn_http_request(struct sip_ctx *ctx, const char *method, size_t method_len,
			      const char *url, size_t url_len, const char *body, size_t body_len,
			      const char *content_type, size_t content_type_len, int64_t timeout_ms)
{
	char m[16];
	size_t n = 0;
	for (; n < method_len && n < sizeof m - 1; n++) {
		char ch = method[n];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')))
			break;
		m[n] = (char)(ch >= 'a' ? ch - 32 : ch);
	}
	m[n] = '\0';
	if (!n || n != method_len) {
		struct http_call *c = http_call_of(ctx, true);
		if (c && c->done) {
			c->done = false;
			return c->code;
		}
		return c ? http_fail(c, HTTP_ERROR, "not an HTTP method") : HTTP_ERROR;
	}
	return http_run(ctx, m, url, url_len, body, body_len, content_type, content_type_len,
			timeout_ms);
}

int64_t sipcc_pv_http_rs_get(struct sip_ctx *ctx)
{
	struct http_call *c = http_call_of(ctx, false);
	return c ? c->code : 0;
}

void sipcc_pv_http_rb_get(struct sip_ctx *ctx, sip_str *out)
{
	struct http_call *c = http_call_of(ctx, false);
	*out = c && c->body.s ? c->body : SIP_STR_LIT("");
}

void sipcc_pv_http_hdr_get(struct sip_ctx *ctx, sip_str *out, const char *name, size_t name_len)
{
	struct http_call *c = http_call_of(ctx, false);
	if (!c || !http_hdr_find(c->hdrs, sip_str_make(name, name_len), out))
		*out = SIP_STR_LIT("");
}

void sipcc_pv_http_err_get(struct sip_ctx *ctx, sip_str *out)
{
	struct http_call *c = http_call_of(ctx, false);
	*out = c && c->err.s ? c->err : SIP_STR_LIT("");
}

void sipcc_fn_json_get_str(struct sip_ctx *ctx, sip_str *out, const char *json, size_t json_len,
			   const char *path, size_t path_len)
{
	*out = http_json_get_str(ctx->arena, sip_str_make(json, json_len),
				 sip_str_make(path, path_len));
}

int64_t sipcc_fn_json_get_int(struct sip_ctx *ctx, const char *json, size_t json_len,
			      const char *path, size_t path_len)
{
	(void)ctx;
	return http_json_get_int(sip_str_make(json, json_len), sip_str_make(path, path_len), NULL);
}

void sipcc_fn_json_quote(struct sip_ctx *ctx, sip_str *out, const char *s, size_t s_len)
{
	*out = http_json_quote(ctx->arena, sip_str_make(s, s_len));
	if (!out->s)
		*out = SIP_STR_LIT("\"\"");
}

void sipcc_fn_url_encode(struct sip_ctx *ctx, sip_str *out, const char *s, size_t s_len)
{
	*out = http_url_encode(ctx->arena, sip_str_make(s, s_len));
	if (!out->s)
		*out = SIP_STR_LIT("");
}

int64_t sipcc_fn_json_has(struct sip_ctx *ctx, const char *json, size_t json_len,
			  const char *path, size_t path_len)
{
	(void)ctx;
	sip_str v;
	return http_json_find(sip_str_make(json, json_len), sip_str_make(path, path_len), &v)
	       != HTTP_JSON_NONE;
}

/* Bytes of a PEM file at most (a system's whole bundle is ~200 KB). */
#define HTTP_PEM_MAX (4 << 20)

/* The PEM text of the file http.KEY names, in *out (NULL for ""): false,
 * logged with the setting and the file, when it cannot be read or holds
 * no PEM block. */
static bool http_pem_read(const char *key, char **out, size_t *len)
{
	const char *path = sipcc_setting_str("http", key, "");
	const char *why = NULL;
	char *buf = NULL;
	struct stat st;
	*out = NULL;
	*len = 0;
	if (!*path)
		return true;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a file";
	else if (st.st_size > HTTP_PEM_MAX)
		why = "longer than 4 MB";
	else if (!(buf = sip_mem_alloc((size_t)st.st_size + 1)))
		why = "out of memory";
	else if (read(fd, buf, (size_t)st.st_size) != st.st_size)
		why = "cannot read it whole";
	if (fd >= 0)
		close(fd);
	if (!why) {
		buf[st.st_size] = '\0';
		if (!strstr(buf, "-----BEGIN "))
			why = "no PEM block in it";
	}
	if (why) {
		LOG_ERR("setting http.%s = %s: cannot use the file (%s)", key, path, why);
		sip_mem_free(buf);
		return false;
	}
	*out = buf;
	*len = (size_t)st.st_size;
	return true;
}

/* The TLS settings: false (logged) when one cannot be used. */
static bool http_tls_init(void)
{
	struct http_tls t = { .verify = true };
	bool ok = http_pem_read("ca_file", &HF.ca, &t.ca_len);
	ok &= http_pem_read("client_cert", &HF.cert, &t.cert_len);
	ok &= http_pem_read("client_key", &HF.key, &t.key_len);
	const char *cert = sipcc_setting_str("http", "client_cert", "");
	const char *key = sipcc_setting_str("http", "client_key", "");
	if (!*cert != !*key) {
		LOG_ERR("setting http.%s = %s needs http.%s as well", *cert ? "client_cert" : "client_key",
			*cert ? cert : key, *cert ? "client_key" : "client_cert");
		ok = false;
	}
	t.verify = sipcc_setting_int_range("http", "verify", 1, 0, 1) != 0;
	if (!t.verify)
		LOG_WARN("http: http.verify = 0: the certificates of https:// servers are not checked");
	t.ca = HF.ca;
	t.cert = HF.cert;
	t.key = HF.key;
	http_client_set_tls(&t);
	return ok;
}

static void http_module_init(sip_timer_wheel *w)
{
	HF.timeout_ms = (unsigned)sipcc_setting_int_range("http", "timeout", 2000, 1, 3600000);
	HF.connect_ms = (unsigned)sipcc_setting_int_range("http", "connect_timeout", 1000, 1,
							  3600000);
	HF.max_body = (unsigned)sipcc_setting_int_range("http", "max_body", 65536, 0, 64u << 20);
	int64_t max = sipcc_setting_int_range("http", "max_requests", 512, 1, 100000);
	http_client_set_max((unsigned)max);
	if (!http_tls_init())
		proxy_module_refuse();
	sip_stat_counter("http.requests", &HF.requests);
	sip_stat_counter("http.answered", &HF.answered);
	sip_stat_counter("http.timeouts", &HF.timeouts);
	sip_stat_counter("http.connect_failed", &HF.connect_failed);
	sip_stat_counter("http.errors", &HF.errors);
	int rc = http_client_init(proxy_host_loop(), w);
	HF.up = rc == SIP_OK;
	if (!HF.up)
		LOG_ERR("http: cannot start the HTTP client (%s): HTTP requests fail with HTTP_ERROR",
			sip_strerror(rc));
}

static void http_module_destroy(void)
{
	http_client_destroy();
	HF.up = false;
	sip_mem_free(HF.ca);
	sip_mem_free(HF.cert);
	sip_mem_free(HF.key);
	HF.ca = HF.cert = HF.key = NULL;
}

/* Workers 1..n-1: a client of their own on their own loop (the one whose
 * timer wheel is w). HF.up is worker 0's: a worker whose client did not
 * start fails its requests with "the HTTP client is not running"
 * (http_client_start says SIP_ESTATE). */
static void http_worker_start(sip_timer_wheel *w)
{
	if (!HF.up)
		return;
	sip_loop *loop = (sip_loop *)(void *)((char *)w - offsetof(sip_loop, timers));
	int rc = http_client_init(loop, w);
	if (rc != SIP_OK)
		LOG_ERR("http: cannot start the HTTP client of worker %u (%s): its HTTP requests"
			" fail with HTTP_ERROR", sip_worker_id, sip_strerror(rc));
}

static void http_worker_stop(void)
{
	http_client_destroy();
}

sipcc_module sipcc_module_http = {
	.name = "http",
	.init = http_module_init,
	.destroy = http_module_destroy,
	.worker_start = http_worker_start,
	.worker_stop = http_worker_stop,
	.workers_safe = true,
};
