# The systemd unit of a generated proxy (sipcc-proxy(8)), with the
# installation's sbindir in it.
systemdunitdir = @systemdsystemunitdir@
systemdunit_DATA = systemd/sipcc@.service
EXTRA_DIST += systemd/sipcc@.service.in
CLEANFILES += systemd/sipcc@.service
systemd/sipcc@.service: systemd/sipcc@.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' $(srcdir)/systemd/sipcc@.service.in >$@.tmp && mv $@.tmp $@
