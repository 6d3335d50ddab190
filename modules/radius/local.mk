# RADIUS: records, their queue and the digest attributes (rad_rec.c) and
# the module, with radcli's threads and the policy functions
# (radius_fn.c, which needs the proxy). The dictionary is installed into
# $(pkgdatadir)/radius, the default of radius.dictionary.
RADIUS_SRC = modules/radius/rad_rec.c modules/radius/radius_fn.c
EXTRA_DIST += modules/radius/radius.h
radiusdir = $(pkgdatadir)/radius
dist_radius_DATA = modules/radius/dictionary
