/* The YAML front end: a declarative policy (settings and an ordered list of
 * match/require/action rules, see sipcc-yaml(5)) read with libyaml and
 * lowered into the same AST the DSL parser builds, so sema, codegen and
 * `sipcc explain` treat both alike. Diagnostics point into the YAML file. */
#ifndef SIPCC_COMPILER_YAML_FRONT_H
#define SIPCC_COMPILER_YAML_FRONT_H

#include <stdbool.h>
#include "ast.h"
#include "sema.h"

/* True when path names a YAML policy (ends in .yaml or .yml). */
bool cc_yaml_is_policy(const char *path);

/* Read the YAML policy at path, parse the DSL files it includes, and append
 * its settings and routes to p. Load the stdlib into p first: an action
 * that needs a module (lookup, save, auth) is lowered only when the stdlib
 * declares the module's functions, and reported as not available
 * otherwise. Same results as cc_parse_file(). */
enum cc_parse_result cc_yaml_parse_file(struct cc_program *p, const char *path);

#endif
