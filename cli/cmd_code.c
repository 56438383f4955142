/* SPDX-License-Identifier: MIT */
/* cmd_code.c: `ferry code scan SRC` (models, layers, overlayering) and
 * `ferry code upgrade SRC --to RELEASE` (the code upgrade service). */
#include "cli.h"

#include "ferry/catalog/catalog.h"
#include "ferry/lifecycle/codeupgrade.h"
#include "ferry/store/ctx.h"
#include "ferry/base/error.h"
#include "ferry/catalog/model.h"

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
	static const struct cli_col cols[] = {
		{ "name", "MODEL" }, { "owner", "OWNER" }, { "layer", "LAYER" },
		{ "elements", "ELEMENTS" }, { "dir", "DIR" }, { NULL, NULL }
	};
	const json_t *l;
	size_t i;

	printf("release %s, platform %s\n\n",
	       json_string_value(json_object_get(o, "release")) ?: "unknown",
	       json_string_value(json_object_get(o, "platform")) ?: "unknown");
	cli_print_table(json_object_get(o, "models"), cols);
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

static int code_scan(struct cli *cli, const struct cli_args *a)
{
	struct ferry_catalog *cat;
	struct ferry_source *src;
	struct ferry_error err;
	json_t *o;

	ferry_error_clear(&err);
	if (ferry_source_scan(cli_pos(a, 0), &src, &err))
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

static int code_upgrade(struct cli *cli, const struct cli_args *a)
{
	struct ferry_code_upgrade_opts o = { 0 };
	struct ferry_catalog *cat;
	struct ferry_buf md = FERRY_BUF_INIT;
	struct ferry_error err;
	json_t *rep = NULL;
	int c = EXIT_FAILED, ready;

	o.to = cli_arg(a, "to");
	o.out = cli_arg(a, "output");
	o.branch = cli_arg(a, "branch");
	o.base = cli_arg(a, "base");
	o.new_base = cli_arg(a, "new-base");
	o.force = cli_flag(a, "force");
	o.vendor_dir = cli_arg(a, "vendor-dir");
	o.project = cli_arg(a, "project");
	o.src = cli_pos(a, 0);
	if (!(cat = open_catalog(cli, &c)))
		return c;
	/* missing vendor bases come from the asset library, when there is one */
	if (!o.vendor_dir && !(o.ctx = o.project ? cli_ctx(cli, &c) : cli_ctx_optional(cli)) && o.project) {
		ferry_catalog_free(cat);
		return c;
	}
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

static const struct cli_command scan_cmd = {
	"scan", "SRC", 1, 1, NULL, "models, layers and every overlayering of a source tree", NULL,
	CLI_LOCAL | CLI_READ, code_scan
};

static const struct cli_opt upgrade_opts[] = {
	{ "to", 0, "RELEASE", CLI_OPT_REQUIRED, "the release to upgrade the code to" },
	{ "output", 'o', "REPO", 0, "a new repository for the result (default: the branch in SRC)" },
	{ "branch", 0, "REF", 0, "the customer's code (HEAD)" },
	{ "base", 0, "REF", 0, "the old vendor base (vendor/<release of the code>)" },
	{ "new-base", 0, "REF", 0, "the new vendor base (vendor/<RELEASE>)" },
	{ "force", 'f', NULL, 0, "replace an existing code-upgrade/<RELEASE> branch" },
	{ "vendor-dir", 0, "DIR", 0, "the vendor's model sources (DIR/<release>/): build missing vendor/<release> branches" },
	{ "project", 0, "P", 0, "the project whose asset library holds the application packages "
	  "missing vendor/<release> branches are built from (default: any project's)" },
	{ NULL, 0, NULL, 0, NULL }
};

static const struct cli_command upgrade_cmd = {
	"upgrade", "SRC", 1, 1, NULL, "the code upgrade: branch code-upgrade/<RELEASE> with the "
	"code merged onto the new vendor base, and a report", upgrade_opts, CLI_LOCAL, code_upgrade
};

const struct cli_command *const cli_code_cmds[] = { &scan_cmd, &upgrade_cmd, NULL };
