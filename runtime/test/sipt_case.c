/* Running one case of a test file (sipcc-test(5)): its data into a fresh
 * database, its steps (requests of a caller, answers of a callee) through
 * the proxy, what came out against what the case expects. */
#include <ctype.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "core/arena.h"
#include "core/status.h"
#include "db/db.h"
#include "proxy/proxy.h"
#include "test/sipt.h"
#include "test/sipt_case.h"
#include "uac/uac.h"

/* ---- YAML ---- */

static yaml_node_t *y_get(yaml_document_t *d, yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(d, p->key);
		if (k && k->type == YAML_SCALAR_NODE && strcmp((char *)k->data.scalar.value, key) == 0)
			return yaml_document_get_node(d, p->value);
	}
	return NULL;
}

static const char *y_str(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int y_line(yaml_node_t *n)
{
	return n ? (int)n->start_mark.line + 1 : 0;
}

static int y_len(yaml_node_t *n)
{
	if (n && n->type == YAML_SEQUENCE_NODE)
		return (int)(n->data.sequence.items.top - n->data.sequence.items.start);
	return 0;
}

static yaml_node_t *y_item(yaml_document_t *d, yaml_node_t *seq, int i)
{
	return yaml_document_get_node(d, seq->data.sequence.items.start[i]);
}

bool sipt_file_load(struct sipt_file *f, const char *path, char *why, size_t whysz)
{
	yaml_parser_t p;
	FILE *in = fopen(path, "rb");

	memset(f, 0, sizeof *f);
	f->path = path;
	if (!in) {
		snprintf(why, whysz, "%s: cannot read: %m", path);
		return false;
	}
	yaml_parser_initialize(&p);
	yaml_parser_set_input_file(&p, in);
	if (!yaml_parser_load(&p, &f->doc)) {
		snprintf(why, whysz, "%s:%zu:%zu: %s", path, p.problem_mark.line + 1,
			 p.problem_mark.column + 1, p.problem ? p.problem : "malformed YAML");
		yaml_parser_delete(&p);
		fclose(in);
		return false;
	}
	yaml_parser_delete(&p);
	fclose(in);
	f->root = yaml_document_get_root_node(&f->doc);
	f->cases = y_get(&f->doc, f->root, "cases");
	if (!f->root || f->root->type != YAML_MAPPING_NODE || !f->cases ||
	    f->cases->type != YAML_SEQUENCE_NODE) {
		snprintf(why, whysz, "%s:%d: a test file is a mapping with a list 'cases:'", path,
			 f->root ? y_line(f->root) : 1);
		yaml_document_delete(&f->doc);
		return false;
	}
	return true;
}

void sipt_file_free(struct sipt_file *f)
{
	yaml_document_delete(&f->doc);
}

int sipt_file_count(const struct sipt_file *f)
{
	return y_len(f->cases);
}

const char *sipt_case_name(const struct sipt_file *f, int i)
{
	static char buf[32];
	struct sipt_file *w = (struct sipt_file *)f;
	const char *n = y_str(y_get(&w->doc, y_item(&w->doc, w->cases, i), "name"));
	if (n)
		return n;
	snprintf(buf, sizeof buf, "case %d", i + 1);
	return buf;
}

int sipt_case_line(const struct sipt_file *f, int i)
{
	struct sipt_file *w = (struct sipt_file *)f;
	return y_line(y_item(&w->doc, w->cases, i));
}

bool sipt_case_applies(const struct sipt_file *f, int i, const char *policy)
{
	struct sipt_file *w = (struct sipt_file *)f;
	const char *only = y_str(y_get(&w->doc, y_item(&w->doc, w->cases, i), "only"));
	const char *dot = policy ? strrchr(policy, '.') : NULL;
	if (!only || !dot)
		return true;
	if (strcmp(only, "yaml") == 0)
		return strcmp(dot, ".yaml") == 0 || strcmp(dot, ".yml") == 0;
	return strcmp(dot + 1, only) == 0;
}

/* ---- the case ---- */

#define TC_STR 512

struct tc {
	struct sipt_file *f;
	yaml_document_t *d;
	yaml_node_t *node;
	FILE *out;
	int failed;             /* 1 a check failed, 2 the case is malformed */
	bool header;            /* the case's FAIL line is printed */
	int step;
	yaml_node_t *step_node;
	const char *step_what;
	char proxy_ip[64];
	int proxy_port;
	char ua_ip[64];
	int ua_port;
	char ua_proto[8];
	unsigned seq;
	unsigned cseq;
	size_t step_first;      /* the first message the step's checks look at */
	/* The caller's last request, for CANCEL. */
	char last_callid[128], last_branch[64], last_from[TC_STR], last_to[TC_STR],
	     last_ruri[TC_STR];
	unsigned last_cseq;
	/* The call the caller is in: from the 2xx it got to its INVITE. */
	bool dlg;
	char dlg_callid[128], dlg_from[TC_STR], dlg_to[TC_STR], dlg_target[TC_STR],
	     dlg_routes[2048];
	unsigned dlg_cseq;
	/* The data rows, for auth: subscriber passwords. */
	yaml_node_t *data[2];
	sip_arena arena;
	const char *db_path;
};

static void tc_head(struct tc *t)
{
	if (t->header)
		return;
	t->header = true;
	fprintf(t->out, "FAIL %s:%d: %s\n", t->f->path, y_line(t->node),
		y_str(y_get(t->d, t->node, "name")) ? y_str(y_get(t->d, t->node, "name")) : "(unnamed)");
}

static void tc_step_head(struct tc *t)
{
	static int shown = -1;
	tc_head(t);
	if (shown == t->step)
		return;
	shown = t->step;
	fprintf(t->out, "  step %d (%s), %s:%d:\n", t->step, t->step_what ? t->step_what : "",
		t->f->path, y_line(t->step_node));
}

/* A malformed case: the file's line and what is wrong. */
static void tc_bad(struct tc *t, yaml_node_t *at, const char *fmt, ...)
{
	va_list ap;
	tc_head(t);
	fprintf(t->out, "  %s:%d: error: ", t->f->path, y_line(at ? at : t->node));
	va_start(ap, fmt);
	vfprintf(t->out, fmt, ap);
	va_end(ap);
	fputc('\n', t->out);
	t->failed = 2;
}

/* A check that failed: what was expected, what came, and the statement
 * of the policy that decided it. */
static void tc_diff(struct tc *t, const char *what, const char *want, const char *got,
		    const char *site)
{
	tc_step_head(t);
	fprintf(t->out, "    %s:\n      expected: %s\n      got:      %s\n", what, want, got);
	if (site && *site)
		fprintf(t->out, "      decided at %s\n", site);
	if (!t->failed)
		t->failed = 1;
}

/* ---- messages ---- */

/* snprintf that may cut: the texts here are for messages and reports. */
static void tc_fmt(char *out, size_t sz, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out, sz, fmt, ap);
	va_end(ap);
}

static const char *const compact[][2] = {
	{ "f", "From" }, { "t", "To" }, { "i", "Call-ID" }, { "m", "Contact" },
	{ "v", "Via" }, { "l", "Content-Length" }, { "c", "Content-Type" },
	{ "k", "Supported" }, { "s", "Subject" }, { "e", "Content-Encoding" },
};

static bool hdr_name_is(const char *p, size_t n, const char *name)
{
	if (strlen(name) == n && strncasecmp(p, name, n) == 0)
		return true;
	for (size_t i = 0; i < sizeof compact / sizeof compact[0]; i++)
		if (strcasecmp(name, compact[i][1]) == 0 && n == 1 && tolower((unsigned char)*p) == compact[i][0][0])
			return true;
	return false;
}

/* The value of the nth header name of msg (0: first) into out; false
 * when there is none. Folded lines are not joined (we write none). */
