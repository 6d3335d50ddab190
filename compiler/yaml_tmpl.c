/* DSL templates for the YAML front end. A row of the table (yaml_table.c)
 * says what a YAML key means as text of the policy language, with holes:
 *
 *   { "lookup", CC_YW_RULE | CC_YW_FINAL, "table: str = location",
 *     "if (!lookup(@table)) { t_reply(404, \"Not Found\"); exit; }", .tail = "t_relay();" }
 *
 * The text is parsed by the language's own parser (cc_parse_buffer) into
 * a scratch program, each hole (@table, written __h_table for the
 * scanner) is replaced by the AST built from the YAML value, and every
 * other node takes the location of the YAML key. So the YAML front end
 * never names a stdlib function, sema checks what a key means exactly as
 * it checks the language (an unknown function, a wrong argument type, a
 * function not allowed in this kind of route), and its diagnostics point
 * at the YAML line. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "yaml_int.h"

#define CC_HOLE_PREFIX "__h_"
#define CC_HOLE_MAX 8

/* The types a hole may have ("name: type" in a row's holes). */
enum cc_hole_type {
	CC_HT_STR,      /* a string; ${NAME} and ${$pv} references allowed */
	CC_HT_REGEX,    /* a string that is a POSIX extended regular expression */
	CC_HT_URI,      /* a string that is a SIP URI (or a reference) */
	CC_HT_INT,      /* an integer, int(LO..HI) for a range */
	CC_HT_BOOL,     /* true or false */
	CC_HT_WORD,     /* a name: a flag, an AVP, a route */
	CC_HT_METHOD,   /* a method name, upper-cased */
	CC_HT_LEVEL,    /* a log level: err, warn, notice, info, dbg -> L_ERR ... */
	CC_HT_REPLY,    /* CODE or { code: CODE, reason: TEXT }: @x.code and @x.reason */
	CC_HT_SCALAR,   /* an integer or a string, as written */
	CC_HT_EXPR,     /* filled by the front end (a condition it built) */
	CC_HT_STMT,     /* filled by the front end (statements it built) */
};

struct cc_hole_spec {
	const char *name;
	enum cc_hole_type type;
	long lo, hi;
	const char *dflt;      /* NULL: must be given */
};

static const char *const cc_hole_type_names[] = {
	"str", "regex", "uri", "int", "bool", "word", "method", "level", "reply",
	"scalar", "expr", "stmt",
};

static const char *const cc_yaml_levels[] = { "err", "warn", "notice", "info", "dbg" };

/* Read a row's hole list "name: type [= default], ..." (the table is
 * ours: a malformed list is a bug, caught by the golden tests). */
static int cc_hole_specs(const char *list, struct cc_hole_spec *out)
{
	int n = 0;
	const char *s = list ? list : "";

	while (*s && n < CC_HOLE_MAX) {
		struct cc_hole_spec *h = &out[n];
		const char *end = strchr(s, ',');
		size_t len = end ? (size_t)(end - s) : strlen(s);
		char *item = cc_strndup(s, len), *colon = strchr(item, ':'), *eq = strchr(item, '=');
		char *name = item, *type = colon ? colon + 1 : item;

		/* A default may hold a comma: "reason" texts do not, the
		 * lists are short, and defaults come last in a row. */
		if (eq) {
			*eq = '\0';
			char *d = eq + 1;
			while (*d == ' ')
				d++;
			size_t dl = strlen(d);
			if (dl >= 2 && d[0] == '"' && d[dl - 1] == '"')
				d = cc_strndup(d + 1, dl - 2);
			h->dflt = d;
		} else {
			h->dflt = NULL;
		}
		if (colon)
			*colon = '\0';
		while (*name == ' ')
			name++;
		for (char *e = name + strlen(name); e > name && e[-1] == ' '; )
			*--e = '\0';
		while (*type == ' ')
			type++;
		for (char *e = type + strlen(type); e > type && e[-1] == ' '; )
			*--e = '\0';
		h->name = name;
		h->lo = 0;
		h->hi = INT32_MAX;
		h->type = CC_HT_STR;
		if (strncmp(type, "int(", 4) == 0) {
			h->type = CC_HT_INT;
			h->lo = strtol(type + 4, NULL, 10);
			const char *dots = strstr(type, "..");
			h->hi = dots ? strtol(dots + 2, NULL, 10) : INT32_MAX;
		} else {
			for (size_t t = 0; t < sizeof cc_hole_type_names / sizeof *cc_hole_type_names; t++)
				if (strcmp(type, cc_hole_type_names[t]) == 0)
					h->type = (enum cc_hole_type)t;
		}
		n++;
		s = end ? end + 1 : s + len;
	}
	return n;
}

/* ---- instantiation ---- */

static const struct cc_yaml_hole *cc_hole_find(const char *name, const struct cc_yaml_hole *h,
					       int n)
{
	if (!name || strncmp(name, CC_HOLE_PREFIX, strlen(CC_HOLE_PREFIX)) != 0)
		return NULL;
	name += strlen(CC_HOLE_PREFIX);
	for (int i = 0; i < n; i++)
		if (strcmp(h[i].name, name) == 0)
			return &h[i];
	return NULL;
}

