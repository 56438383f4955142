/* SPDX-License-Identifier: MIT */
/* host_int.h: what the host files of lib/runtime share (not libferry's API). Lowest
 * first; a file calls only those above it here:
 *   host_rec.c      the host records, placements of environments, routes (the store)
 *   host_wire.c     the frames ferry and its agent exchange, errors across them
 *   host_ship.c     directories as a package stream (tar, manifest with every file's
 *                   SHA-256) and their intake on the other side
 *   host_ssh_cmd.c  the OpenSSH client: options, the pinned key, the process, failures
 *   host_ssh.c      sessions: the OpenSSH client running `ferry host-agent` on a host
 *   host_agent*.c   the agent: the local driver's code on the host, per request
 *   driver_ssh*.c   the SSH runtime driver (driver.h) over a session
 *   host.c          `ferry host add|list|show|check|rm|install`, env placement
 * docs/RUNTIME.md ("The SSH driver") describes the protocol. */
#ifndef FERRY_LIB_RUNTIME_HOST_INT_H
#define FERRY_LIB_RUNTIME_HOST_INT_H

#include <jansson.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ferry_buf;
struct ferry_ctx;
struct ferry_error;
struct ferry_intake_limits;

#define HOST_NAME_MAX_LEN 31
#define HOST_DIR_MAX_LEN 200
#define HOST_PROTO 1

/* ---- host_rec.c ---- */

struct host_rec {
	int64_t id;
	char name[32];
	char user[64];
	char address[128];      /* a name or an IP address (IPv6 without brackets) */
	int port;
	char identity[1024];    /* "" : ssh's default keys */
	char dir[HOST_DIR_MAX_LEN + 1];
	char *host_key;         /* the pinned known_hosts lines (owned; "" before add) */
	int64_t created_ms;
};

void host_rec_release(struct host_rec *h);
/* The record of host `name`; FERRY_ENOTFOUND naming 'ferry host list'. */
int host_rec_get(struct ferry_ctx *ctx, const char *name, struct host_rec *out,
		 struct ferry_error *err);
/* Checks of what `host add` is given. */
int host_name_check(const char *name, struct ferry_error *err);
int host_ssh_parse(const char *ssh, struct host_rec *h, struct ferry_error *err);
int host_dir_check(const char *dir, struct ferry_error *err);
/* The host chosen for env's runtimes (host_envs), "local" when none. */
int host_rec_env_host(struct ferry_ctx *ctx, int64_t env_id, char out[32]);
/* The environment's address is routed to runtime slot (NULL: its main runtime, the
 * default) with url; inside the caller's transaction or alone. */
int host_rec_route_set(struct ferry_ctx *ctx, int64_t env_id, const char *slot,
		       const char *url, struct ferry_error *err);
/* The slot and url a route names: 1 (and out), 0 none. */
int host_rec_route_get(struct ferry_ctx *ctx, int64_t env_id, char slot[32], char url[128]);

/* ---- host_wire.c: frames (type byte, 4-byte big-endian length, payload) ---- */

#define WIRE_JSON 'J'   /* a request or an answer: one JSON object */
#define WIRE_DATA 'D'   /* a chunk of a byte stream */
#define WIRE_END 'E'    /* the stream sent to the agent is complete */
#define WIRE_ABORT 'A'  /* the stream sent to the agent failed: discard it */
#define WIRE_MAX (16u << 20)
#define WIRE_CHUNK (256u << 10)
#define WIRE_MAGIC "\nFERRY-AGENT-1\n"

int wire_write(int fd, char type, const void *data, size_t len);
int wire_write_json(int fd, const json_t *o);
/* Next frame: 1 with *type and payload (reset first), 0 at EOF, -1 on a broken frame
 * or read error (errno). */
int wire_read(int fd, char *type, struct ferry_buf *payload);
/* {"error": {"code": NAME, "message": MSG}} of an error, and back. */
json_t *wire_error_json(const struct ferry_error *err);
int wire_error_from(const json_t *ans, struct ferry_error *err);

/* A byte stream read piecewise: *got 0 at its end; negative: failed (err). */
struct host_src {
	int (*read)(void *arg, void *buf, size_t cap, size_t *got, struct ferry_error *err);
	void *arg;
};
/* Where bytes go. */
struct host_sink {
	int (*write)(void *arg, const void *buf, size_t len, struct ferry_error *err);
	void *arg;
};

/* ---- host_ship.c ---- */

/* Write directory dir as a package stream to sink: a tar whose manifest.json is dir's
 * own plus a payload listing every file (size, mode, SHA-256), the original
 * manifest.json kept as .ferry-ship/manifest.json. Only directories and regular
 * files (a release tree holds nothing else). */
