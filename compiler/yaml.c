/* The YAML front end: the document. The whole file is loaded with
 * libyaml's document API (the node tree keeps a start and end mark for
 * every node), checked key by key and lowered into the AST of ast.h:
 *
 *   settings            -> listen / domain / define / flag / avp items
 *   require (top level) -> checks at the top of "route request"
 *   rules               -> one if / else if / else chain in "route request",
 *                          in order, so the first matching rule wins
 *   failure_routes      -> "route failure NAME" routes
 *   reply_routes        -> "route reply NAME" routes
 *   timers              -> "route timer NAME every N" routes
 *   branch_routes       -> "route branch NAME" routes
 *   events              -> "route event MODULE.NAME" routes
 *
 * This file holds what every part needs (locations, scalars, values, the
 * AST structure) and the top-level keys; yaml_int.h says where the rest
 * is. Every generated node carries the location of the YAML node it came
 * from, so sema's errors (an unknown route, a misspelt define) point into
 * the YAML file like the errors found here. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "ast_print.h"
#include "parse_int.h"
#include "yaml_front.h"
#include "yaml_int.h"

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

struct cc_loc cc_yaml_mark_loc(const struct cc_yaml *y, yaml_mark_t m)
{
	return (struct cc_loc){
		.file = y->file, .line = (int)m.line + 1, .col = cc_yaml_col(y, m), .len = 1,
	};
}

/* Where a node starts; a scalar on one line gets its width so the caret
 * line underlines it. */
struct cc_loc cc_yaml_loc(const struct cc_yaml *y, const yaml_node_t *n)
{
	struct cc_loc l = cc_yaml_mark_loc(y, n->start_mark);

	if (n->type == YAML_SCALAR_NODE && n->end_mark.line == n->start_mark.line &&
	    n->end_mark.column > n->start_mark.column)
		l.len = cc_yaml_col(y, n->end_mark) - l.col;
	return l;
}

const char *cc_yaml_scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

