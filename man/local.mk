# Manual pages. sipcc.1 is written by hand; sipcc-policy.5 is generated from
# sipcc-policy.5.in by replacing the @STDLIB_REFERENCE@ line with the output
# of "sipcc doc" run against the stdlib of the source tree, so the language
# reference always lists what the compiler actually accepts.
dist_man_MANS += man/sipcc.1 man/sipcc-yaml.5 man/sipcc-test.5
nodist_man_MANS = man/sipcc-policy.5
EXTRA_DIST += man/sipcc-policy.5.in
CLEANFILES += man/sipcc-policy.5

man/sipcc-policy.5: $(srcdir)/man/sipcc-policy.5.in sipcc$(EXEEXT) share/stdlib/.stamp
	$(AM_V_GEN)$(MKDIR_P) man && \
	SIPCC_STDLIB='$(BUILD_STDLIB)' ./sipcc$(EXEEXT) doc >$@.doc && \
	test -s $@.doc && \
	sed -e '/^@STDLIB_REFERENCE@$$/{r $@.doc' -e 'd' -e '}' \
		$(srcdir)/man/sipcc-policy.5.in >$@.tmp && \
	rm -f $@.doc && mv $@.tmp $@
dist_man_MANS += man/sipcc-ctl.8 man/sipcc-proxy.8 man/sipcc-web.8
