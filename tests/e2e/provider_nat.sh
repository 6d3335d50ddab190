#!/bin/sh
# The NAT and media-relay checks of residential_nat.sh (phones behind a
# NAT, a real rtpengine, SDP rewritten both ways, the media session
# deleted by the BYE) against examples/provider.sip built with
# -D MEDIA_RELAY=1.
E2E_POLICY=examples/provider.sip
export E2E_POLICY
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/residential_nat.sh"
