/* SPDX-License-Identifier: MIT */
/* groups.c: the command table: every group of `ferry` and its commands, in the order
 * `ferry help` lists them. Help, usage, `ferry help --json` (for shell completion and
 * manual pages) and the tests walk it. */
#include "cli.h"

#include <stddef.h>

const struct cli_group cli_groups[] = {
	{ "init", "create ferry's home and state store", NULL, &cli_cmd_init },
	{ "project", "projects: create, list, show, set, rm", cli_project_cmds, NULL },
	{ "env", "environments: records, runtime, servicing (apply, sign-off, rollback)",
	  cli_env_cmds, NULL },
	{ "feature", "preview features of a project", cli_feature_cmds, NULL },
	{ "token", "API tokens for ferryd", cli_token_cmds, NULL },
	{ "audit", "who changed what, when, with what result", NULL, &cli_cmd_audit },
	{ "code", "source models, overlayering, the code upgrade", cli_code_cmds, NULL },
	{ "hotfix", "source hotfixes of a source tree", cli_hotfix_cmds, NULL },
	{ "catalog", "release catalogs", cli_catalog_cmds, NULL },
	{ "upgrade", "the upgrade advisor and the self-service upgrade", cli_upgrade_cmds, NULL },
	{ "update", "service updates on a cadence: calendar, settings, pauses", cli_update_cmds, NULL },
	{ "db", "database refresh, copies and data upgrade rehearsals", cli_db_cmds, NULL },
	{ "op", "operations: runbooks of steps (see docs/ENGINE.md)", cli_op_cmds, NULL },
	{ "schedule", "scheduled operations (--at TIME)", cli_schedule_cmds, NULL },
	{ "notify", "email and webhook notifications", cli_notify_cmds, NULL },
	{ "support", "support bundles of an environment", cli_support_cmds, NULL },
	{ "package", "deployable packages: build, inspect, verify, extract", cli_package_cmds, NULL },
	{ "key", "signing keys and project trust", cli_key_cmds, NULL },
	{ "asset", "the project asset library", cli_asset_cmds, NULL },
	{ "host", "hosts environments run on over SSH: add, list, show, check, rm", cli_host_cmds,
	  NULL },
	{ "version", "print ferry's version", NULL, &cli_cmd_version },
	{ "help", "this list, or a command's usage", NULL, &cli_cmd_help },
	{ NULL, NULL, NULL, NULL }
};
