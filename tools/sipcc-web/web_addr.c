/* sipcc-web: the trusted addresses (table address) that allow_trusted()
 * and check_address() read (modules/permissions): a peer address or
 * network, a port, a transport, a pattern on the From URI and a tag. The
 * checks are the module's own parsers, as sipcc-ctl address add makes
 * them: a network is written with its first address. */
#include <inttypes.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../sipcc-ctl/ctl.h"
#include "permissions/permissions.h"
#include "web.h"

typedef struct web_addr_form {
	char id[24];                /* the row an edit changes; "" to add */
	char grp[16], address[80], port[8], proto[8], pattern[300], tag[80];
} web_addr_form;

static void web_addr_render(web_req *r, const char *err, const web_addr_form *f)
{
	static const web_addr_form empty;
	static const char *const protos[] = { "any", "udp", "tcp", "tls", "ws", "wss" };
	if (!f)
		f = &empty;
	web_begin(r, "Trusted addresses", "/addresses");
	if (err)
		r->status = 400;
	web_done_notice(r);
	web_buf *b = &r->out;
	web_buf_puts(b, "<p class=\"note\">Peers the policy trusts by their source address"
		     " (allow_trusted, check_address): the PSTN gateways that call in, the"
		     " provider's own servers.</p><table id=\"addresses\"><tr><th>Group</th><th>Address"
		     "</th><th>Port</th><th>Transport</th><th>From pattern</th><th>Tag</th><th></th></tr>");
	db_stmt *st;
	int rc = db_prepare(r->d, "SELECT id, grp, ip, mask, port, proto, pattern, context_info FROM address"
			    " ORDER BY grp, ip, mask, port, id", &st);
	if (rc == SIP_OK)
		while ((rc = db_step(st)) == DB_ROW) {
			web_buf_printf(b, "<tr><td>%" PRId64 "</td><td>", db_column_int(st, 1));
			sip_str ip = db_column_text(st, 2);
			web_buf_html_n(b, ip.s ? ip.s : "", ip.len);
			web_buf_printf(b, "/%" PRId64 "</td><td>", db_column_int(st, 3));
			int64_t port = db_column_int(st, 4);
			if (port)
				web_buf_printf(b, "%" PRId64, port);
			else
				web_buf_puts(b, "any");
			web_buf_puts(b, "</td>");
			web_td(r, st, 5);
			web_td(r, st, 6);
			web_td(r, st, 7);
			web_buf_puts(b, "<td>");
			if (web_session_writes(r->s)) {
				web_buf_printf(b, "<a class=\"edit\" href=\"/addresses?edit=%" PRId64 "\">edit</a> ",
					       db_column_int(st, 0));
				web_buf_puts(b, "<form class=\"inline\" method=\"post\" action=\"/addresses/delete\""
					     " data-confirm=\"Stop trusting this address?\">");
				web_csrf_input(r);
				web_buf_printf(b, "<input type=\"hidden\" name=\"id\" value=\"%" PRId64 "\">"
					       "<button class=\"danger\">Remove</button></form>", db_column_int(st, 0));
			}
			web_buf_puts(b, "</td></tr>");
		}
	db_finalize(st);
	web_buf_puts(b, "</table>");
	if (rc != SIP_OK)
		web_msg(r, "err", db_error(r->d));
	if (web_session_writes(r->s)) {
		if (f->id[0]) {
			web_buf_puts(b, "<form method=\"post\" action=\"/addresses/save\" id=\"addradd\"><fieldset>"
				     "<legend>Edit a trusted address</legend><input type=\"hidden\" name=\"id\""
				     " value=\"");
			web_buf_html(b, f->id);
			web_buf_puts(b, "\">");
		} else {
			web_buf_puts(b, "<form method=\"post\" action=\"/addresses/add\" id=\"addradd\"><fieldset>"
				     "<legend>Trust an address or a network</legend>");
		}
		web_msg(r, "err", err);
		web_csrf_input(r);
		web_buf_puts(b, "<label>Group <input name=\"grp\" size=\"4\" value=\"");
		web_buf_html(b, f->grp[0] ? f->grp : "1");
		web_buf_puts(b, "\"></label><label>Address (IP or IP/MASK) <input name=\"address\" required value=\"");
		web_buf_html(b, f->address);
		web_buf_puts(b, "\"></label><label>Port (empty: any) <input name=\"port\" size=\"6\" value=\"");
		web_buf_html(b, f->port);
		web_buf_puts(b, "\"></label><label>Transport <select name=\"proto\">");
		for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++)
			web_buf_printf(b, "<option%s>%s</option>", strcmp(f->proto, protos[i]) == 0 ? " selected" : "",
				       protos[i]);
		web_buf_puts(b, "</select></label><label>From pattern <input name=\"pattern\" value=\"");
		web_buf_html(b, f->pattern);
		web_buf_puts(b, "\"></label><label>Tag <input name=\"tag\" value=\"");
		web_buf_html(b, f->tag);
		web_buf_printf(b, "\"></label><button>%s</button>%s</fieldset></form>", f->id[0] ? "Save" : "Add",
			       f->id[0] ? " <a href=\"/addresses\">cancel</a>" : "");
	}
	web_end(r);
}

