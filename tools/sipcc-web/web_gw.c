/* sipcc-web: the PSTN gateways and the routing rules of drouting
 * (dr_gateway, dr_rule), with each gateway's state as the running proxy
 * sees it ("dr status": active or inactive, probes and calls). The checks
 * are sipcc-ctl's (ctl_gw_uri, ctl_valid_digits, drouting's parser of
 * gateway lists); a gateway a rule still names cannot be removed. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../sipcc-ctl/ctl.h"
#include "drouting/drouting.h"
#include "web.h"

/* The form values, kept to show the form again after an error. */
typedef struct web_gw_form {
	char id[16], address[300], strip[8], prefix[80], probe[4];
	char rid[16], group[16], rprefix[80], gwlist[260], priority[16];
	bool gw_edit, rule_edit;    /* the forms change gateway id / rule rid */
} web_gw_form;

/* The live state of gateway id from the "dr status" reply (NULL: none). */
static const sip_json *web_gw_live(const sip_json *root, int64_t id)
{
	const sip_json *gws = root ? sip_json_get(root, "gateways") : NULL;
	for (const sip_json *g = gws ? gws->child : NULL; g; g = g->next) {
		const sip_json *v = sip_json_get(g, "id");
		if (v && v->type == SIP_JSON_NUMBER && strtoll(v->str.s, NULL, 10) == id)
			return g;
	}
	return NULL;
}

static void web_gw_num(web_buf *b, const sip_json *g, const char *key)
{
	const sip_json *v = g ? sip_json_get(g, key) : NULL;
	if (v && v->type == SIP_JSON_NUMBER)
		web_buf_html_n(b, v->str.s, v->str.len);
}

