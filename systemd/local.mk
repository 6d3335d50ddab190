# The systemd units: a generated proxy's (sipcc-proxy(8)), with the
# installation's sbindir in it, and the web panel's.
systemdunitdir = @systemdsystemunitdir@
systemdunit_DATA = systemd/sipcc@.service systemd/sipcc-web.service
EXTRA_DIST += systemd/sipcc@.service.in systemd/sipcc-web.service.in
CLEANFILES += systemd/sipcc@.service systemd/sipcc-web.service
systemd/sipcc@.service: systemd/sipcc@.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' $(srcdir)/systemd/sipcc@.service.in >$@.tmp && mv $@.tmp $@
# The web control panel's unit (sipcc-web(8)), with the bindir in it.
systemd/sipcc-web.service: systemd/sipcc-web.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && \
	sed -e 's|@bindir[@]|$(bindir)|g' $(srcdir)/systemd/sipcc-web.service.in >$@.tmp && mv $@.tmp $@
