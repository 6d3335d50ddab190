/* The routes of a YAML policy: the rule list (one if / else if chain in
 * "route request", checked for shadowed rules and a missing catch-all),
 * failure routes (with the gateway failover routes gateway_group needs),
 * reply routes and timer routes. What their keys mean is in the table
 * (yaml_table.c); this is the structure around it. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "yaml_int.h"

/* ---- rules ---- */

/* "rule 3" or "rule 3 ('name')" */
static const char *cc_yaml_rule_desc(const struct cc_yaml_rule *r)
{
	size_t n = (r->name ? strlen(r->name) : 0) + 32;
	char *buf = cc_alloc(n);

	if (r->name)
		snprintf(buf, n, "rule %d ('%s')", r->index, r->name);
	else
		snprintf(buf, n, "rule %d", r->index);
	return buf;
}

/* allow: open_relay, or a list of them: what "@allow(...)" says in the
 * language, for every statement of the rule's action. */
unsigned cc_yaml_allow(struct cc_yaml *y, yaml_node_t *n)
{
	yaml_node_item_t *items = NULL, *end = NULL;
	yaml_node_item_t one;
	unsigned allow = 0;

	if (n->type == YAML_SEQUENCE_NODE) {
		items = n->data.sequence.items.start;
		end = n->data.sequence.items.top;
	} else {
		one = (yaml_node_item_t)(n - y->doc.nodes.start + 1);
		items = &one;
		end = &one + 1;
	}
	for (; items < end; items++) {
		yaml_node_t *v = cc_yaml_node(y, *items);
		const char *name;
		if (!cc_yaml_str(y, v, "allow", &name))
			continue;
		unsigned bit = cc_allow_from_name(name);
		if (!bit) {
			struct cc_suggest sg;
			cc_suggest_init(&sg, name);
			for (int k = 0; cc_allow_names[k]; k++)
				cc_suggest_add(&sg, cc_allow_names[k]);
			cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, v), "unknown check '%s' in 'allow'%s",
				       name, cc_suggest_text(&sg));
			cc_diag_note((struct cc_loc){0},
				     "'allow' takes open_relay, toll_fraud, unauth_register or no_final");
		}
		allow |= bit;
	}
	return allow;
}

/* One rule: the condition (NULL for a catch-all) and its body. */
static struct cc_stmt *cc_yaml_rule(struct cc_yaml *y, yaml_node_t *n, struct cc_yaml_rule *rule,
				    struct cc_expr **cond)
{
	static const char *const keys[] = { "name", "match", "require", "action", "allow", NULL };
	struct cc_yaml_field f[5];
	unsigned allow = 0;
	struct cc_yaml_block body = { 0 };
	int errors = cc_diag_errors();
	bool ok = true;

	rule->loc = cc_yaml_loc(y, n);
	rule->loc.len = 1;
	*cond = NULL;
	if (!cc_yaml_fields(y, n, "a rule", keys, f))
		return NULL;
	if (f[0].val && !cc_yaml_str(y, f[0].val, "name", &rule->name))
		ok = false;
	if (f[1].val && !cc_yaml_is_null(f[1].val)) {
		int before = cc_diag_errors();
		*cond = cc_yaml_match(y, f[1].val, "a rule's match", rule, &ok);
		/* A match with errors (an unknown key is one) must not turn
		 * into a catch-all: keep the rule in the chain under a
		 * condition that never holds, so sema still checks its action. */
		if (cc_diag_errors() != before) {
			*cond = cc_expr_new(E_BOOL, cc_yaml_loc(y, f[1].val));
			(*cond)->u.ival = 0;
		}
	}
	if (f[2].val && !cc_yaml_require(y, f[2].val, "a rule's require", &body))
		ok = false;
	if (!f[3].val) {
		cc_diag_report(CC_D_BAD_VALUE, rule->loc, "%s has no 'action'",
			       cc_yaml_rule_desc(rule));
		ok = false;
	} else if (!cc_yaml_action(y, f[3].val, rule, &body)) {
		ok = false;
	}
	if (f[4].val)
		allow = cc_yaml_allow(y, f[4].val);
	/* Only a rule that lowered cleanly takes part in the checks of the
	 * rule list: a half-read rule would make them guess. */
	rule->ok = ok && cc_diag_errors() == errors;
	struct cc_stmt *st = cc_yaml_block_stmt(rule->loc, &body);
	if (st && st->kind == S_BLOCK)
		for (struct cc_stmt *t = st->u.block.first; t; t = t->next)
			t->allow |= allow;
	else if (st)
		st->allow |= allow;
	return st;
}

