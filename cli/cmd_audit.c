/* cmd_audit.c: `ferry audit`: read the audit log; and the CLI's own audit records
 * (every command that changed state is recorded with its result; refusals are not). */
#include "cli.h"

#include "ferry/store/audit.h"
#include "ferry/store/ctx.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"

#include <getopt.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define AUDIT_USAGE "ferry audit [--project P] [--actor WHO] [--limit N] [--before ID] [--json]"

int cmd_audit(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "project", required_argument, NULL, 'P' },
		{ "actor", required_argument, NULL, 'a' },
		{ "limit", required_argument, NULL, 'n' },
		{ "before", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const cols[] = { "id", "at", "actor", "action", "target", "project",
					    "result", "activity_id", NULL };
	static const char *const heads[] = { "ID", "AT", "ACTOR", "ACTION", "TARGET", "PROJECT",
					     "RESULT", "ACTIVITY", NULL };
	struct ferry_audit_query q = { 0 };
	struct ferry_error err;
	struct ferry_ctx *ctx;
	long long v;
	json_t *arr;
	int c, ec;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'P': q.project = optarg; break;
		case 'a': q.actor = optarg; break;
		case 'n':
			if (ferry_parse_int(optarg, 1, 1000, &v))
				return cli_usage(AUDIT_USAGE, "--limit takes 1 to 1000, not '%s'", optarg);
			q.limit = (int)v;
			break;
		case 'b':
			if (ferry_parse_int(optarg, 1, INT64_MAX, &v))
				return cli_usage(AUDIT_USAGE, "--before takes an entry id, not '%s'", optarg);
			q.before_id = v;
			break;
		default:
			return cli_usage(AUDIT_USAGE, "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage(AUDIT_USAGE, "unexpected argument '%s'", argv[optind]);
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_audit_list(ctx, &q, &arr, &err))
		return cli_fail(cli, &err);
	if (cli->json)
		cli_print_json(arr);
	else
		cli_print_table(arr, cols, heads);
	json_decref(arr);
	return EXIT_OK;
}

/* Commands that only read; everything else reaching the store is recorded. */
static int is_read_only(const char *group, const char *verb)
{
	static const char *const groups[] = { "audit", "version", "help", NULL };
	static const char *const verbs[] = { "list", "show", "help", "--help", "-h", "status",
		"log", "logs", "diff", "advise", "plan", "search", "verify", "inspect", "get",
		"steps", "watch", "export", "check", "validate", "selftest-show", NULL };
	int i;

	for (i = 0; groups[i]; i++)
		if (!strcmp(group, groups[i]))
			return 1;
	for (i = 0; verb && verbs[i]; i++)
		if (!strcmp(verb, verbs[i]))
			return 1;
	return 0;
}

void cli_audit_command(struct cli *cli, int argc, char **argv, int exit_code)
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
	if (!cli->ctx || argc < 2 || is_read_only(argv[1], argc > 2 ? argv[2] : NULL))
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
