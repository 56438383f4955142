/* cmd_catalog.c: `ferry catalog list|show|validate`: the release catalogs. */
#include "cli.h"

#include "ferry/catalog/catalog.h"
#include "ferry/store/ctx.h"
#include "ferry/base/error.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int catalog_list(struct cli *cli, int argc, char **argv)
{
	static const char *const cols[] = { "product", "name", "releases", "platforms", "valid", "path", NULL };
	static const char *const heads[] = { "PRODUCT", "NAME", "RELEASES", "PLATFORMS", "VALID", "PATH", NULL };
	struct ferry_error err;
	json_t *arr;
	size_t i;
	json_t *o;
	int rc;

	if (argc != 1)
		return cli_usage("ferry catalog list [--json]", "unexpected argument '%s'", argv[1]);
	ferry_error_clear(&err);
	rc = ferry_catalog_list(cli->settings, &arr, &err);
	if (rc)
		return cli_fail(cli, &err);
	if (cli->json) {
		cli_print_json(arr);
	} else {
		cli_print_table(arr, cols, heads);
		json_array_foreach(arr, i, o) {
			if (json_object_get(o, "error"))
				fprintf(stderr, "ferry: warning: %s\n",
					json_string_value(json_object_get(o, "error")));
			if (json_object_get(o, "shadowed_by"))
				fprintf(stderr, "ferry: note: %s is shadowed by %s\n",
					json_string_value(json_object_get(o, "path")),
					json_string_value(json_object_get(o, "shadowed_by")));
		}
	}
	json_decref(arr);
	return EXIT_OK;
}

static void print_catalog(const struct ferry_catalog *cat)
{
	static const char *const rcols[] = { "id", "name", "build", "min_platform", "hotfixes_supported",
					     "vendor_overlayering_locked", NULL };
	static const char *const rheads[] = { "RELEASE", "NAME", "AX7.VERSION", "MIN PLATFORM", "HOTFIXES",
					      "VENDOR LOCKED", NULL };
	json_t *j = ferry_catalog_to_json(cat);
	size_t i;

	printf("product:   %s (%s)\ncatalog:   %s\n", cat->product, cat->name, cat->path);
	if (cat->source)
		printf("source:    %s\n", cat->source);
	printf("\n");
	cli_print_table(json_object_get(j, "releases"), rcols, rheads);
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

#define SHOW_USAGE "ferry catalog show [PRODUCT|RELEASE] [--product P] [--json]"

static int catalog_show(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "product", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	const struct ferry_catalog_release *r = NULL;
	struct ferry_catalog *cat = NULL;
	const char *product = NULL, *what = NULL;
	struct ferry_error err, e2;
	char *path = NULL;
	int c, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'p')
			return cli_usage(SHOW_USAGE, "unknown or incomplete option '%s'", argv[optind - 1]);
		product = optarg;
	}
	if (argc - optind > 1)
		return cli_usage(SHOW_USAGE, "too many arguments");
	what = optind < argc ? argv[optind] : NULL;
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

static int catalog_validate(struct cli *cli, int argc, char **argv)
{
	struct ferry_catalog *cat;
	struct ferry_error err;
	size_t i, rows = 0;

	if (argc != 2)
		return cli_usage("ferry catalog validate FILE [--json]",
				 argc < 2 ? "missing catalog FILE" : "too many arguments");
	ferry_error_clear(&err);
	if (ferry_catalog_load(argv[1], &cat, &err))
		return cli_fail(cli, &err);
	for (i = 0; i < cat->nmoves; i++)
		rows += !cat->moves[i].is_update;
	if (cli->json) {
		json_t *o = json_pack("{s:b, s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "valid", 1,
			"path", argv[1], "product", cat->product, "name", cat->name,
			"releases", (json_int_t)cat->nreleases, "platforms", (json_int_t)cat->nplatforms,
			"code_upgrade_rows", (json_int_t)rows,
			"updates", (json_int_t)(cat->nmoves - rows));
		cli_print_json(o);
		json_decref(o);
	} else if (!cli->quiet) {
		printf("%s: valid catalog of '%s' (%zu releases, %zu platforms, %zu code-upgrade rows, %zu updates)\n",
		       argv[1], cat->product, cat->nreleases, cat->nplatforms, rows, cat->nmoves - rows);
	}
	ferry_catalog_free(cat);
	return EXIT_OK;
}

int cmd_catalog(struct cli *cli, int argc, char **argv)
{
	static const struct cli_cmd table[] = {
		{ "list", catalog_list, "list [--json]" },
		{ "show", catalog_show, "show [PRODUCT|RELEASE] [--product P] [--json]" },
		{ "validate", catalog_validate, "validate FILE [--json]" },
		{ NULL, NULL, NULL }
	};
	return cli_dispatch(cli, "catalog", table, argc, argv);
}
