/* SPDX-License-Identifier: MIT */
/* cmd_schedule.c: `ferry schedule list|show|cancel`: operations scheduled with --at TIME,
 * which a ferryd on the home starts then. */
#include "cli.h"
#include "backend.h"

#include <stdio.h>

static const struct cli_opt list_opts[] = {
	{ "project", 0, "P", 0, "only this project's" },
	{ NULL, 0, NULL, 0, NULL }
};

static int schedule_list(struct cli *cli, const struct cli_args *a)
{
	static const struct cli_col cols[] = {
		{ "id", "ID" }, { "action", "ACTION" }, { "env", "ENV" }, { "at", "AT" },
		{ "state", "STATE" }, { "activity_id", "ACTIVITY" }, { "message", "MESSAGE" },
		{ NULL, NULL }
	};

	return cli_show_table(cli, CLI_SCHEDULE_LIST, json_pack("{s:s?}", "project",
			      cli_arg(a, "project")), cols);
}

static const struct cli_command list_cmd = {
	"list", "", 0, 0, NULL, "scheduled operations, newest first", list_opts, CLI_READ,
	schedule_list
};

static const char *const keys[] = { "id", "action", "env", "project", "at", "window_end",
				    "state", "activity_id", "message", "actor", "created", NULL };

static int schedule_show(struct cli *cli, const struct cli_args *a)
{
	return cli_show_fields(cli, CLI_SCHEDULE_SHOW, json_pack("{s:s}", "schedule",
			       cli_pos(a, 0)), keys);
}

static const struct cli_command show_cmd = {
	"show", "ID", 1, 1, NULL, "a scheduled operation", NULL, CLI_READ, schedule_show
};

static int schedule_cancel(struct cli *cli, const struct cli_args *a)
{
	json_t *o;
	int ec;

	if ((ec = cli_ask(cli, CLI_SCHEDULE_CANCEL, json_pack("{s:s}", "schedule", cli_pos(a, 0)),
			  &o)))
		return ec;
	if (cli->json)
		cli_print_json(o);
	else if (!cli->quiet)
		printf("Cancelled schedule %s (%s on '%s' at %s)\n", cli_pos(a, 0), cli_str(o, "action"),
		       cli_str(o, "env"), cli_str(o, "at"));
	json_decref(o);
	return EXIT_OK;
}

static const struct cli_command cancel_cmd = {
	"cancel", "ID", 1, 1, NULL, "cancel an operation still scheduled", NULL, 0, schedule_cancel
};

const struct cli_command *const cli_schedule_cmds[] = { &list_cmd, &show_cmd, &cancel_cmd, NULL };