static bool msg_hdr(const char *msg, const char *name, int nth, char *out, size_t outsz)
{
	const char *p = strstr(msg, "\r\n");
	while (p && p[2] && !(p[2] == '\r' && p[3] == '\n')) {
		const char *line = p + 2;
		const char *eol = strstr(line, "\r\n");
		if (!eol)
			eol = line + strlen(line);
		const char *colon = memchr(line, ':', (size_t)(eol - line));
		if (colon) {
			size_t n = (size_t)(colon - line);
			while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
				n--;
			if (hdr_name_is(line, n, name) && nth-- == 0) {
				const char *v = colon + 1;
				while (v < eol && (*v == ' ' || *v == '\t'))
					v++;
				snprintf(out, outsz, "%.*s", (int)(eol - v), v);
				return true;
			}
		}
		p = eol[0] ? eol : NULL;
	}
	return false;
}

static bool msg_is_reply(const char *msg)
{
	return strncmp(msg, "SIP/2.0 ", 8) == 0;
}

static int msg_status(const char *msg)
{
	return msg_is_reply(msg) ? atoi(msg + 8) : 0;
}

/* The first line without CRLF. */
static void msg_first_line(const char *msg, char *out, size_t sz)
{
	const char *e = strstr(msg, "\r\n");
	snprintf(out, sz, "%.*s", e ? (int)(e - msg) : (int)strlen(msg), msg);
}

/* The method of a request, or of the CSeq of a reply. */
static void msg_method(const char *msg, char *out, size_t sz)
{
	char cseq[128];
	if (msg_is_reply(msg)) {
		*out = '\0';
		if (msg_hdr(msg, "CSeq", 0, cseq, sizeof cseq)) {
			const char *sp = strchr(cseq, ' ');
			snprintf(out, sz, "%s", sp ? sp + 1 : "");
		}
		return;
	}
	const char *sp = strchr(msg, ' ');
	snprintf(out, sz, "%.*s", sp ? (int)(sp - msg) : 0, msg);
}

static void msg_ruri(const char *msg, char *out, size_t sz)
{
	const char *a = strchr(msg, ' ');
	const char *b = a ? strchr(a + 1, ' ') : NULL;
	snprintf(out, sz, "%.*s", a && b ? (int)(b - a - 1) : 0, a ? a + 1 : "");
}

/* "<uri>" for a bare URI; a name-addr as it is. */
static void naddr(const char *v, char *out, size_t sz)
{
	if (strchr(v, '<'))
		snprintf(out, sz, "%s", v);
	else
		tc_fmt(out, sz, "<%s>", v);
}

/* The URI inside <...>, or the value up to ';'. */
static void naddr_uri(const char *v, char *out, size_t sz)
{
	const char *lt = strchr(v, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	if (lt && gt) {
		snprintf(out, sz, "%.*s", (int)(gt - lt - 1), lt + 1);
		return;
	}
	const char *semi = strchr(v, ';');
	snprintf(out, sz, "%.*s", semi ? (int)(semi - v) : (int)strlen(v), v);
}

/* "IP:PORT" or "PROTO:IP:PORT" into ip, port (and proto). */
static bool parse_addr(const char *s, char *ip, size_t ipsz, int *port, char *proto, size_t psz)
{
	const char *first = strchr(s, ':');
	const char *last = strrchr(s, ':');
	if (!first)
		return false;
	if (first != last && proto && !strchr(s, '[') &&
	    (strncmp(s, "udp:", 4) == 0 || strncmp(s, "tcp:", 4) == 0 ||
	     strncmp(s, "tls:", 4) == 0 || strncmp(s, "ws:", 3) == 0 || strncmp(s, "wss:", 4) == 0)) {
		snprintf(proto, psz, "%.*s", (int)(first - s), s);
		s = first + 1;
	}
	last = strrchr(s, ':');
	if (!last || last == s)
		return false;
	snprintf(ip, ipsz, "%.*s", (int)(last - s), s);
	if (ip[0] == '[') {
		memmove(ip, ip + 1, strlen(ip));
		char *rb = strchr(ip, ']');
		if (rb)
			*rb = '\0';
	}
	*port = atoi(last + 1);
	return *port > 0 && *port < 65536;
}

/* ---- the data ---- */

/* Insert the rows of a data mapping: TABLE: [ { COLUMN: VALUE, ... } ]. */
static void tc_data_load(struct tc *t, db *dbh, yaml_node_t *data)
{
	if (!data)
		return;
	if (data->type != YAML_MAPPING_NODE) {
		tc_bad(t, data, "data: a mapping of table names to lists of rows");
		return;
	}
	for (yaml_node_pair_t *p = data->data.mapping.pairs.start; p < data->data.mapping.pairs.top; p++) {
		const char *table = y_str(yaml_document_get_node(t->d, p->key));
		yaml_node_t *rows = yaml_document_get_node(t->d, p->value);
		if (!table || !rows || rows->type != YAML_SEQUENCE_NODE) {
			tc_bad(t, rows, "data: '%s' must be a list of rows", table ? table : "?");
			return;
		}
		for (int i = 0; i < y_len(rows); i++) {
			yaml_node_t *row = y_item(t->d, rows, i);
			const char *cols[64], *vals[64];
			char expires[32];
			unsigned n = 0;
			bool has_expires = false;
			if (row->type != YAML_MAPPING_NODE) {
				tc_bad(t, row, "a row of '%s' is a mapping of columns to values", table);
				return;
			}
			for (yaml_node_pair_t *c = row->data.mapping.pairs.start;
			     c < row->data.mapping.pairs.top && n < 63; c++) {
				cols[n] = y_str(yaml_document_get_node(t->d, c->key));
				vals[n] = y_str(yaml_document_get_node(t->d, c->value));
				if (!cols[n] || !vals[n]) {
					tc_bad(t, row, "a row of '%s' has a value that is not a scalar", table);
					return;
				}
				has_expires |= strcmp(cols[n], "expires") == 0;
				n++;
			}
			/* A registration lasts an hour unless the row says. */
			if (strcmp(table, "location") == 0 && !has_expires) {
				snprintf(expires, sizeof expires, "%lld", (long long)time(NULL) + 3600);
				cols[n] = "expires";
				vals[n++] = expires;
			}
			char why[512];
			if (sipt_db_insert(dbh, table, n, cols, vals, why, sizeof why) != SIP_OK) {
				tc_bad(t, row, "cannot insert this row into '%s': %s", table, why);
				return;
			}
		}
	}
}

/* The password of subscriber who ("user" or "user@domain") in the case's
 * data; NULL when it has none. */
static const char *tc_password(struct tc *t, const char *who)
{
	char user[128], dom[128] = "";
	const char *at = strchr(who, '@');
	snprintf(user, sizeof user, "%.*s", at ? (int)(at - who) : (int)strlen(who), who);
	if (at)
		snprintf(dom, sizeof dom, "%s", at + 1);
	for (int k = 1; k >= 0; k--) {
		yaml_node_t *rows = y_get(t->d, t->data[k], "subscriber");
		for (int i = 0; i < y_len(rows); i++) {
			yaml_node_t *r = y_item(t->d, rows, i);
			const char *u = y_str(y_get(t->d, r, "username"));
			const char *dm = y_str(y_get(t->d, r, "domain"));
			if (u && strcmp(u, user) == 0 && (!*dom || (dm && strcasecmp(dm, dom) == 0)))
				return y_str(y_get(t->d, r, "password"));
		}
	}
	return NULL;
}

/* ---- the clock ---- */

static bool tc_time(struct tc *t, yaml_node_t *n)
{
	const char *s = y_str(n);
	struct tm tm;
	if (!n)
		return true;
	if (!s) {
		tc_bad(t, n, "time: \"YYYY-MM-DD HH:MM[:SS]\" (UTC) or seconds since the epoch");
		return false;
	}
	memset(&tm, 0, sizeof tm);
	char *end = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
	if (!end || *end) {
		memset(&tm, 0, sizeof tm);
		end = strptime(s, "%Y-%m-%d %H:%M", &tm);
	}
	if (end && !*end) {
		sipt_clock_set((int64_t)timegm(&tm));
		return true;
	}
	char *e;
	long long v = strtoll(s, &e, 10);
	if (*s && !*e && v > 0) {
		sipt_clock_set(v);
		return true;
	}
	tc_bad(t, n, "time: '%s' is not \"YYYY-MM-DD HH:MM[:SS]\" (UTC) nor seconds since the epoch", s);
	return false;
}

/* ---- sending ---- */

static void tc_deliver(struct tc *t, const char *msg, const char *ip, int port)
{
	sipt_deliver(msg, strlen(msg), ip, port);
	sipt_run();
}

/* Append the headers of a "headers:" node (a mapping, a value or a list
 * of values per name; or a list of "Name: value" lines) to m. */
static void tc_put_headers(struct tc *t, FILE *m, yaml_node_t *h)
{
	if (!h)
		return;
	if (h->type == YAML_SEQUENCE_NODE) {
		for (int i = 0; i < y_len(h); i++) {
			const char *line = y_str(y_item(t->d, h, i));
			if (line)
				fprintf(m, "%s\r\n", line);
		}
		return;
	}
	if (h->type != YAML_MAPPING_NODE) {
		tc_bad(t, h, "headers: a mapping of names to values");
		return;
	}
	for (yaml_node_pair_t *p = h->data.mapping.pairs.start; p < h->data.mapping.pairs.top; p++) {
		const char *name = y_str(yaml_document_get_node(t->d, p->key));
		yaml_node_t *v = yaml_document_get_node(t->d, p->value);
		if (v && v->type == YAML_SEQUENCE_NODE) {
			for (int i = 0; i < y_len(v); i++)
				fprintf(m, "%s: %s\r\n", name, y_str(y_item(t->d, v, i)) ? y_str(y_item(t->d, v, i)) : "");
		} else {
			fprintf(m, "%s: %s\r\n", name, y_str(v) ? y_str(v) : "");
		}
	}
}

/* Text with LF line ends gets CRLF ones. */
static char *crlf(const char *s)
{
	size_t n = strlen(s);
	char *o = malloc(2 * n + 5), *w = o;
	if (!o)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			*w++ = '\r';
		*w++ = s[i];
	}
	*w = '\0';
	return o;
}

