# End-to-end tests: a proxy built by sipcc, driven by sipp.
E2E_TESTS = \
	tests/e2e/examples.sh \
	tests/e2e/calls.sh \
	tests/e2e/workers.sh \
	tests/e2e/workers_plan.sh \
	tests/e2e/cancel.sh \
	tests/e2e/malformed.sh \
	tests/e2e/residential.sh \
	tests/e2e/residential_yaml.sh \
	tests/e2e/language.sh
TESTS += $(E2E_TESTS)
EXTRA_DIST += $(E2E_TESTS) \
	tests/e2e/lib.sh \
	tests/e2e/language.sip \
	tests/e2e/uac_rr.xml \
	tests/e2e/uas_rr.xml \
	tests/e2e/uac_cancel.xml \
	tests/e2e/uas_ring.xml
E2E_TESTS += tests/e2e/registrar.sh tests/e2e/registrar_pgsql.sh
EXTRA_DIST += tests/e2e/auth_registrar.sip \
	tests/e2e/reg_auth.xml tests/e2e/reg_wrong.xml tests/e2e/uac_auth.xml \
	tests/e2e/uac_auth_404.xml tests/pgsql_server.sh
# The route kinds besides request and failure (startup, timer, branch,
# error, local), all with tests/e2e/route_kinds.sip.
E2E_TESTS += tests/e2e/route_startup.sh tests/e2e/route_branch.sh \
	tests/e2e/route_error.sh tests/e2e/route_local.sh
EXTRA_DIST += tests/e2e/route_kinds.sip
# Stream transports: TCP end to end and UDP to TCP; TLS between two proxies.
E2E_TESTS += tests/e2e/tcp.sh tests/e2e/tls.sh
# Reply routes (the unnamed one and one armed by t_on_reply) with sipp.
E2E_TESTS += tests/e2e/reply_route.sh
EXTRA_DIST += tests/e2e/reply_route.sip tests/e2e/uac_reply.xml
# Every route kind through sipp.
E2E_TESTS += tests/e2e/route_sipp.sh
EXTRA_DIST += tests/e2e/route_all.sip tests/e2e/uac_busy.xml tests/e2e/uas_busy.xml \
	tests/e2e/uac_bad_cseq.xml
# Dialogs and dialog variables with sipp.
E2E_TESTS += tests/e2e/dialog.sh
EXTRA_DIST += tests/e2e/dialog.sip tests/e2e/uas_dlg.xml tests/e2e/uas_dlg_bye.xml \
	tests/e2e/uac_dlg_bye.xml tests/e2e/uac_stray_bye.xml \
	tests/e2e/uas_reject.xml tests/e2e/uac_reject.xml
# Forking: parallel to the contacts of the best q, serial by q from a
# failure route.
E2E_TESTS += tests/e2e/fork.sh
EXTRA_DIST += tests/e2e/fork.sip tests/e2e/uas_late200.xml tests/e2e/uas_ring_busy.xml
EXTRA_DIST += tests/e2e/uas_decline.xml tests/e2e/uac_decline.xml
# Final-response timers with a failure route to a backup; retransmissions
# of the INVITE and of the 200 OK.
E2E_TESTS += tests/e2e/timers.sh tests/e2e/retrans.sh
EXTRA_DIST += tests/e2e/timers.sip tests/e2e/uas_silent.xml
# Retransmitted REGISTERs get the reply of their transaction.
E2E_TESTS += tests/e2e/reg_retrans.sh
# Dynamic routing: two sipp gateways, longest prefix, rewrite, failover.
E2E_TESTS += tests/e2e/drouting.sh tests/e2e/drouting_yaml.sh
EXTRA_DIST += tests/e2e/drouting.sip tests/e2e/drouting.yaml tests/e2e/dr_uas.xml \
	tests/e2e/dr_answer_200.xml tests/e2e/dr_answer_503.xml
