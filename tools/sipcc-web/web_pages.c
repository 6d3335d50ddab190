/* sipcc-web: the pages. Each page reads its arguments, checks every one
 * of them (a bad value gets the form again with a sentence saying what is
 * wrong), runs prepared statements only and writes HTML in which every
 * value from the database or the request is escaped. A change and its
 * row in web_audit commit together or not at all. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../sipcc-ctl/ctl.h"
#include "core/arena.h"
#include "core/json.h"
#include "web.h"



/* ---- assets: every byte the browser loads comes from here ---- */

static const char web_css[] =
	"*{box-sizing:border-box}"
	"body{margin:0;font:15px/1.45 system-ui,sans-serif;color:#1d2530;background:#f4f6f9}"
	"header{background:#1f3a5f;color:#fff;padding:.6em 1.2em;display:flex;align-items:center;gap:.9em;flex-wrap:wrap}"
	"header b{font-size:1.15em;margin-right:1em}"
	"header a{color:#d9e6f7;text-decoration:none}header a.on{color:#fff;border-bottom:2px solid #8fc1ff}"
	"header .me{margin-left:auto;display:flex;gap:.6em;align-items:center}"
	"main{max-width:1100px;margin:1.2em auto;padding:0 1.2em}"
	"h1{font-size:1.4em;margin:.2em 0 .8em}"
	"table{border-collapse:collapse;width:100%;background:#fff;margin:.6em 0}"
	"th,td{border-bottom:1px solid #dde3ea;padding:.35em .6em;text-align:left;vertical-align:top}"
	"th{background:#eef2f7;font-weight:600}"
	"form.inline{display:inline}"
	"fieldset{border:1px solid #cfd8e3;background:#fff;padding:.8em 1em;margin:.8em 0}"
	"label{display:inline-block;margin:.2em 1em .2em 0}"
	"input,select,button{font:inherit;padding:.25em .5em}"
	"button{background:#1f5fa8;color:#fff;border:0;border-radius:3px;cursor:pointer}"
	"button.danger{background:#b3261e}header button{background:#345a87}"
	".err{background:#fde8e7;border:1px solid #e5a39f;color:#8a1c15;padding:.5em .8em;margin:.6em 0}"
	".ok{background:#e6f4ea;border:1px solid #9ccfa9;color:#1e5b2e;padding:.5em .8em;margin:.6em 0}"
	"td.down{color:#8a1c15;font-weight:600}"
	".note{color:#5b6775}.pager{margin:.6em 0}.pager a{margin-right:1em}"
	"code.pw{font-size:1.2em;background:#fff;padding:.2em .5em;border:1px solid #ccc}"
	"svg{background:#fff;border:1px solid #dde3ea}"
	".login{max-width:360px;margin:4em auto}.login label{display:block}.login input{width:100%}";

/* Asks before a form marked data-confirm is sent; shows a password field
 * on demand. Served from /static/app.js: the pages carry no inline script
 * (the Content-Security-Policy forbids it). */
static const char web_js[] =
	"document.addEventListener('submit',function(e){"
	"var m=e.target.getAttribute('data-confirm');"
	"if(m&&!window.confirm(m))e.preventDefault();});"
	"document.addEventListener('click',function(e){"
	"var t=e.target.getAttribute('data-show');if(!t)return;"
	"var i=document.getElementById(t);if(i)i.type=i.type==='password'?'text':'password';});";

/* ---- page frame ---- */

static const struct {
	const char *path, *name;
} web_nav[] = {
	{ "/subscribers", "Subscribers" }, { "/domains", "Domains" },
	{ "/aliases", "Aliases" },         { "/preferences", "Preferences" },
	{ "/groups", "Groups" },           { "/blacklists", "Blacklists" },
	{ "/addresses", "Trusted" },       { "/dialplans", "Dial plans" },
	{ "/gateways", "Gateways" },       { "/dispatcher", "Dispatcher" },
	{ "/registrations", "Registrations" },
	{ "/calls", "Calls" },             { "/stats", "Statistics" },
	{ "/cdrs", "CDRs" },               { "/audit", "Audit log" },
	{ "/accounts", "Accounts" },
};

void web_csrf_input(web_req *r)
{
	web_buf_printf(&r->out, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">",
		       r->s ? r->s->csrf : "");
}

void web_begin(web_req *r, const char *title, const char *active)
{
	r->status = 200;
	r->ctype = "text/html; charset=utf-8";
	web_buf *b = &r->out;
	web_buf_puts(b, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
		     "<meta name=\"viewport\" content=\"width=device-width\"><title>");
	web_buf_html(b, title);
	web_buf_puts(b, " - sipcc</title><link rel=\"stylesheet\" href=\"/static/style.css\">"
		     "<script src=\"/static/app.js\" defer></script></head><body><header><b>sipcc</b>");
	if (r->s && r->s->user[0]) {
		for (size_t i = 0; i < sizeof web_nav / sizeof web_nav[0]; i++)
			if (strcmp(web_nav[i].path, "/accounts") || web_session_writes(r->s))
				web_buf_printf(b, "<a href=\"%s\"%s>%s</a>", web_nav[i].path,
					       active && strcmp(active, web_nav[i].path) == 0 ? " class=\"on\"" : "",
					       web_nav[i].name);
		web_buf_puts(b, "<span class=\"me\"><span id=\"me\">");
		web_buf_html(b, r->s->user);
		web_buf_puts(b, " (");
		web_buf_html(b, r->s->role);
		web_buf_puts(b, ")</span><form class=\"inline\" method=\"post\" action=\"/logout\">");
		web_csrf_input(r);
		web_buf_puts(b, "<button>Log out</button></form></span>");
	}
	web_buf_puts(b, "</header><main><h1>");
	web_buf_html(b, title);
	web_buf_puts(b, "</h1>");
}

void web_end(web_req *r)
{
	web_buf_puts(&r->out, "</main></body></html>\n");
}

void web_redirect(web_req *r, const char *loc)
{
	r->status = 303;
	snprintf(r->location, sizeof r->location, "%s", loc);
	web_buf_puts(&r->out, "see other\n");
	r->ctype = "text/plain";
}

/* A page that only says no: 403 (CSRF, role) or 404. */
void web_refuse(web_req *r, int status, const char *title, const char *why)
{
	web_begin(r, title, NULL);
	r->status = status;
	web_buf_puts(&r->out, "<p class=\"err\">");
	web_buf_html(&r->out, why);
	web_buf_puts(&r->out, "</p>");
	web_end(r);
}

void web_msg(web_req *r, const char *cls, const char *text)
{
	if (!text || !*text)
		return;
	web_buf_printf(&r->out, "<p class=\"%s\">", cls);
	web_buf_html(&r->out, text);
	web_buf_puts(&r->out, "</p>");
}

/* The notice a redirect after a change asks for (?done=...): a fixed
 * table, so a link cannot make the page say anything else. */
void web_done_notice(web_req *r)
{
	static const struct {
		const char *key, *text;
	} notes[] = {
		{ "added", "Added." }, { "saved", "Saved." }, { "deleted", "Deleted." },
		{ "disabled", "Disabled." }, { "enabled", "Enabled." },
	};
	const char *d = web_arg(r, "done");
	for (size_t i = 0; i < sizeof notes / sizeof notes[0]; i++)
		if (strcmp(d, notes[i].key) == 0)
			web_msg(r, "ok", notes[i].text);
}

void web_dbfail(web_req *r, const char *what)
{
	char msg[512];
	snprintf(msg, sizeof msg, "%s: %s", what, db_error(r->d));
	web_refuse(r, 500, "Database error", msg);
}

/* Record one change made by the logged-in account. */
static int web_audit(web_req *r, const char *action, const char *object, const char *detail)
{
	db_stmt *st;
	int rc = db_prepare(r->d, "INSERT INTO web_audit (time, admin, action, object, detail)"
			    " VALUES ($1, $2, $3, $4, $5)", &st);
	if (rc == SIP_OK && (rc = db_bind_int(st, 1, (int64_t)r->now)) == SIP_OK
	    && (rc = db_bind_text(st, 2, sip_str_make(r->s->user, strlen(r->s->user)))) == SIP_OK
	    && (rc = db_bind_text(st, 3, sip_str_make(action, strlen(action)))) == SIP_OK
	    && (rc = db_bind_text(st, 4, sip_str_make(object, strlen(object)))) == SIP_OK
	    && (rc = db_bind_text(st, 5, sip_str_make(detail, strlen(detail)))) == SIP_OK)
		rc = ctl_run(st);
	db_finalize(st);
	return rc;
}

/* End the transaction a change began: commit when rc is SIP_OK and the
 * audit row went in, else roll back. The final status. */
int web_tx_end(web_req *r, int rc, const char *action, const char *object,
		      const char *detail)
{
	if (rc == SIP_OK)
		rc = web_audit(r, action, object, detail);
	if (rc == SIP_OK)
		rc = db_exec(r->d, "COMMIT");
	if (rc != SIP_OK)
		db_exec(r->d, "ROLLBACK");
	return rc;
}

void web_save_end(web_req *r, int rc, bool edit, const char *kind, const char *noun,
		  const char *page, const char *object, const char *detail)
{
	char action[48], why[80], to[80];
	snprintf(action, sizeof action, "%s %s", kind, edit ? "edit" : "add");
	if (web_tx_end(r, rc, action, object, detail) != SIP_OK) {
		if (rc == SIP_ENOTFOUND) {
			snprintf(why, sizeof why, "no such %s", noun);
			web_refuse(r, 404, "Not found", why);
		} else {
			snprintf(why, sizeof why, "cannot %s the %s", edit ? "change" : "add", noun);
			web_dbfail(r, why);
		}
		return;
	}
	snprintf(to, sizeof to, "%s?done=%s", page, edit ? "saved" : "added");
	web_redirect(r, to);
}

sip_str web_s(const char *s)
{
	return sip_str_make(s, strlen(s));
}

