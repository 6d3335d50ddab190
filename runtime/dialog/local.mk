# Dialogs (RFC 3261 section 12): the layer (dialog.c) and the policy
# functions and proxy hooks (dlg_fn.c, which needs the proxy). The layer
# and the module are separate libraries (runtime/local.mk).
DIALOG_CORE_SRC = runtime/dialog/dialog.c
DIALOG_MOD_SRC = runtime/dialog/dlg_fn.c runtime/dialog/dlg_ctl.c
DIALOG_SRC = $(DIALOG_CORE_SRC) $(DIALOG_MOD_SRC)
EXTRA_DIST += runtime/dialog/dialog.h
