/* sipcc-web: the subscribers' preferences (usr_preferences, what
 * avp_db_load reads: call forwarding targets, limits) and their groups
 * (grp, what is_user_in reads). The checks are sipcc-ctl's (ctl_pref.c,
 * the group module's names) plus what a form needs: a forwarding target
 * must be a SIP URI, a timeout a number of seconds. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../sipcc-ctl/ctl.h"
#include "group/group.h"
#include "prefs/prefs.h"
#include "web.h"

/* The attributes of the book's call forwarding (examples/provider.sip):
 * offered in the form, and checked for what they must hold. */
static const struct {
	const char *name, *what;
	bool is_int;
} web_pref_known[] = {
	{ "cfu", "forward every call to (sip:URI)", false },
	{ "cfb", "forward when busy to (sip:URI)", false },
	{ "cfna", "forward when not answered to (sip:URI)", false },
	{ "cfna_timeout", "seconds before a call counts as not answered", true },
};

/* Why value cannot be attribute name's (typed is_int), or NULL. */
static const char *web_pref_why(const char *name, const char *value, bool is_int)
{
	for (size_t i = 0; i < sizeof web_pref_known / sizeof web_pref_known[0]; i++) {
		if (strcmp(name, web_pref_known[i].name) != 0)
			continue;
		if (web_pref_known[i].is_int) {
			char *end;
			long v = strtol(value, &end, 10);
			if (!is_int || !*value || *end || v < 1 || v > 3600)
				return "cfna_timeout is an integer number of seconds, 1 to 3600";
			return NULL;
		}
		if (is_int)
			return "a forwarding target is a string (a SIP URI), not an integer";
		return web_check_forward(value);
	}
	return ctl_pref_check(name, value, is_int);
}

/* "user@domain" or "@domain" into user and dom (user "" for a domain's
 * attributes); a sentence when it is neither. */
static const char *web_pref_owner(const char *s, char *user, size_t usz, char *dom, size_t dsz)
{
	if (s[0] == '@') {
		const char *why = web_check_domain(s + 1);
		if (why)
			return why;
		if (!ctl_pref_owner(s, user, usz, dom, dsz))
			return "the owner is user@domain or @domain";
		return NULL;
	}
	return web_check_aor(s, user, usz, dom, dsz);
}

