/* What every YAML key that calls the stdlib means, as text of the policy
 * language. This table is the only place of the YAML front end that names
 * stdlib functions; adding the YAML form of a function is one row here
 * (and a line in sipcc-yaml(5)). yaml_tmpl.c says how a row is read:
 *
 *   key     the YAML key; KEY=VALUE rows are the variants a scalar value
 *           picks ("auth: www")
 *   where   CC_YW_MATCH (a condition), CC_YW_REQUIRE, CC_YW_RULE (a rule's
 *           action), CC_YW_FAILURE / CC_YW_REPLY / CC_YW_TIMER /
 *           CC_YW_BRANCH / CC_YW_EVENT (the keys of those routes), CC_YW_FINAL (decides what happens to the
 *           request: one per action), CC_YW_KEYED ({ NAME: VALUE } pairs
 *           fill the first two holes)
 *   holes   "name: type [= default], ..."; types: str (${...} references
 *           allowed), regex, uri, int or int(LO..HI), bool, word (a flag,
 *           AVP or route name), method, level, reply (CODE or { code,
 *           reason }: @name.code, @name.reason), scalar (int or str as
 *           written), expr and stmt (filled by the front end)
 *   text    the DSL, @name for a hole, "@name();" for a statement hole
 *   tail    (finals) DSL that comes after the steps below the row
 *   shape   how a match key reads its value when it is not as above
 *
 * A YAML value fills the holes: a scalar fills the first hole, a mapping
 * names them (and may add 'when: MATCH' to a step), true takes the
 * defaults, false leaves a step out (negates a condition), a list repeats
 * a step. Rows are lowered in table order: the order of the steps of an
 * action is the order of the rows. */
#include "yaml_int.h"

#define M CC_YW_MATCH
#define Q CC_YW_REQUIRE
#define R CC_YW_RULE
#define F CC_YW_FAILURE
#define P CC_YW_REPLY
#define T CC_YW_TIMER
#define E CC_YW_EVENT
#define B CC_YW_BRANCH
#define FIN CC_YW_FINAL
#define KEYED CC_YW_KEYED
/* A dialog_limit that refused the call: 503 when the cluster's store did
 * not answer (the limit could not be checked), else 486. */
#define DIALOG_LIMIT_REFUSED \
	"if ($DLG_store_down == 1) { append_to_reply(\"Retry-After: 5\"); " \
	"t_reply(503, \"Service Unavailable\"); exit; } t_reply(486, \"Busy Here\"); exit;"
#define INT CC_YW_INTERNAL

/* One row: key, where, holes, text, then .tail or .shape when needed. */
#define ROW(k, w, h, t, ...) { .key = (k), .where = (w), .holes = (h), .text = (t), __VA_ARGS__ }

