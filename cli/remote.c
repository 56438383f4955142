/* remote.c: `ferry --server URL ...`: the same commands against a remote ferryd over
 * its REST API (libcurl), printing what the local command prints (JSON identical);
 * operations follow the server's event stream (SSE) with the CLI's progress output.
 * Also `--at TIME`: the operation commands recorded as scheduled operations, locally
 * (lib/schedule.c, started by a ferryd on the same home) or through the server. */
#include "cli.h"
#include "remote.h"

#include "ferry/base/buf.h"
#include "ferry/store/ctx.h"
#include "ferry/base/error.h"
#include "ferry/ops/op.h"
#include "ferry/ops/schedule.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXPOS 4
#define MAXOPT 16

/* A parsed command line: positionals and --options (value "" for flags). */
struct rargs {
	const char *pos[MAXPOS];
	int npos;
	const char *okey[MAXOPT], *oval[MAXOPT];
	int nopt;
};


struct rcmd;
typedef int (*rfn)(struct remote *rm, const struct rcmd *c, struct rargs *a);

struct rcmd {
	const char *group, *verb;
	int npos;
	const char *opts;        /* "project= all": '=' takes a value */
	rfn fn;
	const char *arg;         /* what fn needs (path template, action, ...) */
};

/* An option's name in c->opts ends at ' ', '=' or the end. */
static int optcmp(const char *in_opts, const char *k)
{
	size_t n = strlen(k);

	return strncmp(in_opts, k, n) || (in_opts[n] && in_opts[n] != ' ' && in_opts[n] != '=');
}

static const char *opt(const struct rargs *a, const char *k)
{
	int i;

	for (i = 0; i < a->nopt; i++)
		if (!optcmp(a->okey[i], k))
			return a->oval[i];
	return NULL;
}

/* Parse argv (argv[0] is the verb) against c->opts. */
static int parse(const struct rcmd *c, int argc, char **argv, struct rargs *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	for (i = 1; i < argc; i++) {
		const char *s = argv[i], *eq, *o;
		char name[48];
		size_t n;
		if (strncmp(s, "--", 2) && strcmp(s, "-n") && strcmp(s, "-o")) {
			if (a->npos >= MAXPOS)
				return cli_usage(NULL, "too many arguments for 'ferry %s %s'", c->group, c->verb);
			a->pos[a->npos++] = s;
			continue;
		}
		s = !strcmp(s, "-n") ? "--lines" : !strcmp(s, "-o") ? "--output" : s;
		eq = strchr(s + 2, '=');
		n = eq ? (size_t)(eq - s - 2) : strlen(s + 2);
		snprintf(name, sizeof(name), "%.*s", (int)n, s + 2);
		n = strlen(name);
		for (o = c->opts; *o && optcmp(o, name); o += strcspn(o, " "), o += *o == ' ')
			;
		if (!*o || a->nopt >= MAXOPT)
			return cli_usage(NULL, "unknown option '--%s' for 'ferry --server ... %s %s'",
					 name, c->group, c->verb);
		if (o[n] == '=') {
			if (!eq && i + 1 >= argc)
				return cli_usage(NULL, "option '--%s' needs a value", name);
			a->oval[a->nopt] = eq ? eq + 1 : argv[++i];
		} else {
			a->oval[a->nopt] = "";
		}
		a->okey[a->nopt++] = o; /* points into c->opts: compare with optcmp() */
	}
	if (a->npos != c->npos)
		return cli_usage(NULL, "'ferry %s %s' takes %d argument%s", c->group, c->verb, c->npos,
				 c->npos == 1 ? "" : "s");
	return 0;
}

/* ---- reads ----------------------------------------------------------------- */

