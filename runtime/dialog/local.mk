# Dialogs (RFC 3261 section 12): the layer. The module with the policy
# functions and proxy hooks is modules/dialog; they are separate
# libraries (runtime/local.mk).
DIALOG_CORE_SRC = runtime/dialog/dialog.c runtime/dialog/profile.c
EXTRA_DIST += runtime/dialog/dialog.h runtime/dialog/profile.h
