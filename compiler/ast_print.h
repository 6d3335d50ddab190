/* Print an AST back as policy-language source. `sipcc explain` uses it to
 * show the DSL a YAML policy means; the output parses back into the same
 * program. Comments are not kept in the AST, so they are not printed. */
#ifndef SIPCC_COMPILER_AST_PRINT_H
#define SIPCC_COMPILER_AST_PRINT_H

#include <stdio.h>
#include "ast.h"

/* The policy part of p (listen, domain, define, routes) as DSL source.
 * Call before sema: sema rewrites names into the values they denote. */
void cc_ast_print(const struct cc_program *p, FILE *out);

/* One expression, with just the parentheses precedence needs. */
void cc_ast_print_expr(const struct cc_expr *e, FILE *out);

/* The same, as a string in the compiler arena. */
char *cc_ast_expr_text(const struct cc_expr *e);

#endif
