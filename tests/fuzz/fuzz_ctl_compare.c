/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for `vipctl compare`'s reader: whatever the files hold
 * goes through ctl_compare_parse() as vipctl reads them (documents one
 * after the other), and every node read goes into the report.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl_compare.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ctl_compare_node nodes[4];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	size_t n = 0, off = 0, used;
	char why[96];
	FILE *f;

	while (off < size && n < 4) {
		memset(&nodes[n], 0, sizeof(nodes[n]));
		if (ctl_compare_parse(text + off, size - off, &nodes[n], &used,
		    why, sizeof(why)) < 0)
			break;
		if (used == 0 || used > size - off)
			abort();
		off += used;
		/* Names are always terminated strings. */
		if (strlen(nodes[n].name) >= sizeof(nodes[n].name))
			abort();
		n++;
	}
	if ((f = fopen("/dev/null", "w")) != NULL) {
		(void)ctl_compare_report(f, nodes, n);
		fclose(f);
	}
	return 0;
}