/* Whole-policy checks of the rule list. A later rule is shadowed when an
 * earlier one has a subset of its conditions: whenever the later one
 * would match, the earlier matched first (the first match wins, and a
 * require that fails ends the request too). Conditions are compared as
 * printed DSL, so two ways to write the same test are not recognised:
 * some shadowing goes unreported, but what is reported is real. */
static void cc_yaml_rules_check(struct cc_yaml *y, struct cc_loc rules_loc)
{
	for (int j = 1; j < y->nrules; j++) {
		struct cc_yaml_rule *b = &y->rules[j];
		if (!b->ok)
			continue;
		for (int i = 0; i < j; i++) {
			struct cc_yaml_rule *a = &y->rules[i];
			/* A rule that continues lets every request go on. */
			bool subset = a->ok && !a->cont;
			for (int k = 0; subset && k < a->nconds; k++) {
				bool found = false;
				for (int m = 0; !found && m < b->nconds; m++)
					found = strcmp(a->conds[k], b->conds[m]) == 0;
				subset = found;
			}
			if (!subset)
				continue;
			cc_diag_report(CC_D_SHADOWED_RULE, b->loc,
				       "%s can never match: %s before it matches every request it would",
				       cc_yaml_rule_desc(b), cc_yaml_rule_desc(a));
			if (a->nconds == 0)
				cc_diag_note(a->loc, "%s has no match: it takes every request",
					     cc_yaml_rule_desc(a));
			else
				cc_diag_note(a->loc, "%s is here", cc_yaml_rule_desc(a));
			break;
		}
	}
	if (y->nrules == 0) {
		cc_diag_report(CC_D_NO_CATCH_ALL, rules_loc,
			       "no rules: every request is dropped without a reply");
		return;
	}
	struct cc_yaml_rule *last = &y->rules[y->nrules - 1];
	if (last->ok && last->cont) {
		cc_diag_report(CC_D_NO_CATCH_ALL, last->loc,
			       "the last rule continues: a request no later rule takes is dropped without a reply");
		cc_diag_note((struct cc_loc){0},
			     "end the rules with one that has no match, e.g. 'action: { reply: 404 }'");
	} else if (last->ok && last->nconds > 0) {
		cc_diag_report(CC_D_NO_CATCH_ALL, last->loc,
			       "the last rule has a match: a request no rule matches is dropped without a reply");
		cc_diag_note((struct cc_loc){0},
			     "end the rules with one that has no match, e.g. 'action: { reply: 404 }'");
	}
}

/* The index of the last rule whose action continues (-1: none), read
 * ahead so the rules before it can be made to end the request. */
