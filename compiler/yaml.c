/* The YAML front end. The whole file is loaded with libyaml's document API
 * (the node tree keeps a start and end mark for every node), checked key
 * by key and lowered into the AST of ast.h:
 *
 *   settings            -> listen / domain / define items
 *   require (top level) -> checks at the top of "route request"
 *   rules               -> one if / else if / else chain in "route request",
 *                          in order, so the first matching rule wins
 *   failure_routes      -> "route failure NAME" routes
 *
 * Every generated node carries the location of the YAML node it came from,
 * so sema's errors (an unknown route, a misspelt define) point into the
 * YAML file like the errors found here. Only what the stdlib declares is
 * called; an action whose module does not exist yet is an error that says
 * so rather than a call sema would reject with a less useful message. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "ast_print.h"
#include "diag.h"
#include "sema_int.h"
#include "yaml_front.h"

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

bool cc_yaml_is_policy(const char *path)
{
	size_t n = strlen(path);

	return (n > 5 && strcmp(path + n - 5, ".yaml") == 0) ||
	       (n > 4 && strcmp(path + n - 4, ".yml") == 0);
}

/* Index the start of every line, so a libyaml mark can be turned into a
 * byte column. */
static void cc_yaml_index_lines(struct cc_yaml *y)
{
	int cap = 64;

	y->lines = cc_alloc(sizeof *y->lines * (size_t)cap);
	y->lines[y->nlines++] = 0;
	for (size_t i = 0; i < y->len; i++) {
		if (y->text[i] != '\n')
			continue;
		if (y->nlines == cap) {
			size_t *n = cc_alloc(sizeof *n * (size_t)cap * 2);
			memcpy(n, y->lines, sizeof *n * (size_t)cap);
			y->lines = n;
			cap *= 2;
		}
		y->lines[y->nlines++] = i + 1;
	}
}

/* libyaml counts columns in characters from 0; diagnostics count bytes
 * from 1, so a line with UTF-8 text before the node still gets its caret
 * in the right place. */
static int cc_yaml_col(const struct cc_yaml *y, yaml_mark_t m)
{
	size_t at;

	if (m.line >= (size_t)y->nlines)
		return (int)m.column + 1;
	at = y->lines[m.line];
	for (size_t c = 0; c < m.column && at < y->len && y->text[at] != '\n'; c++) {
		at++;
		while (at < y->len && ((unsigned char)y->text[at] & 0xc0) == 0x80)
			at++;
	}
	return (int)(at - y->lines[m.line]) + 1;
}

static struct cc_loc cc_yaml_mark_loc(const struct cc_yaml *y, yaml_mark_t m)
{
	return (struct cc_loc){
		.file = y->file, .line = (int)m.line + 1, .col = cc_yaml_col(y, m), .len = 1,
	};
}

/* Where a node starts; a scalar on one line gets its width so the caret
 * line underlines it. */
static struct cc_loc cc_yaml_loc(const struct cc_yaml *y, const yaml_node_t *n)
{
	struct cc_loc l = cc_yaml_mark_loc(y, n->start_mark);

	if (n->type == YAML_SCALAR_NODE && n->end_mark.line == n->start_mark.line &&
	    n->end_mark.column > n->start_mark.column)
		l.len = cc_yaml_col(y, n->end_mark) - l.col;
	return l;
}

static const char *cc_yaml_scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static bool cc_yaml_plain(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* An empty value ("key:" with nothing after it), ~ or null. */
static bool cc_yaml_is_null(const yaml_node_t *n)
{
	const char *s;

	if (!cc_yaml_plain(n))
		return false;
	s = cc_yaml_scalar(n);
	return !*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
	       strcmp(s, "NULL") == 0;
}

/* How a value reads in "must be X, not Y". */
static const char *cc_yaml_what(const yaml_node_t *n)
{
	char *buf;
	const char *s;

	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	if (cc_yaml_is_null(n))
		return "empty";
	s = cc_yaml_scalar(n);
	buf = cc_alloc(strlen(s) + 16);
	sprintf(buf, cc_yaml_plain(n) ? "'%s'" : "the string \"%s\"", s);
	return buf;
}

static yaml_node_t *cc_yaml_node(struct cc_yaml *y, yaml_node_item_t id)
{
	return yaml_document_get_node(&y->doc, id);
}

/* Check that n is a mapping whose keys are all among keys[] (NULL
 * terminated) and fill out[i] for keys[i]. An unknown key gets a "did you
 * mean", a repeated key an error; both are skipped. what names the mapping
 * in messages ("a rule's match"). Returns false when n is no mapping. */
static bool cc_yaml_fields(struct cc_yaml *y, yaml_node_t *n, const char *what,
			   const char *const *keys, struct cc_yaml_field *out)
{
	int nkeys = 0;

	while (keys[nkeys])
		nkeys++;
	memset(out, 0, sizeof *out * (size_t)nkeys);
	if (n->type != YAML_MAPPING_NODE) {
		cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, n), "%s must be a mapping, not %s",
			       what, cc_yaml_what(n));
		return false;
	}
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = cc_yaml_node(y, pr->key);
		struct cc_loc kl = cc_yaml_loc(y, k);
		const char *name;
		int i;

		if (k->type != YAML_SCALAR_NODE) {
			cc_diag_report(CC_D_BAD_VALUE, kl, "a key in %s must be a word, not %s",
				       what, cc_yaml_what(k));
			continue;
		}
		name = cc_yaml_scalar(k);
		for (i = 0; i < nkeys && strcmp(keys[i], name) != 0; i++)
			;
		if (i == nkeys) {
			struct cc_suggest sg;
			cc_suggest_init(&sg, name);
			for (int j = 0; j < nkeys; j++)
				cc_suggest_add(&sg, keys[j]);
			cc_diag_report(CC_D_UNKNOWN_KEY, kl, "unknown key '%s' in %s%s", name, what,
				       cc_suggest_text(&sg));
			if (!sg.best) {
				size_t len = 0;
				for (int j = 0; j < nkeys; j++)
					len += strlen(keys[j]) + 2;
				char *list = cc_alloc(len + 1);
				for (int j = 0; j < nkeys; j++) {
					strcat(list, keys[j]);
					if (j + 1 < nkeys)
						strcat(list, ", ");
				}
				cc_diag_note((struct cc_loc){0}, "the keys of %s are: %s", what, list);
			}
			continue;
		}
		if (out[i].val) {
			cc_diag_report(CC_D_BAD_VALUE, kl, "key '%s' appears twice in %s", name, what);
			cc_diag_note(out[i].key_loc, "first given here");
			continue;
		}
		out[i].val = cc_yaml_node(y, pr->value);
		out[i].key_loc = kl;
	}
	return true;
}

/* A string value; numbers and words are strings too ("to_user: 112"). */
static bool cc_yaml_str(struct cc_yaml *y, yaml_node_t *n, const char *key, const char **out)
{
	if (n->type != YAML_SCALAR_NODE || cc_yaml_is_null(n)) {
		cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, n), "'%s' must be a string, not %s",
			       key, cc_yaml_what(n));
		return false;
	}
	/* The document is freed after lowering; the AST keeps copies. */
	*out = cc_strdup(cc_yaml_scalar(n));
	return true;
}

