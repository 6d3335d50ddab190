# Example policies. tests/e2e/examples.sh checks and compiles every one of
# them in "make check"; calls.sh, cancel.sh and malformed.sh run minimal.sip.
# Installed under PKGDATADIR/examples as starting points, with the test
# cases of residential and provider (sipcc test; tests/test/examples.sh).
examplesdir = $(pkgdatadir)/examples
dist_examples_DATA = \
	examples/minimal.sip \
	examples/residential.sip \
	examples/residential.yaml \
	examples/provider.sip \
	examples/provider.yaml \
	examples/residential.test.yaml \
	examples/provider.test.yaml
