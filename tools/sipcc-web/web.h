/* sipcc-web: the web control panel over the proxy's database and its
 * control socket. What its files share:
 *
 *   web_util.c   a growing output buffer with HTML escaping, form and
 *                query decoding, the checks of what a form may hold
 *   web_auth.c   admin password hashes (PBKDF2-HMAC-SHA256), random
 *                tokens, the session table and the CSRF check
 *   web_pages.c  the pages: their queries and their HTML
 *   sipcc_web.c  the HTTP server (libmicrohttpd), the dispatch of a
 *                request to its page, the admin command line
 *
 * Requests are served one at a time on the server's one thread, which
 * owns the database handle and the session table: nothing here locks. */
#ifndef SIPCC_WEB_WEB_H
#define SIPCC_WEB_WEB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "core/arena.h"
#include "core/json.h"
#include "db/db.h"

/* ---- output buffer (web_util.c) ---- */

/* Text built for a response. On allocation failure oom is set and
 * further additions are dropped (the response becomes a 500). */
typedef struct web_buf {
	char *s;
	size_t len, cap;
	bool oom;
} web_buf;

void web_buf_add(web_buf *b, const char *s, size_t n);
void web_buf_puts(web_buf *b, const char *s);
void web_buf_printf(web_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s with & < > " ' escaped for HTML text and attribute values. */
void web_buf_html(web_buf *b, const char *s);
void web_buf_html_n(web_buf *b, const char *s, size_t n);
/* s percent-encoded for a query string value. */
void web_buf_url(web_buf *b, const char *s);
/* s as one CSV field (RFC 4180 quoting); a value a spreadsheet would run
 * as a formula (= + - @ first) is prefixed with a quote mark. */
void web_buf_csv(web_buf *b, const char *s);
void web_buf_free(web_buf *b);

/* ---- forms (web_util.c) ---- */

/* The value of key in an application/x-www-form-urlencoded text (a POST
 * body or a query string) of len bytes, decoded into out (outsz bytes,
 * NUL-terminated). Returns false when key is absent; a value that does
 * not fit, holds a NUL or control character other than tab, CR or LF, or
 * a bad % escape, is returned as absent too and *bad set (when bad is
 * not NULL). */
bool web_form_get(const char *body, size_t len, const char *key, char *out, size_t outsz,
		  bool *bad);

/* ---- input checks (web_util.c) ----
 * Each returns NULL when the value is fine, else a sentence for the form
 * ("the user name may not contain a quote"). */
const char *web_check_user(const char *s);
const char *web_check_domain(const char *s);
/* "user@domain", an optional sip: before it; split into user and dom
 * (the domain lowercased). what names the field in the message. */
const char *web_check_aor(const char *s, char *user, size_t usz, char *dom, size_t dsz);
const char *web_check_password(const char *s);
const char *web_check_admin_name(const char *s);
/* A call forwarding target: a sip: or sips: URI with a user and a host,
 * no blanks, quotes or angle brackets, at most 255 bytes. */
const char *web_check_forward(const char *s);
/* A search text: printable, at most 64 bytes. */
const char *web_check_search(const char *s);
/* "YYYY-MM-DD" (a day in UTC) into *t, the day's first second; "" leaves
 * *t alone. */
const char *web_check_date(const char *s, int64_t *t);
/* s with ! % _ escaped by '!' and % around it: a LIKE pattern (ESCAPE
 * '!') for "contains s"; "" stays "". */
void web_like_pattern(const char *s, char *out, size_t outsz);

/* ---- passwords and tokens (web_auth.c) ---- */

#define WEB_PBKDF2_ITERATIONS 600000u
#define WEB_PBKDF2_SALT 16
#define WEB_PBKDF2_LEN 32
#define WEB_HASH_MAX 160
#define WEB_TOKEN_HEX 64   /* 256 random bits */

/* "pbkdf2-sha256$ITER$SALT$HASH" of pw with a new random salt into out
 * (WEB_HASH_MAX bytes). false when the random source or OpenSSL failed. */
bool web_pw_hash(const char *pw, unsigned iterations, char *out, size_t outsz);
/* Whether pw matches stored (the hash compared in constant time); a
 * stored text that is not such a hash never matches. */
bool web_pw_verify(const char *pw, const char *stored);
/* n random bytes (OpenSSL's RAND_bytes) as 2n hex digits into out
 * (2n + 1 bytes). */
bool web_random_hex(char *out, size_t n);
/* Whether two tokens are equal, in time that does not depend on where
 * they differ. NULL or "" never equals. */
bool web_token_eq(const char *a, const char *b);
/* A password to print once: 20 characters from an alphabet without
 * look-alikes. */
bool web_pw_generate(char *out, size_t outsz);

/* ---- failed logins (web_auth.c) ----
 * After WEB_LOGIN_FAILS wrong passwords for one account name within
 * WEB_LOGIN_WINDOW seconds, logins to it are refused for WEB_LOGIN_LOCK
 * seconds, the right password too: a guesser gets a few tries a minute,
 * and the PBKDF2 work it can make the panel do is bounded. */
#define WEB_LOGIN_FAILS 5
#define WEB_LOGIN_WINDOW 600
#define WEB_LOGIN_LOCK 60
/* Seconds name stays locked (0: may try now). */
long web_login_locked(const char *name, time_t now);
/* Count a wrong password for name. */
void web_login_failed(const char *name, time_t now);
/* A good login forgets name's failures. */
void web_login_ok(const char *name);
void web_login_reset(void);

/* ---- sessions (web_auth.c) ---- */

#define WEB_SESSIONS_MAX 256
#define WEB_SESSION_IDLE 1800     /* seconds without a request */
#define WEB_SESSION_MAX_AGE 43200 /* seconds after login */

typedef struct web_session {
	char id[WEB_TOKEN_HEX + 1];    /* the cookie; "" when the slot is free */
	char csrf[WEB_TOKEN_HEX + 1];  /* the token every form carries */
	char user[65];                 /* "" before login */
	char role[16];                 /* "admin" or "support" */
	time_t created, last;
	time_t saved;                  /* last as the database has it (web_session) */
} web_session;

/* A new session without a user (the login form's CSRF token needs one).
 * When the table is full the least recently used session without a user
 * is dropped (one with a user only when every session has one). NULL
 * when no randomness. */
web_session *web_session_new(time_t now);
/* The live session whose id is id, its last use set to now; NULL when
 * none, or when it idled or aged out (then it is dropped). */
web_session *web_session_find(const char *id, time_t now);
/* Log user in with role: a new session (new id and CSRF token) replaces
 * s, so an id known before the login is worth nothing after it. */
web_session *web_session_login(web_session *s, const char *user, const char *role, time_t now);
void web_session_end(web_session *s);
/* A logged-in session read back from the database (web_session) into the
 * table; NULL when expired or malformed. */
web_session *web_session_adopt(const char *id, const char *csrf, const char *user, time_t created,
			       time_t last, time_t now);
/* The SHA-256 of a session id in hex: what the database keeps. */
bool web_session_sid(const char *id, char out[65]);
/* Whether token is s's CSRF token. */
bool web_csrf_ok(const web_session *s, const char *token);
/* Whether s may change data (role admin). */
bool web_session_writes(const web_session *s);
/* Drop every session (tests). */
void web_sessions_reset(void);

/* ---- one request (sipcc_web.c fills it, web_pages.c answers) ---- */

struct MHD_Connection;
typedef struct web_req {
	struct MHD_Connection *conn;
	const char *method, *path;
	bool post;
	const char *body;            /* POST: the urlencoded form */
	size_t body_len;
	web_session *s;              /* NULL before any session */
	db *d;
	const char *ctl_path;        /* --ctl, NULL when not given */
	time_t now;
	/* The response: status, body, its type; location for a redirect;
	 * disposition for a download; set_cookie when the session changed. */
	int status;
	web_buf out;
	const char *ctype;
	char location[512];
	char disposition[128];
	bool set_cookie, clear_cookie;
} web_req;

/* A query string argument (decoded), "" when absent. */
const char *web_arg(web_req *r, const char *key);
/* A form field of a POST into out; "" and false when absent or bad. */
bool web_field(web_req *r, const char *key, char *out, size_t outsz);
/* ---- the frame every page shares (web_pages.c) ---- */

/* The document head, the navigation (when logged in) and the title as
 * <h1>; status 200 and HTML unless changed after. active: the path of
 * the navigation entry to mark. */
void web_begin(web_req *r, const char *title, const char *active);
void web_end(web_req *r);
/* The hidden input with the session's CSRF token. */
void web_csrf_input(web_req *r);
/* 303 to loc. */
void web_redirect(web_req *r, const char *loc);
/* A page that only says why not, with status. */
void web_refuse(web_req *r, int status, const char *title, const char *why);
/* <p class=cls>text</p>, text escaped; nothing for NULL or "". */
void web_msg(web_req *r, const char *cls, const char *text);
/* The notice of ?done=added|saved|deleted. */
void web_done_notice(web_req *r);
void web_dbfail(web_req *r, const char *what);
/* Commit the transaction a change began, with its audit row, or roll it
 * back; the final status. */
int web_tx_end(web_req *r, int rc, const char *action, const char *object, const char *detail);
/* The end of a form that adds (edit false) or changes a row: web_tx_end
 * with the action "KIND add" or "KIND edit", then back to page with
 * ?done=added or ?done=saved; an edited row that is gone (SIP_ENOTFOUND)
 * gets 404 "no such NOUN", another failure "cannot add/change the NOUN". */
void web_save_end(web_req *r, int rc, bool edit, const char *kind, const char *noun,
		  const char *page, const char *object, const char *detail);
/* The logged-in sessions in the database (web_pages.c): stored at login,
 * looked up when the table does not know a cookie (after a restart),
 * their last use written now and then, removed at logout. */
void web_session_store(web_req *r);
web_session *web_session_load(web_req *r, const char *cookie);
void web_session_forget(web_req *r);
sip_str web_s(const char *s);
/* Column col of the current row as text into out (truncated to fit). */
void web_col(db_stmt *st, int col, char *out, size_t outsz);
/* <td>column col, escaped</td>. */
void web_td(web_req *r, db_stmt *st, int col);
/* ?page=N, 1 when absent or bad. */
int64_t web_page_no(web_req *r);
/* Previous and next links; query: the other arguments, "&k=v" encoded. */
void web_pager(web_req *r, const char *path, int64_t page, bool more, const char *query);
/* id=N of a POST form into *id; false after answering 400. */
bool web_form_id(web_req *r, int64_t *id);
#define WEB_PAGE_ROWS 25

/* ---- more pages (web_prefs.c) ---- */
void web_prefs_page(web_req *r);
void web_pref_set(web_req *r);
void web_pref_delete(web_req *r);
void web_groups_page(web_req *r);
void web_group_add(web_req *r);
void web_group_delete(web_req *r);

/* ---- gateways and routing rules (web_gw.c) ---- */
void web_gateways_page(web_req *r);
void web_gateway_add(web_req *r);
void web_gateway_save(web_req *r);
void web_address_save(web_req *r);
void web_dialplan_save(web_req *r);
/* ---- the panel's accounts (web_accounts.c) ---- */
void web_accounts_page(web_req *r);
void web_account_add(web_req *r);
void web_account_role(web_req *r);
void web_account_reset(web_req *r);
void web_account_delete(web_req *r);
void web_rule_save(web_req *r);
void web_gateway_delete(web_req *r);
void web_rule_add(web_req *r);
void web_rule_delete(web_req *r);

/* ---- blacklists (web_bl.c) ---- */
void web_blacklists_page(web_req *r);
void web_blacklist_add(web_req *r);
void web_blacklist_delete(web_req *r);

/* ---- trusted addresses (web_addr.c) ---- */
void web_addresses_page(web_req *r);
void web_address_add(web_req *r);
void web_address_delete(web_req *r);

/* ---- dial plans (web_dp.c) ---- */
void web_dialplans_page(web_req *r);
void web_dialplan_add(web_req *r);
void web_dialplan_delete(web_req *r);

/* ---- dispatcher sets (web_ds.c) ---- */
void web_dispatcher_page(web_req *r);
void web_dispatcher_add(web_req *r);
void web_dispatcher_delete(web_req *r);

/* ---- the running proxy (web_live.c) ---- */

/* Send the words argv to the proxy's control socket and parse its JSON
 * reply into *root, in a. NULL when the proxy said ok, else a sentence
 * for the page (no --ctl, no answer, its refusal). */
const char *web_ctl(web_req *r, int argc, char **argv, sip_arena *a, sip_json **root);
void web_calls_page(web_req *r);
void web_call_end(web_req *r);
void web_stats_page(web_req *r);

/* Answer r: fills status, out, ctype or location. */
void web_page_dispatch(web_req *r);
/* The accounts: add (hash of pw), remove, a new password, list to
 * stdout; a CTL_ status. */
int web_admin_add(db *d, const char *name, const char *role, const char *pw);
int web_admin_rm(db *d, const char *name);
int web_admin_passwd(db *d, const char *name, const char *pw);
int web_admin_list(db *d);

#endif
