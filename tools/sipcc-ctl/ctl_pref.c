/* sipcc-ctl pref: per-user and per-domain attributes in usr_preferences
 * (what avp_db_load reads, modules/prefs):
 *
 *   pref set USER@DOMAIN|@DOMAIN NAME VALUE [--int]
 *   pref get USER@DOMAIN|@DOMAIN [NAME]
 *   pref rm USER@DOMAIN|@DOMAIN NAME
 *
 * A running proxy loads a change by itself (the table's change serial). */
#include <stdio.h>
#include <string.h>
#include "core/status.h"
#include "ctl.h"
#include "prefs/prefs.h"

bool ctl_pref_owner(const char *arg, char *user, size_t usz, char *dom, size_t dsz)
{
	if (arg[0] != '@')
		return ctl_split(arg, user, usz, dom, dsz);
	size_t n = strlen(arg + 1);
	if (n >= dsz || n > PREFS_DOMAIN_MAX)
		return false;
	for (size_t i = 0; i <= n; i++) {
		char c = arg[1 + i];
		dom[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
	}
	user[0] = '\0';
	return ctl_valid_domain(dom);
}

bool ctl_pref_name(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > PREFS_ATTR_MAX || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
		      || c == '_'))
			return false;
	}
	return true;
}

const char *ctl_pref_check(const char *name, const char *value, bool is_int)
{
	if (!ctl_pref_name(name))
		return "bad attribute name (letters, digits and '_', not starting with a digit,"
		       " at most 64: the name of the AVP the policy declares)";
	if (strlen(value) > PREFS_VALUE_MAX)
		return "value longer than 255 characters";
	int64_t n;
	if (is_int && !prefs_value_int(sip_str_make(value, strlen(value)), &n))
		return "not an integer (--int)";
	return NULL;
}

int ctl_pref_store(db *d, db_stmt **st, const char *user, const char *dom, const char *name,
		   const char *value, bool is_int)
{
	int rc = *st ? SIP_OK : db_prepare_upsert(d, &prefs_upsert, st);
	if (rc == SIP_OK && (rc = db_bind_text(*st, 1, sip_str_make(user, strlen(user)))) == SIP_OK
	    && (rc = db_bind_text(*st, 2, sip_str_make(dom, strlen(dom)))) == SIP_OK
	    && (rc = db_bind_text(*st, 3, sip_str_make(name, strlen(name)))) == SIP_OK
	    && (rc = db_bind_int(*st, 4, is_int ? PREFS_TYPE_INT : PREFS_TYPE_STR)) == SIP_OK
	    && (rc = db_bind_text(*st, 5, sip_str_make(value, strlen(value)))) == SIP_OK)
		rc = ctl_run(*st);
	return rc;
}

static int ctl_pref_get(db *d, const char *owner, const char *user, const char *dom,
			const char *name)
{
	db_stmt *st;
	int rc;
	if (name)
		rc = db_prepare(d, "SELECT attribute, type, value FROM usr_preferences"
				" WHERE username = $1 AND domain = $2 AND attribute = $3", &st);
	else
		rc = db_prepare(d, "SELECT attribute, type, value FROM usr_preferences"
				" WHERE username = $1 AND domain = $2 ORDER BY attribute", &st);
	if (rc == SIP_OK && (rc = db_bind_text(st, 1, sip_str_make(user, strlen(user)))) == SIP_OK
	    && (rc = db_bind_text(st, 2, sip_str_make(dom, strlen(dom)))) == SIP_OK && name)
		rc = db_bind_text(st, 3, sip_str_make(name, strlen(name)));
	int rows = 0;
	while (rc == SIP_OK && (rc = db_step(st)) == DB_ROW) {
		sip_str a = db_column_text(st, 0), v = db_column_text(st, 2);
		if (name)
			printf(SIP_STR_FMT "\n", SIP_STR_ARG(v));
		else
			printf(SIP_STR_FMT " %s " SIP_STR_FMT "\n", SIP_STR_ARG(a),
			       db_column_int(st, 1) == PREFS_TYPE_INT ? "int" : "str", SIP_STR_ARG(v));
		rows++;
		rc = SIP_OK;
	}
	db_finalize(st);
	if (rc != SIP_OK)
		return ctl_dberr(d, "cannot read the usr_preferences table", rc);
	if (name && !rows)
		return ctl_err(CTL_REFUSED, "no attribute %s for %s", name, owner);
	return CTL_OK;
}

int ctl_pref_cmd(db *d, int argc, char **argv)
{
	bool is_int = false;
	if (argc >= 1 && strcmp(argv[0], "set") == 0 && argc == 5 && strcmp(argv[4], "--int") == 0) {
		is_int = true;
		argc--;
	}
	const char *sub = argc ? argv[0] : "";
	bool set = strcmp(sub, "set") == 0 && argc == 4;
	bool get = strcmp(sub, "get") == 0 && (argc == 2 || argc == 3);
	bool rm = strcmp(sub, "rm") == 0 && argc == 3;
	if (!set && !get && !rm)
		return ctl_err(CTL_USAGE, "usage: %s pref set USER@DOMAIN NAME VALUE [--int],"
			       " pref get USER@DOMAIN [NAME], or pref rm USER@DOMAIN NAME"
			       " (@DOMAIN for the domain's attributes)", ctl_prog);
	char user[PREFS_USER_MAX + 1], dom[PREFS_DOMAIN_MAX + 1];
	if (!ctl_pref_owner(argv[1], user, sizeof user, dom, sizeof dom))
		return ctl_err(CTL_REFUSED, "bad owner '%s' (expected user@domain or @domain)",
			       argv[1]);
	const char *name = argc >= 3 ? argv[2] : NULL;
	if (name && !ctl_pref_name(name))
		return ctl_err(CTL_REFUSED, "bad attribute name '%s' (letters, digits and '_', not"
			       " starting with a digit, at most %d)", name, PREFS_ATTR_MAX);
	if (get)
		return ctl_pref_get(d, argv[1], user, dom, name);
	db_stmt *st = NULL;
	int rc;
	long changed = 1;
	if (set) {
		const char *why = ctl_pref_check(name, argv[3], is_int);
		if (why)
			return ctl_err(CTL_REFUSED, "bad value '%s' for %s: %s", argv[3], name, why);
		rc = ctl_pref_store(d, &st, user, dom, name, argv[3], is_int);
	} else {
		rc = db_prepare(d, PREFS_SQL_DELETE, &st);
		if (rc == SIP_OK && (rc = db_bind_text(st, 1, sip_str_make(user, strlen(user)))) == SIP_OK
		    && (rc = db_bind_text(st, 2, sip_str_make(dom, strlen(dom)))) == SIP_OK
		    && (rc = db_bind_text(st, 3, sip_str_make(name, strlen(name)))) == SIP_OK
		    && (rc = ctl_run(st)) == SIP_OK)
			changed = db_changes(st);
	}
	db_finalize(st);
	if (rc != SIP_OK)
		return ctl_dberr(d, "cannot change the usr_preferences table", rc);
	if (!changed)
		return ctl_err(CTL_REFUSED, "no attribute %s for %s", name, argv[1]);
	return CTL_OK;
}
