/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the control protocol: whatever a root client writes
 * on vipd.sock goes through ctl_proto_parse_request() exactly as in
 * lib/ctl/ctl.c; a request that parses must format back to text that parses to
 * the same request. The reply parser (vipctl's side) gets the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_round_trip(const struct ctl_request *req)
{
	char buf[CTL_REQUEST_MAX + 1], why[160];
	char *args[CTL_ARGS_MAX];
	struct ctl_request again;
	int n;

	for (size_t i = 0; i < req->nargs; i++)
		args[i] = (char *)req->args[i];
	n = ctl_proto_format_request(buf, sizeof(buf), req->command, args,
	    req->nargs);
	/* Escaping can make a request just under the limit go over it. */
	if (n < 0)
		return;
	if (ctl_proto_parse_request(buf, (size_t)n, &again, why, sizeof(why)) != 0)
		abort();
	if (strcmp(again.command, req->command) != 0 || again.nargs != req->nargs)
		abort();
	for (size_t i = 0; i < req->nargs; i++)
		if (strcmp(again.args[i], req->args[i]) != 0)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_request req;
	struct ctl_reply reply;
	char why[160];

	if (ctl_proto_parse_request((const char *)data, size, &req, why,
	    sizeof(why)) == 0)
		check_round_trip(&req);
	else if (why[0] == '\0')
		abort();                /* every refusal must say why */
	if (ctl_proto_parse_reply((const char *)data, size, &reply, why,
	    sizeof(why)) == 0)
		ctl_proto_reply_free(&reply);
	return 0;
}
