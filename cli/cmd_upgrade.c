/* cmd_upgrade.c: `ferry upgrade ...`: the upgrade advisor (`check`) and the
 * self-service upgrade: targets, preflight, begin, apply, signoff, rollback-package,
 * data, commit, rollback, cancel, resume (status and settings: cmd_upgrade_show.c). */
#include "cli.h"

#include "ferry/catalog/advisor.h"
#include "ferry/catalog/catalog.h"
#include "ferry/store/ctx.h"
#include "ferry/base/error.h"
#include "ferry/ops/op.h"
#include "ferry/lifecycle/preflight.h"
#include "ferry/lifecycle/upgrade.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK_USAGE "ferry upgrade check (--from VERSION | --env NAME) --to VERSION " \
		    "[--from-platform PUn] [--to-platform PUn] [--product P] [--json]"

static void print_side(const char *label, const struct ferry_catalog_release *r,
		       const struct ferry_catalog_platform *p)
{
	printf("%-6s %s (%s", label, r->id, r->name);
	if (r->build)
		printf(", AX7.version %s", r->build);
	printf(")%s%s\n", p ? " on " : "", p ? p->id : "");
}

static void print_advice(const struct ferry_advice *adv)
{
	json_t *x;
	size_t i;

	if (adv->env)
		printf("env:   %s\n", adv->env);
	print_side("from:", adv->from, adv->from_platform);
	print_side("to:", adv->to, adv->to_platform);
	printf("\nkind:                            %s\n", ferry_move_kind_name(adv->kind));
	printf("code upgrade service required:   %s\n", adv->code_upgrade_required ? "yes" : "no");
	printf("data upgrade required:           %s\n", adv->data_upgrade_required ? "yes" : "no");
	printf("refactor overlayering required:  %s\n", adv->refactor_overlayering_required ? "yes" : "no");
	printf("hotfixes supported on target:    %s\n", adv->hotfixes_supported ? "yes" : "no");
	printf("\nwhy:\n");
	json_array_foreach(adv->reasons, i, x) {
		const json_t *v = json_object_get(x, "value");
		printf("  %s = %s  [%s]\n    %s\n", json_string_value(json_object_get(x, "answer")),
		       json_is_string(v) ? json_string_value(v) : json_is_true(v) ? "yes" : "no",
		       json_string_value(json_object_get(x, "rule")),
		       json_string_value(json_object_get(x, "text")));
	}
	printf("\nsteps:\n");
	json_array_foreach(adv->steps, i, x)
		printf("  %2zu. [%s] %s\n      (%s: %s)\n", i + 1,
		       json_string_value(json_object_get(x, "environment")),
		       json_string_value(json_object_get(x, "title")),
		       json_string_value(json_object_get(x, "id")),
		       json_string_value(json_object_get(x, "rule")));
}

static int upgrade_check(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "from-platform", required_argument, NULL, 'F' },
		{ "to-platform", required_argument, NULL, 'T' },
		{ "env", required_argument, NULL, 'e' },
		{ "product", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	struct ferry_advice_request req = { 0 };
	struct ferry_catalog *cat = NULL;
	struct ferry_advice *adv = NULL;
	const char *env = NULL, *product = NULL;
	struct ferry_error err;
	int c, rc, ec;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f': req.from = optarg; break;
		case 't': req.to = optarg; break;
		case 'F': req.from_platform = optarg; break;
		case 'T': req.to_platform = optarg; break;
		case 'e': env = optarg; break;
		case 'p': product = optarg; break;
		default:
			return cli_usage(CHECK_USAGE, "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage(CHECK_USAGE, "unexpected argument '%s'", argv[optind]);
	if (!req.to)
		return cli_usage(CHECK_USAGE, "missing --to VERSION");
	if (env && (req.from || req.from_platform || product))
		return cli_usage(CHECK_USAGE, "--env takes the source from the environment: drop --from, --from-platform and --product");
	if (!env && !req.from)
		return cli_usage(CHECK_USAGE, "missing --from VERSION (or --env NAME)");
	ferry_error_clear(&err);
	if (env) {
		struct ferry_ctx *ctx = cli_ctx(cli, &ec);
		if (!ctx)
			return ec;
		rc = ferry_advisor_check_env(ctx, env, &req, &adv, &err);
	} else {
		rc = ferry_catalog_open_settings(cli->settings, product, &cat, &err);
		if (rc)
			return cli_fail(cli, &err);
		rc = ferry_advisor_check(cat, &req, &adv, &err);
	}
	if (adv && cli->json) {
		json_t *j = ferry_advice_to_json(adv);
		cli_print_json(j);
		json_decref(j);
	} else if (adv && !rc) {
		print_advice(adv);
	}
	ferry_advice_free(adv);
	ferry_catalog_free(cat);
	return rc ? cli_fail(cli, &err) : EXIT_OK;
}

/* ---- the self-service upgrade ---- */

/* ENV plus the options in `allowed` ("t" --to, "d" --data, "v" --view). */
struct up_args {
	const char *env, *to, *view, *arg;
	int data;
};

static int up_parse(int argc, char **argv, const char *usage, const char *allowed, int nargs,
		    struct up_args *a)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "data", no_argument, NULL, 'd' },
		{ "view", required_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	memset(a, 0, sizeof(*a));
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == '?' || !strchr(allowed, c))
			return cli_usage(usage, "unknown or incomplete option '%s'", argv[optind - 1]);
		if (c == 't')
			a->to = optarg;
		else if (c == 'd')
			a->data = 1;
		else
			a->view = optarg;
	}
	if (argc - optind != nargs)
		return cli_usage(usage, argc - optind < nargs ? "missing %s" : "too many arguments%s",
				 argc - optind < nargs ? (nargs == 2 && argc - optind == 1 ? "PACKAGE"
							  : "environment ENV") : "");
	a->env = argv[optind];
	a->arg = nargs > 1 ? argv[optind + 1] : NULL;
	if (a->view && strcmp(a->view, FERRY_VIEW_ORIGINAL) && strcmp(a->view, FERRY_VIEW_UPGRADE))
		return cli_usage(usage, "--view wants 'original' or 'upgrade', not '%s'", a->view);
	return 0;
}

