/* TLS transport: OpenSSL sessions over the TCP machinery (tcp.c), which
 * keeps doing the connections, framing and limits; this file only turns
 * bytes into records. Sessions are non-blocking: a read or write that has
 * to wait for the other direction (handshake) says EAGAIN, and tcp.c
 * retries writes after every read. */
#include "net/tls.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include "core/arena.h"
#include "core/log.h"
#include "core/status.h"
#include "net/tcp_int.h"

static struct tls_conf conf;
static SSL_CTX *srv_ctx, *cli_ctx;

void tls_configure(const struct tls_conf *c)
{
	conf = *c;
}

/* Names to check and send as SNI for next hops, by address (see
 * tls_peer_name). A few entries: next hops are few. Noted by the worker
 * that routes a request, read on worker 0 where the connection opens:
 * under names_lock. */
#define TLS_NAMES 16
static struct {
	sip_addr addr;
	char name[256];
} names[TLS_NAMES];
static unsigned names_next;
static pthread_mutex_t names_lock = PTHREAD_MUTEX_INITIALIZER;

void tls_peer_name(const sip_addr *dst, sip_str host)
{
	if (!host.len || host.len >= sizeof names[0].name || host.s[0] == '[')
		return;
	sip_addr tmp;
	if (sip_addr_from_ip(&tmp, host, 0) == SIP_OK)
		return;     /* an IP literal is no SNI (RFC 6066 §3) */
	pthread_mutex_lock(&names_lock);
	for (unsigned i = 0; i < TLS_NAMES; i++)
		if (names[i].name[0] && sip_addr_eq(&names[i].addr, dst) &&
		    strlen(names[i].name) == host.len && memcmp(names[i].name, host.s, host.len) == 0) {
			pthread_mutex_unlock(&names_lock);
			return;
		}
	unsigned i = names_next++ % TLS_NAMES;
	names[i].addr = *dst;
	memcpy(names[i].name, host.s, host.len);
	names[i].name[host.len] = '\0';
	pthread_mutex_unlock(&names_lock);
}

/* The name noted for dst, copied into out; false when there is none. */
static bool peer_name(const sip_addr *dst, char out[256])
{
	bool found = false;
	pthread_mutex_lock(&names_lock);
	for (unsigned i = 0; i < TLS_NAMES && !found; i++)
		if (names[i].name[0] && sip_addr_eq(&names[i].addr, dst)) {
			memcpy(out, names[i].name, sizeof names[i].name);
			found = true;
		}
	pthread_mutex_unlock(&names_lock);
	return found;
}

static void log_ssl(const char *what, const char *where)
{
	unsigned long e = ERR_get_error();
	char buf[256];
	ERR_error_string_n(e, buf, sizeof buf);
	LOG_WARN("%s%s%s: %s", what, where ? " " : "", where ? where : "", e ? buf : "failed");
	ERR_clear_error();
}

static bool ctx_load(SSL_CTX *ctx, bool server)
{
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/* RELEASE_BUFFERS: a session frees its record buffers (about 34 KB)
	 * whenever they are empty, which a quiet connection mostly is. */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
			 SSL_MODE_RELEASE_BUFFERS);
	if (conf.certificate && *conf.certificate) {
		if (SSL_CTX_use_certificate_chain_file(ctx, conf.certificate) != 1) {
			log_ssl("cannot load tls.certificate", conf.certificate);
			return false;
		}
		if (SSL_CTX_use_PrivateKey_file(ctx, conf.private_key && *conf.private_key ?
						conf.private_key : conf.certificate, SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_check_private_key(ctx) != 1) {
			log_ssl("cannot load tls.private_key", conf.private_key);
			return false;
		}
	} else if (server) {
		LOG_ERR("listen tls and listen wss need a certificate: set tls.certificate and tls.private_key");
		return false;
	}
	if (conf.ca_list && *conf.ca_list) {
		if (SSL_CTX_load_verify_locations(ctx, conf.ca_list, NULL) != 1) {
			log_ssl("cannot load tls.ca_list", conf.ca_list);
			return false;
		}
	} else {
		SSL_CTX_set_default_verify_paths(ctx);
	}
	/* A certificate file without its chain: OpenSSL would look the chain
	 * up in the CA store at every handshake (reading the system's CA
	 * directory each time). Built once here, as the handshake would
	 * build it, whether or not it reaches a trusted root. */
	STACK_OF(X509) *chain = NULL;
	if (conf.certificate && *conf.certificate && SSL_CTX_get0_chain_certs(ctx, &chain) == 1 &&
	    sk_X509_num(chain) <= 0 &&
	    SSL_CTX_build_cert_chain(ctx, SSL_BUILD_CHAIN_FLAG_IGNORE_ERROR |
				      SSL_BUILD_CHAIN_FLAG_CLEAR_ERROR) <= 0) {
		log_ssl("cannot build the chain of tls.certificate", conf.certificate);
		return false;
	}
	ERR_clear_error();
	int mode = SSL_VERIFY_NONE;
	if (conf.verify_peer)
		mode = server ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_PEER;
	SSL_CTX_set_verify(ctx, mode, NULL);
	return true;
}

