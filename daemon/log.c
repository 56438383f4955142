/* log.c: ferryd's structured log: one line per event on stderr, key=value pairs,
 * values quoted when they hold spaces, quotes or '='. Lines are written whole. */
#include "ferryd.h"

#include "ferry/base/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void add_value(struct ferry_buf *b, const char *v)
{
	const char *p;

	if (*v && !strpbrk(v, " \t\"=\\\n\r")) {
		ferry_buf_adds(b, v);
		return;
	}
	ferry_buf_adds(b, "\"");
	for (p = v; *p; p++) {
		if (*p == '"' || *p == '\\')
			ferry_buf_addf(b, "\\%c", *p);
		else if (*p == '\n')
			ferry_buf_adds(b, "\\n");
		else if ((unsigned char)*p < 0x20)
			ferry_buf_addf(b, "\\x%02x", (unsigned char)*p);
		else
			ferry_buf_add(b, p, 1);
	}
	ferry_buf_adds(b, "\"");
}

void flog(const char *level, const char *msg, ...)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	const char *k, *v;
	char ts[32];
	va_list ap;

	ferry_time_iso(ferry_now_ms(), ts);
	ferry_buf_addf(&b, "ts=%s level=%s msg=", ts, level);
	add_value(&b, msg);
	va_start(ap, msg);
	while ((k = va_arg(ap, const char *))) {
		v = va_arg(ap, const char *);
		ferry_buf_addf(&b, " %s=", k);
		add_value(&b, v ? v : "");
	}
	va_end(ap);
	ferry_buf_adds(&b, "\n");
	if (b.data && write(STDERR_FILENO, b.data, b.len) < 0)
		b.len = 0;
	ferry_buf_release(&b);
}