void web_col(db_stmt *st, int col, char *out, size_t outsz)
{
	sip_str v = db_column_text(st, col);
	size_t n = v.len < outsz - 1 ? v.len : outsz - 1;
	if (n)
		memcpy(out, v.s, n);
	out[n] = '\0';
}

void web_td(web_req *r, db_stmt *st, int col)
{
	sip_str v = db_column_text(st, col);
	web_buf_puts(&r->out, "<td>");
	web_buf_html_n(&r->out, v.s ? v.s : "", v.len);
	web_buf_puts(&r->out, "</td>");
}

/* ?page=N (1-based); a bad value reads as 1. */
int64_t web_page_no(web_req *r)
{
	const char *p = web_arg(r, "page");
	char *end;
	long long n = strtoll(p, &end, 10);
	return *p && !*end && n >= 1 && n <= 1000000 ? n : 1;
}

/* Previous/next links keeping the other arguments (query, already
 * url-encoded "&k=v..."). */
void web_pager(web_req *r, const char *path, int64_t page, bool more, const char *query)
{
	web_buf_puts(&r->out, "<p class=\"pager\">");
	if (page > 1)
		web_buf_printf(&r->out, "<a href=\"%s?page=%" PRId64 "%s\">&larr; previous</a>", path,
			       page - 1, query);
	web_buf_printf(&r->out, "<span>page %" PRId64 "</span> ", page);
	if (more)
		web_buf_printf(&r->out, "<a href=\"%s?page=%" PRId64 "%s\">next &rarr;</a>", path,
			       page + 1, query);
	web_buf_puts(&r->out, "</p>");
}

/* ---- login ---- */

static void web_login_form(web_req *r, const char *err)
{
	web_begin(r, "Log in", NULL);
	web_buf_puts(&r->out, "<form class=\"login\" method=\"post\" action=\"/login\"><fieldset>");
	web_msg(r, "err", err);
	web_csrf_input(r);
	web_buf_puts(&r->out, "<label>Account <input name=\"name\" autocomplete=\"username\" required"
		     " autofocus></label><label>Password <input type=\"password\" name=\"password\""
		     " autocomplete=\"current-password\" required></label>"
		     "<p><button id=\"login\">Log in</button></p></fieldset></form>");
	web_end(r);
}

/* Check name and password against web_admin. A wrong name costs the
 * same PBKDF2 run as a wrong password, so timing does not tell which
 * accounts exist. */
static void web_login(web_req *r)
{
	if (!r->post) {
		web_login_form(r, NULL);
		return;
	}
	char name[128], pw[256], hash[WEB_HASH_MAX] = "", role[16] = "";
	web_field(r, "name", name, sizeof name);
	web_field(r, "password", pw, sizeof pw);
	db_stmt *st;
	bool found = false;
	int rc = SIP_EINVAL;
	long wait = web_check_admin_name(name) ? 0 : web_login_locked(name, r->now);
	if (wait) {
		char msg[160];
		snprintf(msg, sizeof msg, "Too many wrong passwords for this account: try again in %ld"
			 " seconds.", wait);
		fprintf(stderr, "sipcc-web: login to '%s' refused: locked for %ld s\n", name, wait);
		web_login_form(r, msg);
		r->status = 429;
		return;
	}
	if (!web_check_admin_name(name)) {
		rc = db_prepare(r->d, "SELECT pwhash, role FROM web_admin WHERE name = $1", &st);
		if (rc == SIP_OK && (rc = db_bind_text(st, 1, web_s(name))) == SIP_OK
		    && (rc = db_step(st)) == DB_ROW) {
			web_col(st, 0, hash, sizeof hash);
			web_col(st, 1, role, sizeof role);
			found = true;
		}
		db_finalize(st);
		if (rc != SIP_OK && rc != DB_ROW) {
			web_dbfail(r, "cannot read the accounts");
			return;
		}
	}
	static char dummy[WEB_HASH_MAX];
	if (!dummy[0])
		web_pw_hash("not a password", WEB_PBKDF2_ITERATIONS, dummy, sizeof dummy);
	bool ok = web_pw_verify(pw, found ? hash : dummy) && found;
	if (!ok) {
		fprintf(stderr, "sipcc-web: failed login for '%s'\n", name);
		if (!web_check_admin_name(name))
			web_login_failed(name, r->now);
		web_login_form(r, "Wrong account name or password.");
		r->status = 403;
		return;
	}
	web_login_ok(name);
	web_session *s = web_session_login(r->s, name, role, r->now);
	r->s = s;
	if (!s) {
		web_refuse(r, 500, "Log in", "no randomness for a session");
		return;
	}
	r->set_cookie = true;
	web_session_store(r);
	web_redirect(r, "/subscribers");
}

/* ---- subscribers ---- */

/* The domains as <option>s, sel selected. */
static void web_domain_options(web_req *r, const char *sel)
{
	db_stmt *st;
	if (db_prepare(r->d, "SELECT domain FROM domain ORDER BY domain", &st) != SIP_OK)
		return;
	while (db_step(st) == DB_ROW) {
		char dom[256];
		web_col(st, 0, dom, sizeof dom);
		web_buf_puts(&r->out, "<option");
		if (sel && strcmp(sel, dom) == 0)
			web_buf_puts(&r->out, " selected");
		web_buf_puts(&r->out, ">");
		web_buf_html(&r->out, dom);
		web_buf_puts(&r->out, "</option>");
	}
	db_finalize(st);
}

static void web_subscriber_form(web_req *r, const char *err, const char *user, const char *dom)
{
	web_buf_puts(&r->out, "<form method=\"post\" action=\"/subscribers/add\" id=\"add\"><fieldset>"
		     "<legend>Add a subscriber</legend>");
	web_msg(r, "err", err);
	web_csrf_input(r);
	web_buf_puts(&r->out, "<label>User <input name=\"username\" value=\"");
	web_buf_html(&r->out, user);
	web_buf_puts(&r->out, "\" required maxlength=\"64\"></label><label>Domain <select name=\"domain\">");
	web_domain_options(r, dom);
	web_buf_puts(&r->out, "</select></label><label>Password <input type=\"password\" id=\"pw\""
		     " name=\"password\" required minlength=\"8\" autocomplete=\"new-password\"></label>"
		     "<button type=\"button\" data-show=\"pw\">show</button> <button>Add</button>"
		     "</fieldset></form>");
}

static void web_subscribers(web_req *r, const char *err, const char *user, const char *dom)
{
	const char *q = web_arg(r, "q");
	const char *why = web_check_search(q);
	if (why)
		q = "";
	int64_t page = web_page_no(r);
	char like[160];
	web_like_pattern(q, like, sizeof like);
	web_begin(r, "Subscribers", "/subscribers");
	if (err)
		r->status = 400;
	web_done_notice(r);
	web_msg(r, "err", why);
	web_buf_puts(&r->out, "<form method=\"get\" action=\"/subscribers\"><label>Search <input"
		     " name=\"q\" value=\"");
	web_buf_html(&r->out, q);
	web_buf_puts(&r->out, "\"></label><button>Search</button></form>"
		     "<table id=\"subscribers\"><tr><th>User</th><th>Domain</th><th>State</th>"
		     "<th></th></tr>");
	db_stmt *st;
	int rc = db_prepare(r->d, "SELECT id, username, domain, disabled FROM subscriber"
			    " WHERE $1 = '' OR username LIKE $1 ESCAPE '!' OR domain LIKE $1 ESCAPE '!'"
			    " ORDER BY domain, username LIMIT 26 OFFSET $2", &st);
	int n = 0;
	if (rc == SIP_OK && (rc = db_bind_text(st, 1, web_s(like))) == SIP_OK
	    && (rc = db_bind_int(st, 2, (page - 1) * WEB_PAGE_ROWS)) == SIP_OK) {
		while ((rc = db_step(st)) == DB_ROW && n < WEB_PAGE_ROWS) {
			int64_t id = db_column_int(st, 0);
			web_buf_puts(&r->out, "<tr>");
			web_td(r, st, 1);
			web_td(r, st, 2);
			bool off = db_column_int(st, 3) != 0;
			web_buf_printf(&r->out, "<td class=\"%s\">%s</td>", off ? "down" : "up",
				       off ? "disabled" : "active");
			web_buf_printf(&r->out, "<td><a href=\"/subscribers/edit?id=%" PRId64 "\">edit</a>", id);
			if (web_session_writes(r->s)) {
				web_buf_printf(&r->out, " <form class=\"inline\" method=\"post\""
					       " action=\"/subscribers/%s\">", off ? "enable" : "disable");
				web_csrf_input(r);
				web_buf_printf(&r->out, "<input type=\"hidden\" name=\"id\" value=\"%" PRId64
					       "\"><button>%s</button></form>", id, off ? "Enable" : "Disable");
				web_buf_puts(&r->out, " <form class=\"inline\" method=\"post\""
					     " action=\"/subscribers/reset\">");
				web_csrf_input(r);
				web_buf_printf(&r->out, "<input type=\"hidden\" name=\"id\" value=\"%" PRId64
					       "\"><button>Reset password</button></form>", id);
				web_buf_puts(&r->out, " <form class=\"inline\" method=\"post\""
					     " action=\"/subscribers/delete\" data-confirm=\"Delete this"
					     " subscriber?\">");
				web_csrf_input(r);
				web_buf_printf(&r->out, "<input type=\"hidden\" name=\"id\" value=\"%" PRId64
					       "\"><button class=\"danger\">Delete</button></form>", id);
			}
			web_buf_puts(&r->out, "</td></tr>");
			n++;
		}
	}
	bool more = rc == DB_ROW;
	db_finalize(st);
	web_buf_puts(&r->out, "</table>");
	if (rc != SIP_OK && rc != DB_ROW)
		web_msg(r, "err", db_error(r->d));
	web_buf qs = { 0 };
	if (*q) {
		web_buf_puts(&qs, "&q=");
		web_buf_url(&qs, q);
	}
	web_pager(r, "/subscribers", page, more, qs.s ? qs.s : "");
	web_buf_free(&qs);
	web_buf_puts(&r->out, "<p class=\"note\">A disabled subscriber keeps its row and password"
		     " but can neither register nor call: the proxy answers its requests 403"
		     " \"Subscriber Disabled\". Registrations it made before stay until they"
		     " expire.</p>");
	if (web_session_writes(r->s))
		web_subscriber_form(r, err, user ? user : "", dom);
	web_end(r);
}

