/* SPDX-License-Identifier: MIT */
/* command.c: commands as data to commands run: finding `ferry <group> <command>` in the
 * table, parsing its options with getopt_long from their description, --help and usage
 * made from the same description, and `ferry help` (text, or the whole table as JSON
 * for shell completion and manual pages). Also the commands `help` and `version`. */
#include "cli.h"
#include "backend.h"

#include "ferry/base/util.h"
#include "ferry/base/settings.h"
#include "ferry/base/version.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GLOBAL_USAGE "ferry [--home DIR] [--store PATH|URL] [--server URL] [--at TIME] " \
		     "[--json] [--quiet] <command> [<args>]"

static const struct cli_opt help_opt = { "help", 'h', NULL, 0, "print this help and exit" };
/* every CLI_CONFIRM command takes it (confirm.c) */
static const struct cli_opt yes_opt = { "yes", 'y', NULL, 0, "do not ask: go on (for scripts)" };

static int nopts(const struct cli_command *c)
{
	int n = 0;

	while (c->opts && c->opts[n].name)
		n++;
	return n;
}

/* "ferry env show" (or "ferry init" for a group that is one command). */
static void cmd_path(const struct cli_args *a, char *out, size_t cap)
{
	if (a->group->self)
		snprintf(out, cap, "ferry %s", a->group->name);
	else
		snprintf(out, cap, "ferry %s %s", a->group->name, a->cmd->name);
}

