/* SPDX-License-Identifier: MIT */
/* cmd_upgrade_run.c: running a phase of the self-service upgrade from the CLI and what
 * follows it: the operation through the backend, then its line and the upgrade's status;
 * and the watch after the data upgrade when it runs on the home. Used by cmd_upgrade.c
 * and cmd_upgrade_writes.c (and nothing here uses them). */
#include "cli.h"
#include "backend.h"

#include "ferry/base/error.h"
#include "ferry/lifecycle/upgrade.h"
#include "ferry/ops/op.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static void print_ms(const char *label, const json_t *ms)
{
	if (json_is_integer(ms) && json_integer_value(ms) >= 0)
		printf("%s %.1f s\n", label, (double)json_integer_value(ms) / 1000.0);
	else
		printf("%s unknown (no data upgrade rehearsal for this target)\n", label);
}

/* Run the phase; then its line and the upgrade's status (JSON: the status). */
int cli_upgrade_phase(struct cli *cli, const char *action, json_t *args, const char *env,
		      const char *done)
{
	json_t *op, *st, *n;
	size_t i;
	int ec;

	if ((ec = cli_op_run(cli, action, args, &op)) || !op)
		return ec;
	if ((ec = cli_ask(cli, CLI_UPGRADE_STATUS, json_pack("{s:s}", "env", env), &st))) {
		json_decref(op);
		return ec;
	}
	if (cli->json) {
		cli_print_json(st);
	} else if (!cli->quiet) {
		if (!strcmp(action, "upgrade.data"))
			print_ms("measured downtime: ", json_object_get(json_object_get(st, "downtime"),
								       "measured_ms"));
		printf("%s (activity %s); upgrade of '%s' is %s\n", done, cli_str(op, "activity_id"), env,
		       cli_str(st, "phase"));
		json_array_foreach(json_object_get(st, "next"), i, n)
			printf("%s %s\n", i ? "     " : "next:", json_string_value(n));
	}
	json_decref(st);
	json_decref(op);
	return EXIT_OK;
}

static void print_events(struct cli *cli, const json_t *events)
{
	const json_t *e;
	size_t i;

	if (cli->quiet || cli->json)
		return;
	json_array_foreach(events, i, e)
		fprintf(stderr, "ferry: watch of '%s': %s: %s\n", cli_str(e, "env"), cli_str(e, "event"),
			cli_str(e, "message"));
}

/* The watch's state now ("" when the upgrade moved on). */
static void watch_state(struct ferry_ctx *ctx, const char *env, char *out, size_t cap)
{
	struct ferry_upgrade u;

	out[0] = '\0';
	if (ferry_upgrade_active(ctx, env, &u, NULL) == 1 && !strcmp(u.phase, FERRY_UP_DATA_UPGRADED))
		snprintf(out, cap, "%s", u.watch_state);
}

int cli_upgrade_watch_run(struct cli *cli, const char *env)
{
	struct timespec pause = { 0, 500 * 1000000L };
	struct ferry_op_hooks hooks;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	char state[16], act[37];
	json_t *due, *events, *d;
	size_t i;
	int ec, rc;

	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	watch_state(ctx, env, state, sizeof(state));
	if (strcmp(state, "watching"))
		return EXIT_OK;      /* no watch asked for, or it ended */
	if (!cli->quiet && !cli->json)
		fprintf(stderr, "ferry: watching '%s' (health and DVT probed; 'ferry upgrade status %s' "
			"shows it); Ctrl-C stops watching here, a ferryd on this home goes on\n", env, env);
	cli_op_hooks(cli, &hooks);
	for (;;) {
		ferry_error_clear(&err);
		if (ferry_upgrade_watch_tick(ctx, env, &due, &events, &err))
			return cli_fail(cli, &err);
		print_events(cli, events);
		json_array_foreach(due, i, d) {
			rc = ferry_upgrade_auto_rollback(ctx, env, cli_str(d, "reason"), &hooks, act, &err);
			json_decref(due);
			json_decref(events);
			if (rc)
				return cli_fail(cli, &err);
			fprintf(stderr, "ferry: '%s' was rolled back on its own (activity %s): the original "
				"is online, the writes since the upgrade carried back\n", env, act);
			return EXIT_FAILED;
		}
		json_decref(due);
		json_decref(events);
		watch_state(ctx, env, state, sizeof(state));
		if (strcmp(state, "watching"))
			break;
		nanosleep(&pause, NULL);
	}
	if (!strcmp(state, "passed") && !cli->quiet && !cli->json)
		fprintf(stderr, "ferry: the watch of '%s' passed: commit it ('ferry upgrade commit %s')\n",
			env, env);
	return !strcmp(state, "unhealthy") || !strcmp(state, "rolling-back") ? EXIT_FAILED : EXIT_OK;
}

