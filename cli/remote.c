/* SPDX-License-Identifier: MIT */
/* remote.c: the remote backend (`ferry --server URL`): each call of backend.h is a
 * route of ferryd's REST API, which answers with the same JSON views as the library;
 * operations are posted and followed (remote_follow.c), or posted with "at" to be
 * scheduled. A call's arguments fill the route's {placeholders}, then its query (reads,
 * deletions, or the members the route names), and the rest is the JSON body. */
#include "remote.h"

#include "ferry/base/error.h"

#include "ferry/project/curl_sym.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum route_flags {
	R_TEXT = 1,              /* a text/plain answer, given as {"log": text} */
	R_UPLOAD = 2,            /* the body is the file of member "file" */
	R_DOWNLOAD = 4,          /* the answer goes to the file of member "output" */
	R_OP = 8,                /* an operation's view: drop ferryd's "queued" */
	R_KEYDOC = 16            /* member "key" naming a file sends it as "document" */
};

struct route {
	const char *method;      /* NULL: the server offers no such call */
	const char *path;        /* "/api/environments/{env}": {m} from member m */
	const char *query;       /* members sent in the query of a POST/PATCH/PUT ("view") */
	unsigned flags;
};

static const struct route routes[CLI_CALL_COUNT] = {
	[CLI_PROJECT_LIST] = { "GET", "/api/projects", NULL, 0 },
	[CLI_PROJECT_SHOW] = { "GET", "/api/projects/{project}", NULL, 0 },
	[CLI_PROJECT_CREATE] = { "POST", "/api/projects", NULL, 0 },
	[CLI_PROJECT_SET] = { "PATCH", "/api/projects/{project}", NULL, 0 },
	[CLI_PROJECT_RM] = { "DELETE", "/api/projects/{project}", NULL, 0 },
	[CLI_FEATURE_LIST] = { "GET", "/api/projects/{project}/features", NULL, 0 },
	[CLI_FEATURE_SET] = { "PUT", "/api/projects/{project}/features/{feature}", NULL, 0 },
	[CLI_ENV_LIST] = { "GET", "/api/environments", NULL, 0 },
	[CLI_ENV_SHOW] = { "GET", "/api/environments/{env}", NULL, 0 },
	[CLI_ENV_CREATE] = { "POST", "/api/environments", NULL, 0 },
	[CLI_ENV_RM] = { "DELETE", "/api/environments/{env}", NULL, 0 },
	[CLI_ENV_STATUS] = { "GET", "/api/environments/{env}/status", NULL, 0 },
	[CLI_ENV_START] = { "POST", "/api/environments/{env}/start", "view", 0 },
	[CLI_ENV_STOP] = { "POST", "/api/environments/{env}/stop", "view", 0 },
	[CLI_ENV_RESTART] = { "POST", "/api/environments/{env}/restart", "view", 0 },
	[CLI_ENV_LOGS] = { "GET", "/api/environments/{env}/logs", NULL, R_TEXT },
	[CLI_ENV_CONFIG] = { "GET", "/api/environments/{env}/config", NULL, 0 },
	[CLI_ENV_CONFIG_EDIT] = { "PATCH", "/api/environments/{env}/config", "view", 0 },
	[CLI_ENV_HISTORY] = { "GET", "/api/environments/{env}/history", NULL, 0 },
	[CLI_ENV_CHECK] = { "POST", "/api/environments/{env}/updates", NULL, 0 },
	[CLI_OP_LIST] = { "GET", "/api/operations", NULL, 0 },
	[CLI_OP_SHOW] = { "GET", "/api/operations/{op}", NULL, R_OP },
	[CLI_OP_LOG] = { "GET", "/api/operations/{op}/log", NULL, 0 },
	[CLI_OP_ABORT] = { "POST", "/api/operations/{op}/abort", NULL, R_OP },
	[CLI_TOKEN_LIST] = { "GET", "/api/tokens", NULL, 0 },
	[CLI_TOKEN_CREATE] = { "POST", "/api/tokens", NULL, 0 },
	[CLI_TOKEN_REVOKE] = { "DELETE", "/api/tokens/{token}", NULL, 0 },
	[CLI_AUDIT] = { "GET", "/api/audit", NULL, 0 },
	[CLI_KEY_LIST] = { "GET", "/api/keys", NULL, 0 },
	[CLI_KEY_TRUST] = { "POST", "/api/projects/{project}/keys", NULL, R_KEYDOC },
	[CLI_KEY_REVOKE] = { "DELETE", "/api/projects/{project}/keys/{key}", NULL, 0 },
	[CLI_ASSET_LIST] = { "GET", "/api/assets", NULL, 0 },
	[CLI_ASSET_SHOW] = { "GET", "/api/assets/{asset}", NULL, 0 },
	[CLI_ASSET_UPLOAD] = { "POST", "/api/assets", "project", R_UPLOAD },
	[CLI_ASSET_DOWNLOAD] = { "GET", "/api/assets/{asset}/download", NULL, R_DOWNLOAD },
	[CLI_ASSET_RM] = { "DELETE", "/api/assets/{asset}", NULL, 0 },
	[CLI_SCHEDULE_LIST] = { "GET", "/api/schedules", NULL, 0 },
	[CLI_SCHEDULE_SHOW] = { "GET", "/api/schedules/{schedule}", NULL, 0 },
	[CLI_SCHEDULE_CANCEL] = { "DELETE", "/api/schedules/{schedule}", NULL, 0 },
	[CLI_UPGRADE_CHECK] = { "GET", "/api/advisor", NULL, 0 },
	[CLI_UPGRADE_TARGETS] = { "GET", "/api/environments/{env}/upgrade/targets", NULL, 0 },
	[CLI_UPGRADE_STATUS] = { "GET", "/api/environments/{env}/upgrade", NULL, 0 },
	[CLI_UPGRADE_PREFLIGHT] = { "GET", "/api/environments/{env}/upgrade/preflight", NULL, 0 },
	[CLI_CATALOG_LIST] = { "GET", "/api/catalogs", NULL, 0 },
	[CLI_UPGRADE_PLAN] = { "GET", "/api/environments/{env}/upgrade/rollback-plan", NULL, 0 },
	[CLI_UPGRADE_WRITES] = { "GET", "/api/environments/{env}/upgrade/writes", NULL, R_DOWNLOAD },
	[CLI_UPGRADE_SETTINGS] = { "PATCH", "/api/projects/{project}/upgrade-settings", NULL, 0 },
	[CLI_UPGRADE_SETTINGS_SHOW] = { "GET", "/api/projects/{project}/upgrade-settings", NULL, 0 },
	[CLI_HOST_LIST] = { "GET", "/api/hosts", NULL, 0 },
	[CLI_HOST_SHOW] = { "GET", "/api/hosts/{host}", NULL, 0 },
	[CLI_HOST_ADD] = { "POST", "/api/hosts", NULL, 0 },
	[CLI_HOST_CHECK] = { "POST", "/api/hosts/{host}/check", NULL, 0 },
	[CLI_HOST_INSTALL] = { "POST", "/api/hosts/{host}/install", NULL, 0 },
	[CLI_HOST_RM] = { "DELETE", "/api/hosts/{host}", NULL, 0 },
};

