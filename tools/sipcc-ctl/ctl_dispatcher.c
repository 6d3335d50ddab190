/* sipcc-ctl ds add SETID URI [flags=N] [priority=N] [weight=N] [attrs=TEXT]
 * [desc=TEXT], ds rm ID | ds rm SETID URI, ds list [SETID]: the dispatcher
 * table ds_select_dst() reads (modules/dispatcher). The URI is checked
 * with the module's own check, so a row the proxy would leave out is
 * refused here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "core/status.h"
#include "ctl.h"
#include "dispatcher/dispatcher.h"

static int ctl_ds_usage(void)
{
	return ctl_err(CTL_USAGE, "usage: %s ds add SETID URI [flags=N] [priority=N] [weight=N]"
		       " [attrs=TEXT] [desc=TEXT], ds rm ID, ds rm SETID URI, or ds list [SETID]",
		       ctl_prog);
}

static int ctl_ds_list(db *d, int argc, char **argv)
{
	int64_t setid = 0;
	db_stmt *st = NULL;
	int rc;
	if (argc > 1)
		return ctl_ds_usage();
	if (argc == 1 && !ctl_parse_id(argv[0], &setid))
		return ctl_err(CTL_REFUSED, "bad set '%s' (a positive integer)", argv[0]);
	if (argc)
		rc = db_prepare(d, "SELECT id, setid, destination, flags, priority, weight, attrs,"
				" description FROM dispatcher WHERE setid = $1"
				" ORDER BY setid, priority DESC, id", &st);
	else
		rc = db_prepare(d, "SELECT id, setid, destination, flags, priority, weight, attrs,"
				" description FROM dispatcher ORDER BY setid, priority DESC, id", &st);
	if (rc == SIP_OK && argc)
		rc = db_bind_int(st, 1, setid);
	if (rc != SIP_OK) {
		db_finalize(st);
		return ctl_dberr(d, "cannot read the dispatcher table", rc);
	}
	while ((rc = db_step(st)) == DB_ROW) {
		sip_str uri = db_column_text(st, 2), at = db_column_text(st, 6);
		sip_str desc = db_column_text(st, 7);
		printf("%lld set=%lld " SIP_STR_FMT " flags=%lld priority=%lld weight=%lld",
		       (long long)db_column_int(st, 0), (long long)db_column_int(st, 1),
		       SIP_STR_ARG(uri), (long long)db_column_int(st, 3),
		       (long long)db_column_int(st, 4), (long long)db_column_int(st, 5));
		if (at.len)
			printf(" attrs=" SIP_STR_FMT, SIP_STR_ARG(at));
		if (desc.len)
			printf(" desc=" SIP_STR_FMT, SIP_STR_ARG(desc));
		putchar('\n');
	}
	db_finalize(st);
	return rc == SIP_OK ? CTL_OK : ctl_dberr(d, "cannot read the dispatcher table", rc);
}

/* An integer option within lo..hi; *out keeps its default when absent. */
static bool ctl_ds_int(int argc, char **argv, const char *key, int64_t lo, int64_t hi,
		       int64_t *out)
{
	const char *v = ctl_opt(argc, argv, key);
	if (!v)
		return true;
	char *end;
	long long x = strtoll(v, &end, 10);
	if (!*v || *end || x < lo || x > hi)
		return false;
	*out = x;
	return true;
}

