/* SPDX-License-Identifier: MIT */
/* runtime_probe.c: one HTTP health request (libcurl), the check every driver's
 * readiness wait and `status --probe` make. */
#include "runtime/runtime_int.h"
#include "ferry/package/manifest.h"

#include "ferry/project/curl_sym.h"
#include <stdio.h>

static size_t discard(char *p, size_t s, size_t n, void *u)
{
	(void)p;
	(void)u;
	return s * n;
}

int rt_http_ok(const char *url, long timeout_ms, char why[256])
{
	long code = 0;
	CURLcode c;
	CURL *h;
	struct ferry_error err;

	if (ferry_curl_load(&err)) {
		snprintf(why, 256, "%.255s", err.msg);
		return -1;
	}
	if (!(h = curl_easy_init())) {
		snprintf(why, 256, "cannot initialise libcurl");
		return -1;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	c = curl_easy_perform(h);
	if (c == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(h);
	if (c != CURLE_OK)
		snprintf(why, 256, "%s", curl_easy_strerror(c));
	else if (code != 200)
		snprintf(why, 256, "HTTP status %ld", code);
	return c == CURLE_OK && code == 200 ? 0 : -1;
}

void ferry_runtime_probe_warm(void)
{
	struct ferry_error err;

	(void)ferry_curl_load(&err);   /* an error is rt_http_ok()'s to tell */
}

long rt_health_timeout_ms(const json_t *man)
{
	json_int_t t = json_integer_value(json_object_get(json_object_get(man, "service"),
							  "health_timeout_ms"));
	return t > 0 ? (long)t : FERRY_HEALTH_TIMEOUT_MS;
}

void rt_health_url(const struct ferry_runtime *rt, const json_t *man, char out[512])
{
	const char *h = json_string_value(json_object_get(json_object_get(man, "service"), "health"));
	char url[FERRY_RUNTIME_URL_MAX];

	ferry_runtime_url(rt, url);
	snprintf(out, 512, "%s%s%s", url, h && *h == '/' ? "" : "/", h && *h ? h : "health");
}
