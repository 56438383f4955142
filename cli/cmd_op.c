/* cmd_op.c: `ferry op list|show|log|resume|rerun-step|complete-step|abort|selftest`,
 * the progress display of running operations, and the interrupted-run report
 * every command prints when it finds one. */
#include "cli.h"

#include "ferry/store/ctx.h"
#include "ferry/base/error.h"
#include "ferry/ops/op.h"
#include "ferry/base/util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- progress on stderr (only on a terminal, never with --quiet/--json) --- */

struct progress {
	int on;
	int bar;        /* a progress bar is drawn on the current line */
};

static struct progress cli_progress;

static void fmt_ms(int64_t ms, char *out, size_t cap)
{
	if (ms < 1000)
		snprintf(out, cap, "%lldms", (long long)ms);
	else if (ms < 120000)
		snprintf(out, cap, "%.1fs", (double)ms / 1000.0);
	else
		snprintf(out, cap, "%lldm%02llds", (long long)(ms / 60000), (long long)(ms / 1000 % 60));
}

static void on_event(const struct ferry_op_event *ev, void *data)
{
	struct progress *p = data;
	char d[32];

	if (!p->on)
		return;
	switch (ev->type) {
	case FERRY_OP_EV_STEP_STARTED:
		fprintf(stderr, "[%d/%d] %s%s%s%s\n", ev->step_index, ev->step_count, ev->step,
			ev->message ? ": " : "", ev->message ? ev->message : "",
			ev->attempt > 1 ? " (again)" : "");
		break;
	case FERRY_OP_EV_STEP_PROGRESS:
		if (ev->total > 0) {
			int i, w = 30, fill = (int)(ev->done * w / ev->total);
			fputs("\r      [", stderr);
			for (i = 0; i < w; i++)
				fputc(i < fill ? '#' : '.', stderr);
			fprintf(stderr, "] %3d%%", (int)(ev->done * 100 / ev->total));
		} else {
			fprintf(stderr, "\r      %lld done", (long long)ev->done);
		}
		p->bar = 1;
		break;
	case FERRY_OP_EV_STEP_FINISHED:
		fmt_ms(ev->elapsed_ms, d, sizeof(d));
		fprintf(stderr, "%s      %s %s in %s\n", p->bar ? "\r\033[K" : "", ev->step,
			ev->state, d);
		p->bar = 0;
		break;
	default:
		break;
	}
}

void cli_op_hooks(struct cli *cli, struct ferry_op_hooks *hooks)
{
	memset(hooks, 0, sizeof(*hooks));
	cli_progress.on = !cli->quiet && !cli->json && isatty(STDERR_FILENO);
	cli_progress.bar = 0;
	hooks->on_event = on_event;
	hooks->data = &cli_progress;
}

/* Print what happened to an operation that was just run (rc from the runner). */
int cli_op_outcome(struct cli *cli, const char *activity_id, int rc, struct ferry_error *err)
{
	struct ferry_op *op = NULL;
	struct ferry_error e2;
	json_t *o = NULL;
	int ec = EXIT_OK;

	ferry_error_clear(&e2);
	if (rc)
		return cli_fail(cli, err);
	if (ferry_op_find(cli->ctx, activity_id, &op, &e2))
		return cli_fail(cli, &e2);
	if (cli->json) {
		if (ferry_op_to_json(cli->ctx, op, 1, 0, &o, &e2))
			ec = cli_fail(cli, &e2);
		else
			cli_print_json(o);
		json_decref(o);
	} else if (!cli->quiet) {
		if (op->state == FERRY_OP_AWAITING_CONFIRM)
			printf("Operation %s (%s) waits at manual step '%s': confirm with "
			       "'ferry op complete-step %.8s %s'\n", op->activity_id, op->kind,
			       op->step, op->activity_id, op->step);
		else if (op->state == FERRY_OP_AWAITING_SIGNOFF && op->env[0])
			printf("Operation %s (%s) is awaiting sign-off: validate the environment, then "
			       "'ferry env signoff %s' (or 'ferry env rollback %s')\n", op->activity_id,
			       op->kind, op->env, op->env);
		else
			printf("Operation %s (%s) %s\n", op->activity_id, op->kind,
			       ferry_op_state_name(op->state));
	}
	ferry_op_free(op);
	return ec;
}