/* The page; ?edit=ID fills the form with that row to change it. */
void web_addresses_page(web_req *r)
{
	web_addr_form f = { 0 };
	int64_t id;
	if (!web_arg(r, "edit")[0] || !web_session_writes(r->s)) {
		web_addr_render(r, NULL, NULL);
		return;
	}
	db_stmt *st;
	bool found = false;
	if (ctl_parse_id(web_arg(r, "edit"), &id)
	    && db_prepare(r->d, "SELECT grp, ip, mask, port, proto, pattern, context_info FROM address"
			  " WHERE id = $1", &st) == SIP_OK) {
		if (db_bind_int(st, 1, id) == SIP_OK && db_step(st) == DB_ROW) {
			char ip[64];
			snprintf(f.id, sizeof f.id, "%" PRId64, id);
			web_col(st, 0, f.grp, sizeof f.grp);
			web_col(st, 1, ip, sizeof ip);
			snprintf(f.address, sizeof f.address, "%s/%" PRId64, ip, db_column_int(st, 2));
			if (db_column_int(st, 3))
				web_col(st, 3, f.port, sizeof f.port);
			web_col(st, 4, f.proto, sizeof f.proto);
			web_col(st, 5, f.pattern, sizeof f.pattern);
			web_col(st, 6, f.tag, sizeof f.tag);
			found = true;
		}
		db_finalize(st);
	}
	if (!found) {
		web_refuse(r, 404, "Not found", "no such address");
		return;
	}
	web_addr_render(r, NULL, &f);
}

/* Why the form's row cannot be stored, or NULL with ip, mask, port and
 * the transport's name filled in. */
static const char *web_addr_check(web_addr_form *f, char *ip, size_t ipsz, int64_t *grp, int64_t *mask,
				  int64_t *port, const char **proto)
{
	static char msg[200];
	char *end;
	*grp = f->grp[0] ? strtoll(f->grp, &end, 10) : 0;
	if (f->grp[0] && (*end || f->grp[0] == '-' || f->grp[0] == '+' || *grp > 2147483647))
		return "the group is 0 or a positive integer";
	if (strpbrk(f->address, " \t"))
		return "the address may not contain a space (an IP address, or IP/MASK for a network)";
	const char *slash = strchr(f->address, '/');
	size_t n = slash ? (size_t)(slash - f->address) : strlen(f->address);
	unsigned char net[16];
	bool v4;
	if (!n || n >= ipsz)
		return "the address is an IPv4 or IPv6 address, or IP/MASK for a network";
	memcpy(ip, f->address, n);
	ip[n] = '\0';
	if (!perm_addr_parse(ip, net, &v4))
		return "the address is an IPv4 or IPv6 address, or IP/MASK for a network";
	*mask = v4 ? 32 : 128;
	if (slash) {
		*mask = strtoll(slash + 1, &end, 10);
		if (!slash[1] || *end || slash[1] == '-' || slash[1] == '+')
			return v4 ? "the mask is 0 to 32" : "the mask is 0 to 128";
	}
	int bits;
	bool host_bits;
	const char *why = perm_net_parse(ip, *mask, net, &bits, &host_bits);
	if (why) {
		snprintf(msg, sizeof msg, "the network: %s", why);
		return msg;
	}
	if (host_bits)
		return "the address has bits set past the mask (write the network's first address)";
	*port = 0;
	if (f->port[0]) {
		*port = strtoll(f->port, &end, 10);
		if (*end || f->port[0] == '-' || f->port[0] == '+' || *port > 65535)
			return "the port is 1 to 65535 (empty: any)";
	}
	int p = perm_proto_parse(web_s(f->proto[0] ? f->proto : "any"));
	if (p < 0)
		return "the transport is any, udp, tcp, tls, ws or wss";
	*proto = perm_proto_name(p);
	if (strlen(f->pattern) > 255)
		return "the pattern is longer than 255 characters";
	if (f->pattern[0]) {
		regex_t re;
		int e = regcomp(&re, f->pattern, REG_EXTENDED | REG_NOSUB);
		if (e) {
			char what[100];
			regerror(e, &re, what, sizeof what);
			snprintf(msg, sizeof msg, "the From pattern is not a regular expression: %s", what);
			return msg;
		}
		regfree(&re);
	}
	if (strlen(f->tag) > 64)
		return "the tag is longer than 64 characters";
	return NULL;
}

