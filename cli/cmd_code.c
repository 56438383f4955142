/* cmd_code.c: `ferry code scan SRC` (models, layers, overlayering) and
 * `ferry code upgrade SRC --to RELEASE` (the code upgrade service). */
#include "cli.h"

#include "ferry/catalog/catalog.h"
#include "ferry/lifecycle/codeupgrade.h"
#include "ferry/store/ctx.h"
#include "ferry/base/error.h"
#include "ferry/catalog/model.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

/* The release rules come from the product catalog (docs/CATALOG.md). */
static struct ferry_catalog *open_catalog(struct cli *cli, int *ec)
{
	struct ferry_catalog *cat = NULL;
	struct ferry_error err;
	int rc;

	ferry_error_clear(&err);
	rc = ferry_catalog_open_settings(cli->settings, NULL, &cat, &err);
	if (rc && ec)
		*ec = cli_fail(cli, &err);
	return rc ? NULL : cat;
}

static void print_scan(const json_t *o)
{
	static const char *const cols[] = { "name", "owner", "layer", "elements", "dir", NULL };
	static const char *const heads[] = { "MODEL", "OWNER", "LAYER", "ELEMENTS", "DIR", NULL };
	const json_t *l;
	size_t i;

	printf("release %s, platform %s\n\n",
	       json_string_value(json_object_get(o, "release")) ?: "unknown",
	       json_string_value(json_object_get(o, "platform")) ?: "unknown");
	cli_print_table(json_object_get(o, "models"), cols, heads);
	printf("\noverlayering (%zu):\n", json_array_size(json_object_get(o, "overlayering")));
	json_array_foreach(json_object_get(o, "overlayering"), i, l)
		printf("  %s/%s overlayers %s/%s (%s%s)  %s\n",
		       json_string_value(json_object_get(l, "model")),
		       json_string_value(json_object_get(l, "element")),
		       json_string_value(json_object_get(l, "target_model")),
		       json_string_value(json_object_get(l, "target_element")),
		       json_string_value(json_object_get(l, "target_owner")),
		       json_is_true(json_object_get(l, "platform")) ? ", platform" : "",
		       json_string_value(json_object_get(l, "file")));
	printf("extensions (%zu):\n", json_array_size(json_object_get(o, "extensions")));
	json_array_foreach(json_object_get(o, "extensions"), i, l)
		printf("  %s/%s extends %s/%s\n", json_string_value(json_object_get(l, "model")),
		       json_string_value(json_object_get(l, "element")),
		       json_string_value(json_object_get(l, "target_model")),
		       json_string_value(json_object_get(l, "target_element")));
	if (json_array_size(json_object_get(o, "problems")))
		printf("problems:\n");
	json_array_foreach(json_object_get(o, "problems"), i, l)
		printf("  %s\n", json_string_value(l));
}

static int code_scan(struct cli *cli, int argc, char **argv)
{
	static const char *const usage = "ferry code scan SRC [--json]";
	struct ferry_catalog *cat;
	static const struct option opts[] = { { NULL, 0, NULL, 0 } };
	struct ferry_source *src;
	struct ferry_error err;
	json_t *o;

	cli_getopt_reset();
	if (getopt_long(argc, argv, "", opts, NULL) != -1)
		return cli_usage(usage, "unknown option '%s'", argv[optind - 1]);
	if (argc - optind != 1)
		return cli_usage(usage, argc == optind ? "missing SRC" : "too many arguments");
	ferry_error_clear(&err);
	if (ferry_source_scan(argv[optind], &src, &err))
		return cli_fail(cli, &err);
	cat = open_catalog(cli, NULL); /* optional here: the built-in rules otherwise */
	o = ferry_source_to_json(cat, src);
	ferry_catalog_free(cat);
	if (cli->json)
		cli_print_json(o);
	else
		print_scan(o);
	json_decref(o);
	ferry_source_free(src);
	return EXIT_OK;
}

static int code_upgrade(struct cli *cli, int argc, char **argv)
{
	static const char *const usage =
		"ferry code upgrade SRC --to RELEASE [-o REPO] [--branch REF] [--base REF] [--new-base REF] [--force] [--json]";
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "output", required_argument, NULL, 'o' },
		{ "branch", required_argument, NULL, 'b' },
		{ "base", required_argument, NULL, 'B' },
		{ "new-base", required_argument, NULL, 'N' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct ferry_code_upgrade_opts o = { 0 };
	struct ferry_catalog *cat;
	struct ferry_buf md = FERRY_BUF_INIT;
	struct ferry_error err;
	json_t *rep = NULL;
	int c, ready;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "o:f", opts, NULL)) != -1) {
		switch (c) {
		case 't': o.to = optarg; break;
		case 'o': o.out = optarg; break;
		case 'b': o.branch = optarg; break;
		case 'B': o.base = optarg; break;
		case 'N': o.new_base = optarg; break;
		case 'f': o.force = 1; break;
		default: return cli_usage(usage, "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_usage(usage, argc == optind ? "missing SRC" : "too many arguments");
	if (!o.to)
		return cli_usage(usage, "missing --to RELEASE");
	o.src = argv[optind];
	if (!(cat = open_catalog(cli, &c)))
		return c;
	o.catalog = cat;
	ferry_error_clear(&err);
	c = ferry_code_upgrade(&o, &rep, &err);
	ferry_catalog_free(cat);
	if (c)
		return cli_fail(cli, &err);
	ready = json_is_true(json_object_get(rep, "ready"));
	if (cli->json) {
		cli_print_json(rep);
	} else if (!cli->quiet) {
		ferry_code_upgrade_markdown(rep, &md);
		fputs(md.data ? md.data : "", stdout);
		printf("\nWrote branch '%s' (commit %.12s) in %s\n",
		       json_string_value(json_object_get(rep, "branch")),
		       json_string_value(json_object_get(rep, "commit")),
		       json_string_value(json_object_get(rep, "repository")));
	}
	if (!ready)
		fprintf(stderr, "ferry: the code is not ready for %s: resolve the conflicts and refactor the overlayering listed in the report\n", o.to);
	ferry_buf_release(&md);
	json_decref(rep);
	return ready ? EXIT_OK : EXIT_REFUSED;
}

int cmd_code(struct cli *cli, int argc, char **argv)
{
	static const struct cli_cmd table[] = {
		{ "scan", code_scan, "scan SRC [--json]   models, layers and every overlayering" },
		{ "upgrade", code_upgrade, "upgrade SRC --to RELEASE [-o REPO] [--branch REF] [--base REF] [--new-base REF] [--force]" },
		{ NULL, NULL, NULL }
	};
	return cli_dispatch(cli, "code", table, argc, argv);
}
