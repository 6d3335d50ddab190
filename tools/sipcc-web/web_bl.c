/* sipcc-web: the number blacklists check_blacklist() reads
 * (modules/blacklist): the global list and each subscriber's, every row a
 * prefix that is refused, or allowed as an exception. The checks are the
 * module's and sipcc-ctl's: a prefix has digits only (a leading '+' is
 * dropped, as the module compares from the first digit). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "../sipcc-ctl/ctl.h"
#include "blacklist/blacklist.h"
#include "web.h"

static void web_bl_render(web_req *r, const char *err, const char *owner, const char *prefix,
			  const char *desc, bool allow)
{
	web_begin(r, "Blacklists", "/blacklists");
	if (err)
		r->status = 400;
	web_done_notice(r);
	web_buf *b = &r->out;
	web_buf_puts(b, "<table id=\"blacklists\"><tr><th>List</th><th>Prefix</th><th>Rule</th>"
		     "<th>Description</th><th></th></tr>");
	db_stmt *st;
	int rc = db_prepare(r->d, "SELECT id, username, domain, prefix, whitelist, description FROM blacklist"
			    " ORDER BY domain, username, prefix", &st);
	if (rc == SIP_OK)
		while ((rc = db_step(st)) == DB_ROW) {
			char u[160], d[260];
			web_col(st, 1, u, sizeof u);
			web_col(st, 2, d, sizeof d);
			web_buf_puts(b, "<tr><td>");
			if (!u[0] && !d[0]) {
				web_buf_puts(b, "global");
			} else {
				web_buf_html(b, u);
				web_buf_puts(b, "@");
				web_buf_html(b, d);
			}
			web_buf_puts(b, "</td>");
			web_td(r, st, 3);
			web_buf_printf(b, "<td>%s</td>", db_column_int(st, 4) ? "allowed" : "refused");
			web_td(r, st, 5);
			web_buf_puts(b, "<td>");
			if (web_session_writes(r->s)) {
				web_buf_puts(b, "<form class=\"inline\" method=\"post\" action=\"/blacklists/delete\""
					     " data-confirm=\"Remove this row?\">");
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
		web_buf_puts(b, "<form method=\"post\" action=\"/blacklists/add\" id=\"bladd\"><fieldset>"
			     "<legend>Add a prefix</legend>");
		web_msg(r, "err", err);
		web_csrf_input(r);
		web_buf_puts(b, "<label>Subscriber (user@domain; empty: the global list) <input name=\"owner\""
			     " value=\"");
		web_buf_html(b, owner ? owner : "");
		web_buf_puts(b, "\"></label><label>Prefix <input name=\"prefix\" value=\"");
		web_buf_html(b, prefix ? prefix : "");
		web_buf_puts(b, "\"></label><label>Description <input name=\"description\" value=\"");
		web_buf_html(b, desc ? desc : "");
		web_buf_printf(b, "\"></label><label><input type=\"checkbox\" name=\"allow\" value=\"1\"%s> an"
			       " exception (allowed)</label><button>Add</button></fieldset></form>",
			       allow ? " checked" : "");
	}
	web_end(r);
}

void web_blacklists_page(web_req *r)
{
	web_bl_render(r, NULL, NULL, NULL, NULL, false);
}

void web_blacklist_add(web_req *r)
{
	char owner[300] = "", prefix[80] = "", desc[300] = "", allow_s[4] = "";
	char user[128] = "", dom[256] = "";
	web_field(r, "owner", owner, sizeof owner);
	web_field(r, "prefix", prefix, sizeof prefix);
	web_field(r, "description", desc, sizeof desc);
	web_field(r, "allow", allow_s, sizeof allow_s);
	bool allow = strcmp(allow_s, "1") == 0;
	const char *why = owner[0] ? web_check_aor(owner, user, sizeof user, dom, sizeof dom) : NULL;
	const char *p = prefix[0] == '+' ? prefix + 1 : prefix;
	if (!why && !bl_prefix_valid(web_s(p)))
		why = "the prefix has up to 64 digits (a leading '+' is ignored; empty: every number)";
	if (!why && strlen(desc) > 255)
		why = "the description is longer than 255 characters";
	if (!why && user[0]) {
		bool exists = false;
		if (ctl_subscriber_exists(r->d, user, dom, &exists) != SIP_OK) {
			web_dbfail(r, "cannot read the subscribers");
			return;
		}
		if (!exists)
			why = "there is no such subscriber";
	}
	if (why) {
		web_bl_render(r, why, owner, prefix, desc, allow);
		return;
	}
	db_stmt *st;
	int rc = db_exec(r->d, "BEGIN");
	if (rc == SIP_OK && (rc = db_prepare(r->d, "INSERT INTO blacklist (username, domain, prefix, whitelist,"
					     " description) VALUES ($1, $2, $3, $4, $5)", &st)) == SIP_OK) {
		if ((rc = db_bind_text(st, 1, web_s(user))) == SIP_OK && (rc = db_bind_text(st, 2, web_s(dom))) == SIP_OK
		    && (rc = db_bind_text(st, 3, web_s(p))) == SIP_OK && (rc = db_bind_int(st, 4, allow)) == SIP_OK
		    && (rc = db_bind_text(st, 5, web_s(desc))) == SIP_OK)
			rc = ctl_run(st);
		db_finalize(st);
	}
	bool dup = rc == SIP_EDBCONSTRAINT;
	char obj[450], det[120];
	if (user[0])
		snprintf(obj, sizeof obj, "%s@%s", user, dom);
	else
		snprintf(obj, sizeof obj, "global");
	snprintf(det, sizeof det, "%s %s", allow ? "allow" : "refuse", p);
	rc = web_tx_end(r, rc, "blacklist add", obj, det);
	if (dup) {
		web_bl_render(r, "this prefix is in that list already", owner, prefix, desc, allow);
		return;
	}
	if (rc != SIP_OK) {
		web_dbfail(r, "cannot change the blacklist");
		return;
	}
	web_redirect(r, "/blacklists?done=added");
}

void web_blacklist_delete(web_req *r)
{
	int64_t id;
	if (!web_form_id(r, &id))
		return;
	char obj[450] = "", pre[80] = "";
	bool found = false;
	db_stmt *st;
	if (db_prepare(r->d, "SELECT username, domain, prefix FROM blacklist WHERE id = $1", &st) == SIP_OK
	    && db_bind_int(st, 1, id) == SIP_OK && db_step(st) == DB_ROW) {
		char u[160], d[260];
		web_col(st, 0, u, sizeof u);
		web_col(st, 1, d, sizeof d);
		web_col(st, 2, pre, sizeof pre);
		if (u[0] || d[0])
			snprintf(obj, sizeof obj, "%s@%s", u, d);
		else
			snprintf(obj, sizeof obj, "global");
		found = true;
	}
	db_finalize(st);
	if (!found) {
		web_refuse(r, 404, "Not found", "no such blacklist row");
		return;
	}
	int rc = db_exec(r->d, "BEGIN");
	if (rc == SIP_OK && (rc = db_prepare(r->d, "DELETE FROM blacklist WHERE id = $1", &st)) == SIP_OK) {
		if ((rc = db_bind_int(st, 1, id)) == SIP_OK)
			rc = ctl_run(st);
		db_finalize(st);
	}
	if (web_tx_end(r, rc, "blacklist remove", obj, pre) != SIP_OK) {
		web_dbfail(r, "cannot change the blacklist");
		return;
	}
	web_redirect(r, "/blacklists?done=deleted");
}
