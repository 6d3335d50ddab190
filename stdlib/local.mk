# The declarations of the host's functions (core, script state, header
# operations, transactions, SDP, limits, DNS, statistics, TLS). Each module
# installs its own from modules/NAME/NAME.sipi (modules/local.mk).
dist_stdlib_DATA += stdlib/core.sipi stdlib/script.sipi stdlib/tls.sipi
dist_stdlib_DATA += stdlib/textops.sipi
dist_stdlib_DATA += stdlib/tm.sipi
dist_stdlib_DATA += stdlib/sdp.sipi stdlib/limits.sipi
dist_stdlib_DATA += stdlib/dns.sipi
dist_stdlib_DATA += stdlib/stats.sipi
# Record-Route parameters and rport (runtime/proxy/rr_fn.c).
dist_stdlib_DATA += stdlib/rr.sipi
# Time conditions (runtime/proxy/time_fn.c).
dist_stdlib_DATA += stdlib/time.sipi

# The stdlib directory of the build tree: every .sipi of stdlib/ and
# modules/*/ side by side, as they are installed, for the compiler when it
# runs from the build tree (tests, benchmarks, policy_fns.h).
BUILD_STDLIB = $(abs_top_builddir)/share/stdlib
BUILT_SOURCES += share/stdlib/.stamp
share/stdlib/.stamp: $(dist_stdlib_DATA)
	$(AM_V_GEN)rm -rf share/stdlib && $(MKDIR_P) share/stdlib && \
	for f in $(dist_stdlib_DATA); do \
		if test -f "$$f"; then cp "$$f" share/stdlib/; else cp "$(srcdir)/$$f" share/stdlib/; fi; \
	done && touch $@
clean-local: clean-build-stdlib
clean-build-stdlib:
	rm -rf share/stdlib
.PHONY: clean-build-stdlib