static int cc_yaml_last_continue(struct cc_yaml *y, yaml_node_t *rules)
{
	int last = -1, i = 0;

	for (yaml_node_item_t *it = rules->data.sequence.items.start;
	     it < rules->data.sequence.items.top; it++, i++) {
		yaml_node_t *r = cc_yaml_node(y, *it), *a = NULL;
		if (r->type != YAML_MAPPING_NODE)
			continue;
		for (yaml_node_pair_t *pr = r->data.mapping.pairs.start; pr < r->data.mapping.pairs.top; pr++) {
			yaml_node_t *k = cc_yaml_node(y, pr->key);
			if (k->type == YAML_SCALAR_NODE && strcmp(cc_yaml_scalar(k), "action") == 0)
				a = cc_yaml_node(y, pr->value);
		}
		if (!a || a->type != YAML_MAPPING_NODE)
			continue;
		for (yaml_node_pair_t *pr = a->data.mapping.pairs.start; pr < a->data.mapping.pairs.top; pr++) {
			yaml_node_t *k = cc_yaml_node(y, pr->key);
			if (k->type == YAML_SCALAR_NODE && strcmp(cc_yaml_scalar(k), "continue") == 0)
				last = i;
		}
	}
	return last;
}

/* Append "exit" to a rule's body unless it ends the request already. */
static void cc_yaml_end_rule(struct cc_stmt *body, struct cc_loc loc)
{
	struct cc_stmt *last = NULL;

	if (body->kind != S_BLOCK)
		return;
	for (struct cc_stmt *t = body->u.block.first; t; t = t->next)
		last = t;
	if (last && (last->kind == S_EXIT || last->kind == S_DROP))
		return;
	struct cc_stmt *e = cc_stmt_new(S_EXIT, loc);
	if (last)
		last->next = e;
	else
		body->u.block.first = e;
}

/* Add a finished if / else if chain (or a rule without a condition,
 * whose body is added as it is) to the route body. */
static void cc_yaml_chain_add(struct cc_yaml_block *body, struct cc_stmt *chain)
{
	if (chain && chain->kind == S_BLOCK)
		cc_yaml_add(body, chain->u.block.first);
	else
		cc_yaml_add(body, chain);
}

/* rules: -> route request { REQUIRE... if (r1) {...} else if (r2) {...} else {...} } */
void cc_yaml_rules(struct cc_yaml *y, yaml_node_t *n, struct cc_loc key_loc,
			  yaml_node_t *require)
{
	struct cc_yaml_block body = { 0 };
	struct cc_stmt *chain = NULL, *tail = NULL;
	int nitems;

	if (require)
		cc_yaml_require(y, require, "the policy's require", &body);
	if (n->type != YAML_SEQUENCE_NODE) {
		cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, n), "'rules' must be a list of rules, not %s",
			       cc_yaml_what(n));
		return;
	}
	nitems = (int)(n->data.sequence.items.top - n->data.sequence.items.start);
	y->rules = cc_alloc(sizeof *y->rules * (size_t)(nitems + 1));
	int last_cont = cc_yaml_last_continue(y, n);
	for (int i = 0; i < nitems; i++) {
		yaml_node_t *item = cc_yaml_node(y, n->data.sequence.items.start[i]);
		struct cc_yaml_rule *rule = &y->rules[y->nrules++];
		struct cc_expr *cond;
		struct cc_stmt *st;

		rule->index = i + 1;
		st = cc_yaml_rule(y, item, rule, &cond);
		if (!st)
			continue;
		/* A catch-all becomes the final else; rules after it are
		 * reported as shadowed and dropped from the chain. */
		if (tail && tail->kind != S_IF)
			continue;
		/* Before a rule that continues, a rule that matched must end
		 * the request, or it would run into the later rules. */
		if (!rule->cont && i < last_cont)
			cc_yaml_end_rule(st, rule->loc);
		if (cond) {
			struct cc_stmt *s = cc_stmt_new(S_IF, rule->loc);
			s->u.if_.cond = cond;
			s->u.if_.then = st;
			st = s;
		}
		if (rule->cont) {
			/* It closes the chain so far; the next rules start a new one. */
			cc_yaml_chain_add(&body, chain);
			chain = tail = NULL;
			cc_yaml_chain_add(&body, st);
			continue;
		}
		if (!chain)
			chain = st;
		else
			tail->u.if_.els = st;
		tail = st;
	}
	cc_yaml_rules_check(y, key_loc);
	cc_yaml_chain_add(&body, chain);

	struct cc_route *r = cc_alloc(sizeof *r), **rt;
	r->kind = CC_RK_REQUEST;
	r->name = "request";
	r->body = cc_yaml_block_stmt(key_loc, &body);
	r->loc = key_loc;
	r->index = y->p->nroutes++;
	for (rt = &y->p->routes; *rt; rt = &(*rt)->next)
		;
	*rt = r;
}

