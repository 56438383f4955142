/* SPDX-License-Identifier: MIT */
/* cmd_package.c: `ferry package build|inspect|verify|extract`: package files on this
 * machine (the home, when there is one, names known signers and holds keys). */
#include "cli.h"

#include "ferry/store/ctx.h"
#include "ferry/base/error.h"
#include "ferry/package/manifest.h"
#include "ferry/package/package.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int package_build(struct cli *cli, const struct cli_args *a)
{
	const char *out = cli_arg(a, "output"), *key = cli_arg(a, "sign"), *dir = cli_pos(a, 0);
	struct ferry_ctx *ctx = NULL;
	struct ferry_error err;
	json_t *sum = NULL;
	int ec;

	if (key && !(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_package_build(ctx, dir, out, key, &sum, &err))
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

static int package_inspect(struct cli *cli, const struct cli_args *a)
{
	static const char *const keys[] = { "name", "version", "type", "product", "description",
		"container", "files", "payload_bytes", "signature", "key_id", "signer", NULL };
	struct ferry_ctx *ctx = NULL;
	struct ferry_error err;
	json_t *o;

	ctx = cli_ctx_optional(cli);
	ferry_error_clear(&err);
	if (ferry_package_inspect(ctx, cli_pos(a, 0), &o, &err))
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

static int package_verify(struct cli *cli, const struct cli_args *a)
{
	static const char *const keys[] = { "name", "version", "type", "container", "files",
		"payload_bytes", "sha256", "signed", "key_id", "signer", "trust", "seal", NULL };
	const char *project = cli_arg(a, "project");
	struct ferry_ctx *ctx;
	struct ferry_error err;
	json_t *r;
	int ec = EXIT_OK;

	ctx = project ? cli_ctx(cli, &ec) : cli_ctx_optional(cli);
	if (!ctx && project)
		return ec;
	ferry_error_clear(&err);
	if (ferry_package_verify(ctx, cli_pos(a, 0), project, &r, NULL, &err)) {
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

static int package_extract(struct cli *cli, const struct cli_args *a)
{
	const char *project = cli_arg(a, "project"), *dir = cli_pos(a, 1);
	struct ferry_manifest *m = NULL;
	struct ferry_ctx *ctx;
	struct ferry_error err;
	int ec = EXIT_OK;

	ctx = project ? cli_ctx(cli, &ec) : cli_ctx_optional(cli);
	if (!ctx && project)
		return ec;
	ferry_error_clear(&err);
	if (ferry_package_extract(ctx, cli_pos(a, 0), project, dir, &m, &err))
		return cli_fail(cli, &err);
	if (cli->json) {
		json_t *s = ferry_manifest_summary(m);
		json_object_set_new(s, "dir", json_string(dir));
		cli_print_json(s);
		json_decref(s);
	} else if (!cli->quiet) {
		printf("Extracted %s %s (%zu files) into %s\n", m->name, m->version, m->n_payload, dir);
	}
	ferry_manifest_free(m);
	return EXIT_OK;
}

static const struct cli_opt build_opts[] = {
	{ "output", 'o', "FILE", CLI_OPT_REQUIRED, "the package to write (.zip, .tar.gz, .tar.zst)" },
	{ "sign", 0, "KEY", 0, "sign it with this key of the home" },
	{ NULL, 0, NULL, 0, NULL }
};
static const struct cli_opt project_opt[] = {
	{ "project", 0, "P", 0, "check the signer against this project's trust" },
	{ NULL, 0, NULL, 0, NULL }
};

static const struct cli_command build_cmd = {
	"build", "DIR", 1, 1, NULL, "a package from a directory with its manifest.json",
	build_opts, CLI_LOCAL, package_build
};
static const struct cli_command inspect_cmd = {
	"inspect", "FILE", 1, 1, NULL, "what a package holds (nothing verified)", NULL,
	CLI_LOCAL | CLI_READ, package_inspect
};
static const struct cli_command verify_cmd = {
	"verify", "FILE", 1, 1, NULL, "every entry, file hash and the signature", project_opt,
	CLI_LOCAL | CLI_READ, package_verify
};
static const struct cli_command extract_cmd = {
	"extract", "FILE DIR", 2, 2, NULL, "verify, then extract into a directory", project_opt,
	CLI_LOCAL, package_extract
};

const struct cli_command *const cli_package_cmds[] = {
	&build_cmd, &inspect_cmd, &verify_cmd, &extract_cmd, NULL
};
