/* SPDX-License-Identifier: MIT */
/* httpprobe.c: a client for tests that keeps asking a service and records every answer:
 * GET URL every INTERVAL ms (default 20) until SIGTERM, one line per request appended to
 * FILE: "<epoch ms when it ended> <HTTP status, 0 when no answer>". The answer to a request
 * that failed (not 200) goes to FILE.failed: that line, curl's error, the first 8 KiB of
 * the body (an application's error page says why). Usage: httpprobe URL FILE [INTERVAL_MS]. */
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

#define BODY_MAX 8192

struct body {
	char text[BODY_MAX];
	size_t len;
};

/* keeps the first BODY_MAX bytes of the body, takes all */
static size_t keep(char *p, size_t size, size_t n, void *data)
{
	struct body *b = data;
	size_t take = size * n < BODY_MAX - b->len ? size * n : BODY_MAX - b->len;

	memcpy(b->text + b->len, p, take);
	b->len += take;
	return size * n;
}

static void record_failure(const char *file, long long ms, long status, const char *cerr,
			   const struct body *b)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s.failed", file);
	if (!(f = fopen(path, "a")))
		return;
	fprintf(f, "==== %lld %ld %s\n", ms, status, cerr);
	fwrite(b->text, 1, b->len, f);
	fputs("\n", f);
	fclose(f);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	struct timespec pause = { 0, 20 * 1000000L };
	CURL *c;
	FILE *out;

	if (argc < 3) {
		fprintf(stderr, "usage: httpprobe URL FILE [INTERVAL_MS]\n");
		return 2;
	}
	if (argc > 3)
		pause.tv_nsec = strtol(argv[3], NULL, 10) % 1000 * 1000000L;
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	if (!(out = fopen(argv[2], "a")) || curl_global_init(CURL_GLOBAL_DEFAULT) || !(c = curl_easy_init())) {
		perror(argv[2]);
		return 1;
	}
	curl_easy_setopt(c, CURLOPT_URL, argv[1]);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 3000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep);
	while (!stop) {
		struct body b = { .len = 0 };
		long status = 0;
		long long ms;
		CURLcode rc;

		curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
		if ((rc = curl_easy_perform(c)) == CURLE_OK)
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		ms = now_ms();
		fprintf(out, "%lld %ld\n", ms, status);
		fflush(out);
		if (status != 200)
			record_failure(argv[2], ms, status, curl_easy_strerror(rc), &b);
		nanosleep(&pause, NULL);
	}
	curl_easy_cleanup(c);
	curl_global_cleanup();
	fclose(out);
	return 0;
}
