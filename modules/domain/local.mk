# Domain and alias tables, cached from the database.
DOMAIN_SRC = modules/domain/domain.c modules/domain/domain_ctl.c
EXTRA_DIST += modules/domain/domain.h
