/* The proxy executable's entry point: CLI, listen sockets, signals, the
 * event loop. The policy object provides sipcc_policy_init(). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "core/log.h"
#include "core/qsbr.h"
#include "core/status.h"
#include "db/db.h"
#include "net/limits.h"
#include "net/loop.h"
#include "net/tls.h"
#include "proxy/proxy.h"
#include "proxy/ctl.h"
#include "proxy/dns.h"
#include "proxy/httpd.h"
#include "proxy/modules.h"
#include "proxy/policy.h"
#include "proxy/routes.h"
#include "proxy/service.h"
#include "proxy/settings.h"
#include "proxy/worker.h"

static sip_loop main_loop;
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
	sip_loop_stop(&main_loop);
}

/* A repetition the log is counting (core/log.h) is reported within an
 * interval even when nothing else is logged after it. */
static sip_timer log_flush_timer;

static void on_log_flush(sip_timer *t, void *arg)
{
	(void)arg;
	sip_log_flush();
	sip_timer_add(&main_loop.timers, t, sip_log_repeat_ms);
}

static void on_hup(int sig)
{
	(void)sig;
	proxy_ctl_hup();
}

static void usage(FILE *f, const char *argv0)
{
	fprintf(f,
		"usage: %s [options]\n"
		"  --listen PROTO:ADDR:PORT listen here, PROTO udp, tcp, tls, ws or wss\n"
		"                           (repeatable; replaces the policy's listen lines)\n"
		"  --log-level LEVEL        err, warn, notice, info or debug (default notice)\n"
		"  --db URL                 database for registrations and subscribers\n"
		"                           (sqlite:PATH, postgres://... or mysql://...;\n"
		"                           default " PROXY_DB_DEFAULT_URL ")\n"
		"  --dns IP[:PORT][,...]    DNS servers for next-hop names (replaces dns.server;\n"
		"                           default: /etc/resolv.conf)\n"
		"  --ctl PATH               serve the control socket PATH (sipcc-ctl --ctl;\n"
		"                           default: none)\n"
		"  --metrics [ADDR:]PORT    serve Prometheus metrics on http://ADDR:PORT/metrics\n"
		"                           (ADDR: 127.0.0.1 when not given)\n"
		"  --rpc [ADDR:]PORT        serve JSON-RPC 2.0 on http://ADDR:PORT/rpc (the\n"
		"                           control commands; the same ADDR:PORT as --metrics:\n"
		"                           one listener for both)\n"
		"  --rpc-token-file PATH    require \"Authorization: Bearer TOKEN\" on /rpc, the\n"
		"                           token the first line of PATH (needed when --rpc\n"
		"                           is not a loopback address)\n"
		"  --workers N              N event loops on N threads (default: one per CPU\n"
		"                           when every module of the policy allows it)\n"
		"  --log TARGET             stderr (default), syslog[:FACILITY] or journal\n"
		"                           (with --daemon the default is syslog)\n"
		"  --log-format FORMAT      text (default) or json (one object a line)\n"
		"  --daemon                 run in the background; the command returns once\n"
		"                           the proxy listens (0) or failed to start\n"
		"  --pidfile PATH           write the process id to PATH\n"
		"  -u, --user USER          run as USER once the sockets are bound\n"
		"  --group GROUP            with --user: this group instead of USER's\n"
		"  --allow-root             let --daemon run as root\n"
		"  --help                   show this help\n"
		"  --version                show the version\n", argv0);
}

