/* sipcc-web: the dial plans dp_translate() applies (table dialplan,
 * modules/dialplan): list, add (checked with dp_rule_check, the module's
 * own compiler, so a rule written here is one the proxy loads), remove,
 * and try a number against the rules as they are in the database, with
 * the module's translation code run here. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../sipcc-ctl/ctl.h"
#include "dialplan/dialplan.h"
#include "web.h"

#define WEB_DP_COL_MAX 255

typedef struct web_dp_form {
	char id[24];                /* the rule an edit changes; "" to add */
	char dpid[16], pr[16], op[8], match[300], subst[300], repl[300], attrs[300], icase[4];
} web_dp_form;

static bool web_dp_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	if (!*s)
		return false;
	long long v = strtoll(s, &end, 10);
	if (*end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* Translate input with dial plan dpid by the enabled rules of the table,
 * into a sentence for the page. */
static void web_dp_try(web_req *r, const char *dpid_s, const char *input)
{
	int64_t dpid;
	web_buf *b = &r->out;
	if (!web_dp_int(dpid_s, 0, INT32_MAX, &dpid) || !*input || strlen(input) > 128
	    || web_check_search(input)) {
		web_msg(r, "err", "to try a number, give a dial plan id (0 or more) and the number (at most"
			" 128 characters)");
		return;
	}
	dp_set *set = dp_set_new();
	db_stmt *st;
	int rc = set ? db_prepare(r->d, "SELECT id, dpid, pr, match_op, match_exp, match_flags, subst_exp,"
				  " repl_exp, attrs FROM dialplan WHERE disabled = 0", &st) : SIP_NOMEM;
	if (rc == SIP_OK) {
		while ((rc = db_step(st)) == DB_ROW) {
			dp_rule_def def = {
				.id = db_column_int(st, 0), .dpid = db_column_int(st, 1),
				.pr = db_column_int(st, 2), .match_op = db_column_int(st, 3),
				.match_exp = db_column_text(st, 4), .match_flags = db_column_int(st, 5),
				.subst_exp = db_column_text(st, 6), .repl_exp = db_column_text(st, 7),
				.attrs = db_column_text(st, 8),
			};
			if (dp_set_add(set, &def) == SIP_NOMEM) {
				rc = SIP_NOMEM;
				break;
			}
		}
		db_finalize(st);
	}
	if (rc != SIP_OK) {
		web_msg(r, "err", "cannot read the dial plans");
		dp_set_free(set);
		return;
	}
	dp_set_done(set);
	sip_arena a;
	sip_arena_init(&a, 1024);
	dp_result res;
	rc = dp_set_translate(set, dpid, web_s(input), &a, &res);
	web_buf_puts(b, "<p id=\"dptry\" class=\"ok\">");
	web_buf_html(b, input);
	if (rc == SIP_OK) {
		web_buf_puts(b, " becomes <b>");
		web_buf_html_n(b, res.out.s, res.out.len);
		web_buf_printf(b, "</b> (rule %" PRId64, res.rule_id);
		if (res.attrs.len) {
			web_buf_puts(b, ", attributes ");
			web_buf_html_n(b, res.attrs.s, res.attrs.len);
		}
		web_buf_puts(b, ")");
	} else if (rc == SIP_DECLINED) {
		web_buf_printf(b, ": no rule of dial plan %" PRId64 " matches", dpid);
	} else {
		web_buf_printf(b, ": rule %" PRId64 " matches but cannot translate it", res.rule_id);
	}
	web_buf_puts(b, "</p>");
	sip_arena_destroy(&a);
	dp_set_free(set);
}

static void web_dp_render(web_req *r, const char *err, const web_dp_form *f)
{
	static const web_dp_form empty;
	if (!f)
		f = &empty;
	web_begin(r, "Dial plans", "/dialplans");
	if (err)
		r->status = 400;
	web_done_notice(r);
	web_buf *b = &r->out;
	const char *try_dpid = web_arg(r, "dpid"), *try_input = web_arg(r, "input");
	if (*try_input || *try_dpid)
		web_dp_try(r, try_dpid, try_input);
	web_buf_puts(b, "<form method=\"get\" action=\"/dialplans\" id=\"dptryform\"><label>Try: dial plan"
		     " <input name=\"dpid\" size=\"4\" value=\"");
	web_buf_html(b, try_dpid);
	web_buf_puts(b, "\"></label><label>number <input name=\"input\" value=\"");
	web_buf_html(b, web_check_search(try_input) ? "" : try_input);
	web_buf_puts(b, "\"></label><button>Translate</button></form>"
		     "<table id=\"dialplans\"><tr><th>Dial plan</th><th>Priority</th><th>Match</th>"
		     "<th>Rewrite</th><th>To</th><th>Attributes</th><th></th></tr>");
	db_stmt *st;
	int rc = db_prepare(r->d, "SELECT id, dpid, pr, match_op, match_exp, match_flags, subst_exp, repl_exp,"
			    " attrs, disabled FROM dialplan ORDER BY dpid, pr, id", &st);
	if (rc == SIP_OK)
		while ((rc = db_step(st)) == DB_ROW) {
			web_buf_printf(b, "<tr><td>%" PRId64 "</td><td>%" PRId64 "</td><td>%s ",
				       db_column_int(st, 1), db_column_int(st, 2),
				       db_column_int(st, 3) == DP_MATCH_EXACT ? "exactly" : "regex");
			sip_str m = db_column_text(st, 4);
			web_buf_puts(b, "<code>");
			web_buf_html_n(b, m.s ? m.s : "", m.len);
			web_buf_printf(b, "</code>%s%s</td>", db_column_int(st, 5) & DP_FLAG_ICASE ? " (any case)" : "",
				       db_column_int(st, 9) ? " (disabled)" : "");
			web_td(r, st, 6);
			web_td(r, st, 7);
			web_td(r, st, 8);
			web_buf_puts(b, "<td>");
			if (web_session_writes(r->s)) {
				web_buf_printf(b, "<a class=\"edit\" href=\"/dialplans?edit=%" PRId64 "\">edit</a> ",
					       db_column_int(st, 0));
				web_buf_puts(b, "<form class=\"inline\" method=\"post\" action=\"/dialplans/delete\""
					     " data-confirm=\"Remove this rule?\">");
				web_csrf_input(r);
				web_buf_printf(b, "<input type=\"hidden\" name=\"id\" value=\"%" PRId64 "\">"
					       "<button class=\"danger\">Remove</button></form>", db_column_int(st, 0));
			}
			web_buf_puts(b, "</td></tr>");
		}
	db_finalize(st);
	web_buf_puts(b, "</table>");
	if (rc != SIP_OK)
		web_msg(r, "err", db_error(r->d));
	if (web_session_writes(r->s)) {
		if (f->id[0]) {
			web_buf_puts(b, "<form method=\"post\" action=\"/dialplans/save\" id=\"dpadd\"><fieldset>"
				     "<legend>Edit rule ");
			web_buf_html(b, f->id);
			web_buf_puts(b, "</legend><input type=\"hidden\" name=\"id\" value=\"");
			web_buf_html(b, f->id);
			web_buf_puts(b, "\">");
		} else {
			web_buf_puts(b, "<form method=\"post\" action=\"/dialplans/add\" id=\"dpadd\"><fieldset>"
				     "<legend>Add a rule</legend>");
		}
		web_msg(r, "err", err);
		web_csrf_input(r);
		const char *fields[][3] = {
			{ "dpid", "Dial plan", f->dpid }, { "pr", "Priority (lowest first)", f->pr },
			{ "match", "Match", f->match },   { "subst", "Rewrite (regex)", f->subst },
			{ "repl", "To (\\1..\\9)", f->repl }, { "attrs", "Attributes", f->attrs },
		};
		for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
			web_buf_printf(b, "<label>%s <input name=\"%s\" value=\"", fields[i][1], fields[i][0]);
			web_buf_html(b, fields[i][2]);
			web_buf_puts(b, "\"></label>");
			if (i == 1)
				web_buf_printf(b, "<label>Match by <select name=\"op\"><option value=\"regex\">regular"
					       " expression</option><option value=\"exact\"%s>exact string</option>"
					       "</select></label>", strcmp(f->op, "exact") == 0 ? " selected" : "");
		}
		web_buf_printf(b, "<label><input type=\"checkbox\" name=\"icase\" value=\"1\"%s> any case</label>"
			       "<button>%s</button>%s</fieldset></form>", f->icase[0] == '1' ? " checked" : "",
			       f->id[0] ? "Save" : "Add", f->id[0] ? " <a href=\"/dialplans\">cancel</a>" : "");
	}
	web_end(r);
}