/* Read id=N from the form; false after answering 400. */
bool web_form_id(web_req *r, int64_t *id)
{
	char v[32];
	if (web_field(r, "id", v, sizeof v) && ctl_parse_id(v, id))
		return true;
	web_refuse(r, 400, "Bad request", "the form has no valid id");
	return false;
}

static void web_subscriber_add(web_req *r)
{
	char user[128] = "", dom[256] = "", pw[256] = "";
	web_field(r, "username", user, sizeof user);
	web_field(r, "domain", dom, sizeof dom);
	web_field(r, "password", pw, sizeof pw);
	const char *why = web_check_user(user);
	if (!why)
		why = web_check_domain(dom);
	if (!why)
		why = web_check_password(pw);
	bool known = false, exists = false;
	if (!why && (ctl_domain_known(r->d, dom, &known) != SIP_OK
		     || ctl_subscriber_exists(r->d, user, dom, &exists) != SIP_OK)) {
		web_dbfail(r, "cannot read the subscriber table");
		return;
	}
	if (!why && !known)
		why = "the domain is not served (add it on the Domains page first)";
	if (!why && exists)
		why = "this subscriber exists already";
	if (why) {
		web_subscribers(r, why, user, dom);
		return;
	}
	db_stmt *st = NULL;
	int rc = db_exec(r->d, "BEGIN");
	if (rc == SIP_OK)
		rc = ctl_subscriber_insert(r->d, &st, user, dom, pw, false);
	db_finalize(st);
	char obj[400];
	snprintf(obj, sizeof obj, "%s@%s", user, dom);
	if (web_tx_end(r, rc, "subscriber add", obj, "") != SIP_OK) {
		web_dbfail(r, "cannot add the subscriber");
		return;
	}
	web_redirect(r, "/subscribers?done=added");
}

/* Look up subscriber id into user and dom; false when there is none. */
static bool web_subscriber_get(web_req *r, int64_t id, char *user, size_t usz, char *dom,
			       size_t dsz)
{
	db_stmt *st;
	bool found = false;
	if (db_prepare(r->d, "SELECT username, domain FROM subscriber WHERE id = $1", &st) == SIP_OK
	    && db_bind_int(st, 1, id) == SIP_OK && db_step(st) == DB_ROW) {
		web_col(st, 0, user, usz);
		web_col(st, 1, dom, dsz);
		found = true;
	}
	db_finalize(st);
	return found;
}

static void web_subscriber_edit_form(web_req *r, int64_t id, const char *err, const char *user,
				     const char *dom)
{
	web_begin(r, "Edit subscriber", "/subscribers");
	if (err)
		r->status = 400;
	if (!web_session_writes(r->s)) {
		web_buf_puts(&r->out, "<p>");
		web_buf_html(&r->out, user);
		web_buf_puts(&r->out, "@");
		web_buf_html(&r->out, dom);
		web_buf_puts(&r->out, "</p><p class=\"note\">A support account reads only.</p>");
		web_end(r);
		return;
	}
	web_buf_puts(&r->out, "<form method=\"post\" action=\"/subscribers/edit\"><fieldset>");
	web_msg(r, "err", err);
	web_csrf_input(r);
	web_buf_printf(&r->out, "<input type=\"hidden\" name=\"id\" value=\"%" PRId64 "\">", id);
	web_buf_puts(&r->out, "<label>User <input name=\"username\" value=\"");
	web_buf_html(&r->out, user);
	web_buf_puts(&r->out, "\" required></label><label>Domain <select name=\"domain\">");
	web_domain_options(r, dom);
	web_buf_puts(&r->out, "</select></label><label>New password <input type=\"password\""
		     " name=\"password\" required minlength=\"8\" autocomplete=\"new-password\">"
		     "</label><button>Save</button></fieldset></form><p class=\"note\">The stored"
		     " digests (HA1) are computed from user, domain and password together, so a"
		     " change of any of them needs the password.</p>");
	web_end(r);
}

static void web_subscriber_edit(web_req *r)
{
	int64_t id;
	char user[128] = "", dom[256] = "", pw[256] = "";
	if (!r->post) {
		if (!ctl_parse_id(web_arg(r, "id"), &id)
		    || !web_subscriber_get(r, id, user, sizeof user, dom, sizeof dom)) {
			web_refuse(r, 404, "Not found", "no such subscriber");
			return;
		}
		web_subscriber_edit_form(r, id, NULL, user, dom);
		return;
	}
	if (!web_form_id(r, &id))
		return;
	web_field(r, "username", user, sizeof user);
	web_field(r, "domain", dom, sizeof dom);
	web_field(r, "password", pw, sizeof pw);
	const char *why = web_check_user(user);
	if (!why)
		why = web_check_domain(dom);
	if (!why)
		why = web_check_password(pw);
	bool known = false;
	if (!why && ctl_domain_known(r->d, dom, &known) == SIP_OK && !known)
		why = "the domain is not served";
	if (why) {
		web_subscriber_edit_form(r, id, why, user, dom);
		return;
	}
	db_stmt *st;
	int rc = db_exec(r->d, "BEGIN");
	long changed = 0;
	if (rc == SIP_OK)
		rc = db_prepare(r->d, "UPDATE subscriber SET username = $1, domain = $2, password = $3,"
				" ha1 = $4, ha1_sha256 = $5 WHERE id = $6", &st);
	if (rc == SIP_OK) {
		if ((rc = db_bind_text(st, 1, web_s(user))) == SIP_OK
		    && (rc = db_bind_text(st, 2, web_s(dom))) == SIP_OK
		    && (rc = ctl_bind_secrets(st, 3, user, dom, pw, false)) == SIP_OK
		    && (rc = db_bind_int(st, 6, id)) == SIP_OK)
			rc = ctl_run(st);
		changed = db_changes(st);
		db_finalize(st);
	}
	if (rc == SIP_OK && changed == 0)
		rc = SIP_ENOTFOUND;
	char obj[400];
	snprintf(obj, sizeof obj, "%s@%s", user, dom);
	bool dup = rc == SIP_EDBCONSTRAINT;
	rc = web_tx_end(r, rc, "subscriber edit", obj, "user, domain and password");
	if (dup) {
		web_subscriber_edit_form(r, id, "another subscriber has this name", user, dom);
		return;
	}
	if (rc != SIP_OK) {
		web_dbfail(r, "cannot change the subscriber");
		return;
	}
	web_redirect(r, "/subscribers?done=saved");
}

static void web_subscriber_reset(web_req *r)
{
	int64_t id;
	char user[128], dom[256], pw[32];
	if (!web_form_id(r, &id))
		return;
	if (!web_subscriber_get(r, id, user, sizeof user, dom, sizeof dom)) {
		web_refuse(r, 404, "Not found", "no such subscriber");
		return;
	}
	if (!web_pw_generate(pw, sizeof pw)) {
		web_refuse(r, 500, "Reset password", "no randomness for a password");
		return;
	}
	db_stmt *st;
	int rc = db_exec(r->d, "BEGIN");
	if (rc == SIP_OK && (rc = db_prepare(r->d, "UPDATE subscriber SET password = $1, ha1 = $2,"
					     " ha1_sha256 = $3 WHERE id = $4", &st)) == SIP_OK) {
		if ((rc = ctl_bind_secrets(st, 1, user, dom, pw, false)) == SIP_OK
		    && (rc = db_bind_int(st, 4, id)) == SIP_OK)
			rc = ctl_run(st);
		db_finalize(st);
	}
	char obj[400];
	snprintf(obj, sizeof obj, "%s@%s", user, dom);
	if (web_tx_end(r, rc, "subscriber password reset", obj, "") != SIP_OK) {
		web_dbfail(r, "cannot reset the password");
		return;
	}
	web_begin(r, "Password reset", "/subscribers");
	web_buf_puts(&r->out, "<p class=\"ok\">The new password of <b>");
	web_buf_html(&r->out, obj);
	web_buf_printf(&r->out, "</b> is <code class=\"pw\" id=\"newpw\">%s</code></p><p class=\"note\">"
		       "It is shown this once and stored only as its digests.</p>"
		       "<p><a href=\"/subscribers\">Back to the subscribers</a></p>", pw);
	web_end(r);
}

static void web_subscriber_delete(web_req *r)
{
	int64_t id;
	char user[128], dom[256];
	if (!web_form_id(r, &id))
		return;
	if (!web_subscriber_get(r, id, user, sizeof user, dom, sizeof dom)) {
		web_refuse(r, 404, "Not found", "no such subscriber");
		return;
	}
	db_stmt *st;
	int rc = db_exec(r->d, "BEGIN");
	if (rc == SIP_OK && (rc = db_prepare(r->d, "DELETE FROM subscriber WHERE id = $1", &st)) == SIP_OK) {
		if ((rc = db_bind_int(st, 1, id)) == SIP_OK)
			rc = ctl_run(st);
		db_finalize(st);
	}
	char obj[400];
	snprintf(obj, sizeof obj, "%s@%s", user, dom);
	if (web_tx_end(r, rc, "subscriber delete", obj, "") != SIP_OK) {
		web_dbfail(r, "cannot delete the subscriber");
		return;
	}
	web_redirect(r, "/subscribers?done=deleted");
}

/* Disable or enable a subscriber (subscriber.disabled): the proxy refuses
 * a disabled subscriber's credentials from its next check (the table's
 * change serial empties its credential cache). */
