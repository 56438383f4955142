/* routes.c: the API's route table: method, path, least role, audit action, handler.
 * daemon/openapi.json documents exactly these (tests/e2e/t0501 checks both ways). */
#include "ferryd.h"

#include <stddef.h>

#define V FERRY_TOKEN_VIEWER
#define O FERRY_TOKEN_OPERATOR
#define A FERRY_TOKEN_ADMIN

const struct route ferryd_routes[] = {
	{ "GET", "/api/health", FERRY_TOKEN_NONE, NULL, 0, api_health, "liveness and version" },
	{ "GET", "/api/openapi.json", FERRY_TOKEN_NONE, NULL, 0, api_openapi, "this API" },
	{ "GET", "/api/whoami", V, NULL, 0, api_whoami, "the calling token" },
	{ "GET", "/api/events", V, NULL, 0, api_events, "live events (SSE)" },
	{ "GET", "/api/projects", V, NULL, 0, api_projects_list, "list projects" },
	{ "POST", "/api/projects", A, "project.create", 1, api_projects_create, "create a project" },
	{ "GET", "/api/projects/{project}", V, NULL, 0, api_projects_get, "show a project" },
	{ "PATCH", "/api/projects/{project}", A, "project.set", 0, api_projects_patch, "change settings" },
	{ "DELETE", "/api/projects/{project}", A, "project.rm", 0, api_projects_delete, "remove a project" },
	{ "GET", "/api/projects/{project}/features", V, NULL, 0, api_features_list, "preview features" },
	{ "PUT", "/api/projects/{project}/features/{feature}", A, "feature.set", 0, api_features_put,
	  "enable or disable a preview feature" },
	{ "GET", "/api/environments", V, NULL, 0, api_envs_list, "list environments" },
	{ "POST", "/api/environments", O, "env.create", 0, api_envs_create, "create an environment" },
	{ "GET", "/api/environments/{env}", V, NULL, 0, api_envs_get, "show an environment" },
	{ "DELETE", "/api/environments/{env}", A, "env.rm", 0, api_envs_delete, "delete an environment" },
	{ "GET", "/api/catalogs", V, NULL, 0, api_catalogs_list, "release catalogs" },
	{ "GET", "/api/catalogs/{product}", V, NULL, 0, api_catalogs_get, "a product's catalog" },
	{ "GET", "/api/catalogs/{product}/releases/{release}", V, NULL, 0, api_catalogs_get, "a release" },
	{ "GET", "/api/advisor", V, NULL, 0, api_advisor, "the upgrade advisor" },
	{ "GET", "/api/tokens", A, NULL, 1, api_tokens_list, "list API tokens" },
	{ "POST", "/api/tokens", A, "token.create", 1, api_tokens_create, "create an API token" },
	{ "DELETE", "/api/tokens/{token}", A, "token.revoke", 1, api_tokens_delete, "revoke an API token" },
	{ "GET", "/api/operations", V, NULL, 0, api_ops_list, "operations, newest first" },
	{ "GET", "/api/operations/{op}", V, NULL, 0, api_ops_get, "an operation with its steps" },
	{ "GET", "/api/operations/{op}/log", V, NULL, 0, api_ops_log, "the log of an operation" },
	{ "POST", "/api/operations/{op}/resume", O, "op.resume", 0, api_ops_resume, "resume" },
	{ "POST", "/api/operations/{op}/rerun-step", O, "op.rerun-step", 0, api_ops_rerun, "rerun a step" },
	{ "POST", "/api/operations/{op}/complete-step", O, "op.complete-step", 0, api_ops_complete, "confirm a manual step" },
	{ "POST", "/api/operations/{op}/abort", O, "op.abort", 0, api_ops_abort, "abort" },
	{ "POST", "/api/selftest", A, "op.selftest", 0, api_selftest, "run the engine selftest" },
	{ "GET", "/api/audit", V, NULL, 0, api_audit_list, "the audit log" },
	{ NULL, NULL, FERRY_TOKEN_NONE, NULL, 0, NULL, NULL }
};
