/* sipcc-ctl blacklist add [USER@DOMAIN] PREFIX [--allow] [desc=TEXT],
 * blacklist rm ID | rm [USER@DOMAIN] prefix=PREFIX, blacklist list
 * [USER@DOMAIN|global]: the blacklist table check_blacklist() reads
 * (modules/blacklist). Rows without USER@DOMAIN are the global list. */
#include <stdio.h>
#include <string.h>
#include "blacklist/blacklist.h"
#include "core/status.h"
#include "ctl.h"

static int ctl_bl_usage(void)
{
	return ctl_err(CTL_USAGE, "usage: %s blacklist add [USER@DOMAIN] PREFIX [--allow]"
		       " [desc=TEXT], blacklist rm ID, blacklist rm [USER@DOMAIN] prefix=PREFIX, or"
		       " blacklist list [USER@DOMAIN|global]", ctl_prog);
}

/* The owner of a list: user and domain, both "" for the global list. */
struct ctl_bl_owner {
	char user[128], dom[256];
};

static int ctl_bl_owner(const char *arg, struct ctl_bl_owner *o)
{
	if (!ctl_split(arg, o->user, sizeof o->user, o->dom, sizeof o->dom))
		return ctl_err(CTL_REFUSED, "bad subscriber '%s' (expected user@domain)", arg);
	return CTL_OK;
}

/* A prefix as stored: a leading '+' dropped (numbers are compared from
 * their first digit), then digits only. */
static int ctl_bl_prefix(const char *arg, char *out, size_t osz)
{
	const char *p = arg[0] == '+' ? arg + 1 : arg;
	size_t n = strlen(p);
	if (n >= osz || !bl_prefix_valid(sip_str_make(p, n)))
		return ctl_err(CTL_REFUSED, "bad prefix '%s' (up to %d digits, a leading '+' is"
			       " ignored; \"\" for every number)", arg, BL_PREFIX_MAX);
	memcpy(out, p, n + 1);
	return CTL_OK;
}

static int ctl_bl_bind_key(db_stmt *st, const struct ctl_bl_owner *o, const char *prefix)
{
	int rc;
	if ((rc = db_bind_text(st, 1, sip_str_make(o->user, strlen(o->user)))) != SIP_OK ||
	    (rc = db_bind_text(st, 2, sip_str_make(o->dom, strlen(o->dom)))) != SIP_OK)
		return rc;
	return db_bind_text(st, 3, sip_str_make(prefix, strlen(prefix)));
}

static void ctl_bl_owner_text(sip_str u, sip_str dm, char *buf, size_t sz)
{
	if (!u.len && !dm.len)
		snprintf(buf, sz, "global");
	else
		snprintf(buf, sz, SIP_STR_FMT "@" SIP_STR_FMT, SIP_STR_ARG(u), SIP_STR_ARG(dm));
}

static int ctl_bl_list(db *d, int argc, char **argv)
{
	struct ctl_bl_owner o = { "", "" };
	db_stmt *st = NULL;
	int rc;
	if (argc > 1)
		return ctl_bl_usage();
	if (argc == 1 && strcmp(argv[0], "global") && (rc = ctl_bl_owner(argv[0], &o)) != CTL_OK)
		return rc;
	if (argc == 1) {
		rc = db_prepare(d, "SELECT id, username, domain, prefix, whitelist, description"
				" FROM blacklist WHERE username = $1 AND domain = $2 ORDER BY prefix, id",
				&st);
		if (rc == SIP_OK && (rc = db_bind_text(st, 1, sip_str_make(o.user, strlen(o.user))))
		    == SIP_OK)
			rc = db_bind_text(st, 2, sip_str_make(o.dom, strlen(o.dom)));
	} else {
		rc = db_prepare(d, "SELECT id, username, domain, prefix, whitelist, description"
				" FROM blacklist ORDER BY domain, username, prefix, id", &st);
	}
	if (rc != SIP_OK) {
		db_finalize(st);
		return ctl_dberr(d, "cannot read the blacklist table", rc);
	}
	while ((rc = db_step(st)) == DB_ROW) {
		char owner[400];
		sip_str p = db_column_text(st, 3), desc = db_column_text(st, 5);
		ctl_bl_owner_text(db_column_text(st, 1), db_column_text(st, 2), owner, sizeof owner);
		printf("%lld %s prefix=" SIP_STR_FMT " %s", (long long)db_column_int(st, 0), owner,
		       SIP_STR_ARG(p), db_column_int(st, 4) ? "allow" : "block");
		if (desc.len)
			printf(" desc=" SIP_STR_FMT, SIP_STR_ARG(desc));
		putchar('\n');
	}
	db_finalize(st);
	return rc == SIP_OK ? CTL_OK : ctl_dberr(d, "cannot read the blacklist table", rc);
}