/* An integer in [lo, hi]. A quoted "404" is a string, as in YAML itself. */
static bool cc_yaml_int(struct cc_yaml *y, yaml_node_t *n, const char *key,
			long lo, long hi, long *out)
{
	const char *s = n->type == YAML_SCALAR_NODE ? cc_yaml_scalar(n) : "";
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!cc_yaml_plain(n) || !*s || *end || errno == ERANGE || isspace((unsigned char)*s)) {
		cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, n), "'%s' must be an integer, not %s",
			       key, cc_yaml_what(n));
		return false;
	}
	if (v < lo || v > hi) {
		cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, n), "'%s' must be between %ld and %ld, not %ld",
			       key, lo, hi, v);
		return false;
	}
	*out = v;
	return true;
}

static bool cc_yaml_bool(struct cc_yaml *y, yaml_node_t *n, const char *key, bool *out)
{
	const char *s = cc_yaml_plain(n) ? cc_yaml_scalar(n) : "";

	if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0) {
		*out = s[0] == 't';
		return true;
	}
	cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, n), "'%s' must be true or false, not %s",
		       key, cc_yaml_what(n));
	return false;
}

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

static bool cc_yaml_empty_list(struct cc_yaml *y, yaml_node_t *n, const char *key)
{
	if (n->type == YAML_SEQUENCE_NODE && n->data.sequence.items.start == n->data.sequence.items.top) {
		cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, n), "'%s' is an empty list", key);
		return true;
	}
	return false;
}

/* ---- AST construction ---- */

static struct cc_expr *cc_yaml_strlit(struct cc_loc loc, const char *s, size_t len)
{
	struct cc_expr *e = cc_expr_new(E_STR, loc);

	e->u.str.s = cc_strndup(s, len);
	e->u.str.len = len;
	return e;
}

static struct cc_expr *cc_yaml_intlit(struct cc_loc loc, long v)
{
	struct cc_expr *e = cc_expr_new(E_INT, loc);

	e->u.ival = v;
	return e;
}

static struct cc_expr *cc_yaml_ident(struct cc_loc loc, const char *name)
{
	struct cc_expr *e = cc_expr_new(E_IDENT, loc);

	e->u.ident.name = name;
	return e;
}

static struct cc_expr *cc_yaml_pv(struct cc_loc loc, const char *name)
{
	struct cc_expr *e = cc_expr_new(E_PV, loc);

	e->u.pv.name = name;
	return e;
}

static struct cc_expr *cc_yaml_bin(enum cc_binop op, struct cc_expr *l, struct cc_expr *r,
				   struct cc_loc loc)
{
	struct cc_expr *e;

	if (!l)
		return r;
	if (!r)
		return l;
	e = cc_expr_new(E_BINARY, loc);
	e->u.binary.op = op;
	e->u.binary.l = l;
	e->u.binary.r = r;
	return e;
}

static struct cc_expr *cc_yaml_not(struct cc_expr *x, struct cc_loc loc)
{
	struct cc_expr *e = cc_expr_new(E_UNARY, loc);

	e->u.unary.op = U_NOT;
	e->u.unary.e = x;
	return e;
}

/* name(args...), nargs expressions following. Named arguments are given
 * as a "name:" string before the expression when named is true. */
static struct cc_expr *cc_yaml_call(struct cc_loc loc, const char *name, bool named, int nargs, ...)
{
	struct cc_expr *e = cc_expr_new(E_CALL, loc);
	va_list ap;

	e->u.call.name = name;
	e->u.call.nargs = nargs;
	if (nargs) {
		e->u.call.args = cc_alloc(sizeof *e->u.call.args * (size_t)nargs);
		if (named)
			e->u.call.arg_names = cc_alloc(sizeof *e->u.call.arg_names * (size_t)nargs);
	}
	va_start(ap, nargs);
	for (int i = 0; i < nargs; i++) {
		if (named)
			e->u.call.arg_names[i] = va_arg(ap, const char *);
		e->u.call.args[i] = va_arg(ap, struct cc_expr *);
	}
	va_end(ap);
	return e;
}

static void cc_yaml_add(struct cc_yaml_block *b, struct cc_stmt *st)
{
	if (!st)
		return;
	if (b->last)
		b->last->next = st;
	else
		b->first = st;
	b->last = st;
	while (b->last->next)
		b->last = b->last->next;
}

static struct cc_stmt *cc_yaml_block_stmt(struct cc_loc loc, struct cc_yaml_block *b)
{
	struct cc_stmt *st = cc_stmt_new(S_BLOCK, loc);

	st->u.block.first = b->first;
	return st;
}

static struct cc_stmt *cc_yaml_expr_stmt(struct cc_expr *e)
{
	struct cc_stmt *st = cc_stmt_new(S_EXPR, e->loc);

	st->u.expr = e;
	return st;
}

static struct cc_stmt *cc_yaml_assign(struct cc_loc loc, const char *pv, struct cc_expr *value)
{
	struct cc_stmt *st = cc_stmt_new(S_ASSIGN, loc);

	st->u.assign.name = pv;
	st->u.assign.name_loc = loc;
	st->u.assign.value = value;
	return st;
}

/* if (cond) { then... } */
static struct cc_stmt *cc_yaml_if(struct cc_loc loc, struct cc_expr *cond, struct cc_yaml_block *then)
{
	struct cc_stmt *st = cc_stmt_new(S_IF, loc);

	st->u.if_.cond = cond;
	st->u.if_.then = cc_yaml_block_stmt(loc, then);
	return st;
}

/* if (!check) { reply(code, reason); exit; } — a requirement that fails
 * answers the request and ends it. */
static struct cc_stmt *cc_yaml_reject_unless(struct cc_loc loc, struct cc_expr *check,
					     struct cc_stmt *answer)
{
	struct cc_yaml_block b = { 0 };

	cc_yaml_add(&b, answer);
	cc_yaml_add(&b, cc_stmt_new(S_EXIT, loc));
	return cc_yaml_if(loc, cc_yaml_not(check, loc), &b);
}

static struct cc_stmt *cc_yaml_reply_stmt(struct cc_loc loc, const char *fn, long code,
					  const char *reason)
{
	return cc_yaml_expr_stmt(cc_yaml_call(loc, fn, false, 2, cc_yaml_intlit(loc, code),
					      cc_yaml_strlit(loc, reason, strlen(reason))));
}

/* ---- values ---- */

