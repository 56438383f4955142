/* SPDX-License-Identifier: MIT */
/* cmd_env.c: `ferry env create|list|show|rm` and the table of every `ferry env`
 * command (the runtime ones in cmd_runtime.c, servicing in cmd_servicing.c, the data
 * upgrade rehearsal in cmd_db.c). */
#include "cli.h"
#include "backend.h"
#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/project/env.h"

#include <stdio.h>
#include <string.h>

static const struct cli_opt create_opts[] = {
	{ "project", 0, "P", CLI_OPT_REQUIRED, "the project it belongs to" },
	{ "role", 0, "development|sandbox|production", CLI_OPT_REQUIRED, "what it is for" },
	{ "product", 0, "PRODUCT", 0, "the product it runs (default: the project's)" },
	{ "app", 0, "RELEASE", 0, "the application release it runs (e.g. 7.3)" },
	{ "platform", 0, "PU", 0, "the platform update it runs (e.g. PU12)" },
	{ "host", 0, "NAME", 0, "where its runtimes run: a host of 'ferry host list' (default local)" },
	{ NULL, 0, NULL, 0, NULL }
};

static int env_create(struct cli *cli, const struct cli_args *a)
{
	const char *product = cli_arg(a, "product");
	json_t *o;
	int ec;

	if ((ec = cli_ask(cli, CLI_ENV_CREATE, json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?}",
			  "name", cli_pos(a, 0), "project", cli_arg(a, "project"), "role",
			  cli_arg(a, "role"), "product", product, "app_release", cli_arg(a, "app"),
			  "platform", cli_arg(a, "platform"), "host", cli_arg(a, "host")), &o)))
		return ec;
	if (cli->json)
		cli_print_json(o);
	else if (!cli->quiet)
		printf("Created environment '%s' (%s, %s %s/%s) in project '%s'\n", cli_pos(a, 0),
		       cli_arg(a, "role"), product ? product : "project product", cli_str(o, "app_release"),
		       cli_str(o, "platform"), cli_arg(a, "project"));
	json_decref(o);
	return EXIT_OK;
}

static const struct cli_command env_create_cmd = {
	"create", "NAME", 1, 1,
	"--project P --role development|sandbox|production [--product PRODUCT] --app RELEASE "
	"--platform PU [--host NAME]", "create an environment", create_opts, 0, env_create
};

static const struct cli_opt list_opts[] = {
	{ "project", 0, "P", 0, "only this project's" },
	{ "all", 0, NULL, 0, "deleted ones too" },
	{ NULL, 0, NULL, 0, NULL }
};

/* --json on the home: the list streamed from the store into one buffer (no tree), the
 * same bytes cli_print_json() would print. */
static int env_list_stream(struct cli *cli, const struct cli_args *a)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	int ec;

	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	b.limit = (size_t)1 << 31;
	if (ferry_env_list_write(ctx, cli_arg(a, "project"), cli_flag(a, "all"), 1, &b, &err)) {
		ferry_buf_release(&b);
		return cli_fail(cli, &err);
	}
	ferry_buf_adds(&b, "\n");
	ec = fwrite(b.data, 1, b.len, stdout) == b.len ? EXIT_OK : EXIT_FAILED;
	ferry_buf_release(&b);
	return ec;
}

static int env_list(struct cli *cli, const struct cli_args *a)
{
	static const struct cli_col cols[] = {
		{ "name", "NAME" }, { "project", "PROJECT" }, { "role", "ROLE" }, { "state", "STATE" },
		{ "app_release", "RELEASE" }, { "platform", "PLATFORM" }, { NULL, NULL }
	};

	if (cli->json && !cli->be->remote)
		return env_list_stream(cli, a);
	return cli_show_table(cli, CLI_ENV_LIST, json_pack("{s:s?, s:b}", "project",
			      cli_arg(a, "project"), "all", cli_flag(a, "all")), cols);
}

static const struct cli_command env_list_cmd = {
	"list", "", 0, 0, NULL, "list environments", list_opts, CLI_READ, env_list
};

static const struct cli_opt show_opts[] = {
	{ "view", 0, "original|upgrade", 0, "during an upgrade: the original (with the upgrade's "
	  "phase) or the upgrade-in-progress environment" },
	{ NULL, 0, NULL, 0, NULL }
};

static int env_show(struct cli *cli, const struct cli_args *a)
{
	static const char *const keys[] = { "name", "project", "role", "state", "product",
					    "app_release", "platform", "url", "address", "runtime", "pid",
					    "release", "created", "updated", NULL };
	static const char *const upgrade_keys[] = { "name", "view", "project", "role", "phase",
		"app_release", "platform", "url", "state", "pid", "release", "database", NULL };
	const char *view = cli_arg(a, "view");

	if (view && strcmp(view, "original") && strcmp(view, "upgrade"))
		return cli_bad(a, "--view wants 'original' or 'upgrade', not '%s'", view);
	return cli_show_fields(cli, CLI_ENV_SHOW, json_pack("{s:s, s:s?}", "env", cli_pos(a, 0),
			       "view", view), view && !strcmp(view, "upgrade") ? upgrade_keys : keys);
}

static const struct cli_command env_show_cmd = {
	"show", "NAME", 1, 1, NULL, "show an environment: its record, where and how it runs",
	show_opts, CLI_READ, env_show
};

static int env_rm(struct cli *cli, const struct cli_args *a)
{
	json_t *o;
	int ec;

	if ((ec = cli_ask(cli, CLI_ENV_RM, json_pack("{s:s}", "env", cli_pos(a, 0)), &o)))
		return ec;
	json_decref(o);
	if (!cli->quiet && !cli->json)
		printf("Deleted environment '%s'\n", cli_pos(a, 0));
	return EXIT_OK;
}

static const struct cli_command env_rm_cmd = {
	"rm", "NAME", 1, 1, NULL, "stop and remove its runtimes, then delete the environment",
	NULL, CLI_CONFIRM, env_rm
};

const struct cli_command *const cli_env_cmds[] = {
	&env_create_cmd, &env_list_cmd, &env_show_cmd, &env_rm_cmd, &cli_env_deploy,
	&cli_env_start, &cli_env_stop, &cli_env_restart, &cli_env_status, &cli_env_logs,
	&cli_env_config, &cli_env_db, &cli_env_apply, &cli_env_signoff, &cli_env_rollback,
	&cli_env_history, &cli_env_data_upgrade, &cli_env_report_outage, &cli_env_incidents, NULL
};