static const char *const *cols_of(const char *which, int heads)
{
	static const char *const tbl[][2][8] = {
		{ { "projects", "name", "product", "allow_unsigned", "created" }, { "", "NAME", "PRODUCT", "UNSIGNED", "CREATED" } },
		{ { "envs", "name", "project", "role", "state", "app_release", "platform" },
		  { "", "NAME", "PROJECT", "ROLE", "STATE", "RELEASE", "PLATFORM" } },
		{ { "ops", "activity_id", "kind", "env", "state", "step", "created" },
		  { "", "ACTIVITY", "KIND", "ENV", "STATE", "STEP", "CREATED" } },
		{ { "history", "created", "package", "version", "type", "state", "activity_id" },
		  { "", "CREATED", "PACKAGE", "VERSION", "TYPE", "STATE", "ACTIVITY" } },
		{ { "assets", "id", "type", "name", "version", "size", "signer", "refs" },
		  { "", "ID", "TYPE", "NAME", "VERSION", "SIZE", "SIGNER", "REFS" } },
		{ { "keys", "name", "key_id", "private_key", "trusted_by", "created" },
		  { "", "NAME", "KEY ID", "PRIVATE", "TRUSTED BY", "CREATED" } },
		{ { "targets", "target", "kind", "name", "code_upgrade_required", "self_service" },
		  { "", "TARGET", "KIND", "NAME", "CODE UPGRADE", "SELF-SERVICE" } },
		{ { "schedules", "id", "action", "env", "at", "state", "activity_id", "message" },
		  { "", "ID", "ACTION", "ENV", "AT", "STATE", "ACTIVITY", "MESSAGE" } },
		{ { "env", "name", "project", "role", "state", "product", "app_release", "platform" },
		  { "" } },
		{ { "status", "environment", "slot", "state", "pid", "url", "healthy", "release" }, { "" } },
		{ { "op", "activity_id", "kind", "env", "project", "state", "step", "error" }, { "" } },
		{ { "project", "name", "product", "description", "allow_unsigned", "created" }, { "" } },
	};
	size_t i;

	for (i = 0; i < sizeof(tbl) / sizeof(tbl[0]); i++)
		if (!strcmp(tbl[i][0][0], which))
			return heads ? tbl[i][1] + 1 : tbl[i][0] + 1;
	return NULL;
}

/* Which columns the local command prints (cols_of), by command. */
static const char *view_of(const struct rcmd *c)
{
	static const char *const map[][3] = {
		{ "project", "list", "projects" }, { "project", "show", "project" },
		{ "env", "list", "envs" }, { "env", "show", "env" }, { "env", "status", "status" },
		{ "env", "history", "history" }, { "op", "list", "ops" }, { "op", "show", "op" },
		{ "asset", "list", "assets" }, { "key", "list", "keys" },
		{ "upgrade", "targets", "targets" }, { "schedule", "list", "schedules" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i][0], c->group) && !strcmp(map[i][1], c->verb))
			return map[i][2];
	return "";
}

/* GET c->arg (a path with %s for the first positional) with query options, print it as
 * the local command does: JSON under --json, else a table (array) or fields (object). */
static int r_get(struct remote *rm, const struct rcmd *c, struct rargs *a)
{
	static const char *const q[] = { "project", "env", "view", "limit", "lines", "all", "to", "data", NULL };
	struct ferry_error err;
	char path[2048];
	json_t *o;
	const char *const *cols;
	size_t n;
	int i;

	remote_path_of(path, sizeof(path), c->arg, a->npos ? a->pos[0] : NULL, NULL, NULL, NULL, NULL);
	for (i = 0; q[i]; i++) {
		const char *v = opt(a, q[i]);
		if (!v)
			continue;
		n = strlen(path);
		remote_path_of(path + n, sizeof(path) - n, "", NULL, q[i], *v ? v : "true", NULL, NULL);
		if (path[n] == '?' && strchr(path, '?') != path + n)
			path[n] = '&';
	}
	ferry_error_clear(&err);
	if (remote_get_json(rm, path, &o, &err))
		return cli_fail(rm->cli, &err);
	json_object_del(o, "queued");
	cols = cols_of(view_of(c), 0);
	if (rm->cli->json || !cols)
		cli_print_json(o);
	else if (json_is_array(o))
		cli_print_table(o, cols, cols_of(view_of(c), 1));
	else
		cli_print_fields(o, cols);
	json_decref(o);
	return EXIT_OK;
}

/* Text answers (logs, op log). */
static int r_text(struct remote *rm, const struct rcmd *c, struct rargs *a)
{
	struct ferry_error err;
	struct resp r = { 0 };
	char path[2048];
	json_t *o;
	int rc;

	remote_path_of(path, sizeof(path), c->arg, a->pos[0], "lines", opt(a, "lines"), "view", opt(a, "view"));
	ferry_buf_init(&r.body);
	ferry_error_clear(&err);
	if ((rc = remote_http(rm, "GET", path, NULL, NULL, &r, &err))) {
		ferry_buf_release(&r.body);
		return cli_fail(rm->cli, &err);
	}
	if ((o = json_loadb(r.body.data ? r.body.data : "", r.body.len, 0, NULL))) {
		fputs(json_string_value(json_object_get(o, "log")) ? json_string_value(json_object_get(o, "log")) : "", stdout);
		json_decref(o);
	} else if (r.body.len) {
		fwrite(r.body.data, 1, r.body.len, stdout);
	}
	ferry_buf_release(&r.body);
	return EXIT_OK;
}

