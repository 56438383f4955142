/* SPDX-License-Identifier: MIT */
/* archive_intake.c: reading package archives safely: entry checks against the manifest,
 * limits, hashing while extracting, and the atomic move into place. */
#include "ferry/package/archive.h"
#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/package/manifest.h"
#include "ferry/base/util.h"

#include "package/archive_sym.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include "ferry/base/sha256.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SIG_MAX_BYTES 4096
#define NEED_SCAN 1    /* internal: manifest.json was not first; read it in a first pass */

struct intake {
	const struct ferry_intake_opts *o;
	struct ferry_intake *in;
	const char *path;
	const void *mem;
	size_t memlen;
	struct archive *a;
	int preloaded;             /* manifest read by a scan pass */
	int checked;               /* the check callback ran */
	int manifest_seen, sig_seen;
	int manifest_first;        /* manifest.json was the first entry of this pass */
	/* decompression: every byte an entry yields, against the compressed bytes read */
	uint64_t total_out;        /* all entries of this pass */
	uint64_t entry_out;        /* the current entry */
	uint64_t entry_raw0;       /* compressed bytes read when its header was read */
	unsigned char *seen;       /* per payload file */
	json_t *dirs;              /* directory entries seen */
	/* extraction */
	const char *dest;
	char *tmp;
	int rootfd;
	int curfd;
	char curdir[FERRY_PATH_MAX_LEN + 1];
};

