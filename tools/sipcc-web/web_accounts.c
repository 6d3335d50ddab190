/* sipcc-web: the panel's own accounts (web_admin), managed from the web by
 * an admin: add one (a given password, or a generated one shown once),
 * change its role, reset its password (a generated one, shown once),
 * remove it. A support account is refused the page and every change. An
 * admin may not remove or demote itself, so the panel always keeps the
 * admin who is using it. A changed role applies to the account's
 * sessions at their next request (the role is read at every request); a
 * removed account's sessions end there. Every change is audited. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "../sipcc-ctl/ctl.h"
#include "web.h"

/* Only admins see the accounts: the page itself is refused to support. */
static bool web_accounts_allowed(web_req *r)
{
	if (web_session_writes(r->s))
		return true;
	web_refuse(r, 403, "Forbidden", "The accounts are managed by an admin account.");
	return false;
}

static void web_accounts_render(web_req *r, const char *err, const char *name, const char *role)
{
	web_begin(r, "Accounts", "/accounts");
	if (err)
		r->status = 400;
	web_done_notice(r);
	web_buf *b = &r->out;
	web_buf_puts(b, "<p class=\"note\">The accounts of this panel: <b>admin</b> changes the data and"
		     " the accounts, <b>support</b> only reads.</p><table id=\"accounts\"><tr><th>Name</th>"
		     "<th>Role</th><th>Created (UTC)</th><th></th></tr>");
	db_stmt *st;
	int rc = db_prepare(r->d, "SELECT id, name, role, created FROM web_admin ORDER BY name", &st);
	if (rc == SIP_OK)
		while ((rc = db_step(st)) == DB_ROW) {
			int64_t id = db_column_int(st, 0);
			char n[80], ro[16], when[32] = "";
			web_col(st, 1, n, sizeof n);
			web_col(st, 2, ro, sizeof ro);
			time_t t = (time_t)db_column_int(st, 3);
			struct tm tm;
			if (t > 0 && gmtime_r(&t, &tm))
				strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
			bool me = strcmp(n, r->s->user) == 0;
			web_buf_puts(b, "<tr><td>");
			web_buf_html(b, n);
			web_buf_printf(b, "%s</td><td>%s</td><td>%s</td><td>", me ? " (you)" : "",
				       strcmp(ro, "admin") == 0 ? "admin" : "support", when);
			if (!me) {
				bool adm = strcmp(ro, "admin") == 0;
				web_buf_puts(b, "<form class=\"inline\" method=\"post\" action=\"/accounts/role\">");
				web_csrf_input(r);
				web_buf_printf(b, "<input type=\"hidden\" name=\"id\" value=\"%" PRId64 "\">"
					       "<input type=\"hidden\" name=\"role\" value=\"%s\">"
					       "<button>Make %s</button></form> ", id, adm ? "support" : "admin",
					       adm ? "support" : "admin");
			}
			web_buf_puts(b, "<form class=\"inline\" method=\"post\" action=\"/accounts/reset\">");
			web_csrf_input(r);
			web_buf_printf(b, "<input type=\"hidden\" name=\"id\" value=\"%" PRId64 "\">"
				       "<button>Reset password</button></form>", id);
			if (!me) {
				web_buf_puts(b, " <form class=\"inline\" method=\"post\" action=\"/accounts/delete\""
					     " data-confirm=\"Remove this account?\">");
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
	web_buf_puts(b, "<form method=\"post\" action=\"/accounts/add\" id=\"accadd\"><fieldset>"
		     "<legend>Add an account</legend>");
	web_msg(r, "err", err);
	web_csrf_input(r);
	web_buf_puts(b, "<label>Name <input name=\"name\" required value=\"");
	web_buf_html(b, name ? name : "");
	web_buf_printf(b, "\"></label><label>Role <select name=\"role\"><option>support</option>"
		       "<option%s>admin</option></select></label><label>Password (empty: generated)"
		       " <input type=\"password\" name=\"password\" autocomplete=\"new-password\"></label>"
		       "<button>Add</button></fieldset></form>",
		       role && strcmp(role, "admin") == 0 ? " selected" : "");
	web_end(r);
}

void web_accounts_page(web_req *r)
{
	if (web_accounts_allowed(r))
		web_accounts_render(r, NULL, NULL, NULL);
}

/* The name and role of account id into name and role; false when none. */
static bool web_account_get(web_req *r, int64_t id, char *name, size_t nsz, char *role, size_t rsz)
{
	db_stmt *st;
	bool found = false;
	if (db_prepare(r->d, "SELECT name, role FROM web_admin WHERE id = $1", &st) == SIP_OK
	    && db_bind_int(st, 1, id) == SIP_OK && db_step(st) == DB_ROW) {
		web_col(st, 0, name, nsz);
		web_col(st, 1, role, rsz);
		found = true;
	}
	db_finalize(st);
	return found;
}

/* The page that shows a new password once. */
static void web_account_pw_page(web_req *r, const char *title, const char *name, const char *pw)
{
	web_begin(r, title, "/accounts");
	web_buf_puts(&r->out, "<p class=\"ok\">The password of <b>");
	web_buf_html(&r->out, name);
	web_buf_printf(&r->out, "</b> is <code class=\"pw\" id=\"newpw\">%s</code></p><p class=\"note\">"
		       "It is shown this once and stored only as its PBKDF2 hash.</p>"
		       "<p><a href=\"/accounts\">Back to the accounts</a></p>", pw);
	web_end(r);
}

void web_account_add(web_req *r)
{
	char name[80] = "", role[16] = "", pw[160] = "", hash[WEB_HASH_MAX];
	web_field(r, "name", name, sizeof name);
	web_field(r, "role", role, sizeof role);
	web_field(r, "password", pw, sizeof pw);
	bool generated = !pw[0];
	const char *why = web_check_admin_name(name);
	if (!why && strcmp(role, "admin") && strcmp(role, "support"))
		why = "the role is admin or support";
	if (!why && generated && !web_pw_generate(pw, sizeof pw))
		why = "no randomness for a password";
	if (!why)
		why = web_check_password(pw);
	if (!why && !web_pw_hash(pw, WEB_PBKDF2_ITERATIONS, hash, sizeof hash))
		why = "the password cannot be hashed (OpenSSL)";
	if (why) {
		web_accounts_render(r, why, name, role);
		return;
	}
	db_stmt *st;
	int rc = db_exec(r->d, "BEGIN");
	if (rc == SIP_OK && (rc = db_prepare(r->d, "INSERT INTO web_admin (name, role, pwhash, created)"
					     " VALUES ($1, $2, $3, $4)", &st)) == SIP_OK) {
		if ((rc = db_bind_text(st, 1, web_s(name))) == SIP_OK
		    && (rc = db_bind_text(st, 2, web_s(role))) == SIP_OK
		    && (rc = db_bind_text(st, 3, web_s(hash))) == SIP_OK
		    && (rc = db_bind_int(st, 4, (int64_t)r->now)) == SIP_OK)
			rc = ctl_run(st);
		db_finalize(st);
	}
	rc = web_tx_end(r, rc, "account add", name, role);
	if (rc == SIP_EDBCONSTRAINT) {
		web_accounts_render(r, "an account with this name exists already", name, role);
		return;
	}
	if (rc != SIP_OK) {
		web_dbfail(r, "cannot add the account");
		return;
	}
	if (generated)
		web_account_pw_page(r, "Account added", name, pw);
	else
		web_redirect(r, "/accounts?done=added");
}

/* Change the role of account id= to role= (not one's own). */
void web_account_role(web_req *r)
{
	int64_t id;
	char name[80], old[16], role[16] = "";
	if (!web_form_id(r, &id))
		return;
	web_field(r, "role", role, sizeof role);
	if (!web_account_get(r, id, name, sizeof name, old, sizeof old)) {
		web_refuse(r, 404, "Not found", "no such account");
		return;
	}
	if (strcmp(role, "admin") && strcmp(role, "support")) {
		web_refuse(r, 400, "Bad request", "the role is admin or support");
		return;
	}
	if (strcmp(name, r->s->user) == 0) {
		web_accounts_render(r, "you cannot change your own role", NULL, NULL);
		return;
	}
	db_stmt *st;
	int rc = db_exec(r->d, "BEGIN");
	if (rc == SIP_OK && (rc = db_prepare(r->d, "UPDATE web_admin SET role = $1 WHERE id = $2", &st)) == SIP_OK) {
		if ((rc = db_bind_text(st, 1, web_s(role))) == SIP_OK && (rc = db_bind_int(st, 2, id)) == SIP_OK)
			rc = ctl_run(st);
		db_finalize(st);
	}
	char det[40];
	snprintf(det, sizeof det, "%s -> %s", old, role);
	if (web_tx_end(r, rc, "account role", name, det) != SIP_OK) {
		web_dbfail(r, "cannot change the role");
		return;
	}
	web_redirect(r, "/accounts?done=saved");
}

/* A new generated password for account id=, shown once. */
void web_account_reset(web_req *r)
{
	int64_t id;
	char name[80], role[16], pw[32], hash[WEB_HASH_MAX];
	if (!web_form_id(r, &id))
		return;
	if (!web_account_get(r, id, name, sizeof name, role, sizeof role)) {
		web_refuse(r, 404, "Not found", "no such account");
		return;
	}
	if (!web_pw_generate(pw, sizeof pw) || !web_pw_hash(pw, WEB_PBKDF2_ITERATIONS, hash, sizeof hash)) {
		web_refuse(r, 500, "Reset password", "no randomness or no OpenSSL for a password");
		return;
	}
	db_stmt *st;
	int rc = db_exec(r->d, "BEGIN");
	if (rc == SIP_OK && (rc = db_prepare(r->d, "UPDATE web_admin SET pwhash = $1 WHERE id = $2", &st)) == SIP_OK) {
		if ((rc = db_bind_text(st, 1, web_s(hash))) == SIP_OK && (rc = db_bind_int(st, 2, id)) == SIP_OK)
			rc = ctl_run(st);
		db_finalize(st);
	}
	if (web_tx_end(r, rc, "account password reset", name, "") != SIP_OK) {
		web_dbfail(r, "cannot reset the password");
		return;
	}
	web_account_pw_page(r, "Password reset", name, pw);
}

/* Remove account id= (not one's own). */
void web_account_delete(web_req *r)
{
	int64_t id;
	char name[80], role[16];
	if (!web_form_id(r, &id))
		return;
	if (!web_account_get(r, id, name, sizeof name, role, sizeof role)) {
		web_refuse(r, 404, "Not found", "no such account");
		return;
	}
	if (strcmp(name, r->s->user) == 0) {
		web_accounts_render(r, "you cannot remove your own account", NULL, NULL);
		return;
	}
	db_stmt *st;
	int rc = db_exec(r->d, "BEGIN");
	if (rc == SIP_OK && (rc = db_prepare(r->d, "DELETE FROM web_admin WHERE id = $1", &st)) == SIP_OK) {
		if ((rc = db_bind_int(st, 1, id)) == SIP_OK)
			rc = ctl_run(st);
		db_finalize(st);
	}
	if (web_tx_end(r, rc, "account remove", name, role) != SIP_OK) {
		web_dbfail(r, "cannot remove the account");
		return;
	}
	web_redirect(r, "/accounts?done=deleted");
}
