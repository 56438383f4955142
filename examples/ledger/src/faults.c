/* SPDX-License-Identifier: MIT */
/* faults.c: fault switches ("faults" in the config file) that reproduce known intermittent
 * failures; how many times each fired is kept in <state_dir>/faults/<name>.count so a retry
 * (ferry's resume) sees the next attempt. */
#include "ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ledger_fault_fire(const struct ledger_config *c, const char *name, long long *total, struct lerr *e)
{
	json_t *v = json_object_get(c->faults, name);
	char dir[4096], path[4200], tmp[4300];
	long long n = json_is_integer(v) ? json_integer_value(v) : 0, fired = 0;
	char *text;
	FILE *f;

	if (n <= 0)
		return 0;
	if (!c->state_dir)
		return lerr_set(e, 400, "config '%s': fault '%s' needs \"state_dir\" to count its failures",
				c->path, name);
	snprintf(dir, sizeof(dir), "%s/faults", c->state_dir);
	snprintf(path, sizeof(path), "%s/%s.count", dir, name);
	text = ledger_read_file(path, NULL);
	if (text) {
		text[strcspn(text, "\n")] = '\0';
		if (ledger_parse_long(text, 0, 1LL << 40, &fired))
			fired = 0;
		free(text);
	}
	if (fired >= n)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (ledger_mkdir_p(dir) || !(f = fopen(tmp, "w")))
		return lerr_set(e, 500, "cannot record fault '%s' in '%s'", name, dir);
	fprintf(f, "%lld\n", fired + 1);
	if (fclose(f) || rename(tmp, path))
		return lerr_set(e, 500, "cannot record fault '%s' in '%s'", name, path);
	if (total)
		*total = n;
	return (int)(fired + 1);
}