static void web_subscriber_set_disabled(web_req *r, bool off)
{
	int64_t id;
	char user[128], dom[256];
	if (!web_form_id(r, &id))
		return;
	if (!web_subscriber_get(r, id, user, sizeof user, dom, sizeof dom)) {
		web_refuse(r, 404, "Not found", "no such subscriber");
		return;
	}
	db_stmt *st;
	int rc = db_exec(r->d, "BEGIN");
	if (rc == SIP_OK && (rc = db_prepare(r->d, "UPDATE subscriber SET disabled = $1 WHERE id = $2",
					     &st)) == SIP_OK) {
		if ((rc = db_bind_int(st, 1, off)) == SIP_OK && (rc = db_bind_int(st, 2, id)) == SIP_OK)
			rc = ctl_run(st);
		db_finalize(st);
	}
	char obj[400];
	snprintf(obj, sizeof obj, "%s@%s", user, dom);
	if (web_tx_end(r, rc, off ? "subscriber disable" : "subscriber enable", obj, "") != SIP_OK) {
		web_dbfail(r, off ? "cannot disable the subscriber" : "cannot enable the subscriber");
		return;
	}
	web_redirect(r, off ? "/subscribers?done=disabled" : "/subscribers?done=enabled");
}

static void web_subscriber_disable(web_req *r)
{
	web_subscriber_set_disabled(r, true);
}

static void web_subscriber_enable(web_req *r)
{
	web_subscriber_set_disabled(r, false);
}

/* ---- domains ---- */

static void web_domains(web_req *r, const char *err, const char *val)
{
	web_begin(r, "Domains", "/domains");
	if (err)
		r->status = 400;
	web_done_notice(r);
	web_buf_puts(&r->out, "<table id=\"domains\"><tr><th>Domain</th><th>Subscribers</th><th></th></tr>");
	db_stmt *st;
	int rc = db_prepare(r->d, "SELECT d.domain, (SELECT count(*) FROM subscriber s WHERE"
			    " s.domain = d.domain) FROM domain d ORDER BY d.domain", &st);
	if (rc == SIP_OK)
		while ((rc = db_step(st)) == DB_ROW) {
			char dom[256];
			web_col(st, 0, dom, sizeof dom);
			web_buf_puts(&r->out, "<tr>");
			web_td(r, st, 0);
			web_buf_printf(&r->out, "<td>%" PRId64 "</td><td>", db_column_int(st, 1));
			if (web_session_writes(r->s)) {
				web_buf_puts(&r->out, "<form class=\"inline\" method=\"post\" action=\"/domains/delete\""
					     " data-confirm=\"Stop serving this domain?\">");
				web_csrf_input(r);
				web_buf_puts(&r->out, "<input type=\"hidden\" name=\"domain\" value=\"");
				web_buf_html(&r->out, dom);
				web_buf_puts(&r->out, "\"><button class=\"danger\">Remove</button></form>");
			}
			web_buf_puts(&r->out, "</td></tr>");
		}
	db_finalize(st);
	web_buf_puts(&r->out, "</table>");
	if (rc != SIP_OK)
		web_msg(r, "err", db_error(r->d));
	if (web_session_writes(r->s)) {
		web_buf_puts(&r->out, "<form method=\"post\" action=\"/domains/add\"><fieldset>"
			     "<legend>Serve a domain</legend>");
		web_msg(r, "err", err);
		web_csrf_input(r);
		web_buf_puts(&r->out, "<label>Domain <input name=\"domain\" required value=\"");
		web_buf_html(&r->out, val ? val : "");
		web_buf_puts(&r->out, "\"></label><button>Add</button></fieldset></form>");
	}
	web_end(r);
}

static void web_lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s + 32);
}

static void web_domain_change(web_req *r, bool add)
{
	char dom[300] = "";
	web_field(r, "domain", dom, sizeof dom);
	web_lower(dom);
	const char *why = web_check_domain(dom);
	bool known = false;
	int64_t users = 0;
	if (!why && ctl_domain_known(r->d, dom, &known) != SIP_OK) {
		web_dbfail(r, "cannot read the domain table");
		return;
	}
	if (!why && add && known)
		why = "this domain is served already";
	if (!why && !add && !known)
		why = "this domain is not served";
	if (!why && !add) {
		db_stmt *st;
		if (db_prepare(r->d, "SELECT count(*) FROM subscriber WHERE domain = $1", &st) == SIP_OK
		    && db_bind_text(st, 1, web_s(dom)) == SIP_OK && db_step(st) == DB_ROW)
			users = db_column_int(st, 0);
		db_finalize(st);
		if (users)
			why = "subscribers of this domain remain: delete them first";
	}
	if (why) {
		web_domains(r, why, dom);
		return;
	}
	db_stmt *st;
	int rc = db_exec(r->d, "BEGIN");
	if (rc == SIP_OK) {
		rc = add ? db_prepare(r->d, "INSERT INTO domain (domain) VALUES ($1)", &st)
			 : db_prepare(r->d, "DELETE FROM domain WHERE domain = $1", &st);
		if (rc == SIP_OK) {
			if ((rc = db_bind_text(st, 1, web_s(dom))) == SIP_OK)
				rc = ctl_run(st);
			db_finalize(st);
		}
	}
	if (web_tx_end(r, rc, add ? "domain add" : "domain remove", dom, "") != SIP_OK) {
		web_dbfail(r, "cannot change the domain table");
		return;
	}
	web_redirect(r, add ? "/domains?done=added" : "/domains?done=deleted");
}

/* ---- aliases ---- */

static void web_aliases(web_req *r, const char *err, const char *alias, const char *target)
{
	web_begin(r, "Aliases", "/aliases");
	if (err)
		r->status = 400;
	web_done_notice(r);
	web_buf_puts(&r->out, "<table id=\"aliases\"><tr><th>Alias</th><th>Subscriber</th><th></th></tr>");
	db_stmt *st;
	int rc = db_prepare(r->d, "SELECT id, alias_username, alias_domain, username, domain FROM alias"
			    " ORDER BY alias_domain, alias_username", &st);
	if (rc == SIP_OK)
		while ((rc = db_step(st)) == DB_ROW) {
			char a[128], ad[256], u[128], d[256];
			web_col(st, 1, a, sizeof a);
			web_col(st, 2, ad, sizeof ad);
			web_col(st, 3, u, sizeof u);
			web_col(st, 4, d, sizeof d);
			web_buf_puts(&r->out, "<tr><td>");
			web_buf_html(&r->out, a);
			web_buf_puts(&r->out, "@");
			web_buf_html(&r->out, ad);
			web_buf_puts(&r->out, "</td><td>");
			web_buf_html(&r->out, u);
			web_buf_puts(&r->out, "@");
			web_buf_html(&r->out, d);
			web_buf_puts(&r->out, "</td><td>");
			if (web_session_writes(r->s)) {
				web_buf_puts(&r->out, "<form class=\"inline\" method=\"post\" action=\"/aliases/delete\""
					     " data-confirm=\"Remove this alias?\">");
				web_csrf_input(r);
				web_buf_printf(&r->out, "<input type=\"hidden\" name=\"id\" value=\"%" PRId64 "\">"
					       "<button class=\"danger\">Remove</button></form>", db_column_int(st, 0));
			}
			web_buf_puts(&r->out, "</td></tr>");
		}
	db_finalize(st);
	web_buf_puts(&r->out, "</table>");
	if (rc != SIP_OK)
		web_msg(r, "err", db_error(r->d));
	if (web_session_writes(r->s)) {
		web_buf_puts(&r->out, "<form method=\"post\" action=\"/aliases/add\"><fieldset>"
			     "<legend>Add an alias</legend>");
		web_msg(r, "err", err);
		web_csrf_input(r);
		web_buf_puts(&r->out, "<label>Alias (user@domain) <input name=\"alias\" required value=\"");
		web_buf_html(&r->out, alias ? alias : "");
		web_buf_puts(&r->out, "\"></label><label>Subscriber (user@domain) <input name=\"target\""
			     " required value=\"");
		web_buf_html(&r->out, target ? target : "");
		web_buf_puts(&r->out, "\"></label><button>Add</button></fieldset></form>");
	}
	web_end(r);
}

static void web_alias_add(web_req *r)
{
	char alias[300] = "", target[300] = "", au[128], ad[256], u[128], d[256];
	web_field(r, "alias", alias, sizeof alias);
	web_field(r, "target", target, sizeof target);
	const char *why = web_check_aor(alias, au, sizeof au, ad, sizeof ad);
	char msg[200];
	if (why) {
		snprintf(msg, sizeof msg, "alias: %s", why);
		why = msg;
	} else if ((why = web_check_aor(target, u, sizeof u, d, sizeof d))) {
		snprintf(msg, sizeof msg, "subscriber: %s", why);
		why = msg;
	}
	bool known = false, exists = false;
	if (!why && (ctl_domain_known(r->d, ad, &known) != SIP_OK
		     || ctl_subscriber_exists(r->d, u, d, &exists) != SIP_OK)) {
		web_dbfail(r, "cannot read the subscriber table");
		return;
	}
	if (!why && !known)
		why = "alias: the domain is not served";
	if (!why && !exists)
		why = "subscriber: there is no such subscriber";
	if (why) {
		web_aliases(r, why, alias, target);
		return;
	}
	db_stmt *st;
	int rc = db_exec(r->d, "BEGIN");
	if (rc == SIP_OK && (rc = db_prepare(r->d, "INSERT INTO alias (alias_username, alias_domain,"
					     " username, domain) VALUES ($1, $2, $3, $4)", &st)) == SIP_OK) {
		if ((rc = db_bind_text(st, 1, web_s(au))) == SIP_OK
		    && (rc = db_bind_text(st, 2, web_s(ad))) == SIP_OK
		    && (rc = db_bind_text(st, 3, web_s(u))) == SIP_OK
		    && (rc = db_bind_text(st, 4, web_s(d))) == SIP_OK)
			rc = ctl_run(st);
		db_finalize(st);
	}
	bool dup = rc == SIP_EDBCONSTRAINT;
	char obj[400], det[400];
	snprintf(obj, sizeof obj, "%s@%s", au, ad);
	snprintf(det, sizeof det, "-> %s@%s", u, d);
	rc = web_tx_end(r, rc, "alias add", obj, det);
	if (dup) {
		web_aliases(r, "alias: this alias exists already", alias, target);
		return;
	}
	if (rc != SIP_OK) {
		web_dbfail(r, "cannot add the alias");
		return;
	}
	web_redirect(r, "/aliases?done=added");
}

