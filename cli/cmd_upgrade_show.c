/* SPDX-License-Identifier: MIT */
/* cmd_upgrade_show.c: `ferry upgrade status|settings|housekeep` (listed in
 * cmd_upgrade.c): the upgrade as the operator sees it, and its per-project settings. */
#include "cli.h"
#include "backend.h"

#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/lifecycle/upgrade.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void ms_text(const json_t *v, char *out, size_t cap)
{
	if (json_is_integer(v))
		snprintf(out, cap, "%.1f s", (double)json_integer_value(v) / 1000.0);
	else
		snprintf(out, cap, "-");
}

static void print_rt(const char *label, const json_t *rt)
{
	if (!json_is_object(rt)) {
		printf("%-10s -\n", label);
		return;
	}
	printf("%-10s %s (%s, release %s)\n", label, cli_str(rt, "url"), cli_str(rt, "state"), cli_str(rt, "release"));
}

static void print_ops(const json_t *ops)
{
	const json_t *op, *s;
	size_t i, j;
	char d[32];

	json_array_foreach(ops, i, op) {
		printf("  %-18s %.8s  %s%s%s\n", cli_str(op, "kind"), cli_str(op, "activity_id"), cli_str(op, "state"),
		       json_string_value(json_object_get(op, "error")) &&
		       *json_string_value(json_object_get(op, "error")) ? ": " : "",
		       json_string_value(json_object_get(op, "error")) ?: "");
		json_array_foreach(json_object_get(op, "steps"), j, s) {
			ms_text(json_object_get(s, "duration_ms"), d, sizeof(d));
			printf("    %-24s %-12s %8s", cli_str(s, "name"), cli_str(s, "state"), d);
			if (json_integer_value(json_object_get(s, "attempts")) > 1)
				printf("  (%lld attempts)",
				       (long long)json_integer_value(json_object_get(s, "attempts")));
			putchar('\n');
		}
		json_array_foreach(json_object_get(op, "data_upgrade_steps"), j, s) {
			ms_text(json_object_get(s, "elapsed_ms"), d, sizeof(d));
			printf("      %-14s %-32s %-10s %8s\n", cli_str(s, "phase"), cli_str(s, "name"), cli_str(s, "state"), d);
		}
	}
}

static void print_status(const json_t *st)
{
	const json_t *dt = json_object_get(st, "downtime"), *x, *rp;
	char a[32], b[32], c[32];
	size_t i;

	printf("upgrade of '%s' (%s, project %s): %s -> %s\n", cli_str(st, "env"), cli_str(st, "role"),
	       cli_str(st, "project"), cli_str(st, "from"), cli_str(st, "to"));
	printf("%-10s %s%s%s\n", "phase:", cli_str(st, "phase"),
	       *cli_str(st, "reason") != '-' && *cli_str(st, "reason") ? " - " : "",
	       *cli_str(st, "reason") != '-' ? cli_str(st, "reason") : "");
	printf("%-10s %s%s%s\n", "begun:", cli_str(st, "created"),
	       json_is_string(json_object_get(st, "expires")) ? ", expires " : "",
	       json_is_string(json_object_get(st, "expires")) ? cli_str(st, "expires") : "");
	if (json_is_object(json_object_get(st, "original")) || json_is_object(json_object_get(st, "upgrade"))) {
		print_rt("original:", json_object_get(st, "original"));
		print_rt("upgrade:", json_object_get(st, "upgrade"));
	}
	ms_text(json_object_get(dt, "predicted_ms"), a, sizeof(a));
	ms_text(json_object_get(dt, "so_far_ms"), b, sizeof(b));
	ms_text(json_object_get(dt, "measured_ms"), c, sizeof(c));
	printf("%-10s predicted %s%s%.8s%s, so far %s, measured %s\n", "downtime:", a,
	       json_is_string(json_object_get(dt, "predicted_from")) ? " (rehearsal " : "",
	       json_is_string(json_object_get(dt, "predicted_from"))
	       ? cli_str(dt, "predicted_from") : "",
	       json_is_string(json_object_get(dt, "predicted_from")) ? ")" : "", b, c);
	if (json_array_size(json_object_get(st, "packages"))) {
		printf("packages:\n");
		json_array_foreach(json_object_get(st, "packages"), i, x)
			printf("  %-28s %-12s %.8s  %s%s\n", cli_str(x, "package"), cli_str(x, "kind"),
			       cli_str(x, "activity_id"), cli_str(x, "state"),
			       json_is_true(json_object_get(x, "signed_off")) ? " (signed off)" : "");
	}
	printf("operations:\n");
	print_ops(json_object_get(st, "operations"));
	if (json_is_object(rp = json_object_get(st, "restore_point")))
		printf("%-10s %s of %s%s%s%s\n", "restore point:", cli_str(rp, "name"), cli_str(rp, "database"),
		       json_is_string(json_object_get(rp, "kept_until")) ? ", kept until " : "",
		       json_is_string(json_object_get(rp, "kept_until")) ? cli_str(rp, "kept_until") : "",
		       json_is_string(json_object_get(rp, "removed")) ? " (removed)" : "");
	if (json_is_object(x = json_object_get(st, "baseline")))
		printf("%-10s %s, taken %s: the writes since then are what a rollback carries back\n",
		       "baseline:", cli_str(x, "restore_point"), cli_str(x, "taken"));
	if (json_is_object(x = json_object_get(st, "watch")))
		printf("%-10s %s until %s: %lld probes, %lld of %lld failures in a row%s%s%s\n", "watch:",
		       cli_str(x, "state"), cli_str(x, "until"),
		       (long long)json_integer_value(json_object_get(x, "probes")),
		       (long long)json_integer_value(json_object_get(x, "failures")),
		       (long long)json_integer_value(json_object_get(x, "health_failures")),
		       json_is_true(json_object_get(x, "auto_rollback")) ? ", then rolls back on its own" : "",
		       *cli_str(x, "last") && *cli_str(x, "last") != '-' ? "; last: " : "",
		       *cli_str(x, "last") != '-' ? cli_str(x, "last") : "");
	if (json_array_size(json_object_get(st, "next"))) {
		printf("next:\n");
		json_array_foreach(json_object_get(st, "next"), i, x)
			printf("  %s\n", json_string_value(x));
	}
}