int host_ship_write(const char *dir, const struct host_sink *sink, struct ferry_error *err);
/* Read such a stream from src into file tmp, then intake it into dest (must not
 * exist) with the limits: every entry checked and hashed, extracted atomically, the
 * original manifest.json put back. tmp is removed. */
int host_ship_receive(const struct host_src *src, const char *tmp, const char *dest,
		      const struct ferry_intake_limits *limits, struct ferry_error *err);
/* A sink writing to a file descriptor; a source reading one. */
int host_fd_write(void *fdp, const void *buf, size_t len, struct ferry_error *err);
int host_fd_read(void *fdp, void *buf, size_t cap, size_t *got, struct ferry_error *err);

/* ---- host_ssh_cmd.c: the ssh process ---- */

#define MAX_ARGS 72

struct sshcmd {
	char *argv[MAX_ARGS];
	char opts[8][PATH_MAX + 64];
	char port[16], alias[64], user[80];
	int n;
};

/* The ssh command line for host h running remote (a fixed string); accept_new: take
 * the key the host shows (host add). */
int ssh_build(struct ferry_ctx *ctx, const struct host_rec *h, int accept_new,
	      const char *remote, struct sshcmd *c, struct ferry_error *err);
/* An unlinked file for ssh's stderr; -1 and err. */
int ssh_err_file(struct ferry_ctx *ctx, struct ferry_error *err);
/* Start c with stdin and stdout on sock, stderr on errfd. */
int ssh_spawn(struct sshcmd *c, int sock, int errfd, pid_t *out, struct ferry_error *err);
/* Wait for it up to ms, then kill it; its exit status (-1: killed or signalled). */
int ssh_reap(pid_t pid, long ms);
/* The end of what ssh (or the remote shell) wrote on stderr, on one line. */
void ssh_err_text(int fd, char *out, size_t cap);
/* What a failed connection means, in words an operator can act on. */
int ssh_conn_error(const char *who, const char *host, const char *text, int status,
		   struct ferry_error *err);

/* The known_hosts lines ssh pinned for this host (after an accept_new open). */
int hsess_pinned(struct ferry_ctx *ctx, const char *host, char **out, struct ferry_error *err);
/* Run a fixed shell script on the host (no user text in it: arguments arrive as the
 * lines of stdin, the script `read`s them) with input then in; output into out. For
 * the bootstrap (installing the agent, checking tools). */
int hsess_script(struct ferry_ctx *ctx, const struct host_rec *h, int accept_new,
		 const char *script, const char *lines, const char *in_file, struct ferry_buf *out,
		 struct ferry_error *err);
/* The ferry binary installed on hosts (this one; ferryd's sibling `ferry`). */
int host_self_exe(char *out, size_t cap);

/* ---- host_ssh.c: sessions ---- */

struct hsess;

/* Connect to the host's agent (ssh, ControlMaster connection reuse, the pinned key,
 * key-only authentication) and say hello. accept_new: pin the key the host shows
 * when none is pinned yet (host add). Errors name the host and say what to do. */
int hsess_open(struct ferry_ctx *ctx, const struct host_rec *h, int accept_new,
	       struct hsess **out, struct ferry_error *err);
void hsess_close(struct hsess *s);
/* The host's name, and what its agent said at hello. */
const char *hsess_host(const struct hsess *s);
const json_t *hsess_hello(const struct hsess *s);
/* One request (req stolen): in (may be NULL) is sent as the request's stream, data
 * the agent answers with goes to out (may be NULL: discarded); 0 and *ans (may be
 * NULL), or the agent's error, or the session's (the host is gone). */
int hsess_call(struct hsess *s, json_t *req, const struct host_src *in,
	       const struct host_sink *out, json_t **ans, struct ferry_error *err);
/* The same with the request's stream pushed by produce (into the sink it is given). */
typedef int (*host_produce_fn)(void *arg, const struct host_sink *sink, struct ferry_error *err);
int hsess_call_push(struct hsess *s, json_t *req, host_produce_fn produce, void *arg,
		    const struct host_sink *out, json_t **ans, struct ferry_error *err);
/* The same pieces for streams between two sessions: send req; then read what the
 * agent answers: data chunks through *src-style reads until its answer. */
int hsess_send(struct hsess *s, json_t *req, struct ferry_error *err);
/* A source over the data of the answer being read on s; its end is the answer: ok,
 * or the agent's error as the read's error. */
void hsess_answer_src(struct hsess *s, struct host_src *src);

#endif
