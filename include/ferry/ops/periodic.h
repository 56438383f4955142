/* SPDX-License-Identifier: MIT */
/* periodic.h: periodic jobs shared by every node of one store (ferryd's housekeeping,
 * the service-update scheduler). Each job has a name and a next due time in the store;
 * a node runs a job only after claiming it with one conditional UPDATE, so with several
 * ferryd on one PostgreSQL store exactly one node runs each period of each job. */
#ifndef FERRY_PERIODIC_H
#define FERRY_PERIODIC_H

#include <jansson.h>
#include <stdint.h>

struct ferry_ctx;
struct ferry_error;

/* Claim the job `name` when it is due at now_ms: 1 when this node claimed it (the next
 * due time moves to now_ms + period_ms and *run, may be NULL, gets the run's number,
 * counted from 1 across all nodes), 0 when it is not due or another node claimed it
 * first, or a negative ferry_code. `node` (may be NULL) is recorded as the claimant. */
int ferry_periodic_claim(struct ferry_ctx *ctx, const char *name, const char *node, int64_t now_ms,
			 int64_t period_ms, int64_t *run, struct ferry_error *err);

/* [{name, runs, node, last_run, next_due}] of every job; caller owns *out. */
int ferry_periodic_list(struct ferry_ctx *ctx, json_t **out, struct ferry_error *err);

/* This component's table, migrated on open (lib/registry/registry.c). */
struct ferry_migrations;
extern const struct ferry_migrations ferry_schema_periodic;

#endif