static int upgrade_status(struct cli *cli, const struct cli_args *a)
{
	json_t *st;
	int ec;

	if ((ec = cli_ask(cli, CLI_UPGRADE_STATUS, json_pack("{s:s}", "env", cli_pos(a, 0)), &st)))
		return ec;
	if (cli->json)
		cli_print_json(st);
	else
		print_status(st);
	json_decref(st);
	return EXIT_OK;
}

const struct cli_command cli_upgrade_status = {
	"status", "ENV", 1, 1, NULL, "the upgrade's phase, steps, downtime, and what to do next",
	NULL, CLI_READ, upgrade_status
};

/* "30d", "12h", "90m", "45s" or plain seconds. */
static int duration(const char *s, int64_t *out)
{
	long long v;
	char num[32];
	size_t n = strlen(s);
	int mul = 1;

	if (!n || n >= sizeof(num))
		return -1;
	snprintf(num, sizeof(num), "%s", s);
	switch (num[n - 1]) {
	case 'd': mul = 86400; num[n - 1] = '\0'; break;
	case 'h': mul = 3600; num[n - 1] = '\0'; break;
	case 'm': mul = 60; num[n - 1] = '\0'; break;
	case 's': num[n - 1] = '\0'; break;
	default: break;
	}
	if (ferry_parse_int(num, 0, 100LL * 365 * 86400, &v))
		return -1;
	*out = (int64_t)v * mul;
	return 0;
}

static const struct cli_opt settings_opts[] = {
	{ "project", 0, "P", CLI_OPT_REQUIRED, "the project" },
	{ "retention", 0, "DUR", 0, "keep the restore point this long after commit (30d, 12h, 90m, 45s)" },
	{ "expiry", 0, "DUR", 0, "an uncommitted upgrade expires after this" },
	{ "warn", 0, "DUR", 0, "warn this long before it expires" },
	{ "refresh-max-age", 0, "DUR", 0, "warn when sandbox data is older than this" },
	{ "watch", 0, "DUR", 0, "after the data upgrade, probe health and DVT this long (0: no watch)" },
	{ "probe-interval", 0, "DUR", 0, "between two probes of the watch (10s)" },
	{ "disk-reserve", 0, "BYTES", 0, "disk space to keep free" },
	{ "health-failures", 0, "N", 0, "consecutive failed probes that make it unhealthy (3)" },
	{ "auto-rollback", 0, "yes|no", 0, "roll back on its own when unhealthy, carrying the writes" },
	{ NULL, 0, NULL, 0, NULL }
};

