# Dialogs (RFC 3261 section 12): the layer (dialog.c) and the policy
# functions and proxy hooks (dlg_fn.c, which needs the proxy).
DIALOG_SRC = runtime/dialog/dialog.c runtime/dialog/dlg_fn.c runtime/dialog/dlg_ctl.c
EXTRA_DIST += runtime/dialog/dialog.h