static bool cc_yaml_is_word(const char *s, size_t n)
{
	if (n == 0 || (!isalpha((unsigned char)s[0]) && s[0] != '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

/* A string value that may refer to defines and pseudo-variables:
 * "${NEXT_HOP}" is the define NEXT_HOP, "call ${$ci} failed" joins the
 * text and the Call-ID with +, and "$${" stands for a literal "${". Such a
 * reference keeps -D overrides working for YAML policies. Returns NULL
 * after reporting a malformed reference. */
static struct cc_expr *cc_yaml_value(struct cc_yaml *y, yaml_node_t *n, const char *key)
{
	const char *s;
	struct cc_loc loc;
	struct cc_expr *e = NULL;
	char *lit;
	size_t nlit = 0, len;
	int base;

	if (!cc_yaml_str(y, n, key, &s))
		return NULL;
	loc = cc_yaml_loc(y, n);
	len = strlen(s);
	lit = cc_alloc(len + 1);
	/* Columns inside the scalar are exact for plain and simply quoted
	 * text on one line; otherwise references point at the scalar. */
	base = n->end_mark.line == n->start_mark.line ?
	       loc.col + (cc_yaml_plain(n) ? 0 : 1) : -1;
	for (size_t i = 0; i < len;) {
		if (s[i] == '$' && s[i + 1] == '$' && s[i + 2] == '{') {
			lit[nlit++] = '$';
			lit[nlit++] = '{';
			i += 3;
			continue;
		}
		if (!(s[i] == '$' && s[i + 1] == '{')) {
			lit[nlit++] = s[i++];
			continue;
		}
		const char *close = strchr(s + i + 2, '}');
		const char *name = s + i + 2;
		size_t nlen = close ? (size_t)(close - name) : 0;
		bool pv = nlen > 1 && name[0] == '$';
		struct cc_loc at = loc;
		if (base > 0) {
			at.col = base + (int)i;
			at.len = close ? (int)(close - (s + i)) + 1 : (int)(len - i);
		}
		if (!close || !cc_yaml_is_word(name + pv, nlen - pv)) {
			cc_diag_report(CC_D_BAD_VALUE, at,
				       "malformed reference in '%s': write ${NAME} for a define, ${$pv} for a pseudo-variable, $${ for a literal '${'",
				       key);
			return NULL;
		}
		if (nlit) {
			e = cc_yaml_bin(B_ADD, e, cc_yaml_strlit(loc, lit, nlit), loc);
			nlit = 0;
		}
		at.col += 2;
		at.len = (int)nlen;
		const char *word = cc_strndup(name, nlen);
		e = cc_yaml_bin(B_ADD, e, pv ? cc_yaml_pv(at, word) : cc_yaml_ident(at, word), loc);
		i = (size_t)(close - s) + 1;
	}
	if (nlit || !e)
		e = cc_yaml_bin(B_ADD, e, cc_yaml_strlit(loc, lit, nlit), loc);
	return e;
}

/* An IP address or a network ADDRESS/PREFIX, as ip_in_net() reads it. */
static bool cc_yaml_net_ok(const char *s)
{
	unsigned char buf[16];
	const char *slash = strchr(s, '/');
	char *addr = cc_strndup(s, slash ? (size_t)(slash - s) : strlen(s));
	bool v4 = inet_pton(AF_INET, addr, buf) == 1;

	if (!v4 && inet_pton(AF_INET6, addr, buf) != 1)
		return false;
	if (!slash)
		return true;
	char *end;
	long bits = strtol(slash + 1, &end, 10);
	return slash[1] && !*end && isdigit((unsigned char)slash[1]) && bits >= 0 &&
	       bits <= (v4 ? 32 : 128);
}

/* A regular expression literal is checked now, so a bad one is a compile
 * error at its line instead of a log line at run time. */
static bool cc_yaml_regex_ok(struct cc_yaml *y, yaml_node_t *n, const struct cc_expr *re)
{
	regex_t r;
	int rc;

	if (re->kind != E_STR)
		return true;
	rc = regcomp(&r, re->u.str.s, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		char msg[128];
		regerror(rc, &r, msg, sizeof msg);
		cc_diag_report(CC_D_BAD_LITERAL, cc_yaml_loc(y, n),
			       "invalid regular expression: %s", msg);
		return false;
	}
	regfree(&r);
	return true;
}

/* ---- match ---- */

static struct cc_expr *cc_yaml_pv_arg(struct cc_loc loc, const char *name, const char *arg)
{
	struct cc_expr *e = cc_yaml_pv(loc, name);

	e->u.pv.arg = arg;
	return e;
}

/* A string condition on pv (with its argument, for $hdr(NAME), or NULL):
 * a value (exact), a list (any of them), or a mapping with one of exact /
 * prefix / suffix / contains / regex. */
static struct cc_expr *cc_yaml_strmatch(struct cc_yaml *y, yaml_node_t *n, const char *key,
					const char *pv, const char *arg)
{
	static const char *const ops[] = { "exact", "prefix", "suffix", "contains", "regex", NULL };
	static const char *const fns[] = { NULL, "starts_with", "ends_with", "contains", "regex_match" };
	struct cc_loc loc = cc_yaml_loc(y, n);
	struct cc_expr *all = NULL;
	bool ok = true;

	if (cc_yaml_empty_list(y, n, key))
		return NULL;
	CC_YAML_EACH(y, n, item, {
		struct cc_yaml_field f[5];
		struct cc_expr *one = NULL, *v;
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
		if (op == 0)
			one = cc_yaml_bin(B_EQ, cc_yaml_pv_arg(vl, pv, arg), v, vl);
		else
			one = cc_yaml_call(vl, fns[op], false, 2, cc_yaml_pv_arg(vl, pv, arg), v);
		all = cc_yaml_bin(B_OR, all, one, loc);
	});
	return ok ? all : NULL;
}

static struct cc_expr *cc_yaml_methods(struct cc_yaml *y, yaml_node_t *n)
{
	struct cc_expr *all = NULL;
	bool ok = true;

	if (cc_yaml_empty_list(y, n, "method"))
		return NULL;
	CC_YAML_EACH(y, n, item, {
		const char *m;
		if (!cc_yaml_str(y, item, "method", &m)) {
			ok = false;
			continue;
		}
		/* Methods are upper case on the wire; "invite" surely means INVITE. */
		char *up = cc_strdup(m);
		for (char *c = up; *c; c++)
			*c = (char)toupper((unsigned char)*c);
		struct cc_loc l = cc_yaml_loc(y, item);
		all = cc_yaml_bin(B_OR, all, cc_yaml_bin(B_EQ, cc_yaml_pv(l, "method"),
							  cc_yaml_ident(l, up), l), cc_yaml_loc(y, n));
	});
	return ok ? all : NULL;
}

static struct cc_expr *cc_yaml_nets(struct cc_yaml *y, yaml_node_t *n, const char *key)
{
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
		all = cc_yaml_bin(B_OR, all, cc_yaml_call(l, "ip_in_net", false, 2,
							  cc_yaml_pv(l, "$si"), v), cc_yaml_loc(y, n));
	});
	return ok ? all : NULL;
}

/* A true/false condition on a stdlib predicate. */
static struct cc_expr *cc_yaml_flag(struct cc_yaml *y, yaml_node_t *n, const char *key,
				    const char *fn)
{
	struct cc_loc l = cc_yaml_loc(y, n);
	struct cc_expr *call;
	bool v;

	if (!cc_yaml_bool(y, n, key, &v))
		return NULL;
	call = cc_yaml_call(l, fn, false, 0);
	return v ? call : cc_yaml_not(call, l);
}

/* The keys of match. The conditions are joined with && in this order,
 * cheap tests first; loose_route and known_transaction act on the request,
 * so they come last and run only when everything else matched. */
static const char *const cc_yaml_match_keys[] = {
	"in_dialog", "method", "ruri_is_local", "ruri_user", "ruri_domain",
	"from_user", "from_domain", "to_user", "to_domain", "source_ip", "header",
	"ruri_host_is_local", "from_is_local",
	"any", "known_transaction", "loose_route", NULL,
};
enum { CC_YAML_NMATCH = sizeof cc_yaml_match_keys / sizeof cc_yaml_match_keys[0] - 1 };
static const char *const cc_yaml_match_pv[CC_YAML_NMATCH] = {
	[3] = "$rU", [4] = "$rd", [5] = "$fU", [6] = "$fd", [7] = "$tU", [8] = "$td",
};

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
static struct cc_expr *cc_yaml_header(struct cc_yaml *y, yaml_node_t *n, struct cc_yaml_rule *rule)
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
			e = cc_yaml_call(l, "is_present_hf", false, 1, cc_yaml_strlit(l, name, strlen(name)));
			if (!present)
				e = cc_yaml_not(e, l);
		} else {
			/* Exactly one value key: strmatch reads it from a
			 * mapping of its own. */
			for (int i = 2; i < 7; i++) {
				if (!f[i].val)
					continue;
				struct cc_expr *v = cc_yaml_value(y, f[i].val, keys[i]);
				if (!v || (i == 6 && !cc_yaml_regex_ok(y, f[i].val, v))) {
					e = NULL;
					break;
				}
				static const char *const fns[] = { NULL, NULL, NULL, "starts_with", "ends_with",
								   "contains", "regex_match" };
				struct cc_loc vl = cc_yaml_loc(y, f[i].val);
				struct cc_expr *h = cc_yaml_pv_arg(vl, "$hdr", name);
				e = i == 2 ? cc_yaml_bin(B_EQ, h, v, vl) : cc_yaml_call(vl, fns[i], false, 2, h, v);
			}
			if (!e) {
				ok = false;
				continue;
			}
		}
		cc_yaml_cond_add(rule, e);
		all = cc_yaml_bin(B_AND, all, e, il);
	});
	return ok ? all : NULL;
}

