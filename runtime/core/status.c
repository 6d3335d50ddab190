#include "core/status.h"

/* Text for a status code; the table comes from the same X-macro as the enum,
 * so a new code cannot be added without its text. Unknown codes get a fixed
 * string rather than NULL so callers can print the result unconditionally. */
const char *sip_strerror(int status)
{
	switch (status) {
#define SIP_STATUS_TEXT(name, val, text) case (val): return (text);
	SIP_STATUS_MAP(SIP_STATUS_TEXT)
#undef SIP_STATUS_TEXT
	}
	return "unknown status";
}
