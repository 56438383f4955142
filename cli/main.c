/* SPDX-License-Identifier: MIT */
/* main.c: the `ferry` command: global options (anywhere before "--"), the server
 * from the options, the environment or the config file, the backend it gives (a ferryd,
 * or the home), then the command from the table (groups.c) and its audit record. */
#include "cli.h"
#include "backend.h"

#include "ferry/runtime/host.h"
#include "ferry/store/ctx.h"

#include "ferry/project/curl_sym.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *server_opt, *at_opt;  /* --server URL, --at TIME */

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
	const struct cli_command *cmd = NULL;
	const char *server;
	char *help[] = { "help", NULL };
	struct ferry_error err;
	int rc;

	/* Hidden: the host side of the SSH driver, started by another ferry over ssh
	 * (like git-upload-pack); it speaks frames on stdin/stdout, reads no settings. */
	if (argc == 2 && !strcmp(argv[1], "host-agent")) {
		return ferry_host_agent_main(0, 1);
	}
	if ((rc = take_globals(&cli, &argc, argv)))
		return rc;
	cli.groups = cli_groups;
	cli.at = at_opt;
	cli.confirm = cli_confirm;
	if (argc < 2) {
		cli_print_global_usage(1, cli_groups);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cli_help(&cli, 1, help);
	if (!strcmp(argv[1], "--version"))
		argv[1] = "version";
	if (!server_opt && getenv("FERRY_SERVER") && *getenv("FERRY_SERVER"))
		server_opt = getenv("FERRY_SERVER");
	if (!server_opt && !cli.home_opt && !getenv("FERRY_HOME"))
		config_file();
	/* the backend: a ferryd named by --server, FERRY_SERVER or the config file; else the home */
	server = server_opt && strcmp(server_opt, "local") ? server_opt : NULL;
	/* the library's settings (config file, environment, --store, --port-range, ...) */
	if (!server && (rc = cli_settings_load(&cli, &argc, argv)))
		return rc;
	/* libcurl is loaded only to talk to a ferryd (include/ferry/base/dlib.h) */
	if (server && ferry_curl_load(&err)) {
		fprintf(stderr, "ferry: error: %s\n", err.msg);
		return EXIT_FAILED;
	}
	cli.be = server ? cli_remote_new(server, getenv("FERRY_TOKEN")) : cli_local_new(&cli);
	if (!cli.be) {
		fprintf(stderr, "ferry: error: out of memory\n");
		return EXIT_FAILED;
	}
	rc = cli_dispatch(&cli, argc - 1, argv + 1, &cmd);
	cli_audit_command(&cli, cmd, argc, argv, rc);
	cli_backend_free(cli.be);
	json_decref(cli.hints);
	ferry_ctx_free(cli.ctx);
	return rc;
}
