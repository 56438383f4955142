/* SPDX-License-Identifier: MIT */
/* home.c: the home the CLI works on: where it is, and cli_ctx_open(), the one place its
 * context (home and state store) is opened, once per command; opening it reports the
 * operations whose process died. */
#include "cli.h"

#include "ferry/base/error.h"
#include "ferry/base/settings.h"
#include "ferry/ops/op.h"
#include "ferry/registry/registry.h"
#include "ferry/store/ctx.h"

#include <stdio.h>
#include <stdlib.h>

const char *cli_home(struct cli *cli)
{
	return cli->settings ? cli->settings->home : NULL;
}

/* Warn about operations found running whose process is gone (now interrupted). */
static void reap(struct cli *cli)
{
	struct ferry_error err;
	json_t *found = json_array(), *f;
	size_t i;
	int n = 0;

	ferry_error_clear(&err);
	if (!ferry_op_reap(cli->ctx, &n, found, &err) && n > 0 && !cli->quiet)
		json_array_foreach(found, i, f)
			fprintf(stderr, "ferry: warning: operation %s (%s%s%s) was %s\n",
				json_string_value(json_object_get(f, "activity_id")),
				json_string_value(json_object_get(f, "kind")),
				*json_string_value(json_object_get(f, "env")) ? " on " : "",
				json_string_value(json_object_get(f, "env")),
				json_string_value(json_object_get(f, "message")));
	json_decref(found);
}

int cli_ctx_open(struct cli *cli, struct ferry_error *err)
{
	int rc;

	if (cli->ctx)
		return 0;
	if (!cli_home(cli))
		return ferry_error_set(err, FERRY_EINVAL, "cannot tell where ferry's home is: give "
				       "--home DIR or set FERRY_HOME");
	rc = ferry_ctx_open(cli->settings, &cli->ctx, err);
	if (rc)
		return rc;
	reap(cli);
	return 0;
}

struct ferry_ctx *cli_ctx(struct cli *cli, int *exit_code)
{
	struct ferry_error err;

	ferry_error_clear(&err);
	if (cli_ctx_open(cli, &err)) {
		*exit_code = cli_fail(cli, &err);
		return NULL;
	}
	return cli->ctx;
}

int cli_list_project(struct cli *cli, const struct cli_args *a, cli_project_list_fn list,
		     const struct cli_col *cols)
{
	struct ferry_error err;
	struct ferry_ctx *ctx;
	json_t *rows;
	int ec = EXIT_FAILED;   /* set by cli_ctx when it fails */

	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (list(ctx, cli_arg(a, "project"), &rows, &err))
		return cli_fail(cli, &err);
	return cli_print_rows(cli, rows, cols);
}

struct ferry_ctx *cli_ctx_optional(struct cli *cli)
{
	struct ferry_error err;

	if (cli->ctx)
		return cli->ctx;
	if (cli_home(cli) && ferry_ctx_open(cli->settings, &cli->ctx, &err))
		cli->ctx = NULL;
	return cli->ctx;
}
