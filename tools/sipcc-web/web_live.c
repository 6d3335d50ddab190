/* sipcc-web: what only the running proxy knows, asked through its control
 * socket (runtime/proxy/ctl.h, the protocol of sipcc-ctl --ctl): the
 * calls in progress, with a button that ends one ("dlg end"), and the
 * statistics. The registrations page (web_pages.c) asks the same way. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../sipcc-ctl/ctl.h"
#include "web.h"

int ctl_socket_cmd_to(const char *prog, const char *path, int argc, char **argv, FILE *out);

const char *web_ctl(web_req *r, int argc, char **argv, sip_arena *a, sip_json **root)
{
	static char why[300];
	if (!r->ctl_path)
		return "No running proxy to ask: start sipcc-web with --ctl PATH (the proxy's control"
		       " socket).";
	char *reply = NULL;
	size_t rlen = 0;
	FILE *mem = open_memstream(&reply, &rlen);
	int rc = mem ? ctl_socket_cmd_to("sipcc-web", r->ctl_path, argc, argv, mem) : 3;
	if (mem)
		fclose(mem);
	const char *ret = NULL;
	*root = NULL;
	if (rc == 3 || !reply || !rlen) {
		snprintf(why, sizeof why, "The proxy at %s does not answer (is it running?).", r->ctl_path);
		ret = why;
	} else {
		/* The text is parsed into the arena: the tree outlives reply. */
		char *copy = sip_arena_alloc(a, rlen + 1);
		if (copy)
			memcpy(copy, reply, rlen);
		if (!copy || sip_json_parse(a, copy, rlen, root, NULL) != SIP_OK
		    || (*root)->type != SIP_JSON_OBJECT) {
			snprintf(why, sizeof why, "The proxy at %s gave an answer that is not JSON.",
				 r->ctl_path);
			ret = why;
			*root = NULL;
		} else if (rc != 0) {
			const sip_json *e = sip_json_get(*root, "error");
			snprintf(why, sizeof why, "The proxy refused: %s",
				 e && e->type == SIP_JSON_STRING ? e->str.s : "(no reason)");
			ret = why;
		}
	}
	free(reply);
	return ret;
}

static const char *web_jstr(const sip_json *o, const char *key)
{
	const sip_json *v = sip_json_get(o, key);
	return v && v->type == SIP_JSON_STRING ? v->str.s : "";
}

/* A number member's text into buf ("" when absent): the parser's number
 * text is a slice of the input, not a string of its own. */
static const char *web_jnum(const sip_json *o, const char *key, char *buf, size_t size)
{
	const sip_json *v = sip_json_get(o, key);
	size_t n = v && v->type == SIP_JSON_NUMBER ? v->str.len : 0;
	if (n >= size)
		n = 0;
	if (n)
		memcpy(buf, v->str.s, n);
	buf[n] = '\0';
	return buf;
}

static void web_calls_render(web_req *r, const char *err)
{
	web_begin(r, "Calls", "/calls");
	if (err)
		r->status = 400;
	web_msg(r, "err", err);
	if (strcmp(web_arg(r, "done"), "ended") == 0)
		web_msg(r, "ok", "The call was ended: the proxy sent a BYE to both sides.");
	sip_arena a;
	sip_arena_init(&a, 16384);
	sip_json *root;
	char *argv[] = { "dlg", "list" };
	const char *why = web_ctl(r, 2, argv, &a, &root);
	if (why) {
		web_msg(r, "err", why);
		web_buf_puts(&r->out, "<p class=\"note\">Calls are listed when the policy tracks them"
			     " (dlg_manage()).</p>");
	} else {
		const sip_json *ds = sip_json_get(root, "dialogs");
		unsigned n = 0;
		web_buf *b = &r->out;
		web_buf_puts(b, "<table id=\"calls\"><tr><th>From</th><th>To</th><th>State</th>"
			     "<th>Duration</th><th>Call-ID</th><th></th></tr>");
		for (const sip_json *d = ds ? ds->child : NULL; d; d = d->next) {
			char idb[32], durb[32];
			const char *id = web_jnum(d, "id", idb, sizeof idb), *state = web_jstr(d, "state");
			web_buf_puts(b, "<tr><td>");
			web_buf_html(b, web_jstr(d, "from"));
			web_buf_puts(b, "</td><td>");
			web_buf_html(b, web_jstr(d, "to"));
			web_buf_puts(b, "</td><td>");
			web_buf_html(b, state);
			web_buf_puts(b, "</td><td>");
			web_buf_html(b, web_jnum(d, "duration_s", durb, sizeof durb));
			web_buf_puts(b, " s</td><td>");
			web_buf_html(b, web_jstr(d, "callid"));
			web_buf_puts(b, "</td><td>");
			if (web_session_writes(r->s) && strcmp(state, "confirmed") == 0 && *id) {
				web_buf_puts(b, "<form class=\"inline\" method=\"post\" action=\"/calls/end\""
					     " data-confirm=\"End this call (a BYE to both sides)?\">");
				web_csrf_input(r);
				web_buf_puts(b, "<input type=\"hidden\" name=\"id\" value=\"");
				web_buf_html(b, id);
				web_buf_puts(b, "\"><button class=\"danger\">End call</button></form>");
			}
			web_buf_puts(b, "</td></tr>");
			n++;
		}
		web_buf_printf(b, "</table><p class=\"note\" id=\"callcount\">%u call%s in progress.</p>", n,
			       n == 1 ? "" : "s");
	}
	sip_arena_destroy(&a);
	web_end(r);
}

