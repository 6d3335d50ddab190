/* sipcc-web: the load-balancing sets of the dispatcher module (table
 * dispatcher), with each destination's state as the running proxy sees
 * it ("ds status": active, inactive, disabled; probes, calls). The
 * destination is checked with the module's own ds_uri_check, as sipcc-ctl
 * ds add does. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "../sipcc-ctl/ctl.h"
#include "dispatcher/dispatcher.h"
#include "web.h"

typedef struct web_ds_form {
	char setid[16], uri[300], priority[16], weight[16], probe[4], desc[300];
} web_ds_form;

/* The live entry of destination id in the "ds status" reply. */
static const sip_json *web_ds_live(const sip_json *root, int64_t id)
{
	const sip_json *ds = root ? sip_json_get(root, "destinations") : NULL;
	for (const sip_json *d = ds ? ds->child : NULL; d; d = d->next) {
		const sip_json *v = sip_json_get(d, "id");
		if (v && v->type == SIP_JSON_NUMBER && strtoll(v->str.s, NULL, 10) == id)
			return d;
	}
	return NULL;
}

static void web_ds_render(web_req *r, const char *err, const web_ds_form *f)
{
	static const web_ds_form empty;
	if (!f)
		f = &empty;
	web_begin(r, "Dispatcher", "/dispatcher");
	if (err)
		r->status = 400;
	web_done_notice(r);
	web_buf *b = &r->out;
	sip_arena a;
	sip_arena_init(&a, 16384);
	sip_json *live = NULL;
	char *argv[] = { "ds", "status" };
	const char *why = r->ctl_path ? web_ctl(r, 2, argv, &a, &live) : NULL;
	if (why)
		web_msg(r, "note", why);
	web_buf_puts(b, "<table id=\"dispatcher\"><tr><th>Set</th><th>Destination</th><th>Priority</th>"
		     "<th>Weight</th><th>Probed</th><th>State</th><th>Calls</th><th>Description</th>"
		     "<th></th></tr>");
	db_stmt *st;
	int rc = db_prepare(r->d, "SELECT id, setid, destination, priority, weight, flags, description"
			    " FROM dispatcher ORDER BY setid, priority DESC, id", &st);
	if (rc == SIP_OK)
		while ((rc = db_step(st)) == DB_ROW) {
			int64_t id = db_column_int(st, 0), flags = db_column_int(st, 5);
			const sip_json *d = web_ds_live(live, id);
			const sip_json *state = d ? sip_json_get(d, "state") : NULL;
			const sip_json *calls = d ? sip_json_get(d, "calls_sent") : NULL;
			web_buf_printf(b, "<tr><td>%" PRId64 "</td>", db_column_int(st, 1));
			web_td(r, st, 2);
			web_buf_printf(b, "<td>%" PRId64 "</td><td>%" PRId64 "</td><td>%s</td><td>",
				       db_column_int(st, 3), db_column_int(st, 4), flags & 2 ? "yes" : "no");
			web_buf_html(b, state && state->type == SIP_JSON_STRING ? state->str.s
				     : flags & 1 ? "disabled" : r->ctl_path ? "not loaded yet" : "(no --ctl)");
			web_buf_puts(b, "</td><td>");
			if (calls && calls->type == SIP_JSON_NUMBER)
				web_buf_html_n(b, calls->str.s, calls->str.len);
			web_buf_puts(b, "</td>");
			web_td(r, st, 6);
			web_buf_puts(b, "<td>");
			if (web_session_writes(r->s)) {
				web_buf_puts(b, "<form class=\"inline\" method=\"post\" action=\"/dispatcher/delete\""
					     " data-confirm=\"Remove this destination?\">");
				web_csrf_input(r);
				web_buf_printf(b, "<input type=\"hidden\" name=\"id\" value=\"%" PRId64 "\">"
					       "<button class=\"danger\">Remove</button></form>", id);
			}
			web_buf_puts(b, "</td></tr>");
		}
	db_finalize(st);
	web_buf_puts(b, "</table>");
	if (rc != SIP_OK)
		web_msg(r, "err", db_error(r->d));
	if (web_session_writes(r->s)) {
		web_buf_puts(b, "<form method=\"post\" action=\"/dispatcher/add\" id=\"dsadd\"><fieldset>"
			     "<legend>Add a destination</legend>");
		web_msg(r, "err", err);
		web_csrf_input(r);
		const char *fields[][3] = {
			{ "setid", "Set", f->setid },          { "uri", "Destination (sip:HOST:PORT)", f->uri },
			{ "priority", "Priority", f->priority }, { "weight", "Weight", f->weight },
			{ "desc", "Description", f->desc },
		};
		for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
			web_buf_printf(b, "<label>%s <input name=\"%s\" value=\"", fields[i][1], fields[i][0]);
			web_buf_html(b, fields[i][2]);
			web_buf_puts(b, "\"></label>");
		}
		web_buf_printf(b, "<label><input type=\"checkbox\" name=\"probe\" value=\"1\"%s> probe with"
			       " OPTIONS</label><button>Add</button></fieldset></form>",
			       f->probe[0] == '1' ? " checked" : "");
	}
	sip_arena_destroy(&a);
	web_end(r);
}

