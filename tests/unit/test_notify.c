/* SPDX-License-Identifier: MIT */
/* test_notify.c: notifications (lib/project/notify.c) as delivered to real sinks
 * (tests/tools/httpsink, smtpsink): the webhook's JSON and the mail's headers and body,
 * event subscriptions (whole names only), a failed delivery counted and logged, and a
 * subject that cannot add mail headers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fixture.h"
#include "ferry/base/buf.h"
#include "ferry/project/notify.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct nfx {
	struct ufx *u;
	pid_t sink[3];
	char dir[3][400];
	int port[3];
};

/* Start tests/tools/TOOL DIR PORTFILE [ARG] and wait (bounded) for its port. */
static pid_t start_sink(const char *tool, const char *dir, const char *arg, int *port)
{
	const char *b = getenv("FERRY_BUILD");
	char exe[512], pf[512];
	struct ferry_buf pb = FERRY_BUF_INIT;
	pid_t pid;
	int i;

	snprintf(exe, sizeof(exe), "%s/tools/%s", b ? b : FERRY_SRCDIR "/build/asan", tool);
	snprintf(pf, sizeof(pf), "%s.port", dir);
	assert_int_equal(ferry_mkdir_p(dir, 0700, NULL), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl(exe, tool, dir, pf, arg, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 400 && (ferry_buf_read_file(&pb, pf) || pb.len == 0); i++) {
		ferry_buf_reset(&pb);
		usleep(25000);
	}
	if (!pb.len)
		fail_msg("%s did not start", exe);
	*port = (int)strtol(pb.data, NULL, 10);
	ferry_buf_release(&pb);
	return pid;
}

static int setup(void **state)
{
	static const char *const envs[] = { NULL };
	struct nfx *f = calloc(1, sizeof(*f));

	f->u = ufx_new("notify", NULL);
	ufx_project(f->u, "p", envs);
	snprintf(f->dir[0], sizeof(f->dir[0]), "%s/hooks", f->u->dir);
	snprintf(f->dir[1], sizeof(f->dir[1]), "%s/mail", f->u->dir);
	snprintf(f->dir[2], sizeof(f->dir[2]), "%s/broken", f->u->dir);
	f->sink[0] = start_sink("httpsink", f->dir[0], NULL, &f->port[0]);
	f->sink[1] = start_sink("smtpsink", f->dir[1], NULL, &f->port[1]);
	f->sink[2] = start_sink("httpsink", f->dir[2], "500", &f->port[2]);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct nfx *f = *state;
	int i;

	for (i = 0; i < 3; i++) {
		kill(f->sink[i], SIGTERM);
		waitpid(f->sink[i], NULL, 0);
	}
	ufx_free(f->u);
	free(f);
	return 0;
}

/* The file DIR/N.EXT, read whole (bounded wait for it). */
static char *delivered(const char *dir, int n, const char *ext)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	char p[512];
	int i;

	snprintf(p, sizeof(p), "%s/%d.%s", dir, n, ext);
	for (i = 0; i < 200 && ferry_buf_read_file(&b, p); i++) {
		ferry_buf_reset(&b);
		usleep(25000);
	}
	return b.len ? ferry_buf_detach(&b) : NULL;
}

static void add(struct nfx *f, const char *kind, const char *target, const char *smtp,
		const char *events)
{
	struct ferry_notify_target t = { kind, target, smtp, events };

	if (ferry_notify_add(f->u->ctx, "p", &t, NULL, &f->u->err))
		fail_msg("%s %s: %s", kind, target, f->u->err.msg);
}

