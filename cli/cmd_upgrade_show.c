/* cmd_upgrade_show.c: `ferry upgrade status|settings|housekeep` and the views of
 * `ferry env show ENV --view original|upgrade`. */
#include "cli.h"

#include "ferry/store/ctx.h"
#include "ferry/base/error.h"
#include "ferry/project/project.h"
#include "ferry/lifecycle/upgrade.h"
#include "ferry/base/util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "-";
}

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
	printf("%-10s %s (%s, release %s)\n", label, str(rt, "url"), str(rt, "state"), str(rt, "release"));
}

static void print_ops(const json_t *ops)
{
	const json_t *op, *s;
	size_t i, j;
	char d[32];

	json_array_foreach(ops, i, op) {
		printf("  %-18s %.8s  %s%s%s\n", str(op, "kind"), str(op, "activity_id"), str(op, "state"),
		       json_string_value(json_object_get(op, "error")) &&
		       *json_string_value(json_object_get(op, "error")) ? ": " : "",
		       json_string_value(json_object_get(op, "error")) ?: "");
		json_array_foreach(json_object_get(op, "steps"), j, s) {
			ms_text(json_object_get(s, "duration_ms"), d, sizeof(d));
			printf("    %-24s %-12s %8s", str(s, "name"), str(s, "state"), d);
			if (json_integer_value(json_object_get(s, "attempts")) > 1)
				printf("  (%lld attempts)",
				       (long long)json_integer_value(json_object_get(s, "attempts")));
			putchar('\n');
		}
		json_array_foreach(json_object_get(op, "data_upgrade_steps"), j, s) {
			ms_text(json_object_get(s, "elapsed_ms"), d, sizeof(d));
			printf("      %-14s %-32s %-10s %8s\n", str(s, "phase"), str(s, "name"), str(s, "state"), d);
		}
	}
}

static void print_status(const json_t *st)
{
	const json_t *dt = json_object_get(st, "downtime"), *x, *rp;
	char a[32], b[32], c[32];
	size_t i;

	printf("upgrade of '%s' (%s, project %s): %s -> %s\n", str(st, "env"), str(st, "role"),
	       str(st, "project"), str(st, "from"), str(st, "to"));
	printf("%-10s %s%s%s\n", "phase:", str(st, "phase"),
	       *str(st, "reason") != '-' && *str(st, "reason") ? " - " : "",
	       *str(st, "reason") != '-' ? str(st, "reason") : "");
	printf("%-10s %s%s%s\n", "begun:", str(st, "created"),
	       json_is_string(json_object_get(st, "expires")) ? ", expires " : "",
	       json_is_string(json_object_get(st, "expires")) ? str(st, "expires") : "");
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
	       ? str(dt, "predicted_from") : "",
	       json_is_string(json_object_get(dt, "predicted_from")) ? ")" : "", b, c);
	if (json_array_size(json_object_get(st, "packages"))) {
		printf("packages:\n");
		json_array_foreach(json_object_get(st, "packages"), i, x)
			printf("  %-28s %-12s %.8s  %s%s\n", str(x, "package"), str(x, "kind"),
			       str(x, "activity_id"), str(x, "state"),
			       json_is_true(json_object_get(x, "signed_off")) ? " (signed off)" : "");
	}
	printf("operations:\n");
	print_ops(json_object_get(st, "operations"));
	if (json_is_object(rp = json_object_get(st, "restore_point")))
		printf("%-10s %s of %s%s%s%s\n", "restore point:", str(rp, "name"), str(rp, "database"),
		       json_is_string(json_object_get(rp, "kept_until")) ? ", kept until " : "",
		       json_is_string(json_object_get(rp, "kept_until")) ? str(rp, "kept_until") : "",
		       json_is_string(json_object_get(rp, "removed")) ? " (removed)" : "");
	if (json_array_size(json_object_get(st, "next"))) {
		printf("next:\n");
		json_array_foreach(json_object_get(st, "next"), i, x)
			printf("  %s\n", json_string_value(x));
	}
}

int cmd_upgrade_status(struct cli *cli, int argc, char **argv)
{
	struct ferry_error err;
	struct ferry_ctx *ctx;
	json_t *st;
	int ec;

	if (argc != 2)
		return cli_usage("ferry upgrade status ENV [--json]",
				 argc < 2 ? "missing environment ENV" : "too many arguments");
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_upgrade_status(ctx, argv[1], &st, &err))
		return cli_fail(cli, &err);
	if (cli->json)
		cli_print_json(st);
	else
		print_status(st);
	json_decref(st);
	return EXIT_OK;
}

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

