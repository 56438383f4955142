/* SPDX-License-Identifier: MIT */
/* cmd_hotfix.c: `ferry hotfix apply SRC HOTFIX...` and `ferry hotfix list SRC`. */
#include "cli.h"

#include "ferry/catalog/catalog.h"
#include "ferry/store/ctx.h"
#include "ferry/base/error.h"
#include "ferry/lifecycle/hotfix.h"

#include <stdio.h>
#include <string.h>
#include <stdlib.h>

/* The release rules come from the product catalog (docs/CATALOG.md). */
static struct ferry_catalog *open_catalog(struct cli *cli, int *ec)
{
	struct ferry_catalog *cat = NULL;
	struct ferry_error err;
	int rc;

	ferry_error_clear(&err);
	rc = ferry_catalog_open_settings(cli->settings, NULL, &cat, &err);
	if (rc)
		*ec = cli_fail(cli, &err);
	return rc ? NULL : cat;
}

static int hotfix_apply(struct cli *cli, const struct cli_args *a)
{
	struct ferry_catalog *cat;
	struct ferry_error err;
	json_t *rep = NULL, *h;
	size_t i;
	int ec = EXIT_FAILED;

	if (!(cat = open_catalog(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_hotfix_apply(cat, cli_pos(a, 0), (const char *const *)a->pos + 1,
			       (size_t)(a->npos - 1), cli->settings, &rep, &err)) {
		ferry_catalog_free(cat);
		return cli_fail(cli, &err);
	}
	ferry_catalog_free(cat);
	if (cli->json) {
		cli_print_json(rep);
	} else if (!cli->quiet) {
		json_array_foreach(json_object_get(rep, "hotfixes"), i, h) {
			const char *st = json_string_value(json_object_get(h, "status"));
			printf("%-16s %s\n", json_string_value(json_object_get(h, "id")),
			       !strcmp(st, "installed") ? "installed" :
			       !strcmp(st, "already-present") ? "already in the code: recorded as installed" :
			       "already installed: skipped");
		}
	}
	json_decref(rep);
	return EXIT_OK;
}

static int hotfix_list(struct cli *cli, const struct cli_args *a)
{
	static const struct cli_col cols[] = {
		{ "id", "HOTFIX" }, { "releases", "RELEASES" }, { "prerequisites", "PREREQUISITES" },
		{ "installed_at", "INSTALLED" }, { "title", "TITLE" }, { NULL, NULL }
	};
	struct ferry_error err;
	json_t *arr;

	ferry_error_clear(&err);
	if (ferry_hotfix_list(cli_pos(a, 0), &arr, &err))
		return cli_fail(cli, &err);
	return cli_print_rows(cli, arr, cols);
}

static const struct cli_command apply_cmd = {
	"apply", "SRC HOTFIX...", 2, -1, NULL, "apply hotfix packages to a source tree", NULL,
	CLI_LOCAL, hotfix_apply
};
static const struct cli_command list_cmd = {
	"list", "SRC", 1, 1, NULL, "the hotfixes installed in a source tree", NULL,
	CLI_LOCAL | CLI_READ, hotfix_list
};

const struct cli_command *const cli_hotfix_cmds[] = { &apply_cmd, &list_cmd, NULL };
