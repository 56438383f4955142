/* cli.h: what every `ferry` command shares: context, dispatch, output, exit codes. */
#ifndef FERRY_CLI_H
#define FERRY_CLI_H

#include <jansson.h>

struct ferry_ctx;
struct ferry_error;
struct ferry_settings;

/* Exit codes scripts can rely on (documented in docs/CLI.md). */
enum cli_exit {
	EXIT_OK = 0,
	EXIT_FAILED = 1,    /* an operation or step failed, I/O, internal */
	EXIT_USAGE = 2,     /* bad command line or invalid value */
	EXIT_NOTFOUND = 3,  /* named object does not exist */
	EXIT_CONFLICT = 4,  /* exists already, or wrong state for the action */
	EXIT_REFUSED = 5,   /* a catalog rule, policy or feature forbids it */
	EXIT_UNTRUSTED = 6, /* verification failed or unsafe input */
	EXIT_STORE = 7      /* state store missing, damaged or busy */
};

struct cli {
	const char *home_opt;    /* --home */
	int json;                /* --json */
	int quiet;               /* --quiet: no progress output */
	struct ferry_ctx *ctx;   /* opened on first use by cli_ctx() */
	const struct ferry_settings *settings; /* what the library is told: cli_settings_load() */
};

typedef int (*cli_fn)(struct cli *cli, int argc, char **argv);

struct cli_cmd {
	const char *name;
	cli_fn fn;
	const char *usage;       /* one line: arguments and options */
};

/* Run the command named argv[1] of `group` from table; prints group help on
 * `help` or no command. Returns an exit code. */
int cli_dispatch(struct cli *cli, const char *group, const struct cli_cmd *table,
		 int argc, char **argv);

/* Open the context (home + store) once; returns NULL after printing the error. */
struct ferry_ctx *cli_ctx(struct cli *cli, int *exit_code);

/* Print "ferry: error: <msg>" (and the activity id) to stderr; map to an exit code. */
int cli_fail(struct cli *cli, const struct ferry_error *err);
/* Print a usage error for `what` and return EXIT_USAGE. */
int cli_usage(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cli_exit_code(int ferry_code);

/* Output: JSON to stdout (pretty, sorted keys) and aligned tables from JSON arrays.
 * cols: JSON keys; heads: column titles; both NULL-terminated. */
void cli_print_json(const json_t *v);
void cli_print_table(const json_t *rows, const char *const cols[], const char *const heads[]);
/* "key: value" lines for an object, in the given key order. */
void cli_print_fields(const json_t *obj, const char *const keys[]);
/* Print as JSON under --json, else as a table / fields; releases the reference. */
void cli_emit_table(struct cli *cli, json_t *rows, const char *const cols[],
		    const char *const heads[]);
void cli_emit_fields(struct cli *cli, json_t *obj, const char *const keys[]);

/* settings.c: fill cli->settings from the config file, the environment and the
 * settings' flags (taken out of argv), once, before a local command runs; returns an
 * exit code. And the config file's path ($XDG_CONFIG_HOME/ferry/config, else
 * ~/.config/ferry/config): 0, or -1 when there is none. */
int cli_settings_load(struct cli *cli, int *argc, char **argv);
int cli_config_path(char *buf, size_t cap);

/* Reset getopt so a command can parse its own options. */
void cli_getopt_reset(void);

/* Command groups (one file each). */
int cmd_init(struct cli *cli, int argc, char **argv);
int cmd_project(struct cli *cli, int argc, char **argv);
int cmd_env(struct cli *cli, int argc, char **argv);
int cmd_feature(struct cli *cli, int argc, char **argv);
int cmd_token(struct cli *cli, int argc, char **argv);
int cmd_audit(struct cli *cli, int argc, char **argv);
/* Record a state-changing command and its result in the audit log (cmd_audit.c). */
void cli_audit_command(struct cli *cli, int argc, char **argv, int exit_code);
int cmd_code(struct cli *cli, int argc, char **argv);
int cmd_hotfix(struct cli *cli, int argc, char **argv);
int cmd_catalog(struct cli *cli, int argc, char **argv);
int cmd_upgrade(struct cli *cli, int argc, char **argv);
int cmd_op(struct cli *cli, int argc, char **argv);

/* Operations (cmd_op.c): progress hooks for a run, the report of its outcome, and
 * the warning about operations whose process died (called by cli_ctx). */
struct ferry_op_hooks;
void cli_op_hooks(struct cli *cli, struct ferry_op_hooks *hooks);
int cli_op_outcome(struct cli *cli, const char *activity_id, int rc, struct ferry_error *err);
void cli_op_reap(struct cli *cli);
/* cmd_servicing.c: servicing commands listed in cmd_env.c. */
int cmd_env_apply(struct cli *cli, int argc, char **argv);
int cmd_env_signoff(struct cli *cli, int argc, char **argv);
int cmd_env_rollback(struct cli *cli, int argc, char **argv);
int cmd_env_history(struct cli *cli, int argc, char **argv);
int cmd_notify(struct cli *cli, int argc, char **argv);
int cmd_package(struct cli *cli, int argc, char **argv);
int cmd_key(struct cli *cli, int argc, char **argv);
int cmd_asset(struct cli *cli, int argc, char **argv);

/* cmd_runtime.c: runtime commands listed in cmd_env.c, and its show/rm parts. */
int cmd_env_deploy(struct cli *cli, int argc, char **argv);
int cmd_env_start(struct cli *cli, int argc, char **argv);
int cmd_env_stop(struct cli *cli, int argc, char **argv);
int cmd_env_restart(struct cli *cli, int argc, char **argv);
int cmd_env_status(struct cli *cli, int argc, char **argv);
int cmd_env_logs(struct cli *cli, int argc, char **argv);
int cmd_env_config(struct cli *cli, int argc, char **argv);
int cmd_env_db(struct cli *cli, int argc, char **argv);
/* Add url, runtime state, pid, port, release and every slot to `env show`. */
void cli_env_show_runtime(struct cli *cli, json_t *o);
/* `env rm`: stop and remove the runtimes, then delete the environment. */
int cli_env_rm_runtime(struct cli *cli, const char *name, struct ferry_error *err);

/* cmd_upgrade_show.c and cmd_db.c: the self-service upgrade and database refresh. */
int cmd_upgrade_status(struct cli *cli, int argc, char **argv);
int cmd_upgrade_settings(struct cli *cli, int argc, char **argv);
int cmd_upgrade_housekeep(struct cli *cli, int argc, char **argv);
int cmd_db(struct cli *cli, int argc, char **argv);
int cmd_env_data_upgrade(struct cli *cli, int argc, char **argv);
/* `env show --view`: prints the upgrade view (returns an exit code), or adds the
 * upgrade's phase to the original's JSON `orig` and returns -1 for the caller to print. */
int cli_env_show_view(struct cli *cli, const char *env, const char *view, json_t *orig);

/* remote.c: `--server URL` (the command against a remote ferryd) and `--at TIME`. */
int cli_remote_run(struct cli *cli, const char *server, const char *at, int argc, char **argv);
int cli_schedule_local(struct cli *cli, const char *at, int argc, char **argv);

#endif
