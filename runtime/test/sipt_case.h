/* Test files (sipcc-test(5)): YAML documents of cases, each run by
 * sipt_case_run() in a process of its own (sipt_main.c). */
#ifndef SIPCC_TEST_SIPT_CASE_H
#define SIPCC_TEST_SIPT_CASE_H

#include <stdbool.h>
#include <stdio.h>
#include <yaml.h>

struct sipt_file {
	const char *path;
	yaml_document_t doc;
	yaml_node_t *root;      /* the top mapping */
	yaml_node_t *cases;     /* its "cases" sequence */
};

/* Read a test file; false with why filled when it cannot be read or is
 * not a mapping with a list of cases. */
bool sipt_file_load(struct sipt_file *f, const char *path, char *why, size_t whysz);
void sipt_file_free(struct sipt_file *f);
int sipt_file_count(const struct sipt_file *f);
/* The name of case i ("case N" when it has none) and its line. */
const char *sipt_case_name(const struct sipt_file *f, int i);
int sipt_case_line(const struct sipt_file *f, int i);
/* Whether case i applies to the policy at path: a case with "only: sip"
 * or "only: yaml" runs for a policy of that language only. */
bool sipt_case_applies(const struct sipt_file *f, int i, const char *policy);

/* Run case i of f with a copy of the database template (a file with the
 * runtime's schema) at db_path: starts the proxy (sipt.h) and leaves it
 * running, so once per process, which ends after it. Prints what failed
 * to out. 0 passed, 1 failed, 2 the case is malformed (also printed). */
int sipt_case_run(struct sipt_file *f, int i, const char *template_path, const char *db_path,
		  FILE *out);

#endif
