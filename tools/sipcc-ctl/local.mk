# sipcc-ctl: subscribers, domains, aliases and registrations in the
# database, and the client of a running proxy's control socket. A program
# on top of the runtime, not a layer of it: it links the db layer, the
# gateway table of drouting, the digest functions of auth and the checks
# group, permissions and blacklist make of what they read (names,
# networks, prefixes), so sipcc-ctl refuses what the proxy would skip.
# The part sipcc-web shares (checks, subscriber rows and digests,
# attributes, the control socket client) is a library of its own.
noinst_LIBRARIES += tools/sipcc-ctl/libctl_common.a
tools_sipcc_ctl_libctl_common_a_SOURCES = tools/sipcc-ctl/ctl_common.c tools/sipcc-ctl/ctl_client.c \
	tools/sipcc-ctl/ctl_pref.c tools/sipcc-ctl/ctl_gw.c tools/sipcc-ctl/ctl.h
tools_sipcc_ctl_libctl_common_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
bin_PROGRAMS += sipcc-ctl
sipcc_ctl_SOURCES = tools/sipcc-ctl/sipcc_ctl.c \
	tools/sipcc-ctl/ctl_group.c tools/sipcc-ctl/ctl_address.c tools/sipcc-ctl/ctl_blacklist.c \
	tools/sipcc-ctl/ctl_dialplan.c tools/sipcc-ctl/ctl_import.c \
	tools/sipcc-ctl/ctl_rpc.c tools/sipcc-ctl/ctl_trunk.c
sipcc_ctl_SOURCES += tools/sipcc-ctl/ctl_dispatcher.c
sipcc_ctl_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(SQLITE_CFLAGS) $(PQ_CFLAGS) $(MARIADB_CFLAGS) $(CURL_CFLAGS)
sipcc_ctl_LDADD = tools/sipcc-ctl/libctl_common.a modules/libmod_prefs.a modules/libmod_drouting.a modules/libmod_uac.a modules/libmod_auth.a \
	modules/libmod_group.a modules/libmod_permissions.a modules/libmod_blacklist.a \
	modules/libmod_dialplan.a modules/libmod_dispatcher.a $(SIPRT_DB) \
	runtime/libsiprt_sip.a \
	$(OPENSSL_LIBS) $(SQLITE_LIBS) $(PQ_LIBS) $(MARIADB_LIBS) $(HIREDIS_LIBS) $(CURL_LIBS) -lpthread
