/* SPDX-License-Identifier: MIT */
/* notify.c: notification targets per project and their delivery (SMTP and webhooks). */
#include "ferry/project/notify.h"
#include "ferry/store/ctx.h"
#include "ferry/base/error.h"
#include "ferry/project/project.h"
#include "ferry/store/store.h"
#include "ferry/base/util.h"
#include "ferry/base/buf.h"

#include "ferry/project/curl_sym.h"
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define NOTIFY_TIMEOUT_S 10L

static const char *const notify_steps[] = {
	"CREATE TABLE notify_targets("
	"  id INTEGER PRIMARY KEY,"
	"  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
	"  kind TEXT NOT NULL CHECK (kind IN ('email','webhook')),"
	"  target TEXT NOT NULL,"
	"  smtp_url TEXT,"
	"  events TEXT NOT NULL DEFAULT '*',"
	"  created_ms INTEGER NOT NULL);"
	"CREATE TABLE notify_log("
	"  id INTEGER PRIMARY KEY,"
	"  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
	"  target_id INTEGER,"
	"  event TEXT NOT NULL,"
	"  subject TEXT NOT NULL,"
	"  ok INTEGER NOT NULL,"
	"  error TEXT,"
	"  at_ms INTEGER NOT NULL);",
};

const struct ferry_migrations ferry_schema_notify = {
	"notify", notify_steps, (int)(sizeof(notify_steps) / sizeof(notify_steps[0]))
};

static int known_event(const char *e, size_t n)
{
	static const char *const events[] = { FERRY_EVENT_FAILED, FERRY_EVENT_COMPLETED,
					      FERRY_EVENT_SIGNOFF, FERRY_EVENT_SCHEDULED,
					      FERRY_EVENT_AUTO_ROLLBACK, "*" };
	size_t i;

	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		if (strlen(events[i]) == n && !strncmp(events[i], e, n))
			return 1;
	return 0;
}

static int check_target(const struct ferry_notify_target *t, struct ferry_error *err)
{
	const char *p, *e;

	if (!t->kind || (strcmp(t->kind, "email") && strcmp(t->kind, "webhook")))
		return ferry_error_set(err, FERRY_EINVAL, "notification kind must be email or webhook");
	if (!t->target || !*t->target)
		return ferry_error_set(err, FERRY_EINVAL, "missing notification target");
	if (!strcmp(t->kind, "email")) {
		if (!strchr(t->target, '@') || strpbrk(t->target, " <>\r\n,"))
			return ferry_error_set(err, FERRY_EINVAL,
				"invalid email address '%s'", t->target);
		if (!t->smtp_url || (strncmp(t->smtp_url, "smtp://", 7) &&
				     strncmp(t->smtp_url, "smtps://", 8)))
			return ferry_error_set(err, FERRY_EINVAL,
				"email notifications need --smtp smtp://HOST[:PORT] (or smtps://)");
	} else if (strncmp(t->target, "http://", 7) && strncmp(t->target, "https://", 8)) {
		return ferry_error_set(err, FERRY_EINVAL,
			"invalid webhook URL '%s': must start with http:// or https://", t->target);
	}
	for (p = t->events ? t->events : "*"; *p; p = *e ? e + 1 : e) {
		e = strchr(p, ',');
		if (!e)
			e = p + strlen(p);
		if (!known_event(p, (size_t)(e - p)))
			return ferry_error_set(err, FERRY_EINVAL,
				"unknown event '%.*s': use failed, completed, awaiting-signoff, scheduled or *",
				(int)(e - p), p);
	}
	return 0;
}

int ferry_notify_add(struct ferry_ctx *ctx, const char *project,
		     const struct ferry_notify_target *t, int64_t *id, struct ferry_error *err)
{
	struct ferry_project p;
	struct ferry_stmt *st = NULL;
	int rc;

	if ((rc = check_target(t, err)))
		return rc;
	if ((rc = ferry_store_begin(ctx->store, err)))
		return rc;
	if ((rc = ferry_project_get(ctx, project, &p, err)))
		goto fail;
	rc = ferry_store_query(ctx->store, &st, err,
		"INSERT INTO notify_targets(project_id, kind, target, smtp_url, events, created_ms) "
		"VALUES(?, ?, ?, ?, ?, ?) RETURNING id", "itttti",
		p.id, t->kind, t->target, !strcmp(t->kind, "email") ? t->smtp_url : NULL,
		t->events ? t->events : "*", ferry_now_ms());
	if (rc)
		goto fail;
	if ((rc = ferry_stmt_step(st, err)) != 1) {
		rc = rc < 0 ? rc : ferry_error_set(err, FERRY_ESTORE, "insert returned no id");
		goto fail;
	}
	if (id)
		*id = ferry_stmt_int(st, 0);
	ferry_stmt_free(st);
	return ferry_store_commit(ctx->store, err);
fail:
	ferry_stmt_free(st);
	ferry_store_rollback(ctx->store);
	return rc;
}

int ferry_notify_rm(struct ferry_ctx *ctx, const char *project, int64_t id,
		    struct ferry_error *err)
{
	struct ferry_project p;
	int rc;