static struct cc_expr *cc_yaml_match(struct cc_yaml *y, yaml_node_t *n, const char *what,
				     struct cc_yaml_rule *rule, bool *ok);

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
 * catch-all). Records each condition's text in rule for the shadowing
 * check. *ok turns false when something was reported. */
static struct cc_expr *cc_yaml_match(struct cc_yaml *y, yaml_node_t *n, const char *what,
				     struct cc_yaml_rule *rule, bool *ok)
{
	struct cc_yaml_field f[CC_YAML_NMATCH];
	struct cc_expr *all = NULL;

	if (!cc_yaml_fields(y, n, what, cc_yaml_match_keys, f)) {
		*ok = false;
		return NULL;
	}
	for (int i = 0; i < CC_YAML_NMATCH; i++) {
		const char *key = cc_yaml_match_keys[i];
		yaml_node_t *v = f[i].val;
		struct cc_expr *e = NULL;

		if (!v)
			continue;
		if (strcmp(key, "in_dialog") == 0)
			e = cc_yaml_flag(y, v, key, "has_totag");
		else if (strcmp(key, "method") == 0)
			e = cc_yaml_methods(y, v);
		else if (strcmp(key, "ruri_is_local") == 0)
			e = cc_yaml_flag(y, v, key, "uri_is_local");
		else if (cc_yaml_match_pv[i])
			e = cc_yaml_strmatch(y, v, key, cc_yaml_match_pv[i], NULL);
		else if (strcmp(key, "ruri_host_is_local") == 0)
			e = cc_yaml_flag(y, v, key, "is_uri_host_local");
		else if (strcmp(key, "from_is_local") == 0)
			e = cc_yaml_flag(y, v, key, "is_from_local");
		else if (strcmp(key, "source_ip") == 0)
			e = cc_yaml_nets(y, v, key);
		else if (strcmp(key, "any") == 0)
			e = cc_yaml_any(y, v);
		else if (strcmp(key, "known_transaction") == 0)
			e = cc_yaml_flag(y, v, key, "t_check_trans");
		else if (strcmp(key, "loose_route") == 0)
			e = cc_yaml_flag(y, v, key, "loose_route");
		else if (strcmp(key, "header") == 0)
			e = cc_yaml_header(y, v, rule);
		if (!e) {
			*ok = false;
			continue;
		}
		/* One && chain, left to right, located at the match key. */
		all = cc_yaml_bin(B_AND, all, e, cc_yaml_loc(y, n));
		if (strcmp(key, "header") != 0)
			cc_yaml_cond_add(rule, e);
	}
	return all;
}

/* ---- require ---- */

/* True when the stdlib declares every function an action needs; else an
 * error naming the module that will provide them. */
static bool cc_yaml_need(struct cc_yaml *y, struct cc_loc loc, const char *what,
			 const char *module, const char *const *fns)
{
	for (int i = 0; fns[i]; i++) {
		if (!cc_find_fn(y->p, fns[i])) {
			cc_diag_report(CC_D_NOT_AVAILABLE, loc, "%s needs the %s, not available yet",
				       what, module);
			cc_diag_note((struct cc_loc){0}, "the stdlib does not declare '%s'", fns[i]);
			return false;
		}
	}
	return true;
}

static const char *const cc_yaml_require_keys[] = {
	"max_forwards", "trusted", "auth", "identity", "consume_credentials", NULL,
};

/* Requirements, in this order: loop detection, then who may send, then
 * who the sender is. Each one that fails answers and ends the request. */
static bool cc_yaml_require(struct cc_yaml *y, yaml_node_t *n, const char *what,
			    struct cc_yaml_block *out)
{
	struct cc_yaml_field f[5];
	bool ok = true;

	if (!cc_yaml_fields(y, n, what, cc_yaml_require_keys, f))
		return false;
	if (f[0].val) {
		long lim;
		struct cc_loc l = cc_yaml_loc(y, f[0].val);
		if (cc_yaml_int(y, f[0].val, "max_forwards", 1, 255, &lim))
			cc_yaml_add(out, cc_yaml_reject_unless(l,
				cc_yaml_call(l, "maxfwd_ok", false, 1, cc_yaml_intlit(l, lim)),
				cc_yaml_reply_stmt(l, "reply", 483, "Too Many Hops")));
		else
			ok = false;
	}
	if (f[1].val) {
		struct cc_expr *e = cc_yaml_nets(y, f[1].val, "trusted");
		struct cc_loc l = cc_yaml_loc(y, f[1].val);
		if (e)
			cc_yaml_add(out, cc_yaml_reject_unless(l, e,
				cc_yaml_reply_stmt(l, "reply", 403, "Forbidden")));
		else
			ok = false;
	}
	if (f[2].val) {
		const char *kind = NULL;
		struct cc_loc l = cc_yaml_loc(y, f[2].val);
		if (!cc_yaml_str(y, f[2].val, "auth", &kind)) {
			ok = false;
		} else if (strcmp(kind, "www") != 0 && strcmp(kind, "proxy") != 0) {
			cc_diag_report(CC_D_BAD_VALUE, l, "'auth' must be www or proxy, not '%s'", kind);
			ok = false;
		} else {
			/* RFC 3261 22: a registrar challenges with 401 for the To
			 * domain, a proxy with 407 for the From domain. */
			bool www = kind[0] == 'w';
			const char *fns[] = { www ? "www_authorize" : "proxy_authorize",
					      www ? "www_challenge" : "proxy_challenge", NULL };
			if (!cc_yaml_need(y, f[2].key_loc, "require 'auth'", "auth module", fns)) {
				ok = false;
			} else {
				const char *realm = www ? "$td" : "$fd";
				struct cc_yaml_block b = { 0 };
				cc_yaml_add(&b, cc_yaml_expr_stmt(cc_yaml_call(l, fns[1], true, 1,
									       "realm", cc_yaml_pv(l, realm))));
				cc_yaml_add(&b, cc_stmt_new(S_EXIT, l));
				cc_yaml_add(out, cc_yaml_if(l, cc_yaml_not(cc_yaml_call(l, fns[0], true, 1,
						"realm", cc_yaml_pv(l, realm)), l), &b));
			}
		}
	}
	/* identity and consume_credentials act on the credentials 'auth'
	 * checked: without it the first would refuse every request and the
	 * second do nothing. */
	for (int i = 3; i < 5; i++) {
		if (f[i].val && !f[2].val) {
			cc_diag_report(CC_D_BAD_VALUE, f[i].key_loc,
				       "'%s' needs 'auth' in the same require: it acts on the checked credentials",
				       cc_yaml_require_keys[i]);
			ok = false;
			f[i].val = NULL;
		}
	}
	if (f[3].val) {
		const char *who = NULL;
		struct cc_loc l = cc_yaml_loc(y, f[3].val);
		if (!cc_yaml_str(y, f[3].val, "identity", &who)) {
			ok = false;
		} else if (strcmp(who, "from") != 0 && strcmp(who, "to") != 0) {
			cc_diag_report(CC_D_BAD_VALUE, l,
				       "'identity' must be from (the caller is the authenticated user) or to (a REGISTER for the user's own address), not '%s'",
				       who);
			ok = false;
		} else {
			bool from = who[0] == 'f';
			const char *fns[] = { from ? "check_from" : "check_to", NULL };
			if (!cc_yaml_need(y, f[3].key_loc, "require 'identity'", "auth module", fns))
				ok = false;
			else
				cc_yaml_add(out, cc_yaml_reject_unless(l, cc_yaml_call(l, fns[0], false, 0),
					cc_yaml_reply_stmt(l, "reply", 403, from ? "Forbidden: From Is Not Yours"
										  : "Forbidden: Not Your Address")));
		}
	}
	if (f[4].val) {
		bool on;
		struct cc_loc l = cc_yaml_loc(y, f[4].val);
		const char *fns[] = { "consume_credentials", NULL };
		if (!cc_yaml_bool(y, f[4].val, "consume_credentials", &on))
			ok = false;
		else if (!cc_yaml_need(y, f[4].key_loc, "require 'consume_credentials'", "auth module", fns))
			ok = false;
		else if (on)
			cc_yaml_add(out, cc_yaml_expr_stmt(cc_yaml_call(l, "consume_credentials", false, 0)));
	}
	return ok;
}

