/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_vmac - use_vmac and vmac_name (see conf_vmac.h).
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "conf/conf_vmac.h"

void
conf_vmac_load(struct conf_ctx *ctx, const config_setting_t *g,
    const char *where, struct conf_instance *in)
{
	const config_setting_t *s = config_setting_get_member(g, "vmac_name");
	const char *name;
	char q[48];
	bool b;

	if (conf_get_bool(ctx, g, where, "use_vmac", &b) > 0)
		in->use_vmac = b;
	snprintf(in->vmac_name, sizeof(in->vmac_name), "%s.%u",
	    in->family == AF_INET6 ? "vrrp6" : "vrrp", in->vrid);
	if (conf_get_string(ctx, g, where, "vmac_name", &name) <= 0)
		return;
	if (!in->use_vmac)
		conf_error(ctx, s, "%s.vmac_name: only with use_vmac = true",
		    where);
	else if (!conf_valid_name(name, CONF_IFNAME_MAX - 1))
		conf_error(ctx, s, "%s.vmac_name: '%s' is not an interface "
		    "name (1..%d characters from A-Z a-z 0-9 _ . -)", where,
		    conf_quote(name, q, sizeof(q)), CONF_IFNAME_MAX - 1);
	else if (strcmp(name, in->interface) == 0)
		conf_error(ctx, s, "%s.vmac_name: '%s' is the instance's own "
		    "interface; the VMAC interface is created on top of it",
		    where, name);
	else
		snprintf(in->vmac_name, sizeof(in->vmac_name), "%s", name);
}

static const config_setting_t *
vmac_setting(const config_setting_t *list, size_t i)
{
	const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
	const config_setting_t *s = config_setting_get_member(g, "vmac_name");

	return s != NULL ? s : config_setting_get_member(g, "use_vmac");
}

void
conf_vmac_check(struct conf_ctx *ctx, const config_setting_t *list,
    const struct conf *conf)
{
	for (size_t i = 0; i < conf->ninstances; i++) {
		const struct conf_instance *a = &conf->instances[i];

		for (size_t j = 0; a->use_vmac && j < i; j++) {
			const struct conf_instance *b = &conf->instances[j];

			if (!b->use_vmac || strcmp(a->vmac_name, b->vmac_name) != 0)
				continue;
			conf_error(ctx, vmac_setting(list, i), "vrrp_instances[%s]"
			    ".vmac_name: '%s' is already the VMAC interface of "
			    "%s (line %d); set vmac_name", a->name, a->vmac_name,
			    b->name, b->line);
			break;
		}
	}
}
