# Domain and alias tables, cached from the database.
DOMAIN_SRC = runtime/domain/domain.c runtime/domain/domain_ctl.c
EXTRA_DIST += runtime/domain/domain.h
