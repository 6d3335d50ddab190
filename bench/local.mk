# The benchmark (not part of "make check"): "make bench" runs the same sipp
# load through bench/relay, a proxy built from examples/minimal.sip, and
# Kamailio with bench/kamailio.cfg, and prints CPU per call for each.
# BENCH_CALLS, BENCH_RATE and BENCH_SERVERS tune it (see bench/run).
noinst_PROGRAMS += bench/relay
bench_relay_SOURCES = bench/relay.c
EXTRA_DIST += bench/run bench/workers bench/kamailio.cfg \
	bench/register bench/reg_auth.xml bench/kamailio-register.cfg \
	bench/provider bench/prov_uac.xml bench/prov_uas.xml \
	bench/kamailio-provider.cfg

.PHONY: bench
bench: bench/relay$(EXEEXT) sipcc$(EXEEXT) libsiprt.a
	SIPCC='$(abs_top_builddir)/sipcc' \
	SIPCC_STDLIB='$(BUILD_STDLIB)' \
	SIPCC_RUNTIME='$(abs_top_builddir)/libsiprt.a' \
	RELAY='$(abs_top_builddir)/bench/relay' \
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	KAMAILIO='$(KAMAILIO)' \
	$(SHELL) '$(abs_top_srcdir)/bench/run'

# "make bench-workers": the proxy built from examples/minimal.sip with
# --workers 1 and with one worker per CPU under the same load from several
# sipp callers; calls per second, CPU per call and peak memory for each.
# BENCH_CALLS, BENCH_RATE, BENCH_CALLERS and BENCH_WORKERS tune it (see
# bench/workers).
.PHONY: bench-workers
bench-workers: sipcc$(EXEEXT) libsiprt.a
	SIPCC='$(abs_top_builddir)/sipcc' \
	SIPCC_STDLIB='$(BUILD_STDLIB)' \
	SIPCC_RUNTIME='$(abs_top_builddir)/libsiprt.a' \
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	$(SHELL) '$(abs_top_srcdir)/bench/workers'

# "make bench-register": authenticated REGISTERs through the proxy built
# from examples/residential.sip and through Kamailio with
# bench/kamailio-register.cfg, both on SQLite; registrations per second and
# CPU per registration for each. BENCH_REGS, BENCH_RATE, BENCH_USERS and
# BENCH_SERVERS tune it (see bench/register).
.PHONY: bench-register
bench-register: sipcc$(EXEEXT) sipcc-ctl$(EXEEXT) libsiprt.a
	SIPCC='$(abs_top_builddir)/sipcc' \
	SIPCC_CTL='$(abs_top_builddir)/sipcc-ctl' \
	SIPCC_STDLIB='$(BUILD_STDLIB)' \
	SIPCC_RUNTIME='$(abs_top_builddir)/libsiprt.a' \
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	KAMAILIO='$(KAMAILIO)' \
	$(SHELL) '$(abs_top_srcdir)/bench/register'

# "make bench-provider": calls between registered subscribers (INVITE,
# 407, INVITE with credentials, location lookup, Record-Route, dialog,
# accounting to the database, BYE) through the proxy built from
# examples/provider.sip and through Kamailio with
# bench/kamailio-provider.cfg, both on SQLite; calls per second, CPU per
# call and peak memory for each. BENCH_CALLS, BENCH_RATE, BENCH_USERS,
# BENCH_HOLD, BENCH_WORKERS and BENCH_SERVERS tune it (see bench/provider).
.PHONY: bench-provider
bench-provider: sipcc$(EXEEXT) sipcc-ctl$(EXEEXT) libsiprt.a
	SIPCC='$(abs_top_builddir)/sipcc' \
	SIPCC_CTL='$(abs_top_builddir)/sipcc-ctl' \
	SIPCC_STDLIB='$(BUILD_STDLIB)' \
	SIPCC_RUNTIME='$(abs_top_builddir)/libsiprt.a' \
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	KAMAILIO='$(KAMAILIO)' \
	$(SHELL) '$(abs_top_srcdir)/bench/provider'

