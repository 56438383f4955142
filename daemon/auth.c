/* SPDX-License-Identifier: MIT */
/* auth.c: who is calling (Bearer API tokens) and what they may do (role, project scope).
 * Secrets are never logged or echoed: errors name the token, not its value. */
#include "ferryd.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

int auth_authenticate(struct api_req *r)
{
	const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Authorization");
	struct ferry_error err;

	if (!h || !*h)
		return api_error(r, 401, "unauthenticated",
			"this needs an API token: send 'Authorization: Bearer <token>' "
			"(an admin creates one with 'ferry token create NAME --role ROLE')"), -1;
	if (strncasecmp(h, "Bearer ", 7))
		return api_error(r, 401, "unauthenticated",
			"unsupported Authorization scheme: use 'Bearer <token>'"), -1;
	h += 7;
	while (*h == ' ')
		h++;
	ferry_error_clear(&err);
	if (ferry_token_verify(r->ctx, h, &r->tok, &err)) {
		if (err.code != FERRY_EREFUSED)
			return api_ferror(r, &err), -1;
		r->err_code = FERRY_EREFUSED;
		return api_error(r, 401, "unauthenticated", "%s", err.msg), -1;
	}
	snprintf(r->actor, sizeof(r->actor), "token:%s", r->tok.name);
	return 0;
}

int auth_route(struct api_req *r)
{
	struct ferry_error err;

	if (r->route->role == FERRY_TOKEN_NONE)
		return 0;
	ferry_error_clear(&err);
	if (r->tok.role < r->route->role || (r->route->global && r->tok.project[0])) {
		ferry_token_allows(&r->tok, r->route->role, NULL, &err);
		r->err_code = FERRY_EREFUSED;
		return api_error(r, 403, "forbidden", "%s", err.msg), -1;
	}
	return 0;
}

int auth_allow(struct api_req *r, enum ferry_token_role need, const char *project)
{
	struct ferry_error err;

	if (project)
		snprintf(r->project, sizeof(r->project), "%s", project);
	ferry_error_clear(&err);
	if (ferry_token_allows(&r->tok, need, project, &err)) {
		r->err_code = FERRY_EREFUSED;
		return api_error(r, 403, "forbidden", "%s", err.msg), -1;
	}
	return 0;
}

int auth_sees(const struct api_req *r, const char *project)
{
	return !r->tok.project[0] || (project && !strcmp(project, r->tok.project));
}