struct cc_tmpl_ctx {
	struct cc_yaml *y;
	const char *what;
	struct cc_loc loc;
	const struct cc_yaml_hole *h;
	int n;
	bool ok;
};

/* A copy of a hole's expression: a hole may stand twice in a text, and
 * sema rewrites nodes in place. */
static struct cc_expr *cc_expr_copy(const struct cc_expr *e)
{
	if (!e)
		return NULL;
	struct cc_expr *c = cc_alloc(sizeof *c);
	*c = *e;
	switch (e->kind) {
	case E_CALL:
		if (e->u.call.nargs) {
			c->u.call.args = cc_alloc(sizeof *c->u.call.args * (size_t)e->u.call.nargs);
			for (int i = 0; i < e->u.call.nargs; i++)
				c->u.call.args[i] = cc_expr_copy(e->u.call.args[i]);
		}
		break;
	case E_UNARY:
		c->u.unary.e = cc_expr_copy(e->u.unary.e);
		break;
	case E_BINARY:
		c->u.binary.l = cc_expr_copy(e->u.binary.l);
		c->u.binary.r = cc_expr_copy(e->u.binary.r);
		break;
	default:
		break;
	}
	return c;
}

static void cc_tmpl_expr_at(struct cc_tmpl_ctx *c, struct cc_expr *e, struct cc_loc at);

/* Give e and what it is made of the location loc. */
static void cc_expr_locate(struct cc_expr *e, struct cc_loc loc)
{
	if (!e)
		return;
	e->loc = loc;
	if (e->kind == E_BINARY) {
		cc_expr_locate(e->u.binary.l, loc);
		cc_expr_locate(e->u.binary.r, loc);
	}
}

static void cc_tmpl_expr(struct cc_tmpl_ctx *c, struct cc_expr *e)
{
	cc_tmpl_expr_at(c, e, c->loc);
}

/* Fill the holes of e; the nodes of the text are located at "at". */
static void cc_tmpl_expr_at(struct cc_tmpl_ctx *c, struct cc_expr *e, struct cc_loc at)
{
	const struct cc_yaml_hole *h;

	if (!e)
		return;
	switch (e->kind) {
	case E_IDENT:
		if ((h = cc_hole_find(e->u.ident.name, c->h, c->n))) {
			if (h->e) {
				*e = *cc_expr_copy(h->e);
			} else {
				e->u.ident.name = h->word;
				e->loc = h->loc;
			}
			return;
		}
		break;
	case E_PV:
		if ((h = cc_hole_find(e->u.pv.arg, c->h, c->n)))
			e->u.pv.arg = h->word;
		break;
	case E_AVP:
		if ((h = cc_hole_find(e->u.avp.name, c->h, c->n)))
			e->u.avp.name = h->word;
		break;
	case E_CALL:
		/* A call given a value from YAML is located at the value (the
		 * gateway do_routing() picks is where its group is written). */
		for (int i = 0; i < e->u.call.nargs; i++) {
			const struct cc_expr *a = e->u.call.args[i];
			if (a->kind == E_IDENT && (h = cc_hole_find(a->u.ident.name, c->h, c->n)) &&
			    h->loc.line) {
				at = h->loc;
				break;
			}
		}
		/* The stdlib must declare what the row calls: a module that
		 * is not there is reported at the key, not by sema later as
		 * an unknown function the user never wrote. */
		if (c->what && c->y->p->fns && !cc_find_fn(c->y->p, e->u.call.name) &&
		    !cc_find_route(c->y->p, e->u.call.name)) {
			cc_diag_report(CC_D_NOT_AVAILABLE, c->loc,
				       "%s needs %s(), which the stdlib does not declare", c->what,
				       e->u.call.name);
			cc_diag_note((struct cc_loc){0}, "the module that provides it is not installed");
			c->ok = false;
			c->what = NULL;
		}
		for (int i = 0; i < e->u.call.nargs; i++)
			cc_tmpl_expr(c, e->u.call.args[i]);
		break;
	case E_UNARY:
		cc_tmpl_expr(c, e->u.unary.e);
		break;
	case E_BINARY:
		cc_tmpl_expr(c, e->u.binary.l);
		cc_tmpl_expr(c, e->u.binary.r);
		break;
	default:
		break;
	}
	e->loc = at;
}

/* The statement hole of "@name();", or NULL. */
static const struct cc_yaml_hole *cc_tmpl_stmt_hole(struct cc_tmpl_ctx *c, const struct cc_stmt *st)
{
	if (st->kind != S_EXPR || st->u.expr->kind != E_CALL || st->u.expr->u.call.nargs)
		return NULL;
	return cc_hole_find(st->u.expr->u.call.name, c->h, c->n);
}

static struct cc_stmt *cc_tmpl_stmts(struct cc_tmpl_ctx *c, struct cc_stmt *first);

