/* SPDX-License-Identifier: MIT */
/* fuzz_catalog.c: libFuzzer target over the release catalog parser: a catalog file is
 * parsed and validated; when it passes, every release and platform is looked up, every
 * pair of releases asks the advisor, and the JSON views are built. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ferry/base/error.h"
#include "ferry/catalog/advisor.h"
#include "ferry/catalog/catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ferry_catalog *cat = NULL;
	struct ferry_error err;
	size_t i, j;

	if (ferry_catalog_parse((const char *)data, size, "fuzz.json", &cat, &err))
		return 0;
	for (i = 0; i < cat->nreleases; i++) {
		const struct ferry_catalog_release *r = &cat->releases[i], *got;
		if (ferry_catalog_release(cat, r->id) == NULL)
			__builtin_trap();   /* every listed release is found by its id */
		if (r->build)
			ferry_catalog_resolve_release(cat, r->build, &got, &err);
		ferry_catalog_hotfixes_supported(cat, r->id);
		ferry_catalog_vendor_overlayering_locked(cat, r->id);
		for (j = 0; j < cat->nreleases && j < 16; j++) {
			struct ferry_advice_request req = { r->id, cat->releases[j].id, NULL, NULL };
			struct ferry_advice *adv = NULL;
			ferry_advisor_check(cat, &req, &adv, &err);
			if (adv) {
				json_decref(ferry_advice_to_json(adv));
				ferry_advice_free(adv);
			}
		}
	}
	for (i = 0; i < cat->nplatforms; i++) {
		const struct ferry_catalog_platform *p = &cat->platforms[i];
		int cmp;
		if (ferry_catalog_platform(cat, p->id) == NULL)
			__builtin_trap();
		ferry_catalog_platform_overlayering_allowed(cat, p->id);
		ferry_catalog_platform_compare(cat, p->id, cat->platforms[0].id, &cmp, &err);
	}
	ferry_catalog_free(cat);
	return 0;
}
