/* SPDX-License-Identifier: MIT */
/* ctl_dvt.c: `ledgerctl dvt SERVICE_MODEL --config FILE`: deployment verification tests that
 * check the running service over HTTP (read-only, so they can run again on resume). */
#include "ctl.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dvt {
	int port;
	long timeout_s;  /* per request: --timeout S, default 15 */
	const char *model;
	struct lerr *e;
};

static size_t on_data(char *p, size_t size, size_t n, void *f)
{
	return fwrite(p, size, n, f);
}

/* GET path; return the parsed JSON body when the status is `want`, else NULL with e set. */
static json_t *get(struct dvt *d, const char *path, long want)
{
	char url[512], *body = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&body, &len);
	CURL *curl = curl_easy_init();
	json_t *j = NULL;
	long status = 0;
	CURLcode rc;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", d->port, path);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, mem);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, d->timeout_s);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	rc = curl_easy_perform(curl);
	fclose(mem);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);
	if (rc != CURLE_OK)
		lerr_set(d->e, 500, "GET %s: %s", url, curl_easy_strerror(rc));
	else if (status != want)
		lerr_set(d->e, 500, "GET %s: HTTP %ld (wanted %ld): %.200s", path, status, want, body ? body : "");
	else if (!(j = json_loadb(body ? body : "", len, 0, NULL)))
		lerr_set(d->e, 500, "GET %s: the answer is not JSON", path);
	free(body);
	return j;
}

static int first_id(struct dvt *d, const char *coll, long long *id)
{
	char path[128];
	json_t *list;

	snprintf(path, sizeof(path), "/%s?limit=5", coll);
	if (!(list = get(d, path, 200)))
		return -1;
	if (!json_is_array(list)) {
		json_decref(list);
		return lerr_set(d->e, 500, "GET %s: not a list", path);
	}
	*id = json_integer_value(json_object_get(json_array_get(list, 0), "id"));
	json_decref(list);
	return 0;
}

static int check_customers(struct dvt *d, const char *release)
{
	const char *field = !strcmp(release, "7.3") ? "name" : "first_name";
	char path[64];
	long long id = 0;
	json_t *c;

	if (first_id(d, "customers", &id) || id == 0)
		return id == 0 && !d->e->msg[0] ? 0 : -1;
	snprintf(path, sizeof(path), "/customers/%lld", id);
	if (!(c = get(d, path, 200)))
		return -1;
	if (!json_is_string(json_object_get(c, field)))
		lerr_set(d->e, 500, "GET %s: no \"%s\" in release %s", path, field, release);
	json_decref(c);
	return d->e->msg[0] ? -1 : 0;
}

static int check_postings(struct dvt *d)
{
	json_t *tb = get(d, "/trial-balance", 200), *p, *l;
	long long id = 0, sum = 0;
	char path[64];
	size_t i;

	if (!tb)
		return -1;
	if (json_integer_value(json_object_get(tb, "total_cents")) != 0)
		lerr_set(d->e, 500, "the trial balance does not balance: %lld cents",
			 (long long)json_integer_value(json_object_get(tb, "total_cents")));
	json_decref(tb);
	if (d->e->msg[0] || first_id(d, "postings", &id))
		return -1;
	if (id == 0)
		return 0;
	snprintf(path, sizeof(path), "/postings/%lld", id);
	if (!(p = get(d, path, 200)))
		return -1;
	json_array_foreach(json_object_get(p, "lines"), i, l)
		sum += json_integer_value(json_object_get(l, "amount_cents"));
	if (sum != 0 || i < 2)
		lerr_set(d->e, 500, "GET %s: %zu lines summing to %lld", path, i, sum);
	json_decref(p);
	return d->e->msg[0] ? -1 : 0;
}

/* Management reporter: every trial-balance account is in the chart of accounts, totals zero. */
static int check_reporting(struct dvt *d)
{
	json_t *tb = get(d, "/trial-balance", 200), *acc = tb ? get(d, "/accounts?limit=1000", 200) : NULL, *row;
	size_t i;

	if (tb && acc) {
		if (json_array_size(acc) != json_array_size(json_object_get(tb, "accounts")))
			lerr_set(d->e, 500, "report has %zu accounts, chart has %zu",
				 json_array_size(json_object_get(tb, "accounts")), json_array_size(acc));
		json_array_foreach(json_object_get(tb, "accounts"), i, row)
			if (!json_is_integer(json_object_get(row, "balance_cents")))
				lerr_set(d->e, 500, "account %zu has no balance", i);
		if (json_integer_value(json_object_get(tb, "total_cents")) != 0)
			lerr_set(d->e, 500, "financial report does not balance");
	}
	json_decref(tb);
	json_decref(acc);
	return d->e->msg[0] ? -1 : 0;
}

static int run_model(struct dvt *d, const char *release)
{
	json_t *j;

	if (!strcmp(d->model, "CustomerService"))
		return check_customers(d, release);
	if (!strcmp(d->model, "InvoiceService")) {
		long long id = 0;
		return first_id(d, "invoices", &id);
	}
	if (!strcmp(d->model, "LedgerPostingService"))
		return check_postings(d);
	if (!strcmp(d->model, "MRProcessService"))
		return check_reporting(d);
	if (!strcmp(d->model, "BatchService")) {
		if (!(j = get(d, "/batch-jobs", 200)))
			return -1;
		json_decref(j);
		return 0;
	}
	return lerr_set(d->e, 400, "unknown service model (known: CustomerService, InvoiceService,"
			" LedgerPostingService, MRProcessService, BatchService)");
}

int ctl_dvt(int argc, char **argv)
{
	static const char usage[] = "usage: ledgerctl dvt SERVICE_MODEL --config FILE [--timeout S]\n";
	struct ledger_config cfg;
	struct lerr e = { 0, "" };
	struct dvt d = { 0, 15, NULL, &e };
	char *end = NULL;
	char fault[128], release[16] = "";
	long long total = 0;
	json_t *health;
	int fired, rc = 1;

	if ((argc != 4 && argc != 6) || strcmp(argv[2], "--config"))
		return ctl_usage(usage, "dvt needs a service model and --config FILE");
	if (argc == 6 && (strcmp(argv[4], "--timeout") ||
			  (d.timeout_s = strtol(argv[5], &end, 10)) < 1 || *end))
		return ctl_usage(usage, "--timeout needs a number of seconds (1 or more)");
	if (ledger_config_load(&cfg, argv[3], &e))
		return ctl_fail(&e);
	d.port = cfg.port;
	d.model = argv[1];
	curl_global_init(CURL_GLOBAL_DEFAULT);
	snprintf(fault, sizeof(fault), "dvt_%s", d.model);
	fired = ledger_fault_fire(&cfg, fault, &total, &e);
	if (fired > 0)
		lerr_set(&e, 500, "intermittent failure: no answer from the service model within its time limit"
			 " (injected fault %d of %lld)", fired, total);
	else if (fired == 0 && (health = get(&d, "/health", 200))) {
		snprintf(release, sizeof(release), "%s", json_string_value(json_object_get(health, "release")));
		json_decref(health);
		rc = run_model(&d, release) ? 1 : 0;
	}
	if (rc)
		fprintf(stderr, "ledgerctl: DVT script for service model: %s failed: %s\n", d.model, e.msg);
	else
		printf("DVT script for service model: %s passed (release %s, port %d)\n", d.model, release, d.port);
	curl_global_cleanup();
	ledger_config_release(&cfg);
	return rc;
}