static void print_warnings(struct cli *cli, const json_t *warnings)
{
	const json_t *w;
	size_t i;

	if (cli->quiet)
		return;
	json_array_foreach(warnings, i, w)
		fprintf(stderr, "ferry: warning: %s\n", json_string_value(w));
}

#define TARGETS_USAGE "ferry upgrade targets ENV [--json]"

static int upgrade_targets(struct cli *cli, int argc, char **argv)
{
	static const char *const cols[] = { "target", "kind", "name", "code_upgrade_required",
					    "self_service", NULL };
	static const char *const heads[] = { "TARGET", "KIND", "NAME", "CODE UPGRADE",
					     "SELF-SERVICE", NULL };
	struct ferry_error err;
	struct ferry_ctx *ctx;
	struct up_args a;
	json_t *t;
	int ec;

	if ((ec = up_parse(argc, argv, TARGETS_USAGE, "", 1, &a)))
		return ec;
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_upgrade_targets(ctx, a.env, &t, &err))
		return cli_fail(cli, &err);
	if (cli->json)
		cli_print_json(t);
	else if (json_array_size(t))
		cli_print_table(t, cols, heads);
	else
		printf("'%s' is on the newest release the catalog knows: no target\n", a.env);
	json_decref(t);
	return EXIT_OK;
}

#define PREFLIGHT_USAGE "ferry upgrade preflight ENV (--to RELEASE[/PUn] | --data) [--json]"

static int upgrade_preflight(struct cli *cli, int argc, char **argv)
{
	struct ferry_upgrade u;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	struct up_args a;
	char rel[32], pu[32];
	json_t *rep = NULL, *c;
	size_t i;
	int ec, rc;

	if ((ec = up_parse(argc, argv, PREFLIGHT_USAGE, "td", 1, &a)))
		return ec;
	if (!a.to == !a.data)
		return cli_usage(PREFLIGHT_USAGE, "give --to RELEASE (before begin) or --data (before "
				 "the data upgrade)");
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (a.data) {
		if ((rc = ferry_upgrade_active(ctx, a.env, &u, &err)) <= 0) {
			if (rc == 0)
				ferry_error_set(&err, FERRY_ESTATE, "environment '%s' has no upgrade in "
						"progress: use --to RELEASE", a.env);
			return cli_fail(cli, &err);
		}
		snprintf(rel, sizeof(rel), "%s", u.to_release);
		snprintf(pu, sizeof(pu), "%s", u.to_platform);
	} else if (ferry_upgrade_resolve_target(ctx, a.env, a.to, rel, pu, &err)) {
		return cli_fail(cli, &err);
	}
	rc = ferry_preflight_run(ctx, a.env, rel, pu, a.data ? FERRY_PREFLIGHT_DATA
			       : FERRY_PREFLIGHT_BEGIN, &rep, &err);
	if (cli->json && rep) {
		cli_print_json(rep);
	} else if (rep && !cli->quiet) {
		printf("preflight of '%s' to %s/%s (%s):\n", a.env, rel, pu, a.data ? "data upgrade" : "begin");
		json_array_foreach(json_object_get(rep, "checks"), i, c)
			printf("  [%s] %-22s %s\n", json_is_true(json_object_get(c, "ok")) ? " ok " :
			       !strcmp(json_string_value(json_object_get(c, "severity")), "warning")
			       ? "warn" : "FAIL", json_string_value(json_object_get(c, "check")),
			       json_string_value(json_object_get(c, "message")));
	}
	json_decref(rep);
	return rc ? cli_fail(cli, &err) : EXIT_OK;
}

