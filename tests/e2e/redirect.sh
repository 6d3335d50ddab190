#!/bin/sh
# Redirects and the routing headers, through a proxy built from
# tests/e2e/redirect.sip with sipp as the callers and callees:
#  a. A redirect server: the proxy answers 302 itself with the Contact
#     and the extra header the policy gave append_to_reply(); the caller
#     checks both (uac_moved.xml).
#  b. Following a redirect: the first callee answers 302 with two
#     Contacts; get_redirects(1) in the failure route takes the one of
#     higher q (the other names a port nobody listens on), t_relay()
#     sends the call there and the second callee answers 200.
#  c. force_rport() and Record-Route parameters: the caller's INVITE
#     names a Via port nobody listens on, without rport; the call
#     completes only when the proxy answers to the source port. The
#     callee checks the rport and received the proxy added to the Via and
#     the ;p=v of the Record-Route (add_rr_param); the caller's BYE brings
#     ;p=v back in its Route, which the policy requires
#     (check_route_param, $route_param) before relaying it.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ports PROXY UAC REDIR CALLEE DEAD
e2e_build tests/e2e/redirect.sip -D "REDIRECTOR=sip:127.0.0.1:$REDIR" -D "CALLEE=127.0.0.1:$CALLEE"
e2e_start_proxy "$PROXY"

# a. Redirect server.
e2e_sipp_run moved -sf "$E2E_SRC/uac_moved.xml" -s moved "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -m 1 -timeout 10s -timeout_error
e2e_expect_calls moved 1

# b. A redirect followed from the failure route.
e2e_sipp redir -sf "$E2E_SRC/uas_302.xml" -i 127.0.0.1 -p "$REDIR" -m 1 -timeout 20s \
	-key target "127.0.0.1:$CALLEE" -key other "127.0.0.1:$DEAD"
e2e_sipp callee -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$CALLEE" -m 1 -timeout 20s
e2e_wait_sipp_up redir "$REDIR"
e2e_wait_sipp_up callee "$CALLEE"
e2e_sipp_run caller -sf "$E2E_SRC/uac_rr.xml" -s redir "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -m 1 -timeout 15s -timeout_error
e2e_expect_calls caller 1
e2e_sipp_wait redir
e2e_expect_calls redir 1
e2e_sipp_wait callee
e2e_expect_calls callee 1
grep -q "redirected to sip:redirected@127.0.0.1:$CALLEE" "$E2E_TMP/proxy.log" ||
	e2e_fail "the failure route did not log the redirect's Contact"

# c. rport and Record-Route parameters.
e2e_sipp rcallee -sf "$E2E_SRC/uas_rport.xml" -i 127.0.0.1 -p "$CALLEE" -m 1 -timeout 20s
e2e_wait_sipp_up rcallee "$CALLEE"
e2e_sipp_run rcaller -sf "$E2E_SRC/uac_rport.xml" -s rport "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -key viaport "$DEAD" -m 1 -timeout 15s -timeout_error
e2e_expect_calls rcaller 1
e2e_sipp_wait rcallee
e2e_expect_calls rcallee 1
if grep -q "BYE without the Record-Route parameter" "$E2E_TMP/proxy.log"; then
	e2e_fail "the BYE came without ;p=v"
fi
e2e_expect_proxy_alive
