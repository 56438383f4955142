/* SPDX-License-Identifier: MIT */
/* server.c: `ledger serve`: the HTTP service (libmicrohttpd, one polling thread, one database
 * connection), stopped cleanly by SIGTERM or SIGINT. */
#include "app.h"

#include <arpa/inet.h>
#include <libgen.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BODY (1024 * 1024)

struct conn {
	FILE *mem;
	char *data;
	size_t len;
	int too_big;
};

static enum MHD_Result reply(struct MHD_Connection *c, int status, json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT);
	size_t len = text ? strlen(text) : 0;
	struct MHD_Response *r = MHD_create_response_from_buffer(len, text ? text : (char *)"",
		text ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	MHD_add_response_header(r, "Content-Type", "application/json");
	ret = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_error(struct MHD_Connection *c, int status, const char *msg)
{
	json_t *body = json_pack("{s:s}", "error", msg);
	enum MHD_Result ret = reply(c, status, body);

	json_decref(body);
	return ret;
}

static long long query_num(struct MHD_Connection *c, const char *key, long long dflt, long long max)
{
	const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);
	long long n;
	return v && !ledger_parse_long(v, 0, max, &n) ? n : dflt;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct app *a = cls;
	struct conn *cn = *con_cls;
	struct api_req rq = { method, url, NULL, 100, 0 };
	json_t *out = NULL;
	json_error_t jerr;
	int status;

	if (!cn) { /* first call: headers only */
		cn = calloc(1, sizeof(*cn));
		if (!cn)
			return MHD_NO;
		cn->mem = open_memstream(&cn->data, &cn->len);
		*con_cls = cn;
		return MHD_YES;
	}
	if (*upload_size) {
		if (cn->len + *upload_size > MAX_BODY)
			cn->too_big = 1;
		else
			fwrite(upload, 1, *upload_size, cn->mem);
		*upload_size = 0;
		return MHD_YES;
	}
	fflush(cn->mem);
	if (cn->too_big)
		return reply_error(c, 413, "request body over 1 MiB");
	if (!strcmp(method, "POST")) {
		rq.body = json_loadb(cn->data ? cn->data : "", cn->len, 0, &jerr);
		if (!json_is_object(rq.body)) {
			json_decref(rq.body);
			return reply_error(c, 400, "the request body must be a JSON object");
		}
	}
	rq.limit = query_num(c, "limit", 100, 1000);
	rq.offset = query_num(c, "offset", 0, (1LL << 40));
	status = api_handle(a, &rq, &out);
	enum MHD_Result ret = reply(c, status, out);
	fprintf(stderr, "ledger: %s %s %d\n", method, url, status);
	json_decref(out);
	json_decref(rq.body);
	return ret;
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode tc)
{
	struct conn *cn = *con_cls;

	if (!cn)
		return;
	if (cn->mem)
		fclose(cn->mem);
	free(cn->data);
	free(cn);
	*con_cls = NULL;
}

/* Open the database; an empty one gets this release's schema. */
static int open_database(struct app *a, struct lerr *e)
{
	char *dir = strdup(a->cfg.database);
	int empty = 0;
	enum ledger_release have;

	if (dir && !ledger_db_is_url(dir))
		ledger_mkdir_p(dirname(dir));
	free(dir);
	a->db = ledger_db_open(a->cfg.database, 1, e);
	if (!a->db)
		return -1;
	have = ledger_schema_release(a->db, &empty);
	if (empty) {
		if (ledger_schema_create(a->db, a->release, e))
			return -1;
		fprintf(stderr, "ledger: created the release %s schema in %s\n",
			ledger_release_name(a->release), a->cfg.database);
	} else if (have != a->release) {
		fprintf(stderr, "ledger: warning: database is at release %s, application at %s: serving 503"
			" until the data is upgraded\n", ledger_release_name(have), ledger_release_name(a->release));
	}
	return 0;
}

static int serve(struct app *a)
{
	struct sockaddr_in addr;
	struct MHD_Daemon *d;
	sigset_t set;
	int sig = 0;

	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)a->cfg.port);
	addr.sin_addr.s_addr = htonl(a->cfg.listen_any ? INADDR_ANY : INADDR_LOOPBACK);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* the polling thread inherits the mask */
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, (uint16_t)a->cfg.port,
			     NULL, NULL, on_request, a,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
			     MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
			     MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "ledger: error: cannot listen on 127.0.0.1:%d (port in use?)\n", a->cfg.port);
		return 1;
	}
	a->started_ms = ledger_mono_ms();
	fprintf(stderr, "ledger: release %s serving http://127.0.0.1:%d/ (environment %s, database %s)\n",
		ledger_release_name(a->release), a->cfg.port,
		a->cfg.environment ? a->cfg.environment : "-", a->cfg.database);
	while (sig != SIGTERM && sig != SIGINT)
		if (sigwait(&set, &sig))
			break;
	MHD_stop_daemon(d);
	fprintf(stderr, "ledger: stopped (signal %d)\n", sig);
	return 0;
}

int ledger_serve(const char *config_path);

int ledger_serve(const char *config_path)
{
	struct app a;
	struct lerr e = { 0, "" };
	int rc = 1;

	memset(&a, 0, sizeof(a));
	if (ledger_config_load(&a.cfg, config_path, &e))
		goto out;
	if (a.cfg.port == 0) {
		lerr_set(&e, 400, "config '%s': \"port\" is required to serve", config_path);
		goto out;
	}
	a.release_dir = ledger_release_dir(&a.cfg);
	a.release = ledger_dir_release(a.release_dir, &e);
	if (a.release == REL_UNKNOWN || open_database(&a, &e))
		goto out;
	rc = serve(&a);
out:
	if (e.msg[0])
		fprintf(stderr, "ledger: error: %s\n", e.msg);
	ledger_db_close(a.db);
	free(a.release_dir);
	ledger_config_release(&a.cfg);
	return rc;
}