# The registrar suite against a MariaDB server the test starts.
E2E_TESTS += tests/e2e/registrar_mysql.sh
# SDP: the pseudo-variables of stdlib/sdp.sipi.
E2E_TESTS += tests/e2e/sdp.sh
EXTRA_DIST += tests/e2e/sdp.sip
# IPv6 (RFC 5118 forms on the wire), and IPv6 to IPv4 through one proxy.
E2E_TESTS += tests/e2e/ipv6.sh
EXTRA_DIST += tests/e2e/ipv6.sip
# Limits from the policy (limits.*, tcp.*), each hit and logged.
E2E_TESTS += tests/e2e/limits.sh
EXTRA_DIST += tests/e2e/limits.sip
# Module settings out of range: logged, the default used instead.
E2E_TESTS += tests/e2e/settings_range.sh
EXTRA_DIST += tests/e2e/settings_range.sip
# SIP over WebSocket (ws and wss) with a Python WebSocket client.
E2E_TESTS += tests/e2e/ws.sh
EXTRA_DIST += tests/e2e/ws_peer.py
E2E_TESTS += tests/e2e/ws_hop.sh
# A database that hangs under the proxy: SIP traffic goes on, requests that
# need the database get 503 within a bound, recovery when it is back.
E2E_TESTS += tests/e2e/db_outage.sh
E2E_TESTS += tests/e2e/reg_writethrough.sh
EXTRA_DIST += tests/e2e/reg_auth_503.xml
# RFC 3263 through dnsmasq: NAPTR, SRV, failover across SRV targets.
E2E_TESTS += tests/e2e/dns.sh
EXTRA_DIST += tests/e2e/dns.sip tests/e2e/uas_503.xml
# Branch flags per branch and per contact (setbflag before save, lookup,
# branch/reply/failure routes, restart).
E2E_TESTS += tests/e2e/bflags.sh
EXTRA_DIST += tests/e2e/bflags.sip tests/e2e/uas_bflag.xml tests/e2e/uac_603.xml

# NAT traversal and the media relay (a real rtpengine; skipped without it).
E2E_TESTS += tests/e2e/rtpengine.sh tests/e2e/nat.sh tests/e2e/residential_nat.sh \
	tests/e2e/residential_nat_yaml.sh
EXTRA_DIST += tests/e2e/rtpengine.sip tests/e2e/uac_rtpe.xml tests/e2e/uas_rtpe.xml \
	tests/e2e/nat.sip tests/e2e/uac_nat.xml tests/e2e/uas_nat.xml
# Accounting: acc, missed_calls and CDRs of dialogs, read back from the
# database.
E2E_TESTS += tests/e2e/acc.sh tests/e2e/acc_pgsql.sh tests/e2e/acc_outage.sh
EXTRA_DIST += tests/e2e/acc.sip
# RADIUS: accounting records and digest credentials checked by a real
# FreeRADIUS (tests/radius_server.sh; skipped without it).
E2E_TESTS += tests/e2e/radius_acc.sh tests/e2e/radius_acc_outage.sh tests/e2e/radius_auth.sh \
	tests/e2e/provider_radius.sh
EXTRA_DIST += tests/e2e/radius_acc.sip tests/e2e/radius_auth.sip tests/radius_server.sh
# Statistics and the control socket (--ctl, sipcc-ctl --ctl).
E2E_TESTS += tests/e2e/ctl.sh tests/e2e/ctl_modules.sh
EXTRA_DIST += tests/e2e/ctl.sip tests/e2e/reg_plain.xml
# A policy swapped into a running proxy (sipcc build --hot, policy load).
E2E_TESTS += tests/e2e/policy_swap.sh
EXTRA_DIST += tests/e2e/policy_swap.sip tests/e2e/policy_swap_setting.sip \
	tests/e2e/policy_swap_state.sip tests/e2e/policy_swap_module.sip \
	tests/e2e/policy_swap_grow.sip
