/* SPDX-License-Identifier: MIT */
/* cmd_catalog.c: `ferry catalog list|show|validate`: the release catalogs. */
#include "cli.h"
#include "backend.h"

#include "ferry/catalog/catalog.h"
#include "ferry/store/ctx.h"
#include "ferry/base/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int catalog_list(struct cli *cli, const struct cli_args *a)
{
	static const struct cli_col cols[] = {
		{ "product", "PRODUCT" }, { "name", "NAME" }, { "releases", "RELEASES" },
		{ "platforms", "PLATFORMS" }, { "valid", "VALID" }, { "path", "PATH" }, { NULL, NULL }
	};
	json_t *arr, *o;
	size_t i;
	int ec;

	(void)a;
	if ((ec = cli_ask(cli, CLI_CATALOG_LIST, json_object(), &arr)))
		return ec;
	if (cli->json) {
		cli_print_json(arr);
	} else {
		cli_print_table(arr, cols);
		json_array_foreach(arr, i, o) {
			if (json_object_get(o, "error"))
				fprintf(stderr, "ferry: warning: %s\n", cli_str(o, "error"));
			if (json_object_get(o, "shadowed_by"))
				fprintf(stderr, "ferry: note: %s is shadowed by %s\n", cli_str(o, "path"),
					cli_str(o, "shadowed_by"));
		}
	}
	json_decref(arr);
	return EXIT_OK;
}

static void print_catalog(const struct ferry_catalog *cat)
{
	static const struct cli_col rcols[] = {
		{ "id", "RELEASE" }, { "name", "NAME" }, { "build", "AX7.VERSION" },
		{ "min_platform", "MIN PLATFORM" }, { "hotfixes_supported", "HOTFIXES" },
		{ "vendor_overlayering_locked", "VENDOR LOCKED" }, { NULL, NULL }
	};
	json_t *j = ferry_catalog_to_json(cat);
	size_t i;

	printf("product:   %s (%s)\ncatalog:   %s\n", cat->product, cat->name, cat->path);
	if (cat->source)
		printf("source:    %s\n", cat->source);
	printf("\n");
	cli_print_table(json_object_get(j, "releases"), rcols);
	printf("\nplatforms: ");
	for (i = 0; i < cat->nplatforms; i++)
		printf("%s%s%s", i ? " " : "", cat->platforms[i].id,
		       cat->platforms[i].overlayering_allowed ? "*" : "");
	printf("\n           (* allows overlayering of platform models)\n");
	printf("platform models: ");
	for (i = 0; i < cat->nmodels; i++)
		printf("%s%s", i ? ", " : "", cat->models[i].name);
	printf("\nupgrade before %s, update from %s; vendor models locked from %s; "
	       "individual hotfixes unsupported from %s%s%s%s\n",
	       cat->update_from->id, cat->update_from->id, cat->vendor_locked_from->id,
	       cat->hotfixes_unsupported_from->id,
	       cat->hotfixes_deprecated ? " (deprecated " : "",
	       cat->hotfixes_deprecated ? cat->hotfixes_deprecated : "",
	       cat->hotfixes_deprecated ? ")" : "");
	printf("\ncode upgrade table:\n");
	for (i = 0; i < cat->nmoves; i++) {
		const struct ferry_catalog_move *m = &cat->moves[i];
		char path[48];
		ferry_catalog_move_path(m, path);
		printf("  %-17s %s -> %s: code upgrade %s\n", path,
		       m->source_label ? m->source_label : m->source->id,
		       m->target_label ? m->target_label : m->ntargets ? m->targets[0]->id : "?",
		       m->code_upgrade_required ? "Yes" : "No");
	}
	json_decref(j);
}