/* status: the final statuses a failure route handles, as the regular
 * expression t_check_status() takes: "486|408", "5[0-9][0-9]", a code, or
 * a list of those (joined with '|'). NULL after an error. */
static struct cc_expr *cc_yaml_failure_status(struct cc_yaml *y, yaml_node_t *n)
{
	struct cc_loc l = cc_yaml_loc(y, n);
	size_t len = 0, cap = 64;
	char *pat = cc_alloc(cap);
	bool ok = !cc_yaml_empty_list(y, n, "status");

	pat[0] = '\0';
	CC_YAML_EACH(y, n, item, {
		const char *s;
		if (!cc_yaml_str(y, item, "status", &s)) {
			ok = false;
			continue;
		}
		size_t k = strlen(s);
		if (!k) {
			cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, item), "'status' is empty");
			ok = false;
			continue;
		}
		if (len + k + 2 > cap) {
			char *np = cc_alloc(cap = 2 * (len + k + 2));
			memcpy(np, pat, len + 1);
			pat = np;
		}
		if (len)
			pat[len++] = '|';
		memcpy(pat + len, s, k + 1);
		len += k;
	});
	if (!ok)
		return NULL;
	struct cc_expr *re = cc_yaml_strlit(l, pat, len);
	if (!cc_yaml_regex_ok(y, n, re))
		return NULL;
	return re;
}

/* The body of one failure route of failure_routes. False after an error;
 * *skip also when the route cannot be made at all.
 *
 * What it does is guarded: a route never acts on a call the caller
 * cancelled (it would otherwise log a failure or try to relay a call
 * nobody waits for; t_relay() refuses there anyway), and with 'status'
 * only when the final status matches:
 *   if (!t_was_cancelled() && t_check_status(STATUS)) { ... } */
static bool cc_yaml_failure_body(struct cc_yaml *y, yaml_node_t *v, struct cc_yaml_block *body,
				 bool *skip)
{
	static const char *const extra[] = { "status" };
	struct cc_yaml_field st[1];
	struct cc_yaml_block then = { 0 };
	struct cc_expr *status = NULL;
	int errors = cc_diag_errors();

	*skip = true;
	if (v->type != YAML_MAPPING_NODE) {
		cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, v), "a failure route must be a mapping, not %s",
			       cc_yaml_what(v));
		return false;
	}
	*skip = false;
	bool ok = cc_yaml_steps(y, v, "a failure route", CC_YW_FAILURE, extra, 1, st, NULL, &then);
	if (st[0].val && !(status = cc_yaml_failure_status(y, st[0].val)))
		return false;
	if (!ok)
		return false;
	struct cc_loc l = cc_yaml_loc(y, v);
	const struct cc_yaml_tmpl *g = cc_yaml_tmpl_find("failure.guard", CC_YW_MATCH | CC_YW_INTERNAL);
	struct cc_expr *cond = cc_yaml_tmpl_expr(y, "a failure route", g->text, l, NULL, 0);
	if (status) {
		const struct cc_yaml_tmpl *t = cc_yaml_tmpl_find("status", CC_YW_MATCH);
		struct cc_yaml_hole h = { .name = "status", .e = status, .loc = status->loc };
		cond = cc_yaml_bin(B_AND, cond, cc_yaml_tmpl_expr(y, "'status'", t->text, l, &h, 1), l);
	}
	cc_yaml_add(body, cc_yaml_if(l, cond, &then));
	return cc_diag_errors() == errors;
}