static void web_alias_delete(web_req *r)
{
	int64_t id;
	if (!web_form_id(r, &id))
		return;
	char obj[400] = "";
	db_stmt *st;
	if (db_prepare(r->d, "SELECT alias_username, alias_domain FROM alias WHERE id = $1", &st) == SIP_OK
	    && db_bind_int(st, 1, id) == SIP_OK && db_step(st) == DB_ROW) {
		char a[128], d[256];
		web_col(st, 0, a, sizeof a);
		web_col(st, 1, d, sizeof d);
		snprintf(obj, sizeof obj, "%s@%s", a, d);
	}
	db_finalize(st);
	if (!obj[0]) {
		web_refuse(r, 404, "Not found", "no such alias");
		return;
	}
	int rc = db_exec(r->d, "BEGIN");
	if (rc == SIP_OK && (rc = db_prepare(r->d, "DELETE FROM alias WHERE id = $1", &st)) == SIP_OK) {
		if ((rc = db_bind_int(st, 1, id)) == SIP_OK)
			rc = ctl_run(st);
		db_finalize(st);
	}
	if (web_tx_end(r, rc, "alias remove", obj, "") != SIP_OK) {
		web_dbfail(r, "cannot remove the alias");
		return;
	}
	web_redirect(r, "/aliases?done=deleted");
}

/* ---- registrations (the proxy's control socket) ---- */

static const char *web_json_str(const sip_json *o, const char *key)
{
	const sip_json *v = sip_json_get(o, key);
	return v && v->type == SIP_JSON_STRING ? v->str.s : "";
}

static void web_registrations(web_req *r)
{
	web_begin(r, "Registrations", "/registrations");
	sip_arena a;
	sip_arena_init(&a, 16384);
	sip_json *root;
	char *argv[] = { "ul", "show" };
	const char *why = web_ctl(r, 2, argv, &a, &root);
	if (why) {
		web_msg(r, "err", why);
	} else {
		const sip_json *aors = sip_json_get(root, "aors");
		unsigned n = 0;
		web_buf_puts(&r->out, "<table id=\"registrations\"><tr><th>AOR</th><th>Contact</th>"
			     "<th>User agent</th><th>Source</th><th>Expires in</th></tr>");
		for (const sip_json *e = aors ? aors->child : NULL; e; e = e->next) {
			const sip_json *cs = sip_json_get(e, "contacts");
			for (const sip_json *c = cs ? cs->child : NULL; c; c = c->next) {
				const sip_json *ex = sip_json_get(c, "expires");
				const char *src = web_json_str(c, "received");
				web_buf_puts(&r->out, "<tr><td>");
				web_buf_html(&r->out, web_json_str(e, "aor"));
				web_buf_puts(&r->out, "</td><td>");
				web_buf_html(&r->out, web_json_str(c, "contact"));
				web_buf_puts(&r->out, "</td><td>");
				web_buf_html(&r->out, web_json_str(c, "user_agent"));
				web_buf_puts(&r->out, "</td><td>");
				web_buf_html(&r->out, *src ? src : "(the contact's own address)");
				web_buf_puts(&r->out, "</td><td>");
				web_buf_html_n(&r->out, ex && ex->type == SIP_JSON_NUMBER ? ex->str.s : "?",
					       ex && ex->type == SIP_JSON_NUMBER ? ex->str.len : 1);
				web_buf_puts(&r->out, " s</td></tr>");
				n++;
			}
		}
		web_buf_puts(&r->out, "</table>");
		web_buf_printf(&r->out, "<p class=\"note\" id=\"regcount\">%u registered contact%s.</p>", n,
			       n == 1 ? "" : "s");
	}
	sip_arena_destroy(&a);
	web_end(r);
}

/* ---- CDRs ---- */

/* The filters of the CDR table and of its CSV export. */
typedef struct web_cdr_filter {
	char user[80], number[80], from[16], to[16], status[16];
	char user_like[180], number_like[180];
	int64_t t0, t1;
	const char *why;
} web_cdr_filter;

static void web_cdr_filter_read(web_req *r, web_cdr_filter *f)
{
	snprintf(f->user, sizeof f->user, "%s", web_arg(r, "user"));
	snprintf(f->number, sizeof f->number, "%s", web_arg(r, "number"));
	snprintf(f->from, sizeof f->from, "%s", web_arg(r, "from"));
	snprintf(f->to, sizeof f->to, "%s", web_arg(r, "to"));
	snprintf(f->status, sizeof f->status, "%s", web_arg(r, "status"));
	f->t0 = 0;
	f->t1 = INT64_C(253402300800); /* year 10000 */
	f->why = web_check_search(f->user);
	if (!f->why)
		f->why = web_check_search(f->number);
	if (!f->why)
		f->why = web_check_date(f->from, &f->t0);
	if (!f->why && (f->why = web_check_date(f->to, &f->t1)) == NULL && f->to[0])
		f->t1 += 86400;
	if (!f->why && strcmp(f->status, "") && strcmp(f->status, "answered") && strcmp(f->status, "missed"))
		f->why = "the status is answered, missed or empty (both)";
	if (f->why) {
		f->user[0] = f->number[0] = f->from[0] = f->to[0] = f->status[0] = '\0';
		f->t0 = 0;
		f->t1 = INT64_C(253402300800);
	}
	web_like_pattern(f->user, f->user_like, sizeof f->user_like);
	web_like_pattern(f->number, f->number_like, sizeof f->number_like);
}

/* Answered calls (acc_cdrs) and missed ones (missed_calls) as one list,
 * newest first: kind, caller, callee, Call-ID, time, duration in ms,
 * SIP code, reason. */
#define WEB_CDR_SELECT \
	"SELECT 'answered', caller, callee, callid, start_time, duration_ms, 200, end_reason" \
	" FROM acc_cdrs WHERE ($1 = '' OR $1 = 'answered')" \
	" AND ($2 = '' OR caller LIKE $2 ESCAPE '!') AND ($3 = '' OR callee LIKE $3 ESCAPE '!')" \
	" AND start_time >= $4 AND start_time < $5" \
	" UNION ALL SELECT 'missed', from_user, ruri_user, callid, time, 0, sip_code, sip_reason" \
	" FROM missed_calls WHERE ($1 = '' OR $1 = 'missed')" \
	" AND ($2 = '' OR from_user LIKE $2 ESCAPE '!') AND ($3 = '' OR ruri_user LIKE $3 ESCAPE '!')" \
	" AND time >= $4 AND time < $5 ORDER BY 5 DESC, 4"

static int web_cdr_bind(db_stmt *st, const web_cdr_filter *f)
{
	int rc;
	if ((rc = db_bind_text(st, 1, web_s(f->status))) == SIP_OK
	    && (rc = db_bind_text(st, 2, web_s(f->user_like))) == SIP_OK
	    && (rc = db_bind_text(st, 3, web_s(f->number_like))) == SIP_OK
	    && (rc = db_bind_int(st, 4, f->t0)) == SIP_OK)
		rc = db_bind_int(st, 5, f->t1);
	return rc;
}

static void web_utc(int64_t t, char *out, size_t outsz)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, outsz, "%Y-%m-%d %H:%M:%S", &tm);
}

/* Calls per hour over the last 24 hours (answered and missed), as an SVG
 * bar chart drawn here: no script, no library. */
static void web_cdr_chart(web_req *r)
{
	int64_t start = ((int64_t)r->now / 3600 - 23) * 3600;
	unsigned bins[24] = { 0 }, max = 0;
	db_stmt *st;
	int rc = db_prepare(r->d, "SELECT start_time FROM acc_cdrs WHERE start_time >= $1"
			    " UNION ALL SELECT time FROM missed_calls WHERE time >= $1", &st);
	if (rc == SIP_OK && (rc = db_bind_int(st, 1, start)) == SIP_OK)
		while ((rc = db_step(st)) == DB_ROW) {
			int64_t h = (db_column_int(st, 0) - start) / 3600;
			if (h >= 0 && h < 24 && ++bins[h] > max)
				max = bins[h];
		}
	db_finalize(st);
	if (rc != SIP_OK)
		return;
	web_buf_puts(&r->out, "<h2>Calls per hour, last 24 hours (UTC)</h2>"
		     "<svg id=\"chart\" width=\"720\" height=\"170\" viewBox=\"0 0 720 170\""
		     " role=\"img\" aria-label=\"calls per hour\">");
	for (int i = 0; i < 24; i++) {
		unsigned h = max ? bins[i] * 120 / max : 0;
		web_buf_printf(&r->out, "<rect x=\"%d\" y=\"%u\" width=\"24\" height=\"%u\" fill=\"#1f5fa8\">"
			       "<title>%02d:00 %u calls</title></rect>", 12 + i * 29, 140 - h, h,
			       (int)((start / 3600 + i) % 24), bins[i]);
		if (bins[i])
			web_buf_printf(&r->out, "<text x=\"%d\" y=\"%u\" font-size=\"11\" text-anchor=\"middle\">"
				       "%u</text>", 24 + i * 29, 136 - h, bins[i]);
		if (i % 3 == 0)
			web_buf_printf(&r->out, "<text x=\"%d\" y=\"158\" font-size=\"11\" text-anchor=\"middle\">"
				       "%02d:00</text>", 24 + i * 29, (int)((start / 3600 + i) % 24));
	}
	web_buf_puts(&r->out, "</svg>");
}

/* The last 24 hours in figures: calls answered and missed, the
 * answer-seizure ratio, the average duration of the answered ones, and
 * the ten callers with the most answered calls. */