/* One option as usage shows it: "--view V", "-o FILE", "--follow". */
static void opt_usage(const struct cli_opt *o, char *out, size_t cap)
{
	if (o->short_name)
		snprintf(out, cap, "-%c%s%s", o->short_name, o->arg ? " " : "", o->arg ? o->arg : "");
	else
		snprintf(out, cap, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
}

static void print_usage_line(FILE *f, const struct cli_args *a)
{
	const struct cli_command *c = a->cmd;
	char path[96], one[96];
	int i;

	cmd_path(a, path, sizeof(path));
	fprintf(f, "usage: %s%s%s", path, c->args && *c->args ? " " : "", c->args ? c->args : "");
	if (c->usage) {
		fprintf(f, " %s\n", c->usage);
		return;
	}
	for (i = 0; i < nopts(c); i++) {
		const struct cli_opt *o = &c->opts[i];
		opt_usage(o, one, sizeof(one));
		if (o->flags & CLI_OPT_REQUIRED)
			fprintf(f, " %s%s", one, o->flags & CLI_OPT_MULTI ? "..." : "");
		else
			fprintf(f, " [%s]%s", one, o->flags & CLI_OPT_MULTI ? "..." : "");
	}
	if (c->flags & CLI_CONFIRM)
		fprintf(f, " [--yes]");
	fputc('\n', f);
}

static void print_opt_help(FILE *f, const struct cli_opt *o)
{
	char left[96];

	snprintf(left, sizeof(left), "%c%c%s--%s%s%s", o->short_name ? '-' : ' ',
		 o->short_name ? o->short_name : ' ', o->short_name ? ", " : "  ", o->name,
		 o->arg ? " " : "", o->arg ? o->arg : "");
	fprintf(f, "  %-28s %s%s%s\n", left, o->help,
		o->flags & CLI_OPT_MULTI ? " (may repeat)" : "",
		o->flags & CLI_OPT_LOCAL ? " (not with --server)" : "");
}

static void print_command_help(const struct cli_args *a)
{
	const struct cli_command *c = a->cmd;
	int i;

	print_usage_line(stdout, a);
	printf("\n%s\n", c->summary);
	printf("\noptions:\n");
	for (i = 0; i < nopts(c); i++)
		print_opt_help(stdout, &c->opts[i]);
	if (c->flags & CLI_CONFIRM)
		print_opt_help(stdout, &yes_opt);
	print_opt_help(stdout, &help_opt);
	if (!(c->flags & CLI_NOBACKEND))
		printf("\n%s\n", c->flags & CLI_LOCAL
		       ? "Runs on this machine's home only (not with --server)."
		       : "Runs on the home, or on a ferryd with --server URL (the same output).");
	if (c->flags & CLI_AT)
		printf("With --at TIME ('+10m', '2026-05-01T02:00Z', 'window') it is scheduled "
		       "instead: ferryd starts it then.\n");
	if (c->flags & CLI_CONFIRM)
		printf("Destructive: on a terminal it says what it will do and asks first; --yes "
		       "does not ask (docs/CLI.md, Confirmation).\n");
	printf("Global options: see 'ferry help'.\n");
}

static void print_group_help(FILE *f, const struct cli_group *g)
{
	const struct cli_command *const *c;

	fprintf(f, "usage: ferry %s <command> [options]\n\n%s\n\ncommands:\n", g->name, g->summary);
	for (c = g->cmds; *c; c++)
		fprintf(f, "  %-18s %s\n", (*c)->name, (*c)->summary);
	fprintf(f, "\nRun 'ferry %s <command> --help' for a command's arguments and options.\n",
		g->name);
}

static void print_groups(FILE *f, const struct cli_group *groups)
{
	const struct cli_group *g;

	fprintf(f, "usage: %s\n\ncommands:\n", GLOBAL_USAGE);
	for (g = groups; g->name; g++)
		fprintf(f, "  %-10s %s\n", g->name, g->summary);
	fprintf(f, "\nglobal options (anywhere before '--'):\n"
		"  --home DIR          ferry's home (else $FERRY_HOME, $XDG_DATA_HOME/ferry)\n"
		"  --store PATH|URL    the state store (else $FERRY_STORE, <home>/ferry.db)\n"
		"  --server URL        run the command on a ferryd (else $FERRY_SERVER, the config "
		"file; 'local': the home)\n"
		"  --at TIME           schedule the operation instead of running it now\n"
		"  --json              print JSON (errors too, on stderr)\n"
		"  -q, --quiet         no progress or messages\n"
		"\nRun 'ferry <command> help' for the commands of a group, and "
		"'ferry <command> <subcommand> --help' for one.\n");
}

/* ---- the table as JSON (`ferry help --json`) -------------------------------- */

static json_t *opt_json(const struct cli_opt *o)
{
	char s[2] = { o->short_name, '\0' };

	return json_pack("{s:s, s:s?, s:s?, s:s, s:b, s:b, s:b}", "name", o->name,
			 "short", o->short_name ? s : NULL, "arg", o->arg, "help", o->help,
			 "required", !!(o->flags & CLI_OPT_REQUIRED),
			 "repeat", !!(o->flags & CLI_OPT_MULTI), "local", !!(o->flags & CLI_OPT_LOCAL));
}

static json_t *command_json(const struct cli_group *g, const struct cli_command *c)
{
	struct cli_args a;
	char *text = NULL;
	size_t len = 0;
	json_t *o, *opts = json_array();
	FILE *f = open_memstream(&text, &len);
	int i;

	memset(&a, 0, sizeof(a));
	a.group = g;
	a.cmd = c;
	if (f) {
		print_usage_line(f, &a);
		fclose(f);
	}
	if (text && len && text[len - 1] == '\n')
		text[len - 1] = '\0';
	for (i = 0; i < nopts(c); i++)
		json_array_append_new(opts, opt_json(&c->opts[i]));
	if (c->flags & CLI_CONFIRM)
		json_array_append_new(opts, opt_json(&yes_opt));
	o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:o, s:b, s:b, s:b, s:b}",
		      "name", g->self ? g->name : c->name, "summary", c->summary,
		      "args", c->args ? c->args : "", "usage", text ? text + 7 : "",
		      "min_args", c->min_args, "max_args", c->max_args, "options", opts,
		      "local", !!(c->flags & CLI_LOCAL), "read", !!(c->flags & CLI_READ),
		      "schedulable", !!(c->flags & CLI_AT), "confirm", !!(c->flags & CLI_CONFIRM));
	free(text);
	return o;
}