/* The options given, as the settings' members ({"retention_s": 86400, ...}). */
static int settings_set(const struct cli_args *a, json_t *set)
{
	static const char *const keys[] = { "retention_s", "expiry_s", "warn_s",
					     "refresh_max_age_s", "watch_s", "probe_interval_s" };
	const char *v;
	long long n;
	int64_t d;
	int i;

	for (i = 0; i < 6; i++) {
		if (!(v = cli_arg(a, settings_opts[i + 1].name)))
			continue;
		if (duration(v, &d))
			return cli_bad(a, "'%s' is not a duration (30d, 12h, 90m, 45s)", v);
		json_object_set_new(set, keys[i], json_integer(d));
	}
	if ((v = cli_arg(a, "disk-reserve"))) {
		if (ferry_parse_int(v, 0, 1LL << 50, &n))
			return cli_bad(a, "--disk-reserve wants bytes, not '%s'", v);
		json_object_set_new(set, "disk_reserve_bytes", json_integer(n));
	}
	if ((v = cli_arg(a, "health-failures"))) {
		if (ferry_parse_int(v, 1, 1000, &n))
			return cli_bad(a, "--health-failures wants a count from 1 to 1000, not '%s'", v);
		json_object_set_new(set, "health_failures", json_integer(n));
	}
	if ((v = cli_arg(a, "auto-rollback"))) {
		if (strcmp(v, "yes") && strcmp(v, "no"))
			return cli_bad(a, "--auto-rollback wants yes or no, not '%s'", v);
		json_object_set_new(set, "auto_rollback", json_boolean(!strcmp(v, "yes")));
	}
	return 0;
}

static int upgrade_settings(struct cli *cli, const struct cli_args *a)
{
	json_t *set = json_pack("{s:s}", "project", cli_arg(a, "project")), *o;
	int ec;

	if ((ec = settings_set(a, set))) {
		json_decref(set);
		return ec;
	}
	/* a change is the admin's; showing them is anyone's */
	if ((ec = cli_ask(cli, json_object_size(set) > 1 ? CLI_UPGRADE_SETTINGS
			  : CLI_UPGRADE_SETTINGS_SHOW, set, &o)))
		return ec;
	if (cli->json) {
		cli_print_json(o);
	} else if (!cli->quiet) {
#define N(k) (long long)json_integer_value(json_object_get(o, k))
		printf("retention of the restore point after commit: %lld s\n", N("retention_s"));
		printf("expiry of an uncommitted upgrade:            %lld s\n", N("expiry_s"));
		printf("warning before expiry:                       %lld s\n", N("warn_s"));
		printf("sandbox data older than (warning):           %lld s\n", N("refresh_max_age_s"));
		printf("disk space kept free:                        %lld bytes\n", N("disk_reserve_bytes"));
		printf("watch after the data upgrade:                %lld s (a probe every %lld s)\n",
		       N("watch_s"), N("probe_interval_s"));
		printf("unhealthy after consecutive failed probes:   %lld\n", N("health_failures"));
		printf("automatic rollback when unhealthy:           %s\n",
		       json_is_true(json_object_get(o, "auto_rollback")) ? "yes" : "no");
#undef N
	}
	json_decref(o);
	return EXIT_OK;
}

const struct cli_command cli_upgrade_settings = {
	"settings", "", 0, 0, NULL, "a project's upgrade settings: show them, or change some",
	settings_opts, 0, upgrade_settings
};

static int upgrade_housekeep(struct cli *cli, const struct cli_args *a)
{
	struct ferry_error err;
	struct ferry_ctx *ctx;
	json_t *rep = NULL, *x;
	size_t i;
	int ec;

	(void)a;
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_upgrade_housekeep(ctx, &rep, &err))
		return cli_fail(cli, &err);
	if (cli->json)
		cli_print_json(rep);
	else if (!cli->quiet)
		json_array_foreach(rep, i, x)
			printf("%s: %s: %s\n", cli_str(x, "env"), cli_str(x, "action"), cli_str(x, "message"));
	json_decref(rep);
	return EXIT_OK;
}

const struct cli_command cli_upgrade_housekeep = {
	"housekeep", "", 0, 0, NULL, "expiry warnings, expiry of uncommitted upgrades, retention "
	"of restore points", NULL, CLI_LOCAL, upgrade_housekeep
};
