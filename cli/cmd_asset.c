/* cmd_asset.c: `ferry asset upload|list|show|download|rm`: the asset library. */
#include "cli.h"

#include "ferry/package/asset.h"
#include "ferry/store/ctx.h"
#include "ferry/base/error.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

/* Parse [--project P] [-o FILE] around positional arguments; returns 0 or an exit code. */
static int asset_opts(int argc, char **argv, const char *usage, int npos, const char **project,
		      const char **outf)
{
	static const struct option opts[] = {
		{ "project", required_argument, NULL, 'P' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (c == 'P')
			*project = optarg;
		else if (c == 'o' && outf)
			*outf = optarg;
		else
			return cli_usage(usage, "unknown or incomplete option '%s'", argv[optind - 1]);
	}
	if (argc - optind != npos)
		return cli_usage(usage, argc - optind < npos ? "missing argument" : "too many arguments");
	return 0;
}

#define UPLOAD_USAGE "ferry asset upload FILE --project P"

static int asset_upload(struct cli *cli, int argc, char **argv)
{
	const char *project = NULL;
	struct ferry_error err;
	struct ferry_asset a;
	struct ferry_ctx *ctx;
	int ec, existed;

	if ((ec = asset_opts(argc, argv, UPLOAD_USAGE, 1, &project, NULL)))
		return ec;
	if (!project)
		return cli_usage(UPLOAD_USAGE, "missing --project");
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_asset_upload(ctx, project, argv[optind], &a, &existed, &err))
		return cli_fail(cli, &err);
	if (cli->json) {
		json_t *o = ferry_asset_to_json(&a);
		json_object_set_new(o, "existed", json_boolean(existed));
		cli_print_json(o);
		json_decref(o);
	} else if (!cli->quiet) {
		printf("%s %s@%s (%s, %s) %s project '%s' as %.12s\n", existed ? "Already have" : "Uploaded",
		       a.name, a.version, a.type, a.key_id[0] ? "signed" : "unsigned",
		       existed ? "in" : "to", project, a.sha256);
	}
	return EXIT_OK;
}

static int asset_list(struct cli *cli, int argc, char **argv)
{
	static const char *const cols[] = { "id", "type", "name", "version", "size", "signer",
					    "uploaded", "refs", NULL };
	static const char *const heads[] = { "ID", "TYPE", "NAME", "VERSION", "SIZE", "SIGNER",
					     "UPLOADED", "REFS", NULL };
	const char *project = NULL;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	json_t *arr;
	int ec;

	if ((ec = asset_opts(argc, argv, "ferry asset list [--project P] [--json]", 0, &project, NULL)))
		return ec;
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_asset_list(ctx, project, &arr, &err))
		return cli_fail(cli, &err);
	cli_emit_table(cli, arr, cols, heads);
	return EXIT_OK;
}

static int asset_show(struct cli *cli, int argc, char **argv)
{
	static const char *const keys[] = { "sha256", "project", "name", "version", "type", "size",
		"container", "signer", "key_id", "uploaded", "uploaded_by", NULL };
	const char *project = NULL;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	json_t *o, *r;
	size_t i;
	int ec;

	if ((ec = asset_opts(argc, argv, "ferry asset show REF [--project P] [--json]", 1, &project, NULL)))
		return ec;
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_asset_show(ctx, project, argv[optind], &o, &err))
		return cli_fail(cli, &err);
	if (cli->json) {
		cli_print_json(o);
	} else {
		cli_print_fields(o, keys);
		json_array_foreach(json_object_get(o, "references"), i, r)
			printf("%-16s %s '%s'\n", "referenced by", json_string_value(json_object_get(r, "kind")),
			       json_string_value(json_object_get(r, "ref")));
	}
	json_decref(o);
	return EXIT_OK;
}

#define DOWNLOAD_USAGE "ferry asset download REF -o FILE [--project P]"

static int asset_download(struct cli *cli, int argc, char **argv)
{
	const char *project = NULL, *outf = NULL;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	int ec;

	if ((ec = asset_opts(argc, argv, DOWNLOAD_USAGE, 1, &project, &outf)))
		return ec;
	if (!outf)
		return cli_usage(DOWNLOAD_USAGE, "missing -o FILE");
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_asset_download(ctx, project, argv[optind], outf, &err))
		return cli_fail(cli, &err);
	if (!cli->quiet && !cli->json)
		printf("Wrote %s\n", outf);
	return EXIT_OK;
}

static int asset_rm(struct cli *cli, int argc, char **argv)
{
	const char *project = NULL;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	int ec;

	if ((ec = asset_opts(argc, argv, "ferry asset rm REF [--project P]", 1, &project, NULL)))
		return ec;
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_asset_rm(ctx, project, argv[optind], &err))
		return cli_fail(cli, &err);
	if (!cli->quiet && !cli->json)
		printf("Removed asset %s\n", argv[optind]);
	return EXIT_OK;
}

#define EXTRACT_USAGE "ferry asset extract REF DIR --project P"

static int asset_extract(struct cli *cli, int argc, char **argv)
{
	const char *project = NULL;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	int ec;

	if ((ec = asset_opts(argc, argv, EXTRACT_USAGE, 2, &project, NULL)))
		return ec;
	if (!project)
		return cli_usage(EXTRACT_USAGE, "missing --project");
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_asset_extract(ctx, project, argv[optind], argv[optind + 1], NULL, &err))
		return cli_fail(cli, &err);
	if (!cli->quiet && !cli->json)
		printf("Extracted %s into %s\n", argv[optind], argv[optind + 1]);
	return EXIT_OK;
}

int cmd_asset(struct cli *cli, int argc, char **argv)
{
	static const struct cli_cmd table[] = {
		{ "upload", asset_upload, "upload FILE --project P" },
		{ "list", asset_list, "list [--project P] [--json]" },
		{ "show", asset_show, "show REF [--project P] [--json]" },
		{ "download", asset_download, "download REF -o FILE [--project P]" },
		{ "rm", asset_rm, "rm REF [--project P]" },
		{ "extract", asset_extract, "extract REF DIR --project P" },
		{ NULL, NULL, NULL }
	};
	return cli_dispatch(cli, "asset", table, argc, argv);
}