/* Build the request of a send: mapping, with auth_line (may be NULL) and
 * the CSeq number cseq. In dialog (dialog: true) the call's identities,
 * target and route set are used. Returns malloc'd text. */
static char *tc_request(struct tc *t, yaml_node_t *s, const char *auth_line, unsigned cseq,
			bool fresh)
{
	const char *raw = y_str(y_get(t->d, s, "raw"));
	if (raw)
		return crlf(raw);
	const char *method = y_str(y_get(t->d, s, "method"));
	const char *ruri = y_str(y_get(t->d, s, "ruri"));
	const char *from = y_str(y_get(t->d, s, "from"));
	const char *to = y_str(y_get(t->d, s, "to"));
	const char *contact = y_str(y_get(t->d, s, "contact"));
	const char *body = y_str(y_get(t->d, s, "body"));
	const char *ctype = y_str(y_get(t->d, s, "content_type"));
	const char *callid = y_str(y_get(t->d, s, "call_id"));
	const char *maxfwd = y_str(y_get(t->d, s, "max_forwards"));
	const char *dialog = y_str(y_get(t->d, s, "dialog"));
	bool in_dlg = dialog && strcmp(dialog, "true") == 0;
	char fbuf[TC_STR], tbuf[TC_STR], branch[64], cid[128], ru[TC_STR];
	bool cancel = method && strcmp(method, "CANCEL") == 0;
	char *text = NULL;
	size_t len = 0;

	if (!method) {
		tc_bad(t, s, "send: needs 'method' (or 'raw', a whole message)");
		return NULL;
	}
	if (in_dlg && !t->dlg) {
		tc_bad(t, s, "send: dialog: true, but no call was answered with a 2xx yet");
		return NULL;
	}
	if (cancel && !t->last_callid[0]) {
		tc_bad(t, s, "send: CANCEL, but no request to cancel was sent yet");
		return NULL;
	}
	if (!in_dlg && !cancel && !ruri && !to) {
		tc_bad(t, s, "send: needs 'ruri' or 'to'");
		return NULL;
	}
	FILE *m = open_memstream(&text, &len);
	if (!m)
		abort();
	if (cancel) {
		snprintf(ru, sizeof ru, "%s", t->last_ruri);
		snprintf(branch, sizeof branch, "%s", t->last_branch);
		snprintf(cid, sizeof cid, "%s", t->last_callid);
		snprintf(fbuf, sizeof fbuf, "%s", t->last_from);
		snprintf(tbuf, sizeof tbuf, "%s", t->last_to);
		cseq = t->last_cseq;
	} else if (in_dlg) {
		snprintf(ru, sizeof ru, "%s", t->dlg_target);
		snprintf(branch, sizeof branch, "z9hG4bK-sipt-%u", ++t->seq);
		snprintf(cid, sizeof cid, "%s", t->dlg_callid);
		snprintf(fbuf, sizeof fbuf, "%s", t->dlg_from);
		snprintf(tbuf, sizeof tbuf, "%s", t->dlg_to);
		if (strcmp(method, "ACK") == 0)
			cseq = t->dlg_cseq;
		else
			cseq = ++t->dlg_cseq;
	} else {
		snprintf(ru, sizeof ru, "%s", ruri ? ruri : "");
		if (!ruri)
			naddr_uri(to, ru, sizeof ru);
		snprintf(branch, sizeof branch, "z9hG4bK-sipt-%u", ++t->seq);
		if (callid)
			snprintf(cid, sizeof cid, "%s", callid);
		else if (fresh || !t->last_callid[0])
			snprintf(cid, sizeof cid, "sipt-%u-%d@%s", t->seq, (int)getpid(), t->ua_ip);
		else
			snprintf(cid, sizeof cid, "%s", t->last_callid);
		char a[TC_STR];
		naddr(from ? from : "sip:caller@example.net", a, sizeof a);
		if (fresh || !strstr(t->last_from, a))
			tc_fmt(fbuf, sizeof fbuf, "%s;tag=sipt-%u", a, t->seq);
		else
			snprintf(fbuf, sizeof fbuf, "%s", t->last_from);
		/* A REGISTER's To is its address of record: the From's. */
		if (!to && strcmp(method, "REGISTER") == 0)
			naddr(from ? from : "sip:caller@example.net", tbuf, sizeof tbuf);
		else
			naddr(to ? to : ru, tbuf, sizeof tbuf);
	}
	char proto[8];
	snprintf(proto, sizeof proto, "%s", t->ua_proto);
	for (char *p = proto; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	fprintf(m, "%s %s SIP/2.0\r\n", method, ru);
	fprintf(m, "Via: SIP/2.0/%s %s:%d;branch=%s;rport\r\n", proto, t->ua_ip, t->ua_port, branch);
	fprintf(m, "Max-Forwards: %s\r\n", maxfwd ? maxfwd : "70");
	if (in_dlg && t->dlg_routes[0])
		fprintf(m, "Route: %s\r\n", t->dlg_routes);
	fprintf(m, "From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %u %s\r\n", fbuf, tbuf, cid, cseq,
		cancel ? "CANCEL" : method);
	if (contact) {
		char c[TC_STR];
		naddr(contact, c, sizeof c);
		fprintf(m, "Contact: %s\r\n", c);
	} else if (!cancel && (strcmp(method, "INVITE") == 0 || strcmp(method, "REGISTER") == 0 ||
			       strcmp(method, "SUBSCRIBE") == 0)) {
		char u[TC_STR], user[128] = "ua";
		naddr_uri(fbuf, u, sizeof u);
		const char *c = strchr(u, ':'), *at = c ? strchr(c, '@') : NULL;
		if (c && at)
			snprintf(user, sizeof user, "%.*s", (int)(at - c - 1), c + 1);
		fprintf(m, "Contact: <sip:%s@%s:%d>\r\n", user, t->ua_ip, t->ua_port);
	}
	if (auth_line)
		fputs(auth_line, m);
	tc_put_headers(t, m, y_get(t->d, s, "headers"));
	if (body) {
		char *b = crlf(body);
		fprintf(m, "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n%s",
			ctype ? ctype : "application/sdp", strlen(b), b);
		free(b);
	} else {
		fputs("Content-Length: 0\r\n\r\n", m);
	}
	fclose(m);
	if (!cancel && !in_dlg) {
		snprintf(t->last_callid, sizeof t->last_callid, "%s", cid);
		snprintf(t->last_branch, sizeof t->last_branch, "%s", branch);
		snprintf(t->last_from, sizeof t->last_from, "%s", fbuf);
		snprintf(t->last_to, sizeof t->last_to, "%s", tbuf);
		snprintf(t->last_ruri, sizeof t->last_ruri, "%s", ru);
		t->last_cseq = cseq;
	}
	return text;
}

/* Whether o repeats a message sent before to the same place (timers A,
 * E and G: a retransmission). */
static bool tc_retrans(const struct sipt_out *o)
{
	for (size_t i = 0; i < sipt_out_count() && sipt_out_get(i) != o; i++) {
		const struct sipt_out *e = sipt_out_get(i);
		if (e->len == o->len && strcmp(e->dst, o->dst) == 0 &&
		    memcmp(e->text, o->text, o->len) == 0)
			return true;
	}
	return false;
}

/* The last reply the proxy sent since message first, 100 Trying left out
 * unless with100; NULL when none. */
static const struct sipt_out *tc_last_reply(size_t first, bool with100)
{
	const struct sipt_out *r = NULL;
	for (size_t i = first; i < sipt_out_count(); i++) {
		const struct sipt_out *o = sipt_out_get(i);
		if (msg_is_reply(o->text) && (with100 || msg_status(o->text) != 100) &&
		    !tc_retrans(o))
			r = o;
	}
	return r;
}

/* The caller's ACK to a negative final reply of its INVITE, as a phone
 * sends it (RFC 3261 §17.1.1.3): same branch, the reply's To. */
static void tc_ack_negative(struct tc *t, const char *reply)
{
	char to[TC_STR], cid[128], *msg = NULL;
	size_t len;
	if (!msg_hdr(reply, "To", 0, to, sizeof to) || !msg_hdr(reply, "Call-ID", 0, cid, sizeof cid))
		return;
	FILE *m = open_memstream(&msg, &len);
	if (!m)
		abort();
	fprintf(m, "ACK %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%d;branch=%s;rport\r\nMax-Forwards: 70\r\n"
		   "From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %u ACK\r\nContent-Length: 0\r\n\r\n",
		t->last_ruri, t->ua_ip, t->ua_port, t->last_branch, t->last_from, to, cid, t->last_cseq);
	fclose(m);
	tc_deliver(t, msg, t->ua_ip, t->ua_port);
	free(msg);
}

/* Send the request of a step; with auth, answer a 401/407 with the
 * subscriber's credentials and send it again (the checks then look at
 * what the second one brought). */
static void tc_send(struct tc *t, yaml_node_t *step, yaml_node_t *s)
{
	const char *auth = y_str(y_get(t->d, step, "auth"));
	yaml_node_t *cred = y_get(t->d, step, "credentials");
	const char *src = y_str(y_get(t->d, s, "source"));
	const char *user = NULL, *pass = NULL;
	char ip[64], proto[8] = "";
	int port;

	if (src) {
		if (!parse_addr(src, ip, sizeof ip, &port, proto, sizeof proto)) {
			tc_bad(t, s, "source: '%s' is not [PROTO:]IP:PORT", src);
			return;
		}
		snprintf(t->ua_ip, sizeof t->ua_ip, "%s", ip);
		t->ua_port = port;
		if (*proto)
			snprintf(t->ua_proto, sizeof t->ua_proto, "%s", proto);
	}
	if (auth) {
		user = auth;
		pass = tc_password(t, auth);
		if (!pass) {
			tc_bad(t, step, "auth: no subscriber '%s' with a password in the case's data", auth);
			return;
		}
	} else if (cred) {
		user = y_str(y_get(t->d, cred, "username"));
		pass = y_str(y_get(t->d, cred, "password"));
		if (!user || !pass) {
			tc_bad(t, cred, "credentials: needs username and password");
			return;
		}
	}
	char *msg = tc_request(t, s, NULL, ++t->cseq, true);
	if (!msg)
		return;
	char method[32];
	msg_method(msg, method, sizeof method);
	t->step_first = sipt_out_count();
	tc_deliver(t, msg, t->ua_ip, t->ua_port);
	free(msg);
	if (!user)
		return;
	const struct sipt_out *r = tc_last_reply(t->step_first, false);
	int st = r ? msg_status(r->text) : 0;
	if (st != 401 && st != 407)
		return;         /* not challenged: the checks say whether it should have been */
	char chal[1024], ruri[TC_STR];
	struct uac_chal c;
	if (!msg_hdr(r->text, st == 401 ? "WWW-Authenticate" : "Proxy-Authenticate", 0, chal, sizeof chal) ||
	    !uac_chal_parse(sip_str_make(chal, strlen(chal)), &c)) {
		tc_diff(t, "a digest challenge", "WWW-Authenticate or Proxy-Authenticate", r->text, r->site);
		return;
	}
	if (strcmp(method, "INVITE") == 0)
		tc_ack_negative(t, r->text);
	const char *uname = user;
	char ubuf[128];
	const char *at = strchr(user, '@');
	if (at) {
		snprintf(ubuf, sizeof ubuf, "%.*s", (int)(at - user), user);
		uname = ubuf;
	}
	snprintf(ruri, sizeof ruri, "%s", t->last_ruri);
	char cn[32];
	snprintf(cn, sizeof cn, "sipt%u", t->seq);
	sip_str line = uac_auth_line(&t->arena, st == 407, &c, sip_str_make(uname, strlen(uname)),
				     sip_str_make(pass, strlen(pass)), sip_str_make(method, strlen(method)),
				     sip_str_make(ruri, strlen(ruri)), sip_str_make(cn, strlen(cn)));
	char *auth_line = strndup(line.s, line.len);
	msg = tc_request(t, s, auth_line, ++t->cseq, false);
	free(auth_line);
	if (!msg)
		return;
	t->step_first = sipt_out_count();
	tc_deliver(t, msg, t->ua_ip, t->ua_port);
	free(msg);
}

/* The request the proxy relayed last, to dst when given: of method
 * when given, else neither an ACK nor a CANCEL (a callee's 487 answers
 * the INVITE); NULL when none. */
static const struct sipt_out *tc_last_relay(const char *dst, const char *want)
{
	const struct sipt_out *r = NULL;
	char method[32];
	for (size_t i = 0; i < sipt_out_count(); i++) {
		const struct sipt_out *o = sipt_out_get(i);
		if (msg_is_reply(o->text))
			continue;
		msg_method(o->text, method, sizeof method);
		if (want ? strcmp(method, want) != 0 :
		    strcmp(method, "ACK") == 0 || strcmp(method, "CANCEL") == 0)
			continue;
		if (!dst || strcmp(o->dst, dst) == 0)
			r = o;
	}
	return r;
}

/* The callee answers a request the proxy relayed: status with the
 * request's Vias, From, To (with a tag), Call-ID, CSeq and Record-Route. */
static void tc_answer(struct tc *t, yaml_node_t *a)
{
	const char *to = NULL, *reason = NULL, *body = NULL, *contact = NULL, *method = NULL;
	int status;
	if (a->type == YAML_SCALAR_NODE) {
		status = atoi(y_str(a));
	} else {
		status = y_str(y_get(t->d, a, "status")) ? atoi(y_str(y_get(t->d, a, "status"))) : 0;
		to = y_str(y_get(t->d, a, "to"));
		reason = y_str(y_get(t->d, a, "reason"));
		body = y_str(y_get(t->d, a, "body"));
		contact = y_str(y_get(t->d, a, "contact"));
		method = y_str(y_get(t->d, a, "method"));
	}
	if (status < 100 || status > 699) {
		tc_bad(t, a, "answer: a status from 100 to 699 (or status:, to:, reason:, headers:, body:)");
		return;
	}
	const struct sipt_out *rq = tc_last_relay(to, method);
	if (!rq) {
		tc_diff(t, "a request relayed to answer", to ? to : "any", "none was relayed",
			sipt_site_last());
		return;
	}
	static const char *const reasons[][2] = {
		{ "100", "Trying" }, { "180", "Ringing" }, { "183", "Session Progress" },
		{ "200", "OK" }, { "302", "Moved Temporarily" }, { "404", "Not Found" },
		{ "408", "Request Timeout" }, { "480", "Temporarily Unavailable" },
		{ "486", "Busy Here" }, { "487", "Request Terminated" }, { "500", "Server Internal Error" },
		{ "503", "Service Unavailable" }, { "600", "Busy Everywhere" }, { "603", "Decline" },
	};
	char code[8];
	snprintf(code, sizeof code, "%d", status);
	for (size_t i = 0; !reason && i < sizeof reasons / sizeof reasons[0]; i++)
		if (strcmp(reasons[i][0], code) == 0)
			reason = reasons[i][1];
	char *text = NULL, v[2048], tov[TC_STR];
	size_t len;
	FILE *m = open_memstream(&text, &len);
	if (!m)
		abort();
	fprintf(m, "SIP/2.0 %d %s\r\n", status, reason ? reason : "Answer");
	for (int i = 0; msg_hdr(rq->text, "Via", i, v, sizeof v); i++)
		fprintf(m, "Via: %s\r\n", v);
	if (msg_hdr(rq->text, "From", 0, v, sizeof v))
		fprintf(m, "From: %s\r\n", v);
	/* One tag per callee (a fork's branches are different dialogs). */
	char tag[96];
	tc_fmt(tag, sizeof tag, ";tag=callee-%s-%d", rq->dst_ip, rq->dst_port);
	for (char *c = tag; *c; c++)
		if (*c == '.' || *c == ':')
			*c = '-';
	if (msg_hdr(rq->text, "To", 0, tov, sizeof tov))
		fprintf(m, "To: %s%s\r\n", tov, strstr(tov, "tag=") || status == 100 ? "" : tag);
	if (msg_hdr(rq->text, "Call-ID", 0, v, sizeof v))
		fprintf(m, "Call-ID: %s\r\n", v);
	if (msg_hdr(rq->text, "CSeq", 0, v, sizeof v))
		fprintf(m, "CSeq: %s\r\n", v);
	if (status > 100 && status < 300) {
		for (int i = 0; msg_hdr(rq->text, "Record-Route", i, v, sizeof v); i++)
			fprintf(m, "Record-Route: %s\r\n", v);
		if (contact) {
			naddr(contact, v, sizeof v);
			fprintf(m, "Contact: %s\r\n", v);
		} else {
			fprintf(m, "Contact: <sip:callee@%s>\r\n", rq->dst);
		}
	}
	if (a->type == YAML_MAPPING_NODE)
		tc_put_headers(t, m, y_get(t->d, a, "headers"));
	if (body) {
		char *b = crlf(body);
		fprintf(m, "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s", strlen(b), b);
		free(b);
	} else {
		fputs("Content-Length: 0\r\n\r\n", m);
	}
	fclose(m);
	t->step_first = sipt_out_count();
	tc_deliver(t, text, rq->dst_ip, rq->dst_port);
	free(text);
}

/* A 2xx to the caller's INVITE starts its call: identities, target,
 * route set (the Record-Route reversed, RFC 3261 §12.1.2). */
static void tc_dialog_learn(struct tc *t)
{
	for (size_t i = t->step_first; i < sipt_out_count(); i++) {
		const struct sipt_out *o = sipt_out_get(i);
		char method[32], v[TC_STR], rr[16][TC_STR];
		int st = msg_status(o->text), n = 0;
		msg_method(o->text, method, sizeof method);
		if (st < 200 || st > 299 || strcmp(method, "INVITE") != 0)
			continue;
		if (strcmp(o->dst_ip, t->ua_ip) != 0 || o->dst_port != t->ua_port)
			continue;
		t->dlg = true;
		msg_hdr(o->text, "Call-ID", 0, t->dlg_callid, sizeof t->dlg_callid);
		msg_hdr(o->text, "From", 0, t->dlg_from, sizeof t->dlg_from);
		msg_hdr(o->text, "To", 0, t->dlg_to, sizeof t->dlg_to);
		if (msg_hdr(o->text, "Contact", 0, v, sizeof v))
			naddr_uri(v, t->dlg_target, sizeof t->dlg_target);
		if (msg_hdr(o->text, "CSeq", 0, v, sizeof v))
			t->dlg_cseq = (unsigned)atoi(v);
		while (n < 16 && msg_hdr(o->text, "Record-Route", n, rr[n], sizeof rr[n]))
			n++;
		t->dlg_routes[0] = '\0';
		for (int k = n - 1; k >= 0; k--) {
			size_t l = strlen(t->dlg_routes);
			snprintf(t->dlg_routes + l, sizeof t->dlg_routes - l, "%s%s",
				 k == n - 1 ? "" : ", ", rr[k]);
		}
	}
}

/* ---- checks ---- */

static bool tc_hop_ack(struct tc *t, const struct sipt_out *o);

static void tc_check_headers(struct tc *t, const char *what, const struct sipt_out *o,
			     yaml_node_t *h, yaml_node_t *absent)
{
	char v[4096], desc[256];
	if (h && h->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = h->data.mapping.pairs.start; p < h->data.mapping.pairs.top; p++) {
			const char *name = y_str(yaml_document_get_node(t->d, p->key));
			const char *want = y_str(yaml_document_get_node(t->d, p->value));
			bool found = false, any = false;
			char first[4096] = "";
			for (int i = 0; name && msg_hdr(o->text, name, i, v, sizeof v); i++) {
				if (!any)
					tc_fmt(first, sizeof first, "%s: %s", name, v);
				any = true;
				if (!want || strstr(v, want))
					found = true;
			}
			if (!found) {
				snprintf(desc, sizeof desc, "%s header %s", what, name ? name : "?");
				char w[1024];
				snprintf(w, sizeof w, "%s: containing \"%s\"", name ? name : "?", want ? want : "");
				tc_diff(t, desc, w, any ? first : "no such header", o->site);
			}
		}
	}
	for (int i = 0; i < y_len(absent); i++) {
		const char *name = y_str(y_item(t->d, absent, i));
		if (name && msg_hdr(o->text, name, 0, v, sizeof v)) {
			char g[4096];
			snprintf(desc, sizeof desc, "%s header %s", what, name);
			tc_fmt(g, sizeof g, "%s: %s", name, v);
			tc_diff(t, desc, "absent", g, o->site);
		}
	}
}

