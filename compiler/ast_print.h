/* Print an AST back as policy-language source. `sipcc explain` uses it to
 * show the DSL a YAML policy means; the output parses back into the same
 * program. explain prints no comments; fmt keeps them (the lexer records
 * them in the program). */
#ifndef SIPCC_COMPILER_AST_PRINT_H
#define SIPCC_COMPILER_AST_PRINT_H

#include <stdbool.h>
#include <stdio.h>
#include "ast.h"

/* The policy part of p (listen, domain, define, routes) as DSL source.
 * Call before sema: sema rewrites names into the values they denote. */
void cc_ast_print(const struct cc_program *p, FILE *out);

/* sipcc fmt: the items of the policy file `file` in p, in source order and
 * canonical layout, with its comments where they were and include lines
 * instead of the included files' items. Call before sema. False when a
 * comment could not be placed (the output is then incomplete). */
bool cc_ast_fmt(const struct cc_program *p, const char *file, FILE *out);

/* One expression, with just the parentheses precedence needs. */
void cc_ast_print_expr(const struct cc_expr *e, FILE *out);

/* The same, as a string in the compiler arena. */
char *cc_ast_expr_text(const struct cc_expr *e);

#endif
