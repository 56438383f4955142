/* SPDX-License-Identifier: MIT */
/* fuzz_manifest.c: libFuzzer target over manifest.json parsing and validation. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ferry/base/error.h"
#include "ferry/package/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ferry_manifest *m = NULL;
	struct ferry_error err;

	if (ferry_manifest_parse((const char *)data, size, &m, &err) == 0) {
		size_t i;
		for (i = 0; i < m->n_payload; i++) {
			ferry_manifest_file(m, m->payload[i].path);
			ferry_manifest_is_dir(m, m->payload[i].path);
		}
		ferry_manifest_applies(m, "8.1", "PU20");
		if (m->n_requires && m->requires[0].min_version)
			ferry_version_cmp(m->version, m->requires[0].min_version);
		ferry_manifest_free(m);
	}
	return 0;
}
