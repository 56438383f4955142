/* SPDX-License-Identifier: MIT */
/* request.c: reading a request without its connection: control characters in the raw
 * request target and the route a method and path match (with their {params}). http.c
 * uses these; tests/fuzz/fuzz_http.c fuzzes them (and reply.c's req_json_body). */
#include "ferryd.h"

#include <stdio.h>
#include <string.h>

int req_control_char(const char *raw, char out[8])
{
	static const char hex[] = "0123456789abcdef";
	const char *p, *h1, *h2;

	out[0] = '\0';
	for (p = raw; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c == 0x7f) {
			snprintf(out, 8, "0x%02x", c);
			return 1;
		}
		if (c != '%' || !p[1] || !p[2] || !(h1 = strchr(hex, p[1] | 0x20)) ||
		    !(h2 = strchr(hex, p[2] | 0x20)))
			continue;
		c = (unsigned char)((h1 - hex) * 16 + (h2 - hex));
		if (c < 0x20 || c == 0x7f) {
			snprintf(out, 8, "%%%c%c", p[1], p[2]);
			return 1;
		}
	}
	return 0;
}

/* Match path against a route pattern, filling params from {name} segments (copied
 * into segs). */
static int route_match(const char *pattern, const char *path, const char **params,
		       char *segs, size_t cap)
{
	char *out = segs, *end = segs + cap;
	int np = 0;

	memset(params, 0, API_MAX_PARAMS * sizeof(*params));
	while (*pattern && *path) {
		if (*pattern != '/' || *path != '/')
			return 0;
		pattern++, path++;
		if (*pattern == '{') {
			size_t n = strcspn(path, "/");
			if (n == 0 || np >= API_MAX_PARAMS || out + n + 1 > end)
				return 0;
			memcpy(out, path, n);
			out[n] = '\0';
			params[np++] = out;
			out += n + 1;
			path += n;
			pattern += strcspn(pattern, "/");
		} else {
			size_t n = strcspn(pattern, "/");
			if (strncmp(pattern, path, n) || (path[n] && path[n] != '/'))
				return 0;
			pattern += n, path += n;
		}
	}
	return !*pattern && !*path;
}

const struct route *req_route_find(const char *method, const char *path, const char **params,
				   char *segs, size_t cap, int *path_known)
{
	const struct route *rt;
	const char *m = !strcmp(method, "HEAD") ? "GET" : method;

	*path_known = 0;
	for (rt = ferryd_routes; rt->method; rt++) {
		if (!route_match(rt->path, path, params, segs, cap))
			continue;
		*path_known = 1;
		if (!strcmp(rt->method, m))
			return rt;
	}
	return NULL;
}