/* ---- operations: post, then follow the event stream ------------------------ */

struct sse {
	struct ferry_buf buf;
	int connected;
};

static size_t on_sse(char *p, size_t sz, size_t n, void *data)
{
	struct sse *s = data;

	if (ferry_buf_add(&s->buf, p, sz * n))
		return 0;
	if (!s->connected && s->buf.len && memmem(s->buf.data, s->buf.len, ": connected", 11))
		s->connected = 1;
	return sz * n;
}

static enum ferry_op_event_type ev_type(const char *name)
{
	int t;

	for (t = FERRY_OP_EV_OP_STARTED; t <= FERRY_OP_EV_OP_FINISHED; t++)
		if (!strcmp(ferry_op_event_name((enum ferry_op_event_type)t), name))
			return (enum ferry_op_event_type)t;
	return (enum ferry_op_event_type)-1;
}

/* Take whole frames from the stream; feed our operation's to the CLI's progress hooks.
 * Returns 1 when our operation finished a run. */
static int sse_frames(struct sse *s, const char *activity, const struct ferry_op_hooks *hooks)
{
	int finished = 0;
	char *end;

	while (s->buf.len && (end = memmem(s->buf.data, s->buf.len, "\n\n", 2))) {
		size_t flen = (size_t)(end - s->buf.data) + 2;
		char *d = memmem(s->buf.data, flen, "data: ", 6);
		json_t *o = d ? json_loadb(d + 6, (size_t)(end - d - 6), 0, NULL) : NULL;
		const char *act = json_string_value(json_object_get(o, "activity_id"));
		const char *name = json_string_value(json_object_get(o, "event"));
		if (o && act && name && !strcmp(act, activity)) {
			struct ferry_op_event ev = { 0 };
			ev.type = ev_type(name);
			ev.activity_id = act;
			ev.kind = json_string_value(json_object_get(o, "kind"));
			ev.env = json_string_value(json_object_get(o, "env"));
			ev.step = json_string_value(json_object_get(o, "step"));
			ev.step_index = (int)json_integer_value(json_object_get(o, "step_index"));
			ev.step_count = (int)json_integer_value(json_object_get(o, "step_count"));
			ev.attempt = (int)json_integer_value(json_object_get(o, "attempt"));
			ev.state = json_string_value(json_object_get(o, "state"));
			ev.message = json_string_value(json_object_get(o, "message"));
			ev.done = json_integer_value(json_object_get(o, "done"));
			ev.total = json_integer_value(json_object_get(o, "total"));
			ev.elapsed_ms = json_integer_value(json_object_get(o, "elapsed_ms"));
			if ((int)ev.type >= 0 && hooks->on_event)
				hooks->on_event(&ev, hooks->data);
			if (ev.type == FERRY_OP_EV_OP_FINISHED)
				finished = 1;
		}
		json_decref(o);
		memmove(s->buf.data, s->buf.data + flen, s->buf.len - flen);
		s->buf.len -= flen;
	}
	return finished;
}

static int op_settled(json_t *op)
{
	const char *st = json_string_value(json_object_get(op, "state"));

	return st && strcmp(st, "running") && strcmp(st, "pending") &&
	       !json_is_true(json_object_get(op, "queued"));
}

/* POST, then follow the operation it started until it stops running. *op gets it, or
 * *sched the schedule when --at made one. */
