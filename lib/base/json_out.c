/* SPDX-License-Identifier: MIT */
/* json_out.c: JSON strings and flat objects written into a buffer (see json_out.h). */
#include "ferry/base/json_out.h"
#include "ferry/base/error.h"

#include <string.h>

int ferry_json_add_str(struct ferry_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *run = s;
	char esc[8];
	int rc = ferry_buf_add(b, "\"", 1);

	for (; !rc && *s; s++) {
		unsigned char c = (unsigned char)*s;
		const char *e = NULL;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		switch (c) {
		case '"': e = "\\\""; break;
		case '\\': e = "\\\\"; break;
		case '\b': e = "\\b"; break;
		case '\f': e = "\\f"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\t': e = "\\t"; break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			esc[6] = '\0';
			e = esc;
		}
		if (!(rc = ferry_buf_add(b, run, (size_t)(s - run))))
			rc = ferry_buf_adds(b, e);
		run = s + 1;
	}
	if (!rc)
		rc = ferry_buf_add(b, run, (size_t)(s - run));
	return rc ? rc : ferry_buf_add(b, "\"", 1);
}

static int indent(struct ferry_buf *b, int depth)
{
	static const char sp[] = "\n                                ";

	if (depth * 2 + 1 > (int)sizeof(sp) - 1)
		return FERRY_EINVAL;
	return ferry_buf_add(b, sp, (size_t)(depth * 2 + 1));
}

int ferry_json_add_object(struct ferry_buf *b, const struct ferry_json_field *f, size_t n,
			  int pretty, int depth)
{
	size_t i;
	int rc = ferry_buf_add(b, "{", 1);

	for (i = 0; !rc && i < n; i++) {
		if (i)
			rc = ferry_buf_add(b, ",", 1);
		if (!rc && pretty)
			rc = indent(b, depth + 1);
		if (!rc)
			rc = ferry_json_add_str(b, f[i].key);
		if (!rc)
			rc = ferry_buf_add(b, pretty ? ": " : ":", pretty ? 2 : 1);
		if (!rc)
			rc = ferry_json_add_str(b, f[i].value);
	}
	if (!rc && pretty && n)
		rc = indent(b, depth);
	return rc ? rc : ferry_buf_add(b, "}", 1);
}