void web_dispatcher_page(web_req *r)
{
	web_ds_render(r, NULL, NULL);
}

static bool web_ds_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (!*s || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

void web_dispatcher_add(web_req *r)
{
	web_ds_form f = { 0 };
	web_field(r, "setid", f.setid, sizeof f.setid);
	web_field(r, "uri", f.uri, sizeof f.uri);
	web_field(r, "priority", f.priority, sizeof f.priority);
	web_field(r, "weight", f.weight, sizeof f.weight);
	web_field(r, "probe", f.probe, sizeof f.probe);
	web_field(r, "desc", f.desc, sizeof f.desc);
	int64_t setid = 0, prio = 0, weight = 1;
	char uri[310];
	const char *why = NULL;
	static char msg[200];
	if (strncasecmp(f.uri, "sip:", 4) && strncasecmp(f.uri, "sips:", 5))
		snprintf(uri, sizeof uri, "sip:%s", f.uri);
	else
		snprintf(uri, sizeof uri, "%s", f.uri);
	if (!ctl_parse_id(f.setid, &setid))
		why = "the set is a positive integer";
	else if (strpbrk(f.uri, " \t"))
		why = "the destination may not contain a space (e.g. sip:10.0.0.30:5060)";
	else if ((why = ds_uri_check(web_s(uri)))) {
		snprintf(msg, sizeof msg, "the destination: %s (e.g. sip:10.0.0.30:5060)", why);
		why = msg;
	} else if (f.priority[0] && !web_ds_int(f.priority, -1000000, 1000000, &prio))
		why = "the priority is an integer (higher first)";
	else if (f.weight[0] && !web_ds_int(f.weight, 0, 1000000, &weight))
		why = "the weight is 0 to 1000000";
	else if (strlen(f.desc) > 255)
		why = "the description is longer than 255 characters";
	if (why) {
		web_ds_render(r, why, &f);
		return;
	}
	db_stmt *st;
	int rc = db_exec(r->d, "BEGIN");
	if (rc == SIP_OK && (rc = db_prepare(r->d, "INSERT INTO dispatcher (setid, destination, flags, priority,"
					     " weight, attrs, description) VALUES ($1, $2, $3, $4, $5, '', $6)",
					     &st)) == SIP_OK) {
		if ((rc = db_bind_int(st, 1, setid)) == SIP_OK && (rc = db_bind_text(st, 2, web_s(uri))) == SIP_OK
		    && (rc = db_bind_int(st, 3, f.probe[0] == '1' ? 2 : 0)) == SIP_OK
		    && (rc = db_bind_int(st, 4, prio)) == SIP_OK && (rc = db_bind_int(st, 5, weight)) == SIP_OK
		    && (rc = db_bind_text(st, 6, web_s(f.desc))) == SIP_OK)
			rc = ctl_run(st);
		db_finalize(st);
	}
	bool dup = rc == SIP_EDBCONSTRAINT;
	char obj[40];
	snprintf(obj, sizeof obj, "set %" PRId64, setid);
	rc = web_tx_end(r, rc, "dispatcher add", obj, uri);
	if (dup) {
		web_ds_render(r, "this destination is in that set already", &f);
		return;
	}
	if (rc != SIP_OK) {
		web_dbfail(r, "cannot add the destination");
		return;
	}
	web_redirect(r, "/dispatcher?done=added");
}

void web_dispatcher_delete(web_req *r)
{
	int64_t id;
	if (!web_form_id(r, &id))
		return;
	char obj[40] = "", uri[300] = "";
	db_stmt *st;
	if (db_prepare(r->d, "SELECT setid, destination FROM dispatcher WHERE id = $1", &st) == SIP_OK
	    && db_bind_int(st, 1, id) == SIP_OK && db_step(st) == DB_ROW) {
		snprintf(obj, sizeof obj, "set %" PRId64, db_column_int(st, 0));
		web_col(st, 1, uri, sizeof uri);
	}
	db_finalize(st);
	if (!obj[0]) {
		web_refuse(r, 404, "Not found", "no such destination");
		return;
	}
	int rc = db_exec(r->d, "BEGIN");
	if (rc == SIP_OK && (rc = db_prepare(r->d, "DELETE FROM dispatcher WHERE id = $1", &st)) == SIP_OK) {
		if ((rc = db_bind_int(st, 1, id)) == SIP_OK)
			rc = ctl_run(st);
		db_finalize(st);
	}
	if (web_tx_end(r, rc, "dispatcher remove", obj, uri) != SIP_OK) {
		web_dbfail(r, "cannot remove the destination");
		return;
	}
	web_redirect(r, "/dispatcher?done=deleted");
}
