/* SPDX-License-Identifier: MIT */
/* fuzz_intake.c: libFuzzer target over archive intake: the input is a package file;
 * it is verified and, when it passes, extracted into a scratch directory. Nothing
 * may crash, leak or land outside the scratch directory. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ferry/package/archive.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"

static char root[256];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ferry_intake_opts o = { 0 };
	struct ferry_error err;
	char dest[300];

	if (!root[0]) {
		snprintf(root, sizeof(root), "/tmp/ferry-fuzz.%ld", (long)getpid());
		ferry_mkdir_p(root, 0700, NULL);
	}
	ferry_intake_limits_init(&o.limits, NULL);
	o.limits.max_bytes = 16 << 20;
	o.limits.max_entries = 1000;
	snprintf(dest, sizeof(dest), "%s/out", root);
	if (ferry_archive_intake(NULL, data, size, dest, &o, NULL, &err) == 0)
		ferry_rm_rf(dest, NULL);
	return 0;
}
