/* SPDX-License-Identifier: MIT */
/* cmd_db.c: `ferry db refresh|copy|history|rehearsals` and `ferry env data-upgrade`
 * (the data upgrade rehearsal in a development environment). */
#include "cli.h"
#include "backend.h"

#include "ferry/base/error.h"
#include "ferry/lifecycle/refresh.h"
#include "ferry/ops/op.h"
#include "ferry/store/ctx.h"

#include <stdio.h>
#include <string.h>

static const struct cli_opt from_to_opts[] = {
	{ "from", 0, "ENV", CLI_OPT_REQUIRED, "the environment whose database is copied" },
	{ "to", 0, "ENV", CLI_OPT_REQUIRED, "the environment that gets it" },
	{ NULL, 0, NULL, 0, NULL }
};

static int db_refresh(struct cli *cli, const struct cli_args *a)
{
	const char *from = cli_arg(a, "from"), *to = cli_arg(a, "to");
	json_t *op;
	int ec;

	if ((ec = cli_op_run(cli, "db.refresh", json_pack("{s:s, s:s}", "env", to, "from", from),
			     &op)) || !op)
		return ec;
	if (cli->json || strcmp(cli_str(op, "state"), "succeeded"))
		return cli_op_report(cli, op);
	if (!cli->quiet)
		printf("Refreshed '%s' from a snapshot of '%s', scrubbed (activity %s)\n", to, from,
		       cli_str(op, "activity_id"));
	json_decref(op);
	return EXIT_OK;
}

static const struct cli_command db_refresh_cmd = {
	"refresh", "", 0, 0, NULL, "an online snapshot of one environment's database into another, "
	"scrubbed (the same release)", from_to_opts, CLI_AT | CLI_CONFIRM, db_refresh
};

/* On the home: the library runs it here, with the progress shown. */
static int db_copy(struct cli *cli, const struct cli_args *a)
{
	const char *from = cli_arg(a, "from"), *to = cli_arg(a, "to");
	struct ferry_op_hooks hooks;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	char act[37] = "";
	int ec, rc;

	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	cli_op_hooks(cli, &hooks);
	rc = ferry_db_copy(ctx, from, to, &hooks, act, &err);
	if (rc || cli->json)
		return cli_op_outcome(cli, act, rc, &err);
	if (!cli->quiet)
		printf("Copied into '%s' from a snapshot of '%s', scrubbed (activity %s)\n", to, from, act);
	return EXIT_OK;
}

static const struct cli_command db_copy_cmd = {
	"copy", "", 0, 0, "--from ENV --to DEV", "a database into a development environment (any "
	"release)", from_to_opts, CLI_LOCAL, db_copy
};

static const struct cli_opt project_opt[] = {
	{ "project", 0, "P", 0, "only this project's" },
	{ NULL, 0, NULL, 0, NULL }
};

static int db_list(struct cli *cli, const struct cli_args *a, int rehearsals)
{
	static const struct cli_col hist[] = {
		{ "kind", "KIND" }, { "source", "FROM" }, { "source_release", "RELEASE" },
		{ "target", "TO" }, { "snapshot", "SNAPSHOT" }, { "activity_id", "ACTIVITY" },
		{ NULL, NULL }
	};
	static const struct cli_col reh[] = {
		{ "env", "ENV" }, { "from", "FROM" }, { "to", "TO" }, { "total_ms", "MS" },
		{ "db_bytes", "DB BYTES" }, { "created", "CREATED" }, { "activity_id", "ACTIVITY" },
		{ NULL, NULL }
	};

	return rehearsals ? cli_list_project(cli, a, ferry_rehearsal_list, reh)
			  : cli_list_project(cli, a, ferry_refresh_list, hist);
}

static int db_history(struct cli *cli, const struct cli_args *a)
{
	return db_list(cli, a, 0);
}

static int db_rehearsals(struct cli *cli, const struct cli_args *a)
{
	return db_list(cli, a, 1);
}

static const struct cli_command db_history_cmd = {
	"history", "", 0, 0, NULL, "refreshes and copies", project_opt, CLI_LOCAL | CLI_READ,
	db_history
};
static const struct cli_command db_rehearsals_cmd = {
	"rehearsals", "", 0, 0, NULL, "data upgrade rehearsals (they predict the upgrade's "
	"downtime)", project_opt, CLI_LOCAL | CLI_READ, db_rehearsals
};

const struct cli_command *const cli_db_cmds[] = {
	&db_refresh_cmd, &db_copy_cmd, &db_history_cmd, &db_rehearsals_cmd, NULL
};

static int env_data_upgrade(struct cli *cli, const struct cli_args *a)
{
	struct ferry_op_hooks hooks;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	char act[37] = "";
	int ec, rc;

	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	cli_op_hooks(cli, &hooks);
	rc = ferry_env_data_upgrade(ctx, cli_pos(a, 0), cli_arg(a, "package"), &hooks, act, &err);
	if (rc || cli->json)
		return cli_op_outcome(cli, act, rc, &err);
	if (!cli->quiet)
		printf("Data upgrade rehearsed on '%s' (activity %s); its timings predict the "
		       "upgrades' downtime (see 'ferry db rehearsals')\n", cli_pos(a, 0), act);
	return EXIT_OK;
}

static const struct cli_opt du_opts[] = {
	{ "package", 0, "REF", 0, "the data upgrade package (default: the newest for the target)" },
	{ NULL, 0, NULL, 0, NULL }
};

const struct cli_command cli_env_data_upgrade = {
	"data-upgrade", "DEV", 1, 1, NULL, "rehearse a data upgrade in a development environment",
	du_opts, CLI_LOCAL, env_data_upgrade
};
