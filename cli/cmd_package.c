/* cmd_package.c: `ferry package build|inspect|verify|extract`. */
#include "cli.h"

#include "ferry/store/ctx.h"
#include "ferry/registry/registry.h"
#include "ferry/base/error.h"
#include "ferry/package/manifest.h"
#include "ferry/package/package.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The home when it exists (names known signers), else NULL without complaint. */
static struct ferry_ctx *optional_ctx(struct cli *cli)
{
	struct ferry_error err;

	if (cli->ctx)
		return cli->ctx;
	if (ferry_ctx_open(cli->settings, &cli->ctx, &err))
		cli->ctx = NULL;
	return cli->ctx;
}

#define BUILD_USAGE "ferry package build DIR -o FILE [--sign KEY]"

static int package_build(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "sign", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	const char *out = NULL, *key = NULL;
	struct ferry_ctx *ctx = NULL;
	struct ferry_error err;
	json_t *sum = NULL;
	int c, ec;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (c == 'o')
			out = optarg;
		else if (c == 's')
			key = optarg;
		else
			return cli_usage(BUILD_USAGE, "unknown or incomplete option '%s'", argv[optind - 1]);
	}
	if (optind != argc - 1)
		return cli_usage(BUILD_USAGE, optind >= argc ? "missing DIR" : "too many arguments");
	if (!out)
		return cli_usage(BUILD_USAGE, "missing -o FILE");
	if (key && !(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_package_build(ctx, argv[optind], out, key, &sum, &err))
		return cli_fail(cli, &err);
	if (cli->json)
		cli_print_json(sum);
	else if (!cli->quiet)
		printf("Built %s: %s %s (%s, %lld files, %s), sha256 %s\n", out,
		       json_string_value(json_object_get(sum, "name")),
		       json_string_value(json_object_get(sum, "version")),
		       json_string_value(json_object_get(sum, "type")),
		       (long long)json_integer_value(json_object_get(sum, "files")),
		       key ? "signed" : "unsigned",
		       json_string_value(json_object_get(sum, "sha256")));
	json_decref(sum);
	return EXIT_OK;
}

static int package_inspect(struct cli *cli, int argc, char **argv)
{
	static const char *const keys[] = { "name", "version", "type", "product", "description",
		"container", "files", "payload_bytes", "signature", "key_id", "signer", NULL };
	struct ferry_ctx *ctx = NULL;
	struct ferry_error err;
	json_t *o;

	if (argc != 2)
		return cli_usage("ferry package inspect FILE [--json]",
				 argc < 2 ? "missing FILE" : "too many arguments");
	ctx = optional_ctx(cli);
	ferry_error_clear(&err);
	if (ferry_package_inspect(ctx, argv[1], &o, &err))
		return cli_fail(cli, &err);
	if (cli->json) {
		cli_print_json(o);
	} else {
		const json_t *m = json_object_get(o, "manifest");
		size_t i;
		json_t *d;
		cli_print_fields(o, keys);
		if (json_object_get(o, "signature_error"))
			printf("%-16s %s\n", "signature_error",
			       json_string_value(json_object_get(o, "signature_error")));
		json_array_foreach(json_object_get(m, "models"), i, d)
			printf("%-16s %s (%s)\n", "model", json_string_value(json_object_get(d, "name")),
			       json_string_value(json_object_get(d, "owner")));
		json_array_foreach(json_object_get(m, "data_upgrade"), i, d)
			printf("%-16s %s: %s\n", "data_upgrade", json_string_value(json_object_get(d, "phase")),
			       json_string_value(json_object_get(d, "name")));
		json_array_foreach(json_object_get(m, "dvt"), i, d)
			printf("%-16s %s\n", "dvt", json_string_value(json_object_get(d, "service_model")));
	}
	json_decref(o);
	return EXIT_OK;
}

#define VERIFY_USAGE "ferry package verify FILE [--project P]"

static int package_verify(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "project", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const keys[] = { "name", "version", "type", "container", "files",
		"payload_bytes", "sha256", "signed", "key_id", "signer", "trust", "seal", NULL };
	const char *project = NULL;
	struct ferry_ctx *ctx;
	struct ferry_error err;
	json_t *r;
	int c, ec;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'P')
			return cli_usage(VERIFY_USAGE, "unknown or incomplete option '%s'", argv[optind - 1]);
		project = optarg;
	}
	if (optind != argc - 1)
		return cli_usage(VERIFY_USAGE, optind >= argc ? "missing FILE" : "too many arguments");
	ctx = project ? cli_ctx(cli, &ec) : optional_ctx(cli);
	if (!ctx && project)
		return ec;
	ferry_error_clear(&err);
	if (ferry_package_verify(ctx, argv[optind], project, &r, NULL, &err)) {
		if (!cli->json)
			fprintf(stderr, "ferry: verification FAILED\n");
		return cli_fail(cli, &err);
	}
	if (cli->json)
		cli_print_json(r);
	else if (!cli->quiet) {
		cli_print_fields(r, keys);
		printf("OK: every entry, file hash%s verified\n",
		       json_is_true(json_object_get(r, "signed")) ? ", the signature" : "");
	}
	json_decref(r);
	return EXIT_OK;
}

#define EXTRACT_USAGE "ferry package extract FILE DIR [--project P]"

static int package_extract(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "project", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 }
	};
	const char *project = NULL;
	struct ferry_manifest *m = NULL;
	struct ferry_ctx *ctx;
	struct ferry_error err;
	int c, ec;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'P')
			return cli_usage(EXTRACT_USAGE, "unknown or incomplete option '%s'", argv[optind - 1]);
		project = optarg;
	}
	if (optind != argc - 2)
		return cli_usage(EXTRACT_USAGE, optind >= argc - 1 ? "missing FILE or DIR" : "too many arguments");
	ctx = project ? cli_ctx(cli, &ec) : optional_ctx(cli);
	if (!ctx && project)
		return ec;
	ferry_error_clear(&err);
	if (ferry_package_extract(ctx, argv[optind], project, argv[optind + 1], &m, &err))
		return cli_fail(cli, &err);
	if (cli->json) {
		json_t *s = ferry_manifest_summary(m);
		json_object_set_new(s, "dir", json_string(argv[optind + 1]));
		cli_print_json(s);
		json_decref(s);
	} else if (!cli->quiet) {
		printf("Extracted %s %s (%zu files) into %s\n", m->name, m->version, m->n_payload,
		       argv[optind + 1]);
	}
	ferry_manifest_free(m);
	return EXIT_OK;
}

int cmd_package(struct cli *cli, int argc, char **argv)
{
	static const struct cli_cmd table[] = {
		{ "build", package_build, "build DIR -o FILE [--sign KEY]" },
		{ "inspect", package_inspect, "inspect FILE [--json]" },
		{ "verify", package_verify, "verify FILE [--project P] [--json]" },
		{ "extract", package_extract, "extract FILE DIR [--project P]" },
		{ NULL, NULL, NULL }
	};
	return cli_dispatch(cli, "package", table, argc, argv);
}