bool cc_yaml_plain(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* An empty value ("key:" with nothing after it), ~ or null. */
bool cc_yaml_is_null(const yaml_node_t *n)
{
	const char *s;

	if (!cc_yaml_plain(n))
		return false;
	s = cc_yaml_scalar(n);
	return !*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
	       strcmp(s, "NULL") == 0;
}

/* A plain true / false: the words YAML 1.2's core schema reads as booleans. */
bool cc_yaml_is_true(const yaml_node_t *n)
{
	return cc_yaml_plain(n) && strcmp(cc_yaml_scalar(n), "true") == 0;
}

bool cc_yaml_is_false(const yaml_node_t *n)
{
	return cc_yaml_plain(n) && strcmp(cc_yaml_scalar(n), "false") == 0;
}

/* "unknown WHAT 'word'; did you mean 'x'?" over the words allowed. */
void cc_yaml_unknown_word(struct cc_yaml *y, struct cc_loc loc, const char *what,
			  const char *word, const char *const *words, int nwords)
{
	struct cc_suggest sg;
	size_t len = 0;

	(void)y;
	cc_suggest_init(&sg, word);
	for (int i = 0; i < nwords; i++) {
		cc_suggest_add(&sg, words[i]);
		len += strlen(words[i]) + 4;
	}
	char *list = cc_alloc(len + 1);
	for (int i = 0; i < nwords; i++) {
		if (i)
			strcat(list, i + 1 == nwords ? " or " : ", ");
		strcat(list, words[i]);
	}
	cc_diag_report(CC_D_BAD_VALUE, loc, "%s must be %s, not '%s'%s", what, list, word,
		       cc_suggest_text(&sg));
}

/* How a value reads in "must be X, not Y". */
const char *cc_yaml_what(const yaml_node_t *n)
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

yaml_node_t *cc_yaml_node(struct cc_yaml *y, yaml_node_item_t id)
{
	return yaml_document_get_node(&y->doc, id);
}

/* Check that n is a mapping whose keys are all among keys[] (NULL
 * terminated) and fill out[i] for keys[i]. An unknown key gets a "did you
 * mean", a repeated key an error; both are skipped. what names the mapping
 * in messages ("a rule's match"). Returns false when n is no mapping. */
bool cc_yaml_fields(struct cc_yaml *y, yaml_node_t *n, const char *what,
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
bool cc_yaml_str(struct cc_yaml *y, yaml_node_t *n, const char *key, const char **out)
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
bool cc_yaml_int(struct cc_yaml *y, yaml_node_t *n, const char *key,
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

bool cc_yaml_bool(struct cc_yaml *y, yaml_node_t *n, const char *key, bool *out)
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

bool cc_yaml_empty_list(struct cc_yaml *y, yaml_node_t *n, const char *key)
{
	if (n->type == YAML_SEQUENCE_NODE && n->data.sequence.items.start == n->data.sequence.items.top) {
		cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, n), "'%s' is an empty list", key);
		return true;
	}
	return false;
}

/* ---- AST construction ---- */

struct cc_expr *cc_yaml_strlit(struct cc_loc loc, const char *s, size_t len)
{
	struct cc_expr *e = cc_expr_new(E_STR, loc);

	e->u.str.s = cc_strndup(s, len);
	e->u.str.len = len;
	return e;
}

struct cc_expr *cc_yaml_intlit(struct cc_loc loc, long v)
{
	struct cc_expr *e = cc_expr_new(E_INT, loc);

	e->u.ival = v;
	return e;
}

struct cc_expr *cc_yaml_ident(struct cc_loc loc, const char *name)
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

struct cc_expr *cc_yaml_bin(enum cc_binop op, struct cc_expr *l, struct cc_expr *r,
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

struct cc_expr *cc_yaml_not(struct cc_expr *x, struct cc_loc loc)
{
	struct cc_expr *e = cc_expr_new(E_UNARY, loc);

	e->u.unary.op = U_NOT;
	e->u.unary.e = x;
	return e;
}

/* name(args...), nargs expressions following. Named arguments are given
 * as a "name:" string before the expression when named is true. */
void cc_yaml_add(struct cc_yaml_block *b, struct cc_stmt *st)
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

struct cc_stmt *cc_yaml_block_stmt(struct cc_loc loc, struct cc_yaml_block *b)
{
	struct cc_stmt *st = cc_stmt_new(S_BLOCK, loc);

	st->u.block.first = b->first;
	return st;
}


/* if (cond) { then... } */
struct cc_stmt *cc_yaml_if(struct cc_loc loc, struct cc_expr *cond, struct cc_yaml_block *then)
{
	struct cc_stmt *st = cc_stmt_new(S_IF, loc);

	st->u.if_.cond = cond;
	st->u.if_.then = cc_yaml_block_stmt(loc, then);
	return st;
}

/* ---- values ---- */

bool cc_yaml_is_word(const char *s, size_t n)
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
struct cc_expr *cc_yaml_value(struct cc_yaml *y, yaml_node_t *n, const char *key)
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
		/* ${$pv(ARG)}: a pseudo-variable with an argument ($hdr(X-Foo),
		 * $avp(name), $dlg(name)). */
		const char *paren = pv && close ? memchr(name, '(', nlen) : NULL;
		size_t wlen = paren ? (size_t)(paren - name) : nlen;
		bool arg_ok = !paren || (nlen > wlen + 2 && name[nlen - 1] == ')' &&
					 !memchr(paren + 1, '(', nlen - wlen - 2) &&
					 !memchr(paren + 1, ')', nlen - wlen - 2));
		if (!close || !cc_yaml_is_word(name + pv, wlen - pv) || !arg_ok) {
			cc_diag_report(CC_D_BAD_VALUE, at,
				       "malformed reference in '%s': write ${NAME} for a define, ${$pv} or ${$pv(ARG)} for a pseudo-variable, $${ for a literal '${'",
				       key);
			return NULL;
		}
		if (nlit) {
			e = cc_yaml_bin(B_ADD, e, cc_yaml_strlit(loc, lit, nlit), loc);
			nlit = 0;
		}
		at.col += 2;
		at.len = (int)nlen;
		const char *word = cc_strndup(name, wlen);
		struct cc_expr *ref = !pv ? cc_yaml_ident(at, word) :
				      paren ? cc_parse_pvarg(word, cc_strndup(paren + 1, nlen - wlen - 2), at) :
				      cc_yaml_pv(at, word);
		e = cc_yaml_bin(B_ADD, e, ref, loc);
		i = (size_t)(close - s) + 1;
	}
	if (nlit || !e)
		e = cc_yaml_bin(B_ADD, e, cc_yaml_strlit(loc, lit, nlit), loc);
	return e;
}

/* An IP address or a network ADDRESS/PREFIX, as ip_in_net() reads it. */
bool cc_yaml_net_ok(const char *s)
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
bool cc_yaml_regex_ok(struct cc_yaml *y, yaml_node_t *n, const struct cc_expr *re)
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

/* ---- actions ---- */

/* The reason phrases of RFC 3261 21 for the codes a policy replies with. */
const char *cc_yaml_reason(long code)
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