static void web_cdr_summary(web_req *r)
{
	int64_t since = (int64_t)r->now - 86400, answered = 0, missed = 0, total_ms = 0;
	db_stmt *st;
	int rc = db_prepare(r->d, "SELECT count(*), COALESCE(SUM(duration_ms), 0) FROM acc_cdrs"
			    " WHERE start_time >= $1", &st);
	if (rc == SIP_OK && (rc = db_bind_int(st, 1, since)) == SIP_OK && (rc = db_step(st)) == DB_ROW) {
		answered = db_column_int(st, 0);
		total_ms = db_column_int(st, 1);
	}
	db_finalize(st);
	rc = db_prepare(r->d, "SELECT count(*) FROM missed_calls WHERE time >= $1", &st);
	if (rc == SIP_OK && (rc = db_bind_int(st, 1, since)) == SIP_OK && (rc = db_step(st)) == DB_ROW)
		missed = db_column_int(st, 0);
	db_finalize(st);
	web_buf *b = &r->out;
	web_buf_printf(b, "<h2>Last 24 hours</h2><table id=\"summary\"><tr><th>Answered</th><th>Missed"
		       "</th><th>ASR</th><th>ACD</th></tr><tr><td>%" PRId64 "</td><td>%" PRId64 "</td>",
		       answered, missed);
	if (answered + missed)
		web_buf_printf(b, "<td>%" PRId64 "%%</td>", answered * 100 / (answered + missed));
	else
		web_buf_puts(b, "<td>-</td>");
	if (answered)
		web_buf_printf(b, "<td>%.1f s</td>", (double)total_ms / 1000.0 / (double)answered);
	else
		web_buf_puts(b, "<td>-</td>");
	web_buf_puts(b, "</tr></table><h2>Top callers, last 24 hours</h2><table id=\"top\"><tr><th>Caller"
		     "</th><th>Answered calls</th><th>Minutes</th></tr>");
	rc = db_prepare(r->d, "SELECT caller, count(*), COALESCE(SUM(duration_ms), 0) FROM acc_cdrs"
			" WHERE start_time >= $1 GROUP BY caller ORDER BY 2 DESC, 3 DESC, 1 LIMIT 10", &st);
	if (rc == SIP_OK && (rc = db_bind_int(st, 1, since)) == SIP_OK)
		while ((rc = db_step(st)) == DB_ROW) {
			web_buf_puts(b, "<tr>");
			web_td(r, st, 0);
			web_buf_printf(b, "<td>%" PRId64 "</td><td>%.1f</td></tr>", db_column_int(st, 1),
				       (double)db_column_int(st, 2) / 60000.0);
		}
	db_finalize(st);
	web_buf_puts(b, "</table>");
}

/* Per gateway over the last 24 hours: the calls drouting sent to it that
 * it answered (CDRs) and that failed there (missed calls), both by the
 * gw_id acc wrote (the gateway that answered, or failed last); the
 * answer-seizure ratio and the average duration of the answered calls,
 * as a table and as bars drawn here. */
static void web_cdr_gateways(web_req *r)
{
	enum { GW_MAX = 20 };
	struct {
		int64_t id, answered, failed, ms;
		char addr[128];
	} g[GW_MAX];
	unsigned n = 0;
	db_stmt *st;
	int rc = db_prepare(r->d, "SELECT t.gw, COALESCE(d.address, ''), SUM(t.ans), SUM(t.fail),"
			    " SUM(t.ms) FROM (SELECT gw_id AS gw, 1 AS ans, 0 AS fail, duration_ms AS ms"
			    " FROM acc_cdrs WHERE gw_id <> 0 AND start_time >= $1 UNION ALL"
			    " SELECT gw_id, 0, 1, 0 FROM missed_calls WHERE gw_id <> 0 AND time >= $1) t"
			    " LEFT JOIN dr_gateway d ON d.id = t.gw GROUP BY t.gw, d.address ORDER BY t.gw",
			    &st);
	if (rc == SIP_OK && (rc = db_bind_int(st, 1, (int64_t)r->now - 86400)) == SIP_OK)
		while ((rc = db_step(st)) == DB_ROW && n < GW_MAX) {
			g[n].id = db_column_int(st, 0);
			web_col(st, 1, g[n].addr, sizeof g[n].addr);
			g[n].answered = db_column_int(st, 2);
			g[n].failed = db_column_int(st, 3);
			g[n].ms = db_column_int(st, 4);
			n++;
		}
	db_finalize(st);
	web_buf *b = &r->out;
	web_buf_puts(b, "<h2>Gateways, last 24 hours</h2><table id=\"gwstats\"><tr><th>Gateway</th>"
		     "<th>Address</th><th>Answered</th><th>Failed</th><th>ASR</th><th>ACD</th></tr>");
	for (unsigned i = 0; i < n; i++) {
		int64_t seized = g[i].answered + g[i].failed;
		web_buf_printf(b, "<tr><td>%" PRId64 "</td><td>", g[i].id);
		web_buf_html(b, g[i].addr);
		web_buf_printf(b, "</td><td>%" PRId64 "</td><td>%" PRId64 "</td><td>%" PRId64 "%%</td>",
			       g[i].answered, g[i].failed, seized ? g[i].answered * 100 / seized : 0);
		if (g[i].answered)
			web_buf_printf(b, "<td>%.1f s</td></tr>",
				       (double)g[i].ms / 1000.0 / (double)g[i].answered);
		else
			web_buf_puts(b, "<td>-</td></tr>");
	}
	web_buf_puts(b, "</table>");
	if (rc != SIP_OK && rc != DB_ROW) {
		web_msg(r, "err", db_error(r->d));
		return;
	}
	if (!n) {
		web_buf_puts(b, "<p class=\"note\">No call went to a gateway in the last 24 hours.</p>");
		return;
	}
	/* One row per gateway: its ASR as a bar out of 100 %, the ACD beside. */
	unsigned h = 30 + n * 28;
	web_buf_printf(b, "<svg id=\"gwchart\" width=\"720\" height=\"%u\" viewBox=\"0 0 720 %u\""
		       " role=\"img\" aria-label=\"answer-seizure ratio per gateway\">"
		       "<text x=\"130\" y=\"16\" font-size=\"11\">ASR (0 to 100 %%)</text>", h, h);
	for (unsigned i = 0; i < n; i++) {
		int64_t seized = g[i].answered + g[i].failed;
		unsigned asr = seized ? (unsigned)(g[i].answered * 100 / seized) : 0;
		unsigned y = 24 + i * 28;
		web_buf_printf(b, "<text x=\"8\" y=\"%u\" font-size=\"12\">gateway %" PRId64 "</text>"
			       "<rect x=\"130\" y=\"%u\" width=\"400\" height=\"18\" fill=\"#eef2f7\"/>"
			       "<rect class=\"asr\" x=\"130\" y=\"%u\" width=\"%u\" height=\"18\""
			       " fill=\"#1f5fa8\"><title>gateway %" PRId64 ": ASR %u%%</title></rect>"
			       "<text x=\"540\" y=\"%u\" font-size=\"12\">%u%%",
			       y + 13, g[i].id, y, y, asr * 4, g[i].id, asr, y + 13, asr);
		if (g[i].answered)
			web_buf_printf(b, ", ACD %.1f s", (double)g[i].ms / 1000.0 / (double)g[i].answered);
		web_buf_puts(b, "</text>");
	}
	web_buf_puts(b, "</svg>");
}

static void web_cdr_query(web_buf *b, const web_cdr_filter *f)
{
	static const char *const keys[] = { "user", "number", "from", "to", "status" };
	const char *vals[] = { f->user, f->number, f->from, f->to, f->status };
	for (size_t i = 0; i < 5; i++)
		if (*vals[i]) {
			web_buf_printf(b, "&%s=", keys[i]);
			web_buf_url(b, vals[i]);
		}
}

static void web_cdrs(web_req *r)
{
	web_cdr_filter f;
	web_cdr_filter_read(r, &f);
	int64_t page = web_page_no(r);
	web_begin(r, "CDRs", "/cdrs");
	if (f.why)
		r->status = 400;
	web_msg(r, "err", f.why);
	web_buf *b = &r->out;
	web_buf_puts(b, "<form method=\"get\" action=\"/cdrs\" id=\"cdrfilter\"><label>User <input name=\"user\" value=\"");
	web_buf_html(b, f.user);
	web_buf_puts(b, "\"></label><label>Number <input name=\"number\" value=\"");
	web_buf_html(b, f.number);
	web_buf_puts(b, "\"></label><label>From <input type=\"date\" name=\"from\" value=\"");
	web_buf_html(b, f.from);
	web_buf_puts(b, "\"></label><label>To <input type=\"date\" name=\"to\" value=\"");
	web_buf_html(b, f.to);
	web_buf_printf(b, "\"></label><label>Status <select name=\"status\"><option value=\"\">all</option>"
		       "<option%s>answered</option><option%s>missed</option></select></label>"
		       "<button>Search</button></form>",
		       strcmp(f.status, "answered") == 0 ? " selected" : "",
		       strcmp(f.status, "missed") == 0 ? " selected" : "");
	web_buf_puts(b, "<table id=\"cdrs\"><tr><th>Time (UTC)</th><th>Status</th><th>Caller</th>"
		     "<th>Callee</th><th>Duration</th><th>Result</th><th>Call-ID</th></tr>");
	db_stmt *st;
	int rc = db_prepare(r->d, WEB_CDR_SELECT " LIMIT 26 OFFSET $6", &st);
	int n = 0;
	if (rc == SIP_OK && (rc = web_cdr_bind(st, &f)) == SIP_OK
	    && (rc = db_bind_int(st, 6, (page - 1) * WEB_PAGE_ROWS)) == SIP_OK)
		while ((rc = db_step(st)) == DB_ROW && n < WEB_PAGE_ROWS) {
			char when[32], kind[16];
			web_utc(db_column_int(st, 4), when, sizeof when);
			web_col(st, 0, kind, sizeof kind);
			bool answered = strcmp(kind, "answered") == 0;
			web_buf_printf(b, "<tr><td>%s</td><td>%s</td>", when, answered ? "answered" : "missed");
			web_td(r, st, 1);
			web_td(r, st, 2);
			if (answered)
				web_buf_printf(b, "<td>%.1f s</td>", (double)db_column_int(st, 5) / 1000.0);
			else
				web_buf_puts(b, "<td></td>");
			web_buf_puts(b, "<td>");
			if (!answered)
				web_buf_printf(b, "%" PRId64 " ", db_column_int(st, 6));
			sip_str v = db_column_text(st, 7);
			web_buf_html_n(b, v.s ? v.s : "", v.len);
			web_buf_puts(b, "</td>");
			web_td(r, st, 3);
			web_buf_puts(b, "</tr>");
			n++;
		}
	bool more = rc == DB_ROW;
	db_finalize(st);
	web_buf_puts(b, "</table>");
	if (rc != SIP_OK && rc != DB_ROW)
		web_msg(r, "err", db_error(r->d));
	web_buf qs = { 0 };
	web_cdr_query(&qs, &f);
	web_pager(r, "/cdrs", page, more, qs.s ? qs.s : "");
	web_buf_printf(b, "<p><a id=\"csv\" href=\"/cdrs.csv?page=1%s\">Export these as CSV</a></p>",
		       qs.s ? qs.s : "");
	web_buf_free(&qs);
	web_cdr_chart(r);
	web_cdr_summary(r);
	web_cdr_gateways(r);
	web_end(r);
}

