/* SPDX-License-Identifier: MIT */
/* log.c: ferryd's structured log: one line per event on stderr, key=value pairs,
 * values quoted when they hold spaces, quotes or '='. Lines are written whole; below
 * the configured level they are dropped; under systemd (stderr is the journal's
 * stream) each starts with its syslog priority, "<3>" to "<7>", for journald. */
#include "ferryd.h"

#include "ferry/base/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int min_level = 1;    /* info */
static int journal_prefix;   /* stderr is journald's stream: "<N>" prefixes */

static int level_num(const char *level)
{
	switch (level[0]) {
	case 'd': return 0;
	case 'w': return 2;
	case 'e': return 3;
	default: return 1;
	}
}

void flog_setup(int level, const char *journal)
{
	unsigned long long dev, ino;
	struct stat st;

	__atomic_store_n(&min_level, level, __ATOMIC_RELAXED);
	/* JOURNAL_STREAM is "DEV:INODE" of the stream systemd connected; a child whose
	 * stderr was redirected elsewhere inherits the variable but not the stream */
	journal_prefix = journal && sscanf(journal, "%llu:%llu", &dev, &ino) == 2 &&
			 fstat(STDERR_FILENO, &st) == 0 && (unsigned long long)st.st_dev == dev &&
			 (unsigned long long)st.st_ino == ino;
}

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
	static const char prio[] = { '7', '6', '4', '3' };
	int n = level_num(level);
	char ts[32];
	va_list ap;

	if (n < __atomic_load_n(&min_level, __ATOMIC_RELAXED))
		return;
	if (journal_prefix)
		ferry_buf_addf(&b, "<%c>", prio[n]);
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
