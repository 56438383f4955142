/* SPDX-License-Identifier: MIT */
/* backend.h: where a `ferry` command runs. The local backend (local.c) calls libferry
 * on the home; the remote backend (remote.c) calls a ferryd's REST API (--server URL).
 * A command builds the arguments of a call as a JSON object whose members are the ones
 * the REST API takes (path, query or body), and gets back the JSON view both answer
 * with (libferry's *_to_json views, which ferryd serves): so each command, its options,
 * its table and its JSON are written once, in cmd_<group>.c, for both backends.
 *
 * Adding a call: a value below (with its arguments and answer), its function in
 * local.c's table and its route in remote.c's table. */
#ifndef FERRY_CLI_BACKEND_H
#define FERRY_CLI_BACKEND_H

#include <jansson.h>

struct cli;
struct ferry_error;
struct ferry_op_hooks;

/* The calls: arguments -> answer. "?" marks an optional member. */
enum cli_call {
	CLI_PROJECT_LIST,     /* {} -> [project] */
	CLI_PROJECT_SHOW,     /* {project} -> project */
	CLI_PROJECT_CREATE,   /* {name, product?, description?} -> project */
	CLI_PROJECT_SET,      /* {project, allow_unsigned: bool} -> project */
	CLI_PROJECT_RM,       /* {project} -> nothing */
	CLI_FEATURE_LIST,     /* {project} -> [feature] */
	CLI_FEATURE_SET,      /* {project, feature, enabled: bool} -> [feature] */
	CLI_ENV_LIST,         /* {project?, all?: bool} -> [env] */
	CLI_ENV_SHOW,         /* {env, view?} -> ferry_env_view() */
	CLI_ENV_CREATE,       /* {name, project, role, product?, app_release?, platform?, host?}
			       * -> env */
	CLI_ENV_RM,           /* {env} -> nothing */
	CLI_ENV_STATUS,       /* {env, view?} -> runtime (health probed) + environment */
	CLI_ENV_START,        /* {env, view?, timeout?: int, new_port?: bool} -> runtime;
			       * hint _already when it was running */
	CLI_ENV_STOP,         /* {env, view?, grace?: int} -> {environment, killed, state} */
	CLI_ENV_RESTART,      /* {env, view?, grace?: int, timeout?: int} -> runtime */
	CLI_ENV_LOGS,         /* {env, view?, lines?: int} -> {log} (the last lines) */
	CLI_ENV_CONFIG,       /* {env, view?} -> config.json */
	CLI_ENV_CONFIG_EDIT,  /* {env, view?, set: {key: value}, unset: [key]} -> config.json */
	CLI_ENV_HISTORY,      /* {env} -> [deployment] */
	CLI_ENV_CHECK,        /* {env, package, slot?, check: true} -> report (also with
			       * the refusal, from the home) */
	CLI_OP_LIST,          /* {env?, limit?: int} -> [op] */
	CLI_OP_SHOW,          /* {op} -> op with steps */
	CLI_OP_LOG,           /* {op, step?} -> {log} */
	CLI_OP_ABORT,         /* {op} -> op */
	CLI_TOKEN_LIST,       /* {} -> [token] */
	CLI_TOKEN_CREATE,     /* {name, role, project?, expires?} -> token with its secret */
	CLI_TOKEN_REVOKE,     /* {token} -> nothing */
	CLI_AUDIT,            /* {project?, actor?, limit?: int, before?: int} -> [entry] */
	CLI_KEY_LIST,         /* {project?} -> [key] */
	CLI_KEY_TRUST,        /* {project, key: NAME|KEYID|PUBKEYFILE} -> key */
	CLI_KEY_REVOKE,       /* {project, key} -> key */
	CLI_ASSET_LIST,       /* {project?} -> [asset] */
	CLI_ASSET_SHOW,       /* {asset, project?} -> asset with references */
	CLI_ASSET_UPLOAD,     /* {project, file} -> asset + existed */
	CLI_ASSET_DOWNLOAD,   /* {asset, project?, output} -> nothing (the file written) */
	CLI_ASSET_RM,         /* {asset, project?} -> nothing */
	CLI_SCHEDULE_LIST,    /* {project?} -> [schedule] */
	CLI_SCHEDULE_SHOW,    /* {schedule} -> schedule */
	CLI_SCHEDULE_CANCEL,  /* {schedule} -> schedule */
	CLI_UPGRADE_CHECK,    /* {to, from?, from_platform?, to_platform?, env?, product?} ->
			       * advice (an unsupported move: kind "unsupported", reason) */
	CLI_UPGRADE_TARGETS,  /* {env} -> [target] */
	CLI_UPGRADE_STATUS,   /* {env} -> status */
	CLI_UPGRADE_PREFLIGHT,/* {env, to? | data?: bool} -> report (ok false: refused) */
	CLI_UPGRADE_PLAN,     /* {env} -> rollback plan (ferry_upgrade_rollback_plan) */
	CLI_UPGRADE_WRITES,   /* {env, format?, output} -> nothing (the file written) */
	CLI_UPGRADE_SETTINGS, /* {project, <setting>: value...} -> settings (the given changed first) */
	CLI_UPGRADE_SETTINGS_SHOW, /* {project} -> settings */
	CLI_CATALOG_LIST,     /* {} -> [catalog] */
	CLI_HOST_LIST,        /* {} -> [host] (local first) */
	CLI_HOST_SHOW,        /* {host} -> host with its runtimes */
	CLI_HOST_ADD,         /* {name, ssh, identity?, dir?, accept_host_key?, no_install?} ->
			       * host with checks (a failed add: the report, from the home) */
	CLI_HOST_CHECK,       /* {host} -> report (ok false: refused) */
	CLI_HOST_INSTALL,     /* {host} -> nothing */
	CLI_HOST_RM,          /* {host} -> nothing */
	CLI_CALL_COUNT
};

/* The name of a call ("env.show"), for messages. */
const char *cli_call_name(enum cli_call call);

struct cli_backend;

struct cli_backend_ops {
	const char *name;     /* "local", "remote" */
	/* A call: 0 and *out (caller owns; NULL when it answers nothing), or the error.
	 * Members "_x" of an answer are hints for text output (cli_call removes them). */
	int (*call)(struct cli_backend *be, enum cli_call call, const json_t *args, json_t **out,
		    struct ferry_error *err);
	/* Start operation `action` with args and follow it until it stops running
	 * (succeeded, failed, awaiting sign-off or a manual step), its events to hooks:
	 * 0 and *op (its JSON view, caller owns), or the error (with err->activity_id when
	 * the operation ran and failed; a refusal before it existed has none). */
	int (*run)(struct cli_backend *be, const char *action, const json_t *args,
		   const struct ferry_op_hooks *hooks, json_t **op, struct ferry_error *err);
	/* Record `action` with args to start at `at` (a scheduled operation): *out. */
	int (*schedule)(struct cli_backend *be, const char *action, const json_t *args,
			const char *at, json_t **out, struct ferry_error *err);
	void (*free)(struct cli_backend *be);
};

struct cli_backend {
	const struct cli_backend_ops *ops;
	int remote;           /* 1 for a ferryd: commands marked CLI_LOCAL are refused */
};

/* The home through libferry (cli->ctx, opened on first use). */
struct cli_backend *cli_local_new(struct cli *cli);
/* A ferryd at url ("http://host:port") with a bearer token (may be NULL). */
struct cli_backend *cli_remote_new(const char *url, const char *token);
void cli_backend_free(struct cli_backend *be);

#endif
