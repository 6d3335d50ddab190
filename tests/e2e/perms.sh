#!/bin/sh
# Groups, trusted peers and blacklists from the database, changed while
# the proxy runs (tests/e2e/perms.sip; sipcc-ctl writes, "sipcc-ctl --ctl
# SOCK db sync" has the proxy load the change before the next request):
#  1. group: a subscriber added to group pstn is routed to the gateway (it
#     got 403 before), one removed gets 403 again; the domain of the From
#     URI is compared without case;
#  2. blacklist: a global prefix gets 473, a global exception (--allow)
#     passes, a subscriber's own list applies to that subscriber only and
#     has its exceptions too, a removed prefix passes;
#  3. trusted peers, from other addresses of 127.0.0.0/8 (and from ::1 when
#     the host has it): an address, a network, IPv6 ones, a port
#     (check_source_address of one group), a transport and a From URI
#     pattern, each admitting exactly what it names (UDP and TCP
#     requests); the tag is
#     in $trusted_tag; a trusted peer reaches the gateway without the
#     subscriber checks (when that gateway is down, the failure route
#     still sees $trusted_tag); a removed address is no longer trusted;
#  4. a row with a bad regular expression (sipcc-ctl refuses it, plain SQL
#     writes it) is reported with its id in the log and admits nothing;
#     the other rows work;
#  5. on PostgreSQL (E2E_DB=pgsql, perms_pgsql.sh), with the database
#     stopped, the answers stay those of the tables loaded before.
# The gateway (sipp, perms_gw.xml) must receive exactly the MESSAGEs the
# proxy let through.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_db_init
SOCK=$E2E_TMP/sipcc.ctl
PEER="python3 $E2E_SRC/sip_peer.py"
D=voip.example.com

# SQL on the test's database, for what sipcc-ctl refuses to write.
sql() {
	if [ "${E2E_DB:-}" = pgsql ]; then
		"$pg_bindir/psql" -X -q -t -A -v ON_ERROR_STOP=1 "$PG_URL" -c "$1"
	else
		python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for row in c.execute(sys.argv[2]).fetchall():
    print("|".join(str(x) for x in row))
c.commit()' "${DB#sqlite:}" "$1"
	fi
}

# Load the changes into the running proxy; answers once they are in use.
sync_db() {
	"$CTL" --ctl "$SOCK" db sync >"$E2E_TMP/sync.json" 2>&1 ||
		e2e_fail "db sync failed: $(cat "$E2E_TMP/sync.json")"
	grep -q '"ok":true' "$E2E_TMP/sync.json" || e2e_fail "db sync: $(cat "$E2E_TMP/sync.json")"
}

# ask CODE WHAT SIP_PEER_ARGS...: one request; fail unless its final reply
# is CODE. The reply's status line is left in $E2E_TMP/last.out.
ask() {
	code=$1 what=$2
	shift 2
	$PEER "$PROXY" "$@" --expect "$code" >"$E2E_TMP/last.out" 2>&1 ||
		e2e_fail "$what: expected $code, got: $(cat "$E2E_TMP/last.out")"
	cat "$E2E_TMP/last.out" >>"$E2E_TMP/peer.out"
}

# said TEXT WHAT: the last reply's status line has TEXT.
said() {
	grep -qF -- "$1" "$E2E_TMP/last.out" || e2e_fail "$2: expected '$1' in: $(cat "$E2E_TMP/last.out")"
}

# call CODE WHAT FROM NUMBER: a subscriber's MESSAGE to NUMBER.
call() {
	ask "$1" "$2" MESSAGE "sip:$4@$D" --from "$3"
}

GW_CALLS=8
[ "${E2E_DB:-}" = pgsql ] && GW_CALLS=10

e2e_ports GW PROXY SRCPORT PROXY6 DOWN
V6=
python3 -c 'import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))' \
	2>/dev/null && V6=1
e2e_subscribers alice bob
ctl group add "alice@$D" pstn
e2e_build tests/e2e/perms.sip -D "GW=sip:127.0.0.1:$GW" -D "DOWN=sip:127.0.0.1:$DOWN"
e2e_sipp gw -sf "$E2E_SRC/perms_gw.xml" -i 127.0.0.1 -p "$GW" -m "$GW_CALLS" -timeout 120s \
	-timeout_error
e2e_wait_sipp_up gw "$GW"
set -- --listen "tcp:127.0.0.1:$PROXY"
if [ -n "$V6" ]; then
	set -- "$@" --listen "udp:[::1]:$PROXY6"
else
	e2e_log "no IPv6 loopback (::1): the IPv6 checks are skipped"
fi
e2e_start_proxy "$PROXY" "$@" --db "$DB" --ctl "$SOCK" --log-level info
e2e_wait_tcp "$PROXY_PID" "$PROXY" "the proxy"

