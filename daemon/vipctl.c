/*
 * vipctl - ask a running vipd over its control socket (see lib/ctl.h).
 *
 * Exit status: 0 success, 1 request refused, 2 daemon unreachable.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "conf.h"
#include "ctl.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: vipctl [-s SOCKET] COMMAND\n"
	    "  status [--json]   instances, states, masters\n"
	    "  dump              the same as the SIGUSR1 text dump\n"
	    "  stats             counters\n"
	    "  reload            reload the configuration, say whether it was accepted\n"
	    "  fault INSTANCE on|off  forced FAULT for drills (a master hands over first)\n"
	    "  drill INSTANCE [--hold SECONDS]  measured hand-over and take-back, on\n"
	    "                    the master; exits 1 if no peer took over\n"
	    "socket default: %s/%s\n", CONF_DEFAULT_STATE_DIR, CTL_SOCKET_NAME);
}

int
main(int argc, char **argv)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char request[CTL_REQUEST_MAX], buf[4096];
	struct sockaddr_un sun;
	size_t used = 0;
	ssize_t n;
	int fd, argi = 1, status = -1;
	char *line_end;
	FILE *in;

	snprintf(path, sizeof(path), "%s/%s", CONF_DEFAULT_STATE_DIR, CTL_SOCKET_NAME);
	if (argi + 1 < argc && strcmp(argv[argi], "-s") == 0) {
		snprintf(path, sizeof(path), "%s", argv[argi + 1]);
		argi += 2;
	}
	if (argi >= argc || strcmp(argv[argi], "-h") == 0 ||
	    strcmp(argv[argi], "--help") == 0) {
		usage(argi >= argc ? stderr : stdout);
		return argi >= argc ? 1 : 0;
	}
	request[0] = '\0';
	for (int i = argi; i < argc; i++) {
		used += (size_t)snprintf(request + used, sizeof(request) - used, "%s%s",
		    i > argi ? " " : "", argv[i]);
		if (used >= sizeof(request) - 2) {
			fprintf(stderr, "vipctl: request too long\n");
			return 1;
		}
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "vipctl: cannot reach vipd at %s: %s\n", path,
		    strerror(errno));
		return 2;
	}
	if (dprintf(fd, "%s\n", request) < 0) {
		fprintf(stderr, "vipctl: cannot send to vipd: %s\n", strerror(errno));
		return 2;
	}
	if ((in = fdopen(fd, "r")) == NULL)
		return 2;
	/* First line: OK or REFUSED; the rest is the answer as it is. */
	if (fgets(buf, sizeof(buf), in) != NULL) {
		if ((line_end = strchr(buf, '\n')) != NULL)
			*line_end = '\0';
		status = strcmp(buf, "OK") == 0 ? 0 : 1;
	}
	if (status < 0) {
		fprintf(stderr, "vipctl: vipd closed the connection without an answer\n");
		fclose(in);
		return 2;
	}
	while ((n = (ssize_t)fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, (size_t)n, status == 0 ? stdout : stderr);
	fclose(in);
	return status;
}