/* The failover routes gateway_group actions arm (the row gateway_failover
 * of the table, with the route itself and what failure route NAME of
 * failure_routes does):
 *   route failure gateway_failover[_NAME] {
 *       if ($rs == 408 || $rs >= 500 && $rs < 600) {
 *           if (use_next_gw()) { t_on_failure(<itself>); t_relay(); exit; }
 *       }
 *       <what failure route NAME of failure_routes does>
 *   }
 * The rule's own failure route must come from failure_routes: its body is
 * lowered again here (a route from an included file cannot be copied). */
void cc_yaml_failover_routes(struct cc_yaml *y)
{
	for (int i = 0; i < y->nfailover; i++) {
		const struct cc_yaml_failover *fo = &y->failover[i];
		const char *name = cc_yaml_failover_name(fo->on_failure);
		struct cc_loc l = fo->loc;
		struct cc_yaml_block body = { 0 }, own_body = { 0 };
		yaml_node_t *own = NULL;

		if (fo->on_failure) {
			bool lowered = false;
			for (int k = 0; k < y->nfailure_ok; k++)
				lowered |= strcmp(y->failure_ok[k], fo->on_failure) == 0;
			if (y->failure_routes)
				for (yaml_node_pair_t *pr = y->failure_routes->data.mapping.pairs.start;
				     pr < y->failure_routes->data.mapping.pairs.top; pr++) {
					yaml_node_t *k = cc_yaml_node(y, pr->key);
					if (k->type == YAML_SCALAR_NODE &&
					    strcmp(cc_yaml_scalar(k), fo->on_failure) == 0)
						own = cc_yaml_node(y, pr->value);
				}
			if (!own) {
				cc_diag_report(CC_D_BAD_VALUE, l,
					       "with 'gateway_group', 'on_failure' must name a route of 'failure_routes'");
				cc_diag_note((struct cc_loc){0},
					     "the gateway failover runs first, then what that route does");
			} else if (!lowered) {
				own = NULL;     /* its errors are reported already */
			}
		}
		bool skip;
		if (own && !cc_yaml_failure_body(y, own, &own_body, &skip))
			continue;
		const struct cc_yaml_tmpl *t = cc_yaml_tmpl_find("gateway_failover",
								 CC_YW_FAILURE | CC_YW_INTERNAL);
		struct cc_yaml_hole h[2] = {
			{ .name = "self", .word = name, .loc = l },
			{ .name = "own", .st = own_body.first, .loc = l },
		};
		struct cc_stmt *st = cc_yaml_tmpl_stmts(y, "'gateway_group'", t->text, l, h, 2);
		if (!st)
			continue;
		cc_yaml_add(&body, st);
		cc_yaml_add_route(y, CC_RK_FAILURE, name, l, &body);
	}
}

/* failure_routes: {NAME: {status, the steps of the table's failure rows,
 * reply or relay}} -> route failure NAME { if (...) { ... } } */
void cc_yaml_failure_routes(struct cc_yaml *y, yaml_node_t *n)
{
	if (n->type != YAML_MAPPING_NODE) {
		cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, n),
			       "'failure_routes' must map route names to actions, not %s", cc_yaml_what(n));
		return;
	}
	y->failure_routes = n;
	y->failure_ok = cc_alloc(sizeof *y->failure_ok *
				 (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start + 1));
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = cc_yaml_node(y, pr->key), *v = cc_yaml_node(y, pr->value);
		struct cc_yaml_block body = { 0 };
		struct cc_loc kl = cc_yaml_loc(y, k);
		const char *name;

		if (!cc_yaml_str(y, k, "failure route name", &name))
			continue;
		if (!cc_yaml_is_word(name, strlen(name))) {
			cc_diag_report(CC_D_BAD_VALUE, kl, "'%s' is not a route name (letters, digits, _)", name);
			continue;
		}
		bool skip;
		if (cc_yaml_failure_body(y, v, &body, &skip))
			y->failure_ok[y->nfailure_ok++] = name;
		else if (skip)
			continue;
		/* A route only gateway_group rules name lives on inside their
		 * failover route; made on its own too it would be unused. */
		bool direct = false, failover = false;
		for (int i = 0; i < y->ndirect; i++)
			direct |= strcmp(y->direct[i], name) == 0;
		for (int i = 0; i < y->nfailover; i++)
			failover |= y->failover[i].on_failure && strcmp(y->failover[i].on_failure, name) == 0;
		if (failover && !direct)
			continue;
		cc_yaml_add_route(y, CC_RK_FAILURE, name, kl, &body);
	}
}