/* The page; ?edit=ID fills the form with that rule to change it. */
void web_dialplans_page(web_req *r)
{
	web_dp_form f = { 0 };
	int64_t id;
	if (!web_arg(r, "edit")[0] || !web_session_writes(r->s)) {
		web_dp_render(r, NULL, NULL);
		return;
	}
	db_stmt *st;
	bool found = false;
	if (ctl_parse_id(web_arg(r, "edit"), &id)
	    && db_prepare(r->d, "SELECT dpid, pr, match_op, match_exp, match_flags, subst_exp, repl_exp,"
			  " attrs FROM dialplan WHERE id = $1", &st) == SIP_OK) {
		if (db_bind_int(st, 1, id) == SIP_OK && db_step(st) == DB_ROW) {
			snprintf(f.id, sizeof f.id, "%" PRId64, id);
			web_col(st, 0, f.dpid, sizeof f.dpid);
			web_col(st, 1, f.pr, sizeof f.pr);
			snprintf(f.op, sizeof f.op, "%s", db_column_int(st, 2) == DP_MATCH_EXACT ? "exact" : "regex");
			web_col(st, 3, f.match, sizeof f.match);
			snprintf(f.icase, sizeof f.icase, "%s", db_column_int(st, 4) & DP_FLAG_ICASE ? "1" : "");
			web_col(st, 5, f.subst, sizeof f.subst);
			web_col(st, 6, f.repl, sizeof f.repl);
			web_col(st, 7, f.attrs, sizeof f.attrs);
			found = true;
		}
		db_finalize(st);
	}
	if (!found) {
		web_refuse(r, 404, "Not found", "no such rule");
		return;
	}
	web_dp_render(r, NULL, &f);
}