/* Append a route made of body to the program. */
void cc_yaml_add_route(struct cc_yaml *y, int kind, const char *name, struct cc_loc loc,
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

/* The top-level keys, in the order they are lowered: declarations
 * before the routes that use them. */
enum {
	CC_YT_LISTEN, CC_YT_DOMAINS, CC_YT_DEFINES, CC_YT_DATABASE, CC_YT_MODULES,
	CC_YT_INCLUDE, CC_YT_REQUIRE, CC_YT_RULES, CC_YT_FAILURE, CC_YT_ALLOW,
	CC_YT_GATEWAYS, CC_YT_FLAGS, CC_YT_BFLAGS, CC_YT_AVPS, CC_YT_DLGVARS,
	CC_YT_REPLY, CC_YT_TIMERS, CC_YT_BRANCH, CC_YT_EVENTS, CC_YT_PROFILES, CC_YT__COUNT
};
static const char *const cc_yaml_top_keys[] = {
	"listen", "domains", "defines", "database", "modules", "include",
	"require", "rules", "failure_routes", "allow", "gateways", "flags",
	"branch_flags", "avps", "dialog_vars", "reply_routes", "timers", "branch_routes", "events",
	"dialog_profiles", NULL,
};

static void cc_yaml_policy(struct cc_yaml *y, yaml_node_t *root)
{
	struct cc_yaml_field f[CC_YT__COUNT];

	if (!cc_yaml_fields(y, root, "the policy", cc_yaml_top_keys, f))
		return;
	if (f[CC_YT_LISTEN].val)
		cc_yaml_listen(y, f[CC_YT_LISTEN].val);
	if (f[CC_YT_DOMAINS].val)
		cc_yaml_domains(y, f[CC_YT_DOMAINS].val);
	if (f[CC_YT_DEFINES].val)
		cc_yaml_defines(y, f[CC_YT_DEFINES].val);
	if (f[CC_YT_GATEWAYS].val)
		cc_yaml_gateways(y, f[CC_YT_GATEWAYS].val);
	if (f[CC_YT_DATABASE].val && cc_yaml_str(y, f[CC_YT_DATABASE].val, "database", &y->p->database))
		y->p->database_loc = cc_yaml_loc(y, f[CC_YT_DATABASE].val);
	if (f[CC_YT_MODULES].val)
		cc_yaml_modules(y, f[CC_YT_MODULES].val);
	if (f[CC_YT_FLAGS].val)
		cc_yaml_flags(y, f[CC_YT_FLAGS].val, false);
	if (f[CC_YT_BFLAGS].val)
		cc_yaml_flags(y, f[CC_YT_BFLAGS].val, true);
	if (f[CC_YT_AVPS].val)
		cc_yaml_avps(y, f[CC_YT_AVPS].val, false);
	if (f[CC_YT_DLGVARS].val)
		cc_yaml_avps(y, f[CC_YT_DLGVARS].val, true);
	if (f[CC_YT_PROFILES].val)
		cc_yaml_profiles(y, f[CC_YT_PROFILES].val);
	if (f[CC_YT_INCLUDE].val)
		cc_yaml_include(y, f[CC_YT_INCLUDE].val);
	if (f[CC_YT_RULES].val)
		cc_yaml_rules(y, f[CC_YT_RULES].val, f[CC_YT_RULES].key_loc, f[CC_YT_REQUIRE].val);
	else if (f[CC_YT_REQUIRE].val)
		cc_diag_report(CC_D_BAD_VALUE, f[CC_YT_REQUIRE].key_loc,
			       "the policy's 'require' applies before the rules, but there are no 'rules'");
	/* allow: at the top applies to the whole request route, as
	 * "@allow(...)" before it; the rules' own "no catch-all" check (W0006)
	 * stands for the language's check of requests left without an answer. */
	for (struct cc_route *r = y->p->routes; r; r = r->next) {
		if (r->kind != CC_RK_REQUEST)
			continue;
		if (f[CC_YT_ALLOW].val)
			r->allow |= cc_yaml_allow(y, f[CC_YT_ALLOW].val);
		r->allow |= CC_ALLOW_NO_FINAL;
	}
	if (f[CC_YT_FAILURE].val)
		cc_yaml_failure_routes(y, f[CC_YT_FAILURE].val);
	cc_yaml_failover_routes(y);
	if (f[CC_YT_REPLY].val)
		cc_yaml_reply_routes(y, f[CC_YT_REPLY].val);
	if (f[CC_YT_TIMERS].val)
		cc_yaml_timers(y, f[CC_YT_TIMERS].val);
	if (f[CC_YT_BRANCH].val)
		cc_yaml_branch_routes(y, f[CC_YT_BRANCH].val);
	if (f[CC_YT_EVENTS].val)
		cc_yaml_events(y, f[CC_YT_EVENTS].val);
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
