/* SPDX-License-Identifier: MIT */
/* ledger_main.c: the `ledger` command: serve the application, or print its release. */
#include "ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ledger_serve(const char *config_path);

static const char usage[] =
	"usage: ledger serve --config FILE     serve HTTP on 127.0.0.1:<port> of the config\n"
	"       ledger version [--release-dir DIR]  print release, platform and packages (JSON)\n";

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "serve") && !strcmp(argv[2], "--config"))
		return ledger_serve(argv[3]);
	if (argc >= 2 && !strcmp(argv[1], "version") && (argc == 2 || (argc == 4 && !strcmp(argv[2], "--release-dir")))) {
		struct ledger_config c = { 0 };
		struct lerr e = { 0, "" };
		char *dir;
		json_t *info;

		c.release_dir = argc == 4 ? argv[3] : NULL;
		dir = ledger_release_dir(&c);
		info = ledger_release_info(dir, &e);
		free(dir);
		if (!info) {
			fprintf(stderr, "ledger: error: %s\n", e.msg);
			return 1;
		}
		json_dumpf(info, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(info);
		return 0;
	}
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))) {
		fputs(usage, stdout);
		return 0;
	}
	fputs(usage, stderr);
	return 2;
}
