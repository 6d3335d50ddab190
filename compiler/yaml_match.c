/* match and require of a YAML policy: the conditions a rule tests, and
 * the requirements that answer and end a request that fails them. What
 * each key means is a row of yaml_table.c; this file reads the shapes of
 * value the keys take (a string test, a list of methods or networks, a
 * header test, 'any') and joins the rows' conditions. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "ast_print.h"
#include "yaml_int.h"

/* Keep the text of one condition for the shadowing check. */
static void cc_yaml_cond_add(struct cc_yaml_rule *rule, const struct cc_expr *e)
{
	if (!rule)
		return;
	if (rule->nconds == rule->capconds) {
		int cap = rule->capconds ? rule->capconds * 2 : 16;
		const char **n = cc_alloc(sizeof *n * (size_t)cap);
		if (rule->nconds)
			memcpy(n, rule->conds, sizeof *n * (size_t)rule->nconds);
		rule->conds = n;
		rule->capconds = cap;
	}
	rule->conds[rule->nconds++] = cc_ast_expr_text(e);
}

/* The string test op ("exact", "prefix", ...) of subject s against v. */
static struct cc_expr *cc_yaml_strtest(struct cc_yaml *y, const char *op, struct cc_expr *s,
				       struct cc_expr *v, struct cc_loc loc)
{
	const struct cc_yaml_tmpl *t = cc_yaml_tmpl_find(op, CC_YW_MATCH | CC_YW_INTERNAL);
	struct cc_yaml_hole h[2] = {
		{ .name = "s", .e = s, .loc = s->loc }, { .name = "v", .e = v, .loc = v->loc },
	};

	return cc_yaml_tmpl_expr(y, NULL, t->text, loc, h, 2);
}

/* A string condition on the subject row's text (a pseudo-variable): a
 * value (exact), a list (any of them), or a mapping with one of exact /
 * prefix / suffix / contains / regex. */
static struct cc_expr *cc_yaml_strmatch(struct cc_yaml *y, yaml_node_t *n, const char *key,
					const char *subject)
{
	static const char *const ops[] = { "exact", "prefix", "suffix", "contains", "regex", NULL };
	struct cc_loc loc = cc_yaml_loc(y, n);
	struct cc_expr *all = NULL;
	bool ok = true;

	if (cc_yaml_empty_list(y, n, key))
		return NULL;
	CC_YAML_EACH(y, n, item, {
		struct cc_yaml_field f[5];
		struct cc_expr *v;
		int op = 0, nops = 0;
		yaml_node_t *vn = item;

		if (item->type == YAML_MAPPING_NODE) {
			char what[64];
			snprintf(what, sizeof what, "'%s'", key);
			if (!cc_yaml_fields(y, item, what, ops, f)) {
				ok = false;
				continue;
			}
			for (int i = 0; i < 5; i++) {
				if (f[i].val) {
					op = i;
					vn = f[i].val;
					nops++;
				}
			}
			if (nops != 1) {
				cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, item),
					       "'%s' needs exactly one of exact, prefix, suffix, contains or regex",
					       key);
				ok = false;
				continue;
			}
		}
		v = cc_yaml_value(y, vn, op ? ops[op] : key);
		if (!v || (op == 4 && !cc_yaml_regex_ok(y, vn, v))) {
			ok = false;
			continue;
		}
		struct cc_loc vl = cc_yaml_loc(y, vn);
		struct cc_expr *s = cc_yaml_tmpl_expr(y, NULL, subject, vl, NULL, 0);
		struct cc_expr *one = s ? cc_yaml_strtest(y, ops[op], s, v, vl) : NULL;
		if (!one) {
			ok = false;
			continue;
		}
		all = cc_yaml_bin(B_OR, all, one, loc);
	});
	return ok ? all : NULL;
}

/* method: NAME or a list of names, any of which. */
static struct cc_expr *cc_yaml_methods(struct cc_yaml *y, yaml_node_t *n)
{
	struct cc_expr *all = NULL;
	bool ok = true;

	if (cc_yaml_empty_list(y, n, "method"))
		return NULL;
	CC_YAML_EACH(y, n, item, {
		struct cc_expr *e = NULL;
		const char *m;
		if (!cc_yaml_str(y, item, "method", &m) ||
		    !cc_yaml_apply(y, "method", cc_yaml_loc(y, item), item, CC_YW_MATCH, NULL, NULL, &e)) {
			ok = false;
			continue;
		}
		all = cc_yaml_bin(B_OR, all, e, cc_yaml_loc(y, n));
	});
	return ok ? all : NULL;
}

/* A network or a list of networks the source address is in, any of them
 * (source_ip, and require's trusted). */
struct cc_expr *cc_yaml_nets(struct cc_yaml *y, yaml_node_t *n, const char *key)
{
	const struct cc_yaml_tmpl *t = cc_yaml_tmpl_find("source_ip", CC_YW_MATCH);
	struct cc_expr *all = NULL;
	bool ok = true;