static int post_follow(struct remote *rm, const char *path, json_t *body, json_t **op,
		       json_t **sched, struct ferry_error *err)
{
	struct ferry_op_hooks hooks;
	struct sse s = { { 0 }, 0 };
	struct resp r = { 0 };
	struct curl_slist *h = remote_headers(rm, "Accept: text/event-stream");
	CURLM *m = curl_multi_init();
	CURL *c = curl_easy_init();
	char url[4096], act[64], opath[256];
	int running = 1, rc, idle = 0;
	json_t *o = NULL;

	*op = *sched = NULL;
	ferry_buf_init(&s.buf);
	ferry_buf_init(&r.body);
	cli_op_hooks(rm->cli, &hooks);
	snprintf(url, sizeof(url), "%s/api/events", rm->url);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_sse);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_multi_add_handle(m, c);
	for (idle = 0; !s.connected && running && idle < 100; idle++) { /* subscribed before the POST */
		curl_multi_perform(m, &running);
		if (!s.connected)
			curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	if ((rc = remote_http(rm, "POST", path, body, NULL, &r, err)))
		goto out;
	o = json_loadb(r.body.data ? r.body.data : "", r.body.len, 0, NULL);
	if (!json_string_value(json_object_get(o, "activity_id"))) { /* a schedule */
		*sched = o;
		o = NULL;
		goto out;
	}
	snprintf(act, sizeof(act), "%s", json_string_value(json_object_get(o, "activity_id")));
	snprintf(opath, sizeof(opath), "/api/operations/%s", act);
	for (idle = 0; !op_settled(o);) {
		int fin = 0;
		if (running) {
			curl_multi_poll(m, NULL, 0, 1000, NULL);
			curl_multi_perform(m, &running);
			fin = sse_frames(&s, act, &hooks);
		} else {
			usleep(200000);
		}
		if (fin || ++idle >= 5 || !running) { /* the stream says so, or a look now and then */
			json_decref(o);
			o = NULL;
			idle = 0;
			if ((rc = remote_get_json(rm, opath, &o, err)))
				goto out;
		}
	}
	sse_frames(&s, act, &hooks);
	*op = o;
	o = NULL;
out:
	json_decref(o);
	curl_multi_remove_handle(m, c);
	curl_easy_cleanup(c);
	curl_multi_cleanup(m);
	curl_slist_free_all(h);
	ferry_buf_release(&s.buf);
	ferry_buf_release(&r.body);
	return rc;
}

static int print_schedule(struct remote *rm, json_t *s)
{
	if (rm->cli->json)
		cli_print_json(s);
	else if (!rm->cli->quiet)
		printf("Scheduled %s on '%s' at %s (schedule %lld): ferryd starts it then\n",
		       json_string_value(json_object_get(s, "action")),
		       json_string_value(json_object_get(s, "env")),
		       json_string_value(json_object_get(s, "at")),
		       (long long)json_integer_value(json_object_get(s, "id")));
	json_decref(s);
	return EXIT_OK;
}

/* The operation's outcome as cli_op_outcome prints it; a failed one is an error. */
static int op_outcome(struct remote *rm, json_t *op, int *failed)
{
	const char *st = json_string_value(json_object_get(op, "state"));
	const char *id = json_string_value(json_object_get(op, "activity_id"));
	const char *kind = json_string_value(json_object_get(op, "kind"));
	const char *env = json_string_value(json_object_get(op, "env"));
	struct ferry_error err;

	*failed = !strcmp(st, "failed") || !strcmp(st, "interrupted");
	if (*failed) {
		ferry_error_clear(&err);
		ferry_error_set(&err, FERRY_EFAILED, "%s", json_string_value(json_object_get(op, "error")) ?
				json_string_value(json_object_get(op, "error")) : "the operation failed");
		snprintf(err.activity_id, sizeof(err.activity_id), "%s", id);
		return cli_fail(rm->cli, &err);
	}
	json_object_del(op, "queued");
	if (rm->cli->json)
		cli_print_json(op);
	else if (rm->cli->quiet)
		;
	else if (!strcmp(st, "awaiting-confirm"))
		printf("Operation %s (%s) waits at manual step '%s': confirm with "
		       "'ferry op complete-step %.8s %s'\n", id, kind,
		       json_string_value(json_object_get(op, "step")), id,
		       json_string_value(json_object_get(op, "step")));
	else if (!strcmp(st, "awaiting-signoff") && env && *env)
		printf("Operation %s (%s) is awaiting sign-off: validate the environment, then "
		       "'ferry env signoff %s' (or 'ferry env rollback %s')\n", id, kind, env, env);
	else
		printf("Operation %s (%s) %s\n", id, kind, st);
	return EXIT_OK;
}

/* The body of an action from the options and positionals c->arg names:
 * "package=1 to=to slot=slot from=from view=view" (=N: the Nth positional). */
