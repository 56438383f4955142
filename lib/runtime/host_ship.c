/* SPDX-License-Identifier: MIT */
/* host_ship.c: directories (release trees, extracted packages) shipped between
 * ferry's machine and a host as a package stream: a tar.zst whose manifest.json
 * lists every file with its size, mode and SHA-256, so the receiving side runs the
 * same intake as for any package (safe paths only, regular files only, limits,
 * every hash checked, atomic extraction). The directory's own manifest.json travels
 * as .ferry-ship/manifest.json and is put back after intake, byte for byte. */
#include "runtime/host_int.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/package/archive.h"
#include "ferry/package/manifest.h"
#include "ferry/package/package.h"

#include "package/archive_sym.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SHIP_DIR ".ferry-ship"
#define SHIP_MANIFEST SHIP_DIR "/manifest.json"

struct walk {
	const char *root;
	json_t *files;
};

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in directory full, sorted (caller frees each and the array). */
static int list_dir(const char *full, char ***out, size_t *n, struct ferry_error *err)
{
	struct dirent *de;
	size_t cap = 0;
	char **v = NULL;
	DIR *d = opendir(full);

	*n = 0;
	if (!d)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot read directory %s", full);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (*n == cap) {
			char **nv = realloc(v, (cap = cap ? cap * 2 : 32) * sizeof(*v));
			if (!nv)
				goto oom;
			v = nv;
		}
		if (!(v[*n] = strdup(de->d_name)))
			goto oom;
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), name_cmp);
	*out = v;
	return 0;
oom:
	closedir(d);
	while (*n)
		free(v[--*n]);
	free(v);
	return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
}

