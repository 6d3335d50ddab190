# sipcc-web: the web control panel. A program on top of the runtime like
# sipcc-ctl, whose checks, subscriber rows (with their digests) and
# control socket client it links (tools/sipcc-ctl/libctl_common.a).
bin_PROGRAMS += sipcc-web
sipcc_web_SOURCES = tools/sipcc-web/sipcc_web.c tools/sipcc-web/web_pages.c \
	tools/sipcc-web/web_util.c tools/sipcc-web/web_auth.c tools/sipcc-web/web_prefs.c \
	tools/sipcc-web/web_live.c tools/sipcc-web/web_gw.c \
	tools/sipcc-web/web_bl.c tools/sipcc-web/web_addr.c \
	tools/sipcc-web/web_dp.c tools/sipcc-web/web_ds.c tools/sipcc-web/web_accounts.c \
	tools/sipcc-web/web.h
sipcc_web_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(MHD_CFLAGS)
sipcc_web_LDADD = tools/sipcc-ctl/libctl_common.a modules/libmod_prefs.a modules/libmod_group.a \
	modules/libmod_drouting.a modules/libmod_blacklist.a \
	modules/libmod_permissions.a modules/libmod_dialplan.a \
	modules/libmod_dispatcher.a modules/libmod_auth.a $(SIPRT_DB) \
	runtime/libsiprt_sip.a $(MHD_LIBS) $(OPENSSL_LIBS) $(SQLITE_LIBS) $(PQ_LIBS) $(MARIADB_LIBS) $(HIREDIS_LIBS) \
	-lpthread