/* Every row the filters select (at most 100,000), as CSV. */
static void web_cdrs_csv(web_req *r)
{
	web_cdr_filter f;
	web_cdr_filter_read(r, &f);
	if (f.why) {
		web_refuse(r, 400, "CDRs", f.why);
		return;
	}
	db_stmt *st;
	int rc = db_prepare(r->d, WEB_CDR_SELECT " LIMIT 100000", &st);
	web_buf *b = &r->out;
	web_buf_puts(b, "time_utc,status,caller,callee,duration_ms,sip_code,reason,callid\r\n");
	if (rc == SIP_OK && (rc = web_cdr_bind(st, &f)) == SIP_OK)
		while ((rc = db_step(st)) == DB_ROW) {
			char when[32], v[512];
			web_utc(db_column_int(st, 4), when, sizeof when);
			web_buf_puts(b, when);
			for (int c = 0; c < 4; c++) {
				static const int cols[] = { 0, 1, 2, 5 };
				web_col(st, cols[c], v, sizeof v);
				web_buf_puts(b, ",");
				web_buf_csv(b, v);
			}
			web_buf_printf(b, ",%" PRId64 ",", db_column_int(st, 6));
			web_col(st, 7, v, sizeof v);
			web_buf_csv(b, v);
			web_buf_puts(b, ",");
			web_col(st, 3, v, sizeof v);
			web_buf_csv(b, v);
			web_buf_puts(b, "\r\n");
		}
	db_finalize(st);
	if (rc != SIP_OK) {
		web_buf_free(b);
		web_dbfail(r, "cannot read the CDRs");
		return;
	}
	r->status = 200;
	r->ctype = "text/csv; charset=utf-8";
	snprintf(r->disposition, sizeof r->disposition, "attachment; filename=\"cdrs.csv\"");
}

/* ---- audit log ---- */

static void web_audit_page(web_req *r)
{
	int64_t page = web_page_no(r);
	web_begin(r, "Audit log", "/audit");
	web_buf_puts(&r->out, "<table id=\"audit\"><tr><th>Time (UTC)</th><th>Account</th><th>Action</th>"
		     "<th>Object</th><th>Detail</th></tr>");
	db_stmt *st;
	int rc = db_prepare(r->d, "SELECT time, admin, action, object, detail FROM web_audit"
			    " ORDER BY id DESC LIMIT 26 OFFSET $1", &st);
	int n = 0;
	if (rc == SIP_OK && (rc = db_bind_int(st, 1, (page - 1) * WEB_PAGE_ROWS)) == SIP_OK)
		while ((rc = db_step(st)) == DB_ROW && n < WEB_PAGE_ROWS) {
			char when[32];
			web_utc(db_column_int(st, 0), when, sizeof when);
			web_buf_printf(&r->out, "<tr><td>%s</td>", when);
			for (int c = 1; c < 5; c++)
				web_td(r, st, c);
			web_buf_puts(&r->out, "</tr>");
			n++;
		}
	bool more = rc == DB_ROW;
	db_finalize(st);
	web_buf_puts(&r->out, "</table>");
	if (rc != SIP_OK && rc != DB_ROW)
		web_msg(r, "err", db_error(r->d));
	web_pager(r, "/audit", page, more, "");
	web_end(r);
}

/* ---- accounts (command line) ---- */

int web_admin_add(db *d, const char *name, const char *role, const char *pw)
{
	char hash[WEB_HASH_MAX];
	const char *why = web_check_admin_name(name);
	if (!why && strcmp(role, "admin") && strcmp(role, "support"))
		why = "the role is admin or support";
	if (!why)
		why = web_check_password(pw);
	if (why)
		return ctl_err(CTL_REFUSED, "%s", why);
	if (!web_pw_hash(pw, WEB_PBKDF2_ITERATIONS, hash, sizeof hash))
		return ctl_err(CTL_DBFAIL, "cannot hash the password (OpenSSL)");
	db_stmt *st;
	int rc = db_prepare(d, "INSERT INTO web_admin (name, role, pwhash, created) VALUES ($1, $2, $3, $4)",
			    &st);
	if (rc == SIP_OK && (rc = db_bind_text(st, 1, web_s(name))) == SIP_OK
	    && (rc = db_bind_text(st, 2, web_s(role))) == SIP_OK
	    && (rc = db_bind_text(st, 3, web_s(hash))) == SIP_OK
	    && (rc = db_bind_int(st, 4, (int64_t)time(NULL))) == SIP_OK)
		rc = ctl_run(st);
	db_finalize(st);
	if (rc == SIP_EDBCONSTRAINT)
		return ctl_err(CTL_REFUSED, "account '%s' exists already", name);
	return rc == SIP_OK ? CTL_OK : ctl_dberr(d, "cannot add the account", rc);
}

int web_admin_passwd(db *d, const char *name, const char *pw)
{
	char hash[WEB_HASH_MAX];
	const char *why = web_check_password(pw);
	if (why)
		return ctl_err(CTL_REFUSED, "%s", why);
	if (!web_pw_hash(pw, WEB_PBKDF2_ITERATIONS, hash, sizeof hash))
		return ctl_err(CTL_DBFAIL, "cannot hash the password (OpenSSL)");
	db_stmt *st;
	int rc = db_prepare(d, "UPDATE web_admin SET pwhash = $1 WHERE name = $2", &st);
	if (rc == SIP_OK && (rc = db_bind_text(st, 1, web_s(hash))) == SIP_OK
	    && (rc = db_bind_text(st, 2, web_s(name))) == SIP_OK)
		rc = ctl_run(st);
	long changed = db_changes(st);
	db_finalize(st);
	if (rc != SIP_OK)
		return ctl_dberr(d, "cannot change the account", rc);
	return changed ? CTL_OK : ctl_err(CTL_REFUSED, "no account '%s'", name);
}

int web_admin_rm(db *d, const char *name)
{
	db_stmt *st;
	int rc = db_prepare(d, "DELETE FROM web_admin WHERE name = $1", &st);
	if (rc == SIP_OK && (rc = db_bind_text(st, 1, web_s(name))) == SIP_OK)
		rc = ctl_run(st);
	long changed = db_changes(st);
	db_finalize(st);
	if (rc != SIP_OK)
		return ctl_dberr(d, "cannot remove the account", rc);
	return changed ? CTL_OK : ctl_err(CTL_REFUSED, "no account '%s'", name);
}

int web_admin_list(db *d)
{
	db_stmt *st;
	int rc = db_prepare(d, "SELECT name, role FROM web_admin ORDER BY name", &st);
	if (rc == SIP_OK)
		while ((rc = db_step(st)) == DB_ROW) {
			sip_str n = db_column_text(st, 0), ro = db_column_text(st, 1);
			printf(SIP_STR_FMT " " SIP_STR_FMT "\n", SIP_STR_ARG(n), SIP_STR_ARG(ro));
		}
	db_finalize(st);
	return rc == SIP_OK ? CTL_OK : ctl_dberr(d, "cannot read the accounts", rc);
}

/* ---- dispatch ---- */

/* Pages: path, whether it takes GET, POST, and whether its POST changes
 * data (refused to a support account). */
typedef struct web_route {
	const char *path;
	bool get, post, writes;
	void (*fn)(web_req *r);
} web_route;

static void web_subscribers_get(web_req *r) { web_subscribers(r, NULL, NULL, NULL); }
static void web_domains_get(web_req *r) { web_domains(r, NULL, NULL); }
static void web_domain_add(web_req *r) { web_domain_change(r, true); }
static void web_domain_delete(web_req *r) { web_domain_change(r, false); }
static void web_aliases_get(web_req *r) { web_aliases(r, NULL, NULL, NULL); }

static void web_logout(web_req *r)
{
	web_session_forget(r);
	if (r->s)
		web_session_end(r->s);
	r->s = NULL;
	r->clear_cookie = true;
	web_redirect(r, "/login");
}

static void web_home(web_req *r)
{
	web_redirect(r, "/subscribers");
}