# Calls that wait are compiled into continuations: nothing before them runs
# twice, and a frozen database holds up only the requests that need it.
E2E_TESTS += tests/e2e/async_once.sh
EXTRA_DIST += tests/e2e/async_once.sip
# CANCEL before any provisional reply: 487 at once, the late 180 CANCELled,
# a late 200 ACKed and BYEd; no relay from the failure route of a cancelled
# call.
E2E_TESTS += tests/e2e/cancel_early.sh
EXTRA_DIST += tests/e2e/cancel_early.sip tests/e2e/uac_cancel_early.xml \
	tests/e2e/uas_silent_ring.xml tests/e2e/uas_silent_answer.xml
# A UDP next hop with nobody on its port: ICMP port unreachable fails the
# branch at once (503) and the failure route reaches the backup.
E2E_TESTS += tests/e2e/unreachable.sh
EXTRA_DIST += tests/e2e/unreachable.sip
# A database without an adapter (redis://): refused by sipcc check and by
# the proxy's --db with a clear message.
E2E_TESTS += tests/e2e/db_url.sh
# The shared store of several proxies (cluster.store) on a real Redis.
E2E_TESTS += tests/e2e/cluster_store.sh
# Two proxies with one auth.secret and one Redis store: a nonce of one is
# accepted by the other, a nonce-count once over both, 503 while Redis
# is down; pike and ratelimit counting over both.
E2E_TESTS += tests/e2e/cluster_auth.sh tests/e2e/cluster_limits.sh
EXTRA_DIST += tests/e2e/cluster_auth.sip tests/e2e/cluster_digest.py \
	tests/e2e/cluster_limits.sip tests/e2e/cluster_flood.py
# A real phone with the default auth settings: baresip registers (digest,
# MD5 only) and calls a registered sipp UAS; the offered and accepted
# algorithms follow auth.algorithms.
E2E_TESTS += tests/e2e/baresip.sh tests/e2e/auth_algorithms.sh
EXTRA_DIST += tests/e2e/baresip.sip tests/e2e/baresip_ctl.py tests/e2e/digest_reg.py
# RFC 5626: a phone that registers again over a new TCP connection and
# Contact replaces its binding (+sip.instance, reg-id), and calls reach
# only the new one.
E2E_TESTS += tests/e2e/reg_instance.sh
EXTRA_DIST += tests/e2e/reg_instance.sip tests/e2e/reg_instance.xml
# The operator's log: failed credentials and failed calls as notice lines
# with the source address.
E2E_TESTS += tests/e2e/auth_log.sh
EXTRA_DIST += tests/e2e/uac_auth_486.xml

# What the proxy takes for itself: RFC 3261 16.4 for phones with an
# outbound proxy (sipp, and linphonec from linphone-cli), its credentials
# kept from the callee, its reason phrase on the 500 it makes of a 503,
# host-and-port matching of its addresses, 482 for a relay to itself.
E2E_TESTS += tests/e2e/outbound_proxy.sh tests/e2e/linphone.sh tests/e2e/myself.sh
EXTRA_DIST += tests/e2e/uac_route_auth.xml tests/e2e/uac_route_500.xml tests/e2e/uas_nocreds.xml \
	tests/e2e/myself.sip
