/* The inside of the YAML front end, shared by its parts:
 *
 *   yaml.c           the document: loading, locations, scalars and values,
 *                    the top-level keys
 *   yaml_tmpl.c      DSL templates: a table row's text parsed by the
 *                    language's own parser, its holes filled from YAML
 *   yaml_table.c     the table: every key that calls the stdlib, as DSL
 *   yaml_match.c     match and require
 *   yaml_action.c    a rule's action, and the steps failure and reply
 *                    routes share with it
 *   yaml_rule.c      the rule list, failure, reply and timer routes
 *   yaml_settings.c  listen, domains, defines, gateways, modules, include,
 *                    flags, avps
 *
 * Only yaml_table.c names stdlib functions: everything else builds
 * structure (if, not, and, or, blocks) around the table's templates. */
#ifndef SIPCC_COMPILER_YAML_INT_H
#define SIPCC_COMPILER_YAML_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>
#include "ast.h"
#include "diag.h"
#include "sema.h"
#include "sema_int.h"

/* What the lowering of one rule leaves for the whole-policy checks. */
struct cc_yaml_rule {
	int index;                  /* 1-based, as the documentation counts */
	const char *name;           /* the rule's name:, or NULL */
	struct cc_loc loc;          /* the rule (its first key) */
	const char **conds;         /* each match condition, printed as DSL */
	int nconds, capconds;
	bool cont;                  /* action 'continue': the rules go on */
	bool ok;                    /* lowered without errors */
};

/* A failover route that a gateway_group action arms. */
struct cc_yaml_failover {
	const char *on_failure;     /* the rule's own failure route, or NULL */
	struct cc_loc loc;
};

struct cc_yaml {
	struct cc_program *p;
	yaml_document_t doc;
	const char *file;
	const char *dir;            /* includes are relative to the policy */
	const char *text;           /* the source, for byte columns */
	size_t len;
	size_t *lines;              /* offset of each line's first byte */
	int nlines;
	struct cc_yaml_rule *rules;
	int nrules;
	struct cc_yaml_failover *failover;
	int nfailover, capfailover;
	yaml_node_t *failure_routes;    /* the failure_routes mapping, or NULL */
	const char **failure_ok;        /* failure routes that lowered cleanly */
	int nfailure_ok;
	const char **direct;            /* failure routes rules arm themselves */
	int ndirect, capdirect;
};

/* One key of a mapping the schema knows, and what was found for it. */
struct cc_yaml_field {
	yaml_node_t *val;
	struct cc_loc key_loc;
};

/* A list of statements being built. */
struct cc_yaml_block {
	struct cc_stmt *first, *last;
};

/* ---- the document (yaml.c) ---- */

struct cc_loc cc_yaml_mark_loc(const struct cc_yaml *y, yaml_mark_t m);
struct cc_loc cc_yaml_loc(const struct cc_yaml *y, const yaml_node_t *n);
const char *cc_yaml_scalar(const yaml_node_t *n);
bool cc_yaml_plain(const yaml_node_t *n);
bool cc_yaml_is_null(const yaml_node_t *n);
bool cc_yaml_is_true(const yaml_node_t *n);
bool cc_yaml_is_false(const yaml_node_t *n);
const char *cc_yaml_what(const yaml_node_t *n);
yaml_node_t *cc_yaml_node(struct cc_yaml *y, yaml_node_item_t id);
bool cc_yaml_fields(struct cc_yaml *y, yaml_node_t *n, const char *what,
		    const char *const *keys, struct cc_yaml_field *out);
bool cc_yaml_str(struct cc_yaml *y, yaml_node_t *n, const char *key, const char **out);
bool cc_yaml_int(struct cc_yaml *y, yaml_node_t *n, const char *key, long lo, long hi,
		 long *out);
bool cc_yaml_bool(struct cc_yaml *y, yaml_node_t *n, const char *key, bool *out);
bool cc_yaml_empty_list(struct cc_yaml *y, yaml_node_t *n, const char *key);
bool cc_yaml_is_word(const char *s, size_t n);
struct cc_expr *cc_yaml_value(struct cc_yaml *y, yaml_node_t *n, const char *key);
bool cc_yaml_net_ok(const char *s);
bool cc_yaml_regex_ok(struct cc_yaml *y, yaml_node_t *n, const struct cc_expr *re);
const char *cc_yaml_reason(long code);
void cc_yaml_unknown_word(struct cc_yaml *y, struct cc_loc loc, const char *what,
			  const char *word, const char *const *words, int nwords);

