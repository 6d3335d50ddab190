# Golden tests of the YAML front end (see tests/compiler/yaml/run.sh):
# NAME.yaml with NAME.err (expected diagnostics) and, for `sipcc explain`,
# NAME.sip (the expected DSL).
TESTS += tests/compiler/yaml/run.sh
EXTRA_DIST += tests/compiler/yaml
# Every key of the YAML form is documented in sipcc-yaml(5); bad values
# of every key never crash the compiler.
TESTS += tests/compiler/yaml/keys_doc.sh
LONG_TESTS += tests/compiler/yaml/robust.sh