	if ((rc = ferry_project_get(ctx, project, &p, err)))
		return rc;
	rc = ferry_store_run(ctx->store, err,
		"DELETE FROM notify_targets WHERE id = ? AND project_id = ?", "ii", id, p.id);
	if (rc)
		return rc;
	if (ferry_store_changes(ctx->store) == 0)
		return ferry_error_set(err, FERRY_ENOTFOUND,
			"no notification target %lld in project '%s': see 'ferry notify list --project %s'",
			(long long)id, project, project);
	return 0;
}

static json_t *target_row(struct ferry_stmt *st, void *arg)
{
	(void)arg;
	return json_pack("{s:I, s:s, s:s, s:s?, s:s}",
		"id", (json_int_t)ferry_stmt_int(st, 0), "kind", ferry_stmt_text(st, 1),
		"target", ferry_stmt_text(st, 2), "smtp", ferry_stmt_text(st, 3),
		"events", ferry_stmt_text(st, 4));
}

int ferry_notify_list(struct ferry_ctx *ctx, const char *project, json_t **out,
		      struct ferry_error *err)
{
	struct ferry_project p;
	struct ferry_stmt *st;
	int rc;

	if ((rc = ferry_project_get(ctx, project, &p, err)))
		return rc;
	rc = ferry_store_query(ctx->store, &st, err,
		"SELECT id, kind, target, smtp_url, events FROM notify_targets "
		"WHERE project_id = ? ORDER BY id", "i", p.id);
	return rc ? rc : ferry_stmt_json_rows(st, target_row, NULL, out, err);
}

static json_t *log_row(struct ferry_stmt *st, void *arg)
{
	char iso[32];

	(void)arg;
	ferry_time_iso(ferry_stmt_int(st, 5), iso);
	return json_pack("{s:I, s:s, s:s, s:b, s:s?, s:s, s:s?, s:s?}",
		"id", (json_int_t)ferry_stmt_int(st, 0), "event", ferry_stmt_text(st, 1),
		"subject", ferry_stmt_text(st, 2), "ok", (int)ferry_stmt_int(st, 3),
		"error", ferry_stmt_text(st, 4), "at", iso, "kind", ferry_stmt_text(st, 6),
		"target", ferry_stmt_text(st, 7));
}

int ferry_notify_log(struct ferry_ctx *ctx, const char *project, json_t **out,
		     struct ferry_error *err)
{
	struct ferry_project p;
	struct ferry_stmt *st;
	int rc;

	if ((rc = ferry_project_get(ctx, project, &p, err)))
		return rc;
	rc = ferry_store_query(ctx->store, &st, err,
		"SELECT l.id, l.event, l.subject, l.ok, l.error, l.at_ms, t.kind, t.target "
		"FROM notify_log l LEFT JOIN notify_targets t ON t.id = l.target_id "
		"WHERE l.project_id = ? ORDER BY l.id DESC LIMIT 200", "i", p.id);
	return rc ? rc : ferry_stmt_json_rows(st, log_row, NULL, out, err);
}

/* ---- delivery ---- */

struct mail_reader {
	const char *data;
	size_t len, off;
};

static size_t mail_read(char *ptr, size_t size, size_t nmemb, void *userp)
{
	struct mail_reader *r = userp;
	size_t n = size * nmemb;

	if (n > r->len - r->off)
		n = r->len - r->off;
	memcpy(ptr, r->data + r->off, n);
	r->off += n;
	return n;
}

static size_t discard(char *ptr, size_t size, size_t nmemb, void *userp)
{
	(void)ptr;
	(void)userp;
	return size * nmemb;
}

/* The subject as one header line: a control character in it (CR, LF, ...) would end
 * the header and start another (Bcc: ...); each becomes a space. Caller frees. */
