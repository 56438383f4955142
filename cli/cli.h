/* SPDX-License-Identifier: MIT */
/* cli.h: what every `ferry` command shares: the command table (each command and its
 * options as data), parsed arguments, output and exit codes, the home, and running a
 * command against its backend (the home or a remote ferryd, backend.h).
 *
 * The files of cli/ (each uses only those listed after it; docs/CLI.md):
 *   main.c        global options, the backend, the command, the audit record
 *   groups.c      the table of command groups (cli_groups[])
 *   cmd_<g>.c     the commands of group <g> as data, and what each does
 *   cmd_upgrade_run.c  an upgrade phase run and the watch after it (cmd_upgrade*.c)
 *   confirm.c     what a destructive command will do, asked first (cli->confirm)
 *   command.c     parsing (getopt_long from the option data), --help, usage, `ferry help`
 *   run.c         calls and operations through the backend, and their outcome
 *   progress.c    progress of a running operation on stderr
 *   home.c        the home: the one place its context is opened
 *   output.c      errors, exit codes, JSON, tables
 * and the backends, reached through cli->be only (backend.h): local.c and local_ops.c
 * (libferry on the home), remote.c, remote_follow.c and remote_http.c (ferryd's API). */
#ifndef FERRY_CLI_H
#define FERRY_CLI_H

#include <jansson.h>

struct ferry_ctx;
struct ferry_error;
struct ferry_settings;
struct ferry_op_hooks;
struct cli_args;
struct cli_backend;
struct cli_group;

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
	const struct ferry_settings *settings; /* what the library is told: cli_settings_load() */
	const char *at;          /* --at TIME: schedule the operation instead of running it */
	struct ferry_ctx *ctx;   /* the home, opened on first use by cli_ctx() (home.c) */
	struct cli_backend *be;  /* where commands run: the home, or a ferryd (--server) */
	const struct cli_group *groups; /* the command table (for `ferry help`) */
	json_t *hints;           /* what the last answer's backend added for text output */
	/* asked before a CLI_CONFIRM command runs (confirm.c: cli_confirm); 0 to go on, else
	 * the exit code */
	int (*confirm)(struct cli *cli, const struct cli_args *a);
};

/* ---- the command table ---------------------------------------------------- */

enum cli_opt_flags {
	CLI_OPT_REQUIRED = 1,    /* the command needs it */
	CLI_OPT_MULTI = 2,       /* may be given more than once; every value is kept */
	CLI_OPT_LOCAL = 4        /* only on the home: refused with --server */
};

/* One option of a command. */
struct cli_opt {
	const char *name;        /* long name without "--"; NULL ends a list */
	char short_name;         /* '\0' when it has none */
	const char *arg;         /* what its value is ("FILE"); NULL for a flag */
	unsigned flags;          /* enum cli_opt_flags */
	const char *help;        /* one line */
};

enum cli_cmd_flags {
	CLI_LOCAL = 1,           /* runs on the home only (its files, keys, or no API route) */
	CLI_READ = 2,            /* changes nothing: not recorded in the audit log */
	CLI_AT = 4,              /* starts an operation that --at TIME can schedule */
	CLI_NOBACKEND = 8,       /* needs neither the home nor a server (help, version) */
	CLI_CONFIRM = 16         /* destructive: says what it will do and asks on a terminal;
				  * takes --yes (confirm.c, docs/CLI.md "Confirmation") */
};

typedef int (*cli_run_fn)(struct cli *cli, const struct cli_args *a);

/* One command: `ferry <group> <name> <args> <options>`. */
struct cli_command {
	const char *name;
	const char *args;        /* the positional arguments as usage shows them ("ENV PACKAGE") */
	int min_args, max_args;  /* how many positional arguments; max_args -1: any number */
	const char *usage;       /* the options as usage shows them, when the list alone does
				  * not say it ("(--package REF | --from-dir DIR)"); NULL: made
				  * from opts */
	const char *summary;     /* one line */
	const struct cli_opt *opts; /* NULL, or a list ended by a NULL name */
	unsigned flags;          /* enum cli_cmd_flags */
	cli_run_fn run;
};

/* A group of commands (`ferry env ...`), or a command of its own (`ferry init`). */
struct cli_group {
	const char *name;        /* NULL ends the table */
	const char *summary;
	const struct cli_command *const *cmds; /* its commands (NULL-terminated), or NULL */
	const struct cli_command *self;  /* when it is a command itself */
};

/* groups.c: every group, in the order `ferry help` lists them. */
extern const struct cli_group cli_groups[];

/* The commands of each group (cmd_<group>.c), and the single commands. */
extern const struct cli_command *const cli_project_cmds[], *const cli_env_cmds[],
	*const cli_feature_cmds[], *const cli_token_cmds[], *const cli_code_cmds[],
	*const cli_hotfix_cmds[], *const cli_catalog_cmds[], *const cli_upgrade_cmds[],
	*const cli_db_cmds[], *const cli_op_cmds[], *const cli_notify_cmds[],
	*const cli_package_cmds[], *const cli_key_cmds[], *const cli_asset_cmds[],
	*const cli_schedule_cmds[], *const cli_host_cmds[], *const cli_update_cmds[],
	*const cli_support_cmds[];
