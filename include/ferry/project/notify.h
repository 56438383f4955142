/* SPDX-License-Identifier: MIT */
/* notify.h: per-project notifications by email (SMTP via libcurl) and webhook (JSON POST).
 * Sending never fails the caller's operation: failures are recorded in the notify log. */
#ifndef FERRY_NOTIFY_H
#define FERRY_NOTIFY_H

#include <jansson.h>
#include <stdint.h>

struct ferry_ctx;
struct ferry_error;

/* Events operations raise. A target subscribes to a comma list of them, or "*". */
#define FERRY_EVENT_FAILED "failed"
#define FERRY_EVENT_COMPLETED "completed"
#define FERRY_EVENT_SIGNOFF "awaiting-signoff"
#define FERRY_EVENT_SCHEDULED "scheduled"
#define FERRY_EVENT_AUTO_ROLLBACK "auto-rollback"  /* an upgrade rolled back on its own */

struct ferry_notify_target {
	const char *kind;     /* "email" or "webhook" */
	const char *target;   /* mail address, or the webhook URL */
	const char *smtp_url; /* email only: smtp://host:port */
	const char *events;   /* NULL or "*": every event */
};

/* Add a target to a project (one transaction); returns its id through *id (may be NULL). */
int ferry_notify_add(struct ferry_ctx *ctx, const char *project,
		     const struct ferry_notify_target *t, int64_t *id, struct ferry_error *err);
int ferry_notify_rm(struct ferry_ctx *ctx, const char *project, int64_t id,
		    struct ferry_error *err);
int ferry_notify_list(struct ferry_ctx *ctx, const char *project, json_t **out,
		      struct ferry_error *err);
/* The last deliveries (newest first), with their results. */
int ferry_notify_log(struct ferry_ctx *ctx, const char *project, json_t **out,
		     struct ferry_error *err);

/* Send `event` to every subscribed target of the project. `subject` is one line;
 * `data` (borrowed, may be NULL) is the JSON body of webhooks and the detail of mails.
 * Returns how many deliveries failed (each one logged); never a negative code. */
int ferry_notify_send(struct ferry_ctx *ctx, const char *project, const char *event,
		      const char *subject, const json_t *data);

/* This component's tables (notification channels and outbox), migrated on open (lib/registry/registry.c). */
struct ferry_migrations;
extern const struct ferry_migrations ferry_schema_notify;

#endif