void cli_op_reap(struct cli *cli)
{
	struct ferry_error err;
	json_t *found = json_array(), *f;
	size_t i;
	int n = 0;

	ferry_error_clear(&err);
	if (cli->ctx && !ferry_op_reap(cli->ctx, &n, found, &err) && n > 0 && !cli->quiet)
		json_array_foreach(found, i, f)
			fprintf(stderr, "ferry: warning: operation %s (%s%s%s) was %s\n",
				json_string_value(json_object_get(f, "activity_id")),
				json_string_value(json_object_get(f, "kind")),
				*json_string_value(json_object_get(f, "env")) ? " on " : "",
				json_string_value(json_object_get(f, "env")),
				json_string_value(json_object_get(f, "message")));
	json_decref(found);
}

/* ---- read commands ------------------------------------------------------- */

#define LIST_USAGE "ferry op list [--env E] [--limit N] [--json]"

static int op_list(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "env", required_argument, NULL, 'e' },
		{ "limit", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const cols[] = { "activity_id", "kind", "env", "state", "step",
					    "created", NULL };
	static const char *const heads[] = { "ACTIVITY", "KIND", "ENV", "STATE", "STEP",
					     "CREATED", NULL };
	const char *env = NULL;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	long long limit = 0;
	json_t *arr;
	int c, ec;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'e')
			env = optarg;
		else if (c == 'n' && !ferry_parse_int(optarg, 1, 1000, &limit))
			;
		else
			return cli_usage(LIST_USAGE, "unknown, incomplete or invalid option '%s'", argv[optind - 1]);
	}
	if (optind != argc)
		return cli_usage(LIST_USAGE, "unexpected argument '%s'", argv[optind]);
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_op_list(ctx, env, (int)limit, &arr, &err))
		return cli_fail(cli, &err);
	cli_emit_table(cli, arr, cols, heads);
	return EXIT_OK;
}

static void print_steps(const json_t *steps)
{
	const json_t *s;
	size_t i;
	char d[32];

	printf("\n%-20s %-12s %-8s %-10s %s\n", "STEP", "STATE", "ATTEMPTS", "DURATION", "NOTE");
	json_array_foreach(steps, i, s) {
		const char *e = json_string_value(json_object_get(s, "error"));
		long long att = json_integer_value(json_object_get(s, "attempts"));
		fmt_ms(json_integer_value(json_object_get(s, "duration_ms")), d, sizeof(d));
		printf("%-20s %-12s %-8lld %-10s %s%s\n",
		       json_string_value(json_object_get(s, "name")),
		       json_string_value(json_object_get(s, "state")), att, att ? d : "-",
		       json_is_true(json_object_get(s, "manual")) ? "[manual] " : "",
		       e ? e : "");
	}
}

static int op_show(struct cli *cli, int argc, char **argv)
{
	static const char *const keys[] = { "activity_id", "kind", "env", "project", "state",
					    "step", "error", "actor", "created", "started", "ended",
					    "next", NULL };
	struct ferry_error err;
	struct ferry_ctx *ctx;
	struct ferry_op *op;
	json_t *o;
	int ec;

	if (argc != 2)
		return cli_usage("ferry op show OP [--json]",
				 argc < 2 ? "missing operation OP (activity ID or prefix)" : "too many arguments");
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_op_find(ctx, argv[1], &op, &err))
		return cli_fail(cli, &err);
	if (ferry_op_to_json(ctx, op, 1, 0, &o, &err)) {
		ferry_op_free(op);
		return cli_fail(cli, &err);
	}
	ferry_op_free(op);
	if (cli->json) {
		cli_print_json(o);
	} else {
		cli_print_fields(o, keys);
		print_steps(json_object_get(o, "steps"));
	}
	json_decref(o);
	return EXIT_OK;
}

