/* SPDX-License-Identifier: MIT */
/* json_out.h: writing JSON text straight into a buffer (lists of thousands of rows
 * without building a jansson tree): strings escaped exactly as jansson's dumps do, so
 * a streamed list is byte for byte what json_dumps of the same tree would give. */
#ifndef FERRY_BASE_JSON_OUT_H
#define FERRY_BASE_JSON_OUT_H

#include "ferry/base/buf.h"

/* Append s (UTF-8) as a JSON string: quotes, \" \\ \b \f \n \r \t, \u00XX for other
 * control characters; '/' and non-ASCII as they are. 0 or FERRY_ENOMEM. */
int ferry_json_add_str(struct ferry_buf *b, const char *s);

/* An object's fields in a fixed order, written compact ({"k":"v",...}: JSON_COMPACT)
 * or indented two spaces per level at depth `depth` (JSON_INDENT(2) inside an array). */
struct ferry_json_field {
	const char *key;
	const char *value;   /* a string value */
};
int ferry_json_add_object(struct ferry_buf *b, const struct ferry_json_field *f, size_t n,
			  int pretty, int depth);

#endif
