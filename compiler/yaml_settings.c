/* The settings of a YAML policy: listen, domains, defines, gateways,
 * modules, include, and the declarations of flags and AVPs. Each becomes
 * the item of the language it stands for (see sipcc-yaml(5)). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parse_int.h"
#include "yaml_front.h"
#include "yaml_int.h"

/* listen: "udp:ADDR:PORT" (tcp:, tls:, ws:, wss:; as the proxy's --listen takes
 * it) or a list. */
void cc_yaml_listen(struct cc_yaml *y, yaml_node_t *n)
{
	CC_YAML_EACH(y, n, item, {
		const char *s, *colon;
		struct cc_loc l = cc_yaml_loc(y, item);
		unsigned char buf[16];

		if (!cc_yaml_str(y, item, "listen", &s))
			continue;
		colon = strchr(s, ':');
		size_t word = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
		const char *proto = !colon ? NULL : strncmp(s, "udp:", 4) == 0 ? "udp" :
				    strncmp(s, "tcp:", 4) == 0 ? "tcp" : strncmp(s, "tls:", 4) == 0 ? "tls" :
				    strncmp(s, "ws:", 3) == 0 ? "ws" : strncmp(s, "wss:", 4) == 0 ? "wss" : NULL;
		if (!proto) {
			if (colon && s + word == colon && word > 0) {
				cc_diag_report(CC_D_BAD_LITERAL, l, "unsupported transport '%.*s'",
					       (int)(colon - s), s);
				cc_diag_note((struct cc_loc){0}, "supported transports: udp, tcp, tls, ws, wss");
			} else {
				cc_diag_report(CC_D_BAD_LITERAL, l,
					       "listen address '%s' needs a transport, e.g. udp:0.0.0.0:5060", s);
			}
			continue;
		}
		const char *host = s + strlen(proto) + 1, *port;
		size_t hlen;
		bool v6 = *host == '[';
		if (v6) {
			const char *close = strchr(host, ']');
			port = close && close[1] == ':' ? close + 2 : NULL;
			hlen = close ? (size_t)(close - host - 1) : 0;
			host++;
		} else {
			const char *c = strrchr(host, ':');
			port = c ? c + 1 : NULL;
			hlen = c ? (size_t)(c - host) : strlen(host);
		}
		char *addr = cc_strndup(host, hlen);
		if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, buf) != 1) {
			cc_diag_report(CC_D_BAD_LITERAL, l, "invalid IP%s address '%s'", v6 ? "v6" : "v4", addr);
			continue;
		}
		char *end;
		long p = port ? strtol(port, &end, 10) : 0;
		if (!port || !*port || *end || p < 1 || p > 65535) {
			cc_diag_report(CC_D_BAD_LITERAL, l,
				       port ? "port '%s' is out of range (1-65535)" :
				       "missing port in listen address (e.g. %s:5060)", port ? port : s);
			continue;
		}
		struct cc_listen *li = cc_alloc(sizeof *li), **t;
		li->proto = proto;
		li->addr = addr;
		li->port = (int)p;
		li->loc = l;
		for (t = &y->p->listens; *t; t = &(*t)->next)
			;
		*t = li;
	});
}

void cc_yaml_domains(struct cc_yaml *y, yaml_node_t *n)
{
	CC_YAML_EACH(y, n, item, {
		const char *s;
		if (!cc_yaml_str(y, item, "domains", &s))
			continue;
		struct cc_domain *d = cc_alloc(sizeof *d), **t;
		d->name = s;
		d->loc = cc_yaml_loc(y, item);
		for (t = &y->p->domains; *t; t = &(*t)->next)
			;
		*t = d;
	});
}

/* defines: {NAME: VALUE}. A plain number is an int, true/false a bool,
 * anything else (or anything quoted) a string, as with -D. */
void cc_yaml_defines(struct cc_yaml *y, yaml_node_t *n)
{
	if (n->type != YAML_MAPPING_NODE) {
		cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, n),
			       "'defines' must map names to values, not %s", cc_yaml_what(n));
		return;
	}
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = cc_yaml_node(y, pr->key), *v = cc_yaml_node(y, pr->value);
		struct cc_loc kl = cc_yaml_loc(y, k), vl = cc_yaml_loc(y, v);
		const char *name, *s;
		struct cc_expr *e;
		long iv;

		if (!cc_yaml_str(y, k, "define name", &name))
			continue;
		if (!cc_yaml_is_word(name, strlen(name))) {
			cc_diag_report(CC_D_BAD_DEFINE, kl, "'%s' is not a define name (letters, digits, _)", name);
			continue;
		}
		if (!cc_yaml_str(y, v, name, &s))
			continue;
		if (cc_yaml_plain(v) && (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)) {
			e = cc_expr_new(E_BOOL, vl);
			e->u.ival = s[0] == 't';
		} else if (cc_yaml_plain(v) &&
			   (isdigit((unsigned char)s[0]) || (s[0] == '-' && isdigit((unsigned char)s[1]))) &&
			   strspn(s + 1, "0123456789") == strlen(s + 1)) {
			if (!cc_yaml_int(y, v, name, LONG_MIN, LONG_MAX, &iv))
				continue;
			e = cc_yaml_intlit(vl, iv);
		} else {
			e = cc_yaml_strlit(vl, s, strlen(s));
		}
		struct cc_define *d = cc_alloc(sizeof *d), **t;
		d->name = name;
		d->value = e;
		d->loc = kl;
		for (t = &y->p->defines; *t; t = &(*t)->next)
			;
		*t = d;
	}
}