static json_t *action_body(struct remote *rm, const struct rcmd *c, const struct rargs *a)
{
	json_t *b = json_object();
	char spec[128], *p, *next, *eq;

	snprintf(spec, sizeof(spec), "%s", c->arg ? strchr(c->arg, ' ') ? strchr(c->arg, ' ') + 1 : "" : "");
	for (p = spec; p && *p; p = next) {
		const char *v;
		if ((next = strchr(p, ' ')))
			*next++ = '\0';
		if (!(eq = strchr(p, '=')))
			continue;
		*eq++ = '\0';
		v = *eq >= '0' && *eq <= '9' ? a->pos[*eq - '0'] : opt(a, eq);
		if (v)
			json_object_set_new(b, p, json_string(v));
	}
	if (opt(a, "check"))
		json_object_set_new(b, "check", json_true());
	if (rm->at)
		json_object_set_new(b, "at", json_string(rm->at));
	return b;
}

/* What `ferry upgrade VERB` says when it is done (cmd_upgrade.c). */
static const char *upgrade_done(const char *verb)
{
	static const char *const done[][2] = {
		{ "begin", "Prepared the upgrade-in-progress environment; the original kept serving" },
		{ "apply", "Package applied to the upgrade-in-progress environment: validate it, then sign it off" },
		{ "signoff", "Signed off" },
		{ "rollback-package", "Package rolled back on the upgrade-in-progress environment" },
		{ "data", "Data upgrade done: the upgraded environment serves on the original's address; "
			  "validate it, then commit or roll back" },
		{ "commit", "Committed: the upgraded environment is the environment now" },
		{ "rollback", "Rolled back: the original is online in its previous state" },
		{ "cancel", "Cancelled: the upgrade-in-progress environment is gone, the original as it was" },
		{ "resume", "Resumed" },
	};
	size_t i;

	for (i = 0; i < sizeof(done) / sizeof(done[0]); i++)
		if (!strcmp(done[i][0], verb))
			return done[i][1];
	return verb;
}

/* c->arg: "PATH body-spec"; PATH has %s for the environment (first positional). */
static int r_op(struct remote *rm, const struct rcmd *c, struct rargs *a)
{
	const char *up = strstr(c->group, "upgrade") ? "" : NULL;
	struct ferry_error err;
	char path[1024], tmpl[256], sp[1024];
	json_t *body = action_body(rm, c, a), *op = NULL, *sched = NULL, *st = NULL;
	const char *env = a->npos ? a->pos[0] : opt(a, "to");
	int rc, failed = 0;

	snprintf(tmpl, sizeof(tmpl), "%.*s", (int)strcspn(c->arg, " "), c->arg);
	remote_path_of(path, sizeof(path), tmpl, env, "view", strstr(tmpl, "upgrade") ? opt(a, "view") : NULL, NULL, NULL);
	ferry_error_clear(&err);
	if (opt(a, "check")) { /* env apply --check: the report, then its verdict */
		struct resp r = { 0 };
		ferry_buf_init(&r.body);
		rc = remote_http(rm, "POST", path, body, NULL, &r, &err);
		json_decref(body);
		if (!rc && (st = json_loadb(r.body.data, r.body.len, 0, NULL)) && rm->cli->json)
			cli_print_json(st);
		json_decref(st);
		ferry_buf_release(&r.body);
		return rc ? cli_fail(rm->cli, &err) : EXIT_OK;
	}
	rc = post_follow(rm, path, body, &op, &sched, &err);
	json_decref(body);
	if (rc)
		return cli_fail(rm->cli, &err);
	if (sched)
		return print_schedule(rm, sched);
	if (!strcmp(c->verb, "refresh") && !rm->cli->json &&
	    !strcmp(json_string_value(json_object_get(op, "state")), "succeeded")) {
		if (!rm->cli->quiet)
			printf("Refreshed '%s' from a snapshot of '%s', scrubbed (activity %s)\n", env,
			       opt(a, "from"), json_string_value(json_object_get(op, "activity_id")));
		json_decref(op);
		return EXIT_OK;
	}
	if (!up || !strcmp(c->verb, "refresh")) {
		rc = op_outcome(rm, op, &failed);
		json_decref(op);
		return rc;
	}
	/* upgrade actions print the upgrade's status, as `ferry upgrade ...` does */
	if (!strcmp(json_string_value(json_object_get(op, "state")), "failed")) {
		rc = op_outcome(rm, op, &failed);
		json_decref(op);
		return rc;
	}
	remote_path_of(sp, sizeof(sp), "/api/environments/%s/upgrade", env, NULL, NULL, NULL, NULL);
	if (remote_get_json(rm, sp, &st, &err)) {
		json_decref(op);
		return cli_fail(rm->cli, &err);
	}
	if (rm->cli->json) {
		cli_print_json(st);
	} else if (!rm->cli->quiet) {
		json_t *n;
		size_t i;
		printf("%s (activity %s); upgrade of '%s' is %s\n", upgrade_done(c->verb),
		       json_string_value(json_object_get(op, "activity_id")), env,
		       json_string_value(json_object_get(st, "phase")));
		json_array_foreach(json_object_get(st, "next"), i, n)
			printf("%s %s\n", i ? "     " : "next:", json_string_value(n));
	}
	json_decref(st);
	json_decref(op);
	return EXIT_OK;
}

