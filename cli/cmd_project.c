/* cmd_project.c: `ferry init` and `ferry project create|list|show|rm|set`. */
#include "cli.h"

#include "ferry/store/ctx.h"
#include "ferry/registry/registry.h"
#include "ferry/base/error.h"
#include "ferry/project/project.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_init(struct cli *cli, int argc, char **argv)
{
	const char *home = cli->settings->home;
	struct ferry_error err;
	int rc;

	(void)argv;
	if (argc > 1)
		return cli_usage("ferry init [--home DIR]", "unexpected argument '%s'", argv[1]);
	ferry_error_clear(&err);
	rc = ferry_ctx_init_home(cli->settings, &err);
	if (rc)
		return cli_fail(cli, &err);
	if (cli->json) {
		json_t *o = json_pack("{s:s}", "home", home);
		cli_print_json(o);
		json_decref(o);
	} else if (!cli->quiet)
		printf("Initialized ferry home in %s\n", home);
	return EXIT_OK;
}

#define CREATE_USAGE "ferry project create NAME [--product PRODUCT] [--description TEXT]"

static int project_create(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "product", required_argument, NULL, 'p' },
		{ "description", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	const char *product = NULL, *desc = NULL;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	int c, ec;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'p')
			product = optarg;
		else if (c == 'd')
			desc = optarg;
		else
			return cli_usage(CREATE_USAGE, "unknown or incomplete option '%s'", argv[optind - 1]);
	}
	if (optind != argc - 1)
		return cli_usage(CREATE_USAGE, optind >= argc ? "missing project NAME" : "too many arguments");
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_project_create(ctx, argv[optind], product, desc, &err))
		return cli_fail(cli, &err);
	if (!cli->quiet && !cli->json)
		printf("Created project '%s'\n", argv[optind]);
	return EXIT_OK;
}

static int project_list(struct cli *cli, int argc, char **argv)
{
	static const char *const cols[] = { "name", "product", "allow_unsigned", "created", NULL };
	static const char *const heads[] = { "NAME", "PRODUCT", "UNSIGNED", "CREATED", NULL };
	struct ferry_error err;
	struct ferry_ctx *ctx;
	json_t *arr;
	int ec;

	if (argc > 1)
		return cli_usage("ferry project list [--json]", "unexpected argument '%s'", argv[1]);
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_project_list(ctx, &arr, &err))
		return cli_fail(cli, &err);
	cli_emit_table(cli, arr, cols, heads);
	return EXIT_OK;
}

static int project_show(struct cli *cli, int argc, char **argv)
{
	static const char *const keys[] = { "name", "product", "description", "allow_unsigned",
					    "created", NULL };
	struct ferry_project p;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	json_t *o;
	int ec;

	if (argc != 2)
		return cli_usage("ferry project show NAME [--json]",
				 argc < 2 ? "missing project NAME" : "too many arguments");
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_project_get(ctx, argv[1], &p, &err))
		return cli_fail(cli, &err);
	o = ferry_project_to_json(&p);
	cli_emit_fields(cli, o, keys);
	return EXIT_OK;
}

static int project_rm(struct cli *cli, int argc, char **argv)
{
	struct ferry_error err;
	struct ferry_ctx *ctx;
	int ec;

	if (argc != 2)
		return cli_usage("ferry project rm NAME",
				 argc < 2 ? "missing project NAME" : "too many arguments");
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_project_rm(ctx, argv[1], &err))
		return cli_fail(cli, &err);
	if (!cli->quiet && !cli->json)
		printf("Removed project '%s'\n", argv[1]);
	return EXIT_OK;
}

#define SET_USAGE "ferry project set NAME --allow-unsigned yes|no"

static int project_set(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "allow-unsigned", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 }
	};
	struct ferry_error err;
	struct ferry_ctx *ctx;
	int c, ec, allow = -1;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'u')
			return cli_usage(SET_USAGE, "unknown or incomplete option '%s'", argv[optind - 1]);
		if (!strcmp(optarg, "yes"))
			allow = 1;
		else if (!strcmp(optarg, "no"))
			allow = 0;
		else
			return cli_usage(SET_USAGE, "--allow-unsigned takes yes or no, not '%s'", optarg);
	}
	if (optind != argc - 1 || allow < 0)
		return cli_usage(SET_USAGE, optind >= argc ? "missing project NAME" : "nothing to set");
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_project_set_allow_unsigned(ctx, argv[optind], allow, &err))
		return cli_fail(cli, &err);
	if (!cli->quiet && !cli->json)
		printf("Project '%s' %s unsigned packages\n", argv[optind], allow ? "accepts" : "refuses");
	return EXIT_OK;
}

int cmd_project(struct cli *cli, int argc, char **argv)
{
	static const struct cli_cmd table[] = {
		{ "create", project_create, "create NAME [--product P] [--description TEXT]" },
		{ "list", project_list, "list [--json]" },
		{ "show", project_show, "show NAME [--json]" },
		{ "set", project_set, "set NAME --allow-unsigned yes|no" },
		{ "rm", project_rm, "rm NAME" },
		{ NULL, NULL, NULL }
	};
	return cli_dispatch(cli, "project", table, argc, argv);
}