const struct cc_yaml_tmpl cc_yaml_table[] = {
	/* ---- match: joined with && in this order, cheap tests first;
	 * loose_route and known_transaction act on the request, so they
	 * come last and run only when everything else matched ---- */
	ROW("in_dialog", M, NULL, "has_totag()"),
	ROW("method", M, "m: method", "method == @m", .shape = CC_YS_METHOD),
	ROW("ruri_is_local", M, NULL, "uri_is_local()"),
	ROW("ruri_user", M, NULL, "$rU", .shape = CC_YS_STRING),
	ROW("ruri_domain", M, NULL, "$rd", .shape = CC_YS_STRING),
	ROW("from_user", M, NULL, "$fU", .shape = CC_YS_STRING),
	ROW("from_domain", M, NULL, "$fd", .shape = CC_YS_STRING),
	ROW("to_user", M, NULL, "$tU", .shape = CC_YS_STRING),
	ROW("to_domain", M, NULL, "$td", .shape = CC_YS_STRING),
	ROW("user_agent", M, NULL, "$ua", .shape = CC_YS_STRING),
	ROW("source_ip", M, "net: str", "ip_in_net($si, @net)", .shape = CC_YS_NETS),
	ROW("header", M, "name: str", "$hdr(@name)", .shape = CC_YS_HEADER),
	ROW("ruri_host_is_local", M, NULL, "is_uri_host_local()"),
	ROW("from_is_local", M, NULL, "is_from_local()"),
	ROW("define", M | KEYED, "name: word, value: scalar", "@name == @value"),
	ROW("flags", M | KEYED, "name: word, set: bool", "isflagset(@name)"),
	ROW("branch_flags", M | KEYED, "name: word, set: bool", "isbflagset(@name)"),
	ROW("avp", M | KEYED, "name: word, value: scalar", "$avp(@name) == @value"),
	ROW("avp_set", M, "name: word", "avp_count(@name) > 0"),
	ROW("dialog_var", M | KEYED, "name: word, value: scalar", "$dlg(@name) == @value"),
	ROW("nat_uac_test", M, "tests: int(1..255)", "nat_uac_test(@tests)"),
	ROW("has_sdp", M, NULL, "has_sdp()"),
	ROW("registered", M, "table: str = location", "registered(@table)"),
	ROW("trusted_peer", M, NULL, "allow_trusted()"),
	ROW("source_address_group", M, "group: int", "check_source_address(@group)"),
	ROW("user_in_group", M, "group: str, user: str = ${$fu}", "is_user_in(@user, @group)"),
	ROW("status", M, "status: regex", "t_check_status(@status)"),
	ROW("any", M, NULL, NULL, .shape = CC_YS_ANY),
	/* Time windows and Record-Route parameters (stdlib time.sipi, rr.sipi). */
	ROW("time_window", M, "rec: str", "check_time_rec(@rec)"),
	ROW("route_param", M, "re: regex", "check_route_param(@re)"),
	ROW("known_transaction", M, NULL, "t_check_trans()"),
	ROW("loose_route", M, NULL, "loose_route()"),
	/* Trunks (module uac): a request a registered trunk sends. */
	ROW("from_trunk", M, NULL, "is_from_trunk()"),

	/* A string condition of the CC_YS_STRING and header keys. */
	ROW("exact", M | INT, "s: expr, v: expr", "@s == @v"),
	ROW("prefix", M | INT, "s: expr, v: expr", "starts_with(@s, @v)"),
	ROW("suffix", M | INT, "s: expr, v: expr", "ends_with(@s, @v)"),
	ROW("contains", M | INT, "s: expr, v: expr", "contains(@s, @v)"),
	ROW("regex", M | INT, "s: expr, v: expr", "regex_match(@s, @v)"),
	ROW("header.present", M | INT, "name: expr", "is_present_hf(@name)"),

	/* ---- require: in this order, loop detection, then who may send,
	 * then who the sender is; one that fails answers and ends ---- */
	/* Flood protection and rate limits come first: a flood is turned
	 * away before anything else is checked or looked up for it. A hot
	 * source gets no answer (it is banned: its next packets are dropped
	 * unparsed); the algorithm of a pipe is a constant of rl_algorithm
	 * (RL_TAILDROP, RL_RED, RL_TOKEN_BUCKET). */
	ROW("pike", Q, NULL, "if (!pike_check_req()) { drop; }"),
	ROW("ratelimit", Q, "pipe: str, limit: int(0..1000000000), reply: reply = 503 Rate Limited",
	  "if (!rl_check(@pipe, @limit)) { reply(@reply.code, @reply.reason); exit; }"),
	ROW("ratelimit", Q,
	  "pipe: str, limit: int(0..1000000000), algorithm: word, reply: reply = 503 Rate Limited",
	  "if (!rl_check_algo(@pipe, @limit, @algorithm)) { reply(@reply.code, @reply.reason); exit; }"),
	ROW("max_forwards", Q, "limit: int(1..255)",
	  "if (!maxfwd_ok(@limit)) { reply(483, \"Too Many Hops\"); exit; }"),
	ROW("trusted", Q, "ok: expr", "if (!@ok) { reply(403, \"Forbidden\"); exit; }"),
	/* RFC 3261 22: a registrar challenges with 401 for the To domain, a
	 * proxy with 407 for the From domain. */
	ROW("auth=www", Q, NULL,
	  "if (!www_authorize(realm: $td)) { www_challenge(realm: $td); exit; }"),
	ROW("auth=proxy", Q, NULL,
	  "if (!proxy_authorize(realm: $fd)) { proxy_challenge(realm: $fd); exit; }"),
	/* The same, the response checked by the RADIUS server (radius). */
	ROW("auth=radius_www", Q, NULL,
	  "if (!radius_www_authorize(realm: $td)) { www_challenge(realm: $td); exit; }"),
	ROW("auth=radius_proxy", Q, NULL,
	  "if (!radius_proxy_authorize(realm: $fd)) { proxy_challenge(realm: $fd); exit; }"),
	ROW("identity=from", Q, NULL,
	  "if (!check_from()) { reply(403, \"Forbidden: From Is Not Yours\"); exit; }"),
	ROW("identity=to", Q, NULL,
	  "if (!check_to()) { reply(403, \"Forbidden: Not Your Address\"); exit; }"),
	ROW("consume_credentials", Q, NULL, "consume_credentials();"),
	/* The request-URI names a subscriber (does_uri_exist; 404 when not,
	 * and a database that cannot tell lets the request go on). */
	ROW("subscriber", Q, NULL,
	  "if (does_uri_exist($ru) == AUTH_USER_UNKNOWN) { reply(404, \"Not Found\"); exit; }"),
	/* After the caller is known: what it may call. */
	ROW("group", Q, "group: str, user: str = ${$fu}",
	  "if (!is_user_in(@user, @group)) { reply(403, \"Forbidden\"); exit; }"),
	ROW("blacklist", Q, "owner: str = ${$fu}, number: str = ${$rU}",
	  "if (!check_blacklist(@owner, @number)) { reply(473, \"Filtered Destination\"); exit; }"),
	/* An HTTP service (fraud, billing, number portability) decides: a 200
	 * whose JSON field is the deny value refuses the request; without an
	 * answer the request goes on, or gets on_error when given. */
	ROW("http_check", Q, "url: str, field: str, deny: str, refuse: reply = 403 Forbidden",
	  "if (http_get(@url) == 200 && json_get_str($http_rb, @field) == @deny) "
	  "{ reply(@refuse.code, @refuse.reason); exit; }"),
	ROW("http_check", Q,
	  "url: str, field: str, deny: str, refuse: reply = 403 Forbidden, on_error: reply",
	  "if (http_get(@url) != 200) { reply(@on_error.code, @on_error.reason); exit; } "
	  "if (json_get_str($http_rb, @field) == @deny) { reply(@refuse.code, @refuse.reason); exit; }"),

	/* ---- the steps of an action, of failure, reply and timer routes,
	 * in the order they run ---- */
	/* Tracing (HEP) first, so the collector sees the request as it came. */
	ROW("trace=transaction", R | F | P | B, NULL, "sip_trace();"),
	ROW("trace=dialog", R | F | P | B, NULL, "sip_trace_dialog();"),
	ROW("log", R | F | P | T | B | E, "message: str, level: level = info", "log(@level, @message);"),
	ROW("update_stat", R | F | P | T | B | E, "name: str, delta: int(-1000000..1000000) = 1",
	  "update_stat(@name, @delta);"),
	ROW("lookup_alias", R, NULL, "lookup_alias();"),
	/* Attributes of usr_preferences into the AVPs of the same names. */
	ROW("load_pref", R | F, "name: word, owner: str = ${$ru}", "avp_db_load(@owner, @name);"),
	ROW("store_pref", R | F, "name: word, owner: str = ${$ru}", "avp_db_store(@owner, @name);"),
	ROW("delete_pref", R | F, "name: word, owner: str = ${$ru}", "avp_db_delete(@owner, @name);"),
	/* One value of a literal SELECT into an AVP (sql_query: checked when
	 * the policy is, $1 bound to arg). */
	ROW("sql_query", R | F | E, "sql: str, arg: str, into: word", "sql_query(@sql, @arg, @into);"),
	/* Tell an HTTP service (http_post; the answer is not looked at). */
	ROW("http_post", R | F | P | E, "url: str, body: str, content_type: str = application/json",
	  "http_post(@url, @body, @content_type);"),
	ROW("no_answer_timeout", R, "avp: word, default_ms: int = 30000",
	  "if (avp_count(@avp) > 0) { t_set_fr($avp(@avp) * 1000, 0); } "
	  "else { t_set_fr(@default_ms, 0); }"),
	ROW("dial_plan", R | F, "id: int, into: word, input: str = ${$rU}",
	  "if (dp_translate(@id, @input, @into)) { $rU = $avp(@into); }"),
	ROW("rewrite_user", R | F | B, "regex: regex, replace: str",
	  "$rU = regex_subst($rU, @regex, @replace);"),
	ROW("rewrite_uri", R | F | B, "regex: regex, replace: str",
	  "$ru = regex_subst($ru, @regex, @replace);"),
	ROW("set_flag", R | F | P | B, "flag: word", "setflag(@flag);"),
	ROW("reset_flag", R | F | P | B, "flag: word", "resetflag(@flag);"),
	ROW("set_branch_flag", R | F | P | B, "flag: word", "setbflag(@flag);"),
	ROW("reset_branch_flag", R | F | P | B, "flag: word", "resetbflag(@flag);"),
	ROW("set_avp", R | F | P | KEYED | B, "name: word, value: scalar", "$avp(@name) = @value;"),
	ROW("delete_avp", R | F | P | B, "name: word", "avp_delete(@name);"),
	ROW("append_header", R | F | P | B, "header: str", "append_hf(@header);"),
	ROW("remove_header", R | F | P | B, "name: str", "remove_hf(@name);"),
	/* OpenSIPS's fix_nated_contact / fix_nated_register, by method. */
	ROW("fix_nated", R, NULL,
	  "if (method == REGISTER) { fix_nated_register(); } else { fix_nated_contact(); }"),
	ROW("fix_nated_contact", R | P, NULL, "fix_nated_contact();"),
	ROW("fix_nated_register", R, NULL, "fix_nated_register();"),
	ROW("fix_nated_sdp", R | P, NULL, "fix_nated_sdp();"),
	ROW("timeout", R | F, "no_answer_ms: int = 0, reply_ms: int = 0",
	  "t_set_fr(@no_answer_ms, @reply_ms);"),
	ROW("record_route", R, NULL, "record_route();"),
	/* The Record-Route names the service several proxies serve. */
	ROW("record_route_preset", R, "uri: str", "record_route_preset(@uri);"),
	ROW("on_failure", R | F, "route: word", "t_on_failure(@route);"),
	ROW("on_reply", R | F, "route: word", "t_on_reply(@route);"),
	ROW("on_branch", R | F, "route: word", "t_on_branch(@route);"),
	/* As every registrar policy does: 404 for a user with no contact,
	 * else (after the steps below) relay to the contacts found. */
	ROW("lookup", R | FIN, "table: str = location",
	  "if (!lookup(@table)) { t_reply(404, \"Not Found\"); exit; }", .tail = "t_relay();"),
	ROW("lookup", R | FIN, "table: str = location, not_found: reply",
	  "if (!lookup(@table)) { t_reply(@not_found.code, @not_found.reason); exit; }",
	  .tail = "t_relay();"),
	/* Each way lookup() finds nothing answered on its own (lookup_result). */
	ROW("lookup", R | FIN, "table: str = location, not_found: reply = 404 Not Found, "
	  "method_not_allowed: reply = 405 Method Not Allowed, "
	  "no_contacts: reply = 480 Temporarily Unavailable",
	  "switch (lookup(@table)) { case LOOKUP_OK: break; "
	  "case LOOKUP_NOT_FOUND: t_reply(@not_found.code, @not_found.reason); exit; "
	  "case LOOKUP_METHOD_NOT_ALLOWED: "
	  "t_reply(@method_not_allowed.code, @method_not_allowed.reason); exit; "
	  "case LOOKUP_NO_CONTACTS: t_reply(@no_contacts.code, @no_contacts.reason); exit; "
	  "default: t_reply(500, \"Server Internal Error\"); exit; }",
	  .tail = "t_relay();"),
	/* At most max calls at once in profile (for value): 486 beyond,
	 * before the call is tracked (the profile rows below). */
	ROW("call_limit", R, "profile: word, max: int(1..1000000), value: str = ${$fu}",
	  "if (get_profile_size(@profile, @value) >= @max) { t_reply(486, \"Busy Here\"); exit; }"),
	/* Session timers (module sst): 422 for a too small Session-Expires,
	 * then the call is tracked and its session watched (an INVITE
	 * without Session-Expires gets one of interval, 0: sst.interval). */
	ROW("session_timer", R, "interval: int(0..86400) = 0",
	  "if (sst_check_min(true)) { exit; } dlg_manage(); sst_track(@interval);"),
	ROW("dialog", R, NULL, "dlg_manage();"),
	ROW("set_dialog_var", R | F | P | KEYED, "name: word, value: scalar", "$dlg(@name) = @value;"),
	ROW("dialog_timeout", R | F | P, "seconds: int(1..2147483647)", "dlg_set_timeout(@seconds);"),
	ROW("accounting", R | F, "flags: str = cdr|missed, type: str = db",
	  "do_accounting(@type, @flags);"),
	ROW("acc_log", R | F, "comment: str", "acc_log_request(@comment);"),
	ROW("acc_radius", R | F, "comment: str", "acc_rad_request(@comment);"),
	/* ---- calls under control (dialog profiles, ending calls) ---- */
	ROW("dialog_profile", R | F | P | B, "profile: word", "set_dlg_profile(@profile);"),
	ROW("dialog_profile", R | F | P | B, "profile: word, value: str", "set_dlg_profile(@profile, @value);"),
	/* The tracked call into a profile unless it holds max calls already
	 * (for value): 486 then. The count and the add are one step, so the
	 * limit holds on several workers (call_limit reads, then
	 * dialog_profile adds). */
	ROW("dialog_limit", R, "profile: word, max: int(1..1000000)",
	  "if (!set_dlg_profile_max(@max, @profile)) { " DIALOG_LIMIT_REFUSED " }"),
	ROW("dialog_limit", R, "profile: word, max: int(1..1000000), value: str",
	  "if (!set_dlg_profile_max(@max, @profile, @value)) { " DIALOG_LIMIT_REFUSED " }"),
	/* A request of a call another proxy of the cluster confirmed: taken
	 * over from the shared store (with cluster.store). */
	ROW("dialog_restore", R, NULL, "dlg_restore();"),
	/* The lifetime from an int AVP (a preference) when it is positive. */
	ROW("dialog_timeout_from", R | F | P, "avp: word, default: int(1..2147483647)",
	  "if (avp_count(@avp) > 0 && $avp(@avp) > 0) { dlg_set_timeout($avp(@avp)); } "
	  "else { dlg_set_timeout(@default); }"),
	ROW("dialog_keepalive", R | F | P | B, "seconds: int(0..86400)", "dlg_set_keepalive(@seconds);"),
	ROW("end_dialog", R | F | P, NULL, "if (!dlg_end_dlg()) { log(L_INFO, \"no call to end\"); }"),
	ROW("acc_db", R | F, "comment: str, table: str = acc", "acc_db_request(@comment, @table);"),
	/* Trunks (module uac): From and To presented to the trunk (restored
	 * on the way back); a trunk's challenge answered from the trunk table
	 * (a failure route's step: without credentials the route ends and the
	 * challenge goes to the caller). */
	ROW("replace_from", R, "uri: str", "uac_replace_from_uri(@uri);"),
	ROW("replace_from", R, "uri: str, display: str", "uac_replace_from(@display, @uri);"),
	ROW("replace_to", R, "uri: str", "uac_replace_to_uri(@uri);"),
	ROW("replace_to", R, "uri: str, display: str", "uac_replace_to(@display, @uri);"),
	ROW("trunk_auth", F, NULL, "if (!uac_auth()) { exit; }"),
	ROW("trunk_auth", F, "trunk: str", "if (!uac_auth_trunk(@trunk)) { exit; }"),
	/* In the failure route of call_forwarding: busy (486, 600) to the
	 * AVP busy, no answer (408, 480, 487) to the AVP no_answer, else to
	 * voicemail with the callee's name (the AVP user) as its user. */
	ROW("forward_on_failure", F, "busy: word, no_answer: word, voicemail: uri, user: word",
	  "if ((t_check_status(\"486|600\") && avp_count(@busy) > 0) || "
	  "t_check_status(\"408|480|487\")) { "
	  "if (t_check_status(\"486|600\") && avp_count(@busy) > 0) { $ru = $avp(@busy); } "
	  "else if (avp_count(@no_answer) > 0) { $ru = $avp(@no_answer); } "
	  "else { $ru = @voicemail; $rU = $avp(@user); } "
	  "if (!is_uri_host_local() || lookup(\"location\")) { t_relay(); } }"),
	ROW("rtpengine_offer", R | F | P | B, "flags: str = \"\"", "rtpengine_offer(@flags);"),
	ROW("rtpengine_offer", R | F | P | B, "flags: str = \"\", on_error: reply",
	  "if (!rtpengine_offer(@flags)) { t_reply(@on_error.code, @on_error.reason); exit; }"),
	ROW("rtpengine_answer", R | F | P | B, "flags: str = \"\"", "rtpengine_answer(@flags);"),
	ROW("rtpengine_delete", R | F | P | B, "flags: str = \"\"", "rtpengine_delete(@flags);"),
	ROW("rtpengine_manage", R | F | P | B, "flags: str = \"\"", "rtpengine_manage(@flags);"),

	/* ---- load balancing (dispatcher) ---- */
	/* In a failure route: the next destination of the set dispatch chose
	 * (the one that failed marked inactive unless mark is false), with
	 * route armed again for the one after; when none is left the route
	 * goes on (to its reply, say). */
	ROW("next_destination", F, "route: word, mark: bool = true",
	  "if (@mark) { ds_mark_dst(); } "
	  "if (ds_next_dst()) { t_on_failure(@route); t_relay(); exit; }"),

	/* A call to a subscriber with its forwarding preferences (loaded
	 * into the AVPs cfu and cfna): unconditional forwarding, a phone not
	 * registered forwarded as if unanswered (else 480), otherwise the
	 * phones with the failure route that forwards on busy and no answer.
	 * The targets are the operator's data: they may be on another host. */
	ROW("call_forwarding", R | FIN, "cfu: word, cfna: word, failure: word",
	  "if (avp_count(@cfu) > 0) { $ru = $avp(@cfu); "
	  "if (is_uri_host_local()) { if (!lookup(\"location\")) { "
	  "t_reply(480, \"Temporarily Unavailable\"); exit; } } "
	  "t_relay(); exit; } "
	  "if (!lookup(\"location\")) { if (avp_count(@cfna) > 0) { $ru = $avp(@cfna); "
	  "if (is_uri_host_local()) { if (!lookup(\"location\")) { "
	  "t_reply(480, \"Temporarily Unavailable\"); exit; } } "
	  "t_relay(); exit; } "
	  "t_reply(480, \"Temporarily Unavailable\"); exit; } "
	  "t_on_failure(@failure);", .tail = "t_relay();"),

	/* ---- time conditions, redirects and the routing headers ---- */
	ROW("force_rport", R, NULL, "force_rport();"),
	ROW("record_route_param", R, "param: str", "add_rr_param(@param);"),
	ROW("append_to_reply", R | F, "header: str", "append_to_reply(@header);"),
	/* A 3xx: its Contacts (the best q first) are tried (an on_failure
	 * step, which comes first, arms a route for their branches). */
	ROW("follow_redirects", F, "limit: int(0..16) = 0",
	  "if (t_check_status(\"3[0-9][0-9]\") && get_redirects(@limit)) { t_relay(); exit; }"),

	/* ---- what decides: exactly one per action ---- */
	ROW("reply", R | FIN, "r: reply", "reply(@r.code, @r.reason);"),
	ROW("reply", F | FIN, "r: reply", "t_reply(@r.code, @r.reason);"),
	ROW("relay", R | F | FIN, NULL, "t_relay();"),
	ROW("relay", R | F | FIN, "to: uri", "$du = @to; t_relay();"),
	ROW("relay", R | FIN, "on_error: reply",
	  "if (!t_relay()) { reply(@on_error.code, @on_error.reason); }"),
	ROW("relay", R | FIN, "to: uri, on_error: reply",
	  "$du = @to; if (!t_relay()) { reply(@on_error.code, @on_error.reason); }"),
	ROW("relay", F | FIN, "on_error: reply",
	  "if (!t_relay()) { t_reply(@on_error.code, @on_error.reason); }"),
	ROW("relay", F | FIN, "to: uri, on_error: reply",
	  "$du = @to; if (!t_relay()) { t_reply(@on_error.code, @on_error.reason); }"),
	ROW("route", R | FIN, "name: word", "route(@name);"),
	ROW("drop", R | B | FIN, NULL, "drop;"),
	ROW("save", R | FIN, "table: str = location", "save(@table);"),
	/* do_routing() is marked gateway, so the toll-fraud check applies;
	 * @arm() is the failover's t_on_failure (see yaml_action.c). */
	ROW("gateway_group", R | FIN,
	  "group: int(1..2147483647), failover: bool = true, no_route: reply = 404 No Route, "
	  "on_error: reply = 503, arm: stmt",
	  "if (!do_routing(@group)) { reply(@no_route.code, @no_route.reason); exit; } "
	  "@arm(); if (!t_relay()) { t_reply(@on_error.code, @on_error.reason); }"),
	/* A destination of a dispatcher set (algorithm: a ds_alg constant,
	 * checked by sema); on_failure and next_destination fail over. */
	ROW("dispatch", R | FIN,
	  "set: int(1..2147483647), algorithm: word = DS_ROUND_ROBIN, "
	  "no_destination: reply = 503 No Destination, on_error: reply = 503",
	  "if (!ds_select_dst(@set, @algorithm)) { "
	  "reply(@no_destination.code, @no_destination.reason); exit; } "
	  "if (!t_relay()) { t_reply(@on_error.code, @on_error.reason); }"),
	ROW("continue", R | FIN, NULL, ""),

	/* ---- the structure around the keys ---- */
	/* A failure route never acts on a call the caller cancelled. */
	ROW("failure.guard", M | INT, NULL, "!t_was_cancelled()"),
	/* The failover route of gateway_group: the next gateway when one
	 * failed with 408 or 5xx, then what the rule's own failure route does. */
	ROW("gateway_failover", F | INT, "self: word, own: stmt",
	  "if ($rs == 408 || $rs >= 500 && $rs < 600) {"
	  " if (use_next_gw()) { t_on_failure(@self); t_relay(); exit; } } @own();"),
};

const int cc_yaml_ntable = (int)(sizeof cc_yaml_table / sizeof cc_yaml_table[0]);