/* What the step sent, one line, for a diff's "got". */
static void tc_got(struct tc *t, char *out, size_t sz)
{
	size_t l = 0;
	*out = '\0';
	for (size_t i = t->step_first; i < sipt_out_count() && l + 1 < sz; i++) {
		const struct sipt_out *o = sipt_out_get(i);
		char fl[256];
		msg_first_line(o->text, fl, sizeof fl);
		if (msg_is_reply(o->text) && msg_status(o->text) == 100)
			continue;
		l += (size_t)snprintf(out + l, sz - l, "%s%s to %s", l ? "; " : "", fl, o->dst);
	}
	if (!*out)
		snprintf(out, sz, "nothing sent");
}

/* The statement that decided what the step sent: that of its last
 * message (100 Trying left out), else the last one reached. */
static const char *tc_step_site(struct tc *t)
{
	const char *site = NULL;
	for (size_t i = t->step_first; i < sipt_out_count(); i++) {
		const struct sipt_out *o = sipt_out_get(i);
		if (msg_status(o->text) != 100)
			site = o->site;
	}
	return site ? site : sipt_site_last();
}

static void tc_check_reply(struct tc *t, yaml_node_t *e)
{
	int want = atoi(y_str(e) ? y_str(e) : y_str(y_get(t->d, e, "status")) ? y_str(y_get(t->d, e, "status")) : "0");
	const char *reason = y_str(y_get(t->d, e, "reason"));
	const struct sipt_out *r = tc_last_reply(t->step_first, want == 100);
	char w[256], g[1024];
	if (!r) {
		snprintf(w, sizeof w, "%d%s%s", want, reason ? " " : "", reason ? reason : "");
		tc_got(t, g, sizeof g);
		tc_diff(t, "reply", w, g, tc_step_site(t));
		return;
	}
	msg_first_line(r->text, g, sizeof g);
	const char *rs = strlen(g) > 12 ? g + 12 : "";  /* "SIP/2.0 NNN " */
	if ((want && msg_status(r->text) != want) || (reason && strcmp(rs, reason) != 0)) {
		snprintf(w, sizeof w, "%d%s%s", want ? want : msg_status(r->text), reason ? " " : "",
			 reason ? reason : "");
		tc_diff(t, "reply", w, g + 8, r->site);
		return;
	}
	if (e->type == YAML_MAPPING_NODE)
		tc_check_headers(t, "reply", r, y_get(t->d, e, "headers"), y_get(t->d, e, "absent"));
}

