/* cmd_feature.c: `ferry feature list|enable|disable NAME --project P`. */
#include "cli.h"

#include "ferry/store/ctx.h"
#include "ferry/base/error.h"
#include "ferry/project/feature.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static int parse_project(int argc, char **argv, const char *usage, const char **project)
{
	static const struct option opts[] = {
		{ "project", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	*project = NULL;
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'P')
			return cli_usage(usage, "unknown or incomplete option '%s'", argv[optind - 1]);
		*project = optarg;
	}
	if (!*project)
		return cli_usage(usage, "missing --project");
	return 0;
}

static int feature_list(struct cli *cli, int argc, char **argv)
{
	static const char *const usage = "ferry feature list --project P [--json]";
	static const char *const cols[] = { "name", "enabled", "description", NULL };
	static const char *const heads[] = { "FEATURE", "ENABLED", "DESCRIPTION", NULL };
	const char *project;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	json_t *arr;
	int ec;

	if ((ec = parse_project(argc, argv, usage, &project)))
		return ec;
	if (optind != argc)
		return cli_usage(usage, "unexpected argument '%s'", argv[optind]);
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_feature_list(ctx, project, &arr, &err))
		return cli_fail(cli, &err);
	cli_emit_table(cli, arr, cols, heads);
	return EXIT_OK;
}

static int feature_switch(struct cli *cli, int argc, char **argv, int on)
{
	const char *usage = on ? "ferry feature enable NAME --project P"
			       : "ferry feature disable NAME --project P";
	const char *project;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	int ec;

	if ((ec = parse_project(argc, argv, usage, &project)))
		return ec;
	if (optind != argc - 1)
		return cli_usage(usage, optind >= argc ? "missing feature NAME" : "too many arguments");
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_feature_set(ctx, project, argv[optind], on, &err))
		return cli_fail(cli, &err);
	if (!cli->quiet && !cli->json)
		printf("Feature '%s' %s for project '%s'\n", argv[optind],
		       on ? "enabled" : "disabled", project);
	return EXIT_OK;
}

static int feature_enable(struct cli *cli, int argc, char **argv)
{
	return feature_switch(cli, argc, argv, 1);
}

static int feature_disable(struct cli *cli, int argc, char **argv)
{
	return feature_switch(cli, argc, argv, 0);
}

int cmd_feature(struct cli *cli, int argc, char **argv)
{
	static const struct cli_cmd table[] = {
		{ "list", feature_list, "list --project P [--json]" },
		{ "enable", feature_enable, "enable NAME --project P" },
		{ "disable", feature_disable, "disable NAME --project P" },
		{ NULL, NULL, NULL }
	};
	return cli_dispatch(cli, "feature", table, argc, argv);
}
