/* SPDX-License-Identifier: MIT */
/* util.c: names, paths, atomic files, time, ids and ports used across libferry. */
#include "ferry/base/util.h"
#include "ferry/base/error.h"
#include "ferry/base/settings.h"

#include <ctype.h>
#include <stdarg.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int ferry_name_check(const char *name, const char *what, struct ferry_error *err)
{
	size_t i, n = name ? strlen(name) : 0;

	if (n == 0 || n > 63)
		return ferry_error_set(err, FERRY_EINVAL,
			"invalid %s name '%s': must be 1 to 63 characters", what, name ? name : "");
	if (!isalnum((unsigned char)name[0]))
		return ferry_error_set(err, FERRY_EINVAL,
			"invalid %s name '%s': must start with a letter or digit", what, name);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!isalnum(c) && c != '.' && c != '_' && c != '-')
			return ferry_error_set(err, FERRY_EINVAL,
				"invalid %s name '%s': character '%c' not allowed (use letters, digits, '.', '_', '-')",
				what, name, c);
	}
	return 0;
}

char *ferry_path_join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int slash = la && a[la - 1] != '/';
	char *p = malloc(la + lb + 2);

	if (!p)
		return NULL;
	memcpy(p, a, la);
	if (slash)
		p[la++] = '/';
	memcpy(p + la, b, lb + 1);
	return p;
}

int ferry_fmt(char *out, size_t cap, struct ferry_error *err, const char *what, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, cap, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < cap)
		return 0;
	ferry_error_set(err, FERRY_EINVAL, "%s is too long (over %zu bytes): %.80s...", what,
			cap ? cap - 1 : 0, out);
	if (cap)
		out[0] = '\0';
	return FERRY_EINVAL;
}

int ferry_mkdir_p(const char *path, unsigned mode, struct ferry_error *err)
{
	char tmp[PATH_MAX];
	size_t n = strlen(path);
	char *p;

	if (n == 0 || n >= sizeof(tmp))
		return ferry_error_set(err, FERRY_EINVAL, "path too long: %s", path);
	memcpy(tmp, path, n + 1);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) < 0 && errno != EEXIST)
			return ferry_error_errno(err, FERRY_EIO, errno, "cannot create directory %s", tmp);
		*p = '/';
	}
	if (mkdir(tmp, mode) < 0 && errno != EEXIST)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot create directory %s", tmp);
	return 0;
}

static int rm_at(int parent, const char *name, struct ferry_error *err)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int fd;

	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : ferry_error_errno(err, FERRY_EIO, errno, "cannot stat %s", name);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(parent, name, 0) < 0 && errno != ENOENT)
			return ferry_error_errno(err, FERRY_EIO, errno, "cannot remove %s", name);
		return 0;
	}
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot open %s", name);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot read %s", name);
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (rm_at(dirfd(d), de->d_name, err)) {
			closedir(d);
			return err ? err->code : FERRY_EIO;
		}
	}
	closedir(d);
	if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot remove directory %s", name);
	return 0;
}

int ferry_rm_rf(const char *path, struct ferry_error *err)
{
	return rm_at(AT_FDCWD, path, err);
}

int ferry_fsync_dir(const char *dir, struct ferry_error *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot open directory %s", dir);
	if (fsync(fd) < 0 && errno != EINVAL) {
		close(fd);
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot sync directory %s", dir);
	}
	close(fd);
	return 0;
}

int ferry_fsync_file(const char *path, struct ferry_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return ferry_error_errno(err, FERRY_EIO, e, "cannot sync %s", path);
	}
	close(fd);
	return 0;
}

void ferry_tmp_sweep(const char *dir, const char *stem)
{
	size_t n = strlen(stem);
	struct dirent *de;
	char p[PATH_MAX];
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		const char *q = de->d_name + n;
		long pid = 0;
		if (strncmp(de->d_name, stem, n) || !*q)
			continue;
		for (; *q >= '0' && *q <= '9' && pid < 100000000; q++)
			pid = pid * 10 + (*q - '0');
		if (*q || pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;  /* not such a name, or its process may still write it */
		if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) < sizeof(p))
			unlink(p);
	}
	closedir(d);
}

/* Write the whole of data to fd; 0 or -1 with errno. */
static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The file is written unnamed (O_TMPFILE) and gets its temporary name "<path>.tmp.<pid>"
 * only for the rename, so a process killed while it writes leaves nothing behind; what a
 * process killed in that last instant left (or, without O_TMPFILE, while it wrote) is
 * removed by the next write of the same path. */
