/* sipcc-web: the web control panel of a sipcc proxy. It serves HTML pages
 * rendered here over the proxy's database (subscribers, domains, aliases,
 * CDRs) and its control socket (registrations), to accounts of its own.
 *
 *   sipcc-web [--db URL] [--ctl PATH] [--listen ADDR:PORT]
 *             [--tls-cert FILE --tls-key FILE]
 *   sipcc-web [--db URL] admin add NAME [--role admin|support]
 *   sipcc-web [--db URL] admin passwd NAME | admin rm NAME | admin list
 *
 * Exit status as sipcc-ctl's: 0 done, 1 refused, 2 usage, 3 database
 * unreachable or failing (or the listener could not start). */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "../sipcc-ctl/ctl.h"
#include "config.h"
#include "core/log.h"
#include "web.h"

#define WEB_DEFAULT_URL "sqlite:sipcc.db"
#define WEB_DEFAULT_LISTEN "127.0.0.1:8080"
#define WEB_BODY_MAX 65536
#define WEB_COOKIE "sipcc_session"

const char *ctl_prog = "sipcc-web";

static struct {
	db *d;
	const char *ctl_path;
	bool tls;
} web;

static void web_usage(FILE *f)
{
	fprintf(f,
		"usage: %s [--db URL] [--ctl PATH] [--listen ADDR:PORT]\n"
		"                 [--tls-cert FILE --tls-key FILE]     serve the panel\n"
		"       %s [--db URL] admin add NAME [--role admin|support]   add an account\n"
		"                 (its password is read from standard input; an empty one, or\n"
		"                 a terminal, gets a generated password, printed once)\n"
		"       %s [--db URL] admin passwd NAME   a new password (read or generated)\n"
		"       %s [--db URL] admin rm NAME | admin list\n"
		"options:\n"
		"  --db URL       sqlite:PATH, postgres://... or mysql://... (default %s)\n"
		"  --ctl PATH     the control socket of the running proxy (registrations)\n"
		"  --listen ADDR:PORT   where to listen (default %s; IPv4)\n"
		"  --tls-cert FILE, --tls-key FILE   serve HTTPS with this PEM certificate\n"
		"                 and key (the session cookie is then marked Secure)\n",
		ctl_prog, ctl_prog, ctl_prog, ctl_prog, WEB_DEFAULT_URL, WEB_DEFAULT_LISTEN);
}

/* ---- requests ---- */

typedef struct web_conn {
	web_buf body;
	bool too_big;
} web_conn;

const char *web_arg(web_req *r, const char *key)
{
	const char *v = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
	return v ? v : "";
}

bool web_field(web_req *r, const char *key, char *out, size_t outsz)
{
	if (r->body && web_form_get(r->body, r->body_len, key, out, outsz, NULL))
		return true;
	out[0] = '\0';
	return false;
}