static void cc_tmpl_stmt(struct cc_tmpl_ctx *c, struct cc_stmt *st)
{
	const struct cc_yaml_hole *h;

	st->loc = c->loc;
	switch (st->kind) {
	case S_EXPR:
		cc_tmpl_expr(c, st->u.expr);
		break;
	case S_IF:
		cc_tmpl_expr(c, st->u.if_.cond);
		cc_tmpl_stmt(c, st->u.if_.then);
		if (st->u.if_.els)
			cc_tmpl_stmt(c, st->u.if_.els);
		break;
	case S_BLOCK:
		st->u.block.first = cc_tmpl_stmts(c, st->u.block.first);
		break;
	case S_RETURN:
		cc_tmpl_expr(c, st->u.ret.value);
		break;
	case S_ROUTE:
		st->u.route_call.name_loc = c->loc;
		if ((h = cc_hole_find(st->u.route_call.name, c->h, c->n))) {
			st->u.route_call.name = h->word;
			st->u.route_call.name_loc = h->loc;
		}
		break;
	case S_ASSIGN:
		st->u.assign.name_loc = c->loc;
		if ((h = cc_hole_find(st->u.assign.arg, c->h, c->n)))
			st->u.assign.arg = h->word;
		/* "$du = @to": where the value is written. */
		if (st->u.assign.value->kind == E_IDENT &&
		    (h = cc_hole_find(st->u.assign.value->u.ident.name, c->h, c->n)) && h->loc.line)
			st->loc = h->loc;
		cc_tmpl_expr(c, st->u.assign.value);
		break;
	case S_WHILE:
		cc_tmpl_expr(c, st->u.while_.cond);
		cc_tmpl_stmt(c, st->u.while_.body);
		break;
	case S_SWITCH:
		cc_tmpl_expr(c, st->u.switch_.subject);
		for (struct cc_case *k = st->u.switch_.cases; k; k = k->next) {
			k->loc = c->loc;
			k->first = cc_tmpl_stmts(c, k->first);
		}
		break;
	default:
		break;
	}
}

/* Fill the holes of a statement list; "@name();" is replaced by the
 * hole's statements (none: removed). Returns the new first statement. */
static struct cc_stmt *cc_tmpl_stmts(struct cc_tmpl_ctx *c, struct cc_stmt *first)
{
	struct cc_yaml_block out = { 0 };

	for (struct cc_stmt *st = first, *next; st; st = next) {
		const struct cc_yaml_hole *h = cc_tmpl_stmt_hole(c, st);
		next = st->next;
		st->next = NULL;
		if (h) {
			cc_yaml_add(&out, h->st);
			continue;
		}
		cc_tmpl_stmt(c, st);
		cc_yaml_add(&out, st);
	}
	return out.first;
}

/* Parse text (holes written @name, @name.part) as the body of a route
 * of a scratch program; the body's statements, or NULL when it does not
 * parse (a bug of the table: the message says which row). */
static struct cc_stmt *cc_tmpl_parse(struct cc_yaml *y, const char *what, const char *text,
				     bool expr, struct cc_loc loc)
{
	size_t n = strlen(text), cap = n * 4 + 64, len = 0;
	char *src = cc_alloc(cap);
	struct cc_program *scratch = cc_alloc(sizeof *scratch);

	(void)y;
	len += (size_t)sprintf(src, expr ? "route t {\nif (" : "route t {\n");
	for (size_t i = 0; i < n; i++) {
		if (text[i] != '@' || !(isalpha((unsigned char)text[i + 1]) || text[i + 1] == '_')) {
			src[len++] = text[i];
			continue;
		}
		memcpy(src + len, CC_HOLE_PREFIX, strlen(CC_HOLE_PREFIX));
		len += strlen(CC_HOLE_PREFIX);
		for (i++; i < n && (isalnum((unsigned char)text[i]) || text[i] == '_' ||
				    (text[i] == '.' && isalpha((unsigned char)text[i + 1]))); i++) {
			if (text[i] == '.') {
				src[len++] = '_';
				src[len++] = '_';
			} else {
				src[len++] = text[i];
			}
		}
		i--;
	}
	len += (size_t)sprintf(src + len, expr ? ") { }\n}\n" : "\n}\n");
	char *file = cc_alloc(strlen(what ? what : "a YAML key") + 32);
	sprintf(file, "<DSL of %s>", what ? what : "a YAML key");
	if (cc_parse_buffer(scratch, file, src, len, CC_SRC_POLICY) != CC_PARSE_OK ||
	    !scratch->routes || !scratch->routes->body) {
		cc_diag_note(loc, "the DSL of %s does not parse", what ? what : "this key");
		return NULL;
	}
	struct cc_stmt *body = scratch->routes->body;
	return body->kind == S_BLOCK ? body->u.block.first : body;
}

struct cc_stmt *cc_yaml_tmpl_stmts(struct cc_yaml *y, const char *what, const char *text,
				   struct cc_loc loc, const struct cc_yaml_hole *h, int n)
{
	struct cc_tmpl_ctx c = { .y = y, .what = what, .loc = loc, .h = h, .n = n, .ok = true };
	int errors = cc_diag_errors();
	struct cc_stmt *first = cc_tmpl_parse(y, what, text, false, loc);

	if (cc_diag_errors() != errors)
		return NULL;
	first = cc_tmpl_stmts(&c, first);
	if (!c.ok)
		return NULL;
	if (!first) {
		/* An empty text ("continue") is a valid meaning: an empty block
		 * keeps "NULL means error" for the callers. */
		first = cc_stmt_new(S_BLOCK, loc);
	}
	return first;
}

