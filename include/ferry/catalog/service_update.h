/* SPDX-License-Identifier: MIT */
/* service_update.h: service updates as catalog data ($.service_updates of a catalog;
 * docs/UPDATES.md). After its last major release a product moves on a cadence of
 * service updates: versions 10.0.x, each with platform update x + 24 (10.0.0 = PU24),
 * a general-availability date and an end of service, a fixed number a year. The
 * catalog also carries the cadence's rules (sandbox lead, notice, pauses). */
#ifndef FERRY_SERVICE_UPDATE_H
#define FERRY_SERVICE_UPDATE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct ferry_catalog;
struct ferry_error;

struct ferry_service_update {
	char version[32];      /* "10.0.3" */
	int number;            /* 3 */
	char platform[32];     /* "PU27" */
	int64_t ga_ms;         /* general availability (00:00 UTC of its date) */
	int64_t end_ms;        /* end of service */
};

struct ferry_service_cadence {
	int per_year;               /* releases a year (4) */
	int sandbox_lead_days;      /* the sandbox is updated this long before production (7) */
	int notify_days;            /* notice before each update (5) */
	int max_consecutive_pauses; /* pauses in a row (1) */
	const char *source;         /* where the rules come from (points into the catalog) */
};

/* The catalog's service updates, in version order, and its cadence (validated: versions
 * 10.0.0, 10.0.1, ... in a row; platform PU(x+24); GA dates increasing, at most per_year
 * in a calendar year; end of service after GA). A catalog without $.service_updates has
 * none: *n = 0 and the default cadence. Caller frees *out. */
int ferry_service_updates(const struct ferry_catalog *cat, struct ferry_service_update **out,
			  size_t *n, struct ferry_service_cadence *cadence, struct ferry_error *err);

/* JSON view of one update {version, platform, ga, end_of_service}. */
json_t *ferry_service_update_to_json(const struct ferry_service_update *u);

#endif
