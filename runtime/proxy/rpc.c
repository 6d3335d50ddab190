/* JSON-RPC 2.0 over the control commands (see rpc.h). */
#include "proxy/rpc.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "core/arena.h"
#include "core/json.h"
#include "core/status.h"
#include "proxy/ctl.h"

/* One request of a batch (or the only one): its answer, once known. */
struct rpc_slot {
	proxy_rpc_req *r;
	sip_str id;                     /* the id's JSON text; "null" when unknown */
	bool answer;                    /* not a notification */
	bool pending;                   /* its command replies later */
	char *text;                     /* the response object */
	size_t len;
};

struct proxy_rpc_req {
	sip_arena a;
	struct rpc_slot *slot;
	unsigned n, pending;
	bool batch;
	proxy_rpc_reply_fn fn;          /* NULL once cancelled */
	void *arg;
};

static const sip_str null_id = SIP_STR_LIT("null");

/* Keep o's text as the slot's answer. */
static void slot_take(struct rpc_slot *s, proxy_ctl_out *o)
{
	if (o->overflow) {
		proxy_ctl_out_free(o);
		return;
	}
	s->text = o->buf;
	s->len = o->len;
	o->buf = NULL;
	o->len = o->cap = 0;
}

static void slot_error(struct rpc_slot *s, int code, const char *msg)
{
	if (!s->answer)
		return;
	proxy_ctl_out o = { 0 };
	proxy_ctl_printf(&o, "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":%d,\"message\":", code);
	proxy_ctl_json_str(&o, msg, strlen(msg));
	proxy_ctl_printf(&o, "},\"id\":%.*s}", SIP_STR_ARG(s->id));
	slot_take(s, &o);
}

/* The answer from a command's reply line: {"ok":true,FIELDS}\n becomes
 * the result {FIELDS}; a refusal the error with its message. */
static void slot_from_ctl(struct rpc_slot *s, proxy_ctl_out *c, bool ok)
{
	static const char yes[] = "{\"ok\":true";
	if (!s->answer)
		return;
	if (!ok || c->len < sizeof yes || memcmp(c->buf, yes, sizeof yes - 1) != 0) {
		const char *msg = c->err[0] ? c->err : "failed";
		slot_error(s, strncmp(msg, "usage:", 6) == 0 ? PROXY_RPC_INVALID_PARAMS
							     : PROXY_RPC_COMMAND_FAILED, msg);
		return;
	}
	const char *fields = c->buf + sizeof yes - 1;
	size_t n = c->len - (sizeof yes - 1);
	while (n && (fields[n - 1] == '\n' || fields[n - 1] == '\r'))
		n--;
	if (n && *fields == ',') {
		fields++;
		n--;
	}
	proxy_ctl_out o = { 0 };
	proxy_ctl_printf(&o, "{\"jsonrpc\":\"2.0\",\"result\":{%.*s,\"id\":%.*s}", (int)n, fields,
			 SIP_STR_ARG(s->id));
	slot_take(s, &o);
}

/* A word of a command line: no blank or control character (the control
 * socket splits its lines at blanks). */