static int walk(struct walk *w, const char *rel, struct ferry_error *err)
{
	char full[PATH_MAX], child[PATH_MAX], hex[65];
	char **names = NULL;
	size_t n = 0, i;
	int rc;

	if (ferry_fmt(full, sizeof(full), err, "a path to ship", "%s%s%s", w->root, *rel ? "/" : "", rel))
		return FERRY_EINVAL;
	if ((rc = list_dir(full, &names, &n, err)))
		return rc;
	for (i = 0; i < n && !rc; i++) {
		struct stat st;
		uint64_t size;
		if (!*rel && (!strcmp(names[i], "manifest.json") || !strcmp(names[i], "manifest.sig") ||
			      !strcmp(names[i], SHIP_DIR)))
			continue;
		if (ferry_fmt(child, sizeof(child), err, "a path to ship", "%s%s%s", rel, *rel ? "/" : "",
			      names[i]) ||
		    ferry_fmt(full, sizeof(full), err, "a path to ship", "%s/%s", w->root, child))
			rc = FERRY_EINVAL;
		else if (lstat(full, &st) < 0)
			rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot stat %s", full);
		else if (S_ISDIR(st.st_mode))
			rc = walk(w, child, err);
		else if (!S_ISREG(st.st_mode))
			rc = ferry_error_set(err, FERRY_EUNSAFE, "%s is not a regular file or directory: "
					     "only those are shipped to a host", full);
		else if (!(rc = ferry_path_check(child, err)) &&
			 !(rc = ferry_file_sha256(full, hex, &size, err)))
			json_array_append_new(w->files, json_pack("{s:s, s:I, s:s, s:s}", "path", child,
				"size", (json_int_t)size, "mode", (st.st_mode & 0111) ? "0755" : "0644",
				"sha256", hex));
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

static int sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	int i;

	crypto_hash_sha256(h, data, len);
	for (i = 0; i < (int)sizeof(h); i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
	return 0;
}

static la_ssize_t sink_cb(struct archive *a, void *arg, const void *buf, size_t len)
{
	const struct host_sink *s = arg;
	struct ferry_error e;

	if (s->write(s->arg, buf, len, &e)) {
		archive_set_error(a, EIO, "%s", e.msg);
		return -1;
	}
	return (la_ssize_t)len;
}

static int put_blob(struct archive *a, const char *name, const char *data, size_t len,
		    struct ferry_error *err)
{
	int rc = ferry_archive_write_header(a, name, 0, len, 0644, err);

	if (!rc && len && archive_write_data(a, data, len) != (la_ssize_t)len)
		rc = ferry_error_set(err, FERRY_EIO, "shipping %s: %s", name, archive_error_string(a));
	return rc;
}

static int put_file(struct archive *a, const char *full, const char *name, uint64_t size,
		    unsigned mode, struct ferry_error *err)
{
	char buf[1 << 16];
	ssize_t n;
	uint64_t sent = 0;
	int fd, rc;

	if ((rc = ferry_archive_write_header(a, name, 0, size, mode, err)))
		return rc;
	if ((fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot open %s", full);
	while (sent < size && (n = read(fd, buf, sizeof(buf))) > 0) {
		if ((uint64_t)n > size - sent)
			n = (ssize_t)(size - sent);
		if (archive_write_data(a, buf, (size_t)n) != n) {
			close(fd);
			return ferry_error_set(err, FERRY_EIO, "shipping %s: %s", full, archive_error_string(a));
		}
		sent += (uint64_t)n;
	}
	close(fd);
	if (sent != size)
		return ferry_error_set(err, FERRY_EIO, "%s changed while it was shipped", full);
	return 0;
}

static int write_stream(const char *dir, const char *mbytes, const json_t *files,
			const char *orig, size_t orig_len, const struct host_sink *sink,
			struct ferry_error *err)
{
	struct archive *a;
	char full[PATH_MAX];
	const json_t *f;
	size_t i;
	int rc;

	if ((rc = ferry_archive_load(err)))
		return rc;
	if (!(a = archive_write_new()))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if ((rc = ferry_archive_writer_setup(a, "tar.zst", err)))
		goto out;
	archive_write_set_filter_option(a, "zstd", "compression-level", "3");
	if (archive_write_open(a, (void *)sink, NULL, sink_cb, NULL) != ARCHIVE_OK) {
		rc = ferry_error_set(err, FERRY_EIO, "shipping %s: %s", dir, archive_error_string(a));
		goto out;
	}
	if ((rc = put_blob(a, "manifest.json", mbytes, strlen(mbytes), err)) ||
	    (rc = put_blob(a, SHIP_MANIFEST, orig, orig_len, err)))
		goto out;
	json_array_foreach(files, i, f) {
		const char *p = json_string_value(json_object_get(f, "path"));
		if (!strcmp(p, SHIP_MANIFEST))
			continue;
		snprintf(full, sizeof(full), "%s/%s", dir, p);
		if ((rc = put_file(a, full, p, (uint64_t)json_integer_value(json_object_get(f, "size")),
				   strcmp(json_string_value(json_object_get(f, "mode")), "0755") ? 0644 : 0755,
				   err)))
			goto out;
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		rc = ferry_error_set(err, FERRY_EIO, "shipping %s: %s", dir, archive_error_string(a));
out:
	archive_write_free(a);
	return rc;
}

int host_ship_write(const char *dir, const struct host_sink *sink, struct ferry_error *err)
{
	struct ferry_buf orig = FERRY_BUF_INIT;
	struct walk w = { dir, json_array() };
	char *mpath = ferry_path_join(dir, "manifest.json"), *mbytes = NULL, hex[65];
	json_t *doc = NULL;
	int rc;

	if (!mpath || !w.files) {
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		goto out;
	}
	if (ferry_buf_read_file(&orig, mpath) || !orig.data) {
		rc = ferry_error_set(err, FERRY_EINVAL, "%s has no manifest.json: not a package or "
				     "release tree", dir);
		goto out;
	}
	if (!(doc = json_loadb(orig.data, orig.len, 0, NULL)) || !json_is_object(doc)) {
		rc = ferry_error_set(err, FERRY_EINVAL, "%s: not a JSON object", mpath);
		goto out;
	}
	if ((rc = walk(&w, "", err)))
		goto out;
	sha256_hex(orig.data, orig.len, hex);
	json_array_append_new(w.files, json_pack("{s:s, s:I, s:s, s:s}", "path", SHIP_MANIFEST,
		"size", (json_int_t)orig.len, "mode", "0644", "sha256", hex));
	json_object_set(doc, "payload", w.files);
	json_object_del(doc, "build");
	if (!(mbytes = json_dumps(doc, JSON_COMPACT))) {
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		goto out;
	}
	rc = write_stream(dir, mbytes, w.files, orig.data, orig.len, sink, err);
out:
	json_decref(w.files);
	json_decref(doc);
	ferry_buf_release(&orig);
	free(mpath);
	free(mbytes);
	return rc;
}

/* Copy src into the new file tmp, synced. */
static int spool(const struct host_src *src, const char *tmp, struct ferry_error *err)
{
	char buf[1 << 16];
	size_t got;
	int fd, rc = 0;

	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot create %s", tmp);
	for (;;) {
		if ((rc = src->read(src->arg, buf, sizeof(buf), &got, err)) || !got)
			break;
		if ((rc = host_fd_write(&fd, buf, got, err)))
			break;
	}
	if (!rc && fsync(fd) < 0)
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot sync %s", tmp);
	close(fd);
	return rc;
}

int host_ship_receive(const struct host_src *src, const char *tmp, const char *dest,
		      const struct ferry_intake_limits *limits, struct ferry_error *err)
{
	struct ferry_intake_opts o;
	char *kept = ferry_path_join(dest, SHIP_MANIFEST), *man = ferry_path_join(dest, "manifest.json");
	char *sdir = ferry_path_join(dest, SHIP_DIR);
	int rc;

	memset(&o, 0, sizeof(o));
	o.limits = *limits;
	if (!kept || !man || !sdir) {
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		goto out;
	}
	unlink(tmp);
	if ((rc = spool(src, tmp, err)) || (rc = ferry_archive_intake(tmp, NULL, 0, dest, &o, NULL, err)))
		goto out;
	if (rename(kept, man) < 0 || rmdir(sdir) < 0)
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot put back %s", man);
	else
		rc = ferry_fsync_dir(dest, err);
	if (rc)
		ferry_rm_rf(dest, NULL);
out:
	unlink(tmp);
	free(kept);
	free(man);
	free(sdir);
	return rc;
}