struct cc_expr *cc_yaml_tmpl_expr(struct cc_yaml *y, const char *what, const char *text,
				  struct cc_loc loc, const struct cc_yaml_hole *h, int n)
{
	struct cc_tmpl_ctx c = { .y = y, .what = what, .loc = loc, .h = h, .n = n, .ok = true };
	int errors = cc_diag_errors();
	struct cc_stmt *st = cc_tmpl_parse(y, what, text, true, loc);

	if (cc_diag_errors() != errors || !st || st->kind != S_IF)
		return NULL;
	struct cc_expr *e = st->u.if_.cond;
	cc_tmpl_expr(&c, e);
	return c.ok ? e : NULL;
}

/* ---- the table ---- */

/* The key of a row without its "=VALUE" variant part, compared with key. */
static bool cc_row_is(const struct cc_yaml_tmpl *t, const char *key, const char **variant)
{
	size_t k = strlen(key);
	const char *eq = strchr(t->key, '=');
	size_t rk = eq ? (size_t)(eq - t->key) : strlen(t->key);

	if (rk != k || strncmp(t->key, key, k) != 0)
		return false;
	if (variant)
		*variant = eq ? eq + 1 : NULL;
	return true;
}

const struct cc_yaml_tmpl *cc_yaml_tmpl_find(const char *key, unsigned where)
{
	for (int i = 0; i < cc_yaml_ntable; i++)
		if ((cc_yaml_table[i].where & where) == where && cc_row_is(&cc_yaml_table[i], key, NULL))
			return &cc_yaml_table[i];
	return NULL;
}

const char *const *cc_yaml_table_keys(unsigned where, int *n)
{
	const char **keys = cc_alloc(sizeof *keys * (size_t)(cc_yaml_ntable + 1));
	int k = 0;

	for (int i = 0; i < cc_yaml_ntable; i++) {
		const struct cc_yaml_tmpl *t = &cc_yaml_table[i];
		if (!(t->where & where) || (t->where & CC_YW_INTERNAL))
			continue;
		const char *eq = strchr(t->key, '=');
		const char *key = eq ? cc_strndup(t->key, (size_t)(eq - t->key)) : t->key;
		bool seen = false;
		for (int j = 0; j < k && !seen; j++)
			seen = strcmp(keys[j], key) == 0;
		if (!seen)
			keys[k++] = key;
	}
	keys[k] = NULL;
	if (n)
		*n = k;
	return keys;
}

/* The value of one hole from its YAML node (NULL: from the default dflt,
 * located at loc). Fills one hole, two for a reply (NAME__code,
 * NAME__reason); returns how many, 0 after an error. */
static int cc_hole_value(struct cc_yaml *y, const struct cc_hole_spec *s, yaml_node_t *n,
			 struct cc_loc loc, const char *label, struct cc_yaml_hole *out)
{
	yaml_node_t fake;
	const char *key = label ? label : s->name;

