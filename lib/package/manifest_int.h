/* SPDX-License-Identifier: MIT */
/* manifest_int.h: what manifest.c and manifest_reverse.c share (not public API). */
#ifndef FERRY_LIB_MANIFEST_INT_H
#define FERRY_LIB_MANIFEST_INT_H

#include "ferry/package/manifest.h"

#include <jansson.h>

struct ferry_error;

/* Parse and validate the `reverse` section v (NULL: none) into m->reverse; the message
 * names the field ("manifest.json: reverse[0].tables[2]: ..."). */
int manifest_parse_reverse(struct ferry_manifest *m, json_t *v, struct ferry_error *err);
void manifest_reverse_free(struct ferry_manifest *m);

#endif
