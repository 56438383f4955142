/* SPDX-License-Identifier: MIT */
/* cmd_host.c: `ferry host add|list|show|check|install|rm`: the hosts environments run
 * on over SSH (docs/RUNTIME.md, "The SSH driver"). */
#include "cli.h"
#include "backend.h"

#include "ferry/base/error.h"

#include <stdio.h>
#include <string.h>

static void print_checks(const json_t *rep)
{
	const json_t *c;
	size_t i;

	json_array_foreach(json_object_get(rep, "checks"), i, c)
		printf("  [%s] %-11s %s\n", json_is_true(json_object_get(c, "ok")) ? " ok " : "FAIL",
		       cli_str(c, "check"), cli_str(c, "message"));
}

/* A report answered with ok false (a server's): the refusal, every failed check. */
static int refused(const json_t *rep, struct ferry_error *err)
{
	char msg[FERRY_ERROR_MSG_MAX] = "";
	const json_t *c;
	size_t i, n = 0, k = 0;

	json_array_foreach(json_object_get(rep, "checks"), i, c) {
		if (json_is_true(json_object_get(c, "ok")))
			continue;
		k++;
		if (n < sizeof(msg))
			n += (size_t)snprintf(msg + n, sizeof(msg) - n, "\n  - %s: %s", cli_str(c, "check"),
					      cli_str(c, "message"));
	}
	return ferry_error_set(err, FERRY_EREFUSED, "host '%s': %zu check%s failed:%s",
			       cli_str(rep, "host"), k, k == 1 ? "" : "s", msg);
}

static const struct cli_opt add_opts[] = {
	{ "ssh", 0, "USER@ADDRESS[:PORT]", CLI_OPT_REQUIRED, "how ferry logs in (key only)" },
	{ "identity", 'i', "FILE", 0, "the private key (default: ssh's)" },
	{ "dir", 0, "DIR", 0, "ferry's directory on the host (default /srv/ferry)" },
	{ "accept-host-key", 0, NULL, 0, "pin the key the host offers now (first contact)" },
	{ "no-install", 0, NULL, 0, "use the ferry already at DIR/bin/ferry" },
	{ NULL, 0, NULL, 0, NULL }
};

static int host_add(struct cli *cli, const struct cli_args *a)
{
	struct ferry_error err;
	json_t *o = NULL;
	int rc;

	rc = cli_call(cli, CLI_HOST_ADD, json_pack("{s:s, s:s, s:s?, s:s?, s:b, s:b}", "name",
		      cli_pos(a, 0), "ssh", cli_arg(a, "ssh"), "identity", cli_arg(a, "identity"),
		      "dir", cli_arg(a, "dir"), "accept_host_key", cli_flag(a, "accept-host-key"),
		      "no_install", cli_flag(a, "no-install")), &o, &err);
	if (cli->json && o) {
		cli_print_json(o);
	} else if (!cli->quiet && o) {
		if (!rc)
			printf("Added host '%s' (%s), key %s, ferry installed in %s\n", cli_pos(a, 0),
			       cli_str(o, "ssh"), cli_str(o, "key_fingerprint"), cli_str(o, "dir"));
		print_checks(o);
	}
	json_decref(o);
	return rc ? cli_fail(cli, &err) : EXIT_OK;
}

static const struct cli_command host_add_cmd = {
	"add", "NAME", 1, 1, NULL, "record a host reached over SSH: pin its key, install ferry, "
	"check it", add_opts, 0, host_add
};

static int host_list(struct cli *cli, const struct cli_args *a)
{
	static const struct cli_col cols[] = {
		{ "name", "NAME" }, { "ssh", "SSH" }, { "dir", "DIR" },
		{ "key_fingerprint", "HOST KEY" }, { NULL, NULL }
	};

	(void)a;
	return cli_show_table(cli, CLI_HOST_LIST, json_object(), cols);
}

static const struct cli_command host_list_cmd = {
	"list", "", 0, 0, NULL, "the hosts (local first)", NULL, CLI_READ, host_list
};

static int host_show(struct cli *cli, const struct cli_args *a)
{
	static const char *const keys[] = { "name", "ssh", "dir", "identity", "key_fingerprint",
					    "created", NULL };
	const json_t *r;
	json_t *o;
	size_t i;
	int ec;

	if ((ec = cli_ask(cli, CLI_HOST_SHOW, json_pack("{s:s}", "host", cli_pos(a, 0)), &o)))
		return ec;
	if (cli->json) {
		cli_print_json(o);
	} else if (!cli->quiet) {
		cli_print_fields(o, keys);
		printf("runtimes:%s\n", json_array_size(json_object_get(o, "runtimes")) ? "" : " none");
		json_array_foreach(json_object_get(o, "runtimes"), i, r)
			printf("  %s (%s) port %lld: %s\n", cli_str(r, "env"), cli_str(r, "slot"),
			       (long long)json_integer_value(json_object_get(r, "port")), cli_str(r, "dir"));
	}
	json_decref(o);
	return EXIT_OK;
}

static const struct cli_command host_show_cmd = {
	"show", "NAME", 1, 1, NULL, "a host and the runtimes on it", NULL, CLI_READ, host_show
};

static int host_check(struct cli *cli, const struct cli_args *a)
{
	struct ferry_error err;
	json_t *rep = NULL;
	int rc;

	rc = cli_call(cli, CLI_HOST_CHECK, json_pack("{s:s}", "host", cli_pos(a, 0)), &rep, &err);
	if (!rc && rep && json_is_false(json_object_get(rep, "ok")))
		rc = refused(rep, &err);
	if (cli->json && rep) {
		cli_print_json(rep);
	} else if (rep && !cli->quiet) {
		printf("host '%s':\n", cli_pos(a, 0));
		print_checks(rep);
	}
	json_decref(rep);
	return rc ? cli_fail(cli, &err) : EXIT_OK;
}

static const struct cli_command host_check_cmd = {
	"check", "NAME", 1, 1, NULL, "every prerequisite at once: reachable, key, agent, tools, "
	"disk, ports, sandbox features", NULL, CLI_READ, host_check
};

static int host_install(struct cli *cli, const struct cli_args *a)
{
	json_t *o;
	int ec;

	if ((ec = cli_ask(cli, CLI_HOST_INSTALL, json_pack("{s:s}", "host", cli_pos(a, 0)), &o)))
		return ec;
	json_decref(o);
	if (!cli->quiet && !cli->json)
		printf("Installed this ferry on host '%s'\n", cli_pos(a, 0));
	return EXIT_OK;
}

static const struct cli_command host_install_cmd = {
	"install", "NAME", 1, 1, NULL, "install this ferry as the host's agent again", NULL, 0,
	host_install
};

static int host_rm(struct cli *cli, const struct cli_args *a)
{
	json_t *o;
	int ec;

	if ((ec = cli_ask(cli, CLI_HOST_RM, json_pack("{s:s}", "host", cli_pos(a, 0)), &o)))
		return ec;
	json_decref(o);
	if (!cli->quiet && !cli->json)
		printf("Removed host '%s'\n", cli_pos(a, 0));
	return EXIT_OK;
}

static const struct cli_command host_rm_cmd = {
	"rm", "NAME", 1, 1, NULL, "forget a host (refused while environments are on it)", NULL, 0,
	host_rm
};

const struct cli_command *const cli_host_cmds[] = {
	&host_add_cmd, &host_list_cmd, &host_show_cmd, &host_check_cmd, &host_install_cmd,
	&host_rm_cmd, NULL
};