/* "udp:127.0.0.1:5060", "tcp:[::1]:5060" into l. */
static bool parse_listen(const char *arg, struct proxy_listen *l)
{
	const char *c = strchr(arg, ':');
	if (!c || (size_t)(c - arg) >= sizeof l->proto)
		return false;
	memcpy(l->proto, arg, (size_t)(c - arg));
	l->proto[c - arg] = '\0';
	const char *host = c + 1, *pc = strrchr(host, ':');
	if (!pc || pc == host)
		return false;
	size_t hl = (size_t)(pc - host);
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		host++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof l->addr)
		return false;
	memcpy(l->addr, host, hl);
	l->addr[hl] = '\0';
	char *end;
	long port = strtol(pc + 1, &end, 10);
	if (*end || port <= 0 || port > 65535)
		return false;
	l->port = (int)port;
	return true;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "db", required_argument, NULL, 'D' },
		{ "dns", required_argument, NULL, 'N' },
		{ "ctl", required_argument, NULL, 'C' },
		{ "log", required_argument, NULL, 'O' },
		{ "log-format", required_argument, NULL, 'F' },
		{ "daemon", no_argument, NULL, 'd' },
		{ "pidfile", required_argument, NULL, 'P' },
		{ "user", required_argument, NULL, 'u' },
		{ "group", required_argument, NULL, 'g' },
		{ "allow-root", no_argument, NULL, 'R' },
		{ "metrics", required_argument, NULL, 'M' },
		{ "rpc", required_argument, NULL, 'J' },
		{ "rpc-token-file", required_argument, NULL, 'T' },
		{ "workers", required_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct proxy_listen cli[PROXY_MAX_LISTEN];
	unsigned n_cli = 0;
	const char *db_url = NULL;
	const char *dns_servers = NULL;
	const char *ctl_path = NULL;
	const char *log_target = NULL;
	static struct proxy_service svc;
	struct proxy_http_conf http = { 0 };
	char http_why[256];
	const char *why = NULL;
	unsigned workers = 0;
	sip_log_level = SIP_LOG_NOTICE;
	int c;
	while ((c = getopt_long(argc, argv, "u:", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (n_cli >= PROXY_MAX_LISTEN || !parse_listen(optarg, &cli[n_cli])) {
				fprintf(stderr, "%s: invalid --listen '%s' (expected udp:, tcp:, tls:, ws: or wss:ADDR:PORT)\n", argv[0], optarg);
				return 2;
			}
			n_cli++;
			break;
		case 'L': {
			int lv = sip_log_level_parse(optarg);
			if (lv < 0) {
				fprintf(stderr, "%s: unknown log level '%s' (err, warn, notice, info, debug)\n",
					argv[0], optarg);
				return 2;
			}
			sip_log_level = lv;
			break;
		}
		case 'D':
			db_url = optarg;
			break;
		case 'N':
			dns_servers = optarg;
			break;
		case 'C':
			ctl_path = optarg;
			break;
		case 'O':
			log_target = optarg;
			break;
		case 'F':
			if (sip_log_format(optarg) != SIP_OK) {
				fprintf(stderr, "%s: unknown --log-format '%s' (text or json)\n", argv[0], optarg);
				return 2;
			}
			break;
		case 'd':
			svc.daemon = true;
			break;
		case 'P':
			svc.pidfile = optarg;
			break;
		case 'u':
			svc.user = optarg;
			break;
		case 'g':
			svc.group = optarg;
			break;
		case 'R':
			svc.allow_root = true;
			break;
		case 'M':
			http.metrics = optarg;
			break;
		case 'J':
			http.rpc = optarg;
			break;
		case 'T':
			http.token_file = optarg;
			break;
		case 'W': {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || end == optarg || n < 1 || n > SIP_WORKERS_MAX) {
				fprintf(stderr, "%s: invalid --workers '%s' (1 to %d)\n", argv[0], optarg,
					SIP_WORKERS_MAX);
				return 2;
			}
			workers = (unsigned)n;
			break;
		}
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		case 'V':
			printf("sipcc proxy %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0], argv[optind]);
		return 2;
	}
	if (db_url && db_url_problem(db_url)) {
		fprintf(stderr, "%s: invalid --db '%s': %s\n", argv[0], db_url,
			db_url_problem(db_url));
		return 2;
	}

	/* The token is read now, while the file is readable (root's). */
	if ((http.metrics || http.rpc || http.token_file)
	    && proxy_http_configure(&http, http_why, sizeof http_why) != SIP_OK) {
		fprintf(stderr, "%s: %s\n", argv[0], http_why);
		return 2;
	}
	if (proxy_service_check(&svc, &why) != SIP_OK) {
		fprintf(stderr, "%s: %s%s%s\n", argv[0], why,
			svc.user && strncmp(why, "no such", 7) == 0 ? ": " : "",
			svc.user && strncmp(why, "no such", 7) == 0 ?
			(strcmp(why, "no such group") == 0 ? svc.group : svc.user) : "");
		return 2;
	}
	proxy_service_log_init();
	if (!log_target && svc.daemon)
		log_target = "syslog";
	if (log_target && sip_log_open(log_target, "sipcc", &why) != SIP_OK) {
		fprintf(stderr, "%s: invalid --log '%s': %s\n", argv[0], log_target, why);
		return 2;
	}
	sip_log_startup(svc.daemon);

	sipcc_policy_init();
	if (!proxy_policy->request) {
		LOG_ERR("the policy has no request route; refusing to start");
		return 1;
	}
	proxy_policy_overrides(n_cli > 0, db_url != NULL);
	if (n_cli) {
		memcpy(proxy_conf.listen, cli, n_cli * sizeof cli[0]);
		proxy_conf.n_listen = n_cli;
	}
	if (!proxy_conf.n_listen) {
		LOG_ERR("no listen address: add a listen line to the policy or use --listen udp:ADDR:PORT");
		return 1;
	}
	bool streams = false;
	for (unsigned i = 0; i < proxy_conf.n_listen; i++)
		streams |= strcmp(proxy_conf.listen[i].proto, "udp") != 0;
	/* Before any thread (the database worker) starts. */
	if (svc.daemon && proxy_service_daemonize() != SIP_OK) {
		LOG_ERR("cannot run in the background: %s", strerror(errno));
		return 1;
	}
	int n_workers = proxy_workers_plan(workers, proxy_workers_cpus());
	if (n_workers < 0)
		return 1;
	if (sip_loop_init(&main_loop) != SIP_OK)
		return 1;
	if (proxy_init(&main_loop.timers) != SIP_OK) {
		LOG_ERR("cannot initialise the proxy: out of memory");
		return 1;
	}
	proxy_db_use_loop(&main_loop);
	if (proxy_modules_init(&main_loop.timers, db_url) != SIP_OK)
		return 1;
	if (proxy_policy_start(&main_loop.timers) != SIP_OK)
		return 1;
	struct tls_conf tls = {
		sipcc_setting_str("tls", "certificate", ""),
		sipcc_setting_str("tls", "private_key", ""),
		sipcc_setting_str("tls", "ca_list", ""),
		sipcc_setting_int("tls", "verify_peer", 0) != 0,
	};
	tls_configure(&tls);
	if (proxy_limits_configure() != 0)
		return 1;
	if (tp_limits_fit_fds(streams) != SIP_OK)
		return 1;
	if (proxy_dns_init(&main_loop, dns_servers) != SIP_OK)
		return 1;
	if (proxy_workers_setup(&main_loop, (unsigned)n_workers) != SIP_OK)
		return 1;
	proxy_workers_ctl_init();
	char names[PROXY_MAX_LISTEN * 80] = "";
	for (unsigned i = 0; i < proxy_conf.n_listen; i++) {
		struct proxy_listen *l = &proxy_conf.listen[i];
		const sip_transport *tp = tp_find(l->proto);
		if (!tp || (tp->caps & TP_CAP_INTERNAL)) {
			LOG_ERR("cannot listen on %s:%s:%d: unsupported transport (udp, tcp, tls, ws or wss)", l->proto, l->addr, l->port);
			return 1;
		}
		sip_socket *s;
		if (tp_listen(&main_loop, tp, l->addr, l->port, &s) != SIP_OK ||
		    proxy_workers_listen(s) != SIP_OK)
			return 1;
		if (i)
			strcat(names, ", ");
		strcat(names, s->name);
	}

	if (ctl_path && proxy_ctl_listen(&main_loop, ctl_path) != SIP_OK)
		return 1;
	if ((http.metrics || http.rpc) && proxy_http_start(&main_loop) != SIP_OK)
		return 1;
	/* Every socket is bound and the TLS keys are read: the pid file (in a
	 * directory root may own) first, then nothing needs root any more. */
	if (proxy_service_pidfile() != SIP_OK || proxy_service_drop() != SIP_OK ||
	    proxy_workers_start(dns_servers) != SIP_OK)
		return 1;

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	proxy_ctl_hup_start(&main_loop.timers);

	sip_timer_init(&log_flush_timer, on_log_flush, NULL);
	sip_timer_add(&main_loop.timers, &log_flush_timer, sip_log_repeat_ms);
	LOG_NOTICE("sipcc proxy %s listening on %s", PACKAGE_VERSION, names);
	proxy_service_ready(&main_loop.timers);
	int rc = sip_loop_run(&main_loop);
	proxy_workers_stop();
	sip_qsbr_drain();
	proxy_service_stop();
	if (stop_signal)
		LOG_NOTICE("caught %s, exiting", stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
	proxy_http_stop();
	proxy_ctl_close();
	proxy_ctl_hup_stop();
	proxy_dns_destroy();
	tp_close_all();
	proxy_policy_stop();
	proxy_modules_destroy();
	proxy_destroy();
	sip_timer_cancel(&main_loop.timers, &log_flush_timer);
	sip_loop_destroy(&main_loop);
	sip_log_flush();
	return rc == SIP_OK ? 0 : 1;
}
