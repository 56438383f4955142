/* cmd_notify.c: `ferry notify add|list|rm|test|log --project P`. */
#include "cli.h"

#include "ferry/store/ctx.h"
#include "ferry/base/error.h"
#include "ferry/project/notify.h"
#include "ferry/base/util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#define ADD_USAGE "ferry notify add --project P (--email ADDR --smtp smtp://HOST:PORT | " \
		  "--webhook URL) [--events failed,completed,awaiting-signoff,scheduled|*]"

struct notify_opts {
	const char *project, *email, *smtp, *webhook, *events;
};

static int parse_opts(int argc, char **argv, const char *usage, struct notify_opts *o)
{
	static const struct option opts[] = {
		{ "project", required_argument, NULL, 'P' },
		{ "email", required_argument, NULL, 'e' },
		{ "smtp", required_argument, NULL, 's' },
		{ "webhook", required_argument, NULL, 'w' },
		{ "events", required_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	memset(o, 0, sizeof(*o));
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'P': o->project = optarg; break;
		case 'e': o->email = optarg; break;
		case 's': o->smtp = optarg; break;
		case 'w': o->webhook = optarg; break;
		case 'v': o->events = optarg; break;
		default:
			return cli_usage(usage, "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (!o->project)
		return cli_usage(usage, "missing --project");
	return 0;
}

static int notify_add(struct cli *cli, int argc, char **argv)
{
	struct ferry_notify_target t = { 0 };
	struct notify_opts o;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	int64_t id = 0;
	int ec;

	if ((ec = parse_opts(argc, argv, ADD_USAGE, &o)))
		return ec;
	if (optind != argc)
		return cli_usage(ADD_USAGE, "unexpected argument '%s'", argv[optind]);
	if (!!o.email == !!o.webhook)
		return cli_usage(ADD_USAGE, "give exactly one of --email or --webhook");
	t.kind = o.email ? "email" : "webhook";
	t.target = o.email ? o.email : o.webhook;
	t.smtp_url = o.smtp;
	t.events = o.events;
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_notify_add(ctx, o.project, &t, &id, &err))
		return cli_fail(cli, &err);
	if (cli->json)
		printf("{\n  \"id\": %lld\n}\n", (long long)id);
	else if (!cli->quiet)
		printf("Added %s notification %lld for project '%s'\n", t.kind, (long long)id, o.project);
	return EXIT_OK;
}

static int notify_show(struct cli *cli, int argc, char **argv, int log)
{
	static const char *const cols[] = { "id", "kind", "target", "events", NULL };
	static const char *const heads[] = { "ID", "KIND", "TARGET", "EVENTS", NULL };
	static const char *const lcols[] = { "at", "event", "kind", "target", "ok", "error", NULL };
	static const char *const lheads[] = { "AT", "EVENT", "KIND", "TARGET", "OK", "ERROR", NULL };
	const char *usage = log ? "ferry notify log --project P [--json]"
				: "ferry notify list --project P [--json]";
	struct notify_opts o;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	json_t *arr;
	int ec;

	if ((ec = parse_opts(argc, argv, usage, &o)))
		return ec;
	if (optind != argc)
		return cli_usage(usage, "unexpected argument '%s'", argv[optind]);
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if ((log ? ferry_notify_log : ferry_notify_list)(ctx, o.project, &arr, &err))
		return cli_fail(cli, &err);
	if (cli->json)
		cli_print_json(arr);
	else if (log)
		cli_print_table(arr, lcols, lheads);
	else
		cli_print_table(arr, cols, heads);
	json_decref(arr);
	return EXIT_OK;
}

static int notify_list(struct cli *cli, int argc, char **argv)
{
	return notify_show(cli, argc, argv, 0);
}

static int notify_log(struct cli *cli, int argc, char **argv)
{
	return notify_show(cli, argc, argv, 1);
}

static int notify_rm(struct cli *cli, int argc, char **argv)
{
	static const char *const usage = "ferry notify rm ID --project P";
	struct notify_opts o;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	long long id;
	int ec;

	if ((ec = parse_opts(argc, argv, usage, &o)))
		return ec;
	if (optind != argc - 1)
		return cli_usage(usage, optind >= argc ? "missing notification ID" : "too many arguments");
	if (ferry_parse_int(argv[optind], 1, INT64_MAX, &id))
		return cli_usage(usage, "invalid notification ID '%s'", argv[optind]);
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_notify_rm(ctx, o.project, id, &err))
		return cli_fail(cli, &err);
	return EXIT_OK;
}

static int notify_test(struct cli *cli, int argc, char **argv)
{
	static const char *const usage = "ferry notify test --project P [--events EVENT]";
	struct notify_opts o;
	struct ferry_ctx *ctx;
	json_t *data;
	int ec, failed;

	if ((ec = parse_opts(argc, argv, usage, &o)))
		return ec;
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	data = json_pack("{s:s}", "note", "test notification sent by 'ferry notify test'");
	failed = ferry_notify_send(ctx, o.project, o.events ? o.events : FERRY_EVENT_COMPLETED,
				   "test notification", data);
	json_decref(data);
	if (failed) {
		fprintf(stderr, "ferry: error: %d notification(s) failed: see 'ferry notify log --project %s'\n",
			failed, o.project);
		return EXIT_FAILED;
	}
	if (!cli->quiet && !cli->json)
		printf("Test notification delivered\n");
	return EXIT_OK;
}

int cmd_notify(struct cli *cli, int argc, char **argv)
{
	static const struct cli_cmd table[] = {
		{ "add", notify_add, "add --project P (--email ADDR --smtp URL | --webhook URL) [--events E,...]" },
		{ "list", notify_list, "list --project P [--json]" },
		{ "rm", notify_rm, "rm ID --project P" },
		{ "test", notify_test, "test --project P [--events EVENT]" },
		{ "log", notify_log, "log --project P [--json]" },
		{ NULL, NULL, NULL }
	};
	return cli_dispatch(cli, "notify", table, argc, argv);
}
