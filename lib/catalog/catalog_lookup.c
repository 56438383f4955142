/* SPDX-License-Identifier: MIT */
/* catalog_lookup.c: the bottom of the catalog's files: finding a release or platform of
 * a loaded catalog by id or build string, the order of two of them, and what a build
 * string looks like. Loading (catalog.c) and the questions asked of a catalog
 * (catalog_query.c) both stand on these. */
#include "ferry/catalog/catalog.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* Equal ignoring case and spaces ("AX 2012" names "ax2012"). */
static int loose_eq(const char *a, const char *b)
{
	for (;; a++, b++) {
		while (*a == ' ')
			a++;
		while (*b == ' ')
			b++;
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
		if (!*a)
			return 1;
	}
}

/* The exact id first; else the one release whose id equals it ignoring case and spaces
 * (none when two would: an ambiguous name is no name). */
const struct ferry_catalog_release *ferry_catalog_release(const struct ferry_catalog *cat,
							   const char *id)
{
	const struct ferry_catalog_release *found = NULL;
	size_t i;

	for (i = 0; id && i < cat->nreleases; i++)
		if (cat->releases[i].id && !strcmp(cat->releases[i].id, id))
			return &cat->releases[i];
	for (i = 0; id && i < cat->nreleases; i++) {
		if (!cat->releases[i].id || !loose_eq(cat->releases[i].id, id))
			continue;
		if (found)
			return NULL;
		found = &cat->releases[i];
	}
	return found;
}

const struct ferry_catalog_release *ferry_catalog_release_by_build(const struct ferry_catalog *cat,
								    const char *build)
{
	size_t i;

	for (i = 0; build && i < cat->nreleases; i++)
		if (cat->releases[i].build && !strcmp(cat->releases[i].build, build))
			return &cat->releases[i];
	return NULL;
}

int ferry_catalog_release_cmp(const struct ferry_catalog_release *a,
			      const struct ferry_catalog_release *b)
{
	return (a->index > b->index) - (a->index < b->index);
}

/* Four dot-separated decimal numbers: 7.3.11971.56116. */
int ferry_catalog_build_ok(const char *s)
{
	int parts = 0, digits = 0;

	for (;; s++) {
		if (isdigit((unsigned char)*s)) {
			if (++digits > 9)
				return 0;
		} else if (*s == '.' || !*s) {
			if (!digits)
				return 0;
			parts++;
			digits = 0;
			if (!*s)
				break;
		} else {
			return 0;
		}
	}
	return parts == 4;
}

const struct ferry_catalog_platform *ferry_catalog_platform(const struct ferry_catalog *cat,
							     const char *id)
{
	size_t i;

	for (i = 0; id && i < cat->nplatforms; i++)
		if (cat->platforms[i].id && !strcasecmp(cat->platforms[i].id, id))
			return &cat->platforms[i];
	return NULL;
}

int ferry_catalog_platform_cmp(const struct ferry_catalog_platform *a,
			       const struct ferry_catalog_platform *b)
{
	return (a->ordinal > b->ordinal) - (a->ordinal < b->ordinal);
}