static bool word_ok(sip_str w)
{
	if (!w.len)
		return false;
	for (size_t i = 0; i < w.len; i++) {
		unsigned char c = (unsigned char)w.s[i];
		if (c <= 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

static void rpc_done(proxy_rpc_req *r);

static void slot_later(void *arg, proxy_ctl_out *o, bool ok)
{
	struct rpc_slot *s = arg;
	slot_from_ctl(s, o, ok);
	s->pending = false;
	proxy_rpc_req *r = s->r;
	if (--r->pending == 0)
		rpc_done(r);
}

/* Check one request and run its command. */
static void slot_run(struct rpc_slot *s, const sip_json *req)
{
	const sip_json *id = sip_json_get(req, "id");
	s->id = null_id;
	s->answer = true;
	if (!req || req->type != SIP_JSON_OBJECT) {
		slot_error(s, PROXY_RPC_INVALID_REQUEST, "Invalid Request: not an object");
		return;
	}
	if (id && id->type != SIP_JSON_STRING && id->type != SIP_JSON_NUMBER
	    && id->type != SIP_JSON_NULL) {
		slot_error(s, PROXY_RPC_INVALID_REQUEST, "Invalid Request: id must be a string, a number or null");
		return;
	}
	if (id)
		s->id = id->raw;
	const sip_json *v = sip_json_get(req, "jsonrpc");
	if (!v || v->type != SIP_JSON_STRING || strcmp(v->str.s, "2.0") != 0) {
		slot_error(s, PROXY_RPC_INVALID_REQUEST, "Invalid Request: jsonrpc must be \"2.0\"");
		return;
	}
	const sip_json *m = sip_json_get(req, "method");
	if (!m || m->type != SIP_JSON_STRING) {
		slot_error(s, PROXY_RPC_INVALID_REQUEST, "Invalid Request: method must be a string");
		return;
	}
	s->answer = id != NULL;
	/* "ul.show" is the command "ul show". */
	char line[PROXY_CTL_LINE_MAX + 1];
	size_t n = 0;
	unsigned words = 1;
	bool good = word_ok(m->str) && m->str.len < sizeof line;
	for (size_t i = 0; good && i < m->str.len; i++) {
		char c = m->str.s[i];
		if (c == '.') {
			c = ' ';
			good = i > 0 && i + 1 < m->str.len && m->str.s[i + 1] != '.' && ++words <= 2;
		}
		line[n++] = c;
	}
	line[n] = '\0';
	const sip_json *p = sip_json_get(req, "params");
	/* A one-word method whose first param is the second word ("ul" with
	 * ["show", AOR]), as the words of a control socket line. */
	bool found = good && proxy_ctl_has(line);
	if (good && !found && words == 1 && p && p->type == SIP_JSON_ARRAY && p->child
	    && p->child->type == SIP_JSON_STRING && word_ok(p->child->str)
	    && n + 1 + p->child->str.len < sizeof line) {
		char two[sizeof line];
		snprintf(two, sizeof two, "%s %s", line, p->child->str.s);
		found = proxy_ctl_has(two);
	}
	if (!found) {
		char msg[160];
		snprintf(msg, sizeof msg, "Method not found: %.*s (try \"help\")",
			 (int)(m->str.len > 64 ? 64 : m->str.len), m->str.s);
		slot_error(s, PROXY_RPC_METHOD_NOT_FOUND, msg);
		return;
	}
	if (p && p->type != SIP_JSON_ARRAY) {
		slot_error(s, PROXY_RPC_INVALID_PARAMS,
			   "Invalid params: params must be an array of the command's words");
		return;
	}
	if (p && p->n + words > PROXY_CTL_MAX_ARGS) {
		slot_error(s, PROXY_RPC_INVALID_PARAMS, "Invalid params: too many");
		return;
	}
	for (const sip_json *e = p ? p->child : NULL; e; e = e->next) {
		if ((e->type != SIP_JSON_STRING && e->type != SIP_JSON_NUMBER) || !word_ok(e->str)) {
			slot_error(s, PROXY_RPC_INVALID_PARAMS,
				   "Invalid params: each must be a non-empty string without blanks, or a number");
			return;
		}
		if (n + 1 + e->str.len >= sizeof line) {
			slot_error(s, PROXY_RPC_INVALID_PARAMS, "Invalid params: too long");
			return;
		}
		line[n++] = ' ';
		memcpy(line + n, e->str.s, e->str.len);
		n += e->str.len;
	}
	line[n] = '\0';
	proxy_ctl_out o = { 0 };
	proxy_ctl_exec(line, &o);
	if (o.later) {
		s->pending = true;
		s->r->pending++;
		proxy_ctl_later_notify(o.later, slot_later, s);
		return;
	}
	slot_from_ctl(s, &o, o.len >= 10 && memcmp(o.buf, "{\"ok\":true", 10) == 0);
	proxy_ctl_out_free(&o);
}

/* Every answer is in: the body, then the request is freed. */
static void rpc_done(proxy_rpc_req *r)
{
	proxy_ctl_out o = { 0 };
	unsigned k = 0;
	for (unsigned i = 0; i < r->n; i++) {
		struct rpc_slot *s = &r->slot[i];
		if (!s->answer)
			continue;
		if (!s->text) {
			/* Out of memory while answering this one. */
			proxy_ctl_printf(&o, "%s{\"jsonrpc\":\"2.0\",\"error\":{\"code\":%d,\"message\":"
					 "\"Internal error\"},\"id\":%.*s}", r->batch && k ? "," : "",
					 PROXY_RPC_INTERNAL_ERROR, SIP_STR_ARG(s->id));
		} else {
			proxy_ctl_printf(&o, "%s%.*s", r->batch && k ? "," : "", (int)s->len, s->text);
		}
		k++;
	}
	char *body = NULL;
	size_t len = 0;
	if (k && !o.overflow) {
		if (r->batch) {
			proxy_ctl_out b = { 0 };
			proxy_ctl_printf(&b, "[%.*s]", (int)o.len, o.buf);
			proxy_ctl_out_free(&o);
			o = b;
		}
		if (!o.overflow) {
			body = o.buf;
			len = o.len;
			o.buf = NULL;
		}
	}
	proxy_ctl_out_free(&o);
	if (r->fn)
		r->fn(r->arg, body, len);
	else
		sip_mem_free(body);
	for (unsigned i = 0; i < r->n; i++)
		sip_mem_free(r->slot[i].text);
	sip_arena_destroy(&r->a);
	sip_mem_free(r);
}

int proxy_rpc_handle(const char *body, size_t len, proxy_rpc_reply_fn fn, void *arg,
		     proxy_rpc_req **pending)
{
	*pending = NULL;
	proxy_rpc_req *r = sip_mem_alloc(sizeof *r);
	if (!r)
		return SIP_NOMEM;
	memset(r, 0, sizeof *r);
	sip_arena_init(&r->a, 4096);
	r->fn = fn;
	r->arg = arg;
	/* The ids are slices of the text: keep a copy for a later answer. */
	char *text = sip_arena_memdup(&r->a, body, len);
	sip_json *root = NULL;
	int rc = text ? sip_json_parse(&r->a, text, len, &root, NULL) : SIP_NOMEM;
	if (rc == SIP_NOMEM || !(r->slot = sip_arena_alloc(&r->a, sizeof *r->slot
					* (root && root->type == SIP_JSON_ARRAY && root->n ? root->n : 1)))) {
		sip_arena_destroy(&r->a);
		sip_mem_free(r);
		return SIP_NOMEM;
	}
	r->pending = 1;                 /* held while the requests start */
	if (rc != SIP_OK) {
		r->n = 1;
		memset(r->slot, 0, sizeof *r->slot);
		r->slot[0].r = r;
		r->slot[0].id = null_id;
		r->slot[0].answer = true;
		slot_error(&r->slot[0], PROXY_RPC_PARSE_ERROR, "Parse error");
	} else if (root->type == SIP_JSON_ARRAY && (!root->n || root->n > PROXY_RPC_BATCH_MAX)) {
		r->n = 1;
		memset(r->slot, 0, sizeof *r->slot);
		r->slot[0].r = r;
		r->slot[0].id = null_id;
		r->slot[0].answer = true;
		slot_error(&r->slot[0], PROXY_RPC_INVALID_REQUEST, root->n ? "Invalid Request: batch too large"
									    : "Invalid Request: empty batch");
	} else {
		r->batch = root->type == SIP_JSON_ARRAY;
		const sip_json *e = r->batch ? root->child : root;
		r->n = r->batch ? root->n : 1;
		for (unsigned i = 0; i < r->n; i++, e = e->next) {
			memset(&r->slot[i], 0, sizeof r->slot[i]);
			r->slot[i].r = r;
			slot_run(&r->slot[i], e);
		}
	}
	if (--r->pending == 0) {
		rpc_done(r);
		return SIP_OK;
	}
	*pending = r;
	return SIP_OK;
}

void proxy_rpc_cancel(proxy_rpc_req *r)
{
	if (r)
		r->fn = NULL;
}