/* Synchronous changes answered with an object (runtime, keys): POST/PATCH/DELETE. */
static int r_call(struct remote *rm, const struct rcmd *c, struct rargs *a)
{
	struct ferry_error err;
	struct resp r = { 0 };
	char method[8], path[1024], tmpl[256];
	json_t *body, *o;
	const char *rest = strchr(c->arg, ' ') + 1;
	int rc;

	snprintf(method, sizeof(method), "%.*s", (int)strcspn(c->arg, " "), c->arg);
	snprintf(tmpl, sizeof(tmpl), "%.*s", (int)strcspn(rest, " "), rest);
	remote_path_of(path, sizeof(path), tmpl, a->pos[0], "view", opt(a, "view"), "project", opt(a, "project"));
	body = json_object();
	if (opt(a, "timeout"))
		json_object_set_new(body, "timeout", json_integer(strtol(opt(a, "timeout"), NULL, 10)));
	if (opt(a, "grace"))
		json_object_set_new(body, "grace", json_integer(strtol(opt(a, "grace"), NULL, 10)));
	if (opt(a, "new-port"))
		json_object_set_new(body, "new_port", json_true());
	if (a->npos > 1)
		json_object_set_new(body, "key", json_string(a->pos[1]));
	ferry_buf_init(&r.body);
	ferry_error_clear(&err);
	rc = remote_http(rm, method, path, strcmp(method, "DELETE") ? body : NULL, NULL, &r, &err);
	json_decref(body);
	if (rc) {
		ferry_buf_release(&r.body);
		return cli_fail(rm->cli, &err);
	}
	o = json_loadb(r.body.data ? r.body.data : "", r.body.len, 0, NULL);
	if (o && rm->cli->json && strcmp(c->group, "key") && strcmp(c->group, "asset"))
		cli_print_json(o);
	else if (!rm->cli->quiet && !rm->cli->json)
		printf("%s %s: done\n", c->verb, a->pos[0]);
	json_decref(o);
	ferry_buf_release(&r.body);
	return EXIT_OK;
}

static int r_upload(struct remote *rm, const struct rcmd *c, struct rargs *a)
{
	struct ferry_error err;
	struct resp r = { 0 };
	char path[1024];
	json_t *o;
	int rc;

	(void)c;
	if (!opt(a, "project"))
		return cli_usage("ferry asset upload FILE --project P", "missing --project");
	remote_path_of(path, sizeof(path), "/api/assets", NULL, "project", opt(a, "project"), NULL, NULL);
	ferry_buf_init(&r.body);
	ferry_error_clear(&err);
	if ((rc = remote_http(rm, "POST", path, NULL, a->pos[0], &r, &err))) {
		ferry_buf_release(&r.body);
		return cli_fail(rm->cli, &err);
	}
	o = json_loadb(r.body.data, r.body.len, 0, NULL);
	if (rm->cli->json)
		cli_print_json(o);
	else if (!rm->cli->quiet)
		printf("%s %s@%s (%s, %s) %s project '%s' as %.12s\n",
		       json_is_true(json_object_get(o, "existed")) ? "Already have" : "Uploaded",
		       json_string_value(json_object_get(o, "name")), json_string_value(json_object_get(o, "version")),
		       json_string_value(json_object_get(o, "type")),
		       json_string_value(json_object_get(o, "key_id")) && *json_string_value(json_object_get(o, "key_id"))
		       ? "signed" : "unsigned", json_is_true(json_object_get(o, "existed")) ? "in" : "to",
		       opt(a, "project"), json_string_value(json_object_get(o, "sha256")));
	json_decref(o);
	ferry_buf_release(&r.body);
	return EXIT_OK;
}

