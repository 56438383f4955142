/* SPDX-License-Identifier: MIT */
/* cmd_asset.c: `ferry asset upload|list|show|download|rm|extract`: the asset library. */
#include "cli.h"
#include "backend.h"

#include "ferry/base/error.h"
#include "ferry/package/asset.h"
#include "ferry/store/ctx.h"

#include <stdio.h>
#include <string.h>

#define PROJECT_OPT(flags) { "project", 0, "P", flags, "the project whose library it is" }
#define END_OPT { NULL, 0, NULL, 0, NULL }

static const struct cli_opt project_opt[] = { PROJECT_OPT(0), END_OPT };
static const struct cli_opt project_req[] = { PROJECT_OPT(CLI_OPT_REQUIRED), END_OPT };

static int asset_upload(struct cli *cli, const struct cli_args *a)
{
	const char *project = cli_arg(a, "project");
	json_t *o;
	int ec, existed;

	if ((ec = cli_ask(cli, CLI_ASSET_UPLOAD, json_pack("{s:s, s:s}", "project", project, "file",
			  cli_pos(a, 0)), &o)))
		return ec;
	existed = json_is_true(json_object_get(o, "existed"));
	if (cli->json)
		cli_print_json(o);
	else if (!cli->quiet)
		printf("%s %s@%s (%s, %s) %s project '%s' as %.12s\n", existed ? "Already have" : "Uploaded",
		       cli_str(o, "name"), cli_str(o, "version"), cli_str(o, "type"),
		       json_string_value(json_object_get(o, "key_id")) &&
		       *json_string_value(json_object_get(o, "key_id")) ? "signed" : "unsigned",
		       existed ? "in" : "to", project, cli_str(o, "sha256"));
	json_decref(o);
	return EXIT_OK;
}

static const struct cli_command asset_upload_cmd = {
	"upload", "FILE", 1, 1, NULL, "verify a package and add it to the project's library",
	project_req, 0, asset_upload
};

static int asset_list(struct cli *cli, const struct cli_args *a)
{
	static const struct cli_col cols[] = {
		{ "id", "ID" }, { "type", "TYPE" }, { "name", "NAME" }, { "version", "VERSION" },
		{ "size", "SIZE" }, { "signer", "SIGNER" }, { "uploaded", "UPLOADED" }, { "refs", "REFS" },
		{ NULL, NULL }
	};

	return cli_show_table(cli, CLI_ASSET_LIST, json_pack("{s:s?}", "project",
			      cli_arg(a, "project")), cols);
}

static const struct cli_command asset_list_cmd = {
	"list", "", 0, 0, NULL, "the assets (every project's, or one's)", project_opt, CLI_READ,
	asset_list
};

static int asset_show(struct cli *cli, const struct cli_args *a)
{
	static const char *const keys[] = { "sha256", "project", "name", "version", "type", "size",
		"container", "signer", "key_id", "uploaded", "uploaded_by", NULL };
	json_t *o, *r;
	size_t i;
	int ec;

	if ((ec = cli_ask(cli, CLI_ASSET_SHOW, json_pack("{s:s, s:s?}", "asset", cli_pos(a, 0),
			  "project", cli_arg(a, "project")), &o)))
		return ec;
	if (cli->json) {
		cli_print_json(o);
	} else {
		cli_print_fields(o, keys);
		json_array_foreach(json_object_get(o, "references"), i, r)
			printf("%-16s %s '%s'\n", "referenced by", cli_str(r, "kind"), cli_str(r, "ref"));
	}
	json_decref(o);
	return EXIT_OK;
}

static const struct cli_command asset_show_cmd = {
	"show", "REF", 1, 1, NULL, "an asset (REF: sha256, a prefix, or name@version) and what "
	"refers to it", project_opt, CLI_READ, asset_show
};

static int asset_download(struct cli *cli, const struct cli_args *a)
{
	json_t *o;
	int ec;

	if ((ec = cli_ask(cli, CLI_ASSET_DOWNLOAD, json_pack("{s:s, s:s?, s:s}", "asset",
			  cli_pos(a, 0), "project", cli_arg(a, "project"), "output",
			  cli_arg(a, "output")), &o)))
		return ec;
	json_decref(o);
	if (!cli->quiet && !cli->json)
		printf("Wrote %s\n", cli_arg(a, "output"));
	return EXIT_OK;
}

static const struct cli_opt download_opts[] = {
	{ "output", 'o', "FILE", CLI_OPT_REQUIRED, "where to write it (its SHA-256 checked)" },
	PROJECT_OPT(0), END_OPT
};
static const struct cli_command asset_download_cmd = {
	"download", "REF", 1, 1, NULL, "a copy of an asset", download_opts, CLI_READ, asset_download
};

static int asset_rm(struct cli *cli, const struct cli_args *a)
{
	json_t *o;
	int ec;

	if ((ec = cli_ask(cli, CLI_ASSET_RM, json_pack("{s:s, s:s?}", "asset", cli_pos(a, 0),
			  "project", cli_arg(a, "project")), &o)))
		return ec;
	json_decref(o);
	if (!cli->quiet && !cli->json)
		printf("Removed asset %s\n", cli_pos(a, 0));
	return EXIT_OK;
}

static const struct cli_command asset_rm_cmd = {
	"rm", "REF", 1, 1, NULL, "remove an asset nothing refers to", project_opt, 0, asset_rm
};

static int asset_extract(struct cli *cli, const struct cli_args *a)
{
	struct ferry_error err;
	struct ferry_ctx *ctx;
	int ec;

	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_asset_extract(ctx, cli_arg(a, "project"), cli_pos(a, 0), cli_pos(a, 1), NULL, &err))
		return cli_fail(cli, &err);
	if (!cli->quiet && !cli->json)
		printf("Extracted %s into %s\n", cli_pos(a, 0), cli_pos(a, 1));
	return EXIT_OK;
}

static const struct cli_command asset_extract_cmd = {
	"extract", "REF DIR", 2, 2, NULL, "verify an asset and extract it into a directory here",
	project_req, CLI_LOCAL, asset_extract
};

const struct cli_command *const cli_asset_cmds[] = {
	&asset_upload_cmd, &asset_list_cmd, &asset_show_cmd, &asset_download_cmd, &asset_rm_cmd,
	&asset_extract_cmd, NULL
};