/* include: FILE or a list: DSL files, relative to the YAML file, parsed
 * into the same program so rules can call their routes. */
bool cc_yaml_include(struct cc_yaml *y, yaml_node_t *n)
{
	bool ok = true;

	CC_YAML_EACH(y, n, item, {
		const char *s;
		if (!cc_yaml_str(y, item, "include", &s)) {
			ok = false;
			continue;
		}
		size_t len = strlen(y->dir) + strlen(s) + 2;
		char *path = cc_alloc(len);
		if (s[0] == '/' || !*y->dir)
			snprintf(path, len, "%s", s);
		else
			snprintf(path, len, "%s/%s", y->dir, s);
		if (cc_yaml_is_policy(path)) {
			cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, item),
				       "'include' takes policy-language (.sip) files, not YAML");
			ok = false;
			continue;
		}
		FILE *f = fopen(path, "r");
		if (!f) {
			cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, item), "cannot read '%s': %s",
				       path, strerror(errno));
			ok = false;
			continue;
		}
		fclose(f);
		if (cc_parse_file(y->p, path, CC_SRC_POLICY) != CC_PARSE_OK)
			ok = false;
	});
	return ok;
}

/* modules: { MODULE: { KEY: VALUE, ... } }: the "use MODULE { }" blocks
 * of the language; sema checks them against the stdlib's settings. A value
 * of digits is an int, true/false a bool, anything else a str. */
void cc_yaml_modules(struct cc_yaml *y, yaml_node_t *n)
{
	if (n->type != YAML_MAPPING_NODE) {
		cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, n),
			       "'modules' must map module names to their settings, not %s", cc_yaml_what(n));
		return;
	}
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = cc_yaml_node(y, pr->key), *v = cc_yaml_node(y, pr->value);
		const char *module;
		if (!cc_yaml_str(y, k, "a module name", &module))
			continue;
		struct cc_use *u = cc_alloc(sizeof *u), **tail;
		u->module = module;
		u->loc = cc_yaml_loc(y, k);
		for (tail = &y->p->uses; *tail; tail = &(*tail)->next)
			;
		*tail = u;
		if (cc_yaml_is_null(v))
			continue;
		if (v->type != YAML_MAPPING_NODE) {
			cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, v),
				       "the settings of module '%s' must be a mapping, not %s",
				       module, cc_yaml_what(v));
			continue;
		}
		struct cc_use_item **it_tail = &u->items;
		for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
			yaml_node_t *kk = cc_yaml_node(y, q->key), *vv = cc_yaml_node(y, q->value);
			const char *key, *text;
			if (!cc_yaml_str(y, kk, "a setting name", &key) ||
			    !cc_yaml_str(y, vv, key, &text))
				continue;
			struct cc_use_item *it = cc_alloc(sizeof *it);
			struct cc_loc vl = cc_yaml_loc(y, vv);
			bool digits = *text != '\0' && vv->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			for (const char *c = text; *c && digits; c++)
				digits = isdigit((unsigned char)*c);
			if (digits) {
				it->value = cc_expr_new(E_INT, vl);
				it->value->u.ival = strtoll(text, NULL, 10);
			} else if (vv->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
				   (strcmp(text, "true") == 0 || strcmp(text, "false") == 0)) {
				it->value = cc_expr_new(E_BOOL, vl);
				it->value->u.ival = text[0] == 't';
			} else {
				it->value = cc_expr_new(E_STR, vl);
				it->value->u.str.s = text;
				it->value->u.str.len = strlen(text);
			}
			it->key = key;
			it->key_loc = cc_yaml_loc(y, kk);
			*it_tail = it;
			it_tail = &it->next;
		}
	}
}

/* gateways: {NAME: URI}: defines that name a gateway, as "@gateway
 * define NAME = URI" in the language, so the toll-fraud check follows a
 * relay to them. -D overrides them like any define. */
