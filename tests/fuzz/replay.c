/* SPDX-License-Identifier: MIT */
/* replay.c: main() for a fuzz target built without libFuzzer: feeds it every file named
 * on the command line (or found in a directory named there), once each, and prints TAP.
 * `make test` replays the committed seeds and every crash ever found this way
 * (tests/e2e/t0009-fuzz-corpus.sh), under ASan and UBSan. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ferry/base/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int n;

static void one(const char *path)
{
	struct ferry_buf b = FERRY_BUF_INIT;

	if (ferry_buf_read_file(&b, path)) {
		printf("not ok %d - %s: unreadable\n", ++n, path);
		exit(1);
	}
	LLVMFuzzerTestOneInput((const uint8_t *)(b.data ? b.data : ""), b.len);
	ferry_buf_release(&b);
	printf("ok %d - %s\n", ++n, path);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		struct stat st;
		struct dirent **ents;
		int k, m;
		if (stat(argv[i], &st) < 0) {
			printf("not ok %d - %s: missing\n", ++n, argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			one(argv[i]);
			continue;
		}
		if ((m = scandir(argv[i], &ents, NULL, alphasort)) < 0)
			return 1;
		for (k = 0; k < m; k++) {
			char p[4096];
			if (ents[k]->d_name[0] != '.') {
				snprintf(p, sizeof(p), "%s/%s", argv[i], ents[k]->d_name);
				one(p);
			}
			free(ents[k]);
		}
		free(ents);
	}
	printf("1..%d\n", n);
	return 0;
}
