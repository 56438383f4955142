/* SPDX-License-Identifier: MIT */
/* output.c: what the CLI prints: errors and their exit codes, JSON, tables and fields.
 * It uses no other file of cli/. */
#include "cli.h"

#include "ferry/base/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_exit_code(int code)
{
	switch (code) {
	case FERRY_OK: return EXIT_OK;
	case FERRY_EINVAL: return EXIT_USAGE;
	case FERRY_ENOTFOUND: return EXIT_NOTFOUND;
	case FERRY_EEXIST:
	case FERRY_ESTATE: return EXIT_CONFLICT;
	case FERRY_EREFUSED: return EXIT_REFUSED;
	case FERRY_EVERIFY:
	case FERRY_EUNSAFE: return EXIT_UNTRUSTED;
	case FERRY_ESTORE: return EXIT_STORE;
	default: return EXIT_FAILED;
	}
}

int cli_fail(struct cli *cli, const struct ferry_error *err)
{
	int code = err->code ? err->code : FERRY_EINTERNAL;

	if (cli && cli->json) {
		json_t *o = json_pack("{s:{s:s, s:s}}", "error", "code", ferry_code_name(code),
				      "message", err->msg[0] ? err->msg : "unknown error");
		if (err->activity_id[0])
			json_object_set_new(json_object_get(o, "error"), "activity_id",
					    json_string(err->activity_id));
		json_dumpf(o, stderr, JSON_INDENT(2) | JSON_SORT_KEYS);
		fputc('\n', stderr);
		json_decref(o);
	} else {
		/* control characters a message may carry from its input are shown, never sent
		 * to the terminal (newlines and tabs stay) */
		const char *m = err->msg[0] ? err->msg : "unknown error";
		fputs("ferry: error: ", stderr);
		for (; *m; m++) {
			unsigned char c = (unsigned char)*m;
			if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
				fprintf(stderr, "\\x%02x", c);
			else
				fputc(c, stderr);
		}
		fputc('\n', stderr);
		if (err->activity_id[0])
			fprintf(stderr, "ferry: activity ID: %s\n", err->activity_id);
	}
	return cli_exit_code(code);
}

int cli_usage(const char *usage, const char *fmt, ...)
{
	va_list ap;

	fputs("ferry: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (usage)
		fprintf(stderr, "usage: %s\n", usage);
	return EXIT_USAGE;
}

void cli_print_json(const json_t *v)
{
	json_dumpf(v, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	fputc('\n', stdout);
}

static const char *cell(const json_t *row, const char *key, char *buf, size_t cap)
{
	const json_t *v = json_object_get(row, key);

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	if (json_is_real(v)) {
		snprintf(buf, cap, "%.3f", json_real_value(v));
		return buf;
	}
	if (json_is_boolean(v))
		return json_is_true(v) ? "yes" : "no";
	if (json_is_array(v)) {
		size_t i, len = 0;
		const json_t *x;
		buf[0] = '\0';
		json_array_foreach(v, i, x) {
			int n = snprintf(buf + len, cap - len, "%s%s", i ? "," : "",
					 json_is_string(x) ? json_string_value(x) : "?");
			if (n < 0 || (size_t)n >= cap - len)
				break;
			len += (size_t)n;
		}
		return buf;
	}
	return "-";
}

void cli_print_table(const json_t *rows, const struct cli_col *cols)
{
	size_t w[16] = { 0 }, i, c, ncols = 0;
	char buf[256];
	const json_t *row;

	while (cols[ncols].key && ncols < 16)
		ncols++;
	for (c = 0; c < ncols; c++)
		w[c] = strlen(cols[c].head);
	json_array_foreach(rows, i, row)
		for (c = 0; c < ncols; c++) {
			size_t n = strlen(cell(row, cols[c].key, buf, sizeof(buf)));
			if (n > w[c])
				w[c] = n;
		}
	for (c = 0; c < ncols; c++)
		printf("%-*s%s", (int)w[c], cols[c].head, c + 1 < ncols ? "  " : "\n");
	json_array_foreach(rows, i, row)
		for (c = 0; c < ncols; c++)
			printf("%-*s%s", (int)w[c], cell(row, cols[c].key, buf, sizeof(buf)),
			       c + 1 < ncols ? "  " : "\n");
}

int cli_print_rows(struct cli *cli, json_t *rows, const struct cli_col *cols)
{
	if (cli->json)
		cli_print_json(rows);
	else
		cli_print_table(rows, cols);
	json_decref(rows);
	return EXIT_OK;
}

void cli_print_fields(const json_t *obj, const char *const keys[])
{
	char buf[1024];
	size_t i;

	for (i = 0; keys[i]; i++)
		printf("%-16s %s\n", keys[i], cell(obj, keys[i], buf, sizeof(buf)));
}

const char *cli_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "-";
}

void cli_fmt_ms(long long ms, char *out, size_t cap)
{
	if (ms < 1000)
		snprintf(out, cap, "%lldms", ms);
	else if (ms < 120000)
		snprintf(out, cap, "%.1fs", (double)ms / 1000.0);
	else
		snprintf(out, cap, "%lldm%02llds", ms / 60000, ms / 1000 % 60);
}