#define SETTINGS_USAGE "ferry upgrade settings --project P [--retention DUR] [--expiry DUR] " \
		       "[--warn DUR] [--refresh-max-age DUR] [--disk-reserve BYTES] [--json]"

int cmd_upgrade_settings(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "project", required_argument, NULL, 'P' },
		{ "retention", required_argument, NULL, 'r' },
		{ "expiry", required_argument, NULL, 'e' },
		{ "warn", required_argument, NULL, 'w' },
		{ "refresh-max-age", required_argument, NULL, 'f' },
		{ "disk-reserve", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	struct ferry_upgrade_settings s = { -1, -1, -1, -1, -1 };
	struct ferry_project p;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	const char *project = NULL;
	long long bytes;
	int c, ec, change = 0;
	json_t *o;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int64_t *f = c == 'r' ? &s.retention_s : c == 'e' ? &s.expiry_s : c == 'w' ? &s.warn_s
			   : c == 'f' ? &s.refresh_max_age_s : NULL;
		if (c == 'P') {
			project = optarg;
		} else if (f) {
			if (duration(optarg, f))
				return cli_usage(SETTINGS_USAGE, "'%s' is not a duration (30d, 12h, 90m, 45s)", optarg);
			change = 1;
		} else if (c == 'd') {
			if (ferry_parse_int(optarg, 0, 1LL << 50, &bytes))
				return cli_usage(SETTINGS_USAGE, "--disk-reserve wants bytes, not '%s'", optarg);
			s.disk_reserve_bytes = bytes;
			change = 1;
		} else {
			return cli_usage(SETTINGS_USAGE, "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc || !project)
		return cli_usage(SETTINGS_USAGE, optind != argc ? "unexpected argument" : "missing --project");
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if ((change && ferry_upgrade_settings_set(ctx, project, &s, &err)) ||
	    ferry_project_get(ctx, project, &p, &err) ||
	    ferry_upgrade_settings_get(ctx, p.id, &s, &err))
		return cli_fail(cli, &err);
	o = ferry_upgrade_settings_to_json(&s);
	if (cli->json) {
		cli_print_json(o);
	} else if (!cli->quiet) {
		printf("retention of the restore point after commit: %lld s\n", (long long)s.retention_s);
		printf("expiry of an uncommitted upgrade:            %lld s\n", (long long)s.expiry_s);
		printf("warning before expiry:                       %lld s\n", (long long)s.warn_s);
		printf("sandbox data older than (warning):           %lld s\n", (long long)s.refresh_max_age_s);
		printf("disk space kept free:                        %lld bytes\n",
		       (long long)s.disk_reserve_bytes);
	}
	json_decref(o);
	return EXIT_OK;
}

int cmd_upgrade_housekeep(struct cli *cli, int argc, char **argv)
{
	struct ferry_error err;
	struct ferry_ctx *ctx;
	json_t *rep = NULL, *x;
	size_t i;
	int ec;

	if (argc != 1)
		return cli_usage("ferry upgrade housekeep [--json]", "unexpected argument '%s'", argv[1]);
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_upgrade_housekeep(ctx, &rep, &err))
		return cli_fail(cli, &err);
	if (cli->json)
		cli_print_json(rep);
	else if (!cli->quiet)
		json_array_foreach(rep, i, x)
			printf("%s: %s: %s\n", str(x, "env"), str(x, "action"), str(x, "message"));
	json_decref(rep);
	return EXIT_OK;
}

int cli_env_show_view(struct cli *cli, const char *env, const char *view, json_t *orig)
{
	static const char *const keys[] = { "name", "view", "project", "role", "phase", "app_release",
					    "platform", "url", "state", "pid", "release", "database", NULL };
	struct ferry_upgrade u;
	struct ferry_error err;
	json_t *o;

	ferry_error_clear(&err);
	if (strcmp(view, FERRY_VIEW_UPGRADE)) {
		/* The original view: what `env show` prints, plus the upgrade's phase. */
		json_object_set_new(orig, "view", json_string(FERRY_VIEW_ORIGINAL));
		if (ferry_upgrade_active(cli->ctx, env, &u, NULL) == 1)
			json_object_set_new(orig, "upgrade", json_pack("{s:s, s:s, s:s}", "phase", u.phase,
						"to_release", u.to_release, "to_platform", u.to_platform));
		return -1;
	}
	if (ferry_upgrade_view(cli->ctx, env, &o, &err))
		return cli_fail(cli, &err);
	if (cli->json)
		cli_print_json(o);
	else
		cli_print_fields(o, keys);
	json_decref(o);
	return EXIT_OK;
}