extern const struct cli_command cli_cmd_init, cli_cmd_audit, cli_cmd_help, cli_cmd_version;
/* Commands of `ferry env` defined beside their kin: cmd_runtime.c (the runtime),
 * cmd_servicing.c (packages), cmd_db.c (the data upgrade rehearsal). */
extern const struct cli_command cli_env_deploy, cli_env_start, cli_env_stop, cli_env_restart,
	cli_env_status, cli_env_logs, cli_env_config, cli_env_db, cli_env_apply, cli_env_signoff,
	cli_env_rollback, cli_env_history, cli_env_data_upgrade, cli_env_report_outage,
	cli_env_incidents;
/* Commands of `ferry upgrade` in cmd_upgrade_show.c and cmd_upgrade_writes.c. */
extern const struct cli_command cli_upgrade_status, cli_upgrade_settings, cli_upgrade_housekeep,
	cli_upgrade_rollback, cli_upgrade_writes, cli_upgrade_watch;
/* cmd_upgrade_run.c: run an upgrade phase's operation, then print its line and the
 * status (JSON: the status); an exit code. */
int cli_upgrade_phase(struct cli *cli, const char *action, json_t *args, const char *env,
		      const char *done);
/* cmd_upgrade_run.c: watch `env` after its data upgrade here (the home), until the watch
 * passes, the upgrade moves on, or it rolls back on its own; an exit code. */
int cli_upgrade_watch_run(struct cli *cli, const char *env);

/* ---- confirm.c: destructive commands ask first ------------------------------- */

/* What a CLI_CONFIRM command will do, said on stderr, then asked on the terminal;
 * without one it goes on (or, for what is strict, wants --yes). cli->confirm. */
int cli_confirm(struct cli *cli, const struct cli_args *a);

/* ---- command.c: dispatch, parsing, help ---------------------------------- */

#define CLI_MAX_OPTS 24
#define CLI_MAX_SEEN 64

/* A command line parsed against its command's options. */
struct cli_args {
	const struct cli_group *group;
	const struct cli_command *cmd;
	char **pos;              /* positional arguments */
	int npos;
	const char *val[CLI_MAX_OPTS]; /* last value of each option (by index in cmd->opts);
					* "" for a flag given, NULL when absent */
	int nseen;               /* every option given, in order (CLI_OPT_MULTI) */
	struct { int opt; const char *val; } seen[CLI_MAX_SEEN];
	int yes;                 /* --yes (CLI_CONFIRM commands): do not ask */
};

/* Run `ferry argv[0] ...` (argv[0] is the group) from the table cli->groups: find the
 * command, parse its options, answer --help, refuse what the backend cannot do, run it.
 * *cmd (may be NULL) gets the command that ran. Returns an exit code. */
int cli_dispatch(struct cli *cli, int argc, char **argv, const struct cli_command **cmd);
/* `ferry help`: the groups, a group's commands, or one command's usage and options. */
int cli_help(struct cli *cli, int argc, char **argv);
/* The groups and global options (`ferry` alone: on stderr). */
void cli_print_global_usage(int to_stderr, const struct cli_group *groups);

/* The value of option `name`, NULL when it was not given; 1 when a flag was given. */
const char *cli_arg(const struct cli_args *a, const char *name);
int cli_flag(const struct cli_args *a, const char *name);
/* Positional argument i, NULL past the end. */
const char *cli_pos(const struct cli_args *a, int i);
/* Option `name` as an integer within min..max: 0 (with *out; untouched when absent), else
 * a usage error (printed) and EXIT_USAGE. */
int cli_int(const struct cli_args *a, const char *name, long long min, long long max,
	    long long *out);