int ferry_write_file_atomic(const char *path, const void *data, size_t len,
			    unsigned mode, struct ferry_error *err)
{
	char tmp[PATH_MAX], dir[PATH_MAX], stem[PATH_MAX], fdpath[64];
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char *slash;
	int fd, named = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return ferry_error_set(err, FERRY_EINVAL, "path too long: %s", path);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		dir[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	snprintf(stem, sizeof(stem), "%s.tmp.", base);
	ferry_tmp_sweep(dir, stem);
	if ((fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, mode)) < 0) {
		named = 1;  /* a file system without O_TMPFILE: named from the start */
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	}
	if (fd < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot create %s", tmp);
	if (write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		int e = errno;
		close(fd);
		if (named)
			unlink(tmp);
		return ferry_error_errno(err, FERRY_EIO, e, "cannot write %s", tmp);
	}
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	if (!named) {
		unlink(tmp);  /* left by an earlier process with this pid */
		if (linkat(AT_FDCWD, fdpath, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) < 0) {
			int e = errno;
			close(fd);
			return ferry_error_errno(err, FERRY_EIO, e, "cannot name %s", tmp);
		}
	}
	if (close(fd) < 0) {
		unlink(tmp);
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot sync %s", tmp);
	}
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot rename %s to %s", tmp, path);
	}
	return ferry_fsync_dir(dir, err);
}

int ferry_path_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

int64_t ferry_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#ifdef FERRY_TEST_HOOKS
static int64_t test_clock_read(const char *path)
{
	char buf[64], *end;
	struct tm tm;
	long long ms;
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	ms = strtoll(buf, &end, 10);
	if (n && !*end && ms >= 0)
		return ms;
	memset(&tm, 0, sizeof(tm));
	end = n ? strptime(buf, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
	if (end && !*end)
		return (int64_t)timegm(&tm) * 1000;
	fprintf(stderr, "ferry: test clock %s holds no time ('%s'): write ms or YYYY-MM-DDTHH:MM:SSZ\n",
		path, buf);
	abort();
}
#endif

int64_t ferry_clock_ms(const struct ferry_settings *s)
{
#ifdef FERRY_TEST_HOOKS
	if (s && s->test_clock)
		return test_clock_read(s->test_clock);
#else
	(void)s;
#endif
	return ferry_now_ms();
}

int64_t ferry_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Two digits of v at p. */
static void put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
}

/* UTC "YYYY-MM-DDTHH:MM:SSZ" by arithmetic (days to civil date, H. Hinnant): no
 * locale or time zone lookup, a list of thousands of rows formats two per row. */
void ferry_time_iso(int64_t ms, char out[32])
{
	int64_t t = ms / 1000 - (ms % 1000 < 0), days = t / 86400 - (t % 86400 < 0);
	int64_t secs = t - days * 86400, z = days + 719468, era, y;
	unsigned doe, yoe, doy, mp, d, m;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	if (y < 0 || y > 9999) {
		snprintf(out, 32, "%lld-01-01T00:00:00Z", (long long)y);
		return;
	}
	memcpy(out, "0000-00-00T00:00:00Z", 21);
	put2(out, (unsigned)(y / 100));
	put2(out + 2, (unsigned)(y % 100));
	put2(out + 5, m);
	put2(out + 8, d);
	put2(out + 11, (unsigned)(secs / 3600));
	put2(out + 14, (unsigned)(secs / 60 % 60));
	put2(out + 17, (unsigned)(secs % 60));
}

void ferry_uuid(char out[37])
{
	unsigned char r[16];
	size_t got = 0;

	while (got < sizeof(r)) {
		ssize_t n = getrandom(r + got, sizeof(r) - got, 0);
		if (n > 0)
			got += (size_t)n;
	}
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9],
		 r[10], r[11], r[12], r[13], r[14], r[15]);
}

int ferry_parse_int(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (!s || !*s)
		return FERRY_EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return FERRY_EINVAL;
	*out = v;
	return 0;
}

int ferry_port_range_parse(const char *s, int *lo, int *hi)
{
	long long a, b;
	char tmp[32], *dash;

	if (!s || snprintf(tmp, sizeof(tmp), "%s", s) >= (int)sizeof(tmp) || !(dash = strchr(tmp, '-')))
		return FERRY_EINVAL;
	*dash = '\0';
	if (ferry_parse_int(tmp, 1024, 65535, &a) || ferry_parse_int(dash + 1, 1024, 65535, &b) || a > b)
		return FERRY_EINVAL;
	*lo = (int)a;
	*hi = (int)b;
	return 0;
}

int ferry_port_bindable(int port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok, one = 1;

	if (fd < 0)
		return 0;
	/* Like a server would: a port in TIME_WAIT is free, a listening one is not. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

size_t ferry_echo(const char *in, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0, i, len = in ? strlen(in) : 0;

	if (!cap)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		int esc = c < 0x20 || c == 0x7f;
		if (n + (esc ? 4 : 1) + 4 >= cap) { /* room for "..." and the NUL */
			memcpy(out + n, "...", 3);
			n += 3;
			break;
		}
		if (esc) {
			out[n++] = '\\';
			out[n++] = 'x';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		} else {
			out[n++] = (char)c;
		}
	}
	out[n] = '\0';
	return n;
}
