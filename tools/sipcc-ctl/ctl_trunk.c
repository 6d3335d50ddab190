/* sipcc-ctl trunk add NAME [realm=R] [username=U] [password=P]
 * [registrar=URI] [aor=URI] [contact=URI] [expires=N], trunk rm NAME,
 * trunk list: the trunk table of the uac module (the credentials
 * uac_auth() answers an upstream's challenges with, and the registrations
 * the proxy keeps with the trunks that have a registrar). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/status.h"
#include "ctl.h"
#include "sip/msg.h"
#include "uac/uac.h"

static int ctl_trunk_usage(void)
{
	return ctl_err(CTL_USAGE, "usage: %s trunk add NAME [realm=REALM] [username=USER]"
		       " [password=PASSWORD] [registrar=URI] [aor=URI] [contact=URI] [expires=N],"
		       " trunk rm NAME, or trunk list", ctl_prog);
}

static int ctl_trunk_list(db *d)
{
	db_stmt *st = NULL;
	int rc = db_prepare(d, "SELECT name, realm, username, registrar, aor, contact, expires"
			    " FROM trunk ORDER BY name", &st);
	if (rc != SIP_OK) {
		db_finalize(st);
		return ctl_dberr(d, "cannot read the trunk table", rc);
	}
	/* The password is not printed. */
	while ((rc = db_step(st)) == DB_ROW) {
		sip_str n = db_column_text(st, 0), r = db_column_text(st, 1), u = db_column_text(st, 2);
		sip_str reg = db_column_text(st, 3), aor = db_column_text(st, 4), c = db_column_text(st, 5);
		printf(SIP_STR_FMT " realm=" SIP_STR_FMT " username=" SIP_STR_FMT, SIP_STR_ARG(n),
		       SIP_STR_ARG(r), SIP_STR_ARG(u));
		if (reg.len)
			printf(" registrar=" SIP_STR_FMT " aor=" SIP_STR_FMT " contact=" SIP_STR_FMT
			       " expires=%lld", SIP_STR_ARG(reg), SIP_STR_ARG(aor), SIP_STR_ARG(c),
			       (long long)db_column_int(st, 6));
		printf("\n");
	}
	db_finalize(st);
	return rc == SIP_OK ? CTL_OK : ctl_dberr(d, "cannot read the trunk table", rc);
}

/* A value the proxy could not use as a SIP URI is refused here. */
static bool ctl_trunk_uri(const char *s)
{
	sip_uri u;
	return !s || !s[0] || (sip_uri_parse(sip_str_make(s, strlen(s)), &u) == SIP_OK && u.is_sip &&
			       u.host.len && !strpbrk(s, "<>\" \r\n"));
}

static bool ctl_trunk_text(const char *s)
{
	return !s || (strlen(s) <= 128 && !strpbrk(s, "\r\n\""));
}

/* add: a new trunk (a name given twice is refused). rm: it must exist. */
int ctl_trunk_cmd(db *d, int argc, char **argv)
{
	if (argc == 1 && strcmp(argv[0], "list") == 0)
		return ctl_trunk_list(d);
	bool add = argc >= 2 && strcmp(argv[0], "add") == 0;
	bool rm = argc == 2 && strcmp(argv[0], "rm") == 0;
	if (!add && !rm)
		return ctl_trunk_usage();
	sip_str name = sip_str_make(argv[1], strlen(argv[1]));
	if (!uac_name_valid(name))
		return ctl_err(CTL_REFUSED, "bad trunk name '%s' (1 to %d letters, digits, '_', '-', '.')",
			       argv[1], UAC_NAME_MAX);
	db_stmt *st = NULL;
	int rc;
	if (rm) {
		rc = db_prepare(d, "DELETE FROM trunk WHERE name = $1", &st);
		if (rc == SIP_OK && (rc = db_bind_text(st, 1, name)) == SIP_OK)
			rc = ctl_run(st);
		long changed = rc == SIP_OK ? db_changes(st) : 0;
		db_finalize(st);
		if (rc != SIP_OK)
			return ctl_dberr(d, "cannot change the trunk table", rc);
		return changed ? CTL_OK : ctl_err(CTL_REFUSED, "no trunk '%s'", argv[1]);
	}
	static const char *const keys[] = { "realm", "username", "password", "registrar", "aor",
					    "contact", "expires", NULL };
	if ((rc = ctl_opts_known(argc - 2, argv + 2, keys, "trunk add")) != CTL_OK)
		return rc;
	const char *realm = ctl_opt(argc - 2, argv + 2, "realm");
	const char *user = ctl_opt(argc - 2, argv + 2, "username");
	const char *pass = ctl_opt(argc - 2, argv + 2, "password");
	const char *reg = ctl_opt(argc - 2, argv + 2, "registrar");
	const char *aor = ctl_opt(argc - 2, argv + 2, "aor");
	const char *contact = ctl_opt(argc - 2, argv + 2, "contact");
	const char *exp_s = ctl_opt(argc - 2, argv + 2, "expires");
	if (!ctl_trunk_text(realm) || !ctl_trunk_text(pass))
		return ctl_err(CTL_REFUSED, "a realm or password has a quote or a line break, or is too long");
	if (user && user[0] && !ctl_valid_user(user, strlen(user)))
		return ctl_err(CTL_REFUSED, "bad username '%s'", user);
	if (!ctl_trunk_uri(reg) || !ctl_trunk_uri(aor) || !ctl_trunk_uri(contact))
		return ctl_err(CTL_REFUSED, "registrar, aor and contact must be SIP URIs (sip:HOST[:PORT])");
	if (reg && reg[0] && !(user && user[0]))
		return ctl_err(CTL_REFUSED, "a trunk with a registrar needs a username");
	long expires = 3600;
	if (exp_s) {
		char *end;
		expires = strtol(exp_s, &end, 10);
		if (!exp_s[0] || *end || expires < 1 || expires > 86400 * 7)
			return ctl_err(CTL_REFUSED, "bad expires '%s' (seconds, 1 to 604800)", exp_s);
	}
#define S(x) sip_str_make((x) ? (x) : "", (x) ? strlen(x) : 0)
	rc = db_prepare(d, "INSERT INTO trunk (name, realm, username, password, registrar, aor, contact,"
			" expires) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", &st);
	if (rc == SIP_OK && (rc = db_bind_text(st, 1, name)) == SIP_OK &&
	    (rc = db_bind_text(st, 2, S(realm))) == SIP_OK && (rc = db_bind_text(st, 3, S(user))) == SIP_OK &&
	    (rc = db_bind_text(st, 4, S(pass))) == SIP_OK && (rc = db_bind_text(st, 5, S(reg))) == SIP_OK &&
	    (rc = db_bind_text(st, 6, S(aor))) == SIP_OK && (rc = db_bind_text(st, 7, S(contact))) == SIP_OK &&
	    (rc = db_bind_int(st, 8, expires)) == SIP_OK)
		rc = ctl_run(st);
#undef S
	db_finalize(st);
	if (rc == SIP_EDBCONSTRAINT)
		return ctl_err(CTL_REFUSED, "trunk '%s' exists already (trunk rm it first)", argv[1]);
	if (rc != SIP_OK)
		return ctl_dberr(d, "cannot change the trunk table", rc);
	return CTL_OK;
}