/* A mapping of route names to their keys; each name must be a word. */
static bool cc_yaml_route_name(struct cc_yaml *y, yaml_node_t *k, const char *what,
			       const char **name)
{
	if (!cc_yaml_str(y, k, what, name))
		return false;
	if (!cc_yaml_is_word(*name, strlen(*name))) {
		cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, k),
			       "'%s' is not a route name (letters, digits, _)", *name);
		return false;
	}
	return true;
}

/* reply_routes: {NAME: {status, the steps of the table's reply rows}} ->
 *   route reply NAME { [if (t_check_status(STATUS))] { ... } }
 * A rule arms one with on_reply: NAME. */
void cc_yaml_reply_routes(struct cc_yaml *y, yaml_node_t *n)
{
	static const char *const extra[] = { "status" };

	if (n->type != YAML_MAPPING_NODE) {
		cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, n),
			       "'reply_routes' must map route names to their steps, not %s",
			       cc_yaml_what(n));
		return;
	}
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = cc_yaml_node(y, pr->key), *v = cc_yaml_node(y, pr->value);
		struct cc_yaml_field st[1];
		struct cc_yaml_block body = { 0 }, then = { 0 };
		struct cc_loc kl = cc_yaml_loc(y, k);
		const char *name;

		if (!cc_yaml_route_name(y, k, "reply route name", &name))
			continue;
		if (!cc_yaml_steps(y, v, "a reply route", CC_YW_REPLY, extra, 1, st, NULL, &then))
			continue;
		if (st[0].val) {
			struct cc_expr *status = cc_yaml_failure_status(y, st[0].val);
			const struct cc_yaml_tmpl *t = cc_yaml_tmpl_find("status", CC_YW_MATCH);
			if (!status)
				continue;
			struct cc_yaml_hole h = { .name = "status", .e = status, .loc = status->loc };
			struct cc_expr *c = cc_yaml_tmpl_expr(y, "'status'", t->text, kl, &h, 1);
			if (!c)
				continue;
			cc_yaml_add(&body, cc_yaml_if(kl, c, &then));
		} else {
			cc_yaml_add(&body, then.first);
		}
		cc_yaml_add_route(y, CC_RK_REPLY, name, kl, &body);
	}
}

/* every: 30s | 500ms | 5m | 1h (a number alone is seconds), as the
 * language's "route timer NAME every 30s". */
static bool cc_yaml_every(struct cc_yaml *y, yaml_node_t *n, int64_t *ms)
{
	static const struct { const char *unit; int64_t ms; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 }, { "", 1000 },
	};
	const char *s = n->type == YAML_SCALAR_NODE ? cc_yaml_scalar(n) : "";
	char *end;
	long v = isdigit((unsigned char)*s) ? strtol(s, &end, 10) : -1;

	for (size_t i = 0; v > 0 && i < sizeof units / sizeof *units; i++) {
		if (strcmp(end, units[i].unit) == 0 && v <= INT32_MAX) {
			*ms = (int64_t)v * units[i].ms;
			return true;
		}
	}
	cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, n),
		       "'every' must be a period such as 30s, 500ms, 5m or 1h, not %s", cc_yaml_what(n));
	return false;
}

