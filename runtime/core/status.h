/* One status space for the whole runtime (nginx/libuv style).
 * SIP_OK is 0; everything else is negative. SIP_AGAIN and SIP_DECLINED are
 * normal outcomes, not errors. The X-macro also generates sip_strerror(). */
#ifndef SIPCC_CORE_STATUS_H
#define SIPCC_CORE_STATUS_H

#define SIP_STATUS_MAP(X)                                              \
	X(OK,        0,   "success")                                   \
	X(AGAIN,    -1,   "try again later")                           \
	X(DECLINED, -2,   "declined")                                  \
	X(NOMEM,    -3,   "out of memory")                             \
	X(EPARSE,   -4,   "malformed message")                         \
	X(ETOOBIG,  -5,   "message too large")                         \
	X(EINVAL,   -6,   "invalid argument")                          \
	X(ENOTFOUND,-7,   "not found")                                 \
	X(EIO,      -8,   "input/output error")                        \
	X(EADDRINUSE,-9,  "address already in use")                    \
	X(ELIMIT,  -10,   "limit exceeded")                            \
	X(ESTATE,  -11,   "invalid state")                             \
	X(ETIMEOUT,-12,   "timed out")                                 \
	X(EINCOMPLETE,-13,"message incomplete")                        \
	X(EDB,     -14,   "database error")                            \
	X(EDBDOWN, -15,   "database unavailable")                      \
	X(EDBCONSTRAINT,-16,"database constraint violated")

enum sip_status {
#define SIP_STATUS_ENUM(name, val, text) SIP_##name = (val),
	SIP_STATUS_MAP(SIP_STATUS_ENUM)
#undef SIP_STATUS_ENUM
};

const char *sip_strerror(int status);

#endif
