/* The stdlib reference for man/sipcc-policy.5, generated from the same
 * declarations the compiler checks policies against. */
#include <stdio.h>
#include <string.h>

#include "codegen.h"

/* Write text S so roff prints it literally: backslashes escaped, and a
 * leading '.' or '\'' kept from being read as a request. */
static void cc_roff_text(FILE *out, const char *s)
{
	if (!s)
		return;
	if (*s == '.' || *s == '\'')
		fputs("\\&", out);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", out);
		else if (*s == '\n')
			fputs(s[1] == '.' || s[1] == '\'' ? "\n\\&" : "\n", out);
		else
			fputc(*s, out);
	}
}

static void cc_roff_param_type(FILE *out, const struct cc_param *pa)
{
	fputs(cc_type_name(pa->type), out);
	if (pa->type == CC_TY_ROUTE) {
		fputc(' ', out);
		fputs(cc_route_kind_name(pa->route_kind), out);
	}
}

/* "Allowed in: request, failure." or "Allowed in: any route." */
static void cc_roff_kinds(FILE *out, unsigned kinds)
{
	fputs(".br\nAllowed in: ", out);
	bool first = true;
	if ((kinds & CC_RK_ANY) == CC_RK_ANY) {
		fputs("any route with a message", out);
		kinds &= ~CC_RK_ANY;
		first = false;
		if (!kinds) {
			fputs(".\n", out);
			return;
		}
	}
	for (int k = 0; k < CC_RK_NAMED; k++) {
		if (!(kinds & CC_RK_BIT(k)))
			continue;
		fprintf(out, "%s%s", first ? "" : ", ", cc_route_kind_name((enum cc_route_kind)k));
		first = false;
	}
	fputs(first ? "no route.\n" : " routes.\n", out);
}

static void cc_doc_fn(FILE *out, const struct cc_fn_decl *f)
{
	fputs(".TP\n\\fB", out);
	cc_roff_text(out, f->name);
	fputs("\\fR(", out);
	for (int i = 0; i < f->nparams; i++) {
		fputs(i ? ", \\fI" : "\\fI", out);
		cc_roff_text(out, f->params[i].name);
		fputs("\\fR: ", out);
		cc_roff_param_type(out, &f->params[i]);
	}
	fprintf(out, "): %s\n", cc_type_name(f->result));
	if (f->doc && *f->doc) {
		cc_roff_text(out, f->doc);
		fputc('\n', out);
	}
	cc_roff_kinds(out, f->kinds);
}

static void cc_doc_pv(FILE *out, const struct cc_pv_decl *v)
{
	fputs(".TP\n\\fB", out);
	cc_roff_text(out, v->name);
	fprintf(out, "\\fR: %s%s\n", cc_type_name(v->type), v->writable ? " (writable)" : "");
	if (v->doc && *v->doc) {
		cc_roff_text(out, v->doc);
		fputc('\n', out);
	}
	cc_roff_kinds(out, v->kinds);
}

static void cc_doc_const(FILE *out, const struct cc_const_decl *c)
{
	fputs(".TP\n\\fB", out);
	cc_roff_text(out, c->name);
	fprintf(out, "\\fR: %s = ", cc_type_name(c->type));
	if (c->type == CC_TY_STR) {
		fputc('"', out);
		cc_roff_text(out, c->sval);
		fputc('"', out);
	} else if (c->type == CC_TY_BOOL) {
		fputs(c->ival ? "true" : "false", out);
	} else {
		fprintf(out, "%lld", (long long)c->ival);
	}
	fputc('\n', out);
	if (c->doc && *c->doc) {
		cc_roff_text(out, c->doc);
		fputc('\n', out);
	}
}

/* setting MODULE.KEY: TYPE = DEFAULT, set with "use MODULE { KEY = ...; }" */
static void cc_doc_setting(FILE *out, const struct cc_setting_decl *d)
{
	fputs(".TP\n\\fB", out);
	cc_roff_text(out, d->module);
	fputc('.', out);
	cc_roff_text(out, d->key);
	fprintf(out, "\\fR: %s = ", cc_type_name(d->type));
	const struct cc_expr *v = d->dflt;
	if (v->kind == E_STR) {
		fputc('"', out);
		cc_roff_text(out, cc_strndup(v->u.str.s, v->u.str.len));
		fputc('"', out);
	} else if (v->kind == E_BOOL) {
		fputs(v->u.ival ? "true" : "false", out);
	} else {
		fprintf(out, "%lld", (long long)v->u.ival);
	}
	fputc('\n', out);
	if (d->doc && *d->doc) {
		cc_roff_text(out, d->doc);
		fputc('\n', out);
	}
	if (d->values) {
		/* "A comma-separated list of A, B and C" / "One of A or B". */
		const char *last = d->values_list ? " and " : " or ";
		fputs(d->values_list ? "A comma-separated list of " : "One of ", out);
		for (int i = 0; i < d->n_values; i++) {
			fputs(i == 0 ? "" : i + 1 < d->n_values ? ", " : last, out);
			fputs("\\fB", out);
			cc_roff_text(out, d->values[i]);
			fputs("\\fR", out);
		}
		fputs(d->values_list ? ", each at most once.\n" : ".\n", out);
	}
}

void cc_doc_stdlib_roff(const struct cc_program *p, FILE *out)
{
	fputs(".SS Functions\n", out);
	for (const struct cc_fn_decl *f = p->fns; f; f = f->next)
		cc_doc_fn(out, f);
	fputs(".SS Pseudo-variables\n", out);
	for (const struct cc_pv_decl *v = p->pvs; v; v = v->next)
		cc_doc_pv(out, v);
	fputs(".SS Constants\n", out);
	for (const struct cc_const_decl *c = p->consts; c; c = c->next)
		cc_doc_const(out, c);
	fputs(".SS Module settings\n"
	      "Set with \\fBuse \\fImodule\\fB { \\fIkey\\fB = \\fIvalue\\fB; }\\fR; "
	      "the value after = is the default.\n", out);
	for (const struct cc_setting_decl *d = p->settings; d; d = d->next)
		cc_doc_setting(out, d);
}
