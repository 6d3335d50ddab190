/* The rules of dial plans and their cache (dialplan.h). */
#include "dialplan/dialplan.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/log.h"
#include "core/status.h"
#include "db/db_rows.h"

/* Back references \0..\9: what subst_exp matched and its first 9 groups. */
#define DP_NREFS 10

struct dp_rule {
	int64_t id, dpid, pr;
	int op;
	bool icase;
	sip_str match_exp, repl, attrs;
	regex_t match_re;           /* match_op 1 */
	regex_t subst_re;           /* a subst_exp of its own */
	bool has_match_re, has_subst_re;
	bool subst_is_match;        /* subst_exp empty on a regex rule */
};

/* One snapshot: the rules sorted by dpid, pr, id (pointers, so that the
 * compiled expressions never move), their strings in the arena. */
struct dp_set {
	sip_arena arena;            /* first: db_snap_new() */
	dp_rule **rules;
	unsigned n, cap;
	db_bad_row *bad;
	unsigned n_bad, cap_bad;
};

static db_cache *dp_tables_cache;

static void dp_rule_release(dp_rule *r)
{
	if (r->has_match_re)
		regfree(&r->match_re);
	if (r->has_subst_re)
		regfree(&r->subst_re);
	r->has_match_re = r->has_subst_re = false;
}

/* The references of a replacement: the highest group it names (-1 when
 * none), or -2 with why set when it has an escape other than \0..\9 and
 * \\ (a lone backslash at the end too). */
static int dp_repl_scan(sip_str repl, char *why, size_t whysz)
{
	int max = -1;
	for (size_t i = 0; i < repl.len; i++) {
		if (repl.s[i] != '\\')
			continue;
		if (i + 1 == repl.len) {
			snprintf(why, whysz, "repl_exp ends with a lone backslash (write \\\\ for one)");
			return -2;
		}
		char c = repl.s[++i];
		if (c >= '0' && c <= '9') {
			if (c - '0' > max)
				max = c - '0';
		} else if (c != '\\') {
			snprintf(why, whysz, "repl_exp has an unknown escape '\\%c' (\\0..\\9 are the"
				 " groups of subst_exp, \\\\ a backslash)", c);
			return -2;
		}
	}
	return max;
}

/* Compile a regular expression of the rule (pattern: NUL-terminated).
 * false with why set when it does not compile. */
static bool dp_regcomp(regex_t *re, const char *what, const char *pattern, bool icase,
		       char *why, size_t whysz)
{
	int rc = regcomp(re, pattern, REG_EXTENDED | (icase ? REG_ICASE : 0));
	if (rc == 0)
		return true;
	char msg[128];
	regerror(rc, re, msg, sizeof msg);
	snprintf(why, whysz, "%s '%s' is not a valid regular expression: %s", what, pattern, msg);
	return false;
}

/* Compile def into r, its strings copied into a. SIP_OK; SIP_EINVAL with
 * why set when the rule does not compile, SIP_NOMEM; r then holds nothing
 * to release. */
static int dp_rule_compile(const dp_rule_def *def, dp_rule *r, sip_arena *a, char *why,
				   size_t whysz)
{
	memset(r, 0, sizeof *r);
	r->id = def->id;
	r->dpid = def->dpid;
	r->pr = def->pr;
	r->icase = (def->match_flags & DP_FLAG_ICASE) != 0;
	if (def->match_op != DP_MATCH_EXACT && def->match_op != DP_MATCH_REGEX) {
		snprintf(why, whysz, "match_op %lld is neither 0 (exact) nor 1 (regular expression)",
			 (long long)def->match_op);
		return SIP_EINVAL;
	}
	r->op = (int)def->match_op;
	r->match_exp = sip_arena_strdup(a, def->match_exp);
	sip_str subst = sip_arena_strdup(a, def->subst_exp);
	r->repl = sip_arena_strdup(a, def->repl_exp);
	r->attrs = sip_arena_strdup(a, def->attrs);
	if (!r->match_exp.s || !subst.s || !r->repl.s || !r->attrs.s) {
		snprintf(why, whysz, "out of memory");
		return SIP_NOMEM;
	}
	if (!r->match_exp.len) {
		snprintf(why, whysz, "match_exp is empty");
		return SIP_EINVAL;
	}
	if (memchr(r->match_exp.s, '\0', r->match_exp.len) || memchr(subst.s, '\0', subst.len)) {
		snprintf(why, whysz, "an expression holds a NUL byte");
		return SIP_EINVAL;
	}
	if (r->op == DP_MATCH_REGEX) {
		if (!dp_regcomp(&r->match_re, "match_exp", r->match_exp.s, r->icase, why, whysz))
			return SIP_EINVAL;
		r->has_match_re = true;
	}
	const regex_t *sub = NULL;
	if (subst.len) {
		if (!dp_regcomp(&r->subst_re, "subst_exp", subst.s, r->icase, why, whysz)) {
			dp_rule_release(r);
			return SIP_EINVAL;
		}
		r->has_subst_re = true;
		sub = &r->subst_re;
	} else if (r->op == DP_MATCH_REGEX) {
		r->subst_is_match = true;
		sub = &r->match_re;
	}
	int max = dp_repl_scan(r->repl, why, whysz);
	if (max == -2) {
		dp_rule_release(r);
		return SIP_EINVAL;
	}
	if (max >= 0 && !sub) {
		snprintf(why, whysz, "repl_exp refers to \\%d, but an exact rule without subst_exp"
			 " has no groups", max);
		return SIP_EINVAL;
	}
	if (max > 0 && (size_t)max > sub->re_nsub) {
		snprintf(why, whysz, "repl_exp refers to \\%d, but %s '%s' has %zu group%s", max,
			 r->subst_is_match ? "match_exp" : "subst_exp",
			 r->subst_is_match ? r->match_exp.s : subst.s, sub->re_nsub,
			 sub->re_nsub == 1 ? "" : "s");
		dp_rule_release(r);
		return SIP_EINVAL;
	}
	return SIP_OK;
}

