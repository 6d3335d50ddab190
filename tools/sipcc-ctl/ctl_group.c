/* sipcc-ctl group add|rm USER@DOMAIN GROUP, group list [USER@DOMAIN]: the
 * grp table is_user_in() reads (modules/group). */
#include <stdio.h>
#include <string.h>
#include "core/status.h"
#include "ctl.h"
#include "group/group.h"

static int ctl_group_usage(void)
{
	return ctl_err(CTL_USAGE, "usage: %s group add|rm USER@DOMAIN GROUP, or group list"
		       " [USER@DOMAIN]", ctl_prog);
}

static int ctl_group_list(db *d, const char *who)
{
	char user[128], dom[256];
	db_stmt *st = NULL;
	int rc;
	if (who) {
		if (!ctl_split(who, user, sizeof user, dom, sizeof dom))
			return ctl_err(CTL_REFUSED, "bad subscriber '%s' (expected user@domain)", who);
		rc = db_prepare(d, "SELECT username, domain, grp FROM grp WHERE username = $1"
				" AND domain = $2 ORDER BY grp", &st);
		if (rc == SIP_OK && (rc = db_bind_text(st, 1, sip_str_make(user, strlen(user)))) == SIP_OK)
			rc = db_bind_text(st, 2, sip_str_make(dom, strlen(dom)));
	} else {
		rc = db_prepare(d, "SELECT username, domain, grp FROM grp"
				" ORDER BY domain, username, grp", &st);
	}
	if (rc != SIP_OK) {
		db_finalize(st);
		return ctl_dberr(d, "cannot read the group table", rc);
	}
	while ((rc = db_step(st)) == DB_ROW) {
		sip_str u = db_column_text(st, 0), dm = db_column_text(st, 1), g = db_column_text(st, 2);
		printf(SIP_STR_FMT "@" SIP_STR_FMT " " SIP_STR_FMT "\n", SIP_STR_ARG(u), SIP_STR_ARG(dm),
		       SIP_STR_ARG(g));
	}
	db_finalize(st);
	return rc == SIP_OK ? CTL_OK : ctl_dberr(d, "cannot read the group table", rc);
}

/* add: the subscriber must exist (a misspelt address is refused, not
 * written as a membership nobody has); a membership given twice is
 * refused. rm: the membership must exist. */
int ctl_group_cmd(db *d, int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "list") == 0) {
		if (argc > 2)
			return ctl_group_usage();
		return ctl_group_list(d, argc == 2 ? argv[1] : NULL);
	}
	bool add = argc == 3 && strcmp(argv[0], "add") == 0;
	bool rm = argc == 3 && strcmp(argv[0], "rm") == 0;
	if (!add && !rm)
		return ctl_group_usage();
	char user[128], dom[256];
	if (!ctl_split(argv[1], user, sizeof user, dom, sizeof dom))
		return ctl_err(CTL_REFUSED, "bad subscriber '%s' (expected user@domain)", argv[1]);
	sip_str grp = sip_str_make(argv[2], strlen(argv[2]));
	if (!group_name_valid(grp))
		return ctl_err(CTL_REFUSED, "bad group name '%s' (1 to %d letters, digits, '_', '-',"
			       " '.')", argv[2], GROUP_NAME_MAX);
	db_stmt *st = NULL;
	int rc;
	if (add) {
		bool exists = false;
		if ((rc = ctl_subscriber_exists(d, user, dom, &exists)) != SIP_OK)
			return ctl_dberr(d, "cannot read the subscriber table", rc);
		if (!exists)
			return ctl_err(CTL_REFUSED, "no subscriber %s@%s", user, dom);
		rc = db_prepare(d, "INSERT INTO grp (username, domain, grp) VALUES ($1, $2, $3)", &st);
	} else {
		rc = db_prepare(d, "DELETE FROM grp WHERE username = $1 AND domain = $2 AND grp = $3",
				&st);
	}
	if (rc == SIP_OK && (rc = db_bind_text(st, 1, sip_str_make(user, strlen(user)))) == SIP_OK
	    && (rc = db_bind_text(st, 2, sip_str_make(dom, strlen(dom)))) == SIP_OK
	    && (rc = db_bind_text(st, 3, grp)) == SIP_OK)
		rc = ctl_run(st);
	long changed = rc == SIP_OK ? db_changes(st) : 0;
	db_finalize(st);
	if (rc == SIP_EDBCONSTRAINT)
		return ctl_err(CTL_REFUSED, "%s@%s is in group '%s' already", user, dom, argv[2]);
	if (rc != SIP_OK)
		return ctl_dberr(d, "cannot change the group table", rc);
	if (rm && changed == 0)
		return ctl_err(CTL_REFUSED, "%s@%s is not in group '%s'", user, dom, argv[2]);
	return CTL_OK;
}