	if (cc_yaml_empty_list(y, n, key))
		return NULL;
	CC_YAML_EACH(y, n, item, {
		struct cc_expr *v = cc_yaml_value(y, item, key);
		struct cc_loc l = cc_yaml_loc(y, item);
		if (!v) {
			ok = false;
			continue;
		}
		if (v->kind == E_STR && !cc_yaml_net_ok(v->u.str.s)) {
			cc_diag_report(CC_D_BAD_LITERAL, l,
				       "'%s' is not an IP address or network (ADDRESS/PREFIX, e.g. 10.0.0.0/8)",
				       v->u.str.s);
			ok = false;
			continue;
		}
		struct cc_yaml_hole h = { .name = "net", .e = v, .loc = l };
		struct cc_expr *e = cc_yaml_tmpl_expr(y, "'source_ip'", t->text, l, &h, 1);
		if (!e) {
			ok = false;
			continue;
		}
		all = cc_yaml_bin(B_OR, all, e, cc_yaml_loc(y, n));
	});
	return ok ? all : NULL;
}

/* A header name as RFC 3261 25.1 spells it: a token. */
static bool cc_yaml_is_token(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-.!%*_+`'~", *s))
			return false;
	return true;
}

/* header: {name: NAME, present: BOOL} or {name: NAME, exact|prefix|suffix|
 * contains|regex: VALUE}, or a list of such, all of which must hold. Each
 * header's condition is kept apart for the shadowing check. */
static struct cc_expr *cc_yaml_header(struct cc_yaml *y, yaml_node_t *n, const char *subject,
				      struct cc_yaml_rule *rule)
{
	static const char *const keys[] = { "name", "present", "exact", "prefix", "suffix",
					    "contains", "regex", NULL };
	struct cc_expr *all = NULL;
	bool ok = true;

	if (cc_yaml_empty_list(y, n, "header"))
		return NULL;
	CC_YAML_EACH(y, n, item, {
		struct cc_yaml_field f[7];
		struct cc_loc il = cc_yaml_loc(y, item);
		const char *name;
		struct cc_expr *e = NULL;
		int nops = 0;

		if (item->type != YAML_MAPPING_NODE) {
			cc_diag_report(CC_D_BAD_VALUE, il,
				       "'header' must be a mapping such as { name: X-Account, present: true }, not %s",
				       cc_yaml_what(item));
			ok = false;
			continue;
		}
		int before = cc_diag_errors();
		if (!cc_yaml_fields(y, item, "'header'", keys, f) || cc_diag_errors() != before) {
			ok = false;
			continue;
		}
		for (int i = 1; i < 7; i++)
			nops += f[i].val != NULL;
		if (!f[0].val) {
			cc_diag_report(CC_D_BAD_VALUE, il, "'header' needs the header's 'name'");
			ok = false;
			continue;
		}
		if (!cc_yaml_str(y, f[0].val, "name", &name)) {
			ok = false;
			continue;
		}
		if (!cc_yaml_is_token(name)) {
			cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, f[0].val),
				       "'%s' is not a header name (letters, digits, '-' and the other token characters)",
				       name);
			ok = false;
			continue;
		}
		if (nops != 1) {
			cc_diag_report(CC_D_BAD_VALUE, il,
				       "'header' needs exactly one of present, exact, prefix, suffix, contains or regex");
			ok = false;
			continue;
		}
		if (f[1].val) {
			struct cc_loc l = cc_yaml_loc(y, f[1].val);
			bool present;
			if (!cc_yaml_bool(y, f[1].val, "present", &present)) {
				ok = false;
				continue;
			}
			const struct cc_yaml_tmpl *t =
				cc_yaml_tmpl_find("header.present", CC_YW_MATCH | CC_YW_INTERNAL);
			struct cc_yaml_hole h = { .name = "name", .loc = l,
						  .e = cc_yaml_strlit(l, name, strlen(name)) };
			e = cc_yaml_tmpl_expr(y, "'header'", t->text, l, &h, 1);
			if (e && !present)
				e = cc_yaml_not(e, l);
		} else {
			/* Exactly one value key. */
			for (int i = 2; i < 7; i++) {
				if (!f[i].val)
					continue;
				struct cc_expr *v = cc_yaml_value(y, f[i].val, keys[i]);
				if (!v || (i == 6 && !cc_yaml_regex_ok(y, f[i].val, v))) {
					e = NULL;
					break;
				}
				struct cc_loc vl = cc_yaml_loc(y, f[i].val);
				struct cc_yaml_hole h = { .name = "name", .word = name, .loc = vl };
				struct cc_expr *s = cc_yaml_tmpl_expr(y, NULL, subject, vl, &h, 1);
				e = s ? cc_yaml_strtest(y, keys[i], s, v, vl) : NULL;
			}
		}
		if (!e) {
			ok = false;
			continue;
		}
		cc_yaml_cond_add(rule, e);
		all = cc_yaml_bin(B_AND, all, e, il);
	});
	return ok ? all : NULL;
}

/* any: [ {match}, {match} ] — true when one of the mappings matches. */
static struct cc_expr *cc_yaml_any(struct cc_yaml *y, yaml_node_t *n)
{
	struct cc_expr *all = NULL;
	bool ok = true;

	if (n->type != YAML_SEQUENCE_NODE) {
		cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, n),
			       "'any' must be a list of match mappings, not %s", cc_yaml_what(n));
		return NULL;
	}
	if (cc_yaml_empty_list(y, n, "any"))
		return NULL;
	CC_YAML_EACH(y, n, item, {
		struct cc_expr *e = cc_yaml_match(y, item, "an 'any' alternative", NULL, &ok);
		if (!e && ok) {
			cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, item),
				       "an empty alternative in 'any' matches every request");
			ok = false;
		}
		all = cc_yaml_bin(B_OR, all, e, cc_yaml_loc(y, n));
	});
	return ok ? all : NULL;
}

/* The conjunction of a match mapping's conditions (NULL: no condition, a
 * catch-all), in the order of the table's rows. Records each condition's
 * text in rule for the shadowing check. *ok turns false when something
 * was reported. */
struct cc_expr *cc_yaml_match(struct cc_yaml *y, yaml_node_t *n, const char *what,
			      struct cc_yaml_rule *rule, bool *ok)
{
	int nkeys;
	const char *const *keys = cc_yaml_table_keys(CC_YW_MATCH, &nkeys);
	struct cc_yaml_field *f = cc_alloc(sizeof *f * (size_t)(nkeys + 1));
	struct cc_expr *all = NULL;

	if (!cc_yaml_fields(y, n, what, keys, f)) {
		*ok = false;
		return NULL;
	}
	for (int i = 0; i < nkeys; i++) {
		const char *key = keys[i];
		yaml_node_t *v = f[i].val;
		const struct cc_yaml_tmpl *t = cc_yaml_tmpl_find(key, CC_YW_MATCH);
		struct cc_expr *e = NULL;

		if (!v)
			continue;
		switch (t->shape) {
		case CC_YS_STRING:
			e = cc_yaml_strmatch(y, v, key, t->text);
			break;
		case CC_YS_METHOD:
			e = cc_yaml_methods(y, v);
			break;
		case CC_YS_NETS:
			e = cc_yaml_nets(y, v, key);
			break;
		case CC_YS_HEADER:
			e = cc_yaml_header(y, v, t->text, rule);
			break;
		case CC_YS_ANY:
			e = cc_yaml_any(y, v);
			break;
		case CC_YS_HOLES:
			if (!cc_yaml_apply(y, key, f[i].key_loc, v, CC_YW_MATCH, NULL, NULL, &e))
				e = NULL;
			break;
		}
		if (!e) {
			*ok = false;
			continue;
		}
		/* One && chain, left to right, located at the match key. */
		all = cc_yaml_bin(B_AND, all, e, cc_yaml_loc(y, n));
		if (t->shape != CC_YS_HEADER)
			cc_yaml_cond_add(rule, e);
	}
	return all;
}

/* Requirements, in the order of the table's rows: loop detection, then
 * who may send, then who the sender is. Each one that fails answers and
 * ends the request. */
bool cc_yaml_require(struct cc_yaml *y, yaml_node_t *n, const char *what,
		     struct cc_yaml_block *out)
{
	int nkeys;
	const char *const *keys = cc_yaml_table_keys(CC_YW_REQUIRE, &nkeys);
	struct cc_yaml_field *f = cc_alloc(sizeof *f * (size_t)(nkeys + 1));
	int auth = -1;
	bool ok = true;

	if (!cc_yaml_fields(y, n, what, keys, f))
		return false;
	for (int i = 0; i < nkeys; i++)
		if (strcmp(keys[i], "auth") == 0)
			auth = i;
	for (int i = 0; i < nkeys; i++) {
		const char *key = keys[i];
		yaml_node_t *v = f[i].val;

		if (!v)
			continue;
		/* identity and consume_credentials act on the credentials
		 * 'auth' checked: without it the first would refuse every
		 * request and the second do nothing. */
		if ((strcmp(key, "identity") == 0 || strcmp(key, "consume_credentials") == 0) &&
		    (auth < 0 || !f[auth].val)) {
			cc_diag_report(CC_D_BAD_VALUE, f[i].key_loc,
				       "'%s' needs 'auth' in the same require: it acts on the checked credentials",
				       key);
			ok = false;
			continue;
		}
		if (strcmp(key, "trusted") == 0) {
			struct cc_expr *e = cc_yaml_nets(y, v, key);
			struct cc_loc l = cc_yaml_loc(y, v);
			struct cc_yaml_hole h = { .name = "ok", .e = e, .loc = l };
			const struct cc_yaml_tmpl *t = cc_yaml_tmpl_find(key, CC_YW_REQUIRE);
			struct cc_stmt *st = e ? cc_yaml_tmpl_stmts(y, "require 'trusted'", t->text, l, &h, 1)
					       : NULL;
			if (!st)
				ok = false;
			cc_yaml_add(out, st);
			continue;
		}
		if (!cc_yaml_apply(y, key, cc_yaml_loc(y, v), v, CC_YW_REQUIRE, out, NULL, NULL))
			ok = false;
	}
	return ok;
}