# Every RFC 4475 torture message through a running proxy, checked against
# tests/data/rfc4475/index.tsv (in a private network namespace).
E2E_TESTS += tests/e2e/rfc4475.sh
# A request with bare-LF line ends: refused with an all-CRLF 400, never
# forwarded to sipp.
E2E_TESTS += tests/e2e/bare_lf.sh
# A low descriptor limit (ulimit -n): tcp.max_connections fitted to it, no
# spinning accept and no log flood under 400 TCP clients, UDP still served.
E2E_TESTS += tests/e2e/fd_limit.sh
# The ACK of a 407 matches the INVITE's transaction: the proxy stops
# retransmitting the 407 (uac_auth.xml).
E2E_TESTS += tests/e2e/auth_ack.sh
# README set-up: scripts/quickstart leaves ./sipcc-ctl, the README's
# commands work by that name, a phone set up as the README says registers.
E2E_TESTS += tests/e2e/quickstart.sh
# A reload of cached tables while the database is frozen: SIP traffic goes
# on with the tables loaded before, the reload completes after the thaw.
E2E_TESTS += tests/e2e/dr_reload_frozen.sh
# The database comes up frozen after the proxy started without it: the
# schema and the first loads wait on the worker, requests do not.
E2E_TESTS += tests/e2e/db_startup.sh
# Provisioning changes reach the running proxy by the tables' change
# serials (sipcc_change), with no reload command. sip_peer.py sends one
# request and prints its final reply, for any test.
E2E_TESTS += tests/e2e/db_change.sh
EXTRA_DIST += tests/e2e/db_change.sip tests/e2e/sip_peer.py
# www_authorize's auth_result: a policy that answers AUTH_ERROR itself is
# not overridden by the proxy, "if (!www_authorize()) www_challenge()"
# answers 503 while the database is frozen.
E2E_TESTS += tests/e2e/auth_status.sh
EXTRA_DIST += tests/e2e/auth_status.sip tests/e2e/reg_auth_own.xml
# Credentials are never read with the event loop's database handle: a
# proxy without a database worker answers 503 at once on a locked SQLite
# database instead of stalling its loop.
E2E_TESTS += tests/e2e/auth_noworker.sh
EXTRA_DIST += tests/e2e/auth_noworker.sip
# NAT traversal and accounting written in YAML, with sipp: flags, AVPs,
# fix_nated, reply and failure routes, dialogs and CDRs, missed calls.
E2E_TESTS += tests/e2e/nat_acc_yaml.sh
EXTRA_DIST += tests/e2e/nat_acc.yaml
# Dial plans: national and international numbers rewritten to E.164 and
# routed to a sipp gateway, rules added by sipcc-ctl while the proxy runs,
# a bad rule written with plain SQL reported by id while the others work;
# on SQLite and on PostgreSQL.
E2E_TESTS += tests/e2e/dialplan.sh tests/e2e/dialplan_pgsql.sh
EXTRA_DIST += tests/e2e/dialplan.sip
# Groups, trusted peers (other 127.0.0.0/8 source addresses) and
# blacklists provisioned with sipcc-ctl while the proxy runs, a bad
# address pattern reported with its row id; on SQLite and PostgreSQL.
E2E_TESTS += tests/e2e/perms.sh tests/e2e/perms_pgsql.sh
EXTRA_DIST += tests/e2e/perms.sip tests/e2e/perms_gw.xml
# Per-user attributes (usr_preferences): call forwarding set with sipcc-ctl
# pref set takes effect on the next call without a restart, typed AVPs,
# stores and deletes from the policy, general queries; on SQLite and
# PostgreSQL. Bulk import of 10,000 subscribers in one transaction.
E2E_TESTS += tests/e2e/prefs.sh tests/e2e/prefs_pgsql.sh tests/e2e/import.sh tests/e2e/import_pgsql.sh
EXTRA_DIST += tests/e2e/prefs.sip
# The book's VoIP provider, examples/provider.sip, every chapter through a
# compiled proxy: registrar, domains, aliases, the PSTN with dial plans,
# groups, blacklists, trusted gateways and failover, call forwarding from
# preferences, NAT, accounting; on SQLite and on PostgreSQL.
LONG_TESTS += tests/e2e/provider.sh tests/e2e/provider_pgsql.sh tests/e2e/provider_yaml.sh
E2E_TESTS += tests/e2e/provider_nat.sh
EXTRA_DIST += tests/e2e/sip_phone.py
# rtpengine commands wait without holding up the proxy: a frozen rtpengine
# (SIGSTOP) in the request route and in a failure route.
E2E_TESTS += tests/e2e/rtpengine_async.sh
EXTRA_DIST += tests/e2e/rtpengine_async.sip
# SIGHUP and "db reload" reload the tables that have no reload command of
# their own (groups, addresses, blacklists, preferences).
E2E_TESTS += tests/e2e/db_reload.sh
EXTRA_DIST += tests/e2e/db_reload.sip