void cc_yaml_gateways(struct cc_yaml *y, yaml_node_t *n)
{
	if (n->type != YAML_MAPPING_NODE) {
		cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, n),
			       "'gateways' must map names to gateway URIs, not %s", cc_yaml_what(n));
		return;
	}
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = cc_yaml_node(y, pr->key), *v = cc_yaml_node(y, pr->value);
		struct cc_loc kl = cc_yaml_loc(y, k), vl = cc_yaml_loc(y, v);
		const char *name, *uri;

		if (!cc_yaml_str(y, k, "gateway name", &name))
			continue;
		if (!cc_yaml_is_word(name, strlen(name))) {
			cc_diag_report(CC_D_BAD_DEFINE, kl, "'%s' is not a define name (letters, digits, _)", name);
			continue;
		}
		if (!cc_yaml_str(y, v, name, &uri))
			continue;
		if (strncmp(uri, "sip:", 4) != 0 && strncmp(uri, "sips:", 5) != 0) {
			cc_diag_report(CC_D_BAD_LITERAL, vl,
				       "gateway '%s' must be a SIP URI (sip:HOST[:PORT]), not '%s'", name, uri);
			continue;
		}
		struct cc_define *d = cc_alloc(sizeof *d), **t;
		d->name = name;
		d->value = cc_yaml_strlit(vl, uri, strlen(uri));
		d->gateway = true;
		d->loc = kl;
		for (t = &y->p->defines; *t; t = &(*t)->next)
			;
		*t = d;
	}
}

/* The declarations are the language's own (parse_build.c): the same
 * checks, the same messages, at the YAML node. */
static struct cc_parse_ctx cc_yaml_decl_ctx(struct cc_yaml *y)
{
	return (struct cc_parse_ctx){ .prog = y->p, .file = y->file, .mode = CC_SRC_POLICY,
				      .line = 1, .col = 1 };
}

/* flags: NAME or a list of names: "flag NAME" (branch_flags: "bflag NAME"). */
void cc_yaml_flags(struct cc_yaml *y, yaml_node_t *n, bool branch)
{
	struct cc_parse_ctx ps = cc_yaml_decl_ctx(y);
	const char *key = branch ? "branch_flags" : "flags";

	CC_YAML_EACH(y, n, item, {
		const char *name;
		struct cc_loc l = cc_yaml_loc(y, item);
		if (!cc_yaml_str(y, item, key, &name))
			continue;
		if (!cc_yaml_is_word(name, strlen(name))) {
			cc_diag_report(CC_D_BAD_VALUE, l, "'%s' is not a flag name (letters, digits, _)",
				       name);
			continue;
		}
		cc_parse_flag(&ps, l, name, branch);
	});
}

/* dialog_profiles: { NAME: str|none }: "profile NAME: str" (a value per
 * member) or "profile NAME". */
void cc_yaml_profiles(struct cc_yaml *y, yaml_node_t *n)
{
	struct cc_parse_ctx ps = cc_yaml_decl_ctx(y);

	if (n->type != YAML_MAPPING_NODE) {
		cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, n),
			       "'dialog_profiles' must map names to str (a value per call) or none, not %s",
			       cc_yaml_what(n));
		return;
	}
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = cc_yaml_node(y, pr->key), *v = cc_yaml_node(y, pr->value);
		const char *name, *type;
		struct cc_loc kl = cc_yaml_loc(y, k);

		if (!cc_yaml_str(y, k, "a name", &name) || !cc_yaml_str(y, v, name, &type))
			continue;
		if (!cc_yaml_is_word(name, strlen(name))) {
			cc_diag_report(CC_D_BAD_VALUE, kl, "'%s' is not a name (letters, digits, _)", name);
			continue;
		}
		if (strcmp(type, "none") == 0) {
			cc_parse_profile(&ps, kl, name, NULL, kl);
		} else if (strcmp(type, "str") == 0) {
			cc_parse_profile(&ps, kl, name, type, cc_yaml_loc(y, v));
		} else {
			cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, v),
				       "dialog profile '%s' is str (a value per call) or none, not '%s'",
				       name, type);
		}
	}
}

/* avps: { NAME: str|int }: "avp NAME: TYPE" (dialog_vars: "dlgvar"). */
void cc_yaml_avps(struct cc_yaml *y, yaml_node_t *n, bool dialog)
{
	struct cc_parse_ctx ps = cc_yaml_decl_ctx(y);
	const char *key = dialog ? "dialog_vars" : "avps";

	if (n->type != YAML_MAPPING_NODE) {
		cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, n),
			       "'%s' must map names to their types (str or int), not %s", key,
			       cc_yaml_what(n));
		return;
	}
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = cc_yaml_node(y, pr->key), *v = cc_yaml_node(y, pr->value);
		const char *name, *type;
		struct cc_loc kl = cc_yaml_loc(y, k);

		if (!cc_yaml_str(y, k, "a name", &name) || !cc_yaml_str(y, v, name, &type))
			continue;
		if (!cc_yaml_is_word(name, strlen(name))) {
			cc_diag_report(CC_D_BAD_VALUE, kl, "'%s' is not a name (letters, digits, _)", name);
			continue;
		}
		cc_parse_avp(&ps, kl, name, type, cc_yaml_loc(y, v), dialog);
	}
}
