/* libFuzzer target for the JSON reader (runtime/core/json.c), which reads
 * the requests of the proxy's JSON-RPC interface. Beyond memory safety it
 * checks that every node's raw slice lies inside the input, that an
 * unescaped string is never longer than its text, that the element
 * counts agree with the lists, and that what was accepted parses again
 * from its raw text alone. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/json.h"
#include "core/status.h"

#define FUZZ_ASSERT(cond) \
	do { if (!(cond)) { fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond); abort(); } } while (0)

static void check(const sip_json *v, const char *buf, size_t size, unsigned depth)
{
	FUZZ_ASSERT(depth <= SIP_JSON_MAX_DEPTH);
	FUZZ_ASSERT(v->raw.s >= buf && v->raw.s + v->raw.len <= buf + size && v->raw.len > 0);
	if (v->type == SIP_JSON_STRING)
		FUZZ_ASSERT(v->str.len + 2 <= v->raw.len && v->str.s[v->str.len] == '\0');
	unsigned n = 0;
	for (const sip_json *e = v->child; e; e = e->next, n++) {
		FUZZ_ASSERT(v->type == SIP_JSON_ARRAY || v->type == SIP_JSON_OBJECT);
		FUZZ_ASSERT(e->raw.s > v->raw.s && e->raw.s + e->raw.len < v->raw.s + v->raw.len);
		check(e, buf, size, depth + 1);
	}
	FUZZ_ASSERT(n == v->n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	sip_arena a;
	sip_arena_init(&a, 1024);
	sip_json *v = NULL;
	size_t off = 0;
	int rc = sip_json_parse(&a, buf, size, &v, &off);
	if (rc == SIP_OK) {
		check(v, buf, size, 0);
		sip_json *again = NULL;
		FUZZ_ASSERT(sip_json_parse(&a, v->raw.s, v->raw.len, &again, NULL) == SIP_OK);
		FUZZ_ASSERT(again->type == v->type && again->n == v->n);
	} else {
		FUZZ_ASSERT(rc == SIP_EPARSE && v == NULL && off <= size);
	}
	sip_arena_destroy(&a);
	free(buf);
	return 0;
}
