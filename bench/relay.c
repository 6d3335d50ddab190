/* relay: the baseline of the benchmark. A bare UDP relay with no SIP
 * parsing: every datagram from the callee (the --to address) goes back to
 * the last caller seen, every other datagram goes to the callee. One
 * socket, one recvfrom and one sendto per datagram, nothing else: the CPU a
 * SIP proxy spends above this is the cost of being a proxy.
 *
 *   relay --listen 127.0.0.1:5070 --to 127.0.0.1:5080
 *
 * It runs until it gets SIGTERM or SIGINT.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t relay_stop;

static void relay_on_signal(int sig)
{
	(void)sig;
	relay_stop = 1;
}

/* Parse "A.B.C.D:PORT" into sa. Returns 0, or -1 when it is not one. */
static int relay_parse_addr(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	char *end;
	long port;

	if (!colon || (size_t)(colon - s) >= sizeof host)
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end || port <= 0 || port > 65535)
		return -1;
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons((unsigned short)port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

static int relay_same(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
	return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
}

static void relay_usage(FILE *f)
{
	fputs("usage: relay --listen ADDR:PORT --to ADDR:PORT\n"
	      "Forward UDP datagrams between the last caller and one callee.\n", f);
}

int main(int argc, char **argv)
{
	struct sockaddr_in listen_sa, callee, caller, from;
	const char *listen_s = NULL, *to_s = NULL;
	int have_caller = 0;
	static char buf[65536];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc)
			listen_s = argv[++i];
		else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
			to_s = argv[++i];
		else if (strcmp(argv[i], "--help") == 0) {
			relay_usage(stdout);
			return 0;
		} else {
			relay_usage(stderr);
			return 2;
		}
	}
	if (!listen_s || !to_s) {
		relay_usage(stderr);
		return 2;
	}
	if (relay_parse_addr(listen_s, &listen_sa) < 0 ||
	    relay_parse_addr(to_s, &callee) < 0) {
		fprintf(stderr, "relay: addresses are A.B.C.D:PORT\n");
		return 2;
	}

	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&listen_sa, sizeof listen_sa) < 0) {
		fprintf(stderr, "relay: %s: %s\n", listen_s, strerror(errno));
		return 1;
	}
	/* No SA_RESTART: a signal interrupts recvfrom and ends the loop. */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = relay_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	while (!relay_stop) {
		socklen_t fromlen = sizeof from;
		ssize_t n = recvfrom(fd, buf, sizeof buf, 0,
				     (struct sockaddr *)&from, &fromlen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "relay: recvfrom: %s\n", strerror(errno));
			return 1;
		}
		const struct sockaddr_in *to;
		if (relay_same(&from, &callee)) {
			if (!have_caller)
				continue;
			to = &caller;
		} else {
			caller = from;
			have_caller = 1;
			to = &callee;
		}
		/* A lost datagram is sipp's to retransmit, as with a real proxy. */
		(void)sendto(fd, buf, (size_t)n, 0, (const struct sockaddr *)to,
			     sizeof *to);
	}
	close(fd);
	return 0;
}
