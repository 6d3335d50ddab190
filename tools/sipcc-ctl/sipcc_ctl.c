/* sipcc-ctl: manage the database a sipcc proxy uses (subscribers, domains,
 * aliases) and list its registrations, like kamctl / opensipsctl.
 *
 * Exit status: 0 done, 1 refused (bad input, unknown or duplicate entry),
 * 2 usage error, 3 database unreachable or failing. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "auth/auth.h"
#include "config.h"
#include "core/log.h"
#include "core/status.h"
#include "db/db.h"
#include "drouting/drouting.h"
#include "ctl.h"

#define CTL_DEFAULT_URL "sqlite:sipcc.db"

const char *ctl_prog = "sipcc-ctl";

int ctl_socket_cmd(const char *prog, const char *path, int argc, char **argv);
int ctl_socket_cmd_to(const char *prog, const char *path, int argc, char **argv, FILE *out);
int ctl_rpc_cmd(const char *prog, const char *url, const char *token_file, int argc, char **argv,
		FILE *out);

/* Whether COMMAND ARGS changes the database (the listing commands do not). */
static bool ctl_writes(int argc, char **argv)
{
	static const char *const reads[] = { "list", "show", "get", "missed", "version", NULL };
	const char *cmd = argv[0];
	if (strcmp(cmd, "acc") == 0 || strcmp(cmd, "cdr") == 0 || strcmp(cmd, "ul") == 0)
		return false;
	if (strcmp(cmd, "db") == 0)
		return false;
	for (const char *const *r = reads; *r; r++)
		if (argc > 1 && strcmp(argv[1], *r) == 0)
			return false;
	return true;
}
int ctl_dp_cmd(db *d, int argc, char **argv);

static void ctl_usage(FILE *f)
{
	fprintf(f,
		"usage: %s [--db URL] [--plaintext] COMMAND ...\n"
		"  db init | db migrate             create or update the tables\n"
		"  db version                       print the schema version\n"
		"  add USER@DOMAIN PASSWORD         add a subscriber\n"
		"  rm USER@DOMAIN                   remove a subscriber\n"
		"  passwd USER@DOMAIN PASSWORD      change a subscriber's password\n"
		"  disable|enable USER@DOMAIN       refuse a subscriber's credentials (403\n"
		"                                   \"Subscriber Disabled\"), or accept them again\n"
		"  domain add|rm NAME               serve a domain, or stop\n"
		"  domain list                      list the served domains\n"
		"  alias add ALIAS@DOMAIN USER@DOMAIN   let an alias reach a subscriber\n"
		"  alias rm ALIAS@DOMAIN            remove an alias\n"
		"  alias list                       list the aliases\n"
		"  ul show [AOR]                    list the registrations (of one AOR)\n"
		"  gw add ID URI [strip=N] [prefix=DIGITS] [attrs=TEXT] [probe=0|1]   add a\n"
		"                                   gateway (probe=1: OPTIONS probes)\n"
		"  gw rm ID | gw list               remove or list gateways\n"
		"  rule add GROUP PREFIX GWLIST [priority=N] [id=N]   add a routing rule\n"
		"                                   (GWLIST: gateway ids, e.g. 1,2, or with\n"
		"                                   weights 1=70,2=30; PREFIX\n"
		"                                   \"\" matches every number)\n"
		"  rule rm ID | rule list           remove or list routing rules\n"
		"  dp add DPID PRIORITY MATCH SUBST REPLACEMENT [attrs=TEXT] [op=regex|exact]\n"
		"         [icase]                   add a dial-plan rule (MATCH and SUBST:\n"
		"                                   POSIX extended regular expressions;\n"
		"                                   REPLACEMENT: \\1..\\9 for their groups)\n"
		"  dp rm ID | dp list [DPID]        remove or list dial-plan rules\n"
		"  acc show [N] | acc missed [N]    the last N accounted transactions or\n"
		"                                   missed calls (default 20), newest first\n"
		"  cdr show [N]                     the last N CDRs (default 20), newest first\n"
		"  group add|rm USER@DOMAIN GROUP   put a subscriber in a group, or take it out\n"
		"  group list [USER@DOMAIN]         list the memberships (of one subscriber)\n"
		"  address add GROUP IP[/MASK] [port=N] [proto=udp|tcp|tls|ws|wss|any]\n"
		"              [pattern=RE] [tag=TEXT]   trust a peer address or network\n"
		"  address rm ID | address list [GROUP]   remove or list trusted addresses\n"
		"  blacklist add [USER@DOMAIN] PREFIX [--allow] [desc=TEXT]   refuse the numbers\n"
		"                                   beginning with PREFIX, or with --allow let\n"
		"                                   them through (an exception); without\n"
		"                                   USER@DOMAIN in the global list\n"
		"  blacklist rm ID | blacklist rm [USER@DOMAIN] prefix=PREFIX\n"
		"  blacklist list [USER@DOMAIN|global]   list blacklist rows\n"
		"  pref set USER@DOMAIN NAME VALUE [--int]   set an attribute (@DOMAIN: the\n"
		"                                   domain's, for its users without one)\n"
		"  pref get USER@DOMAIN [NAME]      print one attribute's value, or all\n"
		"  pref rm USER@DOMAIN NAME         remove an attribute\n"
		"  ds add SETID URI [flags=N] [priority=N] [weight=N] [attrs=TEXT] [desc=TEXT]\n"
		"                                   add a destination to a dispatcher set\n"
		"  ds rm ID | ds rm SETID URI | ds list [SETID]   remove or list destinations\n"
		"  trunk add NAME [realm=REALM] [username=USER] [password=PASSWORD]\n"
		"            [registrar=URI] [aor=URI] [contact=URI] [expires=N]   a trunk:\n"
		"                                   credentials for uac_auth(), a registration\n"
		"                                   when it has a registrar\n"
		"  trunk rm NAME | trunk list       remove or list trunks\n"
		"  import subscribers|aliases|prefs|groups FILE.csv   load a CSV file in one\n"
		"                                   transaction (nothing when a line is bad)\n"
		"with --ctl PATH or --rpc URL, a command for a running proxy (see sipcc-ctl(8)):\n"
		"  stats [PREFIX] | uptime | version | help | log level [LEVEL]\n"
		"  ul show [AOR] | ul rm AOR | dlg list | dlg end ID|CALLID\n"
		"  dlg profile [NAME [VALUE]] | dr reload | domain reload\n"
		"  dp reload | dp translate DPID INPUT | trunk status\n"
		"  ds status [SETID] | ds set SETID URI active|inactive\n"
		"  dr status | dr set GWID active|inactive\n"
		"  ban list | ban add IP [SECONDS] | ban rm IP   the banned source addresses\n"
		"                                   (pike's and by hand): list, ban, lift\n"
		"  rl status [PIPE]                 rate-limit pipes and their counters\n"
		"  policy status | policy load FILE the running policy; swap in FILE (built\n"
		"                                   with sipcc build --hot) without a restart\n"
		"options:\n"
		"  --db URL       sqlite:PATH, postgres://USER:PASS@HOST:PORT/DB or\n"
		"                 mysql://USER:PASS@HOST:PORT/DB (default %s)\n"
		"  --ctl PATH     talk to the control socket of a running proxy instead\n"
		"                 of the database\n"
		"  --rpc URL      the same through a proxy's JSON-RPC interface (its --rpc):\n"
		"                 http://127.0.0.1:PORT\n"
		"  --rpc-token-file PATH   the bearer token for --rpc (default: the\n"
		"                 environment variable SIPCC_RPC_TOKEN)\n"
		"  --sync PATH    after a change, have the proxy at this control socket\n"
		"                 load it now and wait until it is in use (SIPCC_SYNC)\n"
		"  --plaintext    also store the password itself (by default only its\n"
		"                 MD5 and SHA-256 digests, ha1 and ha1_sha256)\n",
		ctl_prog, CTL_DEFAULT_URL);
}

