/* SPDX-License-Identifier: MIT */
/* cmd_key.c: `ferry key generate|list|export|trust|revoke`. Private keys are made and
 * kept on the home (generate, export: on the home only); trust is the project's. */
#include "cli.h"
#include "backend.h"

#include "ferry/base/error.h"
#include "ferry/package/keys.h"
#include "ferry/store/ctx.h"

#include <stdio.h>
#include <string.h>

static int key_generate(struct cli *cli, const struct cli_args *a)
{
	struct ferry_error err;
	struct ferry_ctx *ctx;
	struct ferry_key k;
	int ec;

	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_key_generate(ctx, cli_pos(a, 0), &k, &err))
		return cli_fail(cli, &err);
	if (cli->json) {
		json_t *o = ferry_key_to_json(&k);
		cli_print_json(o);
		json_decref(o);
	} else if (!cli->quiet) {
		printf("Generated key '%s' (id %s); private key in %s/keys/%s.key (0600)\n",
		       k.name, k.key_id, ctx->home, k.name);
	}
	return EXIT_OK;
}

static const struct cli_command key_generate_cmd = {
	"generate", "NAME", 1, 1, NULL, "make a signing key pair; the private key stays in the home",
	NULL, CLI_LOCAL, key_generate
};

static const struct cli_opt list_opts[] = {
	{ "project", 0, "P", 0, "the keys this project trusts or revoked" },
	{ NULL, 0, NULL, 0, NULL }
};

static int key_list(struct cli *cli, const struct cli_args *a)
{
	static const struct cli_col cols[] = {
		{ "name", "NAME" }, { "key_id", "KEY ID" }, { "private_key", "PRIVATE" },
		{ "trusted_by", "TRUSTED BY" }, { "created", "CREATED" }, { NULL, NULL }
	};
	static const struct cli_col pcols[] = {
		{ "name", "NAME" }, { "key_id", "KEY ID" }, { "state", "STATE" },
		{ "trusted", "TRUSTED" }, { "revoked", "REVOKED" }, { NULL, NULL }
	};
	const char *project = cli_arg(a, "project");

	return cli_show_table(cli, CLI_KEY_LIST, json_pack("{s:s?}", "project", project),
			      project ? pcols : cols);
}

static const struct cli_command key_list_cmd = {
	"list", "", 0, 0, NULL, "the home's keys, or a project's trusted keys", list_opts, CLI_READ,
	key_list
};

static int key_export(struct cli *cli, const struct cli_args *a)
{
	struct ferry_error err;
	struct ferry_ctx *ctx;
	json_t *o;
	int ec;

	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_key_export(ctx, cli_pos(a, 0), &o, &err))
		return cli_fail(cli, &err);
	cli_print_json(o);
	json_decref(o);
	return EXIT_OK;
}

static const struct cli_command key_export_cmd = {
	"export", "NAME", 1, 1, NULL, "print the public key document (for 'key trust' elsewhere)",
	NULL, CLI_LOCAL | CLI_READ, key_export
};

static const struct cli_opt trust_opts[] = {
	{ "project", 0, "P", CLI_OPT_REQUIRED, "the project" },
	{ NULL, 0, NULL, 0, NULL }
};

static int trust_or_revoke(struct cli *cli, const struct cli_args *a, int revoke)
{
	const char *project = cli_arg(a, "project");
	json_t *k;
	int ec;

	if ((ec = cli_ask(cli, revoke ? CLI_KEY_REVOKE : CLI_KEY_TRUST, json_pack("{s:s, s:s}",
			  "project", project, "key", cli_pos(a, 0)), &k)))
		return ec;
	if (cli->json)
		cli_print_json(k);
	else if (!cli->quiet)
		printf("Project '%s' %s key '%s' (%s)\n", project, revoke ? "revoked" : "trusts",
		       cli_str(k, "name"), cli_str(k, "key_id"));
	json_decref(k);
	return EXIT_OK;
}

static int key_trust(struct cli *cli, const struct cli_args *a)
{
	return trust_or_revoke(cli, a, 0);
}

static int key_revoke(struct cli *cli, const struct cli_args *a)
{
	return trust_or_revoke(cli, a, 1);
}

static const struct cli_command key_trust_cmd = {
	"trust", "NAME|KEYID|PUBKEYFILE", 1, 1, NULL, "the project trusts packages signed with "
	"this key", trust_opts, 0, key_trust
};
static const struct cli_command key_revoke_cmd = {
	"revoke", "KEYID|NAME", 1, 1, NULL, "the project refuses this key from now on (for good)",
	trust_opts, 0, key_revoke
};

const struct cli_command *const cli_key_cmds[] = {
	&key_generate_cmd, &key_list_cmd, &key_export_cmd, &key_trust_cmd, &key_revoke_cmd, NULL
};