/* timers: {NAME: {every: PERIOD, the steps of the table's timer rows}} ->
 *   route timer NAME every PERIOD { ... } */
void cc_yaml_timers(struct cc_yaml *y, yaml_node_t *n)
{
	static const char *const extra[] = { "every" };

	if (n->type != YAML_MAPPING_NODE) {
		cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, n),
			       "'timers' must map route names to their steps, not %s", cc_yaml_what(n));
		return;
	}
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = cc_yaml_node(y, pr->key), *v = cc_yaml_node(y, pr->value);
		struct cc_yaml_field ev[1];
		struct cc_yaml_block body = { 0 };
		struct cc_loc kl = cc_yaml_loc(y, k);
		const char *name;
		int64_t ms = 0;

		if (!cc_yaml_route_name(y, k, "timer name", &name))
			continue;
		if (!cc_yaml_steps(y, v, "a timer", CC_YW_TIMER, extra, 1, ev, NULL, &body))
			continue;
		if (!ev[0].val) {
			cc_diag_report(CC_D_BAD_VALUE, kl, "timer '%s' needs 'every' (e.g. every: 30s)", name);
			continue;
		}
		if (!cc_yaml_every(y, ev[0].val, &ms))
			continue;
		cc_yaml_add_route(y, CC_RK_TIMER, name, kl, &body);
		for (struct cc_route *r = y->p->routes; r; r = r->next)
			if (r->kind == CC_RK_TIMER && strcmp(r->name, name) == 0)
				r->every_ms = ms;
	}
}

/* events: {MODULE.EVENT: {the steps of the table's event rows}} ->
 *   route event MODULE.EVENT { ... }
 * The event's parameters are variables the steps reach as ${NAME}. */
void cc_yaml_events(struct cc_yaml *y, yaml_node_t *n)
{
	if (n->type != YAML_MAPPING_NODE) {
		cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, n),
			       "'events' must map event names (MODULE.EVENT) to their steps, not %s",
			       cc_yaml_what(n));
		return;
	}
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = cc_yaml_node(y, pr->key), *v = cc_yaml_node(y, pr->value);
		struct cc_yaml_block body = { 0 };
		const char *name, *dot;

		if (!cc_yaml_str(y, k, "event name", &name))
			continue;
		dot = strchr(name, '.');
		if (!dot || !cc_yaml_is_word(name, (size_t)(dot - name)) ||
		    !cc_yaml_is_word(dot + 1, strlen(dot + 1))) {
			cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, k),
				       "'%s' is not an event name (MODULE.EVENT, e.g. registrar.contact_expired)",
				       name);
			continue;
		}
		if (!cc_yaml_steps(y, v, "an event route", CC_YW_EVENT, NULL, 0, NULL, NULL, &body))
			continue;
		cc_yaml_add_route(y, CC_RK_EVENT, name, cc_yaml_loc(y, k), &body);
	}
}

/* branch_routes: {NAME: {the steps of the table's branch rows, drop}} ->
 *   route branch NAME { ... }
 * A rule arms one with on_branch: NAME; it runs for each branch before it
 * is sent ('drop: true' discards the branch). */
void cc_yaml_branch_routes(struct cc_yaml *y, yaml_node_t *n)
{
	if (n->type != YAML_MAPPING_NODE) {
		cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, n),
			       "'branch_routes' must map route names to their steps, not %s",
			       cc_yaml_what(n));
		return;
	}
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = cc_yaml_node(y, pr->key), *v = cc_yaml_node(y, pr->value);
		struct cc_yaml_block body = { 0 };
		const char *name;

		if (!cc_yaml_route_name(y, k, "branch route name", &name))
			continue;
		if (!cc_yaml_steps(y, v, "a branch route", CC_YW_BRANCH, NULL, 0, NULL, NULL, &body))
			continue;
		cc_yaml_add_route(y, CC_RK_BRANCH, name, cc_yaml_loc(y, k), &body);
	}
}