static int ctl_user_cmd(db *d, const char *cmd, int argc, char **argv, bool plaintext)
{
	char user[128], dom[256];
	bool add = strcmp(cmd, "add") == 0, rm = strcmp(cmd, "rm") == 0;
	bool dis = strcmp(cmd, "disable") == 0, ena = strcmp(cmd, "enable") == 0;
	bool one = rm || dis || ena;
	if (argc != (one ? 1 : 2))
		return ctl_err(CTL_USAGE, "usage: %s %s USER@DOMAIN%s", ctl_prog, cmd,
			       one ? "" : " PASSWORD");
	if (!ctl_split(argv[0], user, sizeof user, dom, sizeof dom))
		return ctl_err(CTL_REFUSED, "bad subscriber URI '%s' (expected user@domain)", argv[0]);
	if (!one && !argv[1][0])
		return ctl_err(CTL_REFUSED, "empty password");
	db_stmt *st;
	int rc;
	if (add) {
		bool known = false, exists = false;
		if ((rc = ctl_domain_known(d, dom, &known)) != SIP_OK)
			return ctl_dberr(d, "cannot read the domain table", rc);
		if (!known)
			return ctl_err(CTL_REFUSED, "unknown domain '%s' (add it first: %s domain add %s)",
				       dom, ctl_prog, dom);
		if ((rc = ctl_subscriber_exists(d, user, dom, &exists)) != SIP_OK)
			return ctl_dberr(d, "cannot read the subscriber table", rc);
		if (exists)
			return ctl_err(CTL_REFUSED, "subscriber %s@%s exists already", user, dom);
		st = NULL;
		rc = ctl_subscriber_insert(d, &st, user, dom, argv[1], plaintext);
		db_finalize(st);
		if (rc == SIP_EDBCONSTRAINT)
			return ctl_err(CTL_REFUSED, "subscriber %s@%s exists already", user, dom);
		if (rc != SIP_OK)
			return ctl_dberr(d, "cannot change the subscriber table", rc);
		return CTL_OK;
	} else if (rm) {
		rc = db_prepare(d, "DELETE FROM subscriber WHERE username = $1 AND domain = $2", &st);
		if (rc == SIP_OK && (rc = db_bind_text(st, 1, sip_str_make(user, strlen(user)))) == SIP_OK)
			rc = db_bind_text(st, 2, sip_str_make(dom, strlen(dom)));
	} else if (dis || ena) {
		rc = db_prepare(d, "UPDATE subscriber SET disabled = $1 WHERE username = $2 AND domain = $3",
				&st);
		if (rc == SIP_OK && (rc = db_bind_int(st, 1, dis)) == SIP_OK
		    && (rc = db_bind_text(st, 2, sip_str_make(user, strlen(user)))) == SIP_OK)
			rc = db_bind_text(st, 3, sip_str_make(dom, strlen(dom)));
	} else {
		rc = db_prepare(d, "UPDATE subscriber SET password = $1, ha1 = $2, ha1_sha256 = $3"
				" WHERE username = $4 AND domain = $5", &st);
		if (rc == SIP_OK && (rc = ctl_bind_secrets(st, 1, user, dom, argv[1], plaintext)) == SIP_OK
		    && (rc = db_bind_text(st, 4, sip_str_make(user, strlen(user)))) == SIP_OK)
			rc = db_bind_text(st, 5, sip_str_make(dom, strlen(dom)));
	}
	if (rc == SIP_OK)
		rc = ctl_run(st);
	long changed = db_changes(st);
	db_finalize(st);
	if (rc == SIP_EDBCONSTRAINT)
		return ctl_err(CTL_REFUSED, "subscriber %s@%s exists already", user, dom);
	if (rc != SIP_OK)
		return ctl_dberr(d, "cannot change the subscriber table", rc);
	if (!add && changed == 0)
		return ctl_err(CTL_REFUSED, "no subscriber %s@%s", user, dom);
	return CTL_OK;
}