static void web_gw_render(web_req *r, const char *gw_err, const char *rule_err, const web_gw_form *f)
{
	static const web_gw_form empty;
	if (!f)
		f = &empty;
	web_begin(r, "Gateways", "/gateways");
	if (gw_err || rule_err)
		r->status = 400;
	web_done_notice(r);
	web_buf *b = &r->out;
	sip_arena a;
	sip_arena_init(&a, 16384);
	sip_json *live = NULL;
	char *argv[] = { "dr", "status" };
	const char *why = r->ctl_path ? web_ctl(r, 2, argv, &a, &live) : NULL;
	if (why)
		web_msg(r, "note", why); /* no states: not an error of this page */
	web_buf_puts(b, "<h2>PSTN gateways</h2><table id=\"gateways\"><tr><th>Id</th><th>Address</th><th>Strip"
		     "</th><th>Prefix</th><th>Probed</th><th>State</th><th>Calls</th><th>Timeouts</th>"
		     "<th></th></tr>");
	db_stmt *st;
	int rc = db_prepare(r->d, "SELECT id, address, strip, prefix, probe FROM dr_gateway ORDER BY id", &st);
	if (rc == SIP_OK)
		while ((rc = db_step(st)) == DB_ROW) {
			int64_t id = db_column_int(st, 0);
			const sip_json *g = web_gw_live(live, id);
			const sip_json *state = g ? sip_json_get(g, "state") : NULL;
			web_buf_printf(b, "<tr><td>%" PRId64 "</td>", id);
			web_td(r, st, 1);
			web_buf_printf(b, "<td>%" PRId64 "</td>", db_column_int(st, 2));
			web_td(r, st, 3);
			web_buf_printf(b, "<td>%s</td><td>", db_column_int(st, 4) ? "yes" : "no");
			web_buf_html(b, state && state->type == SIP_JSON_STRING ? state->str.s
				     : r->ctl_path ? "not loaded yet" : "(no --ctl)");
			web_buf_puts(b, "</td><td>");
			web_gw_num(b, g, "calls_sent");
			web_buf_puts(b, "</td><td>");
			web_gw_num(b, g, "timeouts");
			web_buf_puts(b, "</td><td>");
			if (web_session_writes(r->s)) {
				web_buf_printf(b, "<a class=\"edit\" href=\"/gateways?edit=%" PRId64 "\">edit</a> ", id);
				web_buf_puts(b, "<form class=\"inline\" method=\"post\" action=\"/gateways/delete\""
					     " data-confirm=\"Remove this gateway?\">");
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
		if (f->gw_edit) {
			web_buf_puts(b, "<form method=\"post\" action=\"/gateways/save\" id=\"gwadd\"><fieldset>"
				     "<legend>Edit gateway ");
			web_buf_html(b, f->id);
			web_buf_puts(b, "</legend>");
		} else {
			web_buf_puts(b, "<form method=\"post\" action=\"/gateways/add\" id=\"gwadd\"><fieldset>"
				     "<legend>Add a gateway</legend>");
		}
		web_msg(r, "err", gw_err);
		web_csrf_input(r);
		web_buf_printf(b, "<label>Id <input name=\"id\" required size=\"5\"%s value=\"",
			       f->gw_edit ? " readonly" : "");
		web_buf_html(b, f->id);
		web_buf_puts(b, "\"></label><label>Address <input name=\"address\" required"
			     " placeholder=\"sip:10.0.0.30:5060\" value=\"");
		web_buf_html(b, f->address);
		web_buf_puts(b, "\"></label><label>Strip <input name=\"strip\" size=\"3\" value=\"");
		web_buf_html(b, f->strip);
		web_buf_puts(b, "\"></label><label>Prefix <input name=\"prefix\" size=\"8\" value=\"");
		web_buf_html(b, f->prefix);
		web_buf_printf(b, "\"></label><label><input type=\"checkbox\" name=\"probe\" value=\"1\"%s>"
			       " probe with OPTIONS</label><button>%s</button>%s</fieldset></form>",
			       strcmp(f->probe, "1") == 0 ? " checked" : "", f->gw_edit ? "Save" : "Add",
			       f->gw_edit ? " <a href=\"/gateways\">cancel</a>" : "");
	}

	web_buf_puts(b, "<h2>Routing rules</h2><table id=\"rules\"><tr><th>Id</th><th>Group</th><th>Prefix"
		     "</th><th>Priority</th><th>Gateways</th><th></th></tr>");
	rc = db_prepare(r->d, "SELECT id, groupid, prefix, priority, gwlist FROM dr_rule"
			" ORDER BY groupid, prefix, priority DESC, id", &st);
	if (rc == SIP_OK)
		while ((rc = db_step(st)) == DB_ROW) {
			int64_t id = db_column_int(st, 0);
			web_buf_printf(b, "<tr><td>%" PRId64 "</td><td>%" PRId64 "</td>", id, db_column_int(st, 1));
			web_td(r, st, 2);
			web_buf_printf(b, "<td>%" PRId64 "</td>", db_column_int(st, 3));
			web_td(r, st, 4);
			web_buf_puts(b, "<td>");
			if (web_session_writes(r->s)) {
				web_buf_printf(b, "<a class=\"edit\" href=\"/gateways?editrule=%" PRId64 "\">edit</a> ",
					       id);
				web_buf_puts(b, "<form class=\"inline\" method=\"post\" action=\"/rules/delete\""
					     " data-confirm=\"Remove this rule?\">");
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
		if (f->rule_edit) {
			web_buf_puts(b, "<form method=\"post\" action=\"/rules/save\" id=\"ruleadd\"><fieldset>"
				     "<legend>Edit rule ");
			web_buf_html(b, f->rid);
			web_buf_puts(b, "</legend><input type=\"hidden\" name=\"id\" value=\"");
			web_buf_html(b, f->rid);
			web_buf_puts(b, "\">");
		} else {
			web_buf_puts(b, "<form method=\"post\" action=\"/rules/add\" id=\"ruleadd\"><fieldset>"
				     "<legend>Add a routing rule</legend>");
		}
		web_msg(r, "err", rule_err);
		web_csrf_input(r);
		web_buf_puts(b, "<label>Group <input name=\"group\" required size=\"4\" value=\"");
		web_buf_html(b, f->group);
		web_buf_puts(b, "\"></label><label>Prefix <input name=\"prefix\" size=\"8\" value=\"");
		web_buf_html(b, f->rprefix);
		web_buf_puts(b, "\"></label><label>Gateways <input name=\"gwlist\" required placeholder=\"1,2 or"
			     " 1=70,2=30\" value=\"");
		web_buf_html(b, f->gwlist);
		web_buf_puts(b, "\"></label><label>Priority <input name=\"priority\" size=\"4\" value=\"");
		web_buf_html(b, f->priority);
		web_buf_printf(b, "\"></label><button>%s</button>%s</fieldset></form>",
			       f->rule_edit ? "Save" : "Add",
			       f->rule_edit ? " <a href=\"/gateways\">cancel</a>" : "");
		web_buf_puts(b, "<p class=\"note\">An empty prefix matches every number; among the rules of a"
			     " group the longest matching prefix wins, then the highest priority.</p>");
	}
	sip_arena_destroy(&a);
	web_end(r);
}

/* The gateways page; ?edit=ID or ?editrule=ID fill a form with that row
 * to change it (an admin's). */
void web_gateways_page(web_req *r)
{
	web_gw_form f = { 0 };
	int64_t id;
	db_stmt *st;
	bool found = false;
	if (web_session_writes(r->s) && ctl_parse_id(web_arg(r, "edit"), &id)) {
		if (db_prepare(r->d, "SELECT id, address, strip, prefix, probe FROM dr_gateway WHERE id = $1",
			       &st) == SIP_OK && db_bind_int(st, 1, id) == SIP_OK && db_step(st) == DB_ROW) {
			web_col(st, 0, f.id, sizeof f.id);
			web_col(st, 1, f.address, sizeof f.address);
			web_col(st, 2, f.strip, sizeof f.strip);
			web_col(st, 3, f.prefix, sizeof f.prefix);
			snprintf(f.probe, sizeof f.probe, "%s", db_column_int(st, 4) ? "1" : "");
			f.gw_edit = found = true;
		}
		db_finalize(st);
	} else if (web_session_writes(r->s) && ctl_parse_id(web_arg(r, "editrule"), &id)) {
		if (db_prepare(r->d, "SELECT id, groupid, prefix, gwlist, priority FROM dr_rule WHERE id = $1",
			       &st) == SIP_OK && db_bind_int(st, 1, id) == SIP_OK && db_step(st) == DB_ROW) {
			web_col(st, 0, f.rid, sizeof f.rid);
			web_col(st, 1, f.group, sizeof f.group);
			web_col(st, 2, f.rprefix, sizeof f.rprefix);
			web_col(st, 3, f.gwlist, sizeof f.gwlist);
			web_col(st, 4, f.priority, sizeof f.priority);
			f.rule_edit = found = true;
		}
		db_finalize(st);
	}
	if ((web_arg(r, "edit")[0] || web_arg(r, "editrule")[0]) && !found) {
		web_refuse(r, 404, "Not found", "no such gateway or rule");
		return;
	}
	web_gw_render(r, NULL, NULL, &f);
}

/* Add a gateway, or with edit change one (its id stays: rules name it). */
static void web_gateway_save_as(web_req *r, bool edit)
{
	web_gw_form f = { 0 };
	f.gw_edit = edit;
	web_field(r, "id", f.id, sizeof f.id);
	web_field(r, "address", f.address, sizeof f.address);
	web_field(r, "strip", f.strip, sizeof f.strip);
	web_field(r, "prefix", f.prefix, sizeof f.prefix);
	web_field(r, "probe", f.probe, sizeof f.probe);
	int64_t id = 0, strip = 0, n = 0;
	char uri[300];
	const char *why = NULL;
	static char msg[200];
	if (!ctl_parse_id(f.id, &id))
		why = "the id is a positive integer";
	else if (strpbrk(f.address, " \t"))
		why = "the address may not contain a space (e.g. sip:10.0.0.30:5060)";
	else if ((why = ctl_gw_uri(f.address, uri, sizeof uri))) {
		snprintf(msg, sizeof msg, "the address: %s (e.g. sip:10.0.0.30:5060)", why);
		why = msg;
	}
	if (!why && f.strip[0]) {
		char *end;
		strip = strtoll(f.strip, &end, 10);
		if (*end || strip < 0 || strip > 64)
			why = "strip is 0 to 64 leading digits";
	}
	if (!why && !ctl_valid_digits(f.prefix))
		why = "the prefix has digits, '*', '#' and a leading '+' only";
	if (!why && f.probe[0] && strcmp(f.probe, "1"))
		why = "probe is on or off";
	db_stmt *st;
	if (!why) {
		int rc = db_prepare(r->d, "SELECT count(*) FROM dr_gateway WHERE id = $1", &st);
		if (rc == SIP_OK)
			rc = ctl_count_id(st, id, &n);
		if (rc != SIP_OK) {
			web_dbfail(r, "cannot read the gateways");
			return;
		}
		if (n && !edit)
			why = "a gateway with this id exists already";
		else if (!n && edit) {
			web_refuse(r, 404, "Not found", "no such gateway");
			return;
		}
	}
	if (why) {
		web_gw_render(r, why, NULL, &f);
		return;
	}
	int rc = db_exec(r->d, "BEGIN");
	if (rc == SIP_OK
	    && (rc = edit ? db_prepare(r->d, "UPDATE dr_gateway SET address = $2, strip = $3, prefix = $4,"
				       " probe = $5 WHERE id = $1", &st)
			  : db_prepare(r->d, "INSERT INTO dr_gateway (id, address, strip, prefix, attrs, probe)"
				       " VALUES ($1, $2, $3, $4, '', $5)", &st)) == SIP_OK) {
		if ((rc = db_bind_int(st, 1, id)) == SIP_OK && (rc = db_bind_text(st, 2, web_s(uri))) == SIP_OK
		    && (rc = db_bind_int(st, 3, strip)) == SIP_OK
		    && (rc = db_bind_text(st, 4, web_s(f.prefix))) == SIP_OK
		    && (rc = db_bind_int(st, 5, f.probe[0] == '1')) == SIP_OK)
			rc = ctl_run(st);
		db_finalize(st);
	}
	char obj[40];
	snprintf(obj, sizeof obj, "gateway %" PRId64, id);
	web_save_end(r, rc, edit, "gateway", "gateway", "/gateways", obj, uri);
}

void web_gateway_add(web_req *r)
{
	web_gateway_save_as(r, false);
}

void web_gateway_save(web_req *r)
{
	web_gateway_save_as(r, true);
}

void web_gateway_delete(web_req *r)
{
	int64_t id, rule = 0;
	if (!web_form_id(r, &id))
		return;
	if (ctl_gw_used(r->d, id, &rule) != SIP_OK) {
		web_dbfail(r, "cannot read the rules");
		return;
	}
	if (rule) {
		char msg[160];
		snprintf(msg, sizeof msg, "gateway %" PRId64 " is used by rule %" PRId64 ": remove the rule first",
			 id, rule);
		web_gw_render(r, msg, NULL, NULL);
		return;
	}
	db_stmt *st;
	long changed = 0;
	int rc = db_exec(r->d, "BEGIN");
	if (rc == SIP_OK && (rc = db_prepare(r->d, "DELETE FROM dr_gateway WHERE id = $1", &st)) == SIP_OK) {
		if ((rc = db_bind_int(st, 1, id)) == SIP_OK)
			rc = ctl_run(st);
		changed = db_changes(st);
		db_finalize(st);
	}
	if (rc == SIP_OK && !changed)
		rc = SIP_ENOTFOUND;
	char obj[40];
	snprintf(obj, sizeof obj, "gateway %" PRId64, id);
	if (web_tx_end(r, rc, "gateway remove", obj, "") != SIP_OK) {
		web_refuse(r, 404, "Not found", "no such gateway");
		return;
	}
	web_redirect(r, "/gateways?done=deleted");
}

/* Add a routing rule, or with edit change rule id= of the form. */
static void web_rule_save_as(web_req *r, bool edit)
{
	web_gw_form f = { 0 };
	int64_t rid = 0;
	f.rule_edit = edit;
	if (edit) {
		web_field(r, "id", f.rid, sizeof f.rid);
		if (!ctl_parse_id(f.rid, &rid)) {
			web_refuse(r, 400, "Bad request", "the form has no valid id");
			return;
		}
	}
	web_field(r, "group", f.group, sizeof f.group);
	web_field(r, "prefix", f.rprefix, sizeof f.rprefix);
	web_field(r, "gwlist", f.gwlist, sizeof f.gwlist);
	web_field(r, "priority", f.priority, sizeof f.priority);
	int64_t group = 0, prio = 0, gws[DR_MAX_GWLIST];
	int ngw = 0;
	const char *why = NULL;
	static char msg[200];
	if (!ctl_parse_id(f.group, &group))
		why = "the group is a positive integer";
	else if (!ctl_valid_digits(f.rprefix))
		why = "the prefix has digits, '*', '#' and a leading '+' only (empty: every number)";
	else if (strlen(f.gwlist) > 255
		 || (ngw = dr_gwlist_parse(web_s(f.gwlist), gws, DR_MAX_GWLIST)) <= 0)
		why = "the gateways are ids separated by commas (1,2), each with an optional weight (1=70,2=30)";
	if (!why && f.priority[0]) {
		char *end;
		prio = strtoll(f.priority, &end, 10);
		if (*end || prio < -1000000 || prio > 1000000)
			why = "the priority is an integer (higher wins)";
	}
	db_stmt *st;
	for (int i = 0; !why && i < ngw; i++) {
		int64_t n = 0;
		int rc = db_prepare(r->d, "SELECT count(*) FROM dr_gateway WHERE id = $1", &st);
		if (rc == SIP_OK)
			rc = ctl_count_id(st, gws[i], &n);
		if (rc != SIP_OK) {
			web_dbfail(r, "cannot read the gateways");
			return;
		}
		if (!n) {
			snprintf(msg, sizeof msg, "there is no gateway %" PRId64 " (add it first)", gws[i]);
			why = msg;
		}
	}
	if (why) {
		web_gw_render(r, NULL, why, &f);
		return;
	}
	int64_t id = rid;
	int rc = db_exec(r->d, "BEGIN");
	/* The next free id, in the transaction that inserts it. */
	if (!edit && rc == SIP_OK && (rc = db_prepare(r->d, "SELECT COALESCE(MAX(id), 0) + 1 FROM dr_rule", &st)) == SIP_OK) {
		if ((rc = db_step(st)) == DB_ROW) {
			id = db_column_int(st, 0);
			rc = SIP_OK;
		} else if (rc == SIP_OK) {
			rc = SIP_EDB;
		}
		db_finalize(st);
	}
	long changed = 1;
	if (rc == SIP_OK
	    && (rc = edit ? db_prepare(r->d, "UPDATE dr_rule SET groupid = $2, prefix = $3, priority = $4,"
				       " gwlist = $5 WHERE id = $1", &st)
			  : db_prepare(r->d, "INSERT INTO dr_rule (id, groupid, prefix, priority, gwlist)"
				       " VALUES ($1, $2, $3, $4, $5)", &st)) == SIP_OK) {
		if ((rc = db_bind_int(st, 1, id)) == SIP_OK && (rc = db_bind_int(st, 2, group)) == SIP_OK
		    && (rc = db_bind_text(st, 3, web_s(f.rprefix))) == SIP_OK
		    && (rc = db_bind_int(st, 4, prio)) == SIP_OK
		    && (rc = db_bind_text(st, 5, web_s(f.gwlist))) == SIP_OK)
			rc = ctl_run(st);
		changed = db_changes(st);
		db_finalize(st);
	}
	if (rc == SIP_OK && !changed)
		rc = SIP_ENOTFOUND;
	char obj[40], det[400];
	snprintf(obj, sizeof obj, "rule %" PRId64, id);
	snprintf(det, sizeof det, "group %" PRId64 " prefix '%s' -> %s", group, f.rprefix, f.gwlist);
	web_save_end(r, rc, edit, "rule", "rule", "/gateways", obj, det);
}

void web_rule_add(web_req *r)
{
	web_rule_save_as(r, false);
}

void web_rule_save(web_req *r)
{
	web_rule_save_as(r, true);
}

void web_rule_delete(web_req *r)
{
	int64_t id;
	if (!web_form_id(r, &id))
		return;
	db_stmt *st;
	long changed = 0;
	int rc = db_exec(r->d, "BEGIN");
	if (rc == SIP_OK && (rc = db_prepare(r->d, "DELETE FROM dr_rule WHERE id = $1", &st)) == SIP_OK) {
		if ((rc = db_bind_int(st, 1, id)) == SIP_OK)
			rc = ctl_run(st);
		changed = db_changes(st);
		db_finalize(st);
	}
	if (rc == SIP_OK && !changed)
		rc = SIP_ENOTFOUND;
	char obj[40];
	snprintf(obj, sizeof obj, "rule %" PRId64, id);
	if (web_tx_end(r, rc, "rule remove", obj, "") != SIP_OK) {
		web_refuse(r, 404, "Not found", "no such rule");
		return;
	}
	web_redirect(r, "/gateways?done=deleted");
}
