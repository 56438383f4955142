/* SPDX-License-Identifier: MIT */
/* service_update.c: $.service_updates of a catalog (see service_update.h): the list of
 * service updates and the cadence's rules, read and checked from the catalog's JSON. */
#include "ferry/catalog/service_update.h"

#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/catalog/catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* "YYYY-MM-DD" as ms since the epoch (00:00 UTC); -1 when malformed. */
static int64_t day_ms(const char *s)
{
	struct tm tm;
	char *end;

	memset(&tm, 0, sizeof(tm));
	if (!s || !(end = strptime(s, "%Y-%m-%d", &tm)) || *end)
		return -1;
	return (int64_t)timegm(&tm) * 1000;
}

static int year_of(int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	return tm.tm_year + 1900;
}

static int int_member(const json_t *o, const char *key, int dflt, int lo, int hi, int *out)
{
	json_t *v = json_object_get(o, key);

	if (!v) {
		*out = dflt;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return -1;
	*out = (int)json_integer_value(v);
	return 0;
}

static int cadence_read(const struct ferry_catalog *cat, const json_t *su,
			struct ferry_service_cadence *c, struct ferry_error *err)
{
	const json_t *r = json_object_get(su, "cadence");

	c->source = json_string_value(json_object_get(su, "source"));
	if (int_member(r, "per_year", 4, 1, 12, &c->per_year) ||
	    int_member(r, "sandbox_lead_days", 7, 0, 60, &c->sandbox_lead_days) ||
	    int_member(r, "notify_days", 5, 0, 60, &c->notify_days) ||
	    int_member(r, "max_consecutive_pauses", 1, 0, 12, &c->max_consecutive_pauses))
		return ferry_error_set(err, FERRY_EINVAL, "%s: $.service_updates.cadence: per_year "
				       "1-12, sandbox_lead_days and notify_days 0-60, "
				       "max_consecutive_pauses 0-12", cat->path ? cat->path : "catalog");
	return 0;
}

/* One entry, the number-th: checked against the rules of the list. */
static int entry_read(const struct ferry_catalog *cat, const json_t *e, size_t i,
		      struct ferry_service_update *u, struct ferry_error *err)
{
	const char *v = json_string_value(json_object_get(e, "version"));
	const char *pu = json_string_value(json_object_get(e, "platform"));
	char want[32], wpu[32];

	snprintf(want, sizeof(want), "10.0.%zu", i);
	snprintf(wpu, sizeof(wpu), "PU%zu", i + 24);
	if (!v || strcmp(v, want))
		return ferry_error_set(err, FERRY_EINVAL, "%s: $.service_updates.updates[%zu].version: "
				       "is '%s', expected '%s' (versions 10.0.x in a row from 10.0.0)",
				       cat->path ? cat->path : "catalog", i, v ? v : "", want);
	if (!pu || strcmp(pu, wpu))
		return ferry_error_set(err, FERRY_EINVAL, "%s: $.service_updates.updates[%zu].platform: "
				       "is '%s', expected '%s' (10.0.x is platform update x + 24)",
				       cat->path ? cat->path : "catalog", i, pu ? pu : "", wpu);
	snprintf(u->version, sizeof(u->version), "%s", v);
	snprintf(u->platform, sizeof(u->platform), "%s", pu);
	u->number = (int)i;
	u->ga_ms = day_ms(json_string_value(json_object_get(e, "ga")));
	u->end_ms = day_ms(json_string_value(json_object_get(e, "end_of_service")));
	if (u->ga_ms < 0 || u->end_ms <= u->ga_ms)
		return ferry_error_set(err, FERRY_EINVAL, "%s: $.service_updates.updates[%zu]: 'ga' and "
				       "'end_of_service' are dates YYYY-MM-DD, the end after the GA",
				       cat->path ? cat->path : "catalog", i);
	return 0;
}

int ferry_service_updates(const struct ferry_catalog *cat, struct ferry_service_update **out,
			  size_t *n, struct ferry_service_cadence *cadence, struct ferry_error *err)
{
	const json_t *su = json_object_get(cat->json, "service_updates");
	const json_t *list = json_object_get(su, "updates"), *e;
	struct ferry_service_update *u;
	size_t i;
	int rc, in_year = 0;

	*out = NULL;
	*n = 0;
	if ((rc = cadence_read(cat, su, cadence, err)))
		return rc;
	if (!json_array_size(list))
		return 0;
	if (!(u = calloc(json_array_size(list), sizeof(*u))))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	json_array_foreach(list, i, e) {
		if ((rc = entry_read(cat, e, i, &u[i], err)))
			goto fail;
		if (i && u[i].ga_ms <= u[i - 1].ga_ms) {
			rc = ferry_error_set(err, FERRY_EINVAL, "%s: $.service_updates.updates[%zu].ga: "
					     "not after the GA of %s", cat->path ? cat->path : "catalog",
					     i, u[i - 1].version);
			goto fail;
		}
		in_year = i && year_of(u[i].ga_ms) == year_of(u[i - 1].ga_ms) ? in_year + 1 : 1;
		if (in_year > cadence->per_year) {
			rc = ferry_error_set(err, FERRY_EINVAL, "%s: $.service_updates.updates[%zu]: "
					     "more than %d service updates in %d (the cadence's per_year)",
					     cat->path ? cat->path : "catalog", i, cadence->per_year,
					     year_of(u[i].ga_ms));
			goto fail;
		}
	}
	*out = u;
	*n = json_array_size(list);
	return 0;
fail:
	free(u);
	return rc;
}

json_t *ferry_service_update_to_json(const struct ferry_service_update *u)
{
	char ga[32], end[32];

	ferry_time_iso(u->ga_ms, ga);
	ferry_time_iso(u->end_ms, end);
	ga[10] = end[10] = '\0'; /* dates */
	return json_pack("{s:s, s:s, s:s, s:s}", "version", u->version, "platform", u->platform,
			 "ga", ga, "end_of_service", end);
}