static int r_download(struct remote *rm, const struct rcmd *c, struct rargs *a)
{
	const char *outf = opt(a, "output");
	struct ferry_error err;
	struct resp r = { 0 };
	char path[1024], tmp[4096];
	FILE *f;
	int rc;

	(void)c;
	if (!outf)
		return cli_usage("ferry asset download REF -o FILE [--project P]", "missing -o FILE");
	snprintf(tmp, sizeof(tmp), "%s.part", outf);
	remote_path_of(path, sizeof(path), "/api/assets/%s/download", a->pos[0], "project", opt(a, "project"), NULL, NULL);
	if (!(f = fopen(tmp, "wb"))) {
		ferry_error_clear(&err);
		ferry_error_errno(&err, FERRY_EIO, errno, "cannot write %s", tmp);
		return cli_fail(rm->cli, &err);
	}
	ferry_buf_init(&r.body);
	r.to = f;
	ferry_error_clear(&err);
	rc = remote_http(rm, "GET", path, NULL, NULL, &r, &err);
	if (fclose(f) && !rc)
		rc = ferry_error_errno(&err, FERRY_EIO, errno, "cannot write %s", tmp);
	ferry_buf_release(&r.body);
	if (rc || rename(tmp, outf)) {
		unlink(tmp);
		if (!rc)
			ferry_error_errno(&err, FERRY_EIO, errno, "cannot write %s", outf);
		return cli_fail(rm->cli, &err);
	}
	if (!rm->cli->quiet && !rm->cli->json)
		printf("Wrote %s\n", outf);
	return EXIT_OK;
}

static const struct rcmd cmds[] = {
	{ "project", "list", 0, "", r_get, "/api/projects" },
	{ "project", "show", 1, "", r_get, "/api/projects/%s" },
	{ "env", "list", 0, "project= all", r_get, "/api/environments" },
	{ "env", "show", 1, "view=", r_get, "/api/environments/%s" },
	{ "env", "status", 1, "view=", r_get, "/api/environments/%s/status" },
	{ "env", "history", 1, "", r_get, "/api/environments/%s/history" },
	{ "env", "logs", 1, "view= lines=", r_text, "/api/environments/%s/logs" },
	{ "env", "apply", 2, "check slot=", r_op, "/api/environments/%s/updates package=1 slot=slot" },
	{ "env", "signoff", 1, "slot=", r_op, "/api/environments/%s/signoff slot=slot" },
	{ "env", "rollback", 1, "slot=", r_op, "/api/environments/%s/rollback slot=slot" },
	{ "env", "start", 1, "view= timeout= new-port", r_call, "POST /api/environments/%s/start" },
	{ "env", "stop", 1, "view= grace=", r_call, "POST /api/environments/%s/stop" },
	{ "env", "restart", 1, "view= grace= timeout=", r_call, "POST /api/environments/%s/restart" },
	{ "op", "list", 0, "env= limit=", r_get, "/api/operations" },
	{ "op", "show", 1, "", r_get, "/api/operations/%s" },
	{ "op", "log", 1, "", r_text, "/api/operations/%s/log" },
	{ "op", "resume", 1, "", r_op, "/api/operations/%s/resume" },
	{ "asset", "list", 0, "project=", r_get, "/api/assets" },
	{ "asset", "show", 1, "project=", r_get, "/api/assets/%s" },
	{ "asset", "upload", 1, "project=", r_upload, NULL },
	{ "asset", "download", 1, "project= output=", r_download, NULL },
	{ "asset", "rm", 1, "project=", r_call, "DELETE /api/assets/%s" },
	{ "key", "list", 0, "project=", r_get, "/api/keys" },
	{ "upgrade", "targets", 1, "", r_get, "/api/environments/%s/upgrade/targets" },
	{ "upgrade", "status", 1, "", r_get, "/api/environments/%s/upgrade" },
	{ "upgrade", "preflight", 1, "to= data", r_get, "/api/environments/%s/upgrade/preflight" },
	{ "upgrade", "begin", 1, "to=", r_op, "/api/environments/%s/upgrade/begin to=to" },
	{ "upgrade", "apply", 2, "", r_op, "/api/environments/%s/upgrade/apply package=1" },
	{ "upgrade", "signoff", 1, "", r_op, "/api/environments/%s/upgrade/signoff" },
	{ "upgrade", "rollback-package", 1, "", r_op, "/api/environments/%s/upgrade/rollback-package" },
	{ "upgrade", "data", 1, "", r_op, "/api/environments/%s/upgrade/data" },
	{ "upgrade", "commit", 1, "", r_op, "/api/environments/%s/upgrade/commit" },
	{ "upgrade", "rollback", 1, "", r_op, "/api/environments/%s/upgrade/rollback" },
	{ "upgrade", "cancel", 1, "view=", r_op, "/api/environments/%s/upgrade/cancel view=view" },
	{ "upgrade", "resume", 1, "", r_op, "/api/environments/%s/upgrade/resume" },
	{ "db", "refresh", 0, "from= to=", r_op, "/api/environments/%s/refresh from=from" },
	{ "schedule", "list", 0, "project=", r_get, "/api/schedules" },
	{ NULL, NULL, 0, NULL, NULL, NULL }
};