/* What to print after an upgrade action ran: the error, or a line and the status. */
static int outcome(struct cli *cli, const char *env, const char *act, int rc,
		   struct ferry_error *err, const char *done)
{
	struct ferry_error e2;
	json_t *st = NULL, *n;
	size_t i;

	if (rc)
		return cli_fail(cli, err);
	ferry_error_clear(&e2);
	if (ferry_upgrade_status(cli->ctx, env, &st, &e2))
		return cli_fail(cli, &e2);
	if (cli->json) {
		cli_print_json(st);
	} else if (!cli->quiet) {
		printf("%s (activity %s); upgrade of '%s' is %s\n", done, act, env,
		       json_string_value(json_object_get(st, "phase")));
		json_array_foreach(json_object_get(st, "next"), i, n)
			printf("%s %s\n", i ? "     " : "next:", json_string_value(n));
	}
	json_decref(st);
	return EXIT_OK;
}

#define BEGIN_USAGE "ferry upgrade begin ENV --to RELEASE[/PUn]"

static int upgrade_begin(struct cli *cli, int argc, char **argv)
{
	struct ferry_op_hooks hooks;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	struct up_args a;
	char act[37] = "";
	json_t *warnings = NULL;
	int ec, rc;

	if ((ec = up_parse(argc, argv, BEGIN_USAGE, "t", 1, &a)))
		return ec;
	if (!a.to)
		return cli_usage(BEGIN_USAGE, "missing --to RELEASE[/PUn] (see 'ferry upgrade targets %s')", a.env);
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	cli_op_hooks(cli, &hooks);
	rc = ferry_upgrade_begin(ctx, a.env, a.to, &hooks, act, &warnings, &err);
	print_warnings(cli, warnings);
	json_decref(warnings);
	return outcome(cli, a.env, act, rc, &err, "Prepared the upgrade-in-progress environment; the "
		       "original kept serving");
}

/* The actions that take ENV only (and PACKAGE for apply). */
enum action { APPLY, SIGNOFF, ROLLBACK_PKG, COMMIT, ROLLBACK, CANCEL, RESUME };

static int action(struct cli *cli, int argc, char **argv, enum action what)
{
	static const char *const usage[] = {
		"ferry upgrade apply ENV PACKAGE", "ferry upgrade signoff ENV",
		"ferry upgrade rollback-package ENV", "ferry upgrade commit ENV",
		"ferry upgrade rollback ENV", "ferry upgrade cancel ENV [--view original|upgrade]",
		"ferry upgrade resume ENV"
	};
	static const char *const done[] = {
		"Package applied to the upgrade-in-progress environment: validate it, then sign it off",
		"Signed off", "Package rolled back on the upgrade-in-progress environment",
		"Committed: the upgraded environment is the environment now",
		"Rolled back: the original is online in its previous state",
		"Cancelled: the upgrade-in-progress environment is gone, the original as it was",
		"Resumed"
	};
	struct ferry_op_hooks hooks;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	struct up_args a;
	char act[37] = "";
	int ec, rc = 0;

	if ((ec = up_parse(argc, argv, usage[what], what == CANCEL ? "v" : "", what == APPLY ? 2 : 1, &a)))
		return ec;
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	cli_op_hooks(cli, &hooks);
	switch (what) {
	case APPLY: rc = ferry_upgrade_apply(ctx, a.env, a.arg, &hooks, act, &err); break;
	case SIGNOFF: rc = ferry_upgrade_signoff(ctx, a.env, &hooks, act, &err); break;
	case ROLLBACK_PKG: rc = ferry_upgrade_rollback_package(ctx, a.env, &hooks, act, &err); break;
	case COMMIT: rc = ferry_upgrade_commit(ctx, a.env, &hooks, act, &err); break;
	case ROLLBACK: rc = ferry_upgrade_rollback(ctx, a.env, &hooks, act, &err); break;
	case CANCEL: rc = ferry_upgrade_cancel(ctx, a.env, a.view, &hooks, act, &err); break;
	case RESUME: rc = ferry_upgrade_resume(ctx, a.env, &hooks, act, &err); break;
	}
	return outcome(cli, a.env, act, rc, &err, done[what]);
}