void web_calls_page(web_req *r)
{
	web_calls_render(r, NULL);
}

/* End dialog id=N through "dlg end N"; the audit row says which call. */
void web_call_end(web_req *r)
{
	/* A dialog id is a 64-bit number (dlg list): digits, kept as text. */
	char ids[32];
	size_t n = web_field(r, "id", ids, sizeof ids) ? strlen(ids) : 0;
	if (!n || n > 20 || strspn(ids, "0123456789") != n) {
		web_refuse(r, 400, "Bad request", "the form has no valid dialog id");
		return;
	}
	sip_arena a;
	sip_arena_init(&a, 4096);
	sip_json *root;
	char *argv[] = { "dlg", "end", ids };
	const char *why = web_ctl(r, 3, argv, &a, &root);
	sip_arena_destroy(&a);
	if (why) {
		web_calls_render(r, why);
		return;
	}
	char obj[64];
	snprintf(obj, sizeof obj, "dialog %s", ids);
	int rc = db_exec(r->d, "BEGIN");
	if (web_tx_end(r, rc, "call end", obj, "BYE to both sides") != SIP_OK) {
		web_dbfail(r, "the call was ended, but the audit log could not be written");
		return;
	}
	web_redirect(r, "/calls?done=ended");
}

/* The proxy's counters and gauges (all, or those under a prefix). */
void web_stats_page(web_req *r)
{
	const char *prefix = web_arg(r, "prefix");
	bool bad = false;
	for (const char *p = prefix; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')
		      || *p == '.' || *p == '_'))
			bad = true;
	if (strlen(prefix) > 64)
		bad = true;
	web_begin(r, "Statistics", "/stats");
	web_buf *b = &r->out;
	if (bad) {
		r->status = 400;
		web_msg(r, "err", "a prefix has letters, digits, '.' and '_' only (e.g. core. or usrloc.)");
		prefix = "";
	}
	web_buf_puts(b, "<form method=\"get\" action=\"/stats\"><label>Prefix <input name=\"prefix\" value=\"");
	web_buf_html(b, prefix);
	web_buf_puts(b, "\"></label><button>Show</button></form>");
	sip_arena a;
	sip_arena_init(&a, 65536);
	sip_json *root;
	char *argv[] = { "stats", (char *)prefix };
	const char *why = web_ctl(r, *prefix ? 2 : 1, argv, &a, &root);
	if (why) {
		web_msg(r, "err", why);
	} else {
		const sip_json *st = sip_json_get(root, "stats");
		web_buf_puts(b, "<table id=\"stats\"><tr><th>Name</th><th>Value</th></tr>");
		for (const sip_json *s = st ? st->child : NULL; s; s = s->next) {
			web_buf_puts(b, "<tr><td>");
			web_buf_html_n(b, s->key.s, s->key.len);
			web_buf_puts(b, "</td><td>");
			web_buf_html_n(b, s->raw.s, s->raw.len);
			web_buf_puts(b, "</td></tr>");
		}
		web_buf_puts(b, "</table>");
	}
	sip_arena_destroy(&a);
	web_end(r);
}