/* Run the body for n, or for each item when n is a list: "method: INVITE" and
 * "method: [INVITE, BYE]" both work. */
#define CC_YAML_EACH(y, n, item, ...)                                             \
	do {                                                                      \
		if ((n)->type == YAML_SEQUENCE_NODE) {                            \
			for (yaml_node_item_t *it_ = (n)->data.sequence.items.start; \
			     it_ < (n)->data.sequence.items.top; it_++) {         \
				yaml_node_t *item = cc_yaml_node((y), *it_);      \
				__VA_ARGS__                                       \
			}                                                         \
		} else {                                                          \
			yaml_node_t *item = (n);                                  \
			do { __VA_ARGS__ } while (0);                             \
		}                                                                 \
	} while (0)

/* AST structure: no stdlib names here. */
struct cc_expr *cc_yaml_strlit(struct cc_loc loc, const char *s, size_t len);
struct cc_expr *cc_yaml_intlit(struct cc_loc loc, long v);
struct cc_expr *cc_yaml_ident(struct cc_loc loc, const char *name);
struct cc_expr *cc_yaml_bin(enum cc_binop op, struct cc_expr *l, struct cc_expr *r,
			    struct cc_loc loc);
struct cc_expr *cc_yaml_not(struct cc_expr *x, struct cc_loc loc);
void cc_yaml_add(struct cc_yaml_block *b, struct cc_stmt *st);
struct cc_stmt *cc_yaml_block_stmt(struct cc_loc loc, struct cc_yaml_block *b);
struct cc_stmt *cc_yaml_if(struct cc_loc loc, struct cc_expr *cond, struct cc_yaml_block *then);
void cc_yaml_add_route(struct cc_yaml *y, int kind, const char *name, struct cc_loc loc,
		       struct cc_yaml_block *body);

/* ---- templates (yaml_tmpl.c, the table in yaml_table.c) ---- */

/* Where a row of the table may be used. */
enum {
	CC_YW_MATCH = 1u << 0,     /* a condition of match (an expression) */
	CC_YW_REQUIRE = 1u << 1,   /* a requirement of require */
	CC_YW_RULE = 1u << 2,      /* a key of a rule's action */
	CC_YW_FAILURE = 1u << 3,   /* a key of a failure route */
	CC_YW_REPLY = 1u << 4,     /* a key of a reply route */
	CC_YW_TIMER = 1u << 5,     /* a key of a timer route */
	CC_YW_FINAL = 1u << 6,     /* decides what happens to the request: one per action */
	CC_YW_KEYED = 1u << 7,     /* the value maps names to values: { NAME: VALUE, ... },
				    * each pair fills the first two holes */
	CC_YW_INTERNAL = 1u << 8,  /* scaffolding the front end uses by name */
	CC_YW_BRANCH = 1u << 9,    /* a key of a branch route */
	CC_YW_EVENT = 1u << 10,    /* a key of an event route */
};

/* How a match key reads its value (CC_YW_MATCH rows). */
enum cc_yaml_shape {
	CC_YS_HOLES = 0,   /* as any row: a scalar for the first hole, a mapping of holes;
			    * a row without holes takes true/false (false negates) */
	CC_YS_STRING,      /* a string condition on the row's text (a pseudo-variable) */
	CC_YS_METHOD,      /* a method or a list of methods */
	CC_YS_NETS,        /* a network or a list of them */
	CC_YS_HEADER,      /* { name: NAME, present|exact|prefix|...: VALUE } */
	CC_YS_ANY,         /* a list of match mappings */
};

/* One row: the YAML key (KEY=VALUE for the variant a scalar value
 * selects), where it may stand, its holes ("name: type [= default], ...")
 * and the DSL it means, with @name for each hole (@name.code and
 * @name.reason for a reply hole; @name() as a statement for a statement
 * hole). tail (finals only) comes after the steps that follow the row. */
struct cc_yaml_tmpl {
	const char *key;
	unsigned where;
	const char *holes;
	const char *text;
	const char *tail;
	enum cc_yaml_shape shape;
};

extern const struct cc_yaml_tmpl cc_yaml_table[];
extern const int cc_yaml_ntable;

/* A filled hole: an expression, a statement list, or a word where the
 * language wants a name (route(@r), $avp(@a)). */
struct cc_yaml_hole {
	const char *name;
	struct cc_expr *e;
	struct cc_stmt *st;
	const char *word;
	struct cc_loc loc;
};

