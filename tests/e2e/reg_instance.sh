#!/bin/sh
# A phone that reconnects over TCP from a new port (RFC 5626): it
# registers one +sip.instance and reg-id over one TCP connection, then
# again over a new connection with another Contact URI. The second
# REGISTER replaces the first binding (its 200 lists one Contact, with
# +sip.instance and reg-id echoed), the location table holds one row with
# the instance, and a call then reaches only the new contact: a sipp UAS
# listening on the old contact's port must see no INVITE.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init sipp python3 sqlite3
e2e_ports PROXY OLD NEW REG1 REG2 UAC
DB=$E2E_TMP/sipcc.db
e2e_build tests/e2e/reg_instance.sip
e2e_start_proxy "$PROXY" --listen "tcp:127.0.0.1:$PROXY" --db "sqlite:$DB"
e2e_wait_tcp "$PROXY_PID" "$PROXY" proxy

# Both callees over TCP: the old contact never answers and logs what it gets.
e2e_sipp old -sf "$E2E_SRC/uas_silent.xml" -t t1 -i 127.0.0.1 -p "$OLD" -m 1 -timeout 30s \
	-trace_msg -message_file "$E2E_TMP/old_messages.log"
eval "e2e_wait_tcp \$SIPP_PID_old $OLD 'sipp old'"
e2e_sipp new -sf "$E2E_SRC/uas_rr.xml" -t t1 -i 127.0.0.1 -p "$NEW" -m 1 -timeout 30s
eval "e2e_wait_tcp \$SIPP_PID_new $NEW 'sipp new'"

# The device registers, its connection goes, it registers again from
# another connection with another Contact.
register() {  # NAME LOCAL_PORT CONTACT_PORT
	e2e_sipp_run "$1" -sf "$E2E_SRC/reg_instance.xml" -t t1 "127.0.0.1:$PROXY" \
		-i 127.0.0.1 -p "$2" -s alice -key contact_port "$3" -m 1 \
		-timeout 10s -timeout_error
	e2e_expect_calls "$1" 1
}
register reg1 "$REG1" "$OLD"
register reg2 "$REG2" "$NEW"
# The 200 comes once memory holds the binding; the rows follow (one
# transaction per REGISTER): wait until they are the second's.
want="sip:alice@127.0.0.1:$NEW;transport=tcp <urn:uuid:5f4a1c2e-7b0d-4e55-9c1a-0a1b2c3d4e5f> 1"
i=0
until inst=$(sqlite3 -cmd '.timeout 2000' "$DB" \
	"SELECT contact || ' ' || instance || ' ' || reg_id FROM location WHERE aor = 'alice@127.0.0.1'") &&
	[ "$inst" = "$want" ]; do
	[ $i -ge 50 ] && e2e_fail "the location rows of alice are not the new binding alone: $inst"
	sleep 0.1; i=$((i + 1))
done

# A call to alice: only the new contact gets the INVITE.
e2e_sipp_run uac -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" -s alice \
	-m 1 -timeout 20s -timeout_error
e2e_expect_calls uac 1
e2e_sipp_wait new
e2e_expect_calls new 1
e2e_kill "$SIPP_PID_old"
grep -q "INVITE sip:" "$E2E_TMP/old_messages.log" 2>/dev/null &&
	e2e_fail "the INVITE was forked to the old binding too"
e2e_expect_proxy_alive
