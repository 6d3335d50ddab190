/* sipcc-ctl address add GROUP IP[/MASK] [port=N] [proto=P] [pattern=RE]
 * [tag=TEXT], address rm ID, address list [GROUP]: the address table
 * allow_trusted() and check_source_address() read (modules/permissions).
 * Everything is checked as the proxy will read it before a row is
 * written: the address and mask, the port, the transport and the regular
 * expression (compiled here as the proxy compiles it). */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/status.h"
#include "ctl.h"
#include "permissions/permissions.h"

static int ctl_address_usage(void)
{
	return ctl_err(CTL_USAGE, "usage: %s address add GROUP IP[/MASK] [port=N]"
		       " [proto=udp|tcp|tls|ws|wss|any] [pattern=RE] [tag=TEXT], address rm ID,"
		       " or address list [GROUP]", ctl_prog);
}

/* A group: 0 or a positive integer that fits every backend's INTEGER. */
static bool ctl_address_group(const char *s, int64_t *out)
{
	if (strcmp(s, "0") == 0) {
		*out = 0;
		return true;
	}
	return ctl_parse_id(s, out);
}

static int ctl_address_list(db *d, int argc, char **argv)
{
	int64_t grp = 0;
	db_stmt *st = NULL;
	int rc;
	if (argc > 1)
		return ctl_address_usage();
	if (argc == 1 && !ctl_address_group(argv[0], &grp))
		return ctl_err(CTL_REFUSED, "bad group '%s' (0 or a positive integer)", argv[0]);
	if (argc == 1) {
		rc = db_prepare(d, "SELECT id, grp, ip, mask, port, proto, pattern, context_info"
				" FROM address WHERE grp = $1 ORDER BY id", &st);
		if (rc == SIP_OK)
			rc = db_bind_int(st, 1, grp);
	} else {
		rc = db_prepare(d, "SELECT id, grp, ip, mask, port, proto, pattern, context_info"
				" FROM address ORDER BY grp, id", &st);
	}
	if (rc != SIP_OK) {
		db_finalize(st);
		return ctl_dberr(d, "cannot read the address table", rc);
	}
	while ((rc = db_step(st)) == DB_ROW) {
		sip_str ip = db_column_text(st, 2), proto = db_column_text(st, 5);
		sip_str pat = db_column_text(st, 6), tag = db_column_text(st, 7);
		printf("%lld grp=%lld " SIP_STR_FMT "/%lld port=%lld proto=" SIP_STR_FMT,
		       (long long)db_column_int(st, 0), (long long)db_column_int(st, 1), SIP_STR_ARG(ip),
		       (long long)db_column_int(st, 3), (long long)db_column_int(st, 4),
		       SIP_STR_ARG(proto));
		if (pat.len)
			printf(" pattern=" SIP_STR_FMT, SIP_STR_ARG(pat));
		if (tag.len)
			printf(" tag=" SIP_STR_FMT, SIP_STR_ARG(tag));
		putchar('\n');
	}
	db_finalize(st);
	return rc == SIP_OK ? CTL_OK : ctl_dberr(d, "cannot read the address table", rc);
}

static int ctl_address_rm(db *d, const char *arg)
{
	int64_t id;
	db_stmt *st = NULL;
	if (!ctl_parse_id(arg, &id))
		return ctl_err(CTL_REFUSED, "bad address id '%s' (a positive integer; see %s address"
			       " list)", arg, ctl_prog);
	int rc = db_prepare(d, "DELETE FROM address WHERE id = $1", &st);
	if (rc == SIP_OK && (rc = db_bind_int(st, 1, id)) == SIP_OK)
		rc = ctl_run(st);
	long changed = rc == SIP_OK ? db_changes(st) : 0;
	db_finalize(st);
	if (rc != SIP_OK)
		return ctl_dberr(d, "cannot change the address table", rc);
	return changed ? CTL_OK : ctl_err(CTL_REFUSED, "no address %lld", (long long)id);
}

/* The values of one row, checked. */
struct ctl_addr_row {
	int64_t grp, mask, port;
	char ip[64];
	const char *proto, *pattern, *tag;
};