	if (!n) {
		memset(&fake, 0, sizeof fake);
		fake.type = YAML_SCALAR_NODE;
		fake.data.scalar.value = (yaml_char_t *)s->dflt;
		fake.data.scalar.length = strlen(s->dflt);
		fake.data.scalar.style = YAML_PLAIN_SCALAR_STYLE;
		n = &fake;
	} else {
		loc = cc_yaml_loc(y, n);
	}
	out->name = s->name;
	out->loc = loc;
	out->e = NULL;
	out->st = NULL;
	out->word = NULL;
	switch (s->type) {
	case CC_HT_STR:
	case CC_HT_REGEX:
	case CC_HT_URI:
		if (n == &fake) {
			/* A default may refer to a pseudo-variable ("${$rU}"):
			 * located at the key, as the rest of the row. */
			out->e = strstr(s->dflt, "${") ? cc_yaml_value(y, n, key) :
				 cc_yaml_strlit(loc, s->dflt, strlen(s->dflt));
			cc_expr_locate(out->e, loc);
			return out->e != NULL;
		}
		if (!(out->e = cc_yaml_value(y, n, key)))
			return 0;
		if (s->type == CC_HT_REGEX && !cc_yaml_regex_ok(y, n, out->e))
			return 0;
		if (s->type == CC_HT_URI && out->e->kind == E_STR &&
		    strncmp(out->e->u.str.s, "sip:", 4) != 0 && strncmp(out->e->u.str.s, "sips:", 5) != 0) {
			cc_diag_report(CC_D_BAD_LITERAL, loc,
				       "'%s' must be a SIP URI (sip:HOST[:PORT]), not '%s'", key,
				       out->e->u.str.s);
			return 0;
		}
		return 1;
	case CC_HT_INT: {
		long v;
		/* "${NAME}" or "${$pv}" alone: the define or pseudo-variable,
		 * whose type sema checks. */
		if (n != &fake && n->type == YAML_SCALAR_NODE && !cc_yaml_plain(n) &&
		    strncmp(cc_yaml_scalar(n), "${", 2) == 0) {
			struct cc_expr *e = cc_yaml_value(y, n, key);
			if (!e)
				return 0;
			if (e->kind == E_IDENT || e->kind == E_PV || e->kind == E_AVP) {
				out->e = e;
				return 1;
			}
		}
		if (!cc_yaml_int(y, n, key, s->lo, s->hi, &v))
			return 0;
		out->e = cc_yaml_intlit(loc, v);
		return 1;
	}
	case CC_HT_BOOL: {
		bool v;
		if (!cc_yaml_bool(y, n, key, &v))
			return 0;
		out->e = cc_expr_new(E_BOOL, loc);
		out->e->u.ival = v;
		return 1;
	}
	case CC_HT_WORD:
	case CC_HT_METHOD: {
		const char *w;
		if (!cc_yaml_str(y, n, key, &w))
			return 0;
		if (!cc_yaml_is_word(w, strlen(w))) {
			cc_diag_report(CC_D_BAD_VALUE, loc, "'%s' must be a name (letters, digits, _), not '%s'",
				       key, w);
			return 0;
		}
		if (s->type == CC_HT_METHOD) {
			/* Methods are upper case on the wire; "invite" surely means INVITE. */
			char *up = cc_strdup(w);
			for (char *c = up; *c; c++)
				*c = (char)toupper((unsigned char)*c);
			w = up;
		}
		out->word = w;
		out->e = cc_yaml_ident(loc, w);
		return 1;
	}
	case CC_HT_LEVEL: {
		const char *lv;
		int i, nl = (int)(sizeof cc_yaml_levels / sizeof *cc_yaml_levels);
		if (!cc_yaml_str(y, n, key, &lv))
			return 0;
		for (i = 0; i < nl && strcmp(cc_yaml_levels[i], lv) != 0; i++)
			;
		if (i == nl) {
			struct cc_suggest sg;
			cc_suggest_init(&sg, lv);
			for (int j = 0; j < nl; j++)
				cc_suggest_add(&sg, cc_yaml_levels[j]);
			cc_diag_report(CC_D_BAD_VALUE, loc,
				       "unknown log level '%s' (err, warn, notice, info or dbg)%s",
				       lv, cc_suggest_text(&sg));
			return 0;
		}
		char *c = cc_alloc(strlen(lv) + 3);
		sprintf(c, "L_%s", lv);
		for (char *p = c; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		out->e = cc_yaml_ident(loc, c);
		return 1;
	}
	case CC_HT_REPLY: {
		static const char *const keys[] = { "code", "reason", NULL };
		struct cc_yaml_field f[2];
		yaml_node_t *code_node = n;
		const char *reason = NULL;
		long code;
		if (n == &fake) {
			code = strtol(s->dflt, (char **)&reason, 10);
			while (*reason == ' ')
				reason++;
			if (!*reason)
				reason = cc_yaml_reason(code);
		} else {
			if (n->type == YAML_MAPPING_NODE) {
				char what[64];
				snprintf(what, sizeof what, "'%s'", key);
				if (!cc_yaml_fields(y, n, what, keys, f))
					return 0;
				if (!f[0].val) {
					cc_diag_report(CC_D_BAD_VALUE, loc, "'%s' needs a 'code'", key);
					return 0;
				}
				code_node = f[0].val;
				if (f[1].val && !cc_yaml_str(y, f[1].val, "reason", &reason))
					return 0;
			}
			if (!cc_yaml_int(y, code_node, "code", 100, 699, &code))
				return 0;
			loc = cc_yaml_loc(y, code_node);
			if (!reason)
				reason = cc_yaml_reason(code);
			if (!reason) {
				cc_diag_report(CC_D_BAD_VALUE, loc,
					       "reply %ld has no standard reason phrase; give one with 'reason'",
					       code);
				return 0;
			}
		}
		char *cn = cc_alloc(strlen(s->name) + 8), *rn = cc_alloc(strlen(s->name) + 10);
		sprintf(cn, "%s__code", s->name);
		sprintf(rn, "%s__reason", s->name);
		out[0] = (struct cc_yaml_hole){ .name = cn, .e = cc_yaml_intlit(loc, code), .loc = loc };
		out[1] = (struct cc_yaml_hole){ .name = rn, .loc = loc,
						.e = cc_yaml_strlit(loc, reason, strlen(reason)) };
		return 2;
	}
	case CC_HT_SCALAR: {
		const char *t = n->type == YAML_SCALAR_NODE ? cc_yaml_scalar(n) : "";
		char *end;
		errno = 0;
		long v = strtol(t, &end, 10);
		if (cc_yaml_plain(n) && *t && !*end && errno != ERANGE && !isspace((unsigned char)*t)) {
			out->e = cc_yaml_intlit(loc, v);
			return 1;
		}
		if (n == &fake) {
			out->e = cc_yaml_strlit(loc, t, strlen(t));
			return 1;
		}
		return (out->e = cc_yaml_value(y, n, key)) ? 1 : 0;
	}
	case CC_HT_EXPR:
	case CC_HT_STMT:
		break;
	}
	return 0;
}

/* A row and its holes. */
struct cc_row {
	const struct cc_yaml_tmpl *t;
	struct cc_hole_spec h[CC_HOLE_MAX];
	int nh;
	const char *variant;
};

/* Instantiate row r: holes given (names[i] -> nodes[i]), the others from
 * their defaults; extra holes from the caller. */
static bool cc_row_fill(struct cc_yaml *y, const struct cc_row *r, const char *what,
			const char *key, yaml_node_t *whole,
			const char *const *names, yaml_node_t *const *nodes, int ngiven,
			struct cc_loc loc, const struct cc_yaml_hole *extra, int nextra,
			struct cc_yaml_hole *holes, int *nholes)
{
	int n = 0;