/* The operations (backend.h's run and schedule): each posts to its route. */
static const struct { const char *action, *path; } op_routes[] = {
	{ "env.apply", "/api/environments/{env}/updates" },
	{ "env.signoff", "/api/environments/{env}/signoff" },
	{ "env.rollback", "/api/environments/{env}/rollback" },
	{ "upgrade.begin", "/api/environments/{env}/upgrade/begin" },
	{ "upgrade.apply", "/api/environments/{env}/upgrade/apply" },
	{ "upgrade.signoff", "/api/environments/{env}/upgrade/signoff" },
	{ "upgrade.rollback-package", "/api/environments/{env}/upgrade/rollback-package" },
	{ "upgrade.data", "/api/environments/{env}/upgrade/data" },
	{ "upgrade.commit", "/api/environments/{env}/upgrade/commit" },
	{ "upgrade.rollback", "/api/environments/{env}/upgrade/rollback" },
	{ "upgrade.cancel", "/api/environments/{env}/upgrade/cancel" },
	{ "upgrade.resume", "/api/environments/{env}/upgrade/resume" },
	{ "db.refresh", "/api/environments/{env}/refresh" },
	{ "op.resume", "/api/operations/{op}/resume" },
	{ "op.rerun-step", "/api/operations/{op}/rerun-step" },
	{ "op.complete-step", "/api/operations/{op}/complete-step" },
};

