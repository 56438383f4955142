/* SPDX-License-Identifier: MIT */
/* httpsink.c: a real HTTP listener for tests: stores each request body to DIR/<n>.json
 * and answers STATUS (default 200). Usage: httpsink DIR PORTFILE [STATUS]. */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct req {
	char *body;
	size_t len;
};

static const char *dir;
static unsigned status = 200;
static int count;

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *data,
			      size_t *size, void **con_cls)
{
	struct req *r = *con_cls;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char path[4096];
	FILE *f;

	(void)cls; (void)url; (void)version;
	if (!r) {
		r = calloc(1, sizeof(*r));
		*con_cls = r;
		return r ? MHD_YES : MHD_NO;
	}
	if (*size) {
		char *n = realloc(r->body, r->len + *size + 1);
		if (!n)
			return MHD_NO;
		r->body = n;
		memcpy(r->body + r->len, data, *size);
		r->len += *size;
		*size = 0;
		return MHD_YES;
	}
	snprintf(path, sizeof(path), "%s/%d.json", dir, ++count);
	if ((f = fopen(path, "w"))) {
		if (r->len)
			fwrite(r->body, 1, r->len, f);
		fclose(f);
	}
	(void)method;
	resp = MHD_create_response_from_buffer(2, (void *)"{}", MHD_RESPMEM_PERSISTENT);
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void done(void *cls, struct MHD_Connection *c, void **con_cls,
		 enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;

	(void)cls; (void)c; (void)toe;
	if (r) {
		free(r->body);
		free(r);
	}
	*con_cls = NULL;
}

int main(int argc, char **argv)
{
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	FILE *pf;

	if (argc < 3) {
		fprintf(stderr, "usage: httpsink DIR PORTFILE [STATUS]\n");
		return 2;
	}
	dir = argv[1];
	if (argc > 3)
		status = (unsigned)strtoul(argv[3], NULL, 10);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, handle, NULL,
			     MHD_OPTION_NOTIFY_COMPLETED, done, NULL, MHD_OPTION_END);
	if (!d)
		return 1;
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	pf = fopen(argv[2], "w");
	if (!pf || !info)
		return 1;
	fprintf(pf, "%u\n", info->port);
	fclose(pf);
	for (;;)
		pause();
}
