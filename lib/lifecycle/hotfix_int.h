/* SPDX-License-Identifier: MIT */
/* hotfix_int.h: what hotfix.c (the record and applying) and hotfix_package.c (loading a
 * hotfix package) share inside libferry; codeupgrade.c reads the record with them too. */
#ifndef FERRY_LIFECYCLE_HOTFIX_INT_H
#define FERRY_LIFECYCLE_HOTFIX_INT_H

#include <jansson.h>

/* 1 when p is empty, absolute or has a ".." component */
int hf_unsafe_path(const char *p);
/* 1 when the JSON array arr holds the string s */
int hf_in_array(const json_t *arr, const char *s);

#endif