# The proxy as a service: refused options, systemd notifications, a
# daemon that drops root and logs JSON to syslog.
E2E_TESTS += tests/e2e/service.sh
EXTRA_DIST += tests/e2e/dgram_rx.py
# Load balancing (dispatcher): round robin, call-id hash, weighted and
# priority over sipp destinations; a stopped destination marked inactive
# by OPTIONS probes and back when it restarts; ds_mark_dst() and
# ds_next_dst() after a 503; ds set and ds rm at run time; on SQLite and
# on PostgreSQL; the YAML keys dispatch and next_destination.
E2E_TESTS += tests/e2e/ds.sh tests/e2e/ds_pgsql.sh tests/e2e/ds_yaml.sh
EXTRA_DIST += tests/e2e/ds.sip tests/e2e/ds.yaml
# Gateway health in dynamic routing: weighted gateway lists, a stopped
# gateway disabled by OPTIONS probes and skipped before a call waits for
# it, a gateway whose call times out disabled at once, both back when
# they answer again; dr status and dr set; on SQLite and on PostgreSQL.
E2E_TESTS += tests/e2e/dr_health.sh tests/e2e/dr_health_pgsql.sh
EXTRA_DIST += tests/e2e/dr_health.sip tests/e2e/dr_silent.xml

# HEP v3 tracing to a real collector (sngrep -L): trace_all, sip_trace(),
# sip_trace_dialog(), a collector that is down; over TCP to a decoding
# collector that goes away and comes back.
E2E_TESTS += tests/e2e/siptrace.sh
EXTRA_DIST += tests/e2e/siptrace.sip tests/e2e/hep_pcap.py tests/e2e/hep_recv.py

# Watching it: Prometheus metrics scraped by a real Prometheus; the
# JSON-RPC interface with curl and sipcc-ctl --rpc, its token.
E2E_TESTS += tests/e2e/metrics.sh tests/e2e/rpc.sh
EXTRA_DIST += tests/e2e/metrics.sip
# Routing: a redirect server (append_to_reply), following a 3xx from a
# failure route (get_redirects), force_rport and Record-Route parameters
# brought back by a BYE (add_rr_param, check_route_param, $route_param).
E2E_TESTS += tests/e2e/redirect.sh
EXTRA_DIST += tests/e2e/redirect.sip tests/e2e/uas_302.xml tests/e2e/uac_moved.xml \
	tests/e2e/uac_rport.xml tests/e2e/uas_rport.xml
# lookup()'s result tells "nothing registered" (404) from "method not
# accepted by the bindings" (405) from "every binding expired" (480).
E2E_TESTS += tests/e2e/lookup_status.sh
EXTRA_DIST += tests/e2e/lookup_status.sip tests/e2e/uas_message.xml
# Time conditions: check_time_rec() windows around the time the test runs,
# in UTC and in the proxy's local time, and $time/$utime.
E2E_TESTS += tests/e2e/time_rec.sh
EXTRA_DIST += tests/e2e/time_rec.sip
# HTTP requests from the policy against a real HTTP server: allowed and
# refused by its JSON, a timeout's fallback, a server that is down, many
# calls waiting at once without holding up the loop.
E2E_TESTS += tests/e2e/http.sh
EXTRA_DIST += tests/e2e/http.sip tests/e2e/http.yaml tests/e2e/http_server.py
# The same over TLS: a private CA (http.ca_file), the checks off
# (http.verify), a server that asks for the client's certificate
# (http.client_cert/key), files that stop the proxy at start-up.
E2E_TESTS += tests/e2e/http_tls.sh
EXTRA_DIST += tests/e2e/http_tls.sip
# Event routes: the registrar's events (a binding inserted, refreshed,
# deleted, expired) posted to an HTTP service by the policy's event routes.
E2E_TESTS += tests/e2e/events.sh
EXTRA_DIST += tests/e2e/events.sip tests/e2e/events.yaml
# Flood protection: 20,000 requests a second from one source are dropped
# unparsed once pike bans it, while calls from another complete (sip_flood
# is the sender); the ban list on the control socket; rate-limit pipes.
check_PROGRAMS += tests/e2e/sip_flood
tests_e2e_sip_flood_SOURCES = tests/e2e/sip_flood.c
E2E_TESTS += tests/e2e/pike_flood.sh tests/e2e/ratelimit.sh
EXTRA_DIST += tests/e2e/pike_flood.sip tests/e2e/ratelimit.sip
# Trunks (uac): From/To replaced and restored without dialog state,
# upstream challenges answered from the trunk table, registrations kept
# alive with a registrar that is a second compiled proxy.
E2E_TESTS += tests/e2e/trunk_replace.sh tests/e2e/trunk_auth.sh tests/e2e/trunk_reg.sh
EXTRA_DIST += tests/e2e/trunk_replace.sip tests/e2e/trunk_replace_caller.xml tests/e2e/trunk_replace_callee.xml \
	tests/e2e/trunk_auth.sip tests/e2e/trunk_upstream.sip tests/e2e/trunk_auth_caller.xml \
	tests/e2e/trunk_auth_callee.xml tests/e2e/trunk_auth_refused.xml tests/e2e/trunk_reg.sip \
	tests/e2e/trunk_registrar.sip