# 1. groups
call 200 "alice is in group pstn" "sip:alice@$D" 0301234
said "Gateway OK" "alice's call reached the gateway"
call 403 "bob is in no group" "sip:bob@$D" 0301234
ctl group add "bob@$D" pstn
sync_db
call 200 "bob was added to group pstn" "sip:bob@$D" 0301234
call 200 "the From domain is compared without case" "sip:bob@VOIP.Example.COM" 0301234
call 403 "the From user is compared exactly" "sip:Bob@$D" 0301234
for who in "bob@$D" "sip:bob@$D" "<sip:bob@VOIP.example.com;user=phone>" "sips:bob@$D:5061"; do
	ask 200 "is_user_in('$who')" OPTIONS "sip:member@$D" --header "X-Who: $who"
done
for who in "Bob@$D" "bob@example.net" "bob" "tel:+4930123" ""; do
	ask 404 "is_user_in('$who')" OPTIONS "sip:member@$D" --header "X-Who: $who"
done
ctl group rm "alice@$D" pstn
sync_db
call 403 "alice was removed from group pstn" "sip:alice@$D" 0301234

# 2. blacklists
ctl blacklist add 0900 desc=premium
ctl blacklist add 09005 --allow
ctl blacklist add "bob@$D" 00
ctl blacklist add "bob@$D" 0049 --allow
sync_db
call 473 "0900 is blacklisted for everyone" "sip:bob@$D" 09001234
said "Filtered Destination" "the 473's reason"
call 200 "09005 is a global exception" "sip:bob@$D" 09005123
call 473 "00 is blacklisted for bob" "sip:bob@$D" 0033123
call 200 "0049 is bob's exception" "sip:bob@$D" 00491234
call 403 "bob's list is not alice's (she is refused by her group only)" "sip:alice@$D" 0033123
# The owner as user@domain or a URI; "" (or no subscriber): the global list only.
number() {
	ask "$1" "check_blacklist('$2', '$3')" OPTIONS "sip:number@$D" --header "X-Who: $2" \
		--header "X-Number: $3"
}
number 473 "bob@$D" 0033123
number 473 "<sip:bob@$D>" +0033123
number 200 "sip:bob@$D" 00491234
number 200 "alice@$D" 0033123
number 200 "" 0033123
number 473 "" 09001
number 473 "nobody" +09001
number 200 "" 09005
ctl blacklist rm prefix=0900
sync_db
call 200 "0900 was removed from the global list" "sip:bob@$D" 09001234

# 3. trusted peers
ask 403 "127.0.0.2 is not trusted yet" OPTIONS "sip:peer@$D" --source-addr 127.0.0.2
"$CTL" --db "$DB" address add 1 127.0.0.2 tag=carrier-a >"$E2E_TMP/addr.out" 2>&1 ||
	e2e_fail "sipcc-ctl address add failed: $(cat "$E2E_TMP/addr.out")"
ADDR_A=$(sed -n 's/^address \([0-9]*\)$/\1/p' "$E2E_TMP/addr.out")
[ -n "$ADDR_A" ] || e2e_fail "sipcc-ctl address add printed no id: $(cat "$E2E_TMP/addr.out")"
ctl address add 1 127.0.1.0/24 tag=net
ctl address add 2 127.0.0.4 "port=$SRCPORT" tag=port
ctl address add 1 127.0.0.5 proto=tcp tag=tcp
ctl address add 1 127.0.0.10 proto=udp tag=udp
ctl address add 1 127.0.0.6 'pattern=^sip:[^@]+@carrier\.example$' tag=pattern
sync_db
ask 200 "an address of the table" OPTIONS "sip:peer@$D" --source-addr 127.0.0.2
said "Trusted carrier-a" "the tag of 127.0.0.2"
ask 403 "an address outside the table" OPTIONS "sip:peer@$D" --source-addr 127.0.0.3
ask 200 "an address of a network of the table" OPTIONS "sip:peer@$D" --source-addr 127.0.1.77
said "Trusted net" "the tag of 127.0.1.0/24"
ask 403 "an address outside the network" OPTIONS "sip:peer@$D" --source-addr 127.0.2.1
ask 200 "the port of a row of group 2" OPTIONS "sip:grp2@$D" --source-addr 127.0.0.4 \
	--source-port "$SRCPORT"
said "Group2 port" "the tag of the group 2 row"
ask 403 "another port than the row's" OPTIONS "sip:grp2@$D" --source-addr 127.0.0.4
ask 403 "a peer of group 1 is not in group 2" OPTIONS "sip:grp2@$D" --source-addr 127.0.0.2
ask 403 "a TCP-only row does not admit UDP" OPTIONS "sip:peer@$D" --source-addr 127.0.0.5
ask 200 "a TCP-only row admits TCP" OPTIONS "sip:peer@$D" --source-addr 127.0.0.5 --tcp
said "Trusted tcp" "the tag of the TCP row"
ask 403 "a UDP row does not admit TCP" OPTIONS "sip:peer@$D" --source-addr 127.0.0.10 --tcp
ask 200 "a UDP row admits UDP" OPTIONS "sip:peer@$D" --source-addr 127.0.0.10
ask 200 "a From URI the pattern matches" OPTIONS "sip:peer@$D" --source-addr 127.0.0.6 \
	--from sip:gw1@carrier.example
