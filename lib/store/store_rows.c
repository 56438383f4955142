/* SPDX-License-Identifier: MIT */
/* store_rows.c: the rows of a query collected as a JSON array, one value per row built
 * by the caller's function (the list builders of keys, projects, notifications, ...). */
#include <jansson.h>

#include "ferry/store/store.h"

int ferry_stmt_json_rows(struct ferry_stmt *st, ferry_row_json_fn row, void *arg,
			 json_t **out, struct ferry_error *err)
{
	json_t *arr = json_array();
	int rc;

	while ((rc = ferry_stmt_step(st, err)) == 1)
		json_array_append_new(arr, row(st, arg));
	ferry_stmt_free(st);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}