# Calls the proxy ends itself: BYE to both sides when the lifetime runs
# out, on "dlg end" and dlg_end_dlg(); keep-alive OPTIONS that end a call
# whose callee is gone; the CDR says why and by whom. Dialog profiles
# limiting concurrent calls per caller. The BYEs go where a re-INVITE or
# an UPDATE moved each side.
E2E_TESTS += tests/e2e/dlg_end.sh tests/e2e/dlg_profile.sh tests/e2e/dlg_target.sh
EXTRA_DIST += tests/e2e/dlg_target.py tests/e2e/dlg_end.sip tests/e2e/uac_wait_bye.xml tests/e2e/uas_wait_bye.xml \
	tests/e2e/uac_info_end.xml tests/e2e/uac_ka.xml tests/e2e/uas_ka_481.xml \
	tests/e2e/uas_ka_silent.xml tests/e2e/dlg_profile.sip tests/e2e/uac_caller.xml \
	tests/e2e/uac_caller_busy.xml tests/e2e/uac_auth_wait_bye.xml tests/e2e/uac_auth_busy.xml
# Two proxies sharing Redis (cluster.store) and PostgreSQL: a call limit
# over both, a call taken over by one when the other dies (one CDR), 503
# while Redis is down and calls again once it is back.
LONG_TESTS += tests/e2e/cluster_dialog.sh
EXTRA_DIST += tests/e2e/cluster_dialog.sip tests/e2e/cluster_uac_486.xml \
	tests/e2e/cluster_uac_503.xml tests/e2e/cluster_uac_fo.xml tests/e2e/cluster_uac_fo_bye.xml \
	tests/e2e/cluster_uas_fo.xml
EXTRA_DIST += tests/e2e/workers_nat.sip
# Session timers (RFC 4028): a call whose refreshes stop is ended after
# its Session-Expires, a refreshed one stays up, a too small interval
# gets 422 with Min-SE, the proxy adds a Session-Expires to an INVITE.
E2E_TESTS += tests/e2e/sst.sh tests/e2e/sst_yaml.sh
EXTRA_DIST += tests/e2e/sst.sip tests/e2e/uac_sst.xml tests/e2e/uas_sst.xml \
	tests/e2e/uac_sst_refresh.xml tests/e2e/uas_sst_refresh.xml tests/e2e/uac_sst_small.xml \
	tests/e2e/uac_sst_update.xml tests/e2e/uas_sst_update.xml tests/e2e/sst.yaml
