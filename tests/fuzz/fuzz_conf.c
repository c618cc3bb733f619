/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the config loader: any text goes through the same
 * path as a file vipd reads (lexical pre-check, libconfig, validation), as
 * a NUL-terminated copy since that is what conf_load_string takes. On
 * success the model must be whole (instances present, each with a VIP);
 * on failure there must be a reason and no model.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/*
 * libconfig 1.5 leaks a string token that comes where its grammar wants
 * none ('"a";' or '"";' at the top level): bison drops the look-ahead
 * token without freeing what the scanner allocated for it. A few bytes per
 * refused file, inside libconfig. Only the scanner's allocations are
 * excused: the settings and names the parser builds are still checked, so
 * a missing config_destroy() would show.
 */
const char *
__lsan_default_suppressions(void)
{
	return "leak:libconfig_yylex\nleak:strbuf_append\n";
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conf_errors errs;         /* 32 KiB: not on the stack */
	struct conf *conf;
	char *text;
	int rc;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	rc = conf_load_string(text, "fuzz.conf", &conf, &errs);
	if (rc == 0) {
		if (conf == NULL || errs.count != 0)
			abort();
		for (size_t i = 0; i < conf->ninstances; i++) {
			const struct conf_instance *in = &conf->instances[i];

			if (in->nvips == 0 || in->nvips > CONF_VIPS_MAX ||
			    in->vrid == 0 || in->priority == 0 ||
			    conf_find_instance(conf, in->name) != in ||
			    !conf_instance_equal(in, in))
				abort();
		}
	} else if (conf != NULL || errs.count == 0 || errs.stored == 0 ||
	    errs.stored > CONF_MAX_ERRORS)
		abort();
	for (size_t i = 0; i < errs.stored; i++)
		if (memchr(errs.msg[i], '\0', CONF_ERROR_LEN) == NULL)
			abort();
	conf_free(conf);
	free(text);
	return 0;
}
