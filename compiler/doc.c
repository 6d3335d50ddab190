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
	} else if (pa->type == CC_TY_AVP && pa->avp_type != CC_TY_ERROR) {
		fputc(' ', out);
		fputs(cc_type_name(pa->avp_type), out);
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
		const struct cc_expr *d = f->params[i].def;
		if (d && d->kind == E_STR) {
			fputs(" = \"", out);
			fwrite(d->u.str.s, 1, d->u.str.len, out);
			fputc('"', out);
		} else if (d && (d->kind == E_INT || d->kind == E_BOOL)) {
			fprintf(out, " = %lld", (long long)d->u.ival);
		}
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
	if (d->values && d->values_addr) {
		/* "An address PROTO:IP:PORT, PROTO udp or tcp, or empty." */
		fputs("An address \\fIPROTO\\fB:\\fIIP\\fB:\\fIPORT\\fR (a numeric IP address, IPv6 in"
		      " brackets) with \\fIPROTO\\fR ", out);
		for (int i = 0; i < d->n_values; i++) {
			fputs(i == 0 ? "" : i + 1 < d->n_values ? ", " : " or ", out);
			fputs("\\fB", out);
			cc_roff_text(out, d->values[i]);
			fputs("\\fR", out);
		}
		fputs(", or empty.\n", out);
	} else if (d->values) {
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

static void cc_doc_event(FILE *out, const struct cc_event_decl *d)
{
	fputs(".TP\n\\fB", out);
	cc_roff_text(out, d->name);
	fputs("\\fR(", out);
	for (int i = 0; i < d->nparams; i++) {
		fputs(i ? ", \\fI" : "\\fI", out);
		cc_roff_text(out, d->params[i].name);
		fprintf(out, "\\fR: %s", cc_type_name(d->params[i].type));
	}
	fputs(")\n", out);
	if (d->doc && *d->doc) {
		cc_roff_text(out, d->doc);
		fputc('\n', out);
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
	fputs(".SS Status types\n"
	      "A function that tells what happened returns a status: one of the "
	      "constants of its type, true in a condition when it is > 0, compared "
	      "with == and != (or in a switch) only with constants of its own type.\n", out);
	for (const struct cc_status_decl *d = p->statuses; d; d = d->next) {
		fputs(".TP\n\\fB", out);
		cc_roff_text(out, d->name);
		fputs("\\fR\n", out);
		if (d->doc && *d->doc) {
			cc_roff_text(out, d->doc);
			fputc('\n', out);
		}
		fputs(".br\nValues:", out);
		for (const struct cc_const_decl *c = p->consts; c; c = c->next)
			if (c->type == d->type)
				fprintf(out, " \\fB%s\\fR (%lld)", c->name, (long long)c->ival);
		fputs(".\n", out);
	}
	fputs(".SS Constants\n", out);
	for (const struct cc_const_decl *c = p->consts; c; c = c->next)
		cc_doc_const(out, c);
	fputs(".SS Events\n"
	      "Handled by \\fBroute event \\fImodule\\fB.\\fIname\\fB { }\\fR (see ROUTES); "
	      "the parameters are the route's variables.\n", out);
	for (const struct cc_event_decl *d = p->events; d; d = d->next)
		cc_doc_event(out, d);
	fputs(".SS Module settings\n"
	      "Set with \\fBuse \\fImodule\\fB { \\fIkey\\fB = \\fIvalue\\fB; }\\fR; "
	      "the value after = is the default.\n", out);
	for (const struct cc_setting_decl *d = p->settings; d; d = d->next)
		cc_doc_setting(out, d);
}

/* ---- the C side of the declarations (runtime/proxy/policy_abi.h) ---- */

/* The stdlib file a declaration came from, without its directory: the
 * header names it and not the build machine's path. */
static const char *cc_doc_base(const char *file)
{
	const char *s = file ? strrchr(file, '/') : NULL;
	return s ? s + 1 : (file ? file : "?");
}

/* One parameter in C: a str is a pointer and a length, a route a
 * sipcc_route_fn, the rest (int, bool, method, flag, bflag, avp) int64_t. */
static void cc_doc_c_param(FILE *out, const char *name, enum cc_type t)
{
	if (cc_type_is_str(t))
		fprintf(out, ", const char *%s, size_t %s_len", name, name);
	else if (t == CC_TY_ROUTE)
		fprintf(out, ", sipcc_route_fn %s", name);
	else
		fprintf(out, ", int64_t %s", name);
}

static void cc_doc_c_fn(FILE *out, const struct cc_fn_decl *f)
{
	fprintf(out, "/* %s:%d */\n", cc_doc_base(f->loc.file), f->loc.line);
	bool str_result = cc_type_is_str(f->result);
	fprintf(out, "%s %s(struct sip_ctx *ctx",
		f->result == CC_TY_VOID || str_result ? "void" : "int64_t", f->symbol);
	if (str_result)
		fputs(", sip_str *out", out);
	for (int i = 0; i < f->nparams; i++)
		cc_doc_c_param(out, f->params[i].name, f->params[i].type);
	fputs(");\n", out);
}

/* SYMBOL_get and, when writable, SYMBOL_set; an argument ($hdr(name))
 * comes after ctx and out. */
static void cc_doc_c_pv(FILE *out, const struct cc_pv_decl *v)
{
	bool str = cc_type_is_str(v->type);
	fprintf(out, "/* %s:%d %s */\n", cc_doc_base(v->loc.file), v->loc.line, v->name);
	fprintf(out, "%s %s_get(struct sip_ctx *ctx%s", str ? "void" : "int64_t", v->symbol,
		str ? ", sip_str *out" : "");
	if (v->arg_name)
		cc_doc_c_param(out, v->arg_name, CC_TY_STR);
	fputs(");\n", out);
	if (!v->writable)
		return;
	fprintf(out, "void %s_set(struct sip_ctx *ctx", v->symbol);
	if (v->arg_name)
		cc_doc_c_param(out, v->arg_name, CC_TY_STR);
	cc_doc_c_param(out, "v", v->type);
	fputs(");\n", out);
}

void cc_doc_stdlib_c_header(const struct cc_program *p, FILE *out)
{
	fputs("/* The runtime functions the stdlib declarations call, in the calling\n"
	      " * convention of proxy/policy_abi.h. Generated by \"sipcc doc --c-header\"\n"
	      " * from stdlib/ *.sipi: do not edit. Each file that defines one includes\n"
	      " * this header, so a definition that disagrees with its declaration does\n"
	      " * not compile. */\n"
	      "#ifndef SIPCC_PROXY_POLICY_FNS_H\n"
	      "#define SIPCC_PROXY_POLICY_FNS_H\n\n"
	      "#include <stddef.h>\n#include <stdint.h>\n"
	      "#include \"core/str.h\"\n#include \"proxy/policy_abi.h\"\n\n"
	      "struct sip_ctx;\n\n", out);
	for (const struct cc_fn_decl *f = p->fns; f; f = f->next)
		cc_doc_c_fn(out, f);
	for (const struct cc_pv_decl *v = p->pvs; v; v = v->next)
		cc_doc_c_pv(out, v);
	/* The values of the status types, for the functions that return them. */
	for (const struct cc_const_decl *c = p->consts; c; c = c->next)
		if (cc_type_is_status(c->type))
			fprintf(out, "/* %s:%d */\n#define SIPCC_%s (%lld)\n", cc_doc_base(c->loc.file),
				c->loc.line, c->name, (long long)c->ival);
	/* What a module raises each of its events with: a function typed
	 * after the declaration, so a module cannot raise it with values that
	 * disagree with it. */
	for (const struct cc_event_decl *d = p->events; d; d = d->next) {
		fprintf(out, "/* %s:%d event %s */\nstatic inline int sipcc_event_", cc_doc_base(d->loc.file),
			d->loc.line, d->name);
		for (const char *c = d->name; *c; c++)
			fputc(*c == '.' ? '_' : *c, out);
		fputc('(', out);
		for (int i = 0; i < d->nparams; i++)
			fprintf(out, "%s%s %s", i ? ", " : "",
				cc_type_is_str(d->params[i].type) ? "sip_str" : "int64_t",
				d->params[i].name);
		fputs(d->nparams ? ")\n{\n" : "void)\n{\n", out);
		if (d->nparams) {
			fputs("\tconst struct sipcc_event_val v[] = {", out);
			for (int i = 0; i < d->nparams; i++)
				fprintf(out, "%s{ .%s = %s }", i ? ", " : " ",
					cc_type_is_str(d->params[i].type) ? "s" : "i", d->params[i].name);
			fprintf(out, " };\n\treturn sipcc_event_raise(\"%s\", v, %d);\n}\n", d->name,
				d->nparams);
		} else {
			fprintf(out, "\treturn sipcc_event_raise(\"%s\", NULL, 0);\n}\n", d->name);
		}
	}
	/* The interface struct of each module (proxy/module.h). */
	for (const struct cc_module_decl *m = p->modules; m; m = m->next)
		fprintf(out, "/* %s:%d */\nextern struct sipcc_module sipcc_module_%s;\n",
			cc_doc_base(m->loc.file), m->loc.line, m->name);
	fputs("\n#endif\n", out);
}

void cc_doc_stdlib_symbols(const struct cc_program *p, FILE *out)
{
	for (const struct cc_fn_decl *f = p->fns; f; f = f->next)
		fprintf(out, "%s\n", f->symbol);
	for (const struct cc_pv_decl *v = p->pvs; v; v = v->next) {
		fprintf(out, "%s_get\n", v->symbol);
		if (v->writable)
			fprintf(out, "%s_set\n", v->symbol);
	}
	for (const struct cc_module_decl *m = p->modules; m; m = m->next)
		fprintf(out, "sipcc_module_%s\n", m->name);
}
