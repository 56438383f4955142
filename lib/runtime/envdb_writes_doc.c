/* SPDX-License-Identifier: MIT */
/* envdb_writes_doc.c: the writes document (envdb_changes.h) that the capture drivers
 * fill: tables, rows with their keys before and after, what cannot be captured, values
 * that are not text, and a stable order. The lowest of the capture files. */
#include "runtime/envdb_changes_int.h"

#include "ferry/base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *chg_doc_new(const char *driver, const char *baseline)
{
	char when[32];

	ferry_time_iso(ferry_now_ms(), when);
	return json_pack("{s:s, s:s, s:s, s:s, s:i, s:[], s:[]}", "format", "ferry-writes-1",
			 "driver", driver, "baseline", baseline ? baseline : "", "captured", when,
			 "rows", 0, "tables", "uncaptured");
}

json_t *chg_doc_table(json_t *doc, const char *table, json_t *columns)
{
	json_t *t = json_pack("{s:s, s:o, s:i, s:i, s:i, s:[]}", "table", table, "columns", columns,
			      "inserted", 0, "updated", 0, "deleted", 0, "rows");

	json_array_append_new(json_object_get(doc, "tables"), t);
	return t;
}

static void bump(json_t *o, const char *key)
{
	json_object_set_new(o, key, json_integer(json_integer_value(json_object_get(o, key)) + 1));
}

json_t *chg_key_of(const json_t *columns, const json_t *row)
{
	json_t *key = json_object(), *c;
	size_t i;
	int k, found = 1;

	for (k = 1; found; k++) {
		found = 0;
		json_array_foreach(columns, i, c) {
			const char *name = json_string_value(json_object_get(c, "name"));
			if (json_integer_value(json_object_get(c, "pk")) != k || !name)
				continue;
			json_object_set(key, name, json_object_get(row, name) ?: json_null());
			found = 1;
		}
	}
	return key;
}

/* The columns whose values differ between two rows. */
static json_t *changed_cols(const json_t *columns, const json_t *before, const json_t *after)
{
	json_t *out = json_array(), *c;
	size_t i;

	json_array_foreach(columns, i, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		if (name && !json_equal(json_object_get(before, name), json_object_get(after, name)))
			json_array_append_new(out, json_string(name));
	}
	return out;
}

void chg_doc_row(json_t *doc, json_t *table, const char *op, json_t *before, json_t *after)
{
	const json_t *cols = json_object_get(table, "columns");
	json_t *row = json_pack("{s:s, s:o, s:o, s:o}", "op", op,
				"key", chg_key_of(cols, after ? after : before),
				"before", before ? before : json_null(), "after", after ? after : json_null());

	if (before && after)
		json_object_set_new(row, "changed", changed_cols(cols, before, after));
	json_array_append_new(json_object_get(table, "rows"), row);
	bump(table, !strcmp(op, "insert") ? "inserted" : !strcmp(op, "update") ? "updated" : "deleted");
	bump(doc, "rows");
}

void chg_doc_uncaptured(json_t *doc, const char *table, const char *reason)
{
	json_array_append_new(json_object_get(doc, "uncaptured"),
			      json_pack("{s:s, s:s}", "table", table, "reason", reason));
}

json_t *chg_hex(const void *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *b = p;
	char *s = malloc(2 * n + 1);
	json_t *v;
	size_t i;

	if (!s)
		return json_null();
	for (i = 0; i < n; i++) {
		s[2 * i] = digits[b[i] >> 4];
		s[2 * i + 1] = digits[b[i] & 15];
	}
	s[2 * n] = '\0';
	v = json_pack("{s:s}", "hex", s);
	free(s);
	return v;
}

/* Keys compare as their compact JSON (integers by value first). */
static int key_cmp(const void *a, const void *b)
{
	const json_t *ka = json_object_get(*(json_t *const *)a, "key");
	const json_t *kb = json_object_get(*(json_t *const *)b, "key");
	const char *name;
	json_t *va;
	int r = 0;

	json_object_foreach((json_t *)ka, name, va) {
		const json_t *vb = json_object_get(kb, name);
		if (json_is_integer(va) && json_is_integer(vb)) {
			json_int_t x = json_integer_value(va), y = json_integer_value(vb);
			r = x < y ? -1 : x > y;
		} else {
			char *sa = json_dumps(va, JSON_ENCODE_ANY | JSON_COMPACT);
			char *sb = json_dumps(vb, JSON_ENCODE_ANY | JSON_COMPACT);
			r = strcmp(sa ? sa : "", sb ? sb : "");
			free(sa);
			free(sb);
		}
		if (r)
			break;
	}
	return r;
}

void chg_doc_sort(json_t *doc)
{
	json_t *t;
	size_t i;

	json_array_foreach(json_object_get(doc, "tables"), i, t) {
		json_t *rows = json_object_get(t, "rows"), *sorted = json_array();
		size_t n = json_array_size(rows), k;
		json_t **v = calloc(n ? n : 1, sizeof(*v));
		if (!v) {
			json_decref(sorted);
			continue;
		}
		for (k = 0; k < n; k++)
			v[k] = json_array_get(rows, k);
		qsort(v, n, sizeof(*v), key_cmp);
		for (k = 0; k < n; k++)
			json_array_append(sorted, v[k]);
		free(v);
		json_object_set_new(t, "rows", sorted);
	}
}