static int upgrade_apply(struct cli *cli, int argc, char **argv) { return action(cli, argc, argv, APPLY); }
static int upgrade_signoff(struct cli *cli, int argc, char **argv) { return action(cli, argc, argv, SIGNOFF); }
static int upgrade_rollback_pkg(struct cli *cli, int argc, char **argv) { return action(cli, argc, argv, ROLLBACK_PKG); }
static int upgrade_commit(struct cli *cli, int argc, char **argv) { return action(cli, argc, argv, COMMIT); }
static int upgrade_rollback(struct cli *cli, int argc, char **argv) { return action(cli, argc, argv, ROLLBACK); }
static int upgrade_cancel(struct cli *cli, int argc, char **argv) { return action(cli, argc, argv, CANCEL); }
static int upgrade_resume(struct cli *cli, int argc, char **argv) { return action(cli, argc, argv, RESUME); }

static void print_ms(const char *label, int64_t ms)
{
	if (ms < 0)
		printf("%s unknown (no data upgrade rehearsal for this target)\n", label);
	else
		printf("%s %.1f s\n", label, (double)ms / 1000.0);
}

static int upgrade_data(struct cli *cli, int argc, char **argv)
{
	struct ferry_op_hooks hooks;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	struct up_args a;
	json_t *pred = NULL, *st = NULL;
	char act[37] = "";
	int64_t predicted = -1;
	int ec, rc;

	if ((ec = up_parse(argc, argv, "ferry upgrade data ENV", "", 1, &a)))
		return ec;
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (!cli->json && !cli->quiet) {
		struct ferry_upgrade u;
		if (ferry_upgrade_active(ctx, a.env, &u, NULL) == 1 &&
		    !ferry_upgrade_predict(ctx, a.env, u.to_release, &pred, NULL)) {
			print_ms("predicted downtime:", json_integer_value(json_object_get(pred, "predicted_ms")));
			fflush(stdout);
		}
		json_decref(pred);
	}
	cli_op_hooks(cli, &hooks);
	rc = ferry_upgrade_data(ctx, a.env, &hooks, act, &predicted, &err);
	if (!rc && !cli->json && !cli->quiet && !ferry_upgrade_status(ctx, a.env, &st, NULL)) {
		json_t *m = json_object_get(json_object_get(st, "downtime"), "measured_ms");
		print_ms("measured downtime: ", json_is_integer(m) ? json_integer_value(m) : -1);
	}
	json_decref(st);
	return outcome(cli, a.env, act, rc, &err, "Data upgrade done: the upgraded environment serves "
		       "on the original's address; validate it, then commit or roll back");
}

int cmd_upgrade(struct cli *cli, int argc, char **argv)
{
	static const struct cli_cmd table[] = {
		{ "check", upgrade_check, "check (--from VERSION | --env NAME) --to VERSION [--from-platform PUn] "
					  "[--to-platform PUn] [--product P] [--json]" },
		{ "targets", upgrade_targets, "targets ENV [--json]       releases the catalog allows (the slider)" },
		{ "preflight", upgrade_preflight, "preflight ENV (--to RELEASE[/PUn] | --data) [--json]" },
		{ "begin", upgrade_begin, "begin ENV --to RELEASE[/PUn]  prepare the upgrade-in-progress environment" },
		{ "apply", upgrade_apply, "apply ENV PACKAGE          apply a package to the upgrade-in-progress view" },
		{ "signoff", upgrade_signoff, "signoff ENV                sign off the package applied last" },
		{ "rollback-package", upgrade_rollback_pkg, "rollback-package ENV       roll back that package (not the upgrade)" },
		{ "data", upgrade_data, "data ENV                   data upgrade and swap (downtime)" },
		{ "commit", upgrade_commit, "commit ENV                 mark the upgrade successful" },
		{ "rollback", upgrade_rollback, "rollback ENV               restore the original (after the data upgrade)" },
		{ "cancel", upgrade_cancel, "cancel ENV [--view original]  remove the upgrade-in-progress environment" },
		{ "resume", upgrade_resume, "resume ENV                 continue a failed phase at its failed step" },
		{ "status", cmd_upgrade_status, "status ENV [--json]        phase, steps, downtime, what to do next" },
		{ "settings", cmd_upgrade_settings, "settings --project P [--retention DUR] [--expiry DUR] [--warn DUR] "
						   "[--refresh-max-age DUR] [--disk-reserve BYTES]" },
		{ "housekeep", cmd_upgrade_housekeep, "housekeep [--json]         expiry warnings, expiry, retention" },
		{ NULL, NULL, NULL }
	};
	return cli_dispatch(cli, "upgrade", table, argc, argv);
}
