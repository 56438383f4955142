/* SPDX-License-Identifier: MIT */
/* cmd_token.c: `ferry token create|list|revoke`: API tokens for ferryd. The CLI on the
 * home is the local administrator, so these work there without a token (bootstrap);
 * through --server they need an admin token. */
#include "cli.h"
#include "backend.h"

#include <stdio.h>

static const struct cli_opt create_opts[] = {
	{ "role", 0, "viewer|operator|admin", CLI_OPT_REQUIRED, "what it may do" },
	{ "project", 0, "P", 0, "only in this project" },
	{ "expires", 0, "90d|2026-12-31|never", 0, "when it stops working" },
	{ NULL, 0, NULL, 0, NULL }
};

static int token_create(struct cli *cli, const struct cli_args *a)
{
	const char *project = cli_arg(a, "project");
	json_t *o;
	int ec;

	if ((ec = cli_ask(cli, CLI_TOKEN_CREATE, json_pack("{s:s, s:s, s:s?, s:s?}", "name",
			  cli_pos(a, 0), "role", cli_arg(a, "role"), "project", project, "expires",
			  cli_arg(a, "expires")), &o)))
		return ec;
	if (cli->json)
		cli_print_json(o);
	else
		printf("Created %s token '%s'%s%s. It is shown only this once:\n\n  %s\n\n"
		       "Use it as 'Authorization: Bearer <token>' against ferryd.\n",
		       cli_arg(a, "role"), cli_pos(a, 0), project ? " for project " : "",
		       project ? project : "", cli_str(o, "token"));
	json_object_del(o, "token");
	json_decref(o);
	return EXIT_OK;
}

static const struct cli_command token_create_cmd = {
	"create", "NAME", 1, 1, NULL, "create a token; its secret is shown only this once",
	create_opts, 0, token_create
};

static int token_list(struct cli *cli, const struct cli_args *a)
{
	static const struct cli_col cols[] = {
		{ "name", "NAME" }, { "role", "ROLE" }, { "project", "PROJECT" }, { "state", "STATE" },
		{ "expires", "EXPIRES" }, { "last_used", "LAST USED" }, { "created", "CREATED" },
		{ NULL, NULL }
	};

	(void)a;
	return cli_show_table(cli, CLI_TOKEN_LIST, json_object(), cols);
}

static const struct cli_command token_list_cmd = {
	"list", "", 0, 0, NULL, "the tokens (never their secrets)", NULL, CLI_READ, token_list
};

static int token_revoke(struct cli *cli, const struct cli_args *a)
{
	json_t *o;
	int ec;

	if ((ec = cli_ask(cli, CLI_TOKEN_REVOKE, json_pack("{s:s}", "token", cli_pos(a, 0)), &o)))
		return ec;
	json_decref(o);
	if (!cli->quiet && !cli->json)
		printf("Revoked token '%s'\n", cli_pos(a, 0));
	return EXIT_OK;
}

static const struct cli_command token_revoke_cmd = {
	"revoke", "NAME", 1, 1, NULL, "revoke a token for good", NULL, 0, token_revoke
};

const struct cli_command *const cli_token_cmds[] = {
	&token_create_cmd, &token_list_cmd, &token_revoke_cmd, NULL
};
