/* SPDX-License-Identifier: MIT */
/* util.h: small helpers shared by every subsystem: names, paths, files, time, ids, ports. */
#ifndef FERRY_UTIL_H
#define FERRY_UTIL_H

#include <stddef.h>
#include <stdint.h>

struct ferry_error;

/* Validate an object name (project, environment, key...): 1-63 chars of
 * [A-Za-z0-9._-], starting with a letter or digit. `what` names it in the error. */
int ferry_name_check(const char *name, const char *what, struct ferry_error *err);

/* snprintf into out[cap] that never cuts: when the text does not fit, out is "" and
 * the result is FERRY_EINVAL "<what> is too long (over CAP-1 bytes): <its start>...".
 * Use it for paths and names whose cut version would name something else. */
int ferry_fmt(char *out, size_t cap, struct ferry_error *err, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Join two path parts into a new string (caller frees); NULL on ENOMEM. */
char *ferry_path_join(const char *a, const char *b);
/* mkdir -p with mode; 0 or FERRY_EIO. */
int ferry_mkdir_p(const char *path, unsigned mode, struct ferry_error *err);
/* Remove a tree (no symlink following); 0 or FERRY_EIO. Missing path is fine. */
int ferry_rm_rf(const char *path, struct ferry_error *err);
/* Write data to path atomically (temp file in same dir, fsync, rename, fsync dir); a
 * process killed meanwhile leaves no temporary file for long (see util.c). */
int ferry_write_file_atomic(const char *path, const void *data, size_t len,
			    unsigned mode, struct ferry_error *err);
/* Remove the entries of dir named "<stem><pid>" whose process is gone (temporary files
 * of a killed writer); entries of live processes stay. */
void ferry_tmp_sweep(const char *dir, const char *stem);
/* fsync a directory; fsync a file by its path. 0 or FERRY_EIO. */
int ferry_fsync_dir(const char *dir, struct ferry_error *err);
int ferry_fsync_file(const char *path, struct ferry_error *err);
/* 1 when path exists (lstat), else 0. */
int ferry_path_exists(const char *path);

/* Wall-clock milliseconds since the epoch; monotonic milliseconds. */
int64_t ferry_now_ms(void);
/* The time as settings s see it: ferry_now_ms(), or in test builds with s->test_clock
 * set, the time written in that file (ms since the epoch or "YYYY-MM-DDTHH:MM:SSZ";
 * a missing or unreadable file aborts: a test hook fails loudly). s may be NULL. */
struct ferry_settings;
int64_t ferry_clock_ms(const struct ferry_settings *s);
int64_t ferry_mono_ms(void);
/* Format epoch milliseconds as ISO 8601 UTC ("2026-11-25T23:58:05Z") into out[32]. */
void ferry_time_iso(int64_t ms, char out[32]);

/* New random UUID v4 string into out[37]. */
void ferry_uuid(char out[37]);

/* Parse a decimal integer in [min,max]; 0 or FERRY_EINVAL. */
int ferry_parse_int(const char *s, long long min, long long max, long long *out);

/* Parse a port range "LO-HI" with 1024 <= LO <= HI <= 65535; 0 or FERRY_EINVAL (lo and
 * hi untouched). */
int ferry_port_range_parse(const char *s, int *lo, int *hi);
/* 1 when a TCP port on 127.0.0.1 can be bound now (a port in TIME_WAIT can, a
 * listening one cannot), else 0. */
int ferry_port_bindable(int port);

/* User input as an error message may echo it: control characters written as \xNN and
 * the text cut to fit out[cap] with "..." (cap >= 8; FERRY_ECHO_MAX is the usual size).
 * Returns the length written. */
#define FERRY_ECHO_MAX 80
size_t ferry_echo(const char *in, char *out, size_t cap);

#endif