static int ctl_list(db *d, db_stmt *st, const char *what)
{
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		int n = db_column_count(st);
		for (int i = 0; i < n; i++) {
			sip_str v = db_column_text(st, i);
			printf("%s" SIP_STR_FMT, i ? (i == 1 && n == 4 ? "@" : i == 2 ? " -> " : "@") : "",
			       SIP_STR_ARG(v));
		}
		putchar('\n');
	}
	db_finalize(st);
	return rc == SIP_OK ? CTL_OK : ctl_dberr(d, what, rc);
}

static int ctl_domain_cmd(db *d, int argc, char **argv)
{
	db_stmt *st;
	int rc;
	if (argc == 1 && strcmp(argv[0], "list") == 0) {
		if ((rc = db_prepare(d, "SELECT domain FROM domain ORDER BY domain", &st)) != SIP_OK)
			return ctl_dberr(d, "cannot read the domain table", rc);
		return ctl_list(d, st, "cannot read the domain table");
	}
	if (argc != 2 || (strcmp(argv[0], "add") && strcmp(argv[0], "rm")))
		return ctl_err(CTL_USAGE, "usage: %s domain add|rm NAME, or domain list", ctl_prog);
	char dom[256];
	size_t n = strlen(argv[1]);
	if (n >= sizeof dom)
		return ctl_err(CTL_REFUSED, "bad domain name '%s'", argv[1]);
	for (size_t i = 0; i <= n; i++)
		dom[i] = argv[1][i] >= 'A' && argv[1][i] <= 'Z' ? (char)(argv[1][i] + 32) : argv[1][i];
	if (!ctl_valid_domain(dom))
		return ctl_err(CTL_REFUSED, "bad domain name '%s'", argv[1]);
	bool add = strcmp(argv[0], "add") == 0;
	rc = add ? db_prepare(d, "INSERT INTO domain (domain) VALUES ($1)", &st)
		 : db_prepare(d, "DELETE FROM domain WHERE domain = $1", &st);
	if (rc == SIP_OK && (rc = db_bind_text(st, 1, sip_str_make(dom, n))) == SIP_OK)
		rc = ctl_run(st);
	long changed = db_changes(st);
	db_finalize(st);
	if (rc == SIP_EDBCONSTRAINT)
		return ctl_err(CTL_REFUSED, "domain '%s' exists already", dom);
	if (rc != SIP_OK)
		return ctl_dberr(d, "cannot change the domain table", rc);
	if (!add && changed == 0)
		return ctl_err(CTL_REFUSED, "unknown domain '%s'", dom);
	return CTL_OK;
}

static int ctl_alias_cmd(db *d, int argc, char **argv)
{
	db_stmt *st;
	int rc;
	if (argc == 1 && strcmp(argv[0], "list") == 0) {
		if ((rc = db_prepare(d, "SELECT alias_username, alias_domain, username, domain"
				     " FROM alias ORDER BY alias_domain, alias_username", &st)) != SIP_OK)
			return ctl_dberr(d, "cannot read the alias table", rc);
		return ctl_list(d, st, "cannot read the alias table");
	}
	bool add = argc == 3 && strcmp(argv[0], "add") == 0;
	bool rm = argc == 2 && strcmp(argv[0], "rm") == 0;
	if (!add && !rm)
		return ctl_err(CTL_USAGE, "usage: %s alias add ALIAS@DOMAIN USER@DOMAIN, alias rm"
			       " ALIAS@DOMAIN, or alias list", ctl_prog);
	char au[128], ad[256], user[128], dom[256];
	if (!ctl_split(argv[1], au, sizeof au, ad, sizeof ad))
		return ctl_err(CTL_REFUSED, "bad alias URI '%s' (expected alias@domain)", argv[1]);
	if (add) {
		bool known = false, exists = false;
		if (!ctl_split(argv[2], user, sizeof user, dom, sizeof dom))
			return ctl_err(CTL_REFUSED, "bad subscriber URI '%s' (expected user@domain)",
				       argv[2]);
		if ((rc = ctl_domain_known(d, ad, &known)) != SIP_OK)
			return ctl_dberr(d, "cannot read the domain table", rc);
		if (!known)
			return ctl_err(CTL_REFUSED, "unknown domain '%s' (add it first: %s domain add %s)",
				       ad, ctl_prog, ad);
		if ((rc = ctl_subscriber_exists(d, user, dom, &exists)) != SIP_OK)
			return ctl_dberr(d, "cannot read the subscriber table", rc);
		if (!exists)
			return ctl_err(CTL_REFUSED, "no subscriber %s@%s", user, dom);
		rc = db_prepare(d, "INSERT INTO alias (alias_username, alias_domain, username, domain)"
				" VALUES ($1, $2, $3, $4)", &st);
		if (rc == SIP_OK && (rc = db_bind_text(st, 3, sip_str_make(user, strlen(user)))) == SIP_OK)
			rc = db_bind_text(st, 4, sip_str_make(dom, strlen(dom)));
	} else {
		rc = db_prepare(d, "DELETE FROM alias WHERE alias_username = $1 AND alias_domain = $2",
				&st);
	}
	if (rc == SIP_OK && (rc = db_bind_text(st, 1, sip_str_make(au, strlen(au)))) == SIP_OK
	    && (rc = db_bind_text(st, 2, sip_str_make(ad, strlen(ad)))) == SIP_OK)
		rc = ctl_run(st);
	long changed = db_changes(st);
	db_finalize(st);
	if (rc == SIP_EDBCONSTRAINT)
		return ctl_err(CTL_REFUSED, "alias %s@%s exists already", au, ad);
	if (rc != SIP_OK)
		return ctl_dberr(d, "cannot change the alias table", rc);
	if (rm && changed == 0)
		return ctl_err(CTL_REFUSED, "no alias %s@%s", au, ad);
	return CTL_OK;
}