static void web_prefs_render(web_req *r, const char *err, const char *owner, const char *name,
			     const char *value, bool is_int)
{
	const char *q = web_arg(r, "owner");
	if (web_check_search(q))
		q = "";
	char like[160];
	web_like_pattern(q, like, sizeof like);
	int64_t page = web_page_no(r);
	web_begin(r, "Preferences", "/preferences");
	if (err)
		r->status = 400;
	web_done_notice(r);
	web_buf *b = &r->out;
	web_buf_puts(b, "<p class=\"note\">Per-subscriber (user@domain) and per-domain (@domain)"
		     " attributes the policy loads with avp_db_load: call forwarding (cfu, cfb, cfna,"
		     " cfna_timeout), limits. A running proxy loads a change by itself.</p>"
		     "<form method=\"get\" action=\"/preferences\"><label>Owner <input name=\"owner\" value=\"");
	web_buf_html(b, q);
	web_buf_puts(b, "\"></label><button>Search</button></form><table id=\"preferences\"><tr><th>Owner"
		     "</th><th>Attribute</th><th>Type</th><th>Value</th><th></th></tr>");
	db_stmt *st;
	int rc = db_prepare(r->d, "SELECT id, username, domain, attribute, type, value FROM usr_preferences"
			    " WHERE $1 = '' OR username LIKE $1 ESCAPE '!' OR domain LIKE $1 ESCAPE '!'"
			    " ORDER BY domain, username, attribute LIMIT 26 OFFSET $2", &st);
	int n = 0;
	if (rc == SIP_OK && (rc = db_bind_text(st, 1, web_s(like))) == SIP_OK
	    && (rc = db_bind_int(st, 2, (page - 1) * WEB_PAGE_ROWS)) == SIP_OK)
		while ((rc = db_step(st)) == DB_ROW && n < WEB_PAGE_ROWS) {
			char u[160], d[260];
			web_col(st, 1, u, sizeof u);
			web_col(st, 2, d, sizeof d);
			web_buf_puts(b, "<tr><td>");
			web_buf_html(b, u);
			web_buf_puts(b, "@");
			web_buf_html(b, d);
			web_buf_puts(b, "</td>");
			web_td(r, st, 3);
			web_buf_printf(b, "<td>%s</td>", db_column_int(st, 4) == PREFS_TYPE_INT ? "integer" : "string");
			web_td(r, st, 5);
			web_buf_puts(b, "<td>");
			if (web_session_writes(r->s)) {
				web_buf_puts(b, "<form class=\"inline\" method=\"post\" action=\"/preferences/delete\""
					     " data-confirm=\"Remove this attribute?\">");
				web_csrf_input(r);
				web_buf_printf(b, "<input type=\"hidden\" name=\"id\" value=\"%" PRId64 "\">"
					       "<button class=\"danger\">Remove</button></form>", db_column_int(st, 0));
			}
			web_buf_puts(b, "</td></tr>");
			n++;
		}
	bool more = rc == DB_ROW;
	db_finalize(st);
	web_buf_puts(b, "</table>");
	if (rc != SIP_OK && rc != DB_ROW)
		web_msg(r, "err", db_error(r->d));
	web_buf qs = { 0 };
	if (*q) {
		web_buf_puts(&qs, "&owner=");
		web_buf_url(&qs, q);
	}
	web_pager(r, "/preferences", page, more, qs.s ? qs.s : "");
	web_buf_free(&qs);
	if (web_session_writes(r->s)) {
		web_buf_puts(b, "<form method=\"post\" action=\"/preferences/set\" id=\"prefset\"><fieldset>"
			     "<legend>Set an attribute</legend>");
		web_msg(r, "err", err);
		web_csrf_input(r);
		web_buf_puts(b, "<label>Owner (user@domain or @domain) <input name=\"owner\" required value=\"");
		web_buf_html(b, owner ? owner : "");
		web_buf_puts(b, "\"></label><label>Attribute <input name=\"attribute\" list=\"known\" required value=\"");
		web_buf_html(b, name ? name : "");
		web_buf_puts(b, "\"></label><datalist id=\"known\">");
		for (size_t i = 0; i < sizeof web_pref_known / sizeof web_pref_known[0]; i++)
			web_buf_printf(b, "<option value=\"%s\">%s</option>", web_pref_known[i].name,
				       web_pref_known[i].what);
		web_buf_puts(b, "</datalist><label>Value <input name=\"value\" value=\"");
		web_buf_html(b, value ? value : "");
		web_buf_printf(b, "\"></label><label>Type <select name=\"type\"><option value=\"str\">string</option>"
			       "<option value=\"int\"%s>integer</option></select></label><button>Set</button>"
			       "</fieldset></form>", is_int ? " selected" : "");
	}
	web_end(r);
}

void web_prefs_page(web_req *r)
{
	web_prefs_render(r, NULL, NULL, NULL, NULL, false);
}