const char *dp_rule_check(const dp_rule_def *def, char *why, size_t whysz)
{
	sip_arena a;
	dp_rule r;
	sip_arena_init(&a, 1024);
	int rc = dp_rule_compile(def, &r, &a, why, whysz);
	if (rc == SIP_OK)
		dp_rule_release(&r);
	sip_arena_destroy(&a);
	return rc == SIP_OK ? NULL : why;
}

dp_set *dp_set_new(void)
{
	return db_snap_new(sizeof(dp_set), 4096);
}

void dp_set_free(dp_set *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->n; i++)
		dp_rule_release(s->rules[i]);
	sip_mem_free(s->rules);
	sip_mem_free(s->bad);
	db_snap_free(s);
}

static int dp_set_add_bad(dp_set *s, int64_t id, const char *why)
{
	if (s->n_bad == s->cap_bad) {
		unsigned cap = s->cap_bad ? s->cap_bad * 2 : 8;
		db_bad_row *b = sip_mem_realloc(s->bad, cap * sizeof *b);
		if (!b)
			return SIP_NOMEM;
		s->bad = b;
		s->cap_bad = cap;
	}
	const char *w = sip_arena_memdup(&s->arena, why, strlen(why));
	if (!w)
		return SIP_NOMEM;
	db_bad_row_add(s->bad, &s->n_bad, id, w);
	return SIP_EINVAL;
}

int dp_set_add(dp_set *s, const dp_rule_def *def)
{
	if (s->n == s->cap) {
		unsigned cap = s->cap ? s->cap * 2 : 16;
		dp_rule **r = sip_mem_realloc(s->rules, cap * sizeof *r);
		if (!r)
			return SIP_NOMEM;
		s->rules = r;
		s->cap = cap;
	}
	dp_rule *r = sip_arena_alloc(&s->arena, sizeof *r);
	if (!r)
		return SIP_NOMEM;
	char why[512];
	int rc = dp_rule_compile(def, r, &s->arena, why, sizeof why);
	if (rc == SIP_EINVAL)
		return dp_set_add_bad(s, def->id, why);
	if (rc != SIP_OK)
		return rc;
	s->rules[s->n++] = r;
	return SIP_OK;
}

