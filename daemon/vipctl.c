/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vipctl - ask a running vipd over its control socket: one JSON request,
 * one JSON reply (lib/ctl/ctl_proto.h has the protocol).
 *
 * Exit status: 0 success, 1 request refused (or not a valid request),
 * 2 daemon unreachable or no readable reply.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "conf/conf.h"
#include "ctl/ctl.h"
#include "ctl/ctl_compare.h"
#include "ctl/ctl_proto.h"

/* A reply larger than this is not from vipd. */
#define VIPCTL_REPLY_MAX (64u * 1024 * 1024)

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: vipctl [-s SOCKET] COMMAND\n"
	    "  status [--json]   instances, states, masters, recent transitions\n"
	    "  dump [--json]     the same as the SIGUSR1 dump (vipd.data, vipd.json)\n"
	    "  stats [--json]    counters\n"
	    "  conns [--json]    connection-table sync: role, peer, entries, drops\n"
	    "  reload            reload the configuration, say whether it was accepted\n"
	    "  fault INSTANCE on|off  forced FAULT for drills (a master hands over first)\n"
	    "  drill INSTANCE [--hold SECONDS]  measured hand-over and take-back, on\n"
	    "                    the master; exits 1 if no peer took over\n"
	    "  backend SERVICE ADDRESS:PORT drain|enable|weight N  a backend's\n"
	    "                    weight at run time (drain = 0), until reload\n"
	    "  compare FILE...|-  several nodes' status --json side by side: each\n"
	    "                    service's table digest and announce state; exits\n"
	    "                    1 when nodes disagree (no socket used)\n"
	    "exit status: 0 ok, 1 refused, 2 vipd unreachable\n"
	    "socket default: %s/%s\n", CONF_DEFAULT_STATE_DIR, CTL_SOCKET_NAME);
}

/*
 * Read the whole reply (vipd closes after it); NULL on a read error.
 * A reset after some bytes is the end of the reply, not an error: vipd
 * closes at once when it refuses a peer (not root, busy), and a request
 * still unread on its side makes the kernel report ECONNRESET once the
 * reply queued to us has been read. What came is parsed all the same.
 */
static char *
read_reply(int fd, size_t *len)
{
	size_t cap = 65536, used = 0;
	char *buf = malloc(cap), *bigger;
	ssize_t n;

	while (buf != NULL) {
		if (used == cap) {
			if (cap >= VIPCTL_REPLY_MAX ||
			    (bigger = realloc(buf, cap * 2)) == NULL)
				break;
			buf = bigger;
			cap *= 2;
		}
		if ((n = read(fd, buf + used, cap - used)) < 0) {
			if (errno == EINTR)
				continue;
			if (errno != ECONNRESET || used == 0)
				break;
			n = 0;
		}
		if (n == 0) {
			*len = used;
			return buf;
		}
		used += (size_t)n;
	}
	free(buf);
	return NULL;
}