static char *header_text(const char *s)
{
	char *t = strdup(s ? s : ""), *p;

	for (p = t; p && *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return t;
}

static int build_mail(struct ferry_buf *m, const char *to, const char *from,
		      const char *event, const char *subject_text, const json_t *data)
{
	char date[64], id[37];
	time_t now = time(NULL);
	struct tm tm;
	char *body = data ? json_dumps(data, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	char *subject = header_text(subject_text);
	int rc;

	if (!subject || (data && !body)) {
		free(subject);
		free(body);
		return -1;
	}

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	ferry_uuid(id);
	rc = ferry_buf_addf(m,
		"Date: %s\r\nTo: <%s>\r\nFrom: ferry <%s>\r\nMessage-ID: <%s@ferry>\r\n"
		"Subject: [ferry] %s\r\nX-Ferry-Event: %s\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n\r\n%s\r\n",
		date, to, from, id, subject, event, subject, body ? body : "");
	free(body);
	free(subject);
	return rc;
}

/* 0 once libcurl is loaded, else -1 with why in errbuf. */
static int curl_loaded(struct ferry_buf *errbuf)
{
	struct ferry_error err;

	if (!ferry_curl_load(&err))
		return 0;
	ferry_buf_adds(errbuf, err.msg);
	return -1;
}

static int send_mail(const char *smtp, const char *to, const char *event, const char *subject,
		     const json_t *data, struct ferry_buf *errbuf)
{
	char from[320], host[256] = "localhost", cerr[CURL_ERROR_SIZE] = "";
	struct ferry_buf m = FERRY_BUF_INIT;
	struct curl_slist *rcpt = NULL;
	struct mail_reader r;
	CURLcode cc;
	CURL *c;

	if (curl_loaded(errbuf))
		return -1;
	gethostname(host, sizeof(host) - 1);
	snprintf(from, sizeof(from), "ferry@%s", host);
	if (build_mail(&m, to, from, event, subject, data) || !(c = curl_easy_init())) {
		ferry_buf_release(&m);
		return ferry_buf_adds(errbuf, "out of memory"), -1;
	}
	r.data = m.data;
	r.len = m.len;
	r.off = 0;
	rcpt = curl_slist_append(rcpt, to);
	curl_easy_setopt(c, CURLOPT_URL, smtp);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, mail_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &r);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, NOTIFY_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	cc = curl_easy_perform(c);
	if (cc != CURLE_OK)
		ferry_buf_addf(errbuf, "mail to %s via %s: %s", to, smtp,
			       cerr[0] ? cerr : curl_easy_strerror(cc));
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(c);
	ferry_buf_release(&m);
	return cc == CURLE_OK ? 0 : -1;
}

static int send_webhook(const char *url, const char *project, const char *event,
			const char *subject, const json_t *data, struct ferry_buf *errbuf)
{
	char cerr[CURL_ERROR_SIZE] = "", iso[32];
	struct curl_slist *h = NULL;
	long status = 0;
	json_t *body;
	char *text;
	CURLcode cc;
	CURL *c;

	if (curl_loaded(errbuf))
		return -1;
	ferry_time_iso(ferry_now_ms(), iso);
	body = json_pack("{s:s, s:s, s:s, s:s, s:O?}", "event", event, "project", project,
			 "subject", subject, "at", iso, "data", (json_t *)data);
	text = body ? json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(body);
	if (!text || !(c = curl_easy_init())) {
		free(text);
		return ferry_buf_adds(errbuf, "out of memory"), -1;
	}
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "User-Agent: ferry");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, text);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, NOTIFY_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (cc != CURLE_OK)
		ferry_buf_addf(errbuf, "webhook %s: %s", url, cerr[0] ? cerr : curl_easy_strerror(cc));
	else if (status < 200 || status >= 300)
		ferry_buf_addf(errbuf, "webhook %s: HTTP status %ld", url, status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	free(text);
	return errbuf->len ? -1 : 0;
}

static int subscribed(const char *events, const char *event)
{
	size_t n = strlen(event);
	const char *p;

	if (!events || !strcmp(events, "*"))
		return 1;
	for (p = events; (p = strstr(p, event)); p += n)
		if ((p == events || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
}

static void log_delivery(struct ferry_ctx *ctx, int64_t pid, int64_t tid, const char *event,
			 const char *subject, const char *error)
{
	/* Best effort: a failure to record is not a reason to fail the operation. */
	ferry_store_run(ctx->store, NULL,
		"INSERT INTO notify_log(project_id, target_id, event, subject, ok, error, at_ms) "
		"VALUES(?, ?, ?, ?, ?, ?, ?)", "iittdti", pid, tid, event, subject,
		error ? 0 : 1, error, ferry_now_ms());
}

int ferry_notify_send(struct ferry_ctx *ctx, const char *project, const char *event,
		      const char *subject, const json_t *data)
{
	struct ferry_project p;
	struct ferry_stmt *st;
	json_t *targets = json_array(), *t;
	size_t i;
	int failed = 0;

	if (ferry_project_get(ctx, project, &p, NULL) ||
	    ferry_store_query(ctx->store, &st, NULL,
		"SELECT id, kind, target, smtp_url, events FROM notify_targets WHERE project_id = ? "
		"ORDER BY id", "i", p.id)) {
		json_decref(targets);
		return 0;
	}
	while (ferry_stmt_step(st, NULL) == 1)
		if (subscribed(ferry_stmt_text(st, 4), event))
			json_array_append_new(targets, json_pack("{s:I, s:s, s:s, s:s?}",
				"id", (json_int_t)ferry_stmt_int(st, 0), "kind", ferry_stmt_text(st, 1),
				"target", ferry_stmt_text(st, 2), "smtp", ferry_stmt_text(st, 3)));
	ferry_stmt_free(st);
	json_array_foreach(targets, i, t) {
		struct ferry_buf e = FERRY_BUF_INIT;
		const char *kind = json_string_value(json_object_get(t, "kind"));
		const char *to = json_string_value(json_object_get(t, "target"));
		int rc = !strcmp(kind, "email")
			? send_mail(json_string_value(json_object_get(t, "smtp")), to, event,
				    subject, data, &e)
			: send_webhook(to, project, event, subject, data, &e);
		failed += rc != 0;
		log_delivery(ctx, p.id, json_integer_value(json_object_get(t, "id")), event,
			     subject, rc ? e.data : NULL);
		ferry_buf_release(&e);
	}
	json_decref(targets);
	return failed;
}