static int ctl_gw_cmd(db *d, int argc, char **argv)
{
	static const char *const keys[] = { "strip", "prefix", "attrs", "probe", NULL };
	db_stmt *st;
	int rc;
	int64_t id;
	if (argc == 1 && strcmp(argv[0], "list") == 0) {
		if ((rc = db_prepare(d, "SELECT id, address, strip, prefix, attrs, probe FROM dr_gateway"
				     " ORDER BY id", &st)) != SIP_OK)
			return ctl_dberr(d, "cannot read the gateway table", rc);
		while ((rc = db_step(st)) == DB_ROW) {
			sip_str a = db_column_text(st, 1), p = db_column_text(st, 3);
			sip_str at = db_column_text(st, 4);
			printf("%lld " SIP_STR_FMT " strip=%lld prefix=" SIP_STR_FMT,
			       (long long)db_column_int(st, 0), SIP_STR_ARG(a),
			       (long long)db_column_int(st, 2), SIP_STR_ARG(p));
			if (at.len)
				printf(" attrs=" SIP_STR_FMT, SIP_STR_ARG(at));
			if (db_column_int(st, 5))
				printf(" probe=1");
			putchar('\n');
		}
		db_finalize(st);
		return rc == SIP_OK ? CTL_OK : ctl_dberr(d, "cannot read the gateway table", rc);
	}
	if (argc == 2 && strcmp(argv[0], "rm") == 0) {
		int64_t rule;
		if (!ctl_parse_id(argv[1], &id))
			return ctl_err(CTL_REFUSED, "bad gateway id '%s' (a positive integer)", argv[1]);
		if ((rc = ctl_gw_used(d, id, &rule)) != SIP_OK)
			return ctl_dberr(d, "cannot read the rule table", rc);
		if (rule)
			return ctl_err(CTL_REFUSED, "gateway %lld is used by rule %lld (remove the rule"
				       " first: %s rule rm %lld)", (long long)id, (long long)rule,
				       ctl_prog, (long long)rule);
		rc = db_prepare(d, "DELETE FROM dr_gateway WHERE id = $1", &st);
		if (rc == SIP_OK && (rc = db_bind_int(st, 1, id)) == SIP_OK)
			rc = ctl_run(st);
		long changed = db_changes(st);
		db_finalize(st);
		if (rc != SIP_OK)
			return ctl_dberr(d, "cannot change the gateway table", rc);
		return changed ? CTL_OK : ctl_err(CTL_REFUSED, "no gateway %lld", (long long)id);
	}
	if (argc < 3 || strcmp(argv[0], "add"))
		return ctl_err(CTL_USAGE, "usage: %s gw add ID URI [strip=N] [prefix=DIGITS]"
			       " [attrs=TEXT] [probe=0|1], gw rm ID, or gw list", ctl_prog);
	if ((rc = ctl_opts_known(argc - 3, argv + 3, keys, "gw add")) != CTL_OK)
		return rc;
	if (!ctl_parse_id(argv[1], &id))
		return ctl_err(CTL_REFUSED, "bad gateway id '%s' (a positive integer)", argv[1]);
	char uri[300];
	const char *why = ctl_gw_uri(argv[2], uri, sizeof uri);
	if (why)
		return ctl_err(CTL_REFUSED, "bad gateway address '%s': %s (e.g. sip:10.0.0.30:5060)",
			       argv[2], why);
	const char *strip_s = ctl_opt(argc - 3, argv + 3, "strip");
	const char *prefix = ctl_opt(argc - 3, argv + 3, "prefix");
	const char *attrs = ctl_opt(argc - 3, argv + 3, "attrs");
	const char *probe_s = ctl_opt(argc - 3, argv + 3, "probe");
	if (probe_s && strcmp(probe_s, "0") && strcmp(probe_s, "1"))
		return ctl_err(CTL_REFUSED, "bad probe '%s' (0 or 1)", probe_s);
	int64_t probe = probe_s && probe_s[0] == '1';
	int64_t strip = 0;
	if (strip_s) {
		char *end;
		strip = strtoll(strip_s, &end, 10);
		if (!*strip_s || *end || strip < 0 || strip > 64)
			return ctl_err(CTL_REFUSED, "bad strip '%s' (0-64 leading digits)", strip_s);
	}
	if (!prefix)
		prefix = "";
	if (!ctl_valid_digits(prefix))
		return ctl_err(CTL_REFUSED, "bad prefix '%s' (digits, '*', '#', a leading '+')", prefix);
	if (!attrs)
		attrs = "";
	if (strlen(attrs) > 255)
		return ctl_err(CTL_REFUSED, "attrs longer than 255 characters");
	int64_t n = 0;
	if ((rc = db_prepare(d, "SELECT count(*) FROM dr_gateway WHERE id = $1", &st)) != SIP_OK ||
	    (rc = ctl_count_id(st, id, &n)) != SIP_OK)
		return ctl_dberr(d, "cannot read the gateway table", rc);
	if (n)
		return ctl_err(CTL_REFUSED, "gateway %lld exists already", (long long)id);
	rc = db_prepare(d, "INSERT INTO dr_gateway (id, address, strip, prefix, attrs, probe)"
			" VALUES ($1, $2, $3, $4, $5, $6)", &st);
	if (rc == SIP_OK && (rc = db_bind_int(st, 1, id)) == SIP_OK
	    && (rc = db_bind_text(st, 2, sip_str_make(uri, strlen(uri)))) == SIP_OK
	    && (rc = db_bind_int(st, 3, strip)) == SIP_OK
	    && (rc = db_bind_text(st, 4, sip_str_make(prefix, strlen(prefix)))) == SIP_OK
	    && (rc = db_bind_text(st, 5, sip_str_make(attrs, strlen(attrs)))) == SIP_OK
	    && (rc = db_bind_int(st, 6, probe)) == SIP_OK)
		rc = ctl_run(st);
	db_finalize(st);
	if (rc == SIP_EDBCONSTRAINT)
		return ctl_err(CTL_REFUSED, "gateway %lld exists already", (long long)id);
	if (rc != SIP_OK)
		return ctl_dberr(d, "cannot change the gateway table", rc);
	return CTL_OK;
}

