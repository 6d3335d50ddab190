# Golden tests of the compiler front end: each NAME.sip is checked and its
# diagnostics compared with NAME.err (see run_golden.sh).
TESTS += tests/compiler/run_golden.sh
EXTRA_DIST += tests/compiler
# A directory in EXTRA_DIST is copied from the build tree when it exists
# there too: leave out what "make check" put beside the cases.
dist-hook: dist-hook-compiler-tests
dist-hook-compiler-tests:
	find "$(distdir)/tests/compiler" \( -name '*.o' -o -name '*.log' -o -name '*.trs' \
		-o -name '.dirstamp' \) -exec rm -f {} +
	rm -rf "$(distdir)/tests/compiler/.deps"
	rm -f "$(distdir)/tests/compiler/test_codegen$(EXEEXT)"
.PHONY: dist-hook-compiler-tests
# sipcc fmt: golden layouts, idempotence, comments kept, same code.
LONG_TESTS += tests/compiler/fmt/run.sh
# The stdlib's documentation names only declared functions and existing
# sipcc-ctl options.
TESTS += tests/compiler/stdlib_doc.sh