static int refuse(struct ferry_error *err, int code, const char *entry, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int refuse(struct ferry_error *err, int code, const char *entry, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (entry)
		return ferry_error_set(err, code, "entry '%s': %s", entry, msg);
	return ferry_error_set(err, code, "%s", msg);
}

static const char *arc_msg(struct archive *a)
{
	const char *m = archive_error_string(a);
	return m ? m : "unreadable archive";
}

static int open_reader(struct intake *st, struct ferry_error *err)
{
	int rc;

	st->total_out = 0;
	if ((rc = ferry_archive_load(err)))
		return rc;
	st->a = archive_read_new();
	if (!st->a)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	archive_read_support_filter_gzip(st->a);
	archive_read_support_filter_zstd(st->a);
	archive_read_support_format_tar(st->a);
	archive_read_support_format_zip(st->a);
	if (st->path)
		rc = archive_read_open_filename(st->a, st->path, 65536);
	else
		rc = archive_read_open_memory(st->a, st->mem, st->memlen);
	if (rc != ARCHIVE_OK)
		return ferry_error_set(err, FERRY_EUNSAFE, "cannot open the package: %s", arc_msg(st->a));
	return 0;
}

static void close_reader(struct intake *st)
{
	if (st->a)  /* NULL when libarchive could not be loaded */
		archive_read_free(st->a);
	st->a = NULL;
}

/* After the first header: only zip, tar.gz and tar.zst are packages. */
static int check_container(struct intake *st, struct ferry_error *err)
{
	int fmt = archive_format(st->a) & ARCHIVE_FORMAT_BASE_MASK;
	int filt = archive_filter_code(st->a, 0);

	if (fmt == ARCHIVE_FORMAT_ZIP && filt == ARCHIVE_FILTER_NONE)
		snprintf(st->in->container, sizeof(st->in->container), "zip");
	else if (fmt == ARCHIVE_FORMAT_TAR && filt == ARCHIVE_FILTER_GZIP)
		snprintf(st->in->container, sizeof(st->in->container), "tar.gz");
	else if (fmt == ARCHIVE_FORMAT_TAR && filt == ARCHIVE_FILTER_ZSTD)
		snprintf(st->in->container, sizeof(st->in->container), "tar.zst");
	else
		return ferry_error_set(err, FERRY_EUNSAFE,
			"not a package: %s%s%s archive; packages are zip, tar.gz or tar.zst",
			archive_format_name(st->a) ? archive_format_name(st->a) : "unknown",
			filt == ARCHIVE_FILTER_NONE ? "" : " with ",
			filt == ARCHIVE_FILTER_NONE ? "" : archive_filter_name(st->a, 0));
	return 0;
}

static uint64_t raw_bytes(struct intake *st)
{
	la_int64_t n = archive_filter_bytes(st->a, -1);   /* read from the file, compressed */
	return n > 0 ? (uint64_t)n : 0;
}

static void entry_begin(struct intake *st)
{
	st->entry_out = 0;
	st->entry_raw0 = raw_bytes(st);
}

static int ratio_refuse(struct intake *st, const char *entry, const char *what, uint64_t out,
			uint64_t in, struct ferry_error *err)
{
	return refuse(err, FERRY_EUNSAFE, entry,
		"compression ratio over %llu:1 (%s%llu bytes from %llu): a decompression bomb? "
		"(raise FERRY_MAX_RATIO for a genuine package)",
		(unsigned long long)st->o->limits.max_ratio, what, (unsigned long long)out,
		(unsigned long long)in);
}

/* Count n more decompressed bytes of the current entry and hold the ratio limit, for
 * the entry (its bytes against the compressed bytes read since its header) and for
 * the whole archive. Counted here, not by libarchive's filters: in a zip each entry is
 * inflated by the format reader, which no filter counter sees. */
static int count_out(struct intake *st, const char *entry, size_t n, struct ferry_error *err)
{
	const struct ferry_intake_limits *l = &st->o->limits;
	la_int64_t filtered = archive_filter_bytes(st->a, 0);
	uint64_t raw = raw_bytes(st), in, out;

	st->entry_out += n;
	st->total_out += n;
	in = raw > st->entry_raw0 ? raw - st->entry_raw0 : 1;
	if (st->entry_out > l->ratio_floor && st->entry_out / in > l->max_ratio)
		return ratio_refuse(st, entry, "", st->entry_out, in, err);
	out = st->total_out;   /* tar: the decompressed stream holds headers and padding too */
	if (filtered > 0 && (uint64_t)filtered > out)
		out = (uint64_t)filtered;
	in = raw ? raw : 1;
	if (out > l->ratio_floor && out / in > l->max_ratio)
		return ratio_refuse(st, entry, "archive: ", out, in, err);
	return 0;
}

/* Read the rest of an entry, counting it, without keeping it (never libarchive's skip,
 * which decompresses uncounted when a zip entry's size is not in its header). */
static int drain(struct intake *st, const char *entry, struct ferry_error *err)
{
	const void *buf;
	size_t n;
	la_int64_t off;
	int rc;

	while ((rc = archive_read_data_block(st->a, &buf, &n, &off)) == ARCHIVE_OK)
		if ((rc = count_out(st, entry, n, err)))
			return rc;
	if (rc != ARCHIVE_EOF)
		return refuse(err, FERRY_EUNSAFE, entry, "truncated or damaged archive: %s", arc_msg(st->a));
	return 0;
}

/* Read a small entry (manifest.json, manifest.sig) whole. */
static int read_small(struct intake *st, const char *entry, size_t cap, char **data, size_t *len,
		      struct ferry_error *err)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	char chunk[8192];
	la_ssize_t n;

	b.limit = cap;
	while ((n = archive_read_data(st->a, chunk, sizeof(chunk))) > 0) {
		int rc = count_out(st, entry, (size_t)n, err);
		if (rc) {
			ferry_buf_release(&b);
			return rc;
		}
		if (ferry_buf_add(&b, chunk, (size_t)n)) {
			ferry_buf_release(&b);
			return refuse(err, FERRY_EUNSAFE, entry, "larger than %zu bytes", cap);
		}
	}
	if (n < 0) {
		ferry_buf_release(&b);
		return refuse(err, FERRY_EUNSAFE, entry, "unreadable: %s", arc_msg(st->a));
	}
	*len = b.len;
	*data = ferry_buf_detach(&b);
	return 0;
}

/* ---- writing under the temporary root, never outside it ---- */