static int ctl_rule_cmd(db *d, int argc, char **argv)
{
	static const char *const keys[] = { "priority", "id", NULL };
	db_stmt *st;
	int rc;
	int64_t id;
	if (argc == 1 && strcmp(argv[0], "list") == 0) {
		if ((rc = db_prepare(d, "SELECT id, groupid, prefix, priority, gwlist FROM dr_rule"
				     " ORDER BY groupid, prefix, priority DESC, id", &st)) != SIP_OK)
			return ctl_dberr(d, "cannot read the rule table", rc);
		while ((rc = db_step(st)) == DB_ROW) {
			sip_str p = db_column_text(st, 2), g = db_column_text(st, 4);
			printf("%lld group=%lld prefix=" SIP_STR_FMT " priority=%lld gateways="
			       SIP_STR_FMT "\n", (long long)db_column_int(st, 0),
			       (long long)db_column_int(st, 1), SIP_STR_ARG(p),
			       (long long)db_column_int(st, 3), SIP_STR_ARG(g));
		}
		db_finalize(st);
		return rc == SIP_OK ? CTL_OK : ctl_dberr(d, "cannot read the rule table", rc);
	}
	if (argc == 2 && strcmp(argv[0], "rm") == 0) {
		if (!ctl_parse_id(argv[1], &id))
			return ctl_err(CTL_REFUSED, "bad rule id '%s' (a positive integer)", argv[1]);
		rc = db_prepare(d, "DELETE FROM dr_rule WHERE id = $1", &st);
		if (rc == SIP_OK && (rc = db_bind_int(st, 1, id)) == SIP_OK)
			rc = ctl_run(st);
		long changed = db_changes(st);
		db_finalize(st);
		if (rc != SIP_OK)
			return ctl_dberr(d, "cannot change the rule table", rc);
		return changed ? CTL_OK : ctl_err(CTL_REFUSED, "no rule %lld", (long long)id);
	}
	if (argc < 4 || strcmp(argv[0], "add"))
		return ctl_err(CTL_USAGE, "usage: %s rule add GROUP PREFIX GWLIST [priority=N] [id=N],"
			       " rule rm ID, or rule list", ctl_prog);
	if ((rc = ctl_opts_known(argc - 4, argv + 4, keys, "rule add")) != CTL_OK)
		return rc;
	int64_t group, prio = 0, gws[DR_MAX_GWLIST];
	if (!ctl_parse_id(argv[1], &group))
		return ctl_err(CTL_REFUSED, "bad group '%s' (a positive integer)", argv[1]);
	if (!ctl_valid_digits(argv[2]))
		return ctl_err(CTL_REFUSED, "bad prefix '%s' (digits, '*', '#', a leading '+';"
			       " \"\" for every number)", argv[2]);
	int ngw = dr_gwlist_parse(sip_str_make(argv[3], strlen(argv[3])), gws, DR_MAX_GWLIST);
	if (ngw <= 0)
		return ctl_err(CTL_REFUSED, "bad gateway list '%s' (gateway ids separated by"
			       " commas, e.g. 1,2, each with an optional weight: 1=70,2=30)", argv[3]);
	if (strlen(argv[3]) > 255)
		return ctl_err(CTL_REFUSED, "gateway list longer than 255 characters");
	const char *prio_s = ctl_opt(argc - 4, argv + 4, "priority");
	const char *id_s = ctl_opt(argc - 4, argv + 4, "id");
	if (prio_s) {
		char *end;
		prio = strtoll(prio_s, &end, 10);
		if (!*prio_s || *end || prio < -1000000 || prio > 1000000)
			return ctl_err(CTL_REFUSED, "bad priority '%s' (an integer; higher wins)", prio_s);
	}
	for (int i = 0; i < ngw; i++) {
		int64_t n = 0;
		if ((rc = db_prepare(d, "SELECT count(*) FROM dr_gateway WHERE id = $1", &st)) != SIP_OK
		    || (rc = ctl_count_id(st, gws[i], &n)) != SIP_OK)
			return ctl_dberr(d, "cannot read the gateway table", rc);
		if (!n)
			return ctl_err(CTL_REFUSED, "no gateway %lld (add it first: %s gw add %lld URI)",
				       (long long)gws[i], ctl_prog, (long long)gws[i]);
	}
	if (id_s) {
		if (!ctl_parse_id(id_s, &id))
			return ctl_err(CTL_REFUSED, "bad rule id '%s' (a positive integer)", id_s);
	} else {
		/* The next free id; a concurrent add loses on the primary key. */
		if ((rc = db_prepare(d, "SELECT COALESCE(MAX(id), 0) + 1 FROM dr_rule", &st)) != SIP_OK
		    || (rc = db_step(st)) != DB_ROW) {
			db_finalize(st);
			return ctl_dberr(d, "cannot read the rule table", rc == SIP_OK ? SIP_EDB : rc);
		}
		id = db_column_int(st, 0);
		db_finalize(st);
	}
	rc = db_prepare(d, "INSERT INTO dr_rule (id, groupid, prefix, priority, gwlist)"
			" VALUES ($1, $2, $3, $4, $5)", &st);
	if (rc == SIP_OK && (rc = db_bind_int(st, 1, id)) == SIP_OK
	    && (rc = db_bind_int(st, 2, group)) == SIP_OK
	    && (rc = db_bind_text(st, 3, sip_str_make(argv[2], strlen(argv[2])))) == SIP_OK
	    && (rc = db_bind_int(st, 4, prio)) == SIP_OK
	    && (rc = db_bind_text(st, 5, sip_str_make(argv[3], strlen(argv[3])))) == SIP_OK)
		rc = ctl_run(st);
	db_finalize(st);
	if (rc == SIP_EDBCONSTRAINT)
		return ctl_err(CTL_REFUSED, "rule %lld exists already", (long long)id);
	if (rc != SIP_OK)
		return ctl_dberr(d, "cannot change the rule table", rc);
	printf("rule %lld\n", (long long)id);
	return CTL_OK;
}

