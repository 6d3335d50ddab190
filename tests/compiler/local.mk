# Golden tests of the compiler front end: each NAME.sip is checked and its
# diagnostics compared with NAME.err (see run_golden.sh).
TESTS += tests/compiler/run_golden.sh
EXTRA_DIST += tests/compiler
# A directory in EXTRA_DIST is copied from the build tree too: leave out
# what an out-of-tree "make check" left there (objects, the test program,
# test logs), or the tarball's build would link a stale object.
dist-hook: dist-clean-compiler-tests
dist-clean-compiler-tests:
	rm -f $(distdir)/tests/compiler/*.o $(distdir)/tests/compiler/test_codegen \
		$(distdir)/tests/compiler/*.log $(distdir)/tests/compiler/*.trs \
		$(distdir)/tests/compiler/yaml/*.log $(distdir)/tests/compiler/yaml/*.trs
	rm -rf $(distdir)/tests/compiler/.deps $(distdir)/tests/compiler/.dirstamp
.PHONY: dist-clean-compiler-tests
