# sipcc-ctl: subscribers, domains, aliases and registrations in the
# database (the db layer and the digest functions of runtime/auth).
bin_PROGRAMS += sipcc-ctl
sipcc_ctl_SOURCES = runtime/ctl/sipcc_ctl.c runtime/ctl/ctl_client.c runtime/auth/digest.c runtime/drouting/dr_table.c \
	$(DB_SRC) $(DB_CACHE_SRC) runtime/core/timer.c $(CORE_SRC)
sipcc_ctl_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(SQLITE_CFLAGS) $(PQ_CFLAGS) $(MARIADB_CFLAGS)
sipcc_ctl_LDADD = $(OPENSSL_LIBS) $(SQLITE_LIBS) $(PQ_LIBS) $(MARIADB_LIBS)
