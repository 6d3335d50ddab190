# The runtime library every generated proxy links with. Each layer lists its
# sources in its own fragment (CORE_SRC, SIP_SRC, NET_SRC, TXN_SRC, PROXY_SRC,
# TEXT_SRC, DB_SRC, ...) and is built into a convenience library of its own,
# in dependency order; the unit tests of a layer link its library and the
# libraries of the layers below, so a lower layer that calls an upper one
# fails to link in its own tests.
include runtime/core/local.mk
include runtime/sip/local.mk
include runtime/net/local.mk
include runtime/txn/local.mk
include runtime/proxy/local.mk
include runtime/db/local.mk
include runtime/script/local.mk
include runtime/dialog/local.mk

RUNTIME_CFLAGS = $(AM_CFLAGS) -O2 $(OPENSSL_CFLAGS) $(SQLITE_CFLAGS) $(PQ_CFLAGS) $(MARIADB_CFLAGS) $(HIREDIS_CFLAGS) $(CARES_CFLAGS) $(MHD_CFLAGS)

# The layers, bottom up. SIPRT_<LAYER> is the layer's library followed by
# the libraries of the layers it may call, in link order: a program links
# $(SIPRT_TXN) to get txn, net, sip and core and nothing above them.
noinst_LIBRARIES += runtime/libsiprt_core.a
runtime_libsiprt_core_a_SOURCES = $(CORE_SRC) $(TIMER_SRC)
runtime_libsiprt_core_a_CFLAGS = $(RUNTIME_CFLAGS)
SIPRT_CORE = runtime/libsiprt_core.a

noinst_LIBRARIES += runtime/libsiprt_sip.a
runtime_libsiprt_sip_a_SOURCES = $(SIP_SRC)
runtime_libsiprt_sip_a_CFLAGS = $(RUNTIME_CFLAGS)
SIPRT_SIP = runtime/libsiprt_sip.a $(SIPRT_CORE)

# The transports and RFC 3263 resolution (resolve.c needs c-ares; a program
# that does not call it does not link it).
noinst_LIBRARIES += runtime/libsiprt_net.a
runtime_libsiprt_net_a_SOURCES = $(NET_SRC) $(RESOLVE_SRC)
runtime_libsiprt_net_a_CFLAGS = $(RUNTIME_CFLAGS)
SIPRT_NET = runtime/libsiprt_net.a $(SIPRT_SIP)

noinst_LIBRARIES += runtime/libsiprt_txn.a
runtime_libsiprt_txn_a_SOURCES = $(TXN_SRC)
runtime_libsiprt_txn_a_CFLAGS = $(RUNTIME_CFLAGS)
SIPRT_TXN = runtime/libsiprt_txn.a $(SIPRT_NET)

# The database adapters, the worker and the cached tables.
noinst_LIBRARIES += runtime/libsiprt_db.a
runtime_libsiprt_db_a_SOURCES = $(DB_SRC) $(DB_CACHE_SRC)
runtime_libsiprt_db_a_CFLAGS = $(RUNTIME_CFLAGS)
SIPRT_DB = runtime/libsiprt_db.a $(SIPRT_CORE)

# The dialog layer (the module with its policy functions is modules/dialog).
noinst_LIBRARIES += runtime/libsiprt_dialog.a
runtime_libsiprt_dialog_a_SOURCES = $(DIALOG_CORE_SRC)
runtime_libsiprt_dialog_a_CFLAGS = $(RUNTIME_CFLAGS)
SIPRT_DIALOG = runtime/libsiprt_dialog.a $(SIPRT_SIP)

noinst_LIBRARIES += runtime/libsiprt_script.a
runtime_libsiprt_script_a_SOURCES = $(SCRIPT_SRC)
runtime_libsiprt_script_a_CFLAGS = $(RUNTIME_CFLAGS)
SIPRT_SCRIPT = runtime/libsiprt_script.a $(SIPRT_CORE)

# The host: the proxy, its settings, routes, control socket and the stdlib
# functions; it sits on every layer.
noinst_LIBRARIES += runtime/libsiprt_proxy.a
runtime_libsiprt_proxy_a_SOURCES = $(PROXY_SRC)
runtime_libsiprt_proxy_a_CFLAGS = $(RUNTIME_CFLAGS)
SIPRT_HOST = runtime/libsiprt_proxy.a runtime/libsiprt_script.a \
	runtime/libsiprt_dialog.a runtime/libsiprt_db.a $(SIPRT_TXN)

# The installed library: the objects of every layer above and of every
# module (MODULE_OBJECTS, modules/local.mk),
# compiled once. A generated proxy links it and $(RUNTIME_LIBS) only.
pkglib_LIBRARIES += libsiprt.a
libsiprt_a_SOURCES =
libsiprt_a_CFLAGS = $(RUNTIME_CFLAGS)
libsiprt_a_LIBADD = \
	$(runtime_libsiprt_core_a_OBJECTS) $(runtime_libsiprt_sip_a_OBJECTS) \
	$(runtime_libsiprt_net_a_OBJECTS) $(runtime_libsiprt_txn_a_OBJECTS) \
	$(runtime_libsiprt_db_a_OBJECTS) $(runtime_libsiprt_dialog_a_OBJECTS) \
	$(runtime_libsiprt_script_a_OBJECTS) $(runtime_libsiprt_proxy_a_OBJECTS) \
	$(MODULE_OBJECTS)
EXTRA_libsiprt_a_DEPENDENCIES = $(libsiprt_a_LIBADD)

noinst_HEADERS = \
	runtime/core/arena.h runtime/core/log.h runtime/core/status.h \
	runtime/core/str.h runtime/core/timer.h runtime/core/stats.h runtime/core/hash.h \
	runtime/core/htable.h runtime/core/health.h runtime/core/json.h \
	runtime/net/loop.h runtime/net/transport.h \
	runtime/proxy/policy_abi.h runtime/proxy/proxy.h runtime/proxy/modules.h \
	runtime/sip/msg.h runtime/sip/sdp.h \
	runtime/txn/txn.h runtime/txn/txn_int.h
noinst_HEADERS += runtime/core/timerec.h runtime/core/clock.h runtime/core/re_cache.h \
	runtime/core/worker.h runtime/core/mpsc.h runtime/core/qsbr.h
EXTRA_DIST += tests/data/rfc4475 tests/data/rfc5118

include runtime/test/local.mk