/* Add a rule, or with edit change rule id= of the form; checked by the
 * module's compiler either way. */
static void web_dialplan_save_as(web_req *r, bool edit)
{
	web_dp_form f = { 0 };
	int64_t id = 0;
	if (edit) {
		web_field(r, "id", f.id, sizeof f.id);
		if (!ctl_parse_id(f.id, &id)) {
			web_refuse(r, 400, "Bad request", "the form has no valid id");
			return;
		}
	}
	web_field(r, "dpid", f.dpid, sizeof f.dpid);
	web_field(r, "pr", f.pr, sizeof f.pr);
	web_field(r, "op", f.op, sizeof f.op);
	web_field(r, "match", f.match, sizeof f.match);
	web_field(r, "subst", f.subst, sizeof f.subst);
	web_field(r, "repl", f.repl, sizeof f.repl);
	web_field(r, "attrs", f.attrs, sizeof f.attrs);
	web_field(r, "icase", f.icase, sizeof f.icase);
	int64_t dpid = 0, pr = 0;
	const char *why = NULL;
	static char msg[560];
	dp_rule_def def = { 0 };
	if (!web_dp_int(f.dpid, 0, INT32_MAX, &dpid))
		why = "the dial plan id is an integer, 0 or more";
	else if (f.pr[0] && !web_dp_int(f.pr, -1000000, 1000000, &pr))
		why = "the priority is an integer (the lowest is tried first)";
	else if (strcmp(f.op, "regex") && strcmp(f.op, "exact"))
		why = "match by a regular expression or an exact string";
	else if (!f.match[0])
		why = "the match is empty";
	else if (strlen(f.match) > WEB_DP_COL_MAX || strlen(f.subst) > WEB_DP_COL_MAX
		 || strlen(f.repl) > WEB_DP_COL_MAX || strlen(f.attrs) > WEB_DP_COL_MAX)
		why = "a field is longer than 255 characters";
	if (!why) {
		def = (dp_rule_def){
			.dpid = dpid, .pr = pr,
			.match_op = strcmp(f.op, "exact") == 0 ? DP_MATCH_EXACT : DP_MATCH_REGEX,
			.match_flags = f.icase[0] == '1' ? DP_FLAG_ICASE : 0,
			.match_exp = web_s(f.match), .subst_exp = web_s(f.subst),
			.repl_exp = web_s(f.repl), .attrs = web_s(f.attrs),
		};
		char what[512];
		if (dp_rule_check(&def, what, sizeof what)) {
			snprintf(msg, sizeof msg, "the rule does not compile: %s", what);
			why = msg;
		}
	}
	if (why) {
		web_dp_render(r, why, &f);
		return;
	}
	db_stmt *st;
	int rc = db_exec(r->d, "BEGIN");
	long changed = 1;
	if (rc == SIP_OK
	    && (rc = edit ? db_prepare(r->d, "UPDATE dialplan SET dpid = $1, pr = $2, match_op = $3,"
				       " match_exp = $4, match_flags = $5, subst_exp = $6, repl_exp = $7,"
				       " attrs = $8 WHERE id = $9", &st)
			  : db_prepare(r->d, "INSERT INTO dialplan (dpid, pr, match_op, match_exp,"
				       " match_flags, subst_exp, repl_exp, attrs, disabled)"
				       " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0)", &st)) == SIP_OK) {
		if ((rc = db_bind_int(st, 1, def.dpid)) == SIP_OK && (rc = db_bind_int(st, 2, def.pr)) == SIP_OK
		    && (rc = db_bind_int(st, 3, def.match_op)) == SIP_OK
		    && (rc = db_bind_text(st, 4, def.match_exp)) == SIP_OK
		    && (rc = db_bind_int(st, 5, def.match_flags)) == SIP_OK
		    && (rc = db_bind_text(st, 6, def.subst_exp)) == SIP_OK
		    && (rc = db_bind_text(st, 7, def.repl_exp)) == SIP_OK
		    && (rc = db_bind_text(st, 8, def.attrs)) == SIP_OK
		    && (!edit || (rc = db_bind_int(st, 9, id)) == SIP_OK))
			rc = ctl_run(st);
		changed = db_changes(st);
		db_finalize(st);
	}
	if (rc == SIP_OK && !changed)
		rc = SIP_ENOTFOUND;
	char obj[40], det[320];
	snprintf(obj, sizeof obj, "dial plan %" PRId64, dpid);
	snprintf(det, sizeof det, "%s -> %s", f.match, f.repl);
	web_save_end(r, rc, edit, "dialplan", "rule", "/dialplans", obj, det);
}