void web_pref_set(web_req *r)
{
	char owner[300] = "", name[80] = "", value[300] = "", type[8] = "";
	char user[PREFS_USER_MAX + 1] = "", dom[PREFS_DOMAIN_MAX + 1] = "";
	web_field(r, "owner", owner, sizeof owner);
	web_field(r, "attribute", name, sizeof name);
	web_field(r, "value", value, sizeof value);
	web_field(r, "type", type, sizeof type);
	bool is_int = strcmp(type, "int") == 0;
	const char *why = web_pref_owner(owner, user, sizeof user, dom, sizeof dom);
	if (!why && !ctl_pref_name(name))
		why = "the attribute name has letters, digits and '_' (not first), at most 64";
	if (!why)
		why = web_pref_why(name, value, is_int);
	bool known = false;
	if (!why) {
		int rc = user[0] ? ctl_subscriber_exists(r->d, user, dom, &known)
				 : ctl_domain_known(r->d, dom, &known);
		if (rc != SIP_OK) {
			web_dbfail(r, "cannot read the subscribers");
			return;
		}
		if (!known)
			why = user[0] ? "there is no such subscriber" : "the domain is not served";
	}
	if (why) {
		web_prefs_render(r, why, owner, name, value, is_int);
		return;
	}
	db_stmt *st = NULL;
	int rc = db_exec(r->d, "BEGIN");
	if (rc == SIP_OK)
		rc = ctl_pref_store(r->d, &st, user, dom, name, value, is_int);
	db_finalize(st);
	char obj[400], det[400];
	snprintf(obj, sizeof obj, "%s@%s", user, dom);
	snprintf(det, sizeof det, "%s = %s", name, value);
	if (web_tx_end(r, rc, "preference set", obj, det) != SIP_OK) {
		web_dbfail(r, "cannot set the attribute");
		return;
	}
	web_redirect(r, "/preferences?done=saved");
}

void web_pref_delete(web_req *r)
{
	int64_t id;
	if (!web_form_id(r, &id))
		return;
	char obj[450] = "", det[80] = "";
	db_stmt *st;
	if (db_prepare(r->d, "SELECT username, domain, attribute FROM usr_preferences WHERE id = $1", &st) == SIP_OK
	    && db_bind_int(st, 1, id) == SIP_OK && db_step(st) == DB_ROW) {
		char u[160], d[260];
		web_col(st, 0, u, sizeof u);
		web_col(st, 1, d, sizeof d);
		web_col(st, 2, det, sizeof det);
		snprintf(obj, sizeof obj, "%s@%s", u, d);
	}
	db_finalize(st);
	if (!obj[0]) {
		web_refuse(r, 404, "Not found", "no such attribute");
		return;
	}
	int rc = db_exec(r->d, "BEGIN");
	if (rc == SIP_OK && (rc = db_prepare(r->d, "DELETE FROM usr_preferences WHERE id = $1", &st)) == SIP_OK) {
		if ((rc = db_bind_int(st, 1, id)) == SIP_OK)
			rc = ctl_run(st);
		db_finalize(st);
	}
	if (web_tx_end(r, rc, "preference remove", obj, det) != SIP_OK) {
		web_dbfail(r, "cannot remove the attribute");
		return;
	}
	web_redirect(r, "/preferences?done=deleted");
}

/* ---- groups ---- */

