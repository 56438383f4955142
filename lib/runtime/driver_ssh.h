/* SPDX-License-Identifier: MIT */
/* driver_ssh.h: what the files of the SSH driver share (driver_ssh*.c). The table is
 * rt_driver_ssh in driver_ssh.c; each entry is a request to the host's agent over
 * the runtime's session (host_ssh.c), opened on first use. Lowest first:
 *   driver_ssh_link.c   the link: host record and session, shared with database handles
 *   driver_ssh_db.c     databases on the host (envdb_int.h's remote operations)
 *   driver_ssh.c        the table and every other entry */
#ifndef FERRY_LIB_RUNTIME_DRIVER_SSH_H
#define FERRY_LIB_RUNTIME_DRIVER_SSH_H

#include "runtime/driver.h"
#include "runtime/host_int.h"

/* A runtime's way to its host, counted: the runtime holds one reference, each
 * database handle on the host another; the session closes with the last. */
struct ssh_link {
	int refs;
	struct ferry_ctx *ctx;
	struct host_rec h;
	struct hsess *s;            /* opened on first use */
	json_t *prepare;            /* a prepare request to send first, once it is open */
};

/* ---- driver_ssh_link.c ---- */
int ssh_link_new(struct ferry_ctx *ctx, const char *host, struct ssh_link **out,
		 struct ferry_error *err);
struct ssh_link *ssh_link_ref(struct ssh_link *l);
void ssh_link_unref(struct ssh_link *l);
/* The session, connected now if it is not yet. */
int ssh_link_session(struct ssh_link *l, struct hsess **out, struct ferry_error *err);
/* A request on the link's session (req stolen; see hsess_call). */
int ssh_link_call(struct ssh_link *l, json_t *req, const struct host_src *in,
		  const struct host_sink *out, json_t **ans, struct ferry_error *err);
/* A sink appending to a ferry_buf. */
int ssh_buf_write(void *buf, const void *data, size_t len, struct ferry_error *err);

/* ---- driver_ssh_db.c ---- */
/* A handle on database conn: a server URL is opened from ferry's machine, a file
 * is on the host (every operation runs there). */
int ssh_db_open(struct ssh_link *l, const char *conn, struct ferry_envdb **out,
		struct ferry_error *err);

extern const struct ferry_runtime_driver rt_driver_ssh;

#endif