	for (int i = 0; i < r->nh; i++) {
		const struct cc_hole_spec *s = &r->h[i];
		yaml_node_t *v = NULL;
		bool given = false;
		if (s->type == CC_HT_EXPR || s->type == CC_HT_STMT)
			continue;
		for (int j = 0; j < ngiven; j++)
			if (strcmp(names[j], s->name) == 0) {
				v = nodes[j];
				given = true;
			}
		if (!given && !s->dflt) {
			cc_diag_report(CC_D_BAD_VALUE, loc, "%s needs '%s'", what, s->name);
			return false;
		}
		/* The value of the key itself is named by the key. */
		int k = cc_hole_value(y, s, v, loc, v && v == whole ? key : NULL, holes + n);
		if (!k)
			return false;
		n += k;
	}
	for (int i = 0; i < nextra && n < 2 * CC_HOLE_MAX; i++)
		holes[n++] = extra[i];
	*nholes = n;
	return true;
}

/* The rows of key usable where, in table order. */
static int cc_rows(const char *key, unsigned where, struct cc_row *out, int max)
{
	int n = 0;

	for (int i = 0; i < cc_yaml_ntable && n < max; i++) {
		const struct cc_yaml_tmpl *t = &cc_yaml_table[i];
		const char *variant;
		if (!(t->where & where) || !cc_row_is(t, key, &variant))
			continue;
		out[n].t = t;
		out[n].variant = variant;
		out[n].nh = cc_hole_specs(t->holes, out[n].h);
		n++;
	}
	return n;
}

static const struct cc_hole_spec *cc_row_hole(const struct cc_row *r, const char *name)
{
	for (int i = 0; i < r->nh; i++)
		if (strcmp(r->h[i].name, name) == 0)
			return &r->h[i];
	return NULL;
}

/* The row that takes exactly the holes given: each given one is its,
 * each of its own without a default is given. */
static const struct cc_row *cc_row_pick(const struct cc_row *rows, int nrows,
					const char *const *names, int ngiven)
{
	for (int i = 0; i < nrows; i++) {
		bool fits = true;
		for (int j = 0; j < ngiven && fits; j++)
			fits = cc_row_hole(&rows[i], names[j]) != NULL;
		for (int k = 0; k < rows[i].nh && fits; k++) {
			const struct cc_hole_spec *s = &rows[i].h[k];
			if (s->dflt || s->type == CC_HT_EXPR || s->type == CC_HT_STMT)
				continue;
			bool given = false;
			for (int j = 0; j < ngiven; j++)
				given |= strcmp(names[j], s->name) == 0;
			fits = given;
		}
		if (fits)
			return &rows[i];
	}
	return NULL;
}

/* Instantiate a row at loc into out (statements) or *cond. */
static bool cc_row_emit(struct cc_yaml *y, const struct cc_row *r, const char *what,
			struct cc_loc loc, const struct cc_yaml_hole *holes, int nholes,
			unsigned where, struct cc_yaml_block *out, struct cc_yaml_block *tail,
			struct cc_expr **cond)
{
	if (where & CC_YW_MATCH) {
		struct cc_expr *e = cc_yaml_tmpl_expr(y, what, r->t->text, loc, holes, nholes);
		if (!e)
			return false;
		*cond = cc_yaml_bin(B_AND, *cond, e, loc);
		return true;
	}
	struct cc_stmt *st;
	/* An empty text ("continue") means no statement. */
	if (*r->t->text) {
		if (!(st = cc_yaml_tmpl_stmts(y, what, r->t->text, loc, holes, nholes)))
			return false;
		cc_yaml_add(out, st);
	}
	if (r->t->tail) {
		st = cc_yaml_tmpl_stmts(y, what, r->t->tail, loc, holes, nholes);
		if (!st)
			return false;
		cc_yaml_add(tail ? tail : out, st);
	}
	return true;
}

static bool cc_yaml_apply_one(struct cc_yaml *y, const char *key, struct cc_loc key_loc,
			      yaml_node_t *v, unsigned where, struct cc_row *rows, int nrows,
			      const struct cc_yaml_hole *extra, int nextra,
			      struct cc_yaml_block *out, struct cc_yaml_block *tail,
			      struct cc_expr **cond);

bool cc_yaml_apply(struct cc_yaml *y, const char *key, struct cc_loc key_loc, yaml_node_t *v,
		   unsigned where, struct cc_yaml_block *out, struct cc_yaml_block *tail,
		   struct cc_expr **cond)
{
	return cc_yaml_apply_extra(y, key, key_loc, v, where, NULL, 0, out, tail, cond);
}

/* As cc_yaml_apply, with holes the front end fills itself (a failover
 * route's name, a condition it built). */
bool cc_yaml_apply_extra(struct cc_yaml *y, const char *key, struct cc_loc key_loc,
			 yaml_node_t *v, unsigned where, const struct cc_yaml_hole *extra,
			 int nextra, struct cc_yaml_block *out, struct cc_yaml_block *tail,
			 struct cc_expr **cond)
{
	struct cc_row rows[16];
	int nrows = cc_rows(key, where, rows, 16);
	char what[80];

