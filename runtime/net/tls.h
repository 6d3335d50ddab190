/* TLS transport configuration. The proxy reads the policy's tls.*
 * settings and hands them here before it listens. */
#ifndef SIPCC_NET_TLS_H
#define SIPCC_NET_TLS_H

#include <stdbool.h>
#include "net/transport.h"

struct tls_conf {
	const char *certificate;    /* PEM chain; required to listen */
	const char *private_key;    /* PEM; NULL or "": in the certificate file */
	const char *ca_list;        /* PEM CAs; NULL or "": the system's */
	bool verify_peer;
};

/* Keep c (the strings must outlive the transport) for the first tls
 * listen, which loads the files. */
void tls_configure(const struct tls_conf *c);

/* The host name of the next hop at dst: sent as SNI and, with
 * verify_peer, checked against its certificate when a connection to dst
 * is opened. IP literals are ignored (the address is checked then). */
void tls_peer_name(const sip_addr *dst, sip_str host);

#endif