static int ctl_address_parse(int argc, char **argv, struct ctl_addr_row *r)
{
	static const char *const keys[] = { "port", "proto", "pattern", "tag", NULL };
	int rc;
	if ((rc = ctl_opts_known(argc - 2, argv + 2, keys, "address add")) != CTL_OK)
		return rc;
	if (!ctl_address_group(argv[0], &r->grp))
		return ctl_err(CTL_REFUSED, "bad group '%s' (0 or a positive integer)", argv[0]);
	const char *slash = strchr(argv[1], '/');
	size_t iplen = slash ? (size_t)(slash - argv[1]) : strlen(argv[1]);
	if (!iplen || iplen >= sizeof r->ip)
		return ctl_err(CTL_REFUSED, "bad address '%s' (IPv4 or IPv6, with /MASK for a"
			       " network)", argv[1]);
	memcpy(r->ip, argv[1], iplen);
	r->ip[iplen] = '\0';
	unsigned char net[16];
	bool v4;
	if (!perm_addr_parse(r->ip, net, &v4))
		return ctl_err(CTL_REFUSED, "bad address '%s' (IPv4 or IPv6, with /MASK for a"
			       " network)", r->ip);
	r->mask = v4 ? 32 : 128;
	if (slash) {
		char *end;
		r->mask = strtoll(slash + 1, &end, 10);
		if (!slash[1] || *end || slash[1] == '-' || slash[1] == '+')
			return ctl_err(CTL_REFUSED, "bad mask '%s' (0-%d)", slash + 1, v4 ? 32 : 128);
	}
	int bits;
	bool host_bits;
	const char *why = perm_net_parse(r->ip, r->mask, net, &bits, &host_bits);
	if (why)
		return ctl_err(CTL_REFUSED, "bad network '%s': %s", argv[1], why);
	if (host_bits)
		return ctl_err(CTL_REFUSED, "bad network '%s': the address has bits set past the"
			       " /%lld mask (write the network's first address)", argv[1],
			       (long long)r->mask);
	const char *port = ctl_opt(argc - 2, argv + 2, "port");
	r->port = 0;
	if (port) {
		char *end;
		r->port = strtoll(port, &end, 10);
		if (!*port || *end || *port == '-' || *port == '+' || r->port > 65535)
			return ctl_err(CTL_REFUSED, "bad port '%s' (1-65535, or 0 for any)", port);
	}
	r->proto = ctl_opt(argc - 2, argv + 2, "proto");
	int p = r->proto ? perm_proto_parse(sip_str_make(r->proto, strlen(r->proto))) : 0;
	if (p < 0)
		return ctl_err(CTL_REFUSED, "bad proto '%s' (udp, tcp, tls, ws, wss or any)", r->proto);
	r->proto = perm_proto_name(p);
	r->pattern = ctl_opt(argc - 2, argv + 2, "pattern");
	if (!r->pattern)
		r->pattern = "";
	if (strlen(r->pattern) > 255)
		return ctl_err(CTL_REFUSED, "pattern longer than 255 characters");
	if (r->pattern[0]) {
		regex_t re;
		int e = regcomp(&re, r->pattern, REG_EXTENDED | REG_NOSUB);
		if (e != 0) {
			char msg[128];
			regerror(e, &re, msg, sizeof msg);
			return ctl_err(CTL_REFUSED, "bad pattern '%s': %s (a POSIX extended regular"
				       " expression matched against the From URI)", r->pattern, msg);
		}
		regfree(&re);
	}
	r->tag = ctl_opt(argc - 2, argv + 2, "tag");
	if (!r->tag)
		r->tag = "";
	if (strlen(r->tag) > 64)
		return ctl_err(CTL_REFUSED, "tag longer than 64 characters");
	return CTL_OK;
}

/* Bind the row's seven values from parameter 1 on. */
static int ctl_address_bind(db_stmt *st, const struct ctl_addr_row *r)
{
	int rc;
	if ((rc = db_bind_int(st, 1, r->grp)) != SIP_OK ||
	    (rc = db_bind_text(st, 2, sip_str_make(r->ip, strlen(r->ip)))) != SIP_OK ||
	    (rc = db_bind_int(st, 3, r->mask)) != SIP_OK ||
	    (rc = db_bind_int(st, 4, r->port)) != SIP_OK ||
	    (rc = db_bind_text(st, 5, sip_str_make(r->proto, strlen(r->proto)))) != SIP_OK ||
	    (rc = db_bind_text(st, 6, sip_str_make(r->pattern, strlen(r->pattern)))) != SIP_OK)
		return rc;
	return db_bind_text(st, 7, sip_str_make(r->tag, strlen(r->tag)));
}

/* The id of the row with exactly these values (0: none). */
static int ctl_address_find(db *d, const struct ctl_addr_row *r, int64_t *id)
{
	db_stmt *st = NULL;
	int rc = db_prepare(d, "SELECT COALESCE(MAX(id), 0) FROM address WHERE grp = $1 AND ip = $2"
			    " AND mask = $3 AND port = $4 AND proto = $5 AND pattern = $6"
			    " AND context_info = $7", &st);
	if (rc == SIP_OK && (rc = ctl_address_bind(st, r)) == SIP_OK) {
		rc = db_step(st);
		if (rc == DB_ROW) {
			*id = db_column_int(st, 0);
			rc = SIP_OK;
		} else if (rc == SIP_OK) {
			rc = SIP_EDB;
		}
	}
	db_finalize(st);
	return rc;
}

/* add: the new row's id is printed ("address 7"); a row with the same
 * values is refused. */
int ctl_address_cmd(db *d, int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "list") == 0)
		return ctl_address_list(d, argc - 1, argv + 1);
	if (argc == 2 && strcmp(argv[0], "rm") == 0)
		return ctl_address_rm(d, argv[1]);
	if (argc < 3 || strcmp(argv[0], "add"))
		return ctl_address_usage();
	struct ctl_addr_row r;
	int rc = ctl_address_parse(argc - 1, argv + 1, &r);
	if (rc != CTL_OK)
		return rc;
	int64_t id = 0;
	if ((rc = ctl_address_find(d, &r, &id)) != SIP_OK)
		return ctl_dberr(d, "cannot read the address table", rc);
	if (id)
		return ctl_err(CTL_REFUSED, "the same address exists already (id %lld)", (long long)id);
	db_stmt *st = NULL;
	rc = db_prepare(d, "INSERT INTO address (grp, ip, mask, port, proto, pattern, context_info)"
			" VALUES ($1, $2, $3, $4, $5, $6, $7)", &st);
	if (rc == SIP_OK && (rc = ctl_address_bind(st, &r)) == SIP_OK)
		rc = ctl_run(st);
	db_finalize(st);
	if (rc != SIP_OK)
		return ctl_dberr(d, "cannot change the address table", rc);
	if ((rc = ctl_address_find(d, &r, &id)) != SIP_OK)
		return ctl_dberr(d, "cannot read the address table", rc);
	printf("address %lld\n", (long long)id);
	return CTL_OK;
}