static int
connect_to(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "vipctl: socket path too long: %s\n", path);
		return -1;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		if (errno == EACCES || errno == EPERM)
			fprintf(stderr, "vipctl: cannot reach vipd at %s: %s (the "
			    "control socket is for root only: run vipctl as "
			    "root)\n", path, strerror(errno));
		else
			fprintf(stderr, "vipctl: cannot reach vipd at %s: %s (is "
			    "vipd running? see -s)\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Print what the reply says; the exit status follows it. */
static int
print_reply(const char *buf, size_t len)
{
	struct ctl_reply reply;
	char why[160];

	if (ctl_proto_parse_reply(buf, len, &reply, why, sizeof(why)) < 0) {
		fprintf(stderr, "vipctl: vipd sent %s (%s)\n", len ? "a reply "
		    "vipctl cannot read" : "no reply", len ? why : "connection "
		    "closed");
		return 2;
	}
	if (reply.ok && reply.result != NULL)
		printf("%.*s\n", (int)reply.result_len, reply.result);
	else if (reply.ok && reply.text != NULL)
		fputs(reply.text, stdout);
	else if (!reply.ok)
		fprintf(stderr, "%s%s", reply.error ? reply.error : "refused",
		    reply.error && *reply.error &&
		    reply.error[strlen(reply.error) - 1] == '\n' ? "" : "\n");
	ctl_proto_reply_free(&reply);
	return reply.ok ? 0 : 1;
}

/* The whole of f (allocated, *len bytes), or NULL. */
static char *
read_all(FILE *f, size_t *len)
{
	size_t cap = 65536, used = 0, n;
	char *buf = malloc(cap), *bigger;

	while (buf != NULL) {
		if (used == cap) {
			if (cap >= VIPCTL_REPLY_MAX ||
			    (bigger = realloc(buf, cap * 2)) == NULL)
				break;
			buf = bigger;
			cap *= 2;
		}
		n = fread(buf + used, 1, cap - used, f);
		used += n;
		if (n == 0) {
			if (ferror(f))
				break;
			*len = used;
			return buf;
		}
	}
	free(buf);
	return NULL;
}

/*
 * vipctl compare FILE...|-: every document of every file (`-`: standard
 * input) as one node. 0 all agree, 1 some disagree, 2 unreadable input.
 */
static int
compare(char **files, int nfiles)
{
	static struct ctl_compare_node nodes[CTL_COMPARE_NODES_MAX];
	size_t n = 0, len, used, off;
	char why[96], *text;
	FILE *f;

	if (nfiles == 0) {
		fprintf(stderr, "usage: vipctl compare FILE...|-  (each the "
		    "output of vipctl status --json on a node)\n");
		return 1;
	}
	for (int i = 0; i < nfiles; i++) {
		bool in = strcmp(files[i], "-") == 0;

		if ((f = in ? stdin : fopen(files[i], "r")) == NULL) {
			fprintf(stderr, "vipctl: %s: %s\n", files[i],
			    strerror(errno));
			return 2;
		}
		text = read_all(f, &len);
		if (!in)
			fclose(f);
		if (text == NULL) {
			fprintf(stderr, "vipctl: %s: cannot read\n", files[i]);
			return 2;
		}
		for (off = 0; off < len; off += used) {
			while (off < len && strchr(" \t\r\n", text[off]) != NULL)
				off++;
			if (off == len)
				break;
			if (n == CTL_COMPARE_NODES_MAX) {
				fprintf(stderr, "vipctl: more than %d nodes\n",
				    CTL_COMPARE_NODES_MAX);
				free(text);
				return 2;
			}
			memset(&nodes[n], 0, sizeof(nodes[n]));
			if (ctl_compare_parse(text + off, len - off, &nodes[n],
			    &used, why, sizeof(why)) < 0) {
				fprintf(stderr, "vipctl: %s: %s\n", files[i], why);
				free(text);
				return 2;
			}
			if (nodes[n].name[0] == '\0')
				snprintf(nodes[n].name, sizeof(nodes[n].name),
				    "%s", files[i]);
			n++;
		}
		free(text);
	}
	return ctl_compare_report(stdout, nodes, n) > 0 ? 1 : 0;
}

int
main(int argc, char **argv)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char request[CTL_REQUEST_MAX + 1];
	char *reply;
	size_t reply_len = 0;
	int fd, argi = 1, len, status;

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
	if (strcmp(argv[argi], "compare") == 0)
		return compare(argv + argi + 1, argc - argi - 1);
	len = ctl_proto_format_request(request, sizeof(request), argv[argi],
	    argv + argi + 1, (size_t)(argc - argi - 1));
	if (len < 0) {
		fprintf(stderr, "vipctl: bad request: a command is a word of "
		    "a-z 0-9 - _, with at most %d arguments shorter than %d "
		    "bytes\n", CTL_ARGS_MAX, CTL_ARG_MAX);
		return 1;
	}
	if ((fd = connect_to(path)) < 0)
		return 2;
	/*
	 * vipd may refuse us (not root, busy) and close before the request is
	 * out: no SIGPIPE then, and its reason is waiting to be read.
	 */
	if (send(fd, request, (size_t)len, MSG_NOSIGNAL) != len &&
	    errno != EPIPE && errno != ECONNRESET) {
		fprintf(stderr, "vipctl: cannot send to vipd at %s: %s\n", path,
		    strerror(errno));
		close(fd);
		return 2;
	}
	shutdown(fd, SHUT_WR);
	reply = read_reply(fd, &reply_len);
	close(fd);
	if (reply == NULL) {
		fprintf(stderr, "vipctl: cannot read the reply of vipd at %s: "
		    "%s\n", path, strerror(errno));
		return 2;
	}
	status = print_reply(reply, reply_len);
	free(reply);
	return status;
}
