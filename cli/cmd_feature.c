/* SPDX-License-Identifier: MIT */
/* cmd_feature.c: `ferry feature list|enable|disable NAME --project P`. */
#include "cli.h"
#include "backend.h"

#include <stdio.h>

static const struct cli_opt project_opt[] = {
	{ "project", 0, "P", CLI_OPT_REQUIRED, "the project" },
	{ NULL, 0, NULL, 0, NULL }
};

static int feature_list(struct cli *cli, const struct cli_args *a)
{
	static const struct cli_col cols[] = {
		{ "name", "FEATURE" }, { "enabled", "ENABLED" }, { "description", "DESCRIPTION" },
		{ NULL, NULL }
	};

	return cli_show_table(cli, CLI_FEATURE_LIST, json_pack("{s:s}", "project",
			      cli_arg(a, "project")), cols);
}

static const struct cli_command feature_list_cmd = {
	"list", "", 0, 0, NULL, "the preview features and whether the project has them on",
	project_opt, CLI_READ, feature_list
};

static int feature_switch(struct cli *cli, const struct cli_args *a, int on)
{
	json_t *o;
	int ec;

	if ((ec = cli_ask(cli, CLI_FEATURE_SET, json_pack("{s:s, s:s, s:b}", "project",
			  cli_arg(a, "project"), "feature", cli_pos(a, 0), "enabled", on), &o)))
		return ec;
	if (cli->json)
		cli_print_json(o);
	else if (!cli->quiet)
		printf("Feature '%s' %s for project '%s'\n", cli_pos(a, 0), on ? "enabled" : "disabled",
		       cli_arg(a, "project"));
	json_decref(o);
	return EXIT_OK;
}

static int feature_enable(struct cli *cli, const struct cli_args *a)
{
	return feature_switch(cli, a, 1);
}

static int feature_disable(struct cli *cli, const struct cli_args *a)
{
	return feature_switch(cli, a, 0);
}

static const struct cli_command feature_enable_cmd = {
	"enable", "NAME", 1, 1, NULL, "turn a preview feature on for the project", project_opt, 0,
	feature_enable
};
static const struct cli_command feature_disable_cmd = {
	"disable", "NAME", 1, 1, NULL, "turn a preview feature off for the project", project_opt, 0,
	feature_disable
};

const struct cli_command *const cli_feature_cmds[] = {
	&feature_list_cmd, &feature_enable_cmd, &feature_disable_cmd, NULL
};