static void tc_check_one_relay(struct tc *t, yaml_node_t *e, const struct sipt_out *o, int n)
{
	char what[64], g[TC_STR], method[32];
	const char *to = y_str(y_get(t->d, e, "to"));
	const char *ruri = y_str(y_get(t->d, e, "ruri"));
	const char *want_m = y_str(y_get(t->d, e, "method"));
	snprintf(what, sizeof what, n ? "relay (branch %d)" : "relay", n);
	if (to && strcmp(o->dst, to) != 0) {
		char d[128];
		snprintf(d, sizeof d, "%s destination", what);
		tc_diff(t, d, to, o->dst, o->site);
	}
	msg_ruri(o->text, g, sizeof g);
	if (ruri && strcmp(g, ruri) != 0) {
		char d[128];
		snprintf(d, sizeof d, "%s Request-URI", what);
		tc_diff(t, d, ruri, g, o->site);
	}
	msg_method(o->text, method, sizeof method);
	if (want_m && strcmp(method, want_m) != 0) {
		char d[128];
		snprintf(d, sizeof d, "%s method", what);
		tc_diff(t, d, want_m, method, o->site);
	}
	tc_check_headers(t, what, o, y_get(t->d, e, "headers"), y_get(t->d, e, "absent"));
}

/* Whether o passes the checks of e, reporting nothing. */
static bool tc_relay_matches(struct tc *t, yaml_node_t *e, const struct sipt_out *o)
{
	char g[TC_STR], v[4096];
	const char *to = y_str(y_get(t->d, e, "to"));
	const char *ruri = y_str(y_get(t->d, e, "ruri"));
	const char *want_m = y_str(y_get(t->d, e, "method"));
	yaml_node_t *h = y_get(t->d, e, "headers"), *absent = y_get(t->d, e, "absent");
	if (to && strcmp(o->dst, to) != 0)
		return false;
	msg_ruri(o->text, g, sizeof g);
	if (ruri && strcmp(g, ruri) != 0)
		return false;
	msg_method(o->text, g, sizeof g);
	if (want_m && strcmp(g, want_m) != 0)
		return false;
	if (h && h->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = h->data.mapping.pairs.start; p < h->data.mapping.pairs.top; p++) {
			const char *name = y_str(yaml_document_get_node(t->d, p->key));
			const char *want = y_str(yaml_document_get_node(t->d, p->value));
			bool found = false;
			for (int i = 0; name && !found && msg_hdr(o->text, name, i, v, sizeof v); i++)
				found = !want || strstr(v, want);
			if (!found)
				return false;
		}
	}
	for (int i = 0; i < y_len(absent); i++) {
		const char *name = y_str(y_item(t->d, absent, i));
		if (name && msg_hdr(o->text, name, 0, v, sizeof v))
			return false;
	}
	return true;
}