/* One line per binding: AOR, contact, seconds left, q, received, path. */
static int ctl_ul_show(db *d, int argc, char **argv)
{
	db_stmt *st;
	int rc;
	if (argc > 1)
		return ctl_err(CTL_USAGE, "usage: %s ul show [AOR]", ctl_prog);
	char user[128], dom[256], aor[400];
	if (argc == 1) {
		if (!ctl_split(argv[0], user, sizeof user, dom, sizeof dom))
			return ctl_err(CTL_REFUSED, "bad AOR '%s' (expected user@domain)", argv[0]);
		snprintf(aor, sizeof aor, "%s@%s", user, dom);
		rc = db_prepare(d, "SELECT aor, contact, expires, q, received, path, user_agent"
				" FROM location WHERE expires > $1 AND aor = $2 ORDER BY aor, q DESC", &st);
		if (rc == SIP_OK)
			rc = db_bind_text(st, 2, sip_str_make(aor, strlen(aor)));
	} else {
		rc = db_prepare(d, "SELECT aor, contact, expires, q, received, path, user_agent"
				" FROM location WHERE expires > $1 ORDER BY aor, q DESC", &st);
	}
	int64_t now = (int64_t)time(NULL);
	if (rc == SIP_OK)
		rc = db_bind_int(st, 1, now);
	unsigned long n = 0;
	while (rc == SIP_OK && (rc = db_step(st)) == DB_ROW) {
		sip_str a = db_column_text(st, 0), c = db_column_text(st, 1);
		sip_str r = db_column_text(st, 4), p = db_column_text(st, 5), ua = db_column_text(st, 6);
		int64_t q = db_column_int(st, 3);
		printf(SIP_STR_FMT " <" SIP_STR_FMT "> expires=%lld", SIP_STR_ARG(a), SIP_STR_ARG(c),
		       (long long)(db_column_int(st, 2) - now));
		if (q >= 0)
			printf(" q=%lld.%03lld", (long long)(q / 1000), (long long)(q % 1000));
		if (r.len)
			printf(" received=" SIP_STR_FMT, SIP_STR_ARG(r));
		if (p.len)
			printf(" path=" SIP_STR_FMT, SIP_STR_ARG(p));
		if (ua.len)
			printf(" ua=\"" SIP_STR_FMT "\"", SIP_STR_ARG(ua));
		putchar('\n');
		n++;
		rc = SIP_OK;
	}
	db_finalize(st);
	if (rc != SIP_OK)
		return ctl_dberr(d, "cannot read the location table", rc);
	if (argc == 1 && n == 0)
		return ctl_err(CTL_REFUSED, "no registration for %s", aor);
	return CTL_OK;
}

/* The last N rows of acc, missed_calls ("acc show", "acc missed") or
 * acc_cdrs ("cdr show"), newest first, one line each. */
