# The modules: one directory each, modules/NAME, with its C, its
# declarations (NAME.sipi, installed into the stdlib directory) and a
# local.mk that names its sources (NAME_SRC). Each module is built into a
# library of its own, modules/libmod_NAME.a; its unit tests link it with the
# layers it may call (SIPRT_* in runtime/local.mk), so a module that calls
# another module's internals fails to link in its own tests. The installed
# libsiprt.a takes the objects of every module ($(MODULE_OBJECTS)).
#
# Adding a module: create modules/NAME/{NAME.sipi,local.mk,*.c}, then add
# NAME to the three lists below (include, library, objects). See HACKING.md.
include modules/registrar/local.mk
include modules/auth/local.mk
include modules/domain/local.mk
include modules/dialog/local.mk
include modules/drouting/local.mk
include modules/nat/local.mk
include modules/rtpengine/local.mk
include modules/acc/local.mk
include modules/text/local.mk
include modules/dialplan/local.mk
include modules/group/local.mk
include modules/permissions/local.mk
include modules/blacklist/local.mk
include modules/prefs/local.mk
include modules/dispatcher/local.mk
include modules/siptrace/local.mk
include modules/http/local.mk
include modules/pike/local.mk
include modules/ratelimit/local.mk
include modules/uac/local.mk
include modules/sst/local.mk
include modules/radius/local.mk

noinst_LIBRARIES += modules/libmod_registrar.a
modules_libmod_registrar_a_SOURCES = $(REGISTRAR_SRC)
modules_libmod_registrar_a_CFLAGS = $(RUNTIME_CFLAGS)
noinst_LIBRARIES += modules/libmod_auth.a
modules_libmod_auth_a_SOURCES = $(AUTH_SRC)
modules_libmod_auth_a_CFLAGS = $(RUNTIME_CFLAGS)
noinst_LIBRARIES += modules/libmod_domain.a
modules_libmod_domain_a_SOURCES = $(DOMAIN_SRC)
modules_libmod_domain_a_CFLAGS = $(RUNTIME_CFLAGS)
noinst_LIBRARIES += modules/libmod_dialog.a
modules_libmod_dialog_a_SOURCES = $(DIALOG_MOD_SRC)
modules_libmod_dialog_a_CFLAGS = $(RUNTIME_CFLAGS)
noinst_LIBRARIES += modules/libmod_drouting.a
modules_libmod_drouting_a_SOURCES = $(DROUTING_SRC)
modules_libmod_drouting_a_CFLAGS = $(RUNTIME_CFLAGS)
noinst_LIBRARIES += modules/libmod_nat.a
modules_libmod_nat_a_SOURCES = $(NAT_SRC)
modules_libmod_nat_a_CFLAGS = $(RUNTIME_CFLAGS)
noinst_LIBRARIES += modules/libmod_rtpengine.a
modules_libmod_rtpengine_a_SOURCES = $(RTPENGINE_SRC)
modules_libmod_rtpengine_a_CFLAGS = $(RUNTIME_CFLAGS)
noinst_LIBRARIES += modules/libmod_acc.a
modules_libmod_acc_a_SOURCES = $(ACC_SRC)
modules_libmod_acc_a_CFLAGS = $(RUNTIME_CFLAGS)
noinst_LIBRARIES += modules/libmod_text.a
modules_libmod_text_a_SOURCES = $(TEXT_SRC)
modules_libmod_text_a_CFLAGS = $(RUNTIME_CFLAGS)
noinst_LIBRARIES += modules/libmod_dialplan.a
modules_libmod_dialplan_a_SOURCES = $(DIALPLAN_SRC)
modules_libmod_dialplan_a_CFLAGS = $(RUNTIME_CFLAGS)
noinst_LIBRARIES += modules/libmod_group.a
modules_libmod_group_a_SOURCES = $(GROUP_SRC)
modules_libmod_group_a_CFLAGS = $(RUNTIME_CFLAGS)
noinst_LIBRARIES += modules/libmod_permissions.a
modules_libmod_permissions_a_SOURCES = $(PERMISSIONS_SRC)
modules_libmod_permissions_a_CFLAGS = $(RUNTIME_CFLAGS)
noinst_LIBRARIES += modules/libmod_blacklist.a
modules_libmod_blacklist_a_SOURCES = $(BLACKLIST_SRC)
modules_libmod_blacklist_a_CFLAGS = $(RUNTIME_CFLAGS)
noinst_LIBRARIES += modules/libmod_prefs.a
modules_libmod_prefs_a_SOURCES = $(PREFS_SRC)
modules_libmod_prefs_a_CFLAGS = $(RUNTIME_CFLAGS)
noinst_LIBRARIES += modules/libmod_dispatcher.a
modules_libmod_dispatcher_a_SOURCES = $(DISPATCHER_SRC)
modules_libmod_dispatcher_a_CFLAGS = $(RUNTIME_CFLAGS)
noinst_LIBRARIES += modules/libmod_siptrace.a
modules_libmod_siptrace_a_SOURCES = $(SIPTRACE_SRC)
modules_libmod_siptrace_a_CFLAGS = $(RUNTIME_CFLAGS)
noinst_LIBRARIES += modules/libmod_http.a
modules_libmod_http_a_SOURCES = $(HTTP_SRC)
modules_libmod_http_a_CFLAGS = $(RUNTIME_CFLAGS) $(CURL_CFLAGS)
noinst_LIBRARIES += modules/libmod_pike.a
modules_libmod_pike_a_SOURCES = $(PIKE_SRC)
modules_libmod_pike_a_CFLAGS = $(RUNTIME_CFLAGS)
noinst_LIBRARIES += modules/libmod_ratelimit.a
modules_libmod_ratelimit_a_SOURCES = $(RATELIMIT_SRC)
modules_libmod_ratelimit_a_CFLAGS = $(RUNTIME_CFLAGS)
noinst_LIBRARIES += modules/libmod_uac.a
modules_libmod_uac_a_SOURCES = $(UAC_SRC)
modules_libmod_uac_a_CFLAGS = $(RUNTIME_CFLAGS)
noinst_LIBRARIES += modules/libmod_sst.a
modules_libmod_sst_a_SOURCES = $(SST_SRC)
modules_libmod_sst_a_CFLAGS = $(RUNTIME_CFLAGS)
noinst_LIBRARIES += modules/libmod_radius.a
modules_libmod_radius_a_SOURCES = $(RADIUS_SRC)
modules_libmod_radius_a_CFLAGS = $(RUNTIME_CFLAGS) $(RADCLI_CFLAGS) \
	-DSIPCC_RADIUS_DICTIONARY='"$(radiusdir)/dictionary"'

