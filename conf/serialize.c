/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kc_serialize: the normalized kdump.conf handed to the capture initrd. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kdumpconf.h"

static void kv(FILE *f, const char *key, const char *val)
{
	if (val)
		fprintf(f, "%s %s\n", key, val);
}

int kc_serialize(const struct kdump_conf *c, char **ret, struct ec_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return ec_set_err(err, -ENOMEM, "serialize: out of memory");
	fprintf(f, "%s\n", KC_NORMALIZED_MAGIC);
	for (size_t i = 0; i < c->n_targets; i++)
		fprintf(f, "%s %s\n", c->targets[i].fstype, c->targets[i].spec);
	kv(f, "path", c->path ? c->path : KC_DEFAULT_PATH);
	kv(f, "sshkey", c->sshkey ? c->sshkey : KC_DEFAULT_SSHKEY);
	kv(f, "core_collector", c->core_collector ? c->core_collector : KC_DEFAULT_COLLECTOR);
	kv(f, "failure_action", kc_action_name(c->failure_action));
	kv(f, "final_action", kc_action_name(c->final_action));
	fprintf(f, "sample_rate %u\n", c->sample_rate);
	kv(f, "encrypt_to", c->encrypt_to);
	kv(f, "kdump_pre", c->kdump_pre);
	kv(f, "kdump_post", c->kdump_post);
	kv(f, "extra_bins", c->extra_bins);
	kv(f, "extra_modules", c->extra_modules);
	kv(f, "dracut_args", c->dracut_args);
	kv(f, "blacklist", c->blacklist);
	if (c->options) {
		const char *p = c->options;

		while (*p) {
			size_t l = strcspn(p, "\n");

			fprintf(f, "options %.*s\n", (int)l, p);
			p += l + (p[l] == '\n');
		}
	}
	kv(f, "fence_kdump_args", c->fence_kdump_args);
	kv(f, "fence_kdump_nodes", c->fence_kdump_nodes);
	if (c->force_rebuild)
		fprintf(f, "force_rebuild 1\n");
	if (c->force_no_rebuild)
		fprintf(f, "force_no_rebuild 1\n");
	if (c->auto_reset_crashkernel)
		fprintf(f, "auto_reset_crashkernel 1\n");
	if (c->link_delay >= 0)
		fprintf(f, "link_delay %d\n", c->link_delay);
	if (c->disk_timeout >= 0)
		fprintf(f, "disk_timeout %d\n", c->disk_timeout);
	if (fclose(f) != 0 || !buf) {
		free(buf);
		return ec_set_err(err, -ENOMEM, "serialize: out of memory");
	}
	*ret = buf;
	return 0;
}