/* ---- actions ---- */

/* The reason phrases of RFC 3261 21 for the codes a policy replies with. */
static const char *cc_yaml_reason(long code)
{
	static const struct { int code; const char *reason; } t[] = {
		{ 200, "OK" }, { 400, "Bad Request" }, { 401, "Unauthorized" },
		{ 403, "Forbidden" }, { 404, "Not Found" }, { 405, "Method Not Allowed" },
		{ 407, "Proxy Authentication Required" }, { 408, "Request Timeout" },
		{ 410, "Gone" }, { 415, "Unsupported Media Type" }, { 416, "Unsupported URI Scheme" },
		{ 420, "Bad Extension" }, { 480, "Temporarily Unavailable" },
		{ 481, "Call/Transaction Does Not Exist" }, { 482, "Loop Detected" },
		{ 483, "Too Many Hops" }, { 484, "Address Incomplete" }, { 486, "Busy Here" },
		{ 487, "Request Terminated" }, { 488, "Not Acceptable Here" },
		{ 500, "Server Internal Error" }, { 501, "Not Implemented" },
		{ 502, "Bad Gateway" }, { 503, "Service Unavailable" }, { 504, "Server Time-out" },
		{ 600, "Busy Everywhere" }, { 603, "Decline" }, { 604, "Does Not Exist Anywhere" },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (t[i].code == code)
			return t[i].reason;
	return NULL;
}

/* reply: 404 | {code: 404, reason: "Not Here"}. fn is reply in the
 * request route and t_reply in a failure route. */
static struct cc_stmt *cc_yaml_reply(struct cc_yaml *y, yaml_node_t *n, const char *key,
				     const char *fn)
{
	static const char *const keys[] = { "code", "reason", NULL };
	struct cc_yaml_field f[2];
	yaml_node_t *code_node = n;
	const char *reason = NULL;
	long code;

	if (n->type == YAML_MAPPING_NODE) {
		char what[64];
		snprintf(what, sizeof what, "'%s'", key);
		if (!cc_yaml_fields(y, n, what, keys, f))
			return NULL;
		if (!f[0].val) {
			cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, n), "'%s' needs a 'code'", key);
			return NULL;
		}
		code_node = f[0].val;
		if (f[1].val && !cc_yaml_str(y, f[1].val, "reason", &reason))
			return NULL;
	}
	if (!cc_yaml_int(y, code_node, "code", 100, 699, &code))
		return NULL;
	if (!reason)
		reason = cc_yaml_reason(code);
	if (!reason) {
		cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, code_node),
			       "reply %ld has no standard reason phrase; give one with 'reason'", code);
		return NULL;
	}
	return cc_yaml_reply_stmt(cc_yaml_loc(y, code_node), fn, code, reason);
}

/* relay: true | DESTINATION | {to: DESTINATION, on_error: REPLY}.
 * Without a destination the request goes to its request-URI. */
static bool cc_yaml_relay(struct cc_yaml *y, yaml_node_t *n, const char *reply_fn,
			  struct cc_yaml_block *out)
{
	static const char *const keys[] = { "to", "on_error", NULL };
	struct cc_yaml_field f[2] = { { 0 } };
	struct cc_loc l = cc_yaml_loc(y, n);
	yaml_node_t *to = NULL;
	struct cc_stmt *on_error = NULL;
	struct cc_expr *relay;

	if (n->type == YAML_MAPPING_NODE) {
		if (!cc_yaml_fields(y, n, "'relay'", keys, f))
			return false;
		to = f[0].val;
		if (f[1].val && !(on_error = cc_yaml_reply(y, f[1].val, "on_error", reply_fn)))
			return false;
	} else if (n->type == YAML_SCALAR_NODE && cc_yaml_plain(n) &&
		   (strcmp(cc_yaml_scalar(n), "true") == 0 || cc_yaml_is_null(n))) {
		to = NULL;
	} else {
		to = n;
	}
	if (to) {
		struct cc_expr *dst = cc_yaml_value(y, to, "to");
		if (!dst)
			return false;
		if (dst->kind == E_STR && strncmp(dst->u.str.s, "sip:", 4) != 0 &&
		    strncmp(dst->u.str.s, "sips:", 5) != 0) {
			cc_diag_report(CC_D_BAD_LITERAL, cc_yaml_loc(y, to),
				       "relay destination must be a SIP URI (sip:HOST[:PORT]), not '%s'",
				       dst->u.str.s);
			return false;
		}
		cc_yaml_add(out, cc_yaml_assign(cc_yaml_loc(y, to), "$du", dst));
	}
	relay = cc_yaml_call(l, "t_relay", false, 0);
	if (on_error) {
		struct cc_yaml_block b = { 0 };
		cc_yaml_add(&b, on_error);
		cc_yaml_add(out, cc_yaml_if(l, cc_yaml_not(relay, l), &b));
	} else {
		cc_yaml_add(out, cc_yaml_expr_stmt(relay));
	}
	return true;
}

/* rewrite_user / rewrite_uri: {regex: RE, replace: TEXT}. */
static bool cc_yaml_rewrite(struct cc_yaml *y, yaml_node_t *n, const char *key, const char *pv,
			    struct cc_yaml_block *out)
{
	static const char *const keys[] = { "regex", "replace", NULL };
	struct cc_yaml_field f[2];
	struct cc_loc l = cc_yaml_loc(y, n);
	struct cc_expr *re, *repl;
	char what[64];

	snprintf(what, sizeof what, "'%s'", key);
	if (!cc_yaml_fields(y, n, what, keys, f))
		return false;
	if (!f[0].val || !f[1].val) {
		cc_diag_report(CC_D_BAD_VALUE, l, "'%s' needs 'regex' and 'replace'", key);
		return false;
	}
	re = cc_yaml_value(y, f[0].val, "regex");
	repl = cc_yaml_value(y, f[1].val, "replace");
	if (!re || !repl || !cc_yaml_regex_ok(y, f[0].val, re))
		return false;
	cc_yaml_add(out, cc_yaml_assign(l, pv, cc_yaml_call(l, "regex_subst", false, 3,
							   cc_yaml_pv(l, pv), re, repl)));
	return true;
}

