# test_dlg_image: the text a dialog shared through the cluster's store
# keeps its variables and profiles in (modules/dialog/dlg_image.c).
check_PROGRAMS += tests/modules/dialog/test_dlg_image
TESTS += tests/modules/dialog/test_dlg_image
tests_modules_dialog_test_dlg_image_SOURCES = tests/modules/dialog/test_dlg_image.c
tests_modules_dialog_test_dlg_image_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_modules_dialog_test_dlg_image_LDADD = modules/libmod_dialog.a $(SIPRT_CORE) $(CMOCKA_LIBS)
