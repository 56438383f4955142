/* main.c: the `ferry` command: global options and the table of command groups. */
#include "cli.h"

#include "ferry/store/ctx.h"
#include "ferry/base/version.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmd_version(struct cli *cli, int argc, char **argv);
static int cmd_help(struct cli *cli, int argc, char **argv);

/* Command groups, git-style: `ferry <group> <command> ...`. */
static const struct cli_cmd groups[] = {
	{ "init", cmd_init, "init                       create ferry's home and state store" },
	{ "project", cmd_project, "project create|list|show|rm  manage projects" },
	{ "env", cmd_env, "env create|list|show|rm     manage environments" },
	{ "feature", cmd_feature, "feature list|enable|disable preview features of a project" },
	{ "token", cmd_token, "token create|list|revoke     API tokens for ferryd" },
	{ "audit", cmd_audit, "audit [--project P] [--json]  who changed what, when, with what result" },
	{ "code", cmd_code, "code scan|upgrade            source models, overlayering, code upgrade" },
	{ "hotfix", cmd_hotfix, "hotfix apply|list          source hotfixes of a source tree" },
	{ "catalog", cmd_catalog, "catalog list|show|validate   release catalogs" },
	{ "upgrade", cmd_upgrade, "upgrade check|targets|begin|apply|data|commit|...  advisor and self-service upgrade" },
	{ "db", cmd_db, "db refresh|copy|history|rehearsals  database refresh and copies" },
	{ "op", cmd_op, "op list|show|log|resume|...   operations: runbooks of steps (see docs/ENGINE.md)" },
	{ "notify", cmd_notify, "notify add|list|rm|test|log  email and webhook notifications" },
	{ "package", cmd_package, "package build|inspect|verify|extract  deployable packages" },
	{ "key", cmd_key, "key generate|list|export|trust|revoke  signing keys and project trust" },
	{ "asset", cmd_asset, "asset upload|list|show|download|rm  the project asset library" },
	{ "version", cmd_version, "version                    print ferry's version" },
	{ "help", cmd_help, "help                       this list" },
	{ NULL, NULL, NULL }
};

static int cmd_version(struct cli *cli, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (cli->json)
		printf("{\n  \"version\": \"%s\"\n}\n", FERRY_VERSION);
	else
		printf("ferry %s\n", FERRY_VERSION);
	return EXIT_OK;
}

static void usage(FILE *out)
{
	const struct cli_cmd *c;

	fprintf(out, "usage: ferry [--home DIR] [--store PATH|URL] [--json] [--quiet] <command> [<args>]\n\n");
	for (c = groups; c->name; c++)
		fprintf(out, "  %s\n", c->usage);
	fprintf(out, "\nRun 'ferry <command> help' for the commands of a group.\n");
}

static int cmd_help(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	(void)argc;
	(void)argv;
	usage(stdout);
	return EXIT_OK;
}

static const char *server_opt, *at_opt;  /* --server URL, --at TIME (remote.c) */

/* The server from ~/.config/ferry/config ("server = URL"; also "token = ..." when
 * FERRY_TOKEN is unset), when neither --server nor FERRY_SERVER gives one. */
static void config_file(void)
{
	static char server[1024], token[256];
	char path[1024], line[1200], *eq, *k, *v;
	FILE *f;

	if (cli_config_path(path, sizeof(path)) || !(f = fopen(path, "r")))
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!(eq = strchr(line, '=')) || line[0] == '#')
			continue;
		*eq = '\0';
		for (k = line; *k == ' '; k++)
			;
		k[strcspn(k, " ")] = '\0';
		for (v = eq + 1; *v == ' '; v++)
			;
		if (!strcmp(k, "server") && !server_opt && snprintf(server, sizeof(server), "%s", v) > 0)
			server_opt = server;
		else if (!strcmp(k, "token") && !getenv("FERRY_TOKEN") &&
			 snprintf(token, sizeof(token), "%s", v) > 0)
			setenv("FERRY_TOKEN", token, 1);
	}
	fclose(f);
}

/* Take the global options out of argv wherever they stand (before "--"). The
 * settings' flags (--store, --port-range, ...) are settings.c's. */
static int take_globals(struct cli *cli, int *argc, char **argv)
{
	int i, o = 0, dashdash = 0;

	for (i = 0; i < *argc; i++) {
		const char *a = argv[i];
		if (!dashdash && !strcmp(a, "--")) {
			dashdash = 1;
		} else if (!dashdash && !strcmp(a, "--json")) {
			cli->json = 1;
			continue;
		} else if (!dashdash && (!strcmp(a, "--quiet") || !strcmp(a, "-q"))) {
			cli->quiet = 1;
			continue;
		} else if (!dashdash && !strcmp(a, "--home")) {
			if (i + 1 >= *argc)
				return cli_usage(NULL, "option '--home' needs a directory");
			cli->home_opt = argv[++i];
			continue;
		} else if (!dashdash && !strncmp(a, "--home=", 7)) {
			cli->home_opt = a + 7;
			continue;
		} else if (!dashdash && (!strcmp(a, "--server") || !strcmp(a, "--at"))) {
			if (i + 1 >= *argc)
				return cli_usage(NULL, "option '%s' needs a value", a);
			*(a[2] == 's' ? &server_opt : &at_opt) = argv[++i];
			continue;
		} else if (!dashdash && (!strncmp(a, "--server=", 9) || !strncmp(a, "--at=", 5))) {
			*(a[2] == 's' ? &server_opt : &at_opt) = strchr(a, '=') + 1;
			continue;
		}
		argv[o++] = argv[i];
	}
	argv[o] = NULL;
	*argc = o;
	return 0;
}

int main(int argc, char **argv)
{
	struct cli cli = { 0 };
	const struct cli_cmd *c;
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if ((rc = take_globals(&cli, &argc, argv)))
		return rc;
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(&cli, argc, argv);
	if (!strcmp(argv[1], "--version"))
		return cmd_version(&cli, argc, argv);
	if (!server_opt && getenv("FERRY_SERVER") && *getenv("FERRY_SERVER"))
		server_opt = getenv("FERRY_SERVER");
	if (!server_opt && !cli.home_opt && !getenv("FERRY_HOME"))
		config_file();
	if (server_opt && strcmp(server_opt, "local"))
		return cli_remote_run(&cli, server_opt, at_opt, argc - 1, argv + 1);
	if ((rc = cli_settings_load(&cli, &argc, argv)))
		return rc;
	if (at_opt) {
		rc = cli_schedule_local(&cli, at_opt, argc - 1, argv + 1);
		cli_audit_command(&cli, argc, argv, rc);
		ferry_ctx_free(cli.ctx);
		return rc;
	}
	for (c = groups; c->name; c++) {
		if (!strcmp(c->name, argv[1])) {
			rc = c->fn(&cli, argc - 1, argv + 1);
			cli_audit_command(&cli, argc, argv, rc);
			ferry_ctx_free(cli.ctx);
			return rc;
		}
	}
	fprintf(stderr, "ferry: error: unknown command '%s': see 'ferry help'\n", argv[1]);
	return EXIT_USAGE;
}
