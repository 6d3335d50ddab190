#!/bin/sh
# README, "Set-up": scripts/quickstart leaves ./sipcc-ctl and ./proxy, and
# the README's ./sipcc-ctl commands work by that name in that directory.
# Then a phone set up as "Pointing a phone at the quickstart proxy" says
# (sipp, with the README's own command line) registers, and the README's
# "ul show" lists it; so does linphonec with the README's register command.
# quickstart runs with the tree's existing build
# (QUICKSTART_BUILD=no, BUILD=the build directory) into a directory of its
# own, on a free port, and does not start the proxy (QUICKSTART_RUN=no);
# the test starts it as quickstart would.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ports PROXY PHONE CONTACT WEB
QS=$E2E_TMP/qs
readme=$top_srcdir/README.md

QUICKSTART_BUILD=no QUICKSTART_RUN=no QUICKSTART_DIR=$QS BUILD=$top_builddir WEB=127.0.0.1:$WEB \
	LISTEN=udp:127.0.0.1:$PROXY sh "$top_srcdir/scripts/quickstart" >"$E2E_TMP/quickstart.out" 2>&1 ||
	e2e_fail "scripts/quickstart failed"
[ -L "$QS/sipcc-ctl" ] && [ -x "$QS/sipcc-ctl" ] || e2e_fail "quickstart left no ./sipcc-ctl"
[ -x "$QS/proxy" ] && [ -f "$QS/sipcc.db" ] || e2e_fail "quickstart left no ./proxy or ./sipcc.db"
grep -q "registrar and outbound proxy 127.0.0.1:$PROXY" "$E2E_TMP/quickstart.out" ||
	e2e_fail "quickstart does not say where a phone registers"

# The web panel: the address and admin password quickstart prints log in.
webpw=$(sed -n "s|.*web control panel: http://127.0.0.1:$WEB/ account admin password \([A-Za-z2-9]\{20\}\)$|\1|p" \
	"$E2E_TMP/quickstart.out")
[ -n "$webpw" ] || e2e_fail "quickstart does not print the panel's address and password"
[ -x "$QS/sipcc-web" ] || e2e_fail "quickstart left no ./sipcc-web"
(cd "$QS" && exec ./sipcc-web --db sqlite:sipcc.db --listen "127.0.0.1:$WEB") >"$E2E_TMP/web.out" 2>&1 &
e2e_track "$!"
i=0
until curl -s -c "$E2E_TMP/jar" -b "$E2E_TMP/jar" -o "$E2E_TMP/login.html" "http://127.0.0.1:$WEB/login"; do
	[ $i -ge 50 ] && e2e_fail "./sipcc-web does not answer: $(cat "$E2E_TMP/web.out")"
	sleep 0.1; i=$((i + 1))
done
tok=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$E2E_TMP/login.html" | cut -d'"' -f4)
got=$(curl -s -c "$E2E_TMP/jar" -b "$E2E_TMP/jar" -o /dev/null -w '%{http_code} %{redirect_url}' \
	--data-urlencode "csrf=$tok" --data-urlencode name=admin --data-urlencode "password=$webpw" \
	"http://127.0.0.1:$WEB/login")
[ "$got" = "303 http://127.0.0.1:$WEB/subscribers" ] || e2e_fail "the printed admin password does not log in: $got"

# Every "./sipcc-ctl ..." command line of the README, as written, in that
# directory (the ones that add must add: a fresh database).
cd "$QS" || e2e_error "cd $QS"
grep '^    \./sipcc-ctl ' "$readme" | sed 's/#.*//' >"$E2E_TMP/readme-ctl.sh"
[ "$(wc -l <"$E2E_TMP/readme-ctl.sh")" -ge 2 ] || e2e_fail "no ./sipcc-ctl command in README.md"
while read -r cmd; do
	sh -c "$cmd" >>"$E2E_TMP/ctl.out" 2>&1 || e2e_fail "README command failed: $cmd"
done <"$E2E_TMP/readme-ctl.sh"
./sipcc-ctl --db sqlite:sipcc.db add bob@voip.example.com again >/dev/null 2>&1 &&
	e2e_fail "README's add command did not add bob"

# The proxy as quickstart runs it, and the README's sipp phone.
E2E_PROXY=$QS/proxy
e2e_start_proxy "$PROXY" --db sqlite:sipcc.db
phone=$(grep -o '^ *sipp -sf tests/e2e/reg_auth.xml .*' "$readme")
[ -n "$phone" ] || e2e_fail "no sipp phone command in README.md"
e2e_log "README phone: $phone"
set -- $(echo "$phone" | sed -e "s|tests/e2e/|$top_srcdir/tests/e2e/|" \
	-e "s|127.0.0.1:5060|127.0.0.1:$PROXY|" -e "s|contact_port 5070|contact_port $CONTACT|")
shift       # sipp
e2e_sipp_run phone "$@" -i 127.0.0.1 -p "$PHONE" -timeout 10s -timeout_error
e2e_expect_calls phone 1
i=0
until ./sipcc-ctl --db sqlite:sipcc.db ul show >"$E2E_TMP/ul.out" 2>&1 &&
	grep -q "alice@voip.example.com.*<sip:alice@127.0.0.1:$CONTACT>\|<sip:alice@127.0.0.1:$CONTACT>" "$E2E_TMP/ul.out"; do
	[ $i -ge 30 ] && e2e_fail "./sipcc-ctl ul show does not list the phone: $(cat "$E2E_TMP/ul.out")"
	sleep 0.1; i=$((i + 1))
done

# A real phone: linphonec with the README's register command (skipped
# without linphone-cli). It runs with a home of its own and a free SIP
# port, and stays up until its binding is seen.
if command -v linphonec >/dev/null 2>&1; then
	reg=$(grep -o 'register sip:alice@voip.example.com sip:127.0.0.1:5060 alice-secret' "$readme" | head -n 1)
	[ -n "$reg" ] || e2e_fail "no linphonec register command in README.md"
	e2e_ports LINPHONE
	mkdir -p "$E2E_TMP/home/.local/share/linphone"
	printf '[sip]\nsip_port=%s\nsip_tcp_port=0\nsip_tls_port=0\n' "$LINPHONE" >"$E2E_TMP/linphonerc"
	mkfifo "$E2E_TMP/linphonec.in"
	HOME=$E2E_TMP/home linphonec -c "$E2E_TMP/linphonerc" <"$E2E_TMP/linphonec.in" \
		>"$E2E_TMP/linphonec.out" 2>&1 &
	e2e_track $!
	exec 3>"$E2E_TMP/linphonec.in"
	sleep 1
	echo "$reg" | sed "s|127.0.0.1:5060|127.0.0.1:$PROXY|" >&3
	i=0
	until ./sipcc-ctl --db sqlite:sipcc.db ul show >"$E2E_TMP/ul.out" 2>&1 &&
		grep -q "127.0.0.1:$LINPHONE" "$E2E_TMP/ul.out"; do
		[ $i -ge 150 ] && e2e_fail "linphonec did not register as the README says: $(cat "$E2E_TMP/ul.out")"
		sleep 0.1; i=$((i + 1))
	done
	e2e_log "linphonec registered: $(grep "127.0.0.1:$LINPHONE" "$E2E_TMP/ul.out")"
	echo quit >&3
	exec 3>&-
fi
e2e_expect_proxy_alive
