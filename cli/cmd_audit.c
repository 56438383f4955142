/* SPDX-License-Identifier: MIT */
/* cmd_audit.c: `ferry audit`: read the audit log; and the CLI's own audit records
 * (every command on the home that is not a read is recorded with its result; refusals
 * are not; through --server, ferryd records them). */
#include "cli.h"
#include "backend.h"

#include "ferry/store/audit.h"
#include "ferry/store/ctx.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"

#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct cli_opt audit_opts[] = {
	{ "project", 0, "P", 0, "only this project's" },
	{ "actor", 0, "WHO", 0, "only this actor's (cli:USER, token:NAME)" },
	{ "limit", 0, "N", 0, "at most N entries (1-1000)" },
	{ "before", 0, "ID", 0, "entries before this one (paging)" },
	{ NULL, 0, NULL, 0, NULL }
};

static int audit_run(struct cli *cli, const struct cli_args *a)
{
	static const struct cli_col cols[] = {
		{ "id", "ID" }, { "at", "AT" }, { "actor", "ACTOR" }, { "action", "ACTION" },
		{ "target", "TARGET" }, { "project", "PROJECT" }, { "result", "RESULT" },
		{ "activity_id", "ACTIVITY" }, { NULL, NULL }
	};
	long long limit = 0, before = 0;
	json_t *args;
	int ec;

	if ((ec = cli_int(a, "limit", 1, 1000, &limit)) || (ec = cli_int(a, "before", 1, INT64_MAX, &before)))
		return ec;
	args = json_pack("{s:s?, s:s?}", "project", cli_arg(a, "project"), "actor", cli_arg(a, "actor"));
	if (limit)
		json_object_set_new(args, "limit", json_integer(limit));
	if (before)
		json_object_set_new(args, "before", json_integer(before));
	return cli_show_table(cli, CLI_AUDIT, args, cols);
}

const struct cli_command cli_cmd_audit = {
	"audit", "", 0, 0, NULL, "who changed what, when, with what result (newest first)",
	audit_opts, CLI_READ, audit_run
};

void cli_audit_command(struct cli *cli, const struct cli_command *cmd, int argc, char **argv,
		       int exit_code)
{
	struct ferry_audit_entry e = { 0 };
	struct passwd *pw = getpwuid(getuid());
	char actor[96], action[96], msg[64];
	const char *target = NULL;
	int i;

	/* Refusals (usage, not found, conflict, rule, trust, store) changed nothing: a command
	 * is recorded when it succeeded or when an operation ran and failed (exit 1). */
	if (exit_code != EXIT_OK && exit_code != EXIT_FAILED)
		return;
	if (!cli->ctx || !cmd || argc < 2 || (cmd->flags & CLI_READ))
		return;
	snprintf(actor, sizeof(actor), "cli:%s", pw ? pw->pw_name : "unknown");
	snprintf(action, sizeof(action), "%s%s%s", argv[1], argc > 2 ? "." : "",
		 argc > 2 ? argv[2] : "");
	for (i = 3; i < argc && !target; i++)
		if (argv[i][0] != '-' && (i == 3 || argv[i - 1][0] != '-' || strchr(argv[i - 1], '=')))
			target = argv[i];
	for (i = 3; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--project"))
			e.project = argv[i + 1];
	if (!e.project && !strcmp(argv[1], "project"))
		e.project = target;
	e.actor = actor;
	e.action = action;
	e.target = target;
	e.code = exit_code == EXIT_OK ? 0 : FERRY_EFAILED;
	snprintf(msg, sizeof(msg), "command failed with exit code %d", exit_code);
	e.message = exit_code == EXIT_OK ? NULL : msg;
	ferry_audit_record(cli->ctx, &e, NULL);
}