static json_t *table_json(const struct cli_group *groups)
{
	const struct cli_command *const *c;
	const struct cli_group *g;
	json_t *arr = json_array(), *o, *cmds;

	for (g = groups; g->name; g++) {
		o = json_pack("{s:s, s:s}", "name", g->name, "summary", g->summary);
		if (g->self) {
			json_object_set_new(o, "command", command_json(g, g->self));
		} else {
			cmds = json_array();
			for (c = g->cmds; *c; c++)
				json_array_append_new(cmds, command_json(g, *c));
			json_object_set_new(o, "commands", cmds);
		}
		json_array_append_new(arr, o);
	}
	return arr;
}

/* ---- finding and parsing --------------------------------------------------- */

static const struct cli_group *find_group(const struct cli_group *groups, const char *name)
{
	const struct cli_group *g;

	for (g = groups; g->name; g++)
		if (!strcmp(g->name, name))
			return g;
	return NULL;
}

static const struct cli_command *find_cmd(const struct cli_group *g, const char *name)
{
	const struct cli_command *const *c;

	for (c = g->cmds; *c; c++)
		if (!strcmp((*c)->name, name))
			return *c;
	return NULL;
}

static int is_help(const char *s)
{
	return !strcmp(s, "help") || !strcmp(s, "--help") || !strcmp(s, "-h");
}

static int opt_index(const struct cli_command *c, const char *name)
{
	int i;

	for (i = 0; i < nopts(c); i++)
		if (!strcmp(c->opts[i].name, name))
			return i;
	return -1;
}

const char *cli_arg(const struct cli_args *a, const char *name)
{
	int i = opt_index(a->cmd, name);

	return i < 0 ? NULL : a->val[i];
}

int cli_flag(const struct cli_args *a, const char *name)
{
	return cli_arg(a, name) != NULL;
}

const char *cli_pos(const struct cli_args *a, int i)
{
	return i >= 0 && i < a->npos ? a->pos[i] : NULL;
}

