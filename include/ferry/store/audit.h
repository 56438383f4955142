/* SPDX-License-Identifier: MIT */
/* audit.h: the audit log: every change, by whom, when, with what result and activity ID.
 * The CLI and ferryd both write it; `ferry audit` and GET /api/audit read it. */
#ifndef FERRY_AUDIT_H
#define FERRY_AUDIT_H

#include <jansson.h>
#include <stdint.h>

struct ferry_ctx;
struct ferry_error;

struct ferry_audit_entry {
	const char *actor;        /* "cli:alice", "token:ci-bot", "anonymous" */
	const char *action;       /* "project.create", "env.rm", "token.revoke", ... */
	const char *target;       /* the object acted on (may be NULL) */
	const char *project;      /* project the change belongs to (may be NULL) */
	int code;                 /* 0 = succeeded, else the enum ferry_code of the failure */
	const char *message;      /* failure message (NULL on success) */
	const char *activity_id;  /* the activity ID shown to the user (may be NULL) */
};

/* Append one entry in its own transaction. Call it after the change's own
 * transaction has committed or rolled back (never inside it), so a refusal is
 * recorded too. */
int ferry_audit_record(struct ferry_ctx *ctx, const struct ferry_audit_entry *e,
		       struct ferry_error *err);

struct ferry_audit_query {
	const char *project;      /* only this project's entries (NULL: all) */
	const char *actor;        /* only this actor (NULL: all) */
	int64_t since_ms;         /* only entries at or after (0: all) */
	int64_t before_id;        /* paging: only ids below (0: from the newest) */
	int limit;                /* 1..1000, 0 = 100 */
};

/* Entries, newest first, as JSON objects {id, at, actor, action, target, project,
 * result, code, message, activity_id}. Caller owns *out. */
int ferry_audit_list(struct ferry_ctx *ctx, const struct ferry_audit_query *q, json_t **out,
		     struct ferry_error *err);

/* This component's tables (the audit log), migrated on open (lib/registry/registry.c). */
struct ferry_migrations;
extern const struct ferry_migrations ferry_schema_audit;

#endif