/* log: TEXT | {level: info, message: TEXT} */
static bool cc_yaml_log(struct cc_yaml *y, yaml_node_t *n, struct cc_yaml_block *out)
{
	static const char *const keys[] = { "level", "message", NULL };
	static const char *const levels[] = { "err", "warn", "notice", "info", "dbg", NULL };
	static const char *const consts[] = { "L_ERR", "L_WARN", "L_NOTICE", "L_INFO", "L_DBG" };
	struct cc_yaml_field f[2];
	yaml_node_t *msg = n;
	int level = 3;
	struct cc_expr *text;

	if (n->type == YAML_MAPPING_NODE) {
		if (!cc_yaml_fields(y, n, "'log'", keys, f))
			return false;
		if (!f[1].val) {
			cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, n), "'log' needs a 'message'");
			return false;
		}
		msg = f[1].val;
		if (f[0].val) {
			const char *lv;
			if (!cc_yaml_str(y, f[0].val, "level", &lv))
				return false;
			for (level = 0; levels[level] && strcmp(levels[level], lv) != 0; level++)
				;
			if (!levels[level]) {
				struct cc_suggest sg;
				cc_suggest_init(&sg, lv);
				for (int i = 0; levels[i]; i++)
					cc_suggest_add(&sg, levels[i]);
				cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, f[0].val),
					       "unknown log level '%s' (err, warn, notice, info or dbg)%s",
					       lv, cc_suggest_text(&sg));
				return false;
			}
		}
	}
	if (!(text = cc_yaml_value(y, msg, "message")))
		return false;
	struct cc_loc l = cc_yaml_loc(y, n);
	cc_yaml_add(out, cc_yaml_expr_stmt(cc_yaml_call(l, "log", false, 2,
							cc_yaml_ident(l, consts[level]), text)));
	return true;
}

/* The keys of a rule's action. The first five prepare the request; then
 * exactly one of the rest decides what happens to it. */
/* The failure route a gateway_group action arms: it moves the call to
 * the next gateway when one fails with 408 or 5xx, then (with
 * on_failure) does what the rule's own failure route does. */
static const char *cc_yaml_failover_name(const char *on_failure)
{
	char *buf;

	if (!on_failure)
		return "gateway_failover";
	buf = cc_alloc(strlen(on_failure) + 32);
	sprintf(buf, "gateway_failover_%s", on_failure);
	return buf;
}

/* t_on_failure(name), by a rule itself: the route is needed as it is,
 * not only inside a gateway failover route. */
static void cc_yaml_arm_failure(struct cc_yaml *y, const char *name, struct cc_loc loc,
				struct cc_yaml_block *out)
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
	cc_yaml_add(out, cc_yaml_expr_stmt(cc_yaml_call(loc, "t_on_failure", false, 1,
							cc_yaml_ident(loc, name))));
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

/* gateway_group: N | { group: N, failover: BOOL, no_route: REPLY,
 * on_error: REPLY } ->
 *   if (!do_routing(N)) { reply(404, "No Route"); exit; }
 *   t_on_failure(gateway_failover[_ON_FAILURE]);
 *   if (!t_relay()) { t_reply(503, "Service Unavailable"); }
 * do_routing() is marked gateway, so the toll-fraud check applies. */
static bool cc_yaml_gateway_group(struct cc_yaml *y, yaml_node_t *n, struct cc_loc kl,
				  const char *on_failure, struct cc_loc of_loc,
				  struct cc_yaml_block *out)
{
	static const char *const keys[] = { "group", "failover", "no_route", "on_error", NULL };
	static const char *const fns[] = { "do_routing", "use_next_gw", NULL };
	struct cc_yaml_field f[4] = { { 0 } };
	yaml_node_t *group_node = n;
	struct cc_stmt *no_route = NULL, *on_error = NULL;
	bool failover = true;
	long group;

	if (n->type == YAML_MAPPING_NODE) {
		if (!cc_yaml_fields(y, n, "'gateway_group'", keys, f))
			return false;
		if (!f[0].val) {
			cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, n), "'gateway_group' needs a 'group'");
			return false;
		}
		group_node = f[0].val;
		if (f[1].val && !cc_yaml_bool(y, f[1].val, "failover", &failover))
			return false;
		if (f[2].val && !(no_route = cc_yaml_reply(y, f[2].val, "no_route", "reply")))
			return false;
		if (f[3].val && !(on_error = cc_yaml_reply(y, f[3].val, "on_error", "t_reply")))
			return false;
	}
	if (!cc_yaml_int(y, group_node, "group", 1, INT32_MAX, &group))
		return false;
	if (!cc_yaml_need(y, kl, "action 'gateway_group'", "dynamic routing module", fns))
		return false;
	struct cc_loc gl = cc_yaml_loc(y, group_node);
	struct cc_yaml_block b = { 0 };
	cc_yaml_add(&b, no_route ? no_route : cc_yaml_reply_stmt(kl, "reply", 404, "No Route"));
	cc_yaml_add(&b, cc_stmt_new(S_EXIT, kl));
	cc_yaml_add(out, cc_yaml_if(kl, cc_yaml_not(cc_yaml_call(gl, "do_routing", false, 1,
								   cc_yaml_intlit(gl, group)), kl), &b));
	if (failover) {
		const char *name = cc_yaml_failover_name(on_failure);
		cc_yaml_want_failover(y, on_failure, on_failure ? of_loc : kl);
		cc_yaml_add(out, cc_yaml_expr_stmt(cc_yaml_call(kl, "t_on_failure", false, 1,
								cc_yaml_ident(kl, name))));
	} else if (on_failure) {
		cc_yaml_arm_failure(y, on_failure, of_loc, out);
	}
	struct cc_yaml_block e = { 0 };
	cc_yaml_add(&e, on_error ? on_error : cc_yaml_reply_stmt(kl, "t_reply", 503, "Service Unavailable"));
	cc_yaml_add(out, cc_yaml_if(kl, cc_yaml_not(cc_yaml_call(kl, "t_relay", false, 0), kl), &e));
	return true;
}

/* The keys of a rule's action. The first six prepare the request; then
 * exactly one of the rest decides what happens to it ('continue': nothing
 * yet, the next rules are tried). */
static const char *const cc_yaml_action_keys[] = {
	"log", "lookup_alias", "rewrite_user", "rewrite_uri", "record_route", "on_failure",
	"reply", "relay", "route", "drop", "lookup", "save", "gateway_group", "continue", NULL,
};
enum { CC_YAML_NACTION = sizeof cc_yaml_action_keys / sizeof cc_yaml_action_keys[0] - 1,
       CC_YAML_FIRST_FINAL = 6 };

static bool cc_yaml_action(struct cc_yaml *y, yaml_node_t *n, struct cc_yaml_rule *rule,
			   struct cc_yaml_block *out)
{
	struct cc_yaml_field f[CC_YAML_NACTION];
	int final = -1, errors = cc_diag_errors();
	bool ok = true, on;

