/* SPDX-License-Identifier: MIT */
/* httpfixture.c: a tiny application for runtime tests: `httpfixture serve --config
 * FILE` reads ferry's config.json and serves /health, /version, /write (one row
 * into its database) and /count on 127.0.0.1:<port>. Switches in config.json
 * "fixture": {"ignore_term": true, "never_ready": true, "exit_at_start": 3}. */
#include <jansson.h>
#include <microhttpd.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct app {
	sqlite3 *db;
	int never_ready;
	char version[64];
};

static int reply(struct MHD_Connection *c, unsigned status, const char *body)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body,
								 MHD_RESPMEM_MUST_COPY);
	int rc = MHD_queue_response(c, status, r);

	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *data,
			      size_t *size, void **state)
{
	struct app *a = cls;
	char buf[128];

	(void)method; (void)version; (void)data; (void)size; (void)state;
	if (!strcmp(url, "/health"))
		return reply(c, a->never_ready ? 503 : 200, a->never_ready ? "starting\n" : "ok\n");
	if (!strcmp(url, "/version"))
		return reply(c, 200, a->version);
	if (!strcmp(url, "/write")) {
		if (sqlite3_exec(a->db, "INSERT INTO events(v) VALUES(hex(randomblob(16)))",
				 NULL, NULL, NULL) != SQLITE_OK)
			return reply(c, 500, sqlite3_errmsg(a->db));
		return reply(c, 200, "written\n");
	}
	if (!strcmp(url, "/count")) {
		sqlite3_stmt *st;
		long long n = -1;
		if (sqlite3_prepare_v2(a->db, "SELECT count(*) FROM events", -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		snprintf(buf, sizeof(buf), "%lld\n", n);
		return reply(c, 200, buf);
	}
	return reply(c, 404, "not found\n");
}

static void read_version(struct app *a)
{
	FILE *f = fopen("VERSION", "r");

	snprintf(a->version, sizeof(a->version), "0\n");
	if (f) {
		if (!fgets(a->version, sizeof(a->version), f))
			snprintf(a->version, sizeof(a->version), "0\n");
		fclose(f);
	}
}

int main(int argc, char **argv)
{
	struct app a = { 0 };
	struct MHD_Daemon *d;
	json_t *cfg, *fx;
	sigset_t set;
	int sig, port;

	if (argc != 4 || strcmp(argv[1], "serve") || strcmp(argv[2], "--config")) {
		fprintf(stderr, "usage: httpfixture serve --config FILE\n");
		return 2;
	}
	if (!(cfg = json_load_file(argv[3], 0, NULL))) {
		fprintf(stderr, "httpfixture: cannot read %s\n", argv[3]);
		return 1;
	}
	fx = json_object_get(cfg, "fixture");
	port = (int)json_integer_value(json_object_get(cfg, "port"));
	a.never_ready = json_is_true(json_object_get(fx, "never_ready"));
	if (json_integer_value(json_object_get(fx, "exit_at_start"))) {
		fprintf(stderr, "httpfixture: exiting at start as configured\n");
		json_decref(cfg);
		return 3;
	}
	read_version(&a);
	if (sqlite3_open(json_string_value(json_object_get(cfg, "database")), &a.db) != SQLITE_OK ||
	    sqlite3_exec(a.db, "PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS events("
			 "id INTEGER PRIMARY KEY, v TEXT NOT NULL)", NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "httpfixture: database: %s\n", sqlite3_errmsg(a.db));
		return 1;
	}
	sqlite3_busy_timeout(a.db, 5000);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	if (json_is_true(json_object_get(fx, "ignore_term")))
		signal(SIGTERM, SIG_IGN);
	else
		sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, (uint16_t)port, NULL, NULL,
			     handle, &a, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "httpfixture: cannot listen on port %d\n", port);
		return 1;
	}
	printf("httpfixture: serving %s on port %d (pid %ld)\n", a.version, port, (long)getpid());
	fflush(stdout);
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	sqlite3_close(a.db);
	json_decref(cfg);
	printf("httpfixture: stopped by signal %d\n", sig);
	return 0;
}
