# Golden tests of the YAML front end (see tests/compiler/yaml/run.sh):
# NAME.yaml with NAME.err (expected diagnostics) and, for `sipcc explain`,
# NAME.sip (the expected DSL).
TESTS += tests/compiler/yaml/run.sh
EXTRA_DIST += tests/compiler/yaml