static bool ctx_init(void)
{
	if (srv_ctx)
		return true;
	srv_ctx = SSL_CTX_new(TLS_server_method());
	cli_ctx = SSL_CTX_new(TLS_client_method());
	if (!srv_ctx || !cli_ctx || !ctx_load(srv_ctx, true) || !ctx_load(cli_ctx, false)) {
		SSL_CTX_free(srv_ctx);
		SSL_CTX_free(cli_ctx);
		srv_ctx = cli_ctx = NULL;
		return false;
	}
	return true;
}

static int tls_open(struct tcp_conn *c, bool outgoing)
{
	SSL *ssl = SSL_new(outgoing ? cli_ctx : srv_ctx);
	if (!ssl || SSL_set_fd(ssl, c->fd) != 1) {
		SSL_free(ssl);
		log_ssl("SSL_new", NULL);
		return SIP_NOMEM;
	}
	if (outgoing) {
		SSL_set_connect_state(ssl);
		char name[256];
		if (peer_name(&c->peer, name)) {
			SSL_set_tlsext_host_name(ssl, name);
			if (conf.verify_peer)
				SSL_set1_host(ssl, name);
		} else if (conf.verify_peer) {
			char ip[64];
			X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
						      sip_addr_ip(&c->peer, ip, sizeof ip));
		}
	} else {
		SSL_set_accept_state(ssl);
	}
	c->io_priv = ssl;
	return SIP_OK;
}

/* An SSL result as the tcp_io convention: EAGAIN to wait, EIO (logged)
 * when the session failed. */
static ssize_t tls_result(struct tcp_conn *c, int r, const char *op)
{
	int e = SSL_get_error(c->io_priv, r);
	switch (e) {
	case SSL_ERROR_WANT_READ:
		c->io_wait_read = true;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_WANT_WRITE:
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		if (errno == 0)
			return 0;
		return -1;
	default: {
#ifdef SSL_R_UNEXPECTED_EOF_WHILE_READING
		/* The peer closed the connection without a close_notify, as
		 * clients that go away mostly do: the end of the stream, as
		 * with OpenSSL 1.1 (a message cut by it is not handed up:
		 * SIP frames by Content-Length). */
		if (ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
			ERR_clear_error();
			return 0;
		}
#endif
		char ip[64], where[96];
		snprintf(where, sizeof where, "with %s:%d", sip_addr_ip(&c->peer, ip, sizeof ip),
			 sip_addr_port(&c->peer));
		long v = SSL_get_verify_result(c->io_priv);
		if (v != X509_V_OK)
			LOG_WARN("tls %s: certificate check failed: %s", where,
				 X509_verify_cert_error_string(v));
		log_ssl(op, where);
		errno = EIO;
		return -1;
	}
	}
}

static ssize_t tls_read(struct tcp_conn *c, void *buf, size_t n)
{
	ERR_clear_error();
	c->io_wait_read = false;
	int r = SSL_read(c->io_priv, buf, n > INT32_MAX ? INT32_MAX : (int)n);
	return r > 0 ? r : tls_result(c, r, "tls read");
}

static ssize_t tls_write(struct tcp_conn *c, const void *buf, size_t n)
{
	ERR_clear_error();
	c->io_wait_read = false;
	int r = SSL_write(c->io_priv, buf, n > INT32_MAX ? INT32_MAX : (int)n);
	return r > 0 ? r : tls_result(c, r, "tls write");
}

static void tls_close(struct tcp_conn *c)
{
	if (c->io_priv) {
		SSL_shutdown(c->io_priv);   /* best effort: the socket is non-blocking */
		SSL_free(c->io_priv);
		c->io_priv = NULL;
	}
	ERR_clear_error();
}

static bool tls_pending(struct tcp_conn *c)
{
	return c->io_priv && SSL_pending(c->io_priv) > 0;
}

static bool tls_handshaking(struct tcp_conn *c)
{
	return c->io_priv && !SSL_is_init_finished(c->io_priv);
}

static const struct tcp_io tls_io = {
	tls_open, tls_read, tls_write, tls_close, tls_pending, tls_handshaking
};

static int tls_listen(sip_loop *loop, const sip_addr *addr, sip_socket **out)
{
	if (!ctx_init()) {
		errno = EINVAL;
		return SIP_EINVAL;
	}
	return tcp_listen_io(loop, addr, out, &tp_tls, &tls_io);
}

const sip_transport tp_tls = {
	.name = "tls", .via_name = "TLS", .reliable = true, .caps = TP_CAP_SECURE,
	.listen = tls_listen, .send = tcp_send_io, .close = tcp_close_sock,
};

const struct tcp_io *tls_stream_io(void)
{
	return ctx_init() ? &tls_io : NULL;
}
