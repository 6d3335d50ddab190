# Golden tests of the compiler front end: each NAME.sip is checked and its
# diagnostics compared with NAME.err (see run_golden.sh).
TESTS += tests/compiler/run_golden.sh
EXTRA_DIST += tests/compiler
