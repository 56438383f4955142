/* SPDX-License-Identifier: MIT */
/* probe.c: an HTTP probe at a fixed request rate for the downtime benchmarks.
 * Usage: probe URL FILE [INTERVAL_MS]. Starts a GET every INTERVAL_MS (default 10) on a
 * fixed schedule (a slow answer does not shift the later ones; missed slots are skipped),
 * each with a 2 s timeout, and appends one line per request to FILE:
 * "<epoch ms when sent> <epoch ms when done> <HTTP status, 0 when no answer>". Runs until
 * SIGTERM or SIGINT. */
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
	long interval = 10, status;
	long long next, t0, t1;
	struct timespec ts;
	FILE *out;
	CURL *c;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: probe URL FILE [INTERVAL_MS]\n");
		return 2;
	}
	if (argc == 4 && (interval = strtol(argv[3], NULL, 10)) <= 0)
		interval = 10;
	if (!(out = fopen(argv[2], "a"))) {
		perror(argv[2]);
		return 1;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, argv[1]);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 2000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	next = now_ms();
	while (!stop) {
		t0 = now_ms();
		status = 0;
		if (curl_easy_perform(c) == CURLE_OK)
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		t1 = now_ms();
		fprintf(out, "%lld %lld %ld\n", t0, t1, status);
		fflush(out);
		next += interval;
		while (next <= t1)
			next += interval;
		ts.tv_sec = (next - t1) / 1000;
		ts.tv_nsec = (long)((next - t1) % 1000) * 1000000;
		nanosleep(&ts, NULL);
	}
	curl_easy_cleanup(c);
	curl_global_cleanup();
	fclose(out);
	return 0;
}
