# Start throw-away FreeRADIUS servers for a test, and stop them. Sourced:
#
#   . "$top_srcdir/tests/radius_server.sh"
#   radius_server_setup DIR || exit $?     # 77 without freeradius
#   radius_server_start NAME AUTH_PORT ACCT_PORT   # DIR/NAME/acct/detail
#   ... radius_server_stop NAME; radius_server_start NAME ... again
#   radius_server_stop_all
#
# Each server runs in the foreground (freeradius -f) on 127.0.0.1 only,
# with a configuration written here into DIR/NAME: the client 127.0.0.1
# with the secret $RADIUS_SECRET, the users of DIR/users (lines
# "NAME Cleartext-Password := \"PW\"", checked by the digest module for
# Digest-Response/Digest-Attributes requests), and accounting written to
# DIR/NAME/acct/detail by the detail module. Its dictionary is the stock
# one with dictionary.openser instead of dictionary.columbia_university
# (whose vendor attributes take the names Sip-Method, Sip-From-Tag...), so
# the SIP attributes OpenSIPS and sipcc send have their names in the
# detail file. Nothing of the system's FreeRADIUS is used or changed.

RADIUS_SECRET='s1pcc-radius'

radius_server_setup() {
	radius_dir=$1
	RADIUSD=
	for c in freeradius radiusd; do
		for d in /usr/sbin /usr/local/sbin; do
			[ -x "$d/$c" ] && RADIUSD=$d/$c && break 2
		done
		command -v "$c" >/dev/null 2>&1 && RADIUSD=$(command -v "$c") && break
	done
	if [ -z "$RADIUSD" ]; then
		echo "SKIP: freeradius not found (apt-get install freeradius)"
		return 77
	fi
	radius_share=
	for d in /usr/share/freeradius /usr/local/share/freeradius; do
		[ -f "$d/dictionary" ] && radius_share=$d && break
	done
	if [ -z "$radius_share" ] || [ ! -f "$radius_share/dictionary.openser" ]; then
		echo "SKIP: FreeRADIUS dictionaries not found"
		return 77
	fi
	mkdir -p "$radius_dir/dict" || return 99
	# The stock dictionary with absolute includes, without the vendor
	# dictionary that takes the SIP names, with OpenSER's SIP attributes.
	sed -e 's|^\$INCLUDE dictionary\.columbia_university|#&|' \
	    -e "s|^\\\$INCLUDE \\(dictionary\\..*\\)|\$INCLUDE $radius_share/\\1|" \
	    "$radius_share/dictionary" >"$radius_dir/dict/dictionary" || return 99
	echo "\$INCLUDE $radius_share/dictionary.openser" >>"$radius_dir/dict/dictionary"
	: >>"$radius_dir/users"
	RADIUS_PIDS=
	return 0
}

# radius_server_start NAME AUTH_PORT ACCT_PORT: start (or start again)
# the server NAME; wait until it answers on both ports (10 s).
radius_server_start() {
	rs=$radius_dir/$1
	mkdir -p "$rs/raddb" "$rs/log" "$rs/acct" "$rs/run" || return 99
	cp "$radius_dir/users" "$rs/raddb/users" || return 99
	: >"$rs/raddb/dictionary"
	cat >"$rs/raddb/radiusd.conf" <<CONF
prefix = /usr
exec_prefix = /usr
sysconfdir = /etc
localstatedir = $rs
sbindir = /usr/sbin
logdir = $rs/log
raddbdir = $rs/raddb
radacctdir = $rs/acct
name = radiusd
confdir = \${raddbdir}
modconfdir = \${confdir}
run_dir = $rs/run
db_dir = $rs
libdir = /usr/lib/freeradius
pidfile = \${run_dir}/radiusd.pid
max_request_time = 30
cleanup_delay = 1
max_requests = 1024
hostname_lookups = no
log {
	destination = files
	file = \${logdir}/radius.log
	auth = yes
	auth_badpass = yes
}
security {
	allow_core_dumps = no
	max_attributes = 200
	reject_delay = 0
	status_server = yes
}
thread pool {
	start_servers = 2
	max_servers = 4
	min_spare_servers = 1
	max_spare_servers = 3
	max_requests_per_server = 0
}
client local {
	ipaddr = 127.0.0.1
	secret = $RADIUS_SECRET
}
modules {
	detail {
		filename = \${radacctdir}/detail
		permissions = 0600
		header = "%t"
		locking = no
	}
	files {
		filename = \${confdir}/users
	}
	digest {
	}
}
server default {
listen {
	type = auth
	ipaddr = 127.0.0.1
	port = $2
}
listen {
	type = acct
	ipaddr = 127.0.0.1
	port = $3
}
authorize {
	files
	digest
}
authenticate {
	Auth-Type digest {
		digest
	}
}
preacct {
}
accounting {
	detail
}
post-auth {
}
}
CONF
	"$RADIUSD" -f -D "$radius_dir/dict" -d "$rs/raddb" -n radiusd -l "$rs/log/radiusd.out" \
		>"$rs/log/stdout" 2>&1 </dev/null &
	eval "RADIUS_PID_$1=\$!"
	RADIUS_PIDS="$RADIUS_PIDS $!"
	# An e2e test's cleanup stops it too.
	command -v e2e_track >/dev/null 2>&1 && e2e_track "$!"
	i=0
	until grep -q "Ready to process requests" "$rs/log/radiusd.out" "$rs/log/radius.log" \
			2>/dev/null; do
		if ! kill -0 "$(eval echo "\$RADIUS_PID_$1")" 2>/dev/null; then
			cat "$rs/log/stdout" "$rs/log/radiusd.out" "$rs/log/radius.log" 2>/dev/null | tail -20
			return 99
		fi
		[ $i -ge 100 ] && return 99
		sleep 0.1; i=$((i + 1))
	done
	return 0
}

# radius_server_stop NAME: stop the server and wait until it is gone.
radius_server_stop() {
	eval "rp=\${RADIUS_PID_$1:-}"
	[ -n "$rp" ] || return 0
	kill -TERM "$rp" 2>/dev/null
	i=0
	while kill -0 "$rp" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	kill -KILL "$rp" 2>/dev/null
	wait "$rp" 2>/dev/null
	eval "RADIUS_PID_$1="
	return 0
}

radius_server_stop_all() {
	for rp in $RADIUS_PIDS; do
		kill -TERM "$rp" 2>/dev/null
	done
	for rp in $RADIUS_PIDS; do
		i=0
		while kill -0 "$rp" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1; i=$((i + 1))
		done
		kill -KILL "$rp" 2>/dev/null
	done
	RADIUS_PIDS=
}