# A relayed call whose RTP stops is ended after rtpengine's timeout.
E2E_TESTS += tests/e2e/rtpengine_media.sh
EXTRA_DIST += tests/e2e/rtpengine_media.sip tests/e2e/uac_rtpe_media.xml tests/e2e/rtp_send.py
# Modules that read only their cached tables, with two workers: the
# single-worker tests again, and tables changed under a burst of requests
# spread over both workers.
E2E_TESTS += tests/e2e/workers_tables.sh
EXTRA_DIST += tests/e2e/sip_burst.py tests/e2e/workers_tables.sip
# Five policy swaps while calls run at a steady rate on two workers.
E2E_TESTS += tests/e2e/policy_swap_load.sh
EXTRA_DIST += tests/e2e/policy_swap_load.sip
# Stream transports with two workers: TCP, UDP to TCP, TCP to UDP, TLS and
# WebSocket calls from several clients; a callee's connection closed
# before the BYE, with one worker and two.
E2E_TESTS += tests/e2e/workers_stream.sh
EXTRA_DIST += tests/e2e/uac_bye_gone.xml tests/e2e/uas_ack_exit.xml
# Dispatcher, drouting and uac on two workers: round robin shared by the
# workers, a destination or gateway marked on one worker skipped by the
# other, probes bringing it back, trunk registrations on the control socket.
E2E_TESTS += tests/e2e/ds_workers.sh tests/e2e/dr_workers.sh tests/e2e/trunk_reg_workers.sh
EXTRA_DIST += tests/e2e/ds_workers.sip
# The media, HTTP, tracing and flood-control modules on two workers
# (--workers 2): rtpengine offer/answer/delete of calls owned by either
# worker, HTTP requests waiting on a slow service from both, every
# message of both traced, a rate limit and a pike threshold that hold
# for the sum of both workers' requests.
E2E_TESTS += tests/e2e/workers_rtpengine.sh tests/e2e/workers_http.sh tests/e2e/workers_siptrace.sh \
	tests/e2e/workers_ratelimit.sh tests/e2e/workers_pike.sh
EXTRA_DIST += tests/e2e/workers_rtpengine.sip tests/e2e/workers_http.sip

# Dialogs, profiles and accounting on several workers.
E2E_TESTS += tests/e2e/workers_dialog.sh
EXTRA_DIST += tests/e2e/workers_dialog.sip tests/e2e/uac_limit_wait_bye.xml
# The web control panel (sipcc-web) in headless Chromium beside a proxy:
# login, subscribers, domains, aliases, registrations, CDRs, CSRF and roles.
LONG_TESTS += tests/e2e/web_pgsql.sh tests/e2e/web_mysql.sh tests/e2e/web.sh
EXTRA_DIST += tests/e2e/web.sip tests/e2e/web_reg.xml tests/e2e/web_browser.js
# web.sh leaves its screenshots in the build tree for people to look at.
clean-local: clean-web-screenshots
clean-web-screenshots:
	rm -rf tests/e2e/web-screenshots
.PHONY: clean-web-screenshots
# The registrar and auth on two workers: registrations, re-registrations
# and un-registrations with digest authentication saved on one worker and
# seen by lookups on the other, nonces answered on either.
E2E_TESTS += tests/e2e/workers_registrar.sh
EXTRA_DIST += tests/e2e/workers_reg.py
# A disabled subscriber: 403 "Subscriber Disabled" for REGISTER and INVITE
# with the right password; enabled again, it registers and calls.
E2E_TESTS += tests/e2e/auth_disabled.sh
EXTRA_DIST += tests/e2e/reg_auth_disabled.xml tests/e2e/uac_auth_disabled.xml
# The web panel's systemd unit: systemd-analyze verify, its command line.
E2E_TESTS += tests/e2e/web_service.sh
# The web panel's second browser test (web.sh WEB_PART=ops): disabled
# subscribers, ASR and ACD per gateway, the dispatcher, editing, accounts,
# sessions across a restart.
LONG_TESTS += tests/e2e/web_ops.sh

# Retransmissions while transactions wait out timers J, K, I and D (kept
# as compact records): answered and absorbed as RFC 3261 says.
E2E_TESTS += tests/e2e/wait_records.sh
EXTRA_DIST += tests/e2e/wait_records.py
# Two proxies sharing the location through Redis, and through PostgreSQL
# alone (cluster.store).
E2E_TESTS += tests/e2e/cluster_location.sh tests/e2e/cluster_location_pgsql.sh