	if (!cc_yaml_fields(y, n, "a rule's action", cc_yaml_action_keys, f))
		return false;
	/* After an unknown key, "needs one of" would only repeat it. */
	if (cc_diag_errors() != errors)
		ok = false;
	for (int i = CC_YAML_FIRST_FINAL; i < CC_YAML_NACTION; i++) {
		if (!f[i].val)
			continue;
		if (final >= 0) {
			cc_diag_report(CC_D_BAD_VALUE, f[i].key_loc,
				       "an action can do only one of reply, relay, route, drop, lookup, save, gateway_group and continue");
			cc_diag_note(f[final].key_loc, "'%s' is already given here",
				     cc_yaml_action_keys[final]);
			ok = false;
			continue;
		}
		final = i;
	}
	if (final < 0 && ok) {
		cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, n),
			       "a rule's action needs one of reply, relay, route, drop, lookup, save, gateway_group or continue");
		ok = false;
	}

	if (f[0].val)
		ok &= cc_yaml_log(y, f[0].val, out);
	if (f[1].val) {
		static const char *const fns[] = { "lookup_alias", NULL };
		if (!cc_yaml_bool(y, f[1].val, "lookup_alias", &on) ||
		    !cc_yaml_need(y, f[1].key_loc, "action 'lookup_alias'", "domain module", fns))
			ok = false;
		else if (on)
			cc_yaml_add(out, cc_yaml_expr_stmt(cc_yaml_call(cc_yaml_loc(y, f[1].val),
									"lookup_alias", false, 0)));
	}
	if (f[2].val)
		ok &= cc_yaml_rewrite(y, f[2].val, "rewrite_user", "$rU", out);
	if (f[3].val)
		ok &= cc_yaml_rewrite(y, f[3].val, "rewrite_uri", "$ru", out);
	if (f[4].val) {
		if (cc_yaml_bool(y, f[4].val, "record_route", &on)) {
			if (on)
				cc_yaml_add(out, cc_yaml_expr_stmt(cc_yaml_call(cc_yaml_loc(y, f[4].val),
										"record_route", false, 0)));
		} else {
			ok = false;
		}
	}
	/* gateway_group arms its own failure route, which runs this one. */
	const char *on_failure = NULL;
	struct cc_loc of_loc = { 0 };
	if (f[5].val) {
		of_loc = cc_yaml_loc(y, f[5].val);
		if (!cc_yaml_str(y, f[5].val, "on_failure", &on_failure))
			ok = false;
		else if (final < 0 || strcmp(cc_yaml_action_keys[final], "gateway_group") != 0)
			cc_yaml_arm_failure(y, on_failure, of_loc, out);
	}
	if (final < 0 || !ok)
		return false;

	yaml_node_t *v = f[final].val;
	struct cc_loc vl = cc_yaml_loc(y, v), kl = f[final].key_loc;
	const char *key = cc_yaml_action_keys[final];
	if (strcmp(key, "reply") == 0) {
		struct cc_stmt *st = cc_yaml_reply(y, v, "reply", "reply");
		cc_yaml_add(out, st);
		return st != NULL;
	}
	if (strcmp(key, "relay") == 0)
		return cc_yaml_relay(y, v, "reply", out);
	if (strcmp(key, "route") == 0) {
		const char *name;
		if (!cc_yaml_str(y, v, "route", &name))
			return false;
		struct cc_stmt *st = cc_stmt_new(S_ROUTE, vl);
		st->u.route_call.name = name;
		st->u.route_call.name_loc = vl;
		cc_yaml_add(out, st);
		return true;
	}
	if (strcmp(key, "drop") == 0) {
		if (!cc_yaml_bool(y, v, "drop", &on))
			return false;
		if (!on) {
			cc_diag_report(CC_D_BAD_VALUE, vl, "'drop: false' does nothing; leave it out");
			return false;
		}
		cc_yaml_add(out, cc_stmt_new(S_DROP, kl));
		return true;
	}
	if (strcmp(key, "lookup") == 0) {
		static const char *const fns[] = { "lookup", "t_reply", NULL };
		const char *table = "location";
		if (!cc_yaml_is_null(v) && !(cc_yaml_plain(v) && strcmp(cc_yaml_scalar(v), "true") == 0) &&
		    !cc_yaml_str(y, v, "lookup", &table))
			return false;
		if (!cc_yaml_need(y, kl, "action 'lookup'", "registrar", fns))
			return false;
		/* As every registrar policy does: 404 for a user with no
		 * contact, else relay to the contact found. */
		struct cc_yaml_block b = { 0 };
		cc_yaml_add(&b, cc_yaml_reply_stmt(kl, "t_reply", 404, "Not Found"));
		cc_yaml_add(&b, cc_stmt_new(S_EXIT, kl));
		cc_yaml_add(out, cc_yaml_if(kl, cc_yaml_not(cc_yaml_call(kl, "lookup", false, 1,
				cc_yaml_strlit(kl, table, strlen(table))), kl), &b));
		cc_yaml_add(out, cc_yaml_expr_stmt(cc_yaml_call(kl, "t_relay", false, 0)));
		return true;
	}
	if (strcmp(key, "save") == 0) {
		static const char *const fns[] = { "save", NULL };
		const char *table = "location";
		if (!cc_yaml_is_null(v) && !(cc_yaml_plain(v) && strcmp(cc_yaml_scalar(v), "true") == 0) &&
		    !cc_yaml_str(y, v, "save", &table))
			return false;
		if (!cc_yaml_need(y, kl, "action 'save'", "registrar", fns))
			return false;
		cc_yaml_add(out, cc_yaml_expr_stmt(cc_yaml_call(kl, "save", false, 1,
								cc_yaml_strlit(kl, table, strlen(table)))));
		return true;
	}
	if (strcmp(key, "gateway_group") == 0)
		return cc_yaml_gateway_group(y, v, kl, on_failure, of_loc, out);
	/* continue: only the preparation above; the next rules decide. */
	if (!cc_yaml_bool(y, v, "continue", &on))
		return false;
	if (!on) {
		cc_diag_report(CC_D_BAD_VALUE, vl, "'continue: false' does nothing; leave it out");
		return false;
	}
	if (rule)
		rule->cont = true;
	return true;
}

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
static unsigned cc_yaml_allow(struct cc_yaml *y, yaml_node_t *n)
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
static void cc_yaml_rules(struct cc_yaml *y, yaml_node_t *n, struct cc_loc key_loc,
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

static void cc_yaml_add_route(struct cc_yaml *y, int kind, const char *name, struct cc_loc loc,
			      struct cc_yaml_block *body)
{
	struct cc_route *r = cc_alloc(sizeof *r), **rt;

	r->kind = kind;
	r->name = name;
	r->body = cc_yaml_block_stmt(loc, body);
	r->loc = loc;
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
	static const char *const keys[] = { "log", "rewrite_user", "rewrite_uri", "reply", "relay",
					    "status", NULL };
	struct cc_yaml_field f[6];
	struct cc_yaml_block then = { 0 };
	struct cc_expr *status = NULL;
	int errors = cc_diag_errors();

	*skip = true;
	if (!cc_yaml_fields(y, v, "a failure route", keys, f))
		return false;
	if (f[3].val && f[4].val) {
		cc_diag_report(CC_D_BAD_VALUE, f[4].key_loc,
			       "a failure route can either reply or relay, not both");
		return false;
	}
	*skip = false;
	if (f[5].val && !(status = cc_yaml_failure_status(y, f[5].val)))
		return false;
	if (f[0].val)
		cc_yaml_log(y, f[0].val, &then);
	if (f[1].val)
		cc_yaml_rewrite(y, f[1].val, "rewrite_user", "$rU", &then);
	if (f[2].val)
		cc_yaml_rewrite(y, f[2].val, "rewrite_uri", "$ru", &then);
	if (f[3].val)
		cc_yaml_add(&then, cc_yaml_reply(y, f[3].val, "reply", "t_reply"));
	if (f[4].val)
		cc_yaml_relay(y, f[4].val, "t_reply", &then);
	struct cc_loc l = cc_yaml_loc(y, v);
	struct cc_expr *cond = cc_yaml_not(cc_yaml_call(l, "t_was_cancelled", false, 0), l);
	if (status)
		cond = cc_yaml_bin(B_AND, cond, cc_yaml_call(l, "t_check_status", false, 1, status), l);
	cc_yaml_add(body, cc_yaml_if(l, cond, &then));
	return cc_diag_errors() == errors;
}

/* The failover routes gateway_group actions arm (see
 * cc_yaml_gateway_group):
 *   route failure gateway_failover[_NAME] {
 *       if ($rs == 408 || $rs >= 500 && $rs < 600) {
 *           if (use_next_gw()) { t_on_failure(<itself>); t_relay(); exit; }
 *       }
 *       <what failure route NAME of failure_routes does>
 *   }
 * The rule's own failure route must come from failure_routes: its body is
 * lowered again here (a route from an included file cannot be copied). */
static void cc_yaml_failover_routes(struct cc_yaml *y)
{
	for (int i = 0; i < y->nfailover; i++) {
		const struct cc_yaml_failover *fo = &y->failover[i];
		const char *name = cc_yaml_failover_name(fo->on_failure);
		struct cc_loc l = fo->loc;
		struct cc_yaml_block body = { 0 }, retry = { 0 }, next = { 0 };
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
		cc_yaml_add(&next, cc_yaml_expr_stmt(cc_yaml_call(l, "t_on_failure", false, 1,
								 cc_yaml_ident(l, name))));
		cc_yaml_add(&next, cc_yaml_expr_stmt(cc_yaml_call(l, "t_relay", false, 0)));
		cc_yaml_add(&next, cc_stmt_new(S_EXIT, l));
		cc_yaml_add(&retry, cc_yaml_if(l, cc_yaml_call(l, "use_next_gw", false, 0), &next));
		struct cc_expr *rs = cc_yaml_bin(B_OR,
			cc_yaml_bin(B_EQ, cc_yaml_pv(l, "$rs"), cc_yaml_intlit(l, 408), l),
			cc_yaml_bin(B_AND, cc_yaml_bin(B_GE, cc_yaml_pv(l, "$rs"), cc_yaml_intlit(l, 500), l),
				    cc_yaml_bin(B_LT, cc_yaml_pv(l, "$rs"), cc_yaml_intlit(l, 600), l), l), l);
		cc_yaml_add(&body, cc_yaml_if(l, rs, &retry));
		bool skip;
		if (own && !cc_yaml_failure_body(y, own, &body, &skip))
			continue;
		cc_yaml_add_route(y, CC_RK_FAILURE, name, l, &body);
	}
}

/* failure_routes: {NAME: {status, log, rewrite_user, rewrite_uri, reply,
 * relay}} -> route failure NAME { if (...) { ... } } */
static void cc_yaml_failure_routes(struct cc_yaml *y, yaml_node_t *n)
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

/* ---- settings ---- */

/* listen: "udp:ADDR:PORT" (tcp:, tls:, ws:, wss:; as the proxy's --listen takes
 * it) or a list. */
static void cc_yaml_listen(struct cc_yaml *y, yaml_node_t *n)
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

static void cc_yaml_domains(struct cc_yaml *y, yaml_node_t *n)
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
static void cc_yaml_defines(struct cc_yaml *y, yaml_node_t *n)
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
static bool cc_yaml_include(struct cc_yaml *y, yaml_node_t *n)
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
static void cc_yaml_modules(struct cc_yaml *y, yaml_node_t *n)
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
static void cc_yaml_gateways(struct cc_yaml *y, yaml_node_t *n)
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

static const char *const cc_yaml_top_keys[] = {
	"listen", "domains", "defines", "database", "modules", "include",
	"require", "rules", "failure_routes", "allow", "gateways", NULL,
};

static void cc_yaml_policy(struct cc_yaml *y, yaml_node_t *root)
{
	struct cc_yaml_field f[11];

	if (!cc_yaml_fields(y, root, "the policy", cc_yaml_top_keys, f))
		return;
	if (f[0].val)
		cc_yaml_listen(y, f[0].val);
	if (f[1].val)
		cc_yaml_domains(y, f[1].val);
	if (f[2].val)
		cc_yaml_defines(y, f[2].val);
	if (f[10].val)
		cc_yaml_gateways(y, f[10].val);
	if (f[3].val && cc_yaml_str(y, f[3].val, "database", &y->p->database))
		y->p->database_loc = cc_yaml_loc(y, f[3].val);
	if (f[4].val)
		cc_yaml_modules(y, f[4].val);
	if (f[5].val)
		cc_yaml_include(y, f[5].val);
	if (f[7].val)
		cc_yaml_rules(y, f[7].val, f[7].key_loc, f[6].val);
	else if (f[6].val)
		cc_diag_report(CC_D_BAD_VALUE, f[6].key_loc,
			       "the policy's 'require' applies before the rules, but there are no 'rules'");
	/* allow: at the top applies to the whole request route, as
	 * "@allow(...)" before it; the rules' own "no catch-all" check (W0006)
	 * stands for the language's check of requests left without an answer. */
	for (struct cc_route *r = y->p->routes; r; r = r->next) {
		if (r->kind != CC_RK_REQUEST)
			continue;
		if (f[9].val)
			r->allow |= cc_yaml_allow(y, f[9].val);
		r->allow |= CC_ALLOW_NO_FINAL;
	}
	if (f[8].val)
		cc_yaml_failure_routes(y, f[8].val);
	cc_yaml_failover_routes(y);
}

enum cc_parse_result cc_yaml_parse_file(struct cc_program *p, const char *path)
{
	struct cc_yaml y = { .p = p };
	yaml_parser_t parser;
	size_t len = 0;
	char *text = cc_file_read(path, &len);
	int errors = cc_diag_errors();
	const char *slash;

	if (!text) {
		cc_diag_fatal("cannot read '%s': %s", path, strerror(errno));
		return CC_PARSE_UNREADABLE;
	}
	y.file = cc_strdup(path);
	slash = strrchr(y.file, '/');
	y.dir = slash ? cc_strndup(y.file, (size_t)(slash - y.file)) : "";
	cc_diag_source_add(y.file, text, len);
	y.text = text;
	y.len = len;
	cc_yaml_index_lines(&y);

	if (!yaml_parser_initialize(&parser)) {
		cc_diag_fatal("out of memory");
		return CC_PARSE_ERRORS;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &y.doc)) {
		cc_diag_report(CC_D_SYNTAX, cc_yaml_mark_loc(&y, parser.problem_mark), "%s",
			       parser.problem ? parser.problem : "invalid YAML");
		if (parser.context)
			cc_diag_note(cc_yaml_mark_loc(&y, parser.context_mark), "%s", parser.context);
		yaml_parser_delete(&parser);
		return CC_PARSE_ERRORS;
	}
	yaml_node_t *root = yaml_document_get_root_node(&y.doc);
	if (root)
		cc_yaml_policy(&y, root);
	yaml_document_delete(&y.doc);
	yaml_parser_delete(&parser);
	return cc_diag_errors() == errors ? CC_PARSE_OK : CC_PARSE_ERRORS;
}
