/* libFuzzer target for the URI parser. Beyond memory safety it checks that
 * every slice the parser returns lies inside the input and that the fields
 * agree with each other (a SIP URI has a host; the port is in range and
 * matches its digits; sips implies sip). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"
#include "sip/msg.h"

#define FUZZ_ASSERT(cond) \
	do { if (!(cond)) { fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond); abort(); } } while (0)

static int fuzz_inside(sip_str s, const char *buf, size_t size)
{
	if (s.len == 0)
		return 1;
	return s.s >= buf && s.s + s.len <= buf + size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	sip_uri u;
	int rc;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	rc = sip_uri_parse(sip_str_make(buf, size), &u);
	FUZZ_ASSERT(rc == SIP_OK || rc == SIP_EPARSE);
	if (rc == SIP_OK) {
		const sip_str parts[] = { u.scheme, u.user, u.password, u.host, u.port_str,
					  u.params, u.headers, u.transport, u.maddr, u.opaque };
		for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
			FUZZ_ASSERT(fuzz_inside(parts[i], buf, size));
		FUZZ_ASSERT(u.scheme.len > 0);
		FUZZ_ASSERT(!u.secure || u.is_sip);
		if (u.is_sip) {
			FUZZ_ASSERT(u.host.len > 0);
			FUZZ_ASSERT(u.port >= 0 && u.port <= 65535);
			FUZZ_ASSERT((u.port == 0) == (u.port_str.len == 0));
			if (u.port) {
				long v = 0;
				for (size_t i = 0; i < u.port_str.len; i++)
					v = v * 10 + (u.port_str.s[i] - '0');
				FUZZ_ASSERT(v == u.port);
			}
		}
	}
	free(buf);
	return 0;
}