static const web_route web_routes[] = {
	{ "/", true, false, false, web_home },
	{ "/subscribers", true, false, false, web_subscribers_get },
	{ "/subscribers/add", false, true, true, web_subscriber_add },
	{ "/subscribers/edit", true, true, true, web_subscriber_edit },
	{ "/subscribers/reset", false, true, true, web_subscriber_reset },
	{ "/subscribers/delete", false, true, true, web_subscriber_delete },
	{ "/subscribers/disable", false, true, true, web_subscriber_disable },
	{ "/subscribers/enable", false, true, true, web_subscriber_enable },
	{ "/domains", true, false, false, web_domains_get },
	{ "/domains/add", false, true, true, web_domain_add },
	{ "/domains/delete", false, true, true, web_domain_delete },
	{ "/aliases", true, false, false, web_aliases_get },
	{ "/aliases/add", false, true, true, web_alias_add },
	{ "/aliases/delete", false, true, true, web_alias_delete },
	{ "/preferences", true, false, false, web_prefs_page },
	{ "/preferences/set", false, true, true, web_pref_set },
	{ "/preferences/delete", false, true, true, web_pref_delete },
	{ "/groups", true, false, false, web_groups_page },
	{ "/groups/add", false, true, true, web_group_add },
	{ "/groups/delete", false, true, true, web_group_delete },
	{ "/registrations", true, false, false, web_registrations },
	{ "/blacklists", true, false, false, web_blacklists_page },
	{ "/blacklists/add", false, true, true, web_blacklist_add },
	{ "/blacklists/delete", false, true, true, web_blacklist_delete },
	{ "/addresses", true, false, false, web_addresses_page },
	{ "/addresses/add", false, true, true, web_address_add },
	{ "/addresses/save", false, true, true, web_address_save },
	{ "/addresses/delete", false, true, true, web_address_delete },
	{ "/dialplans", true, false, false, web_dialplans_page },
	{ "/dialplans/add", false, true, true, web_dialplan_add },
	{ "/dialplans/save", false, true, true, web_dialplan_save },
	{ "/dialplans/delete", false, true, true, web_dialplan_delete },
	{ "/gateways", true, false, false, web_gateways_page },
	{ "/gateways/add", false, true, true, web_gateway_add },
	{ "/gateways/save", false, true, true, web_gateway_save },
	{ "/accounts", true, false, false, web_accounts_page },
	{ "/accounts/add", false, true, true, web_account_add },
	{ "/accounts/role", false, true, true, web_account_role },
	{ "/accounts/reset", false, true, true, web_account_reset },
	{ "/accounts/delete", false, true, true, web_account_delete },
	{ "/rules/save", false, true, true, web_rule_save },
	{ "/gateways/delete", false, true, true, web_gateway_delete },
	{ "/rules/add", false, true, true, web_rule_add },
	{ "/rules/delete", false, true, true, web_rule_delete },
	{ "/dispatcher", true, false, false, web_dispatcher_page },
	{ "/dispatcher/add", false, true, true, web_dispatcher_add },
	{ "/dispatcher/delete", false, true, true, web_dispatcher_delete },
	{ "/calls", true, false, false, web_calls_page },
	{ "/calls/end", false, true, true, web_call_end },
	{ "/stats", true, false, false, web_stats_page },
	{ "/cdrs", true, false, false, web_cdrs },
	{ "/cdrs.csv", true, false, false, web_cdrs_csv },
	{ "/audit", true, false, false, web_audit_page },
	{ "/logout", false, true, false, web_logout },
};

/* Whether the account of r's session still exists: its role is read again
 * on every request, so removing an account or changing its role takes
 * effect at once. A session whose account is gone ends here. */
static bool web_session_account(web_req *r)
{
	db_stmt *st;
	char role[16] = "";
	if (db_prepare(r->d, "SELECT role FROM web_admin WHERE name = $1", &st) == SIP_OK
	    && db_bind_text(st, 1, web_s(r->s->user)) == SIP_OK && db_step(st) == DB_ROW)
		web_col(st, 0, role, sizeof role);
	db_finalize(st);
	if (!role[0]) {
		web_session_forget(r);
		web_session_end(r->s);
		r->s = NULL;
		r->clear_cookie = true;
		return false;
	}
	snprintf(r->s->role, sizeof r->s->role, "%s", role);
	/* Its last use, for the idle limit after a restart: at most once a
	 * minute per session. */
	if (r->s->last - r->s->saved >= 60) {
		char sid[65];
		if (web_session_sid(r->s->id, sid)
		    && db_prepare(r->d, "UPDATE web_session SET last = $1 WHERE sid = $2", &st) == SIP_OK) {
			if (db_bind_int(st, 1, (int64_t)r->s->last) == SIP_OK && db_bind_text(st, 2, web_s(sid)) == SIP_OK)
				(void)ctl_run(st);
			db_finalize(st);
		}
		r->s->saved = r->s->last;
	}
	return true;
}

/* The logged-in session r->s into web_session (its id hashed), after the
 * rows past the limits are dropped. A failure only costs the session its
 * survival of a restart. */
void web_session_store(web_req *r)
{
	char sid[65];
	db_stmt *st;
	if (!r->s || !web_session_sid(r->s->id, sid))
		return;
	if (db_prepare(r->d, "DELETE FROM web_session WHERE last < $1 OR created < $2", &st) == SIP_OK) {
		if (db_bind_int(st, 1, (int64_t)r->now - WEB_SESSION_IDLE) == SIP_OK
		    && db_bind_int(st, 2, (int64_t)r->now - WEB_SESSION_MAX_AGE) == SIP_OK)
			(void)ctl_run(st);
		db_finalize(st);
	}
	int rc = db_prepare(r->d, "INSERT INTO web_session (sid, csrf, admin, created, last)"
			    " VALUES ($1, $2, $3, $4, $5)", &st);
	if (rc == SIP_OK && (rc = db_bind_text(st, 1, web_s(sid))) == SIP_OK
	    && (rc = db_bind_text(st, 2, web_s(r->s->csrf))) == SIP_OK
	    && (rc = db_bind_text(st, 3, web_s(r->s->user))) == SIP_OK
	    && (rc = db_bind_int(st, 4, (int64_t)r->s->created)) == SIP_OK
	    && (rc = db_bind_int(st, 5, (int64_t)r->s->last)) == SIP_OK)
		rc = ctl_run(st);
	db_finalize(st);
	if (rc != SIP_OK)
		fprintf(stderr, "sipcc-web: cannot store a session: %s\n", db_error(r->d));
	r->s->saved = r->s->last;
}

/* A cookie the session table does not know: the session of a panel that
 * ran before this one, when the database still has it and it is within
 * its limits (an expired one is dropped). */
web_session *web_session_load(web_req *r, const char *cookie)
{
	char sid[65], csrf[WEB_TOKEN_HEX + 1] = "", user[65] = "";
	int64_t created = 0, last = 0;
	db_stmt *st;
	if (!cookie || strlen(cookie) != WEB_TOKEN_HEX || !web_session_sid(cookie, sid))
		return NULL;
	if (db_prepare(r->d, "SELECT csrf, admin, created, last FROM web_session WHERE sid = $1", &st) == SIP_OK
	    && db_bind_text(st, 1, web_s(sid)) == SIP_OK && db_step(st) == DB_ROW) {
		web_col(st, 0, csrf, sizeof csrf);
		web_col(st, 1, user, sizeof user);
		created = db_column_int(st, 2);
		last = db_column_int(st, 3);
	}
	db_finalize(st);
	if (!user[0])
		return NULL;
	web_session *s = web_session_adopt(cookie, csrf, user, (time_t)created, (time_t)last, r->now);
	if (!s && db_prepare(r->d, "DELETE FROM web_session WHERE sid = $1", &st) == SIP_OK) {
		if (db_bind_text(st, 1, web_s(sid)) == SIP_OK)
			(void)ctl_run(st);
		db_finalize(st);
	}
	return s;
}

/* r->s ends (logout, its account removed): its row goes too. */
void web_session_forget(web_req *r)
{
	char sid[65];
	db_stmt *st;
	if (!r->s || !r->s->user[0] || !web_session_sid(r->s->id, sid))
		return;
	if (db_prepare(r->d, "DELETE FROM web_session WHERE sid = $1", &st) == SIP_OK) {
		if (db_bind_text(st, 1, web_s(sid)) == SIP_OK)
			(void)ctl_run(st);
		db_finalize(st);
	}
}

/* The CSRF token a POST carries ("" when none). */
static const char *web_arg_post_csrf(web_req *r)
{
	static char tok[WEB_TOKEN_HEX + 2];
	if (!web_field(r, "csrf", tok, sizeof tok))
		tok[0] = '\0';
	return tok;
}

/* The order of the checks: static assets; the login page (a session
 * without a user is made for its CSRF token); no user: to the login
 * page; a POST: its CSRF token, then the role; then the page. */
void web_page_dispatch(web_req *r)
{
	if (strcmp(r->path, "/static/style.css") == 0 || strcmp(r->path, "/static/app.js") == 0) {
		bool css = r->path[8] == 's';
		r->status = 200;
		r->ctype = css ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8";
		web_buf_puts(&r->out, css ? web_css : web_js);
		return;
	}
	if (strcmp(r->path, "/login") == 0) {
		if (r->post && !web_csrf_ok(r->s, web_arg_post_csrf(r))) {
			web_refuse(r, 403, "Forbidden", "The form's CSRF token is missing or wrong: load"
				   " the page again and resend it.");
			return;
		}
		if (!r->s) {
			r->s = web_session_new(r->now);
			r->set_cookie = r->s != NULL;
		}
		web_login(r);
		return;
	}
	if (!r->s || !r->s->user[0] || !web_session_account(r)) {
		web_redirect(r, "/login");
		return;
	}
	for (size_t i = 0; i < sizeof web_routes / sizeof web_routes[0]; i++) {
		const web_route *rt = &web_routes[i];
		if (strcmp(rt->path, r->path) != 0)
			continue;
		if (r->post ? !rt->post : !rt->get) {
			web_refuse(r, 405, "Method not allowed", "this page does not take that method");
			return;
		}
		if (r->post && !web_csrf_ok(r->s, web_arg_post_csrf(r))) {
			web_refuse(r, 403, "Forbidden", "The form's CSRF token is missing or wrong: load"
				   " the page again and resend it.");
			return;
		}
		if (r->post && rt->writes && !web_session_writes(r->s)) {
			web_refuse(r, 403, "Forbidden", "A support account may only read: this change needs"
				   " an admin account.");
			return;
		}
		rt->fn(r);
		return;
	}
	web_refuse(r, 404, "Not found", "no such page");
}