static enum MHD_Result web_send(struct MHD_Connection *c, web_req *r)
{
	if (r->out.oom) {
		web_buf_free(&r->out);
		web_buf_puts(&r->out, "out of memory\n");
		r->status = 500;
		r->ctype = "text/plain";
	}
	struct MHD_Response *resp = MHD_create_response_from_buffer(r->out.len, r->out.s ? r->out.s : "",
								     MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", r->ctype ? r->ctype : "text/plain");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
	MHD_add_response_header(resp, "Content-Security-Policy",
				"default-src 'self'; img-src 'self' data:; form-action 'self';"
				" frame-ancestors 'none'; base-uri 'none'");
	if (r->location[0])
		MHD_add_response_header(resp, "Location", r->location);
	if (r->disposition[0])
		MHD_add_response_header(resp, "Content-Disposition", r->disposition);
	char cookie[256];
	if (r->set_cookie && r->s) {
		snprintf(cookie, sizeof cookie, WEB_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s",
			 r->s->id, web.tls ? "; Secure" : "");
		MHD_add_response_header(resp, "Set-Cookie", cookie);
	} else if (r->clear_cookie) {
		snprintf(cookie, sizeof cookie, WEB_COOKIE "=; Path=/; Max-Age=0; HttpOnly;"
			 " SameSite=Strict%s", web.tls ? "; Secure" : "");
		MHD_add_response_header(resp, "Set-Cookie", cookie);
	}
	enum MHD_Result ret = MHD_queue_response(c, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* libmicrohttpd calls this first with *con_cls NULL (headers read), then
 * once per piece of body, then once more with nothing left to read: the
 * body is gathered (64 KiB at most) and the request answered then. */
static enum MHD_Result web_handler(void *cls, struct MHD_Connection *c, const char *url,
				   const char *method, const char *version, const char *upload,
				   size_t *upload_size, void **con_cls)
{
	(void)cls;
	(void)version;
	web_conn *wc = *con_cls;
	if (!wc) {
		wc = calloc(1, sizeof *wc);
		if (!wc)
			return MHD_NO;
		*con_cls = wc;
		return MHD_YES;
	}
	if (*upload_size) {
		if (wc->body.len + *upload_size > WEB_BODY_MAX)
			wc->too_big = true;
		else
			web_buf_add(&wc->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	web_req r = { .conn = c, .method = method, .path = url, .d = web.d,
		      .ctl_path = web.ctl_path, .now = time(NULL) };
	r.post = strcmp(method, "POST") == 0;
	if (!r.post && strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		r.status = 405;
		web_buf_puts(&r.out, "method not allowed\n");
	} else if (wc->too_big || wc->body.oom) {
		r.status = 413;
		web_buf_puts(&r.out, "the form is too large\n");
	} else {
		const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
		if (r.post && (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0)) {
			r.status = 415;
			web_buf_puts(&r.out, "forms are application/x-www-form-urlencoded\n");
		} else {
			r.body = wc->body.s ? wc->body.s : "";
			r.body_len = wc->body.len;
			const char *cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, WEB_COOKIE);
			r.s = web_session_find(cookie, r.now);
			if (!r.s && cookie)
				r.s = web_session_load(&r, cookie);
			web_page_dispatch(&r);
		}
	}
	enum MHD_Result ret = web_send(c, &r);
	web_buf_free(&r.out);
	return ret;
}

static void web_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			  enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	web_conn *wc = *con_cls;
	if (wc) {
		web_buf_free(&wc->body);
		free(wc);
	}
	*con_cls = NULL;
}

/* ---- start ---- */

static char *web_read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	web_buf b = { 0 };
	char tmp[4096];
	size_t n;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		web_buf_add(&b, tmp, n);
	fclose(f);
	if (b.oom || !b.s) {
		web_buf_free(&b);
		return NULL;
	}
	return b.s;
}

static bool web_parse_listen(const char *arg, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(arg, ':');
	if (!colon || (size_t)(colon - arg) >= sizeof host)
		return false;
	memcpy(host, arg, (size_t)(colon - arg));
	host[colon - arg] = '\0';
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end || end == colon + 1 || port < 1 || port > 65535)
		return false;
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1;
}

static int web_serve(const char *listen, const char *cert, const char *key)
{
	struct sockaddr_in sa;
	if (!web_parse_listen(listen, &sa))
		return ctl_err(CTL_USAGE, "bad --listen '%s' (expected IPv4-ADDRESS:PORT)", listen);
	if (!!cert != !!key)
		return ctl_err(CTL_USAGE, "--tls-cert and --tls-key go together");
	char *cert_pem = NULL, *key_pem = NULL;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	if (cert) {
		if (!(cert_pem = web_read_file(cert)) || !(key_pem = web_read_file(key)))
			return ctl_err(CTL_USAGE, "cannot read %s: %s", cert_pem ? key : cert, strerror(errno));
		flags |= MHD_USE_TLS;
		web.tls = true;
	}
	/* One thread serves every request: it alone uses the database handle
	 * and the session table. SIGINT and SIGTERM are blocked before it
	 * starts (it inherits the mask) and taken by sigwait() here. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	struct MHD_Daemon *daemon;
	if (cert)
		daemon = MHD_start_daemon(flags, ntohs(sa.sin_port), NULL, NULL, web_handler, NULL,
					  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
					  MHD_OPTION_NOTIFY_COMPLETED, web_completed, NULL,
					  MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
					  MHD_OPTION_HTTPS_MEM_CERT, cert_pem, MHD_OPTION_HTTPS_MEM_KEY, key_pem,
					  MHD_OPTION_END);
	else
		daemon = MHD_start_daemon(flags, ntohs(sa.sin_port), NULL, NULL, web_handler, NULL,
					  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
					  MHD_OPTION_NOTIFY_COMPLETED, web_completed, NULL,
					  MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
					  MHD_OPTION_END);
	if (!daemon) {
		free(cert_pem);
		free(key_pem);
		return ctl_err(CTL_DBFAIL, "cannot listen on %s%s", listen,
			       cert ? " (bad certificate or key, or no TLS in libmicrohttpd?)" : "");
	}
	fprintf(stderr, "%s: listening on %s://%s/\n", ctl_prog, cert ? "https" : "http", listen);
	int sig;
	sigwait(&stop, &sig);
	MHD_stop_daemon(daemon);
	free(cert_pem);
	free(key_pem);
	return CTL_OK;
}

/* admin add and admin passwd: the password from standard input (its
 * first line), or generated when that is a terminal or the line is
 * empty, and then printed. */
static int web_admin_cmd(int argc, char **argv, const char *role)
{
	if (argc == 1 && strcmp(argv[0], "list") == 0)
		return web_admin_list(web.d);
	if (argc == 2 && strcmp(argv[0], "rm") == 0)
		return web_admin_rm(web.d, argv[1]);
	bool add = argc == 2 && strcmp(argv[0], "add") == 0;
	bool passwd = argc == 2 && strcmp(argv[0], "passwd") == 0;
	if (!add && !passwd)
		return ctl_err(CTL_USAGE, "usage: %s admin add NAME [--role admin|support], admin passwd"
			       " NAME, admin rm NAME or admin list", ctl_prog);
	char pw[256] = "";
	bool generated = false;
	if (!isatty(0) && fgets(pw, sizeof pw, stdin))
		pw[strcspn(pw, "\r\n")] = '\0';
	if (!pw[0]) {
		if (!web_pw_generate(pw, sizeof pw))
			return ctl_err(CTL_DBFAIL, "no randomness for a password");
		generated = true;
	}
	int rc = add ? web_admin_add(web.d, argv[1], role, pw) : web_admin_passwd(web.d, argv[1], pw);
	if (rc == CTL_OK && generated)
		printf("%s\n", pw);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },   { "ctl", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' }, { "tls-cert", required_argument, NULL, 'C' },
		{ "tls-key", required_argument, NULL, 'K' }, { "role", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },       { "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *url = getenv("SIPCC_DB");
	const char *listen = WEB_DEFAULT_LISTEN, *cert = NULL, *key = NULL, *role = "admin";
	int c;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': url = optarg; break;
		case 'c': web.ctl_path = optarg; break;
		case 'l': listen = optarg; break;
		case 'C': cert = optarg; break;
		case 'K': key = optarg; break;
		case 'r': role = optarg; break;
		case 'h': web_usage(stdout); return CTL_OK;
		case 'V': printf("%s %s\n", ctl_prog, PACKAGE_VERSION); return CTL_OK;
		default: web_usage(stderr); return CTL_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (!url || !url[0])
		url = WEB_DEFAULT_URL;
	/* --role may follow the command words too (admin add NAME --role R). */
	for (int i = 0; i + 1 < argc; i++)
		if (strcmp(argv[i], "--role") == 0) {
			role = argv[i + 1];
			for (int j = i; j + 2 <= argc; j++)
				argv[j] = argv[j + 2];
			argc -= 2;
			break;
		}
	if (argc > 0 && strcmp(argv[0], "admin") != 0) {
		web_usage(stderr);
		return CTL_USAGE;
	}
	sip_log_level = SIP_LOG_ERR;
	int rc = db_open(url, &web.d);
	if (rc == SIP_EINVAL)
		return ctl_err(CTL_USAGE, "bad database URL '%s' (sqlite:PATH, postgres://... or mysql://...)",
			       url);
	if (rc != SIP_OK) {
		int st = ctl_err(CTL_DBFAIL, "cannot connect to %s: %s", url,
				 web.d ? db_error(web.d) : sip_strerror(rc));
		db_close(web.d);
		return st;
	}
	if ((rc = db_schema_migrate(web.d)) != SIP_OK) {
		int st = ctl_dberr(web.d, "cannot migrate the database", rc);
		db_close(web.d);
		return st;
	}
	int status = argc > 0 ? web_admin_cmd(argc - 1, argv + 1, role) : web_serve(listen, cert, key);
	db_close(web.d);
	return status;
}