static int ctl_ds_add(db *d, int argc, char **argv)
{
	static const char *const keys[] = { "flags", "priority", "weight", "attrs", "desc", NULL };
	int64_t setid, flags = 0, prio = 0, weight = 1;
	int rc;
	if ((rc = ctl_opts_known(argc - 3, argv + 3, keys, "ds add")) != CTL_OK)
		return rc;
	if (!ctl_parse_id(argv[1], &setid))
		return ctl_err(CTL_REFUSED, "bad set '%s' (a positive integer)", argv[1]);
	/* "127.0.0.1:5080" is taken as sip:127.0.0.1:5080. */
	char uri[300];
	if (strncasecmp(argv[2], "sip:", 4) && strncasecmp(argv[2], "sips:", 5))
		snprintf(uri, sizeof uri, "sip:%s", argv[2]);
	else
		snprintf(uri, sizeof uri, "%s", argv[2]);
	const char *why = ds_uri_check(sip_str_make(uri, strlen(uri)));
	if (why)
		return ctl_err(CTL_REFUSED, "bad destination '%s': %s (e.g. sip:10.0.0.30:5060)",
			       argv[2], why);
	if (!ctl_ds_int(argc - 3, argv + 3, "flags", 0, 3, &flags))
		return ctl_err(CTL_REFUSED, "bad flags (0-3: 1 disabled, 2 probed)");
	if (!ctl_ds_int(argc - 3, argv + 3, "priority", -1000000, 1000000, &prio))
		return ctl_err(CTL_REFUSED, "bad priority (an integer; higher first)");
	if (!ctl_ds_int(argc - 3, argv + 3, "weight", 0, 1000000, &weight))
		return ctl_err(CTL_REFUSED, "bad weight (0-1000000)");
	const char *attrs = ctl_opt(argc - 3, argv + 3, "attrs");
	const char *desc = ctl_opt(argc - 3, argv + 3, "desc");
	if (!attrs)
		attrs = "";
	if (!desc)
		desc = "";
	if (strlen(attrs) > 255 || strlen(desc) > 255)
		return ctl_err(CTL_REFUSED, "attrs or desc longer than 255 characters");
	db_stmt *st = NULL;
	rc = db_prepare(d, "INSERT INTO dispatcher (setid, destination, flags, priority, weight,"
			" attrs, description) VALUES ($1, $2, $3, $4, $5, $6, $7)", &st);
	if (rc == SIP_OK && (rc = db_bind_int(st, 1, setid)) == SIP_OK
	    && (rc = db_bind_text(st, 2, sip_str_make(uri, strlen(uri)))) == SIP_OK
	    && (rc = db_bind_int(st, 3, flags)) == SIP_OK
	    && (rc = db_bind_int(st, 4, prio)) == SIP_OK
	    && (rc = db_bind_int(st, 5, weight)) == SIP_OK
	    && (rc = db_bind_text(st, 6, sip_str_make(attrs, strlen(attrs)))) == SIP_OK
	    && (rc = db_bind_text(st, 7, sip_str_make(desc, strlen(desc)))) == SIP_OK)
		rc = ctl_run(st);
	db_finalize(st);
	if (rc == SIP_EDBCONSTRAINT)
		return ctl_err(CTL_REFUSED, "%s is in set %lld already", uri, (long long)setid);
	if (rc != SIP_OK)
		return ctl_dberr(d, "cannot change the dispatcher table", rc);
	return CTL_OK;
}

int ctl_ds_cmd(db *d, int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "list") == 0)
		return ctl_ds_list(d, argc - 1, argv + 1);
	if (argc >= 3 && strcmp(argv[0], "add") == 0)
		return ctl_ds_add(d, argc, argv);
	if ((argc != 2 && argc != 3) || strcmp(argv[0], "rm"))
		return ctl_ds_usage();
	int64_t id;
	db_stmt *st = NULL;
	int rc;
	char uri[300] = "";
	if (!ctl_parse_id(argv[1], &id))
		return ctl_err(CTL_REFUSED, "bad %s '%s' (a positive integer)",
			       argc == 2 ? "id" : "set", argv[1]);
	if (argc == 2) {
		rc = db_prepare(d, "DELETE FROM dispatcher WHERE id = $1", &st);
		if (rc == SIP_OK && (rc = db_bind_int(st, 1, id)) == SIP_OK)
			rc = ctl_run(st);
	} else {
		if (strncasecmp(argv[2], "sip:", 4) && strncasecmp(argv[2], "sips:", 5))
			snprintf(uri, sizeof uri, "sip:%s", argv[2]);
		else
			snprintf(uri, sizeof uri, "%s", argv[2]);
		rc = db_prepare(d, "DELETE FROM dispatcher WHERE setid = $1 AND destination = $2", &st);
		if (rc == SIP_OK && (rc = db_bind_int(st, 1, id)) == SIP_OK
		    && (rc = db_bind_text(st, 2, sip_str_make(uri, strlen(uri)))) == SIP_OK)
			rc = ctl_run(st);
	}
	long changed = rc == SIP_OK ? db_changes(st) : 0;
	db_finalize(st);
	if (rc != SIP_OK)
		return ctl_dberr(d, "cannot change the dispatcher table", rc);
	if (!changed)
		return argc == 2 ? ctl_err(CTL_REFUSED, "no destination %lld", (long long)id)
				 : ctl_err(CTL_REFUSED, "no destination %s in set %lld", uri,
					   (long long)id);
	return CTL_OK;
}
