# Example policies. tests/e2e/examples.sh checks and compiles every one of
# them in "make check"; calls.sh, cancel.sh and malformed.sh run minimal.sip.
EXTRA_DIST += \
	examples/minimal.sip \
	examples/residential.sip \
	examples/residential.yaml \
	examples/provider.sip \
	examples/provider.yaml