int cli_bad(const struct cli_args *a, const char *fmt, ...)
{
	va_list ap;

	fputs("ferry: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	print_usage_line(stderr, a);
	return EXIT_USAGE;
}

int cli_int(const struct cli_args *a, const char *name, long long min, long long max,
	    long long *out)
{
	const char *v = cli_arg(a, name);

	if (v && ferry_parse_int(v, min, max, out))
		return cli_bad(a, "--%s takes %lld to %lld, not '%s'", name, min, max, v);
	return 0;
}

/* The word of c->args naming positional i ("NAME" of "NAME [STEP]"). */
static void arg_name(const struct cli_command *c, int i, char *out, size_t cap)
{
	const char *p = c->args ? c->args : "";
	size_t n;

	for (;;) {
		p += strspn(p, " [(");
		n = strcspn(p, " ])");
		if (!i-- || !p[n])
			break;
		p += n;
	}
	snprintf(out, cap, "%.*s", (int)n, n ? p : "argument");
}

/* Parse argv (argv[0]: the command's name) into a. Returns 0, -1 after printing the
 * help (--help, -h), or a usage error's exit code. */
static int parse(const struct cli_command *c, int argc, char **argv, struct cli_args *a)
{
	struct option longopts[CLI_MAX_OPTS + 3];
	char shorts[2 * CLI_MAX_OPTS + 4] = ":h", want[64];
	size_t ns = 2;
	int i, k, n = nopts(c);

	if (n > CLI_MAX_OPTS)
		return cli_usage(NULL, "internal: too many options for '%s'", c->name);
	for (i = 0; i < n; i++) {
		longopts[i] = (struct option){ c->opts[i].name, c->opts[i].arg ? required_argument
					       : no_argument, NULL, 256 + i };
		if (c->opts[i].short_name) {
			shorts[ns++] = c->opts[i].short_name;
			if (c->opts[i].arg)
				shorts[ns++] = ':';
		}
	}
	longopts[n] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[n + 1] = (struct option){ NULL, 0, NULL, 0 };
	if (c->flags & CLI_CONFIRM) {
		longopts[n + 1] = (struct option){ "yes", no_argument, NULL, 'y' };
		longopts[n + 2] = (struct option){ NULL, 0, NULL, 0 };
		shorts[ns++] = 'y';
	}
	shorts[ns] = '\0';
	optind = 0;
	opterr = 0;
	while ((k = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		if (k == 'h') {
			print_command_help(a);
			return -1;
		}
		if (k == 'y' && (c->flags & CLI_CONFIRM)) {
			a->yes = 1;
			continue;
		}
		if (k == ':')
			return cli_bad(a, "option '%s' needs a value", argv[optind - 1]);
		if (k == '?')
			return cli_bad(a, "unknown option '%s'", argv[optind - 1]);
		if (k < 256) /* a short option: which one */
			for (i = 0; i < n && c->opts[i].short_name != k; i++)
				;
		else
			i = k - 256;
		if (i >= n)
			return cli_bad(a, "unknown option '%s'", argv[optind - 1]);
		a->val[i] = c->opts[i].arg ? optarg : "";
		if (a->nseen >= CLI_MAX_SEEN)
			return cli_bad(a, "too many options");
		a->seen[a->nseen].opt = i;
		a->seen[a->nseen++].val = a->val[i];
	}
	a->pos = argv + optind;
	a->npos = argc - optind;
	if (a->npos < c->min_args) {
		arg_name(c, a->npos, want, sizeof(want));
		return cli_bad(a, "missing %s", want);
	}
	if (c->max_args >= 0 && a->npos > c->max_args)
		return cli_bad(a, "unexpected argument '%s'", a->pos[c->max_args]);
	for (i = 0; i < n; i++)
		if ((c->opts[i].flags & CLI_OPT_REQUIRED) && !a->val[i]) {
			opt_usage(&c->opts[i], want, sizeof(want));
			return cli_bad(a, "missing %s", want);
		}
	return 0;
}

/* What the backend cannot do: a command or an option of the home only. */
static int refuse_remote(struct cli *cli, const struct cli_args *a)
{
	char path[96];
	int i;

	if (!cli->be || !cli->be->remote)
		return 0;
	cmd_path(a, path, sizeof(path));
	if (a->cmd->flags & CLI_LOCAL)
		return cli_usage(NULL, "'%s' is not available with --server: it works on this "
				 "machine's home and files; run it without --server (or with "
				 "--server local)", path);
	for (i = 0; i < nopts(a->cmd); i++)
		if (a->val[i] && (a->cmd->opts[i].flags & CLI_OPT_LOCAL))
			return cli_usage(NULL, "'%s --%s' is not available with --server: run it on "
					 "the server's home", path, a->cmd->opts[i].name);
	return 0;
}

/* --help or -h before "--" (asked before the arguments are checked). */
static int wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

static int run_command(struct cli *cli, const struct cli_group *g, const struct cli_command *c,
		       int argc, char **argv)
{
	struct cli_args a;
	char path[96];
	int ec;

	memset(&a, 0, sizeof(a));
	a.group = g;
	a.cmd = c;
	if ((c->flags & CLI_LOCAL) && !wants_help(argc, argv) && (ec = refuse_remote(cli, &a)))
		return ec; /* before its arguments: whatever they are, not here */
	if ((ec = parse(c, argc, argv, &a)))
		return ec < 0 ? EXIT_OK : ec;
	if ((ec = refuse_remote(cli, &a)))
		return ec;
	if (cli->at && !(c->flags & CLI_AT)) {
		cmd_path(&a, path, sizeof(path));
		return cli_usage(NULL, "--at schedules operations (env apply|signoff|rollback, upgrade "
				 "begin|apply|signoff|rollback-package|data|commit|rollback|cancel|"
				 "resume, db refresh), not '%s'", path);
	}
	if ((c->flags & CLI_CONFIRM) && cli->confirm && (ec = cli->confirm(cli, &a)))
		return ec;
	return c->run(cli, &a);
}

int cli_dispatch(struct cli *cli, int argc, char **argv, const struct cli_command **cmd)
{
	const struct cli_group *g = find_group(cli->groups, argv[0]);
	const struct cli_command *c;

	if (cmd)
		*cmd = NULL;
	if (!g) {
		fprintf(stderr, "ferry: error: unknown command '%s': see 'ferry help'\n", argv[0]);
		return EXIT_USAGE;
	}
	if (g->self) {
		if (cmd)
			*cmd = g->self;
		return run_command(cli, g, g->self, argc, argv);
	}
	if (argc < 2) {
		print_group_help(stderr, g);
		return EXIT_USAGE;
	}
	if (is_help(argv[1])) {
		print_group_help(stdout, g);
		return EXIT_OK;
	}
	if (!(c = find_cmd(g, argv[1]))) {
		fprintf(stderr, "ferry: error: unknown command 'ferry %s %s': see 'ferry %s help'\n",
			g->name, argv[1], g->name);
		return EXIT_USAGE;
	}
	if (cmd)
		*cmd = c;
	return run_command(cli, g, c, argc - 1, argv + 1);
}

/* ---- help and version -------------------------------------------------------- */

int cli_help(struct cli *cli, int argc, char **argv)
{
	const struct cli_group *g = argc > 1 ? find_group(cli->groups, argv[1]) : NULL;
	const struct cli_command *c = NULL;
	struct cli_args a;

	if (argc < 2) {
		json_t *t;
		if (!cli->json) {
			print_groups(stdout, cli->groups);
			return EXIT_OK;
		}
		t = table_json(cli->groups);
		cli_print_json(t);
		json_decref(t);
		return EXIT_OK;
	}
	if (!g)
		return cli_usage(NULL, "no command '%s': see 'ferry help'", argv[1]);
	if (argc > 2 && (g->self || !(c = find_cmd(g, argv[2]))))
		return cli_usage(NULL, "no command 'ferry %s %s': see 'ferry %s help'", argv[1],
				 argv[2], argv[1]);
	if (!g->self && !c) {
		print_group_help(stdout, g);
		return EXIT_OK;
	}
	memset(&a, 0, sizeof(a));
	a.group = g;
	a.cmd = c ? c : g->self;
	print_command_help(&a);
	return EXIT_OK;
}

static int help_run(struct cli *cli, const struct cli_args *a)
{
	char *argv[4] = { "help", NULL, NULL, NULL };
	int i;

	for (i = 0; i < a->npos && i < 2; i++)
		argv[i + 1] = a->pos[i];
	return cli_help(cli, a->npos + 1, argv);
}

const struct cli_command cli_cmd_help = {
	"help", "[COMMAND [SUBCOMMAND]]", 0, 2, NULL,
	"list the commands (with --json: the whole command table), or show one's usage",
	NULL, CLI_READ | CLI_NOBACKEND, help_run
};

static int version_run(struct cli *cli, const struct cli_args *a)
{
	json_t *o;

	(void)a;
	if (!cli->json) {
		printf("ferry %s\n", FERRY_VERSION);
		return EXIT_OK;
	}
	/* the shipped data (catalogs, web UI) this binary uses: docs/INSTALL.md */
	o = json_pack("{s:s, s:s}", "version", FERRY_VERSION, "data_dir",
		      ferry_settings_data_dir(cli->settings));
	cli_print_json(o);
	json_decref(o);
	return EXIT_OK;
}

const struct cli_command cli_cmd_version = {
	"version", "", 0, 0, NULL, "print ferry's version", NULL, CLI_READ | CLI_NOBACKEND,
	version_run
};

void cli_print_global_usage(int to_stderr, const struct cli_group *groups)
{
	print_groups(to_stderr ? stderr : stdout, groups);
}
