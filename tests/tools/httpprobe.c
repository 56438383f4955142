/* SPDX-License-Identifier: MIT */
/* httpprobe.c: a client for tests that keeps asking a service and records every answer:
 * GET URL every INTERVAL ms (default 20) until SIGTERM, one line per request appended to
 * FILE: "<epoch ms when it ended> <HTTP status, 0 when no answer>". Usage:
 * httpprobe URL FILE [INTERVAL_MS]. */
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static size_t discard(char *p, size_t size, size_t n, void *data)
{
	(void)p;
	(void)data;
	return size * n;
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
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	while (!stop) {
		long status = 0;
		if (curl_easy_perform(c) == CURLE_OK)
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		fprintf(out, "%lld %ld\n", now_ms(), status);
		fflush(out);
		nanosleep(&pause, NULL);
	}
	curl_easy_cleanup(c);
	curl_global_cleanup();
	fclose(out);
	return 0;
}