static const struct rcmd *find(int argc, char **argv)
{
	const struct rcmd *c;

	if (argc < 2)
		return NULL;
	for (c = cmds; c->group; c++)
		if (!strcmp(c->group, argv[0]) && !strcmp(c->verb, argv[1]))
			return c;
	return NULL;
}

int cli_remote_run(struct cli *cli, const char *server, const char *at, int argc, char **argv)
{
	struct remote rm = { cli, server, getenv("FERRY_TOKEN"), at };
	const struct rcmd *c = find(argc, argv);
	char url[1024];
	struct rargs a;
	int ec;

	if (!c) {
		fprintf(stderr, "ferry: error: '%s%s%s' is not available with --server: run it on the "
			"server's home (see docs/DAEMON.md)\n", argv[0], argc > 1 ? " " : "", argc > 1 ? argv[1] : "");
		return EXIT_USAGE;
	}
	if (at && c->fn != r_op)
		return cli_usage(NULL, "--at schedules operations (apply, signoff, rollback, upgrade, "
				 "refresh), not 'ferry %s %s'", c->group, c->verb);
	snprintf(url, sizeof(url), "%s", server);
	while (strlen(url) && url[strlen(url) - 1] == '/')
		url[strlen(url) - 1] = '\0';
	rm.url = url;
	if ((ec = parse(c, argc - 1, argv + 1, &a)))
		return ec;
	if (c->group[0] == 'd' && !opt(&a, "to"))
		return cli_usage("ferry db refresh --from ENV --to ENV", "missing --to ENV");
	return c->fn(&rm, c, &a);
}

/* `ferry --at TIME <operation command>` on the home: record the schedule locally. */
int cli_schedule_local(struct cli *cli, const char *at, int argc, char **argv)
{
	static const char *const names[][3] = {
		{ "env", "apply", "env.apply" }, { "env", "signoff", "env.signoff" },
		{ "env", "rollback", "env.rollback" }, { "upgrade", "begin", "upgrade.begin" },
		{ "upgrade", "apply", "upgrade.apply" }, { "upgrade", "signoff", "upgrade.signoff" },
		{ "upgrade", "rollback-package", "upgrade.rollback-package" },
		{ "upgrade", "data", "upgrade.data" }, { "upgrade", "commit", "upgrade.commit" },
		{ "upgrade", "rollback", "upgrade.rollback" }, { "upgrade", "cancel", "upgrade.cancel" },
		{ "upgrade", "resume", "upgrade.resume" }, { "db", "refresh", "db.refresh" },
	};
	struct remote rm = { cli, "", NULL, at };
	struct ferry_sched_spec spec = { NULL, NULL, NULL, at };
	const struct rcmd *c = find(argc, argv);
	struct ferry_error err;
	struct ferry_ctx *ctx;
	struct rargs a;
	json_t *args, *o = NULL;
	size_t i;
	int ec;

	for (i = 0; c && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(names[i][0], c->group) && !strcmp(names[i][1], c->verb))
			spec.action = names[i][2];
	if (!spec.action)
		return cli_usage(NULL, "--at schedules operations (env apply|signoff|rollback, upgrade "
				 "begin|apply|signoff|data|commit|rollback|cancel|resume, db refresh)");
	if ((ec = parse(c, argc - 1, argv + 1, &a)))
		return ec;
	spec.env = a.npos ? a.pos[0] : opt(&a, "to");
	if (!spec.env)
		return cli_usage(NULL, "missing the environment");
	rm.at = NULL;
	args = action_body(&rm, c, &a);
	json_object_set_new(args, "env", json_string(spec.env));
	spec.args = args;
	if (!(ctx = cli_ctx(cli, &ec))) {
		json_decref(args);
		return ec;
	}
	ferry_error_clear(&err);
	ec = ferry_sched_add(ctx, &spec, &o, &err);
	json_decref(args);
	if (ec)
		return cli_fail(cli, &err);
	return print_schedule(&rm, o);
}