static int ctl_bl_rm(db *d, int argc, char **argv)
{
	db_stmt *st = NULL;
	int rc;
	int64_t id = 0;
	struct ctl_bl_owner o = { "", "" };
	char prefix[BL_PREFIX_MAX + 2] = "";
	const char *p = ctl_opt(argc, argv, "prefix");
	if (argc == 1 && !p) {
		if (!ctl_parse_id(argv[0], &id))
			return ctl_err(CTL_REFUSED, "bad blacklist id '%s' (a positive integer; or"
				       " rm [USER@DOMAIN] prefix=PREFIX)", argv[0]);
		rc = db_prepare(d, "DELETE FROM blacklist WHERE id = $1", &st);
		if (rc == SIP_OK)
			rc = db_bind_int(st, 1, id);
	} else {
		if (!p || argc > 2 || (argc == 2 && strncmp(argv[1], "prefix=", 7)))
			return ctl_bl_usage();
		if (argc == 2 && (rc = ctl_bl_owner(argv[0], &o)) != CTL_OK)
			return rc;
		if ((rc = ctl_bl_prefix(p, prefix, sizeof prefix)) != CTL_OK)
			return rc;
		rc = db_prepare(d, "DELETE FROM blacklist WHERE username = $1 AND domain = $2"
				" AND prefix = $3", &st);
		if (rc == SIP_OK)
			rc = ctl_bl_bind_key(st, &o, prefix);
	}
	if (rc == SIP_OK)
		rc = ctl_run(st);
	long changed = rc == SIP_OK ? db_changes(st) : 0;
	db_finalize(st);
	if (rc != SIP_OK)
		return ctl_dberr(d, "cannot change the blacklist table", rc);
	if (changed)
		return CTL_OK;
	if (id)
		return ctl_err(CTL_REFUSED, "no blacklist row %lld", (long long)id);
	return ctl_err(CTL_REFUSED, "no prefix '%s' in the %s list", prefix,
		       o.user[0] ? "subscriber's" : "global");
}

/* add: a subscriber's list needs the subscriber; the new row's id is
 * printed ("blacklist 4"); the same prefix twice in one list is
 * refused. */
static int ctl_bl_add(db *d, int argc, char **argv)
{
	struct ctl_bl_owner o = { "", "" };
	const char *pos[2], *desc = NULL;
	char prefix[BL_PREFIX_MAX + 2];
	int npos = 0, rc;
	bool allow = false;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--allow") == 0)
			allow = true;
		else if (strncmp(argv[i], "desc=", 5) == 0)
			desc = argv[i] + 5;
		else if (argv[i][0] == '-' && argv[i][1] == '-')
			return ctl_err(CTL_USAGE, "blacklist add: unknown option '%s' (see %s --help)",
				       argv[i], ctl_prog);
		else if (strchr(argv[i], '=') || npos == 2)
			return ctl_bl_usage();
		else
			pos[npos++] = argv[i];
	}
	if (npos == 0)
		return ctl_bl_usage();
	if (npos == 2 && (rc = ctl_bl_owner(pos[0], &o)) != CTL_OK)
		return rc;
	if (npos == 1 && strchr(pos[0], '@'))
		return ctl_err(CTL_USAGE, "blacklist add: '%s' is a subscriber; the PREFIX is missing",
			       pos[0]);
	if ((rc = ctl_bl_prefix(pos[npos - 1], prefix, sizeof prefix)) != CTL_OK)
		return rc;
	if (!desc)
		desc = "";
	if (strlen(desc) > 255)
		return ctl_err(CTL_REFUSED, "desc longer than 255 characters");
	if (o.user[0]) {
		bool exists = false;
		if ((rc = ctl_subscriber_exists(d, o.user, o.dom, &exists)) != SIP_OK)
			return ctl_dberr(d, "cannot read the subscriber table", rc);
		if (!exists)
			return ctl_err(CTL_REFUSED, "no subscriber %s@%s", o.user, o.dom);
	}
	db_stmt *st = NULL;
	rc = db_prepare(d, "INSERT INTO blacklist (username, domain, prefix, whitelist, description)"
			" VALUES ($1, $2, $3, $4, $5)", &st);
	if (rc == SIP_OK && (rc = ctl_bl_bind_key(st, &o, prefix)) == SIP_OK
	    && (rc = db_bind_int(st, 4, allow)) == SIP_OK
	    && (rc = db_bind_text(st, 5, sip_str_make(desc, strlen(desc)))) == SIP_OK)
		rc = ctl_run(st);
	db_finalize(st);
	if (rc == SIP_EDBCONSTRAINT)
		return ctl_err(CTL_REFUSED, "prefix '%s' is in the %s list already (%s blacklist rm"
			       " first)", prefix, o.user[0] ? "subscriber's" : "global", ctl_prog);
	if (rc != SIP_OK)
		return ctl_dberr(d, "cannot change the blacklist table", rc);
	st = NULL;
	rc = db_prepare(d, "SELECT id FROM blacklist WHERE username = $1 AND domain = $2"
			" AND prefix = $3", &st);
	if (rc == SIP_OK && (rc = ctl_bl_bind_key(st, &o, prefix)) == SIP_OK &&
	    (rc = db_step(st)) == DB_ROW) {
		printf("blacklist %lld\n", (long long)db_column_int(st, 0));
		rc = SIP_OK;
	}
	db_finalize(st);
	return rc == SIP_OK ? CTL_OK : ctl_dberr(d, "cannot read the blacklist table", rc);
}

int ctl_blacklist_cmd(db *d, int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "list") == 0)
		return ctl_bl_list(d, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[0], "rm") == 0)
		return ctl_bl_rm(d, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[0], "add") == 0)
		return ctl_bl_add(d, argc - 1, argv + 1);
	return ctl_bl_usage();
}
