/* cmd_hotfix.c: `ferry hotfix apply SRC HOTFIX...` and `ferry hotfix list SRC`. */
#include "cli.h"

#include "ferry/catalog/catalog.h"
#include "ferry/store/ctx.h"
#include "ferry/base/error.h"
#include "ferry/lifecycle/hotfix.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

static int no_options(int argc, char **argv, const char *usage)
{
	static const struct option opts[] = { { NULL, 0, NULL, 0 } };

	cli_getopt_reset();
	if (getopt_long(argc, argv, "", opts, NULL) != -1)
		return cli_usage(usage, "unknown option '%s'", argv[optind - 1]);
	return 0;
}

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

static int hotfix_apply(struct cli *cli, int argc, char **argv)
{
	static const char *const usage = "ferry hotfix apply SRC HOTFIX... [--json]";
	struct ferry_catalog *cat;
	struct ferry_error err;
	json_t *rep = NULL, *h;
	size_t i;
	int ec;

	if ((ec = no_options(argc, argv, usage)))
		return ec;
	if (argc - optind < 2)
		return cli_usage(usage, argc - optind < 1 ? "missing SRC" : "missing HOTFIX package");
	if (!(cat = open_catalog(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_hotfix_apply(cat, argv[optind], (const char *const *)argv + optind + 1,
			       (size_t)(argc - optind - 1), cli->settings, &rep, &err)) {
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

static int hotfix_list(struct cli *cli, int argc, char **argv)
{
	static const char *const usage = "ferry hotfix list SRC [--json]";
	static const char *const cols[] = { "id", "releases", "prerequisites", "installed_at", "title", NULL };
	static const char *const heads[] = { "HOTFIX", "RELEASES", "PREREQUISITES", "INSTALLED", "TITLE", NULL };
	struct ferry_error err;
	json_t *arr;
	int ec;

	if ((ec = no_options(argc, argv, usage)))
		return ec;
	if (argc - optind != 1)
		return cli_usage(usage, argc == optind ? "missing SRC" : "too many arguments");
	ferry_error_clear(&err);
	if (ferry_hotfix_list(argv[optind], &arr, &err))
		return cli_fail(cli, &err);
	cli_emit_table(cli, arr, cols, heads);
	return EXIT_OK;
}

int cmd_hotfix(struct cli *cli, int argc, char **argv)
{
	static const struct cli_cmd table[] = {
		{ "apply", hotfix_apply, "apply SRC HOTFIX...  apply hotfix packages to a source tree" },
		{ "list", hotfix_list, "list SRC [--json]    hotfixes installed in a source tree" },
		{ NULL, NULL, NULL }
	};
	return cli_dispatch(cli, "hotfix", table, argc, argv);
}