static void web_groups_render(web_req *r, const char *err, const char *who, const char *grp)
{
	web_begin(r, "Groups", "/groups");
	if (err)
		r->status = 400;
	web_done_notice(r);
	web_buf *b = &r->out;
	web_buf_puts(b, "<p class=\"note\">Group memberships the policy tests with is_user_in (the"
		     " book's provider: <b>pstn</b> may call national numbers, <b>intl</b>"
		     " international ones).</p><table id=\"groups\"><tr><th>Subscriber</th><th>Group"
		     "</th><th></th></tr>");
	db_stmt *st;
	int rc = db_prepare(r->d, "SELECT id, username, domain, grp FROM grp ORDER BY domain, username, grp",
			    &st);
	if (rc == SIP_OK)
		while ((rc = db_step(st)) == DB_ROW) {
			char u[160], d[260];
			web_col(st, 1, u, sizeof u);
			web_col(st, 2, d, sizeof d);
			web_buf_puts(b, "<tr><td>");
			web_buf_html(b, u);
			web_buf_puts(b, "@");
			web_buf_html(b, d);
			web_buf_puts(b, "</td>");
			web_td(r, st, 3);
			web_buf_puts(b, "<td>");
			if (web_session_writes(r->s)) {
				web_buf_puts(b, "<form class=\"inline\" method=\"post\" action=\"/groups/delete\""
					     " data-confirm=\"Take the subscriber out of this group?\">");
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
		web_buf_puts(b, "<form method=\"post\" action=\"/groups/add\" id=\"grpadd\"><fieldset>"
			     "<legend>Put a subscriber in a group</legend>");
		web_msg(r, "err", err);
		web_csrf_input(r);
		web_buf_puts(b, "<label>Subscriber (user@domain) <input name=\"subscriber\" required value=\"");
		web_buf_html(b, who ? who : "");
		web_buf_puts(b, "\"></label><label>Group <input name=\"group\" required value=\"");
		web_buf_html(b, grp ? grp : "");
		web_buf_puts(b, "\"></label><button>Add</button></fieldset></form>");
	}
	web_end(r);
}

void web_groups_page(web_req *r)
{
	web_groups_render(r, NULL, NULL, NULL);
}

void web_group_add(web_req *r)
{
	char who[300] = "", grp[80] = "", user[128], dom[256];
	web_field(r, "subscriber", who, sizeof who);
	web_field(r, "group", grp, sizeof grp);
	const char *why = web_check_aor(who, user, sizeof user, dom, sizeof dom);
	if (!why && !group_name_valid(web_s(grp)))
		why = "a group name has 1 to 64 letters, digits, '_', '-' or '.'";
	bool exists = false;
	if (!why) {
		if (ctl_subscriber_exists(r->d, user, dom, &exists) != SIP_OK) {
			web_dbfail(r, "cannot read the subscribers");
			return;
		}
		if (!exists)
			why = "there is no such subscriber";
	}
	if (why) {
		web_groups_render(r, why, who, grp);
		return;
	}
	db_stmt *st;
	int rc = db_exec(r->d, "BEGIN");
	if (rc == SIP_OK && (rc = db_prepare(r->d, "INSERT INTO grp (username, domain, grp) VALUES ($1, $2, $3)",
					     &st)) == SIP_OK) {
		if ((rc = db_bind_text(st, 1, web_s(user))) == SIP_OK
		    && (rc = db_bind_text(st, 2, web_s(dom))) == SIP_OK
		    && (rc = db_bind_text(st, 3, web_s(grp))) == SIP_OK)
			rc = ctl_run(st);
		db_finalize(st);
	}
	bool dup = rc == SIP_EDBCONSTRAINT;
	char obj[400];
	snprintf(obj, sizeof obj, "%s@%s", user, dom);
	rc = web_tx_end(r, rc, "group add", obj, grp);
	if (dup) {
		web_groups_render(r, "the subscriber is in this group already", who, grp);
		return;
	}
	if (rc != SIP_OK) {
		web_dbfail(r, "cannot change the groups");
		return;
	}
	web_redirect(r, "/groups?done=added");
}

void web_group_delete(web_req *r)
{
	int64_t id;
	if (!web_form_id(r, &id))
		return;
	char obj[450] = "", grp[80] = "";
	db_stmt *st;
	if (db_prepare(r->d, "SELECT username, domain, grp FROM grp WHERE id = $1", &st) == SIP_OK
	    && db_bind_int(st, 1, id) == SIP_OK && db_step(st) == DB_ROW) {
		char u[160], d[260];
		web_col(st, 0, u, sizeof u);
		web_col(st, 1, d, sizeof d);
		web_col(st, 2, grp, sizeof grp);
		snprintf(obj, sizeof obj, "%s@%s", u, d);
	}
	db_finalize(st);
	if (!obj[0]) {
		web_refuse(r, 404, "Not found", "no such membership");
		return;
	}
	int rc = db_exec(r->d, "BEGIN");
	if (rc == SIP_OK && (rc = db_prepare(r->d, "DELETE FROM grp WHERE id = $1", &st)) == SIP_OK) {
		if ((rc = db_bind_int(st, 1, id)) == SIP_OK)
			rc = ctl_run(st);
		db_finalize(st);
	}
	if (web_tx_end(r, rc, "group remove", obj, grp) != SIP_OK) {
		web_dbfail(r, "cannot change the groups");
		return;
	}
	web_redirect(r, "/groups?done=deleted");
}
