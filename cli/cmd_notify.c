/* SPDX-License-Identifier: MIT */
/* cmd_notify.c: `ferry notify add|list|rm|test|log --project P` (on the home: ferryd
 * has no route for notification channels). */
#include "cli.h"

#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/project/notify.h"
#include "ferry/store/ctx.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define PROJECT_OPT { "project", 0, "P", CLI_OPT_REQUIRED, "the project" }
#define END_OPT { NULL, 0, NULL, 0, NULL }

static const struct cli_opt project_opt[] = { PROJECT_OPT, END_OPT };

static const struct cli_opt add_opts[] = {
	PROJECT_OPT,
	{ "email", 0, "ADDR", 0, "send email to this address" },
	{ "smtp", 0, "smtp://HOST:PORT", 0, "through this SMTP server" },
	{ "webhook", 0, "URL", 0, "POST JSON to this URL" },
	{ "events", 0, "failed,completed,awaiting-signoff,scheduled,auto-rollback|*", 0, "which events (all)" },
	END_OPT
};

static int notify_add(struct cli *cli, const struct cli_args *a)
{
	struct ferry_notify_target t = { 0 };
	const char *email = cli_arg(a, "email"), *webhook = cli_arg(a, "webhook");
	struct ferry_error err;
	struct ferry_ctx *ctx;
	int64_t id = 0;
	int ec;

	if (!!email == !!webhook)
		return cli_bad(a, "give exactly one of --email or --webhook");
	t.kind = email ? "email" : "webhook";
	t.target = email ? email : webhook;
	t.smtp_url = cli_arg(a, "smtp");
	t.events = cli_arg(a, "events");
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_notify_add(ctx, cli_arg(a, "project"), &t, &id, &err))
		return cli_fail(cli, &err);
	if (cli->json)
		printf("{\n  \"id\": %lld\n}\n", (long long)id);
	else if (!cli->quiet)
		printf("Added %s notification %lld for project '%s'\n", t.kind, (long long)id,
		       cli_arg(a, "project"));
	return EXIT_OK;
}

static const struct cli_command notify_add_cmd = {
	"add", "", 0, 0, "--project P (--email ADDR --smtp smtp://HOST:PORT | --webhook URL) "
	"[--events failed,completed,awaiting-signoff,scheduled,auto-rollback|*]", "send the project's events "
	"somewhere", add_opts, CLI_LOCAL, notify_add
};

static int notify_show(struct cli *cli, const struct cli_args *a, int log)
{
	static const struct cli_col cols[] = {
		{ "id", "ID" }, { "kind", "KIND" }, { "target", "TARGET" }, { "events", "EVENTS" },
		{ NULL, NULL }
	};
	static const struct cli_col lcols[] = {
		{ "at", "AT" }, { "event", "EVENT" }, { "kind", "KIND" }, { "target", "TARGET" },
		{ "ok", "OK" }, { "error", "ERROR" }, { NULL, NULL }
	};

	return log ? cli_list_project(cli, a, ferry_notify_log, lcols)
		   : cli_list_project(cli, a, ferry_notify_list, cols);
}

static int notify_list(struct cli *cli, const struct cli_args *a)
{
	return notify_show(cli, a, 0);
}

static int notify_log(struct cli *cli, const struct cli_args *a)
{
	return notify_show(cli, a, 1);
}

static const struct cli_command notify_list_cmd = {
	"list", "", 0, 0, NULL, "where the project's events go", project_opt,
	CLI_LOCAL | CLI_READ, notify_list
};
static const struct cli_command notify_log_cmd = {
	"log", "", 0, 0, NULL, "what was sent, and what failed", project_opt, CLI_LOCAL | CLI_READ,
	notify_log
};

static int notify_rm(struct cli *cli, const struct cli_args *a)
{
	struct ferry_error err;
	struct ferry_ctx *ctx;
	long long id;
	int ec;

	if (ferry_parse_int(cli_pos(a, 0), 1, INT64_MAX, &id))
		return cli_bad(a, "invalid notification ID '%s'", cli_pos(a, 0));
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_notify_rm(ctx, cli_arg(a, "project"), id, &err))
		return cli_fail(cli, &err);
	return EXIT_OK;
}

static const struct cli_command notify_rm_cmd = {
	"rm", "ID", 1, 1, NULL, "stop sending there", project_opt, CLI_LOCAL, notify_rm
};

static const struct cli_opt test_opts[] = {
	PROJECT_OPT, { "events", 0, "EVENT", 0, "as this event (completed)" }, END_OPT
};

static int notify_test(struct cli *cli, const struct cli_args *a)
{
	const char *project = cli_arg(a, "project"), *ev = cli_arg(a, "events");
	struct ferry_ctx *ctx;
	json_t *data;
	int ec, failed;

	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	data = json_pack("{s:s}", "note", "test notification sent by 'ferry notify test'");
	failed = ferry_notify_send(ctx, project, ev ? ev : FERRY_EVENT_COMPLETED, "test notification",
				   data);
	json_decref(data);
	if (failed) {
		fprintf(stderr, "ferry: error: %d notification(s) failed: see 'ferry notify log "
			"--project %s'\n", failed, project);
		return EXIT_FAILED;
	}
	if (!cli->quiet && !cli->json)
		printf("Test notification delivered\n");
	return EXIT_OK;
}

static const struct cli_command notify_test_cmd = {
	"test", "", 0, 0, NULL, "send a test notification to each of the project's channels",
	test_opts, CLI_LOCAL, notify_test
};

const struct cli_command *const cli_notify_cmds[] = {
	&notify_add_cmd, &notify_list_cmd, &notify_rm_cmd, &notify_test_cmd, &notify_log_cmd, NULL
};