said "Trusted pattern" "the tag of the pattern row"
ask 403 "a From URI the pattern does not match" OPTIONS "sip:peer@$D" --source-addr 127.0.0.6 \
	--from sip:gw1@carrier.example.evil
ask 200 "a trusted peer reaches the gateway unchecked" MESSAGE "sip:0033123@$D" \
	--source-addr 127.0.0.2 --from sip:+4930123@carrier.example
ask 503 "a trusted peer's gateway is down" MESSAGE "sip:down@$D" --timeout 40 \
	--source-addr 127.0.0.2 --from sip:+4930123@carrier.example
said "Gateway Down For carrier-a" "the failure route sees \$trusted_tag"
# IPv6: an address and a network, on the proxy's [::1] socket.
if [ -n "$V6" ]; then
	ask6() {
		code=$1 what=$2
		shift 2
		$PEER "$PROXY6" "$@" --source-addr ::1 --expect "$code" >"$E2E_TMP/last.out" 2>&1 ||
			e2e_fail "$what: expected $code, got: $(cat "$E2E_TMP/last.out")"
	}
	ask6 403 "::1 is not trusted yet (no IPv4 row admits it)" OPTIONS "sip:peer@$D"
	ctl address add 1 ::1 tag=v6
	ctl address add 2 ::/120 tag=v6net
	sync_db
	ask6 200 "an IPv6 address of the table" OPTIONS "sip:peer@$D"
	said "Trusted v6" "the tag of ::1"
	ask6 200 "an IPv6 network of group 2" OPTIONS "sip:grp2@$D"
	said "Group2 v6net" "the tag of ::/120"
fi
ctl address rm "$ADDR_A"
sync_db
ask 403 "a removed address is no longer trusted" OPTIONS "sip:peer@$D" --source-addr 127.0.0.2
ask 200 "the other rows still admit" OPTIONS "sip:peer@$D" --source-addr 127.0.1.77

# 4. a row with a bad regular expression
if "$CTL" --db "$DB" address add 1 127.0.0.8 'pattern=(unclosed' >"$E2E_TMP/bad.out" 2>&1; then
	e2e_fail "sipcc-ctl wrote a row with a bad pattern"
fi
grep -q "bad pattern" "$E2E_TMP/bad.out" || e2e_fail "sipcc-ctl: $(cat "$E2E_TMP/bad.out")"
sql "INSERT INTO address (grp, ip, mask, port, proto, pattern, context_info)
     VALUES (1, '127.0.0.8', 32, 0, 'any', '(unclosed', 'bad')" >/dev/null ||
	e2e_fail "cannot write the bad row with SQL"
BAD=$(sql "SELECT id FROM address WHERE ip = '127.0.0.8'")
[ -n "$BAD" ] || e2e_fail "the bad row is not in the table"
ctl address add 1 127.0.0.9 tag=good
sync_db
e2e_wait_log "permissions: address row $BAD skipped: bad pattern '(unclosed'" 5 \
	"the bad row was not reported with its id ($BAD)"
ask 403 "the bad row admits nothing" OPTIONS "sip:peer@$D" --source-addr 127.0.0.8 \
	--from sip:x@y
ask 200 "a row added with the bad one works" OPTIONS "sip:peer@$D" --source-addr 127.0.0.9
said "Trusted good" "the tag of the good row"
ask 200 "the rows loaded before work" OPTIONS "sip:peer@$D" --source-addr 127.0.1.77
call 200 "the group still works" "sip:bob@$D" 0301234
e2e_expect_proxy_alive

# 5. the database goes away: the tables loaded before stay in use.
if [ "${E2E_DB:-}" = pgsql ]; then
	pg_server_stop
	call 473 "database down: bob's blacklist" "sip:bob@$D" 0033123
	call 403 "database down: alice's group" "sip:alice@$D" 0301234
	call 200 "database down: bob's group" "sip:bob@$D" 0301234
	ask 200 "database down: a trusted network" OPTIONS "sip:peer@$D" --source-addr 127.0.1.77
	ask 403 "database down: an untrusted address" OPTIONS "sip:peer@$D" --source-addr 127.0.0.3
	ask 200 "database down: a trusted peer reaches the gateway" MESSAGE "sip:0900@$D" \
		--source-addr 127.0.0.9
	e2e_expect_proxy_alive
fi

e2e_sipp_wait gw
e2e_expect_calls gw "$GW_CALLS"