/* The internal row named key (CC_YW_INTERNAL), for the structure around
 * the keys: gateway failover, the failure-route guard, string tests. */
const struct cc_yaml_tmpl *cc_yaml_tmpl_find(const char *key, unsigned where);

/* The row's text instantiated at loc with holes h[0..n): statements, or
 * for a CC_YW_MATCH row an expression. what names the key in "needs"
 * errors; NULL after an error. */
struct cc_stmt *cc_yaml_tmpl_stmts(struct cc_yaml *y, const char *what, const char *text,
				   struct cc_loc loc, const struct cc_yaml_hole *h, int n);
struct cc_expr *cc_yaml_tmpl_expr(struct cc_yaml *y, const char *what, const char *text,
				  struct cc_loc loc, const struct cc_yaml_hole *h, int n);

/* The keys the table has for where (a NULL-terminated list, in table
 * order, each once), for cc_yaml_fields and did-you-mean. */
const char *const *cc_yaml_table_keys(unsigned where, int *n);

/* Lower the value v of key (at key_loc) with the table's rows for where:
 * appends the statements (to out) or, for CC_YW_MATCH, returns the
 * condition in *cond. A step's mapping may have 'when: MATCH'. tail
 * receives a final's tail statements. False after an error (reported). */
bool cc_yaml_apply(struct cc_yaml *y, const char *key, struct cc_loc key_loc, yaml_node_t *v,
		   unsigned where, struct cc_yaml_block *out, struct cc_yaml_block *tail,
		   struct cc_expr **cond);

bool cc_yaml_apply_extra(struct cc_yaml *y, const char *key, struct cc_loc key_loc,
			 yaml_node_t *v, unsigned where, const struct cc_yaml_hole *extra,
			 int nextra, struct cc_yaml_block *out, struct cc_yaml_block *tail,
			 struct cc_expr **cond);

/* ---- match, require (yaml_match.c) ---- */

struct cc_expr *cc_yaml_match(struct cc_yaml *y, yaml_node_t *n, const char *what,
			      struct cc_yaml_rule *rule, bool *ok);
bool cc_yaml_require(struct cc_yaml *y, yaml_node_t *n, const char *what,
		     struct cc_yaml_block *out);
struct cc_expr *cc_yaml_nets(struct cc_yaml *y, yaml_node_t *n, const char *key);

/* ---- actions (yaml_action.c) ---- */

bool cc_yaml_action(struct cc_yaml *y, yaml_node_t *n, struct cc_yaml_rule *rule,
		    struct cc_yaml_block *out);
bool cc_yaml_steps(struct cc_yaml *y, yaml_node_t *n, const char *what, unsigned where,
		   const char *const *extra, int nextra, struct cc_yaml_field *extra_out,
		   struct cc_yaml_rule *rule, struct cc_yaml_block *out);
const char *cc_yaml_failover_name(const char *on_failure);

/* ---- rules and routes (yaml_rule.c) ---- */

void cc_yaml_rules(struct cc_yaml *y, yaml_node_t *n, struct cc_loc key_loc,
		   yaml_node_t *require);
void cc_yaml_failure_routes(struct cc_yaml *y, yaml_node_t *n);
void cc_yaml_failover_routes(struct cc_yaml *y);
void cc_yaml_reply_routes(struct cc_yaml *y, yaml_node_t *n);
void cc_yaml_timers(struct cc_yaml *y, yaml_node_t *n);
void cc_yaml_branch_routes(struct cc_yaml *y, yaml_node_t *n);
void cc_yaml_events(struct cc_yaml *y, yaml_node_t *n);
unsigned cc_yaml_allow(struct cc_yaml *y, yaml_node_t *n);

/* ---- settings (yaml_settings.c) ---- */

void cc_yaml_listen(struct cc_yaml *y, yaml_node_t *n);
void cc_yaml_domains(struct cc_yaml *y, yaml_node_t *n);
void cc_yaml_defines(struct cc_yaml *y, yaml_node_t *n);
void cc_yaml_gateways(struct cc_yaml *y, yaml_node_t *n);
void cc_yaml_modules(struct cc_yaml *y, yaml_node_t *n);
bool cc_yaml_include(struct cc_yaml *y, yaml_node_t *n);
void cc_yaml_flags(struct cc_yaml *y, yaml_node_t *n, bool branch);
void cc_yaml_avps(struct cc_yaml *y, yaml_node_t *n, bool dialog);
void cc_yaml_profiles(struct cc_yaml *y, yaml_node_t *n);

#endif