static int ctl_acc_show(db *d, const char *cmd, int argc, char **argv)
{
	bool cdr = strcmp(cmd, "cdr") == 0;
	bool missed = !cdr && argc >= 1 && strcmp(argv[0], "missed") == 0;
	long n = 20;
	char *end;
	if (argc < 1 || argc > 2 || (strcmp(argv[0], "show") && !missed)
	    || (argc == 2 && ((n = strtol(argv[1], &end, 10)) < 1 || *end)))
		return ctl_err(CTL_USAGE, "usage: %s acc show|missed [N], cdr show [N]", ctl_prog);
	db_stmt *st;
	int rc;
	if (cdr)
		rc = db_prepare(d, "SELECT start_time, end_time, duration_ms, callid, caller, callee,"
				" end_reason, hangup_by FROM acc_cdrs ORDER BY id DESC LIMIT $1", &st);
	else if (missed)
		rc = db_prepare(d, "SELECT time, method, sip_code, sip_reason, callid, from_user,"
				" from_domain, ruri_user, ruri_domain, src_ip FROM missed_calls"
				" ORDER BY id DESC LIMIT $1", &st);
	else
		rc = db_prepare(d, "SELECT time, method, sip_code, sip_reason, callid, from_user,"
				" from_domain, ruri_user, ruri_domain, src_ip FROM acc"
				" ORDER BY id DESC LIMIT $1", &st);
	if (rc == SIP_OK)
		rc = db_bind_int(st, 1, n);
	while (rc == SIP_OK && (rc = db_step(st)) == DB_ROW) {
		char when[32];
		time_t t = (time_t)db_column_int(st, 0);
		struct tm tm;
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", gmtime_r(&t, &tm));
		if (cdr) {
			sip_str by = db_column_text(st, 7);
			printf("%s %lld.%03llds " SIP_STR_FMT " " SIP_STR_FMT " -> " SIP_STR_FMT
			       " " SIP_STR_FMT "%s" SIP_STR_FMT "\n", when,
			       (long long)(db_column_int(st, 2) / 1000),
			       (long long)(db_column_int(st, 2) % 1000),
			       SIP_STR_ARG(db_column_text(st, 3)), SIP_STR_ARG(db_column_text(st, 4)),
			       SIP_STR_ARG(db_column_text(st, 5)), SIP_STR_ARG(db_column_text(st, 6)),
			       by.len ? " by " : "", SIP_STR_ARG(by));
		} else {
			printf("%s " SIP_STR_FMT " %lld " SIP_STR_FMT " " SIP_STR_FMT " "
			       SIP_STR_FMT "@" SIP_STR_FMT " -> " SIP_STR_FMT "@" SIP_STR_FMT
			       " from " SIP_STR_FMT "\n", when, SIP_STR_ARG(db_column_text(st, 1)),
			       (long long)db_column_int(st, 2), SIP_STR_ARG(db_column_text(st, 3)),
			       SIP_STR_ARG(db_column_text(st, 4)), SIP_STR_ARG(db_column_text(st, 5)),
			       SIP_STR_ARG(db_column_text(st, 6)), SIP_STR_ARG(db_column_text(st, 7)),
			       SIP_STR_ARG(db_column_text(st, 8)), SIP_STR_ARG(db_column_text(st, 9)));
		}
		rc = SIP_OK;
	}
	db_finalize(st);
	if (rc != SIP_OK)
		return ctl_dberr(d, "cannot read the accounting tables", rc);
	return CTL_OK;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "plaintext", no_argument, NULL, 'p' },
		{ "ctl", required_argument, NULL, 'c' },
		{ "sync", required_argument, NULL, 's' },
		{ "rpc", required_argument, NULL, 'r' },
		{ "rpc-token-file", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *url = getenv("SIPCC_DB");
	bool plaintext = false;
	const char *ctl_path = NULL;
	const char *sync_path = getenv("SIPCC_SYNC");
	const char *rpc_url = NULL, *rpc_token_file = NULL;
	int c;
	sip_log_level = SIP_LOG_ERR;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'd': url = optarg; break;
		case 'p': plaintext = true; break;
		case 'c': ctl_path = optarg; break;
		case 's': sync_path = optarg; break;
		case 'r': rpc_url = optarg; break;
		case 't': rpc_token_file = optarg; break;
		case 'h': ctl_usage(stdout); return CTL_OK;
		case 'V': printf("sipcc-ctl %s\n", PACKAGE_VERSION); return CTL_OK;
		default: ctl_usage(stderr); return CTL_USAGE;
		}
	}
	if (!url || !url[0])
		url = CTL_DEFAULT_URL;
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		ctl_usage(stderr);
		return CTL_USAGE;
	}
	if (ctl_path && rpc_url)
		return ctl_err(CTL_USAGE, "--ctl and --rpc name two ways to one proxy: give one");
	/* The proxy does not share the working directory: a relative FILE is
	 * made absolute here. */
	static char policy_file[PATH_MAX];
	if (argc == 3 && strcmp(argv[0], "policy") == 0 && strcmp(argv[1], "load") == 0
	    && argv[2][0] != '/') {
		if (!realpath(argv[2], policy_file))
			return ctl_err(CTL_REFUSED, "policy load: %s: %s", argv[2], strerror(errno));
		argv[2] = policy_file;
	}
	if (rpc_url)
		return ctl_rpc_cmd(ctl_prog, rpc_url, rpc_token_file, argc, argv, stdout);
	if (ctl_path)
		return ctl_socket_cmd(ctl_prog, ctl_path, argc, argv);
	const char *cmd = argv[0];
	if (strcmp(cmd, "ban") == 0 || strcmp(cmd, "rl") == 0 || strcmp(cmd, "policy") == 0)
		return ctl_err(CTL_USAGE, "'%s' is a command for a running proxy: %s --ctl PATH %s ...",
			       cmd, ctl_prog, cmd);
	bool db_cmd = strcmp(cmd, "db") == 0;
	if (!db_cmd && strcmp(cmd, "add") && strcmp(cmd, "rm") && strcmp(cmd, "passwd")
	    && strcmp(cmd, "disable") && strcmp(cmd, "enable")
	    && strcmp(cmd, "domain") && strcmp(cmd, "alias") && strcmp(cmd, "ul")
	    && strcmp(cmd, "gw") && strcmp(cmd, "rule") && strcmp(cmd, "dp")
	    && strcmp(cmd, "group") && strcmp(cmd, "address") && strcmp(cmd, "blacklist")
	    && strcmp(cmd, "acc") && strcmp(cmd, "cdr")
	    && strcmp(cmd, "pref") && strcmp(cmd, "import") && strcmp(cmd, "ds")
	    && strcmp(cmd, "trunk"))
		return ctl_err(CTL_USAGE, "unknown command '%s' (see %s --help)", cmd, ctl_prog);
	if (db_cmd && (argc != 2 || (strcmp(argv[1], "init") && strcmp(argv[1], "migrate")
				      && strcmp(argv[1], "version"))))
		return ctl_err(CTL_USAGE, "usage: %s db init|migrate|version", ctl_prog);
	if (strcmp(cmd, "ul") == 0 && (argc < 2 || strcmp(argv[1], "show")))
		return ctl_err(CTL_USAGE, "usage: %s ul show [AOR]", ctl_prog);

	db *d;
	int rc = db_open(url, &d);
	if (rc == SIP_EINVAL)
		return ctl_err(CTL_USAGE, "bad database URL '%s' (sqlite:PATH, postgres://... or mysql://...)", url);
	if (rc != SIP_OK) {
		int st = ctl_err(CTL_DBFAIL, "cannot connect to %s: %s", url, d ? db_error(d) : sip_strerror(rc));
		db_close(d);
		return st;
	}
	int version = 0, status = CTL_OK;
	if (db_cmd && strcmp(argv[1], "version") != 0) {
		if ((rc = db_schema_migrate(d)) != SIP_OK)
			status = ctl_dberr(d, "migration failed", rc);
		else if ((rc = db_schema_version(d, &version)) == SIP_OK)
			printf("schema version %d\n", version);
	} else if ((rc = db_schema_version(d, &version)) != SIP_OK) {
		status = ctl_dberr(d, "cannot read the schema version", rc);
	} else if (db_cmd) {
		printf("schema version %d (this program: %d)\n", version, DB_SCHEMA_VERSION);
	} else if (version < DB_SCHEMA_VERSION) {
		status = ctl_err(CTL_REFUSED, "the database is at schema version %d, not %d: run '%s db migrate'",
				 version, DB_SCHEMA_VERSION, ctl_prog);
	} else if (strcmp(cmd, "domain") == 0) {
		status = ctl_domain_cmd(d, argc - 1, argv + 1);
	} else if (strcmp(cmd, "alias") == 0) {
		status = ctl_alias_cmd(d, argc - 1, argv + 1);
	} else if (strcmp(cmd, "ul") == 0) {
		status = ctl_ul_show(d, argc - 2, argv + 2);
	} else if (strcmp(cmd, "gw") == 0) {
		status = ctl_gw_cmd(d, argc - 1, argv + 1);
	} else if (strcmp(cmd, "rule") == 0) {
		status = ctl_rule_cmd(d, argc - 1, argv + 1);
	} else if (strcmp(cmd, "dp") == 0) {
		status = ctl_dp_cmd(d, argc - 1, argv + 1);
	} else if (strcmp(cmd, "group") == 0) {
		status = ctl_group_cmd(d, argc - 1, argv + 1);
	} else if (strcmp(cmd, "address") == 0) {
		status = ctl_address_cmd(d, argc - 1, argv + 1);
	} else if (strcmp(cmd, "blacklist") == 0) {
		status = ctl_blacklist_cmd(d, argc - 1, argv + 1);
	} else if (strcmp(cmd, "pref") == 0) {
		status = ctl_pref_cmd(d, argc - 1, argv + 1);
	} else if (strcmp(cmd, "ds") == 0) {
		status = ctl_ds_cmd(d, argc - 1, argv + 1);
	} else if (strcmp(cmd, "trunk") == 0) {
		status = ctl_trunk_cmd(d, argc - 1, argv + 1);
	} else if (strcmp(cmd, "import") == 0) {
		status = ctl_import_cmd(d, argc - 1, argv + 1, plaintext);
	} else if (strcmp(cmd, "acc") == 0 || strcmp(cmd, "cdr") == 0) {
		status = ctl_acc_show(d, cmd, argc - 1, argv + 1);
	} else {
		status = ctl_user_cmd(d, cmd, argc - 1, argv + 1, plaintext);
	}
	db_close(d);
	/* The change is committed: a running proxy loads it now, and this
	 * returns once it is in use (the proxy would notice it by itself
	 * within db.change_interval). */
	if (status == CTL_OK && sync_path && sync_path[0] && ctl_writes(argc, argv)) {
		char w1[] = "db", w2[] = "sync";
		char *sync_argv[] = { w1, w2 };
		if (ctl_socket_cmd_to(ctl_prog, sync_path, 2, sync_argv, NULL) != 0)
			fprintf(stderr, "%s: the change is in the database, but the proxy at %s did not"
				" confirm it is in use (it loads it within db.change_interval)\n",
				ctl_prog, sync_path);
	}
	return status;
}