static void print_release(const struct ferry_catalog *cat, const struct ferry_catalog_release *r)
{
	static const char *const keys[] = { "id", "name", "application", "build", "date", "platform",
					     "min_platform", "max_platform", "source_only",
					     "hotfixes_supported", "vendor_overlayering_locked", NULL };
	json_t *j = ferry_catalog_release_to_json(cat, r), *t;
	size_t i;

	cli_print_fields(j, keys);
	printf("targets:\n");
	json_array_foreach(json_object_get(j, "targets"), i, t)
		printf("  %-10s %-16s from %-5s code upgrade %-3s (%s)\n",
		       json_string_value(json_object_get(t, "release")),
		       json_string_value(json_object_get(t, "kind")),
		       json_string_value(json_object_get(t, "min_platform")),
		       json_is_true(json_object_get(t, "code_upgrade_required")) ? "Yes" : "No",
		       json_string_value(json_object_get(t, "rule")));
	if (!json_array_size(json_object_get(j, "targets")))
		printf("  none\n");
	json_decref(j);
}

static int catalog_show(struct cli *cli, const struct cli_args *a)
{
	const struct ferry_catalog_release *r = NULL;
	struct ferry_catalog *cat = NULL;
	const char *product = cli_arg(a, "product"), *what = cli_pos(a, 0);
	struct ferry_error err, e2;
	char *path = NULL;
	int rc;

	ferry_error_clear(&err);
	/* An argument names a product when a catalog file exists for it. */
	if (what && !product && ferry_catalog_find(cli->settings, what, &path, NULL) == 0) {
		product = what;
		what = NULL;
	}
	free(path);
	rc = ferry_catalog_open_settings(cli->settings, product, &cat, &err);
	if (rc)
		return cli_fail(cli, &err);
	if (what && ferry_catalog_resolve_release(cat, what, &r, &e2)) {
		ferry_error_set(&err, FERRY_ENOTFOUND, "'%s' is neither a product with a catalog nor a release: %s",
				what, e2.msg);
		ferry_catalog_free(cat);
		return cli_fail(cli, &err);
	}
	if (cli->json) {
		json_t *j = r ? ferry_catalog_release_to_json(cat, r) : ferry_catalog_to_json(cat);
		cli_print_json(j);
		json_decref(j);
	} else if (r) {
		print_release(cat, r);
	} else {
		print_catalog(cat);
	}
	ferry_catalog_free(cat);
	return EXIT_OK;
}

static int catalog_validate(struct cli *cli, const struct cli_args *a)
{
	const char *file = cli_pos(a, 0);
	struct ferry_catalog *cat;
	struct ferry_error err;
	size_t i, rows = 0;

	ferry_error_clear(&err);
	if (ferry_catalog_load(file, &cat, &err))
		return cli_fail(cli, &err);
	for (i = 0; i < cat->nmoves; i++)
		rows += !cat->moves[i].is_update;
	if (cli->json) {
		json_t *o = json_pack("{s:b, s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "valid", 1,
			"path", file, "product", cat->product, "name", cat->name,
			"releases", (json_int_t)cat->nreleases, "platforms", (json_int_t)cat->nplatforms,
			"code_upgrade_rows", (json_int_t)rows,
			"updates", (json_int_t)(cat->nmoves - rows));
		cli_print_json(o);
		json_decref(o);
	} else if (!cli->quiet) {
		printf("%s: valid catalog of '%s' (%zu releases, %zu platforms, %zu code-upgrade rows, %zu updates)\n",
		       file, cat->product, cat->nreleases, cat->nplatforms, rows, cat->nmoves - rows);
	}
	ferry_catalog_free(cat);
	return EXIT_OK;
}

static const struct cli_command list_cmd = {
	"list", "", 0, 0, NULL, "the catalogs found, which is valid, which shadows which", NULL,
	CLI_READ, catalog_list
};

static const struct cli_opt show_opts[] = {
	{ "product", 0, "P", 0, "the product's catalog (default: the only one)" },
	{ NULL, 0, NULL, 0, NULL }
};

static const struct cli_command show_cmd = {
	"show", "[PRODUCT|RELEASE]", 0, 1, NULL, "a catalog (releases, platforms, the code upgrade "
	"table), or one release and its targets", show_opts, CLI_LOCAL | CLI_READ, catalog_show
};
static const struct cli_command validate_cmd = {
	"validate", "FILE", 1, 1, NULL, "check a catalog file, naming the JSON path of each problem",
	NULL, CLI_LOCAL | CLI_READ, catalog_validate
};

const struct cli_command *const cli_catalog_cmds[] = { &list_cmd, &show_cmd, &validate_cmd, NULL };