	if (!nrows)
		return false;
	snprintf(what, sizeof what, "'%s'", key);
	/* KEY=VALUE rows: the scalar value picks the row. */
	if (rows[0].variant) {
		const char *s;
		const char *words[16];
		if (!cc_yaml_str(y, v, key, &s))
			return false;
		for (int i = 0; i < nrows; i++) {
			words[i] = rows[i].variant;
			if (strcmp(rows[i].variant, s) == 0) {
				int nh = 0;
				struct cc_yaml_hole holes[2 * CC_HOLE_MAX];
				if (!cc_row_fill(y, &rows[i], what, key, NULL, NULL, NULL, 0, key_loc, extra, nextra,
						 holes, &nh))
					return false;
				return cc_row_emit(y, &rows[i], what, cc_yaml_loc(y, v), holes, nh, where,
						   out, tail, cond);
			}
		}
		cc_yaml_unknown_word(y, cc_yaml_loc(y, v), what, s, words, nrows);
		return false;
	}
	/* A list repeats a step ("set_flag: [A, B]"); in a match, all of
	 * them must hold. */
	if (v->type == YAML_SEQUENCE_NODE && !(rows[0].t->where & CC_YW_KEYED)) {
		bool ok = !cc_yaml_empty_list(y, v, key);
		CC_YAML_EACH(y, v, item, {
			if (item->type == YAML_SEQUENCE_NODE) {
				cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, item),
					       "'%s' takes a value or a list of values, not a list of lists", key);
				ok = false;
				continue;
			}
			ok &= cc_yaml_apply_one(y, key, key_loc, item, where, rows, nrows, extra, nextra,
						out, tail, cond);
		});
		return ok;
	}
	return cc_yaml_apply_one(y, key, key_loc, v, where, rows, nrows, extra, nextra, out, tail,
				 cond);
}

/* One value v of key (not a list) with the key's rows: its form (a
 * mapping of pairs for a KEYED row; true, false or nothing; a mapping of
 * holes, with 'when' for a step; a scalar for the first hole) picks the
 * row and fills its holes. */
static bool cc_yaml_apply_one(struct cc_yaml *y, const char *key, struct cc_loc key_loc,
			      yaml_node_t *v, unsigned where, struct cc_row *rows, int nrows,
			      const struct cc_yaml_hole *extra, int nextra,
			      struct cc_yaml_block *out, struct cc_yaml_block *tail,
			      struct cc_expr **cond)
{
	const char *names[CC_HOLE_MAX + 1];
	yaml_node_t *nodes[CC_HOLE_MAX + 1];
	int ngiven = 0, nh = 0;
	struct cc_yaml_hole holes[2 * CC_HOLE_MAX + 8];
	yaml_node_t *when = NULL;
	bool negate = false;
	bool step = !(where & (CC_YW_MATCH | CC_YW_REQUIRE)) && !(rows[0].t->where & CC_YW_FINAL);
	char what[80];
	const struct cc_row *r;