static int set_curdir(struct intake *st, const char *dir, struct ferry_error *err)
{
	char part[FERRY_PATH_MAX_LEN + 1];
	const char *p = dir;
	int fd;

	if (st->curfd >= 0 && !strcmp(st->curdir, dir))
		return 0;
	if (st->curfd >= 0 && st->curfd != st->rootfd)
		close(st->curfd);
	st->curfd = -1;
	fd = dup(st->rootfd);
	if (fd < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "dup");
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		int nfd;
		memcpy(part, p, n);
		part[n] = '\0';
		if (mkdirat(fd, part, 0755) < 0 && errno != EEXIST) {
			close(fd);
			return ferry_error_errno(err, FERRY_EIO, errno, "cannot create directory '%s'", dir);
		}
		nfd = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		if (nfd < 0)
			return ferry_error_errno(err, FERRY_EUNSAFE, errno, "cannot open directory '%s'", dir);
		fd = nfd;
		p += n;
		if (*p == '/')
			p++;
	}
	st->curfd = fd;
	snprintf(st->curdir, sizeof(st->curdir), "%s", dir);
	return 0;
}

/* Open path (relative to the root) for writing; creates parent directories. */
static int create_file(struct intake *st, const char *path, unsigned mode, int *fd,
		       struct ferry_error *err)
{
	char dir[FERRY_PATH_MAX_LEN + 1];
	const char *slash = strrchr(path, '/'), *leaf = slash ? slash + 1 : path;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 0, path);
	if (set_curdir(st, dir, err))
		return err ? err->code : FERRY_EIO;
	*fd = openat(st->curfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (*fd < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot create '%s'", path);
	if (fchmod(*fd, mode) < 0) {
		close(*fd);
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot set the mode of '%s'", path);
	}
	return 0;
}

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int write_small(struct intake *st, const char *name, const char *data, size_t len,
		       struct ferry_error *err)
{
	int fd, rc;

	if (!st->dest || !data)
		return 0;
	if ((rc = create_file(st, name, 0644, &fd, err)))
		return rc;
	if (write_all(fd, data, len) < 0) {
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot write '%s'", name);
		close(fd);
		return rc;
	}
	close(fd);
	return 0;
}

static int make_tmp(struct intake *st, struct ferry_error *err)
{
	char parent[PATH_MAX], tmpl[PATH_MAX];
	const char *slash = strrchr(st->dest, '/');
	const char *base = slash ? slash + 1 : st->dest;

	if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
		return ferry_error_set(err, FERRY_EINVAL, "destination '%s' must name a new directory", st->dest);
	if (ferry_path_exists(st->dest))
		return ferry_error_set(err, FERRY_EEXIST,
			"destination %s already exists: extraction never overwrites; remove it or pick another",
			st->dest);
	if (ferry_fmt(parent, sizeof(parent), err, "destination path", "%.*s",
		      slash ? (int)(slash - st->dest + (slash == st->dest)) : 1, slash ? st->dest : ".") ||
	    ferry_fmt(tmpl, sizeof(tmpl), err, "destination path", "%s/.%s.ferry-XXXXXX", parent, base))
		return FERRY_EINVAL;
	if (!mkdtemp(tmpl))
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot create a temporary directory beside %s",
					 st->dest);
	st->tmp = strdup(tmpl);
	st->rootfd = open(tmpl, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (!st->tmp || st->rootfd < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot open %s", tmpl);
	fchmod(st->rootfd, 0755);
	return 0;
}

static int commit_tmp(struct intake *st, struct ferry_error *err)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(st->dest, '/');

	if (st->curfd >= 0 && st->curfd != st->rootfd)
		close(st->curfd);
	st->curfd = -1;
	if (syncfs(st->rootfd) < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot sync %s", st->tmp);
	if (renameat2(AT_FDCWD, st->tmp, AT_FDCWD, st->dest, RENAME_NOREPLACE) < 0) {
		int e = errno;
		if (e == EINVAL || e == ENOSYS) {   /* no RENAME_NOREPLACE here */
			e = ferry_path_exists(st->dest) ? EEXIST : 0;
			if (!e && rename(st->tmp, st->dest) < 0)
				e = errno;
		}
		if (e)
			return ferry_error_errno(err, e == EEXIST ? FERRY_EEXIST : FERRY_EIO, e,
						 "cannot move the extracted package to %s", st->dest);
	}
	free(st->tmp);
	st->tmp = NULL;
	if (ferry_fmt(parent, sizeof(parent), err, "destination path", "%.*s",
		      slash ? (int)(slash - st->dest + (slash == st->dest)) : 1, slash ? st->dest : "."))
		return FERRY_EINVAL;
	return ferry_fsync_dir(parent, err);
}

/* ---- entries ---- */

static int ensure_checked(struct intake *st, struct ferry_error *err)
{
	int rc;

	if (st->checked)
		return 0;
	st->checked = 1;
	if (st->in->manifest->n_payload + 2 > st->o->limits.max_entries)
		return refuse(err, FERRY_EUNSAFE, NULL, "manifest.json lists %zu files, more than the limit of %llu entries (FERRY_MAX_ENTRIES)",
			      st->in->manifest->n_payload, (unsigned long long)st->o->limits.max_entries);
	if (st->in->manifest->payload_bytes > st->o->limits.max_bytes)
		return refuse(err, FERRY_EUNSAFE, NULL, "manifest.json declares %llu payload bytes, more than the limit of %llu (FERRY_MAX_BYTES)",
			      (unsigned long long)st->in->manifest->payload_bytes,
			      (unsigned long long)st->o->limits.max_bytes);
	st->seen = calloc(st->in->manifest->n_payload + 1, 1);
	if (!st->seen)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if (st->o->check && (rc = st->o->check(st->o->check_arg, st->in, err)))
		return rc;
	if (st->dest) {
		if ((rc = make_tmp(st, err)))
			return rc;
		if ((rc = write_small(st, "manifest.json", st->in->manifest_bytes, st->in->manifest_len, err)) ||
		    (rc = write_small(st, "manifest.sig", st->in->sig_bytes, st->in->sig_len, err)))
			return rc;
	}
	return 0;
}

static int load_manifest(struct intake *st, struct ferry_error *err)
{
	int rc = read_small(st, "manifest.json", FERRY_MANIFEST_MAX_BYTES, &st->in->manifest_bytes,
			    &st->in->manifest_len, err);

	if (rc)
		return rc;
	rc = ferry_manifest_parse(st->in->manifest_bytes, st->in->manifest_len, &st->in->manifest, err);
	if (rc == FERRY_EINVAL && err)   /* a broken manifest in a package is broken input */
		err->code = rc = FERRY_EUNSAFE;
	return rc;
}

#define SIG_PLACE "must directly follow a leading manifest.json (as 'ferry package build' writes it)"

/* manifest.json or manifest.sig: read (or, when a scan pass read them, drain).
 * manifest.json first is read here; elsewhere a scan pass finds it. manifest.sig is
 * accepted only as the second entry after a leading manifest.json. */
static int meta_entry(struct intake *st, const char *name, int is_sig, struct ferry_error *err)
{
	int *seen = is_sig ? &st->sig_seen : &st->manifest_seen;

	if (*seen)
		return refuse(err, FERRY_EUNSAFE, name, "duplicate entry");
	*seen = 1;
	if (is_sig && (!st->manifest_first || st->in->entries != 2))
		return refuse(err, FERRY_EUNSAFE, name, SIG_PLACE);
	if (st->preloaded)
		return drain(st, name, err);
	if (!is_sig) {
		if (st->in->entries != 1)
			return NEED_SCAN;
		st->manifest_first = 1;
		return load_manifest(st, err);
	}
	return read_small(st, name, SIG_MAX_BYTES, &st->in->sig_bytes, &st->in->sig_len, err);
}

static int dir_entry(struct intake *st, const char *name, struct ferry_error *err)
{
	int rc;

	if (!ferry_manifest_is_dir(st->in->manifest, name))
		return refuse(err, FERRY_EUNSAFE, name, "directory not listed in manifest.json payload");
	if (json_object_get(st->dirs, name))
		return refuse(err, FERRY_EUNSAFE, name, "duplicate entry");
	json_object_set_new(st->dirs, name, json_true());
	if (st->dest && (rc = set_curdir(st, name, err)))
		return rc;
	return 0;
}

static int file_data(struct intake *st, const char *name, const struct ferry_payload_file *pf,
		     int fd, struct ferry_error *err)
{
	struct ferry_sha256 h;
	char hex[65];
	const void *buf;
	size_t n;
	la_int64_t off;
	uint64_t got = 0;
	int rc;

	if (ferry_sha256_init(&h))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	while ((rc = archive_read_data_block(st->a, &buf, &n, &off)) == ARCHIVE_OK) {
		if ((uint64_t)off != got)
			return ferry_sha256_release(&h),
			       refuse(err, FERRY_EUNSAFE, name, "sparse entries are not accepted");
		if (got + n > pf->size)
			return ferry_sha256_release(&h), refuse(err, FERRY_EVERIFY, name,
				"holds more than the %llu bytes manifest.json lists",
				(unsigned long long)pf->size);
		got += n;
		st->in->bytes += n;
		if (st->in->bytes > st->o->limits.max_bytes)
			return ferry_sha256_release(&h), refuse(err, FERRY_EUNSAFE, name, "more than %llu bytes in total (FERRY_MAX_BYTES)",
				      (unsigned long long)st->o->limits.max_bytes);
		if ((rc = count_out(st, name, n, err)))
			return ferry_sha256_release(&h), rc;
		ferry_sha256_update(&h, buf, n);
		if (fd >= 0 && write_all(fd, buf, n) < 0)
			return ferry_sha256_release(&h),
			       ferry_error_errno(err, FERRY_EIO, errno, "entry '%s': cannot write", name);
	}
	if (rc != ARCHIVE_EOF)
		return ferry_sha256_release(&h), refuse(err, FERRY_EUNSAFE, name, "truncated or damaged archive: %s", arc_msg(st->a));
	if (got != pf->size)
		return ferry_sha256_release(&h), refuse(err, FERRY_EVERIFY, name,
			"size %llu differs from manifest.json (%llu bytes)",
			(unsigned long long)got, (unsigned long long)pf->size);
	ferry_sha256_final_hex(&h, hex);
	if (strcmp(hex, pf->sha256))
		return refuse(err, FERRY_EVERIFY, name, "SHA-256 mismatch: manifest.json lists %s, the archive holds %s",
			      pf->sha256, hex);
	return 0;
}

static int file_entry(struct intake *st, struct archive_entry *e, const char *name,
		      struct ferry_error *err)
{
	const struct ferry_payload_file *pf = ferry_manifest_file(st->in->manifest, name);
	int fd = -1, rc;

	if (!pf)
		return refuse(err, FERRY_EUNSAFE, name, "not listed in manifest.json payload");
	if (st->seen[pf - st->in->manifest->payload])
		return refuse(err, FERRY_EUNSAFE, name, "duplicate entry");
	st->seen[pf - st->in->manifest->payload] = 1;
	if (archive_entry_size_is_set(e) && (uint64_t)archive_entry_size(e) != pf->size)
		return refuse(err, FERRY_EVERIFY, name, "size %lld differs from manifest.json (%llu bytes)",
			      (long long)archive_entry_size(e), (unsigned long long)pf->size);
	if (st->dest && (rc = create_file(st, name, pf->mode, &fd, err)))
		return rc;
	rc = file_data(st, name, pf, fd, err);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Type and path checks common to both passes; *name gets the normalised path,
 * or NULL for the archive root ("./"). */
static int entry_name(struct intake *st, struct archive_entry *e, char *name, size_t cap,
		      struct ferry_error *err)
{
	const char *p = archive_entry_pathname(e);
	mode_t t = archive_entry_filetype(e);
	struct ferry_error perr;
	size_t n;

	if (!p)
		p = archive_entry_pathname_utf8(e);
	if (!p)
		return refuse(err, FERRY_EUNSAFE, NULL, "entry #%llu: name is not readable",
			      (unsigned long long)st->in->entries);
	if (!strncmp(p, "./", 2) && p[2])
		p += 2;
	if ((size_t)snprintf(name, cap, "%s", p) >= cap)
		return refuse(err, FERRY_EUNSAFE, NULL, "entry #%llu: path longer than %d bytes",
			      (unsigned long long)st->in->entries + 1, FERRY_PATH_MAX_LEN);
	n = strlen(name);
	if (n > 1 && t == AE_IFDIR && name[n - 1] == '/')
		name[--n] = '\0';
	if (archive_entry_hardlink(e))
		return refuse(err, FERRY_EUNSAFE, name, "hard link (to '%s') is not accepted",
			      archive_entry_hardlink(e));
	if (t == AE_IFLNK)
		return refuse(err, FERRY_EUNSAFE, name, "symbolic link (to '%s') is not accepted",
			      archive_entry_symlink(e) ? archive_entry_symlink(e) : "?");
	if (t == AE_IFCHR || t == AE_IFBLK)
		return refuse(err, FERRY_EUNSAFE, name, "device node is not accepted");
	if (t == AE_IFIFO)
		return refuse(err, FERRY_EUNSAFE, name, "FIFO is not accepted");
	if (t != AE_IFREG && t != AE_IFDIR)
		return refuse(err, FERRY_EUNSAFE, name, "special file (type %o) is not accepted", (unsigned)t);
	if (t == AE_IFDIR && (!strcmp(name, ".") || !strcmp(name, "./")))
		return 1;
	if (ferry_path_check(name, &perr))
		return refuse(err, FERRY_EUNSAFE, name, "unsafe path: %s", perr.msg);
	if (++st->in->entries > st->o->limits.max_entries)
		return refuse(err, FERRY_EUNSAFE, name, "more than %llu entries (FERRY_MAX_ENTRIES)",
			      (unsigned long long)st->o->limits.max_entries);
	return 0;
}

static int next_header(struct intake *st, struct archive_entry **e, int first,
		       struct ferry_error *err)
{
	int rc = archive_read_next_header(st->a, e);

	if (rc == ARCHIVE_EOF)
		return first ? ferry_error_set(err, FERRY_EUNSAFE, "the package is empty: no manifest.json") : 1;
	if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
		return ferry_error_set(err, FERRY_EUNSAFE, "%s: %s",
			first ? "not a readable package (zip, tar.gz or tar.zst)" : "truncated or damaged archive",
			arc_msg(st->a));
	if (first)
		return check_container(st, err);
	return 0;
}

/* First pass when manifest.json is not the first entry: find manifest.json and
 * manifest.sig, skipping everything else (sizes bounded by the limits). */
static int scan_pass(struct intake *st, struct ferry_error *err)
{
	struct archive_entry *e;
	char name[FERRY_PATH_MAX_LEN + 8];
	uint64_t total = 0;
	int rc, first = 1;

	if ((rc = open_reader(st, err)))
		return rc;
	st->in->entries = 0;
	while ((rc = next_header(st, &e, first, err)) == 0) {
		first = 0;
		if ((rc = entry_name(st, e, name, sizeof(name), err)) == 1)
			continue;
		if (rc)
			return rc;
		total += archive_entry_size_is_set(e) ? (uint64_t)archive_entry_size(e) : 0;
		if (total > st->o->limits.max_bytes)
			return refuse(err, FERRY_EUNSAFE, name, "more than %llu bytes in total (FERRY_MAX_BYTES)",
				      (unsigned long long)st->o->limits.max_bytes);
		entry_begin(st);
		if (archive_entry_filetype(e) == AE_IFREG && !strcmp(name, "manifest.sig")) {
			/* manifest.json was not first, so no place for manifest.sig is right */
			return refuse(err, FERRY_EUNSAFE, name, SIG_PLACE);
		} else if (archive_entry_filetype(e) == AE_IFREG && !strcmp(name, "manifest.json")) {
			if (st->in->manifest_bytes)
				return refuse(err, FERRY_EUNSAFE, name, "duplicate entry");
			if ((rc = load_manifest(st, err)))
				return rc;
		} else if ((rc = drain(st, name, err))) {
			return rc;
		}
	}
	if (rc < 0)
		return rc;
	if (!st->in->manifest)
		return ferry_error_set(err, FERRY_EUNSAFE, "the package has no manifest.json at its root");
	close_reader(st);
	st->preloaded = 1;
	return 0;
}

static int main_pass(struct intake *st, struct ferry_error *err)
{
	struct archive_entry *e;
	char name[FERRY_PATH_MAX_LEN + 8];
	int rc, first = 1;

	if ((rc = open_reader(st, err)))
		return rc;
	st->in->entries = 0;
	while ((rc = next_header(st, &e, first, err)) == 0) {
		first = 0;
		if ((rc = entry_name(st, e, name, sizeof(name), err)) == 1)
			continue;
		if (rc)
			return rc;
		entry_begin(st);
		if (archive_entry_filetype(e) == AE_IFREG &&
		    (!strcmp(name, "manifest.json") || !strcmp(name, "manifest.sig"))) {
			if ((rc = meta_entry(st, name, name[9] == 's', err)))
				return rc;
			if (st->o->manifest_only && !st->preloaded && name[9] == 's')
				return 0;
			continue;
		}
		if (!st->in->manifest)
			return NEED_SCAN;
		if (st->o->manifest_only)
			return 0;
		if ((rc = ensure_checked(st, err)))
			return rc;
		rc = archive_entry_filetype(e) == AE_IFDIR ? dir_entry(st, name, err)
							   : file_entry(st, e, name, err);
		if (rc)
			return rc;
	}
	if (rc < 0)
		return rc;
	if (!st->in->manifest)
		return ferry_error_set(err, FERRY_EUNSAFE, "the package has no manifest.json at its root");
	return 0;
}

static int finish(struct intake *st, struct ferry_error *err)
{
	const struct ferry_manifest *m = st->in->manifest;
	size_t i;
	int rc;

	if (st->o->manifest_only)
		return 0;
	if ((rc = ensure_checked(st, err)))
		return rc;
	for (i = 0; i < m->n_payload; i++)
		if (!st->seen[i])
			return ferry_error_set(err, FERRY_EVERIFY,
				"payload file '%s' listed in manifest.json is missing from the archive",
				m->payload[i].path);
	if (st->dest)
		return commit_tmp(st, err);
	return 0;
}

void ferry_intake_free(struct ferry_intake *in)
{
	if (!in)
		return;
	ferry_manifest_free(in->manifest);
	free(in->manifest_bytes);
	free(in->sig_bytes);
	free(in);
}

int ferry_archive_intake(const char *path, const void *mem, size_t len, const char *dest,
			 const struct ferry_intake_opts *opts, struct ferry_intake **out,
			 struct ferry_error *err)
{
	struct intake st = { 0 };
	int rc;

	if (out)
		*out = NULL;
	st.o = opts;
	st.path = path;
	st.mem = mem;
	st.memlen = len;
	st.dest = dest;
	st.rootfd = st.curfd = -1;
	st.in = calloc(1, sizeof(*st.in));
	st.dirs = json_object();
	if (!st.in || !st.dirs) {
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		goto out;
	}
	rc = main_pass(&st, err);
	if (rc == NEED_SCAN) {   /* manifest.json was not first: find it, then read again */
		close_reader(&st);
		st.manifest_seen = st.sig_seen = 0;
		ferry_manifest_free(st.in->manifest);
		free(st.in->manifest_bytes);
		free(st.in->sig_bytes);
		st.in->manifest = NULL;
		st.in->manifest_bytes = st.in->sig_bytes = NULL;
		rc = scan_pass(&st, err);
		if (!rc && !opts->manifest_only)
			rc = main_pass(&st, err);
	}
	if (!rc)
		rc = finish(&st, err);
out:
	close_reader(&st);
	if (st.curfd >= 0 && st.curfd != st.rootfd)
		close(st.curfd);
	if (st.rootfd >= 0)
		close(st.rootfd);
	if (st.tmp) {
		ferry_rm_rf(st.tmp, NULL);
		free(st.tmp);
	}
	free(st.seen);
	json_decref(st.dirs);
	if (rc == 0 && out)
		*out = st.in;
	else
		ferry_intake_free(st.in);
	return rc;
}