static void test_webhook(void **state)
{
	struct nfx *f = *state;
	char url[128];
	json_t *data = json_pack("{s:s, s:i}", "env", "sbx", "n", 3), *got, *log;
	char *body;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", f->port[0]);
	add(f, "webhook", url, NULL, "failed,completed");
	/* not subscribed: another event, and a prefix of a subscribed one */
	assert_int_equal(ferry_notify_send(f->u->ctx, "p", FERRY_EVENT_SCHEDULED, "s", data), 0);
	assert_int_equal(ferry_notify_send(f->u->ctx, "p", "complete", "s", data), 0);
	assert_int_equal(ferry_notify_send(f->u->ctx, "p", FERRY_EVENT_COMPLETED, "env.apply on sbx done", data), 0);
	body = delivered(f->dir[0], 1, "json");
	assert_non_null(body);
	got = json_loads(body, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(got);
	assert_string_equal(json_string_value(json_object_get(got, "event")), "completed");
	assert_string_equal(json_string_value(json_object_get(got, "project")), "p");
	assert_string_equal(json_string_value(json_object_get(got, "subject")), "env.apply on sbx done");
	assert_true(json_equal(json_object_get(got, "data"), data));
	assert_int_equal(strlen(json_string_value(json_object_get(got, "at"))), 20);   /* ISO UTC */
	assert_null(delivered(f->dir[0], 2, "json") ? "more" : NULL);   /* exactly one delivery */
	json_decref(got);
	free(body);
	assert_int_equal(ferry_notify_log(f->u->ctx, "p", &log, &f->u->err), 0);
	assert_int_equal(json_array_size(log), 1);
	json_decref(log);
	json_decref(data);
}

static void test_failure_logged(void **state)
{
	struct nfx *f = *state;
	char url[128];
	json_t *log, *e;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", f->port[2]);
	add(f, "webhook", url, NULL, NULL);
	add(f, "webhook", "http://127.0.0.1:1/closed", NULL, "*");
	assert_int_equal(ferry_notify_send(f->u->ctx, "p", FERRY_EVENT_FAILED, "it failed", NULL), 2);
	assert_int_equal(ferry_notify_log(f->u->ctx, "p", &log, &f->u->err), 0);
	assert_int_equal(json_array_size(log), 2);
	e = json_array_get(log, 1);   /* newest first: the 500 was delivered first */
	{
		char *t = json_dumps(e, 0);
		assert_non_null(strstr(t, "HTTP status 500"));
		free(t);
	}
	json_decref(log);
}

static void test_mail(void **state)
{
	struct nfx *f = *state;
	char smtp[128];
	json_t *data = json_pack("{s:s}", "reason", "disk full");
	char *mail;

	snprintf(smtp, sizeof(smtp), "smtp://127.0.0.1:%d", f->port[1]);
	add(f, "email", "ops@example.com", smtp, "awaiting-signoff");
	assert_int_equal(ferry_notify_send(f->u->ctx, "p", FERRY_EVENT_SIGNOFF,
					   "sbx waits for sign-off\r\nBcc: victim@example.com\nX-Evil: 1", data), 0);
	mail = delivered(f->dir[1], 1, "eml");
	assert_non_null(mail);
	assert_non_null(strstr(mail, "To: <ops@example.com>\r\n"));
	assert_non_null(strstr(mail, "X-Ferry-Event: awaiting-signoff\r\n"));
	assert_non_null(strstr(mail, "Subject: [ferry] sbx waits for sign-off"));
	assert_non_null(strstr(mail, "\"reason\": \"disk full\""));
	/* the subject stays one header line: nothing it holds becomes a header */
	assert_null(strstr(mail, "\nBcc:"));
	assert_null(strstr(mail, "\nX-Evil:"));
	free(mail);
	json_decref(data);
}

static void test_target_refusals(void **state)
{
	struct nfx *f = *state;
	struct ferry_notify_target bad[] = {
		{ "pager", "x", NULL, NULL },
		{ "email", "no-at-sign", "smtp://h", NULL },
		{ "email", "a@b\r\nBcc: c@d", "smtp://h", NULL },
		{ "email", "a@b", NULL, NULL },
		{ "email", "a@b", "http://h", NULL },
		{ "webhook", "ftp://h/x", NULL, NULL },
		{ "webhook", "http://h", NULL, "failed,exploded" },
		{ "webhook", "http://h", NULL, "failed,,completed" },
		{ "webhook", "", NULL, NULL },
	};
	json_t *list;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ferry_notify_add(f->u->ctx, "p", &bad[i], NULL, &f->u->err) != FERRY_EINVAL)
			fail_msg("target %zu (%s %s) was accepted", i, bad[i].kind, bad[i].target);
	assert_int_equal(ferry_notify_list(f->u->ctx, "p", &list, &f->u->err), 0);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_webhook, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_logged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_target_refusals, setup, teardown),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