void web_dialplan_add(web_req *r)
{
	web_dialplan_save_as(r, false);
}

void web_dialplan_save(web_req *r)
{
	web_dialplan_save_as(r, true);
}

void web_dialplan_delete(web_req *r)
{
	int64_t id;
	if (!web_form_id(r, &id))
		return;
	db_stmt *st;
	long changed = 0;
	int64_t dpid = -1;
	if (db_prepare(r->d, "SELECT dpid FROM dialplan WHERE id = $1", &st) == SIP_OK
	    && db_bind_int(st, 1, id) == SIP_OK && db_step(st) == DB_ROW)
		dpid = db_column_int(st, 0);
	db_finalize(st);
	int rc = db_exec(r->d, "BEGIN");
	if (rc == SIP_OK && (rc = db_prepare(r->d, "DELETE FROM dialplan WHERE id = $1", &st)) == SIP_OK) {
		if ((rc = db_bind_int(st, 1, id)) == SIP_OK)
			rc = ctl_run(st);
		changed = db_changes(st);
		db_finalize(st);
	}
	if (rc == SIP_OK && !changed)
		rc = SIP_ENOTFOUND;
	char obj[40], det[40];
	snprintf(obj, sizeof obj, "dial plan %" PRId64, dpid);
	snprintf(det, sizeof det, "rule %" PRId64, id);
	if (web_tx_end(r, rc, "dialplan remove", obj, det) != SIP_OK) {
		web_refuse(r, 404, "Not found", "no such rule");
		return;
	}
	web_redirect(r, "/dialplans?done=deleted");
}