# "make bench-memory": the proxy built from examples/minimal.sip under a
# burst of calls (30,000 at 3,000/s): its resident size before, at the
# peak, at the end of the load and a minute after; then bytes per
# transaction in each wait state and per confirmed dialog
# (bench/mem_layers.c) and per registered contact with 100,000 contacts in
# the registrar's location table (bench/reg_memory.c). BENCH_CALLS,
# BENCH_RATE, BENCH_WORKERS, BENCH_AFTER, BENCH_ITEMS and BENCH_CONTACTS
# tune it (see bench/memory).
noinst_PROGRAMS += bench/reg_memory bench/mem_layers
EXTRA_DIST += bench/memory
bench_reg_memory_SOURCES = bench/reg_memory.c
bench_reg_memory_CFLAGS = $(AM_CFLAGS) -O2 $(SQLITE_CFLAGS) $(PQ_CFLAGS) $(MARIADB_CFLAGS)
bench_reg_memory_LDADD = modules/libmod_registrar.a runtime/libsiprt_db.a $(SIPRT_SIP) $(SQLITE_LIBS) $(PQ_LIBS) $(MARIADB_LIBS) $(HIREDIS_LIBS) -lpthread
bench_mem_layers_SOURCES = bench/mem_layers.c
bench_mem_layers_CFLAGS = $(AM_CFLAGS) -O2 $(OPENSSL_CFLAGS)
bench_mem_layers_LDADD = runtime/libsiprt_dialog.a $(SIPRT_TXN) $(OPENSSL_LIBS) -lpthread

.PHONY: bench-memory
bench-memory: bench/reg_memory$(EXEEXT) bench/mem_layers$(EXEEXT) sipcc$(EXEEXT) libsiprt.a
	SIPCC='$(abs_top_builddir)/sipcc' \
	SIPCC_STDLIB='$(BUILD_STDLIB)' \
	SIPCC_RUNTIME='$(abs_top_builddir)/libsiprt.a' \
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	$(SHELL) '$(abs_top_srcdir)/bench/memory'

# "make bench-cluster": authenticated registrations and calls through one
# proxy and through two proxies sharing one Redis (cluster.store; sipp
# driving both), with one proxy and the store in between, in one run;
# rate, CPU per registration or call of the proxies and of redis-server,
# the scripts Redis ran, and the two-proxy over one-proxy ratios.
# BENCH_REGS, BENCH_CALLS, BENCH_RATE and BENCH_USERS tune it (see
# bench/cluster).
EXTRA_DIST += bench/cluster bench/cluster_calls.sip
.PHONY: bench-cluster
bench-cluster: sipcc$(EXEEXT) sipcc-ctl$(EXEEXT) libsiprt.a
	SIPCC='$(abs_top_builddir)/sipcc' \
	SIPCC_CTL='$(abs_top_builddir)/sipcc-ctl' \
	SIPCC_STDLIB='$(BUILD_STDLIB)' \
	SIPCC_RUNTIME='$(abs_top_builddir)/libsiprt.a' \
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	$(SHELL) '$(abs_top_srcdir)/bench/cluster'

# "make bench-compile": sipcc check, build -c and the whole build of
# examples/provider.sip, BENCH_RUNS times each; median and best wall times
# (see bench/compile).
EXTRA_DIST += bench/compile
.PHONY: bench-compile
bench-compile: sipcc$(EXEEXT) libsiprt.a
	SIPCC='$(abs_top_builddir)/sipcc' \
	SIPCC_STDLIB='$(BUILD_STDLIB)' \
	SIPCC_RUNTIME='$(abs_top_builddir)/libsiprt.a' \
	top_srcdir='$(abs_top_srcdir)' \
	$(SHELL) '$(abs_top_srcdir)/bench/compile'

# "make bench-tls": BENCH_CLIENTS clients (10,000) each over a connection
# of its own (TLS, TCP, or a UDP socket) to the proxy built from
# bench/streams.sip, registered and kept alive, then calls between them:
# connections per second, the proxy's memory per connection, its CPU per
# call by transport, and the response time of UDP OPTIONS while thousands
# of TLS handshakes run (see bench/tls).
noinst_PROGRAMS += bench/stream_clients
bench_stream_clients_SOURCES = bench/stream_clients.c
bench_stream_clients_CFLAGS = $(AM_CFLAGS) -O2 $(OPENSSL_CFLAGS)
bench_stream_clients_LDADD = $(OPENSSL_LIBS)
EXTRA_DIST += bench/tls bench/streams.sip

.PHONY: bench-tls
bench-tls: bench/stream_clients$(EXEEXT) sipcc$(EXEEXT) libsiprt.a
	SIPCC='$(abs_top_builddir)/sipcc' \
	SIPCC_STDLIB='$(BUILD_STDLIB)' \
	SIPCC_RUNTIME='$(abs_top_builddir)/libsiprt.a' \
	CLIENTS_BIN='$(abs_top_builddir)/bench/stream_clients' \
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	$(SHELL) '$(abs_top_srcdir)/bench/tls'