static int op_log(struct cli *cli, int argc, char **argv)
{
	struct ferry_error err;
	struct ferry_ctx *ctx;
	struct ferry_op *op;
	char *text;
	int ec, rc;

	if (argc < 2 || argc > 3)
		return cli_usage("ferry op log OP [STEP]",
				 argc < 2 ? "missing operation OP" : "too many arguments");
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_op_find(ctx, argv[1], &op, &err))
		return cli_fail(cli, &err);
	rc = ferry_op_log_text(ctx, op, argc == 3 ? argv[2] : NULL, &text, &err);
	ferry_op_free(op);
	if (rc)
		return cli_fail(cli, &err);
	if (cli->json) {
		json_t *o = json_pack("{s:s}", "log", text);
		cli_print_json(o);
		json_decref(o);
	} else {
		fputs(text, stdout);
	}
	free(text);
	return EXIT_OK;
}

/* ---- commands that run ---------------------------------------------------- */

enum run_what { RUN_RESUME, RUN_RERUN, RUN_COMPLETE };

static int op_drive(struct cli *cli, int argc, char **argv, enum run_what what)
{
	static const char *const usage[] = {
		"ferry op resume OP", "ferry op rerun-step OP STEP", "ferry op complete-step OP STEP"
	};
	int want = what == RUN_RESUME ? 2 : 3;
	struct ferry_op_hooks hooks;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	struct ferry_op *op;
	char id[37];
	int ec, rc;

	if (argc != want)
		return cli_usage(usage[what], argc < want ? "missing %s" : "too many arguments",
				 argc < 2 ? "operation OP" : "STEP");
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_op_find(ctx, argv[1], &op, &err))
		return cli_fail(cli, &err);
	snprintf(id, sizeof(id), "%s", op->activity_id);
	ferry_op_free(op);
	cli_op_hooks(cli, &hooks);
	if (what == RUN_RESUME)
		rc = ferry_op_resume(ctx, id, &hooks, &err);
	else if (what == RUN_RERUN)
		rc = ferry_op_rerun_step(ctx, id, argv[2], &hooks, &err);
	else
		rc = ferry_op_complete_step(ctx, id, argv[2], &hooks, &err);
	return cli_op_outcome(cli, id, rc, &err);
}

static int op_resume(struct cli *cli, int argc, char **argv)
{
	return op_drive(cli, argc, argv, RUN_RESUME);
}

static int op_rerun(struct cli *cli, int argc, char **argv)
{
	return op_drive(cli, argc, argv, RUN_RERUN);
}

static int op_complete(struct cli *cli, int argc, char **argv)
{
	return op_drive(cli, argc, argv, RUN_COMPLETE);
}

static int op_abort(struct cli *cli, int argc, char **argv)
{
	struct ferry_error err;
	struct ferry_ctx *ctx;
	int ec;

	if (argc != 2)
		return cli_usage("ferry op abort OP", argc < 2 ? "missing operation OP" : "too many arguments");
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_op_abort(ctx, argv[1], &err))
		return cli_fail(cli, &err);
	if (!cli->quiet && !cli->json)
		printf("Aborted operation %s\n", argv[1]);
	return EXIT_OK;
}

/* ---- selftest: a diagnostics runbook that exercises the engine ----------- */

#define SELFTEST_USAGE "ferry op selftest --dir DIR [--env E] [--fail-at STEP [--fail-times N]] " \
		       "[--manual] [--ticks N] [--tick-ms MS] [--no-abort]"