static void tc_check_relay(struct tc *t, yaml_node_t *e)
{
	const struct sipt_out *rel[32];
	int n = 0;
	for (size_t i = t->step_first; i < sipt_out_count() && n < 32; i++) {
		const struct sipt_out *o = sipt_out_get(i);
		if (msg_is_reply(o->text))
			continue;
		/* The hop-by-hop ACK of a negative reply is the proxy's own. */
		if (tc_hop_ack(t, o))
			continue;
		rel[n++] = o;
	}
	bool list = e->type == YAML_SEQUENCE_NODE;
	int want = list ? y_len(e) : 1;
	if (n == 0 || (list && n != want)) {
		char w[64], g[1024];
		snprintf(w, sizeof w, "%d request%s relayed", want, want == 1 ? "" : "s");
		tc_got(t, g, sizeof g);
		tc_diff(t, "relay", w, g, tc_step_site(t));
		return;
	}
	if (!list) {
		tc_check_one_relay(t, e, rel[n - 1], 0);
		return;
	}
	/* The branches of a fork, in any order: each expected one takes a
	 * request it matches; one that matches none is shown against the
	 * first request left. */
	bool used[32] = { false }, ok[32] = { false };
	for (int i = 0; i < want; i++)
		for (int k = 0; k < n && !ok[i]; k++)
			if (!used[k] && tc_relay_matches(t, y_item(t->d, e, i), rel[k]))
				used[k] = ok[i] = true;
	for (int i = 0; i < want; i++) {
		if (ok[i])
			continue;
		int k = 0;
		while (k < n - 1 && used[k])
			k++;
		used[k] = true;
		tc_check_one_relay(t, y_item(t->d, e, i), rel[k], i + 1);
	}
}

/* db: { TABLE: COUNT } or { TABLE: [ { COLUMN: VALUE } ] }: the rows the
 * proxy wrote (accounting, registrations). A list: each row given matches
 * a row of the table (its columns compared as text). */