/* A member's value as text for a path or query: strings, integers, true; else NULL. */
static const char *text_of(const json_t *v, char *buf, size_t cap)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	return json_is_true(v) ? "true" : NULL;
}

static int add_escaped(struct ferry_buf *b, const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);
	int rc = e ? ferry_buf_addf(b, "%s", e) : -1;

	curl_free(e);
	return rc;
}

static int in_list(const char *list, const char *k)
{
	size_t n = strlen(k);
	const char *p;

	for (p = list; p && (p = strstr(p, k)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return 1;
	return 0;
}

/* The path with its {placeholders} and query; the members left go to *body (when
 * body is non-NULL) or to the query too. */
static int make_path(const char *tmpl, const char *query, const json_t *args, struct ferry_buf *path,
		     json_t **body, struct ferry_error *err)
{
	json_t *rest = json_deep_copy(args), *v;
	const char *p, *end, *k;
	char name[64], num[32], sep = '?';
	void *tmp;

	for (p = tmpl; *p; p = end + 1) {
		if (*p != '{' || !(end = strchr(p, '}'))) {
			ferry_buf_add(path, p, 1);
			end = p;
			continue;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(end - p - 1), p + 1);
		if (!(k = text_of(json_object_get(rest, name), num, sizeof(num))) || !*k) {
			json_decref(rest);
			return ferry_error_set(err, FERRY_EINVAL, "missing '%s'", name);
		}
		add_escaped(path, k);
		json_object_del(rest, name);
	}
	json_object_foreach_safe(rest, tmp, k, v) {
		const char *t = text_of(v, num, sizeof(num));
		if (body && !in_list(query, k))
			continue;
		if (t) {
			ferry_buf_addf(path, "%c%s=", sep, k);
			add_escaped(path, t);
			sep = '&';
		}
		json_object_del(rest, k);
	}
	if (body)
		*body = rest;
	else
		json_decref(rest);
	return path->data ? 0 : ferry_error_set(err, FERRY_ENOMEM, "out of memory");
}

/* key trust through a server: a public key file of this machine is sent as a document. */
static int key_document(const json_t *args, json_t **body, struct ferry_error *err)
{
	const char *key = json_string_value(json_object_get(*body, "key"));
	json_error_t je;
	json_t *doc;

	(void)args;
	if (!key || access(key, R_OK))
		return 0;
	if (!(doc = json_load_file(key, 0, &je)))
		return ferry_error_set(err, FERRY_EINVAL, "%s: not a public key document (%s)", key, je.text);
	json_object_del(*body, "key");
	json_object_set_new(*body, "document", doc);
	return 0;
}

static int download(struct remote *rm, const char *path, const char *outf, struct ferry_error *err)
{
	struct resp r = { 0 };
	char tmp[4096];
	FILE *f;
	int rc;

	snprintf(tmp, sizeof(tmp), "%s.part", outf);
	if (!(f = fopen(tmp, "wb")))
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot write %s", tmp);
	ferry_buf_init(&r.body);
	r.to = f;
	rc = remote_http(rm, "GET", path, NULL, NULL, &r, err);
	if (fclose(f) && !rc)
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot write %s", tmp);
	ferry_buf_release(&r.body);
	if (!rc && rename(tmp, outf))
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot write %s", outf);
	if (rc)
		unlink(tmp);
	return rc;
}

/* The answer's body: JSON, or text as {"log": text}; nothing for an empty one. */
static int answer(const struct route *rt, struct resp *r, json_t **out, struct ferry_error *err)
{
	json_error_t je;

	if (rt->flags & R_TEXT) {
		*out = json_pack("{s:s%}", "log", r->body.data ? r->body.data : "", r->body.len);
		return 0;
	}
	if (!r->body.len)
		return 0;
	if (!(*out = json_loadb(r->body.data, r->body.len, 0, &je)))
		return ferry_error_set(err, FERRY_EIO, "ferryd answered something that is not JSON: %s",
				       je.text);
	if (rt->flags & R_OP)
		json_object_del(*out, "queued");
	return 0;
}

static int remote_call(struct cli_backend *be, enum cli_call call, const json_t *args, json_t **out,
		       struct ferry_error *err)
{
	struct remote *rm = (struct remote *)be;
	const struct route *rt = (unsigned)call < CLI_CALL_COUNT ? &routes[call] : NULL;
	int has_body = rt && rt->method && strcmp(rt->method, "GET") && strcmp(rt->method, "DELETE");
	struct ferry_buf path = FERRY_BUF_INIT;
	struct resp r = { 0 };
	json_t *body = NULL;
	const char *file = json_string_value(json_object_get(args, "file"));
	int rc;

	*out = NULL;
	if (!rt || !rt->method)
		return ferry_error_set(err, FERRY_EINVAL, "'%s' is not available with --server: run "
				       "it on the server's home", cli_call_name(call));
	ferry_buf_init(&r.body);
	if ((rc = make_path(rt->path, rt->query, args, &path, has_body ? &body : NULL, err)))
		goto out;
	if ((rt->flags & R_KEYDOC) && (rc = key_document(args, &body, err)))
		goto out;
	if (rt->flags & R_DOWNLOAD) {
		rc = download(rm, path.data, json_string_value(json_object_get(args, "output")), err);
		goto out;
	}
	if (rt->flags & R_UPLOAD)
		rc = remote_http(rm, rt->method, path.data, NULL, file, &r, err);
	else
		rc = remote_http(rm, rt->method, path.data, body, NULL, &r, err);
	if (!rc)
		rc = answer(rt, &r, out, err);
out:
	json_decref(body);
	ferry_buf_release(&path);
	ferry_buf_release(&r.body);
	return rc;
}

static const char *op_route(const char *action)
{
	size_t i;

	for (i = 0; i < sizeof(op_routes) / sizeof(op_routes[0]); i++)
		if (!strcmp(op_routes[i].action, action))
			return op_routes[i].path;
	return NULL;
}

static int remote_run(struct cli_backend *be, const char *action, const json_t *args,
		      const struct ferry_op_hooks *hooks, json_t **op, struct ferry_error *err)
{
	const char *tmpl = op_route(action);
	struct ferry_buf path = FERRY_BUF_INIT;
	json_t *body = NULL;
	int rc;

	*op = NULL;
	if (!tmpl)
		return ferry_error_set(err, FERRY_EINVAL, "'%s' is not available with --server", action);
	if (!(rc = make_path(tmpl, NULL, args, &path, &body, err)))
		rc = remote_post_follow((struct remote *)be, path.data, body, hooks, op, err);
	json_decref(body);
	ferry_buf_release(&path);
	return rc;
}

static int remote_schedule(struct cli_backend *be, const char *action, const json_t *args,
			   const char *at, json_t **out, struct ferry_error *err)
{
	const char *tmpl = op_route(action);
	struct ferry_buf path = FERRY_BUF_INIT;
	struct resp r = { 0 };
	json_t *body = NULL;
	int rc;

	*out = NULL;
	if (!tmpl || !strncmp(action, "op.", 3))
		return ferry_error_set(err, FERRY_EINVAL, "'%s' cannot be scheduled", action);
	ferry_buf_init(&r.body);
	if (!(rc = make_path(tmpl, NULL, args, &path, &body, err))) {
		json_object_set_new(body, "at", json_string(at));
		rc = remote_http((struct remote *)be, "POST", path.data, body, NULL, &r, err);
	}
	if (!rc)
		rc = answer(&routes[CLI_SCHEDULE_SHOW], &r, out, err);
	json_decref(body);
	ferry_buf_release(&path);
	ferry_buf_release(&r.body);
	return rc;
}

static void remote_free(struct cli_backend *be)
{
	struct remote *rm = (struct remote *)be;

	if (rm)
		free(rm->token);
	free(rm);
}

static const struct cli_backend_ops remote_ops = {
	"remote", remote_call, remote_run, remote_schedule, remote_free
};

struct cli_backend *cli_remote_new(const char *url, const char *token)
{
	struct remote *rm = calloc(1, sizeof(*rm));
	size_t n;

	if (!rm)
		return NULL;
	rm->be.ops = &remote_ops;
	rm->be.remote = 1;
	snprintf(rm->url, sizeof(rm->url), "%s", url);
	for (n = strlen(rm->url); n && rm->url[n - 1] == '/'; n--)
		rm->url[n - 1] = '\0';
	rm->token = token && *token ? strdup(token) : NULL;
	return &rm->be;
}
