/* SPDX-License-Identifier: MIT */
/* support.h: what an operator hands to support when something is wrong: a support
 * bundle of an environment (`ferry support bundle ENV`), and an outage report (`ferry env
 * report-outage ENV --message ...`, the seed's "Report production outage"): an incident
 * recorded with its bundle, the project's channels notified with the bundle's reference. */
#ifndef FERRY_SUPPORT_H
#define FERRY_SUPPORT_H

#include <jansson.h>
#include <stdint.h>

struct ferry_ctx;
struct ferry_error;

struct ferry_support_opts {
	const char *out;          /* the bundle file (NULL: <home>/support/<env>-<time>.tar.zst) */
	const char *daemon_log;   /* a ferryd log file to excerpt (NULL: none) */
	int audit_rows;           /* recent audit rows (0: 200) */
	int ops;                  /* recent operations with their step logs (0: 20) */
};

/* Write a tar.zst (libarchive) of environment `env`: manifest.json (what is inside, ferry's
 * version, when), environment.json (env show, runtimes), config/<slot>.json (config.json of
 * each runtime, secrets scrubbed), operations.json and logs/<activity>.log (journals and
 * step logs), audit.json, catalog.json (the project's catalog file), app.log (the
 * application's log tail) and ferryd.log (an excerpt, when opts->daemon_log is given).
 * Passwords, secrets, tokens and keys in any JSON member, and passwords in URLs, are
 * replaced by "***". *summary (may be NULL): {path, sha256, bytes, files: [...]}. */
int ferry_support_bundle(struct ferry_ctx *ctx, const char *env, const struct ferry_support_opts *opts,
			 json_t **summary, struct ferry_error *err);

/* Record an outage of `env` with the reporter's message (1-2000 characters), write its
 * support bundle under <home>/support/, and notify the project (event "failed") with the
 * incident's id and the bundle's reference (path and SHA-256). *out: the incident. */
int ferry_incident_report(struct ferry_ctx *ctx, const char *env, const char *message,
			  const struct ferry_support_opts *opts, json_t **out, struct ferry_error *err);
/* Incidents, newest first; env NULL: every environment of project (NULL: all). */
int ferry_incident_list(struct ferry_ctx *ctx, const char *project, const char *env, json_t **out,
			struct ferry_error *err);

/* Replace secrets in a JSON value in place (members named like password, secret, token,
 * key, credential; passwords in URLs). Exposed for tests. */
void ferry_support_scrub(json_t *v);

/* This component's table (incidents), migrated on open. */
struct ferry_migrations;
extern const struct ferry_migrations ferry_schema_support;

#endif