static void tc_check_db(struct tc *t, yaml_node_t *e)
{
	char url[4200];
	db *d;
	snprintf(url, sizeof url, "sqlite:%s", t->db_path);
	if (e->type != YAML_MAPPING_NODE || db_open(url, &d) != SIP_OK) {
		tc_bad(t, e, "db: a mapping of tables to a row count or a list of rows");
		return;
	}
	for (yaml_node_pair_t *p = e->data.mapping.pairs.start; p < e->data.mapping.pairs.top; p++) {
		const char *table = y_str(yaml_document_get_node(t->d, p->key));
		yaml_node_t *v = yaml_document_get_node(t->d, p->value);
		char sql[512], w[1024], g[4096];
		bool ok = table && *table;
		for (const char *c = table; ok && *c; c++)
			ok = *c == '_' || isalnum((unsigned char)*c);
		if (!ok) {
			tc_bad(t, v, "db: '%s' is not a table name", table ? table : "?");
			continue;
		}
		snprintf(sql, sizeof sql, "SELECT * FROM %s", table);
		db_stmt *st;
		if (db_prepare_sql(d, sql, &st) != SIP_OK) {
			tc_bad(t, v, "db: cannot read table '%s'", table);
			continue;
		}
		int nrows = 0;
		int rc;
		while ((rc = db_step(st)) == DB_ROW)
			nrows++;
		if (rc != SIP_OK && rc != DB_ROW) {
			tc_bad(t, v, "db: cannot read table '%s': %s", table, db_error(d));
			db_finalize(st);
			continue;
		}
		if (y_str(v)) {
			if (nrows != atoi(y_str(v))) {
				snprintf(w, sizeof w, "%s rows: %s", table, y_str(v));
				snprintf(g, sizeof g, "%s rows: %d", table, nrows);
				tc_diff(t, "database", w, g, NULL);
			}
		} else if (v->type == YAML_SEQUENCE_NODE) {
			/* Each row given: a count of the rows with those values. */
			for (int i = 0; i < y_len(v); i++) {
				yaml_node_t *want = y_item(t->d, v, i);
				size_t l = 0;
				char cond[2048];
				cond[0] = '\0';
				int ncond = 0;
				const char *vals[32];
				for (yaml_node_pair_t *c = want->type == YAML_MAPPING_NODE ? want->data.mapping.pairs.start : NULL;
				     c && c < want->data.mapping.pairs.top && ncond < 32; c++) {
					const char *col = y_str(yaml_document_get_node(t->d, c->key));
					bool idok = col && *col;
					for (const char *q = col; idok && *q; q++)
						idok = *q == '_' || isalnum((unsigned char)*q);
					if (!idok)
						continue;
					vals[ncond] = y_str(yaml_document_get_node(t->d, c->value));
					if (!vals[ncond])
						vals[ncond] = "";
					l += (size_t)snprintf(cond + l, sizeof cond - l, "%sCAST(%s AS TEXT) = $%d",
							      ncond ? " AND " : "", col, ncond + 1);
					ncond++;
				}
				char q[2600];
				snprintf(q, sizeof q, "SELECT COUNT(*) FROM %s%s%s", table, ncond ? " WHERE " : "", cond);
				db_stmt *qs;
				int64_t cnt = -1;
				if (db_prepare_sql(d, q, &qs) == SIP_OK) {
					for (int k = 0; k < ncond; k++)
						db_bind_text(qs, k + 1, sip_str_make(vals[k], strlen(vals[k])));
					if (db_step(qs) == DB_ROW)
						cnt = db_column_int(qs, 0);
					db_finalize(qs);
				}
				if (cnt <= 0) {
					l = 0;
					for (yaml_node_pair_t *c = want->type == YAML_MAPPING_NODE ? want->data.mapping.pairs.start : NULL;
					     c && c < want->data.mapping.pairs.top; c++)
						l += (size_t)snprintf(w + l, sizeof w - l, "%s%s=%s", l ? ", " : "",
								      y_str(yaml_document_get_node(t->d, c->key)),
								      y_str(yaml_document_get_node(t->d, c->value)));
					char ww[1100];
					snprintf(ww, sizeof ww, "a row of %s with %s", table, w);
					snprintf(g, sizeof g, cnt < 0 ? "cannot query %s (unknown column?)" : "%s has %d rows, none with these values", table, nrows);
					tc_diff(t, "database", ww, g, NULL);
				}
			}
		} else {
			tc_bad(t, v, "db: '%s' takes a row count or a list of rows", table);
		}
		db_finalize(st);
	}
	db_close(d);
}

/* The step's last message but 100 Trying: the one whose deciding
 * statement's AVPs and flags the checks look at. */
static const struct sipt_out *tc_step_last(struct tc *t)
{
	const struct sipt_out *r = NULL;
	for (size_t i = t->step_first; i < sipt_out_count(); i++)
		if (msg_status(sipt_out_get(i)->text) != 100)
			r = sipt_out_get(i);
	return r;
}

/* flags: [NAME, ...] set, or { NAME: true|false }: the flags (and branch
 * flags) when the statement that sent the step's last message ran. */
static void tc_check_flags(struct tc *t, yaml_node_t *e)
{
	const struct sipt_out *o = tc_step_last(t);
	int n = e->type == YAML_SEQUENCE_NODE ? y_len(e) :
		e->type == YAML_MAPPING_NODE ? (int)(e->data.mapping.pairs.top - e->data.mapping.pairs.start) : -1;
	if (n < 0) {
		tc_bad(t, e, "flags: a list of flags that are set, or a mapping of flags to true or false");
		return;
	}
	for (int i = 0; i < n; i++) {
		const char *name, *want = "true";
		if (e->type == YAML_SEQUENCE_NODE) {
			name = y_str(y_item(t->d, e, i));
		} else {
			yaml_node_pair_t *p = e->data.mapping.pairs.start + i;
			name = y_str(yaml_document_get_node(t->d, p->key));
			want = y_str(yaml_document_get_node(t->d, p->value));
		}
		bool branch = false, on = want && strcmp(want, "true") == 0;
		int bit = name ? sipt_flag_bit(name, &branch) : -1;
		if (bit < 0) {
			tc_bad(t, e, "flags: the policy declares no flag '%s'", name ? name : "?");
			return;
		}
		if (!o) {
			tc_diff(t, "flags", name, "nothing sent", sipt_site_last());
			continue;
		}
		bool set = ((branch ? o->bflags : o->flags) >> bit) & 1;
		if (set != on) {
			char what[128];
			tc_fmt(what, sizeof what, "flag %s", name);
			tc_diff(t, what, on ? "set" : "not set", set ? "set" : "not set", o->site);
		}
	}
}

/* avps: { NAME: VALUE }: the newest value of each AVP when the statement
 * that sent the step's last message ran. */
static void tc_check_avps(struct tc *t, yaml_node_t *e)
{
	const struct sipt_out *o = tc_step_last(t);
	if (e->type != YAML_MAPPING_NODE) {
		tc_bad(t, e, "avps: a mapping of AVP names to values");
		return;
	}
	for (yaml_node_pair_t *p = e->data.mapping.pairs.start; p < e->data.mapping.pairs.top; p++) {
		const char *name = y_str(yaml_document_get_node(t->d, p->key));
		const char *want = y_str(yaml_document_get_node(t->d, p->value));
		char what[128], got[1024] = "not set";
		if (!name || !want) {
			tc_bad(t, e, "avps: a mapping of AVP names to values");
			return;
		}
		size_t nl = strlen(name);
		for (const char *l = o ? o->avps : ""; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
			if (strncmp(l, name, nl) == 0 && l[nl] == '=') {
				const char *v = l + nl + 1, *end = strchr(v, '\n');
				tc_fmt(got, sizeof got, "%.*s", end ? (int)(end - v) : (int)strlen(v), v);
				break;
			}
		}
		if (strcmp(got, want) != 0) {
			tc_fmt(what, sizeof what, "$avp(%s)", name);
			tc_diff(t, what, want, got, o ? o->site : sipt_site_last());
		}
	}
}

/* Whether o is the proxy's own ACK to a negative reply of a branch (hop
 * by hop, RFC 3261 §17.1.1.3), not something it forwards. */
static bool tc_hop_ack(struct tc *t, const struct sipt_out *o)
{
	char method[32];
	/* A retransmission is not a new message either. */
	if (tc_retrans(o))
		return true;
	if (msg_is_reply(o->text))
		return false;
	msg_method(o->text, method, sizeof method);
	if (strcmp(method, "ACK") != 0 || strcmp(o->dst_ip, t->ua_ip) == 0)
		return false;
	return !(t->dlg && strstr(o->text, t->dlg_callid));
}

/* The replies (100 Trying left out) and requests the step sent, the
 * proxy's own ACKs left out. */
static int tc_sent_count(struct tc *t)
{
	int n = 0;
	for (size_t i = t->step_first; i < sipt_out_count(); i++) {
		const struct sipt_out *o = sipt_out_get(i);
		if (msg_status(o->text) != 100 && !tc_hop_ack(t, o))
			n++;
	}
	return n;
}

