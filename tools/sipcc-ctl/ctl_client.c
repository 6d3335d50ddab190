/* sipcc-ctl --ctl PATH: send one command to a running proxy's control
 * socket (runtime/proxy/ctl.h) and print its JSON reply. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <stdbool.h>
#include <unistd.h>

int ctl_socket_cmd(const char *prog, const char *path, int argc, char **argv);
int ctl_socket_cmd_to(const char *prog, const char *path, int argc, char **argv, FILE *out);

#define CTL_SOCKET_WAIT_MS 5000

/* The words of argv joined by spaces, sent as one line to path; the reply
 * line is printed to stdout. Exit status as sipcc-ctl's: 0 when the proxy
 * said ok, 1 when it refused, 2 usage, 3 no answer. */
int ctl_socket_cmd(const char *prog, const char *path, int argc, char **argv)
{
	return ctl_socket_cmd_to(prog, path, argc, argv, stdout);
}

/* The same, the reply line written to out (NULL: not written). */
int ctl_socket_cmd_to(const char *prog, const char *path, int argc, char **argv, FILE *out)
{
	char line[1024];
	size_t n = 0;
	for (int i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]);
		if (n + l + 2 > sizeof line || strpbrk(argv[i], " \t\r\n")) {
			fprintf(stderr, "%s: the command is too long or has a word with a blank\n", prog);
			return 2;
		}
		if (i)
			line[n++] = ' ';
		memcpy(line + n, argv[i], l);
		n += l;
	}
	line[n++] = '\n';
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sa.sun_path) {
		fprintf(stderr, "%s: control socket path too long: %s\n", prog, path);
		return 2;
	}
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		fprintf(stderr, "%s: cannot connect to %s: %s\n", prog, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 3;
	}
	if (send(fd, line, n, MSG_NOSIGNAL) != (ssize_t)n) {
		fprintf(stderr, "%s: cannot send to %s: %s\n", prog, path, strerror(errno));
		close(fd);
		return 3;
	}
	/* The reply is one line; read it to its newline. */
	char buf[65536];
	size_t got = 0;
	bool ok = false, done = false, first = true;
	while (!done) {
		struct pollfd p = { fd, POLLIN, 0 };
		int r = poll(&p, 1, CTL_SOCKET_WAIT_MS);
		if (r <= 0) {
			fprintf(stderr, "%s: no reply from %s\n", prog, path);
			close(fd);
			return 3;
		}
		ssize_t k = recv(fd, buf, sizeof buf, 0);
		if (k <= 0) {
			fprintf(stderr, "%s: %s closed the connection\n", prog, path);
			close(fd);
			return 3;
		}
		if (first && (size_t)k >= 10)
			ok = strncmp(buf, "{\"ok\":true", 10) == 0;
		first = false;
		char *nl = memchr(buf, '\n', (size_t)k);
		size_t keep = nl ? (size_t)(nl - buf) + 1 : (size_t)k;
		if (out)
			fwrite(buf, 1, keep, out);
		got += keep;
		done = nl != NULL;
	}
	close(fd);
	if (out)
		fflush(out);
	return ok ? 0 : 1;
}