	snprintf(what, sizeof what, "'%s'", key);
	/* { NAME: VALUE, ... }: one instance per pair. */
	if (rows[0].t->where & CC_YW_KEYED) {
		bool ok = true;
		const struct cc_row *kr = &rows[0];
		if (v->type != YAML_MAPPING_NODE || kr->nh < 2) {
			cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, v),
				       "'%s' must be a mapping such as { NAME: VALUE }, not %s", key,
				       cc_yaml_what(v));
			return false;
		}
		for (yaml_node_pair_t *pr = v->data.mapping.pairs.start; pr < v->data.mapping.pairs.top; pr++) {
			yaml_node_t *k = cc_yaml_node(y, pr->key), *val = cc_yaml_node(y, pr->value);
			struct cc_yaml_hole kh[4];
			bool neg = false;
			int n = cc_hole_value(y, &kr->h[0], k, key_loc, NULL, kh);
			if (!n) {
				ok = false;
				continue;
			}
			/* A bool second hole in a condition: false negates. */
			if (kr->h[1].type == CC_HT_BOOL && (where & CC_YW_MATCH)) {
				bool b;
				if (!cc_yaml_bool(y, val, cc_yaml_scalar(k), &b)) {
					ok = false;
					continue;
				}
				neg = !b;
			} else {
				int m = cc_hole_value(y, &kr->h[1], val, key_loc, cc_yaml_scalar(k), kh + n);
				if (!m) {
					ok = false;
					continue;
				}
				n += m;
			}
			struct cc_expr *c = NULL;
			struct cc_loc pl = cc_yaml_loc(y, k);
			if (!cc_row_emit(y, kr, what, pl, kh, n, where, out, tail, &c)) {
				ok = false;
				continue;
			}
			if (where & CC_YW_MATCH)
				*cond = cc_yaml_bin(B_AND, *cond, neg ? cc_yaml_not(c, pl) : c, pl);
		}
		return ok;
	}
	if ((cc_yaml_is_null(v) && !(where & CC_YW_MATCH)) || cc_yaml_is_true(v) ||
	    cc_yaml_is_false(v)) {
		/* true (or nothing): the row whose holes all have defaults. */
		if (cc_yaml_is_false(v)) {
			if (where & CC_YW_MATCH) {
				negate = true;
			} else if (rows[0].t->where & CC_YW_FINAL) {
				cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, v),
					       "'%s: false' does nothing; leave it out", key);
				return false;
			} else {
				return true;
			}
		}
		r = cc_row_pick(rows, nrows, NULL, 0);
		if (!r) {
			const struct cc_hole_spec *need = NULL;
			for (int i = 0; i < rows[0].nh && !need; i++)
				if (!rows[0].h[i].dflt)
					need = &rows[0].h[i];
			if (need && rows[0].nh == 1 && !cc_yaml_is_null(v)) {
				/* "code: true" where a number is wanted: the
				 * hole's own message */
				(void)cc_hole_value(y, need, v, key_loc, key, holes);
				return false;
			}
			cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, v), "'%s' needs '%s'", key,
				       need ? need->name : "a value");
			return false;
		}
		if (!cc_row_fill(y, r, what, key, v, NULL, NULL, 0, key_loc, extra, nextra, holes, &nh))
			return false;
		struct cc_expr *c = NULL;
		if (!cc_row_emit(y, r, what, key_loc, holes, nh, where, out, tail, &c))
			return false;
		if (where & CC_YW_MATCH)
			*cond = cc_yaml_bin(B_AND, *cond, negate ? cc_yaml_not(c, cc_yaml_loc(y, v)) : c,
					    key_loc);
		return true;
	}
	/* The names of all holes of the rows, for a mapping's keys. */
	const char *all[CC_HOLE_MAX * 4 + 2];
	int nall = 0;
	for (int i = 0; i < nrows; i++)
		for (int k = 0; k < rows[i].nh; k++) {
			const struct cc_hole_spec *s = &rows[i].h[k];
			bool seen = s->type == CC_HT_EXPR || s->type == CC_HT_STMT;
			for (int j = 0; j < nall && !seen; j++)
				seen = strcmp(all[j], s->name) == 0;
			if (!seen && nall < CC_HOLE_MAX * 4)
				all[nall++] = s->name;
		}
	bool one_reply = nall == 1 && rows[0].nh >= 1 && rows[0].h[0].type == CC_HT_REPLY;
	if (v->type == YAML_MAPPING_NODE && !one_reply) {
		struct cc_yaml_field f[CC_HOLE_MAX * 4 + 2];
		if (step)
			all[nall++] = "when";
		all[nall] = NULL;
		if (!cc_yaml_fields(y, v, what, all, f))
			return false;
		for (int i = 0; i < nall; i++) {
			if (!f[i].val)
				continue;
			if (step && i == nall - 1) {
				when = f[i].val;
				continue;
			}
			names[ngiven] = all[i];
			nodes[ngiven++] = f[i].val;
		}
	} else if (v->type == YAML_SEQUENCE_NODE) {
		cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, v), "'%s' must be a value, not a list", key);
		return false;
	} else if (nall == 0) {
		bool b;
		(void)cc_yaml_bool(y, v, key, &b);
		return false;
	} else {
		/* A scalar fills the first hole of the first row that has one. */
		for (int i = 0; i < nrows && !ngiven; i++)
			for (int k = 0; k < rows[i].nh && !ngiven; k++)
				if (rows[i].h[k].type != CC_HT_EXPR && rows[i].h[k].type != CC_HT_STMT) {
					names[ngiven] = rows[i].h[k].name;
					nodes[ngiven++] = v;
				}
	}
	r = cc_row_pick(rows, nrows, names, ngiven);
	if (!r) {
		/* Say what is missing for the row that declares all given. */
		for (int i = 0; i < nrows; i++) {
			bool has = true;
			for (int j = 0; j < ngiven && has; j++)
				has = cc_row_hole(&rows[i], names[j]) != NULL;
			if (!has)
				continue;
			for (int k = 0; k < rows[i].nh; k++) {
				const struct cc_hole_spec *s = &rows[i].h[k];
				bool given = s->dflt || s->type == CC_HT_EXPR || s->type == CC_HT_STMT;
				for (int j = 0; j < ngiven && !given; j++)
					given = strcmp(names[j], s->name) == 0;
				if (!given) {
					cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, v), "'%s' needs '%s'",
						       key, s->name);
					return false;
				}
			}
		}
		cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, v), "'%s' cannot take these keys together",
			       key);
		return false;
	}
	if (!cc_row_fill(y, r, what, key, v, names, nodes, ngiven, key_loc, extra, nextra, holes, &nh))
		return false;
	if (!when)
		return cc_row_emit(y, r, what, key_loc, holes, nh, where, out, tail, cond);
	/* when: MATCH: the step runs when the conditions hold. */
	bool ok = true;
	int errors = cc_diag_errors();
	struct cc_expr *c = cc_yaml_match(y, when, "'when'", NULL, &ok);
	if (cc_diag_errors() != errors)
		return false;
	struct cc_yaml_block then = { 0 };
	if (!ok || !cc_row_emit(y, r, what, key_loc, holes, nh, where, &then, &then, cond))
		return false;
	if (!c) {
		cc_diag_report(CC_D_BAD_VALUE, cc_yaml_loc(y, when),
			       "an empty 'when' always holds; leave it out");
		return false;
	}
	cc_yaml_add(out, cc_yaml_if(key_loc, c, &then));
	return true;
}
