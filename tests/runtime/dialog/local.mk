check_PROGRAMS += tests/runtime/dialog/test_dialog
TESTS += tests/runtime/dialog/test_dialog
tests_runtime_dialog_test_dialog_SOURCES = tests/runtime/dialog/test_dialog.c
tests_runtime_dialog_test_dialog_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_runtime_dialog_test_dialog_LDADD = $(SIPRT_DIALOG) $(CMOCKA_LIBS) $(AX_PTHREAD_LIBS)
