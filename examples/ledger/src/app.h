/* SPDX-License-Identifier: MIT */
/* app.h: the running service's state, shared by the HTTP server and the API handlers. */
#ifndef LEDGER_APP_H
#define LEDGER_APP_H

#include "ledger.h"

struct app {
	struct ledger_config cfg;
	char *release_dir;
	enum ledger_release release; /* this application release (release.json) */
	struct ldb *db;
	long long started_ms;        /* monotonic, when it began serving (fault unhealthy_after_s) */
};

struct api_req {
	const char *method;
	const char *path;   /* URL path, e.g. "/customers/3" */
	json_t *body;       /* parsed JSON body of POST, or NULL */
	long long limit, offset;
};

/* Handle one request; return the HTTP status and set *out (owned by the caller). */
int api_handle(struct app *a, const struct api_req *rq, json_t **out);

#endif