static int selftest_opts(int argc, char **argv, json_t *params, const char **env)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "env", required_argument, NULL, 'e' },
		{ "fail-at", required_argument, NULL, 'f' },
		{ "fail-times", required_argument, NULL, 't' },
		{ "manual", no_argument, NULL, 'm' },
		{ "ticks", required_argument, NULL, 'k' },
		{ "tick-ms", required_argument, NULL, 'M' },
		{ "no-abort", no_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 }
	};
	long long v;
	int c;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': {
			char *abs = realpath(optarg, NULL);
			/* the directory may not exist yet: keep it as given, made absolute */
			if (!abs && optarg[0] != '/') {
				char cwd[4096];
				if (getcwd(cwd, sizeof(cwd))) {
					json_object_set_new(params, "dir", json_sprintf("%s/%s", cwd, optarg));
					break;
				}
			}
			json_object_set_new(params, "dir", json_string(abs ? abs : optarg));
			free(abs);
			break;
		}
		case 'e': *env = optarg; break;
		case 'f': json_object_set_new(params, "fail_at", json_string(optarg)); break;
		case 'm': json_object_set_new(params, "manual", json_true()); break;
		case 'A': json_object_set_new(params, "no_abort", json_true()); break;
		case 't':
		case 'k':
		case 'M':
			if (ferry_parse_int(optarg, 0, 1000000, &v))
				return cli_usage(SELFTEST_USAGE, "invalid number '%s'", optarg);
			json_object_set_new(params, c == 't' ? "fail_times" : c == 'k' ? "ticks" : "tick_ms",
					    json_integer(v));
			break;
		default:
			return cli_usage(SELFTEST_USAGE, "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage(SELFTEST_USAGE, "unexpected argument '%s'", argv[optind]);
	if (!json_object_get(params, "dir"))
		return cli_usage(SELFTEST_USAGE, "missing --dir DIR");
	return 0;
}

static int op_selftest(struct cli *cli, int argc, char **argv)
{
	struct ferry_op_spec spec = { "op.selftest", NULL, NULL, NULL };
	struct ferry_op_hooks hooks;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	struct ferry_op *op = NULL;
	char id[37];
	int ec, rc;

	spec.params = json_object();
	if ((ec = selftest_opts(argc, argv, spec.params, &spec.env)))
		goto out;
	if (!(ctx = cli_ctx(cli, &ec)))
		goto out;
	ferry_error_clear(&err);
	if (ferry_op_create(ctx, &spec, &op, &err)) {
		ec = cli_fail(cli, &err);
		goto out;
	}
	snprintf(id, sizeof(id), "%s", op->activity_id);
	if (!cli->quiet && !cli->json)
		fprintf(stderr, "Started operation %s (op.selftest)\n", id);
	cli_op_hooks(cli, &hooks);
	rc = ferry_op_run(ctx, id, &hooks, &err);
	ec = cli_op_outcome(cli, id, rc, &err);
out:
	ferry_op_free(op);
	json_decref(spec.params);
	return ec;
}

int cmd_op(struct cli *cli, int argc, char **argv)
{
	static const struct cli_cmd table[] = {
		{ "list", op_list, "list [--env E] [--limit N] [--json]" },
		{ "show", op_show, "show OP [--json]        steps, states, attempts, durations" },
		{ "log", op_log, "log OP [STEP]            the log of every step, or of one" },
		{ "resume", op_resume, "resume OP                continue at the failed or interrupted step" },
		{ "rerun-step", op_rerun, "rerun-step OP STEP       run a step that ran before again, then continue" },
		{ "complete-step", op_complete, "complete-step OP STEP    confirm a manual step, then continue" },
		{ "abort", op_abort, "abort OP                 give up an operation whose kind allows it" },
		{ "selftest", op_selftest, SELFTEST_USAGE + 9 },
		{ NULL, NULL, NULL }
	};
	return cli_dispatch(cli, "op", table, argc, argv);
}