/* A usage error of this command: the message, then its usage line; EXIT_USAGE. */
int cli_bad(const struct cli_args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- output.c ------------------------------------------------------------- */

/* Print the error as text (or a JSON object under --json) on stderr, with the activity
 * ID when it names one; returns its exit code. */
int cli_fail(struct cli *cli, const struct ferry_error *err);
/* "ferry: error: <msg>" and, when given, "usage: <usage>" on stderr; EXIT_USAGE. */
int cli_usage(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cli_exit_code(int ferry_code);

/* A table column: the JSON key of each row and its title. */
struct cli_col {
	const char *key;         /* NULL ends a list */
	const char *head;
};

/* JSON to stdout (pretty, sorted keys). */
void cli_print_json(const json_t *v);
/* An aligned table of the rows (an array of objects). */
void cli_print_table(const json_t *rows, const struct cli_col *cols);
/* rows as JSON (--json) or as a table of cols, then freed: EXIT_OK. */
int cli_print_rows(struct cli *cli, json_t *rows, const struct cli_col *cols);
/* "key value" lines of an object, in the order of keys (NULL-terminated). */
void cli_print_fields(const json_t *obj, const char *const keys[]);
/* The string member `key` of o, or "-" when it is not a string. */
const char *cli_str(const json_t *o, const char *key);
/* A duration: "850ms", "12.5s", "3m05s". */
void cli_fmt_ms(long long ms, char *out, size_t cap);

/* settings.c: fill cli->settings from the config file, the environment and the
 * settings' flags (taken out of argv), once, before a local command runs; returns an
 * exit code. And the config file's path ($XDG_CONFIG_HOME/ferry/config, else
 * ~/.config/ferry/config): 0, or -1 when there is none. */
int cli_settings_load(struct cli *cli, int *argc, char **argv);
int cli_config_path(char *buf, size_t cap);

/* Reset getopt so a command can parse its own options. */
void cli_getopt_reset(void);
/* ---- home.c --------------------------------------------------------------- */

/* The home directory ferry uses (--home, FERRY_HOME, XDG...: cli->settings); NULL
 * before the settings are loaded (remote commands). */
const char *cli_home(struct cli *cli);
/* Open the home's context once (cli->ctx): 0, or the error in err. */
int cli_ctx_open(struct cli *cli, struct ferry_error *err);
/* The same, printing the error: NULL and *exit_code then. */
struct ferry_ctx *cli_ctx(struct cli *cli, int *exit_code);
/* The home when it exists (it names known signers), else NULL without complaint. */
struct ferry_ctx *cli_ctx_optional(struct cli *cli);
/* A list of the project named by --project (list(ctx, project, &rows, err)), printed as
 * JSON or as a table of cols: the command's exit code. */
typedef int (*cli_project_list_fn)(struct ferry_ctx *ctx, const char *project, json_t **out,
				   struct ferry_error *err);
int cli_list_project(struct cli *cli, const struct cli_args *a, cli_project_list_fn list,
		     const struct cli_col *cols);

/* ---- progress.c ----------------------------------------------------------- */

/* Hooks printing a running operation's steps on stderr (on a terminal only, never
 * with --quiet or --json). */
void cli_op_hooks(struct cli *cli, struct ferry_op_hooks *hooks);
/* Also say "Started operation ID (KIND)" on stderr when it starts (unless --quiet or
 * --json), on a terminal or not. */
void cli_op_hooks_announce(struct cli *cli, struct ferry_op_hooks *hooks);

/* ---- run.c: calls and operations through cli->be --------------------------- */

enum cli_call;

/* Ask the backend for `call` with args (stolen): 0 with *out (caller owns; NULL when
 * the call answers nothing), else the error printed and its exit code. What only the
 * backend knew (members "_x" of the answer) moves to cli->hints. */
int cli_ask(struct cli *cli, enum cli_call call, json_t *args, json_t **out);
/* The same without printing: 0, or the error in err (*out may still hold an answer that
 * explains it, e.g. a check's report). */
int cli_call(struct cli *cli, enum cli_call call, json_t *args, json_t **out,
	     struct ferry_error *err);
/* Hint `name` of the last answer (borrowed), NULL when its backend gave none. Hints:
 * "already" (env start: it was running), "warnings" (printed by cli_op_run), "no_log"
 * (env logs: where the log will be). */
json_t *cli_hint(struct cli *cli, const char *name);
/* A read printed as the JSON answer (--json) or a table / "key value" lines. */
int cli_show_table(struct cli *cli, enum cli_call call, json_t *args, const struct cli_col *cols);
int cli_show_fields(struct cli *cli, enum cli_call call, json_t *args, const char *const keys[]);

/* Run operation `action` ("env.apply", "upgrade.begin", "op.resume"...) with args (stolen),
 * following its progress; with --at, record it to start then instead (and print the
 * schedule). Returns an exit code (errors are printed) and, when it ran, *op: its JSON
 * view (caller owns; NULL when it was scheduled). */
int cli_op_run(struct cli *cli, const char *action, json_t *args, json_t **op);
/* Print what happened to an operation that ran (takes op): its JSON under --json, else
 * a line by its state (awaiting sign-off, a manual step, succeeded...). */
int cli_op_report(struct cli *cli, json_t *op);
/* cli_op_run, then cli_op_report. */
int cli_op(struct cli *cli, const char *action, json_t *args);
/* For commands on the home only: the outcome of operation `activity_id` that the
 * library ran and returned rc for, reported as cli_op_report does. */
int cli_op_outcome(struct cli *cli, const char *activity_id, int rc, struct ferry_error *err);
/* Print warnings ("ferry: warning: ...") of a JSON array of strings, unless --quiet. */
void cli_print_warnings(struct cli *cli, const json_t *warnings);

/* ---- cmd_audit.c ------------------------------------------------------------ */

/* Record a command that changed state and its result in the audit log (on the home). */
void cli_audit_command(struct cli *cli, const struct cli_command *cmd, int argc, char **argv,
		       int exit_code);

#endif
