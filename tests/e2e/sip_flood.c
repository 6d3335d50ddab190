/* sip_flood: send SIP OPTIONS requests over UDP at a fixed rate from one
 * source address, and count the replies by status code. A test helper for
 * the flood and rate-limit tests (tests/e2e/pike_flood.sh, ratelimit.sh).
 *
 *   sip_flood --src 127.0.0.2 --dst 127.0.0.1:5060 --rate 20000 --seconds 5
 *             [--count N] [--user USER] [--wait MS]
 *
 * Requests go out in batches (sendmmsg) on a 1 ms tick paced by an
 * absolute clock: a sender that falls behind (descheduled) sends what it
 * owes at the next tick, up to 100 ms worth, so the rate over the run is
 * the one asked unless the machine cannot give it. Every request has its
 * own Call-ID and branch, so each is a new transaction to the proxy.
 *
 * Prints one line of key=value: sent, seconds (from the first send to the
 * last), rate (sent / seconds), replies, r200, r503, rother (replies by
 * code, read until --wait ms after the last send). Exit status 0, or 2 for
 * bad arguments, 1 for a socket error. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH_MAX 1024
#define MSG_MAX   1024

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_addr(const char *s, struct sockaddr_in *a)
{
	char ip[64];
	const char *c = strrchr(s, ':');
	memset(a, 0, sizeof *a);
	a->sin_family = AF_INET;
	if (c) {
		if ((size_t)(c - s) >= sizeof ip)
			return -1;
		memcpy(ip, s, (size_t)(c - s));
		ip[c - s] = '\0';
		a->sin_port = htons((uint16_t)atoi(c + 1));
	} else {
		snprintf(ip, sizeof ip, "%s", s);
	}
	return inet_pton(AF_INET, ip, &a->sin_addr) == 1 ? 0 : -1;
}

static unsigned long r200, r503, rother;

/* Read every reply waiting, counting them by status code. */
static void drain(int fd)
{
	static char bufs[64][2048];
	struct mmsghdr h[64];
	struct iovec iov[64];
	for (;;) {
		for (int i = 0; i < 64; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = sizeof bufs[i] - 1;
			memset(&h[i], 0, sizeof h[i]);
			h[i].msg_hdr.msg_iov = &iov[i];
			h[i].msg_hdr.msg_iovlen = 1;
		}
		int n = recvmmsg(fd, h, 64, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		for (int i = 0; i < n; i++) {
			bufs[i][h[i].msg_len] = '\0';
			int code = 0;
			if (sscanf(bufs[i], "SIP/2.0 %d", &code) != 1)
				continue;
			if (code == 200)
				r200++;
			else if (code == 503)
				r503++;
			else if (code >= 200)
				rother++;
		}
	}
}

int main(int argc, char **argv)
{
	const char *src = "127.0.0.1", *dst = NULL, *user = "flood";
	double rate = 1000, seconds = 1;
	long count = -1, wait_ms = 500;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--src"))
			src = argv[i + 1];
		else if (!strcmp(argv[i], "--dst"))
			dst = argv[i + 1];
		else if (!strcmp(argv[i], "--rate"))
			rate = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--count"))
			count = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--user"))
			user = argv[i + 1];
		else if (!strcmp(argv[i], "--wait"))
			wait_ms = atol(argv[i + 1]);
		else
			dst = NULL, i = argc;
	}
	struct sockaddr_in sa, da;
	if (!dst || argc % 2 == 0 || rate <= 0 || parse_addr(src, &sa) || parse_addr(dst, &da)) {
		fprintf(stderr, "usage: sip_flood --dst IP:PORT [--src IP] [--rate N] [--seconds S] "
			"[--count N] [--user USER] [--wait MS]\n");
		return 2;
	}
	if (count < 0)
		count = (long)(rate * seconds + 0.5);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int big = 8 << 20;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
	socklen_t sl = sizeof sa;
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
		perror("sip_flood: socket");
		return 1;
	}
	char sip[64], dip[64];
	inet_ntop(AF_INET, &sa.sin_addr, sip, sizeof sip);
	inet_ntop(AF_INET, &da.sin_addr, dip, sizeof dip);
	int sport = ntohs(sa.sin_port), dport = ntohs(da.sin_port);

	static char msgs[BATCH_MAX][MSG_MAX];
	static struct mmsghdr h[BATCH_MAX];
	static struct iovec iov[BATCH_MAX];
	long sent = 0;
	double start = now_s(), first = 0, last = 0;
	long tick = 0;
	while (sent < count) {
		/* What should have gone by the end of this tick, at most 100 ms
		 * of it owed at once. */
		long due = (long)(rate * (double)(tick + 1) / 1000.0 + 0.5);
		if (due > count)
			due = count;
		long owe = due - sent;
		long cap = (long)(rate / 10) + 1;
		if (owe > cap)
			owe = cap;
		while (owe > 0) {
			int n = owe > BATCH_MAX ? BATCH_MAX : (int)owe;
			for (int i = 0; i < n; i++) {
				long k = sent + i;
				int len = snprintf(msgs[i], MSG_MAX,
					"OPTIONS sip:%s@%s:%d SIP/2.0\r\n"
					"Via: SIP/2.0/UDP %s:%d;branch=z9hG4bKflood%ld.%d\r\n"
					"Max-Forwards: 70\r\n"
					"From: <sip:flood@%s>;tag=f%ld\r\n"
					"To: <sip:%s@%s>\r\n"
					"Call-ID: flood-%ld-%d@%s\r\n"
					"CSeq: 1 OPTIONS\r\n"
					"Content-Length: 0\r\n\r\n",
					user, dip, dport, sip, sport, k, (int)getpid(), sip, k, user, dip,
					k, (int)getpid(), sip);
				iov[i].iov_base = msgs[i];
				iov[i].iov_len = (size_t)len;
				memset(&h[i], 0, sizeof h[i]);
				h[i].msg_hdr.msg_name = &da;
				h[i].msg_hdr.msg_namelen = sizeof da;
				h[i].msg_hdr.msg_iov = &iov[i];
				h[i].msg_hdr.msg_iovlen = 1;
			}
			int r = sendmmsg(fd, h, (unsigned)n, 0);
			if (r < 0) {
				if (errno == EINTR || errno == EAGAIN || errno == ENOBUFS ||
				    errno == ECONNREFUSED)
					break;  /* try again at the next tick */
				perror("sip_flood: sendmmsg");
				return 1;
			}
			if (!sent)
				first = now_s();
			sent += r;
			owe -= r;
			last = now_s();
		}
		drain(fd);
		/* Sleep to the start of the next tick, or skip the ticks already
		 * gone by (what they owed is sent at the next one). */
		tick++;
		double next = start + (double)tick / 1000.0, t = now_s();
		if (next > t) {
			struct timespec ts = { 0, (long)((next - t) * 1e9) };
			nanosleep(&ts, NULL);
		} else {
			tick = (long)((t - start) * 1000.0);
		}
	}
	double end = now_s() + (double)wait_ms / 1000.0;
	while (now_s() < end) {
		drain(fd);
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	drain(fd);
	double secs = last > first ? last - first : 0;
	/* The run lasts from the first send to the last: with n requests
	 * paced evenly that is (n - 1) intervals. */
	double achieved = secs > 0 ? (double)(sent - 1) / secs : 0;
	printf("sent=%ld seconds=%.3f rate=%.0f replies=%lu r200=%lu r503=%lu rother=%lu\n", sent,
	       secs, achieved, r200 + r503 + rother, r200, r503, rother);
	close(fd);
	return 0;
}