static int dp_rule_cmp(const void *a, const void *b)
{
	const dp_rule *x = *(dp_rule *const *)a, *y = *(dp_rule *const *)b;
	if (x->dpid != y->dpid)
		return x->dpid < y->dpid ? -1 : 1;
	if (x->pr != y->pr)
		return x->pr < y->pr ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int dp_bad_cmp(const void *a, const void *b)
{
	const db_bad_row *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

void dp_set_done(dp_set *s)
{
	if (s->n)
		qsort(s->rules, s->n, sizeof *s->rules, dp_rule_cmp);
	if (s->n_bad)
		qsort(s->bad, s->n_bad, sizeof *s->bad, dp_bad_cmp);
}

unsigned dp_set_count(const dp_set *s) { return s ? s->n : 0; }
unsigned dp_set_bad_count(const dp_set *s) { return s ? s->n_bad : 0; }
int64_t dp_set_bad_id(const dp_set *s, unsigned i) { return s->bad[i].id; }
const char *dp_set_bad_why(const dp_set *s, unsigned i) { return s->bad[i].why.s; }

/* repl with the references filled in from the subst match m of in. The
 * references were checked when the rule was compiled. */
static int dp_expand(const dp_rule *r, const char *in, const regmatch_t *m, sip_arena *a,
		     sip_str *out)
{
	char buf[DP_MAX_OUTPUT];
	size_t n = 0;
	for (size_t i = 0; i < r->repl.len; i++) {
		const char *p = &r->repl.s[i];
		size_t len = 1;
		if (*p == '\\') {
			char c = r->repl.s[++i];
			if (c == '\\') {
				p = &r->repl.s[i];
			} else {
				const regmatch_t *g = &m[c - '0'];
				p = g->rm_so < 0 ? in : in + g->rm_so;
				len = g->rm_so < 0 ? 0 : (size_t)(g->rm_eo - g->rm_so);
			}
		}
		if (n + len > sizeof buf)
			return SIP_EINVAL;
		memcpy(buf + n, p, len);
		n += len;
	}
	*out = sip_arena_strdup(a, sip_str_make(buf, n));
	return out->s ? SIP_OK : SIP_NOMEM;
}

/* The first rule of dpid (rules are sorted by dpid first). */
static unsigned dp_first(const dp_set *s, int64_t dpid)
{
	unsigned lo = 0, hi = s->n;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (s->rules[mid]->dpid < dpid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int dp_set_translate(const dp_set *s, int64_t dpid, sip_str input, sip_arena *a, dp_result *res)
{
	memset(res, 0, sizeof *res);
	if (!s || !input.len)
		return SIP_DECLINED;
	unsigned i = dp_first(s, dpid);
	if (i == s->n || s->rules[i]->dpid != dpid)
		return SIP_DECLINED;
	/* regexec wants a NUL-terminated subject. */
	const char *in = sip_arena_memdup(a, input.s, input.len);
	if (!in)
		return SIP_NOMEM;
	for (; i < s->n && s->rules[i]->dpid == dpid; i++) {
		const dp_rule *r = s->rules[i];
		bool hit;
		if (r->op == DP_MATCH_EXACT)
			hit = r->match_exp.len == input.len &&
			      (r->icase ? sip_mem_caseeq(r->match_exp.s, input.s, input.len)
					: memcmp(r->match_exp.s, input.s, input.len) == 0);
		else
			hit = regexec(&r->match_re, in, 0, NULL, 0) == 0;
		if (!hit)
			continue;
		res->rule_id = r->id;
		res->attrs = r->attrs;
		if (!r->repl.len) {
			res->out = sip_str_make(in, input.len);
			return SIP_OK;
		}
		regmatch_t m[DP_NREFS];
		for (unsigned k = 0; k < DP_NREFS; k++)
			m[k].rm_so = m[k].rm_eo = -1;
		const regex_t *sub = r->has_subst_re ? &r->subst_re :
				     r->subst_is_match ? &r->match_re : NULL;
		if (sub && regexec(sub, in, DP_NREFS, m, 0) != 0)
			return SIP_EINVAL;
		return dp_expand(r, in, m, a, &res->out);
	}
	return SIP_DECLINED;
}

/* ---- the cache ---- */

static void dp_cache_free(void *p)
{
	dp_set_free(p);
}

const dp_set *dp_current(void)
{
	return dp_tables_cache ? db_cache_get(dp_tables_cache) : NULL;
}

void dp_cache_clear(void)
{
	db_cache_destroy(dp_tables_cache);
	dp_tables_cache = NULL;
}

unsigned dp_rule_count(void)
{
	return dp_set_count(dp_current());
}

unsigned dp_bad_rule_count(void)
{
	return dp_set_bad_count(dp_current());
}

/* The loader (on the database worker's thread): every enabled rule,
 * compiled into a new set. A rule that does not compile is set aside with
 * its reason, not a failure of the load. */
static int dp_load(db *d, void **out)
{
	db_stmt *st = NULL;
	int rc = db_prepare(d, "SELECT id, dpid, pr, match_op, match_exp, match_flags, subst_exp,"
			    " repl_exp, attrs FROM dialplan WHERE disabled = 0", &st);
	if (rc != SIP_OK)
		return rc;
	dp_set *s = dp_set_new();
	if (!s) {
		db_finalize(st);
		return SIP_NOMEM;
	}
	while ((rc = db_step(st)) == DB_ROW) {
		dp_rule_def def = {
			.id = db_column_int(st, 0), .dpid = db_column_int(st, 1),
			.pr = db_column_int(st, 2), .match_op = db_column_int(st, 3),
			.match_exp = db_column_text(st, 4), .match_flags = db_column_int(st, 5),
			.subst_exp = db_column_text(st, 6), .repl_exp = db_column_text(st, 7),
			.attrs = db_column_text(st, 8),
		};
		if (dp_set_add(s, &def) == SIP_NOMEM) {
			rc = SIP_NOMEM;
			break;
		}
	}
	db_finalize(st);
	if (rc != SIP_OK) {
		dp_set_free(s);
		return rc;
	}
	dp_set_done(s);
	*out = s;
	return SIP_OK;
}

/* A new set is in use (on the loop): say so when the numbers or the rules
 * left out changed, each rule left out with its id and why. A reload that
 * finds the same table says nothing. */
static void dp_loaded(db_cache *dc, const void *snap)
{
	static db_rows_report report;
	const dp_set *s = snap;
	(void)dc;
	if (db_rows_report_bad(&report, "dialplan: rule", "left out", s->n, s->bad, s->n_bad))
		LOG_NOTICE("dialplan: %u rules, %u left out", s->n, s->n_bad);
}

static const db_cache_def dp_tables_def = {
	.name = "dialplan", .load = dp_load, .free = dp_cache_free, .loaded = dp_loaded,
	.reload_cmd = "dp reload",
	.tables = (const char *const[]){ "dialplan", NULL },
};

db_cache *dp_tables(void)
{
	return db_cache_once(&dp_tables_def, &dp_tables_cache);
}

int dp_refresh(db *d)
{
	return db_cache_refresh(dp_tables(), d);
}