MODULE_OBJECTS =
MODULE_OBJECTS += $(modules_libmod_registrar_a_OBJECTS)
MODULE_OBJECTS += $(modules_libmod_auth_a_OBJECTS)
MODULE_OBJECTS += $(modules_libmod_domain_a_OBJECTS)
MODULE_OBJECTS += $(modules_libmod_dialog_a_OBJECTS)
MODULE_OBJECTS += $(modules_libmod_drouting_a_OBJECTS)
MODULE_OBJECTS += $(modules_libmod_nat_a_OBJECTS)
MODULE_OBJECTS += $(modules_libmod_rtpengine_a_OBJECTS)
MODULE_OBJECTS += $(modules_libmod_acc_a_OBJECTS)
MODULE_OBJECTS += $(modules_libmod_text_a_OBJECTS)
MODULE_OBJECTS += $(modules_libmod_dialplan_a_OBJECTS)
MODULE_OBJECTS += $(modules_libmod_group_a_OBJECTS)
MODULE_OBJECTS += $(modules_libmod_permissions_a_OBJECTS)
MODULE_OBJECTS += $(modules_libmod_blacklist_a_OBJECTS)
MODULE_OBJECTS += $(modules_libmod_prefs_a_OBJECTS)
MODULE_OBJECTS += $(modules_libmod_dispatcher_a_OBJECTS)
MODULE_OBJECTS += $(modules_libmod_siptrace_a_OBJECTS)
MODULE_OBJECTS += $(modules_libmod_http_a_OBJECTS)
MODULE_OBJECTS += $(modules_libmod_pike_a_OBJECTS)
MODULE_OBJECTS += $(modules_libmod_ratelimit_a_OBJECTS)
MODULE_OBJECTS += $(modules_libmod_uac_a_OBJECTS)
MODULE_OBJECTS += $(modules_libmod_sst_a_OBJECTS)
MODULE_OBJECTS += $(modules_libmod_radius_a_OBJECTS)

dist_stdlib_DATA += modules/registrar/registrar.sipi
dist_stdlib_DATA += modules/auth/auth.sipi
dist_stdlib_DATA += modules/domain/domain.sipi
dist_stdlib_DATA += modules/dialog/dialog.sipi
dist_stdlib_DATA += modules/drouting/drouting.sipi
dist_stdlib_DATA += modules/nat/nat.sipi
dist_stdlib_DATA += modules/rtpengine/rtpengine.sipi
dist_stdlib_DATA += modules/acc/acc.sipi
dist_stdlib_DATA += modules/text/text.sipi
dist_stdlib_DATA += modules/dialplan/dialplan.sipi
dist_stdlib_DATA += modules/group/group.sipi
dist_stdlib_DATA += modules/permissions/permissions.sipi
dist_stdlib_DATA += modules/blacklist/blacklist.sipi
dist_stdlib_DATA += modules/prefs/prefs.sipi
dist_stdlib_DATA += modules/dispatcher/dispatcher.sipi
dist_stdlib_DATA += modules/siptrace/siptrace.sipi
dist_stdlib_DATA += modules/http/http.sipi
dist_stdlib_DATA += modules/pike/pike.sipi
dist_stdlib_DATA += modules/ratelimit/ratelimit.sipi
dist_stdlib_DATA += modules/uac/uac.sipi
dist_stdlib_DATA += modules/sst/sst.sipi
dist_stdlib_DATA += modules/radius/radius.sipi
