/* The action of a YAML rule, and the steps failure, reply and timer
 * routes share with it. Every key is a row of yaml_table.c, lowered in
 * the table's order; this file checks that an action decides exactly
 * once what happens to the request, and keeps the bookkeeping of the
 * failure routes rules arm (a gateway_group's failover route runs the
 * rule's own failure route). */
#include <stdio.h>
#include <string.h>
#include "yaml_int.h"

/* The failure route a gateway_group action arms: it moves the call to
 * the next gateway when one fails with 408 or 5xx, then (with
 * on_failure) does what the rule's own failure route does. */
const char *cc_yaml_failover_name(const char *on_failure)
{
	char *buf;

	if (!on_failure)
		return "gateway_failover";
	buf = cc_alloc(strlen(on_failure) + 32);
	sprintf(buf, "gateway_failover_%s", on_failure);
	return buf;
}

/* A failure route a rule arms itself: the route is needed as it is, not
 * only inside a gateway failover route. */
static void cc_yaml_note_direct(struct cc_yaml *y, const char *name)
{
	if (y->ndirect == y->capdirect) {
		int cap = y->capdirect ? y->capdirect * 2 : 8;
		const char **n = cc_alloc(sizeof *n * (size_t)cap);
		if (y->ndirect)
			memcpy(n, y->direct, sizeof *n * (size_t)y->ndirect);
		y->direct = n;
		y->capdirect = cap;
	}
	y->direct[y->ndirect++] = name;
}

/* Remember that the failover route for on_failure (NULL: none) is needed. */
static void cc_yaml_want_failover(struct cc_yaml *y, const char *on_failure, struct cc_loc loc)
{
	for (int i = 0; i < y->nfailover; i++)
		if ((!on_failure && !y->failover[i].on_failure) ||
		    (on_failure && y->failover[i].on_failure &&
		     strcmp(on_failure, y->failover[i].on_failure) == 0))
			return;
	if (y->nfailover == y->capfailover) {
		int cap = y->capfailover ? y->capfailover * 2 : 4;
		struct cc_yaml_failover *n = cc_alloc(sizeof *n * (size_t)cap);
		if (y->nfailover)
			memcpy(n, y->failover, sizeof *n * (size_t)y->nfailover);
		y->failover = n;
		y->capfailover = cap;
	}
	y->failover[y->nfailover++] = (struct cc_yaml_failover){ on_failure, loc };
}

/* t_on_failure(name) at loc, by the table's on_failure row. */
static struct cc_stmt *cc_yaml_arm(struct cc_yaml *y, const char *name, struct cc_loc loc)
{
	const struct cc_yaml_tmpl *t = cc_yaml_tmpl_find("on_failure", CC_YW_RULE);
	struct cc_yaml_hole h = { .name = "route", .word = name, .loc = loc };

	return cc_yaml_tmpl_stmts(y, "'on_failure'", t->text, loc, &h, 1);
}

/* "reply, relay and drop": the keys that decide, for messages. */
static const char *cc_yaml_finals_text(unsigned where, const char *last)
{
	int n;
	const char *const *keys = cc_yaml_table_keys(where, &n);
	const char *fin[64];
	int nf = 0;
	size_t len = 16;

	for (int i = 0; i < n; i++) {
		const struct cc_yaml_tmpl *t = cc_yaml_tmpl_find(keys[i], where);
		if (t && (t->where & CC_YW_FINAL) && nf < 64) {
			fin[nf++] = keys[i];
			len += strlen(keys[i]) + 6;
		}
	}
	char *s = cc_alloc(len);
	for (int i = 0; i < nf; i++) {
		if (i)
			strcat(s, i + 1 == nf ? last : ", ");
		strcat(s, fin[i]);
	}
	return s;
}

/* The keys of n that the table has for where, lowered in the table's
 * order into out; extra[0..nextra) are keys the caller reads itself
 * (their values in extra_out). At most one key decides (CC_YW_FINAL);
 * with rule (a rule's action) exactly one must, and gateway_group and
 * on_failure keep their bookkeeping. A final's tail comes after the
 * steps below it. False after an error. */
bool cc_yaml_steps(struct cc_yaml *y, yaml_node_t *n, const char *what, unsigned where,
		   const char *const *extra, int nextra, struct cc_yaml_field *extra_out,
		   struct cc_yaml_rule *rule, struct cc_yaml_block *out)
{
	int nkeys, errors = cc_diag_errors(), final = -1;
	const char *const *tkeys = cc_yaml_table_keys(where, &nkeys);
	const char **keys = cc_alloc(sizeof *keys * (size_t)(nkeys + nextra + 1));
	struct cc_yaml_field *f = cc_alloc(sizeof *f * (size_t)(nkeys + nextra + 1));
	struct cc_yaml_block tail = { 0 };
	bool ok = true, is_rule = (where & CC_YW_RULE) != 0;

