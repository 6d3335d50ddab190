# The benchmark (not part of "make check"): "make bench" runs the same sipp
# load through bench/relay, a proxy built from examples/minimal.sip, and
# Kamailio with bench/kamailio.cfg, and prints CPU per call for each.
# BENCH_CALLS, BENCH_RATE and BENCH_SERVERS tune it (see bench/run).
noinst_PROGRAMS += bench/relay
bench_relay_SOURCES = bench/relay.c
EXTRA_DIST += bench/run bench/kamailio.cfg

.PHONY: bench
bench: bench/relay$(EXEEXT) sipcc$(EXEEXT) libsiprt.a
	SIPCC='$(abs_top_builddir)/sipcc' \
	SIPCC_STDLIB='$(abs_top_srcdir)/stdlib' \
	SIPCC_RUNTIME='$(abs_top_builddir)/libsiprt.a' \
	RELAY='$(abs_top_builddir)/bench/relay' \
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	KAMAILIO='$(KAMAILIO)' \
	$(SHELL) '$(abs_top_srcdir)/bench/run'
