/* SPDX-License-Identifier: MIT */
/* cmd_project.c: `ferry init` and `ferry project create|list|show|set|rm`. */
#include "cli.h"
#include "backend.h"

#include "ferry/base/error.h"
#include "ferry/registry/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int init_run(struct cli *cli, const struct cli_args *a)
{
	const char *home = cli_home(cli);
	struct ferry_error err;
	int rc;

	(void)a;
	ferry_error_clear(&err);
	rc = ferry_ctx_init_home(cli->settings, &err);
	if (rc)
		return cli_fail(cli, &err);
	if (cli->json) {
		json_t *o = json_pack("{s:s}", "home", home);
		cli_print_json(o);
		json_decref(o);
	} else if (!cli->quiet) {
		printf("Initialized ferry home in %s\n", home);
	}
	return EXIT_OK;
}

const struct cli_command cli_cmd_init = {
	"init", "", 0, 0, NULL, "create ferry's home and state store (idempotent)", NULL,
	CLI_LOCAL, init_run
};

static const struct cli_col project_cols[] = {
	{ "name", "NAME" }, { "product", "PRODUCT" }, { "allow_unsigned", "UNSIGNED" },
	{ "created", "CREATED" }, { NULL, NULL }
};
static const char *const project_keys[] = { "name", "product", "description", "allow_unsigned",
					    "created", NULL };

static const struct cli_opt create_opts[] = {
	{ "product", 0, "PRODUCT", 0, "the product its environments run (a catalog's name)" },
	{ "description", 0, "TEXT", 0, "what it is for" },
	{ NULL, 0, NULL, 0, NULL }
};

static int project_create(struct cli *cli, const struct cli_args *a)
{
	json_t *o;
	int ec;

	if ((ec = cli_ask(cli, CLI_PROJECT_CREATE, json_pack("{s:s, s:s?, s:s?}", "name",
			  cli_pos(a, 0), "product", cli_arg(a, "product"), "description",
			  cli_arg(a, "description")), &o)))
		return ec;
	if (cli->json)
		cli_print_json(o);
	else if (!cli->quiet)
		printf("Created project '%s'\n", cli_pos(a, 0));
	json_decref(o);
	return EXIT_OK;
}

static const struct cli_command project_create_cmd = {
	"create", "NAME", 1, 1, NULL, "create a project", create_opts, 0, project_create
};

static int project_list(struct cli *cli, const struct cli_args *a)
{
	(void)a;
	return cli_show_table(cli, CLI_PROJECT_LIST, json_object(), project_cols);
}

static const struct cli_command project_list_cmd = {
	"list", "", 0, 0, NULL, "list the projects", NULL, CLI_READ, project_list
};

static int project_show(struct cli *cli, const struct cli_args *a)
{
	return cli_show_fields(cli, CLI_PROJECT_SHOW, json_pack("{s:s}", "project", cli_pos(a, 0)),
			       project_keys);
}

static const struct cli_command project_show_cmd = {
	"show", "NAME", 1, 1, NULL, "show a project", NULL, CLI_READ, project_show
};

static const struct cli_opt set_opts[] = {
	{ "allow-unsigned", 0, "yes|no", CLI_OPT_REQUIRED, "accept unsigned packages, or not" },
	{ NULL, 0, NULL, 0, NULL }
};

static int project_set(struct cli *cli, const struct cli_args *a)
{
	const char *v = cli_arg(a, "allow-unsigned");
	json_t *o;
	int ec;

	if (strcmp(v, "yes") && strcmp(v, "no"))
		return cli_bad(a, "--allow-unsigned takes yes or no, not '%s'", v);
	if ((ec = cli_ask(cli, CLI_PROJECT_SET, json_pack("{s:s, s:b}", "project", cli_pos(a, 0),
			  "allow_unsigned", !strcmp(v, "yes")), &o)))
		return ec;
	if (cli->json)
		cli_print_json(o);
	else if (!cli->quiet)
		printf("Project '%s' %s unsigned packages\n", cli_pos(a, 0),
		       !strcmp(v, "yes") ? "accepts" : "refuses");
	json_decref(o);
	return EXIT_OK;
}

static const struct cli_command project_set_cmd = {
	"set", "NAME", 1, 1, NULL, "change a project's settings", set_opts, 0, project_set
};

static int project_rm(struct cli *cli, const struct cli_args *a)
{
	json_t *o;
	int ec;

	if ((ec = cli_ask(cli, CLI_PROJECT_RM, json_pack("{s:s}", "project", cli_pos(a, 0)), &o)))
		return ec;
	json_decref(o);
	if (!cli->quiet && !cli->json)
		printf("Removed project '%s'\n", cli_pos(a, 0));
	return EXIT_OK;
}

static const struct cli_command project_rm_cmd = {
	"rm", "NAME", 1, 1, NULL, "remove a project", NULL, 0,
	project_rm
};

const struct cli_command *const cli_project_cmds[] = {
	&project_create_cmd, &project_list_cmd, &project_show_cmd, &project_set_cmd,
	&project_rm_cmd, NULL
};