/* Add a trusted address, or with edit change row id= of the form. */
static void web_address_save_as(web_req *r, bool edit)
{
	web_addr_form f = { 0 };
	int64_t id = 0;
	if (edit) {
		web_field(r, "id", f.id, sizeof f.id);
		if (!ctl_parse_id(f.id, &id)) {
			web_refuse(r, 400, "Bad request", "the form has no valid id");
			return;
		}
	}
	web_field(r, "grp", f.grp, sizeof f.grp);
	web_field(r, "address", f.address, sizeof f.address);
	web_field(r, "port", f.port, sizeof f.port);
	web_field(r, "proto", f.proto, sizeof f.proto);
	web_field(r, "pattern", f.pattern, sizeof f.pattern);
	web_field(r, "tag", f.tag, sizeof f.tag);
	char ip[64];
	int64_t grp, mask, port;
	const char *proto = "any";
	const char *why = web_addr_check(&f, ip, sizeof ip, &grp, &mask, &port, &proto);
	if (why) {
		web_addr_render(r, why, &f);
		return;
	}
	db_stmt *st;
	int rc = db_exec(r->d, "BEGIN");
	long changed = 1;
	if (rc == SIP_OK
	    && (rc = edit ? db_prepare(r->d, "UPDATE address SET grp = $1, ip = $2, mask = $3, port = $4,"
				       " proto = $5, pattern = $6, context_info = $7 WHERE id = $8", &st)
			  : db_prepare(r->d, "INSERT INTO address (grp, ip, mask, port, proto, pattern,"
				       " context_info) VALUES ($1, $2, $3, $4, $5, $6, $7)", &st)) == SIP_OK) {
		if ((rc = db_bind_int(st, 1, grp)) == SIP_OK && (rc = db_bind_text(st, 2, web_s(ip))) == SIP_OK
		    && (rc = db_bind_int(st, 3, mask)) == SIP_OK && (rc = db_bind_int(st, 4, port)) == SIP_OK
		    && (rc = db_bind_text(st, 5, web_s(proto))) == SIP_OK
		    && (rc = db_bind_text(st, 6, web_s(f.pattern))) == SIP_OK
		    && (rc = db_bind_text(st, 7, web_s(f.tag))) == SIP_OK
		    && (!edit || (rc = db_bind_int(st, 8, id)) == SIP_OK))
			rc = ctl_run(st);
		changed = db_changes(st);
		db_finalize(st);
	}
	if (rc == SIP_OK && !changed)
		rc = SIP_ENOTFOUND;
	char obj[100], det[40];
	snprintf(obj, sizeof obj, "%s/%" PRId64, ip, mask);
	snprintf(det, sizeof det, "group %" PRId64, grp);
	web_save_end(r, rc, edit, "address", "address", "/addresses", obj, det);
}

void web_address_add(web_req *r)
{
	web_address_save_as(r, false);
}

void web_address_save(web_req *r)
{
	web_address_save_as(r, true);
}

void web_address_delete(web_req *r)
{
	int64_t id;
	if (!web_form_id(r, &id))
		return;
	char obj[100] = "";
	db_stmt *st;
	if (db_prepare(r->d, "SELECT ip, mask FROM address WHERE id = $1", &st) == SIP_OK
	    && db_bind_int(st, 1, id) == SIP_OK && db_step(st) == DB_ROW) {
		char ip[64];
		web_col(st, 0, ip, sizeof ip);
		snprintf(obj, sizeof obj, "%s/%" PRId64, ip, db_column_int(st, 1));
	}
	db_finalize(st);
	if (!obj[0]) {
		web_refuse(r, 404, "Not found", "no such address");
		return;
	}
	int rc = db_exec(r->d, "BEGIN");
	if (rc == SIP_OK && (rc = db_prepare(r->d, "DELETE FROM address WHERE id = $1", &st)) == SIP_OK) {
		if ((rc = db_bind_int(st, 1, id)) == SIP_OK)
			rc = ctl_run(st);
		db_finalize(st);
	}
	if (web_tx_end(r, rc, "address remove", obj, "") != SIP_OK) {
		web_dbfail(r, "cannot remove the address");
		return;
	}
	web_redirect(r, "/addresses?done=deleted");
}
