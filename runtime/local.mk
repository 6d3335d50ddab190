# The runtime library every generated proxy links with. Each layer lists its
# sources in its own fragment (CORE_SRC, SIP_SRC, NET_SRC, TXN_SRC, PROXY_SRC,
# TEXT_SRC, DB_SRC); unit tests link only the layers under test.
include runtime/core/local.mk
include runtime/sip/local.mk
include runtime/net/local.mk
include runtime/txn/local.mk
include runtime/proxy/local.mk
include runtime/text/local.mk
include runtime/db/local.mk
include runtime/script/local.mk
include runtime/registrar/local.mk
include runtime/auth/local.mk
include runtime/domain/local.mk
include runtime/dialog/local.mk
include runtime/drouting/local.mk
include runtime/acc/local.mk
include runtime/ctl/local.mk
include runtime/nat/local.mk
include runtime/rtpengine/local.mk

pkglib_LIBRARIES += libsiprt.a
libsiprt_a_SOURCES = $(CORE_SRC) $(SIP_SRC) $(NET_SRC) $(RESOLVE_SRC) $(TXN_SRC) $(PROXY_SRC) $(TEXT_SRC) $(DB_SRC) $(SCRIPT_SRC) $(REGISTRAR_SRC) $(AUTH_SRC) $(DOMAIN_SRC)
libsiprt_a_SOURCES += $(DIALOG_SRC) $(DROUTING_SRC)
libsiprt_a_SOURCES += $(NAT_SRC) $(RTPENGINE_SRC) $(ACC_SRC)
libsiprt_a_SOURCES += $(DB_CACHE_SRC)
libsiprt_a_CFLAGS = $(AM_CFLAGS) -O2 $(OPENSSL_CFLAGS) $(SQLITE_CFLAGS) $(PQ_CFLAGS) $(MARIADB_CFLAGS) $(CARES_CFLAGS)

noinst_HEADERS = \
	runtime/core/arena.h runtime/core/log.h runtime/core/status.h \
	runtime/core/str.h runtime/core/timer.h runtime/core/stats.h runtime/core/hash.h \
	runtime/net/loop.h runtime/net/transport.h \
	runtime/proxy/policy_abi.h runtime/proxy/proxy.h runtime/proxy/modules.h \
	runtime/sip/msg.h runtime/sip/sdp.h \
	runtime/txn/txn.h runtime/txn/txn_int.h
EXTRA_DIST += tests/data/rfc4475 tests/data/rfc5118