	memcpy(keys, tkeys, sizeof *keys * (size_t)nkeys);
	for (int i = 0; i < nextra; i++) {
		keys[nkeys + i] = extra[i];
		extra_out[i] = (struct cc_yaml_field){ 0 };
	}
	keys[nkeys + nextra] = NULL;
	if (!cc_yaml_fields(y, n, what, keys, f))
		return false;
	for (int i = 0; i < nextra; i++)
		extra_out[i] = f[nkeys + i];
	/* After an unknown key, "needs one of" would only repeat it. */
	if (cc_diag_errors() != errors)
		ok = false;
	for (int i = 0; i < nkeys; i++) {
		const struct cc_yaml_tmpl *t = cc_yaml_tmpl_find(keys[i], where);
		if (!f[i].val || !(t->where & CC_YW_FINAL))
			continue;
		if (final >= 0) {
			cc_diag_report(CC_D_BAD_VALUE, f[i].key_loc, "%s can do only one of %s", what,
				       cc_yaml_finals_text(where, " and "));
			cc_diag_note(f[final].key_loc, "'%s' is already given here", keys[final]);
			ok = false;
			continue;
		}
		final = i;
	}
	if (is_rule && final < 0 && ok) {
		cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, n), "%s needs one of %s", what,
			       cc_yaml_finals_text(where, " or "));
		ok = false;
	}
	if (is_rule && final < 0)
		return false;

	const char *final_key = final >= 0 ? keys[final] : "";
	const char *on_failure = NULL;
	struct cc_loc of_loc = { 0 };
	for (int i = 0; i < nkeys; i++) {
		const char *key = keys[i];
		yaml_node_t *v = f[i].val;

		if (!v)
			continue;
		/* The decision is lowered only when what prepares it was. */
		if (i == final && (!ok || cc_diag_errors() != errors))
			return false;
		if (is_rule && strcmp(key, "on_failure") == 0) {
			/* gateway_group arms its own failure route, which runs
			 * this one. */
			of_loc = cc_yaml_loc(y, v);
			if (!cc_yaml_str(y, v, "on_failure", &on_failure)) {
				ok = false;
			} else if (strcmp(final_key, "gateway_group") != 0) {
				struct cc_stmt *st = cc_yaml_arm(y, on_failure, of_loc);
				cc_yaml_note_direct(y, on_failure);
				ok &= st != NULL;
				cc_yaml_add(out, st);
			}
			continue;
		}
		if (is_rule && strcmp(key, "gateway_group") == 0) {
			/* @arm(): the failover route, or the rule's own failure
			 * route when there is no failover. */
			bool failover = true;
			if (v->type == YAML_MAPPING_NODE)
				for (yaml_node_pair_t *pr = v->data.mapping.pairs.start;
				     pr < v->data.mapping.pairs.top; pr++) {
					yaml_node_t *k = cc_yaml_node(y, pr->key);
					bool b;
					if (k->type == YAML_SCALAR_NODE &&
					    strcmp(cc_yaml_scalar(k), "failover") == 0 &&
					    cc_yaml_bool(y, cc_yaml_node(y, pr->value), "failover", &b))
						failover = b;
				}
			struct cc_yaml_block arm = { 0 };
			const char *armed = failover ? cc_yaml_failover_name(on_failure) : on_failure;
			if (armed)
				cc_yaml_add(&arm, cc_yaml_arm(y, armed, failover ? f[i].key_loc : of_loc));
			struct cc_yaml_hole h = { .name = "arm", .st = arm.first };
			struct cc_yaml_block g = { 0 };
			if (!cc_yaml_apply_extra(y, key, f[i].key_loc, v, where, &h, 1, &g, &tail, NULL)) {
				ok = false;
				continue;
			}
			if (failover)
				cc_yaml_want_failover(y, on_failure, on_failure ? of_loc : f[i].key_loc);
			else if (on_failure)
				cc_yaml_note_direct(y, on_failure);
			cc_yaml_add(out, g.first);
			continue;
		}
		if (!cc_yaml_apply(y, key, f[i].key_loc, v, where, out, &tail, NULL)) {
			ok = false;
			continue;
		}
		if (is_rule && strcmp(key, "continue") == 0 && rule)
			rule->cont = true;
	}
	cc_yaml_add(out, tail.first);
	return ok && cc_diag_errors() == errors;
}

/* A rule's action. */
bool cc_yaml_action(struct cc_yaml *y, yaml_node_t *n, struct cc_yaml_rule *rule,
		    struct cc_yaml_block *out)
{
	return cc_yaml_steps(y, n, "a rule's action", CC_YW_RULE, NULL, 0, NULL, rule, out);
}
