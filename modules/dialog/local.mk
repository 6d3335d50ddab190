# The dialog module: the policy functions, proxy hooks (dlg_fn.c) and
# control commands (dlg_ctl.c) over the dialog layer (runtime/dialog).
DIALOG_MOD_SRC = modules/dialog/dlg_fn.c modules/dialog/dlg_ctl.c modules/dialog/dlg_hangup.c \
	modules/dialog/dlg_share.c modules/dialog/dlg_image.c
EXTRA_DIST += modules/dialog/dlg_mod.h modules/dialog/dlg_image.h
