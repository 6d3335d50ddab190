/* The transport limits in force (net/limits.h). */
#include "net/limits.h"

struct tp_limits tp_limits = {
	TP_DEFAULT_TCP_MAX_CONNS, TP_DEFAULT_TCP_MAX_RBUF, TP_DEFAULT_TCP_MAX_WBUF,
	TP_DEFAULT_TCP_IDLE_MS,
};