static void tc_check(struct tc *t, yaml_node_t *e)
{
	if (!e)
		return;
	if (e->type != YAML_MAPPING_NODE) {
		tc_bad(t, e, "expect: a mapping (reply, relay, nothing, db, flags, avps)");
		return;
	}
	for (yaml_node_pair_t *p = e->data.mapping.pairs.start; p < e->data.mapping.pairs.top; p++) {
		const char *k = y_str(yaml_document_get_node(t->d, p->key));
		yaml_node_t *v = yaml_document_get_node(t->d, p->value);
		if (!k)
			continue;
		if (strcmp(k, "reply") == 0) {
			tc_check_reply(t, v);
		} else if (strcmp(k, "relay") == 0) {
			tc_check_relay(t, v);
		} else if (strcmp(k, "nothing") == 0) {
			char g[1024];
			tc_got(t, g, sizeof g);
			if (tc_sent_count(t) != 0)
				tc_diff(t, "nothing sent (the request dropped)", "nothing sent", g,
					tc_step_site(t));
		} else if (strcmp(k, "db") == 0) {
			tc_check_db(t, v);
		} else if (strcmp(k, "flags") == 0) {
			tc_check_flags(t, v);
		} else if (strcmp(k, "avps") == 0) {
			tc_check_avps(t, v);
		} else {
			tc_bad(t, v, "expect: unknown key '%s' (reply, relay, nothing, db, flags, avps)", k);
		}
	}
}

/* One step: a request of the caller or an answer of the callee, then the
 * checks. */
static void tc_step(struct tc *t, yaml_node_t *step)
{
	static char what[TC_STR];
	yaml_node_t *send = y_get(t->d, step, "send");
	yaml_node_t *answer = y_get(t->d, step, "answer");
	yaml_node_t *wait = y_get(t->d, step, "wait");
	t->step_node = step;
	if (!tc_time(t, y_get(t->d, step, "time")))
		return;
	if (send && send->type == YAML_MAPPING_NODE) {
		const char *m = y_str(y_get(t->d, send, "method"));
		const char *r = y_str(y_get(t->d, send, "ruri"));
		snprintf(what, sizeof what, "send %s%s%s", m ? m : "raw", r ? " " : "", r ? r : "");
		t->step_what = what;
		tc_send(t, step, send);
	} else if (answer) {
		snprintf(what, sizeof what, "answer %s", y_str(answer) ? y_str(answer) :
			 y_str(y_get(t->d, answer, "status")) ? y_str(y_get(t->d, answer, "status")) : "?");
		t->step_what = what;
		tc_answer(t, answer);
	} else if (wait) {
		const char *w = y_str(wait);
		char *end = NULL;
		double v = w ? strtod(w, &end) : -1;
		double unit = !end ? 0 : !*end || strcmp(end, "s") == 0 ? 1000 :
			strcmp(end, "ms") == 0 ? 1 : strcmp(end, "m") == 0 ? 60000 : 0;
		if (!w || end == w || v < 0 || unit == 0 || v * unit > 86400000.0) {
			tc_bad(t, wait, "wait: a duration (31s, 500ms, 2m; at most a day)");
			return;
		}
		snprintf(what, sizeof what, "wait %s", w);
		t->step_what = what;
		t->step_first = sipt_out_count();
		sipt_advance((uint64_t)(v * unit));
	} else if (!y_get(t->d, step, "time")) {
		tc_bad(t, step, "a step has 'send:' (a mapping), 'answer:' or 'wait:'");
		return;
	}
	if (t->failed == 2)
		return;
	tc_dialog_learn(t);
	tc_check(t, y_get(t->d, step, "expect"));
}

static bool copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ssize_t n;
	bool ok = in >= 0 && out >= 0;
	while (ok && (n = read(in, buf, sizeof buf)) > 0)
		ok = write(out, buf, (size_t)n) == n;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return ok;
}

int sipt_case_run(struct sipt_file *f, int i, const char *template_path, const char *db_path,
		  FILE *out)
{
	struct tc t = { 0 };
	char ip[64];
	int port;

	t.f = f;
	t.d = &f->doc;
	t.node = y_item(&f->doc, f->cases, i);
	t.out = out;
	t.db_path = db_path;
	sip_arena_init(&t.arena, 4096);
	snprintf(t.proxy_ip, sizeof t.proxy_ip, "127.0.0.1");
	t.proxy_port = 5060;
	snprintf(t.ua_ip, sizeof t.ua_ip, "192.0.2.10");
	t.ua_port = 5060;
	snprintf(t.ua_proto, sizeof t.ua_proto, "udp");
	if (t.node->type != YAML_MAPPING_NODE) {
		tc_bad(&t, t.node, "a case is a mapping (name, data, time, steps)");
		return 2;
	}
	const char *proxy = y_str(y_get(t.d, t.node, "proxy"));
	if (!proxy)
		proxy = y_str(y_get(t.d, f->root, "proxy"));
	/* Else the policy's first listen address, unless it is a wildcard. */
	sipt_policy_init();
	if (!proxy && proxy_conf.n_listen && strcmp(proxy_conf.listen[0].addr, "0.0.0.0") != 0 &&
	    strcmp(proxy_conf.listen[0].addr, "::") != 0) {
		snprintf(t.proxy_ip, sizeof t.proxy_ip, "%s", proxy_conf.listen[0].addr);
		t.proxy_port = proxy_conf.listen[0].port;
	}
	if (proxy) {
		if (!parse_addr(proxy, ip, sizeof ip, &port, NULL, 0)) {
			tc_bad(&t, t.node, "proxy: '%s' is not IP:PORT", proxy);
			return 2;
		}
		snprintf(t.proxy_ip, sizeof t.proxy_ip, "%s", ip);
		t.proxy_port = port;
	}
	const char *src = y_str(y_get(t.d, t.node, "source"));
	if (!src)
		src = y_str(y_get(t.d, f->root, "source"));
	if (src && !parse_addr(src, t.ua_ip, sizeof t.ua_ip, &t.ua_port, t.ua_proto, sizeof t.ua_proto)) {
		tc_bad(&t, t.node, "source: '%s' is not [PROTO:]IP:PORT", src);
		return 2;
	}
	if (!copy_file(template_path, db_path)) {
		tc_bad(&t, t.node, "cannot copy the database to %s", db_path);
		return 2;
	}
	t.data[0] = y_get(t.d, f->root, "data");
	t.data[1] = y_get(t.d, t.node, "data");
	db *dbh;
	if (sipt_db_open(db_path, &dbh) != SIP_OK) {
		tc_bad(&t, t.node, "cannot open the database %s", db_path);
		return 2;
	}
	tc_data_load(&t, dbh, t.data[0]);
	tc_data_load(&t, dbh, t.data[1]);
	sipt_db_close(dbh);
	if (t.failed)
		return t.failed;
	if (!tc_time(&t, y_get(t.d, f->root, "time")) || !tc_time(&t, y_get(t.d, t.node, "time")))
		return 2;
	char url[4200];
	snprintf(url, sizeof url, "sqlite:%s", db_path);
	if (sipt_start(url, t.proxy_ip, t.proxy_port) != SIP_OK) {
		tc_bad(&t, t.node, "the proxy did not start");
		return 2;
	}
	yaml_node_t *steps = y_get(t.d, t.node, "steps");
	if (steps) {
		if (steps->type != YAML_SEQUENCE_NODE) {
			tc_bad(&t, steps, "steps: a list of steps");
		} else {
			/* The steps after a failed one build on what did not happen. */
			for (int s = 0; s < y_len(steps) && !t.failed; s++) {
				t.step = s + 1;
				tc_step(&t, y_item(t.d, steps, s));
				if (t.failed && s + 1 < y_len(steps))
					fprintf(out, "  (steps %d to %d not run)\n", s + 2, y_len(steps));
			}
		}
	} else {
		t.step = 1;
		tc_step(&t, t.node);
	}
	/* The process ends now (sipt_main.c): stopping the proxy would only
	 * wait for its database worker. */
	sip_arena_destroy(&t.arena);
	return t.failed;
}
