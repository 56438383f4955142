/* SPDX-License-Identifier: MIT */
/* package_build.c: `ferry package build`: walk a directory, fill the manifest's
 * payload, sign, and write the archive in ferry's canonical form. */
#include "ferry/package/package.h"
#include "ferry/base/error.h"
#include "ferry/package/keys.h"
#include "ferry/package/manifest.h"
#include "ferry/base/util.h"
#include "ferry/base/version.h"

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

struct walk {
	const char *root;
	json_t *files;     /* array of payload objects */
	size_t count;
};

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_file(struct walk *w, const char *rel, const struct stat *st, struct ferry_error *err)
{
	char full[PATH_MAX], hex[65];
	uint64_t size;
	int rc;

	if (ferry_path_check(rel, err))
		return ferry_error_prefix(err, "%s/%s", w->root, rel);
	if ((rc = ferry_fmt(full, sizeof(full), err, "path", "%s/%s", w->root, rel)) ||
	    (rc = ferry_file_sha256(full, hex, &size, err)))
		return rc;
	if (++w->count > 100000)
		return ferry_error_set(err, FERRY_EINVAL, "%s: more than 100000 files", w->root);
	if (json_array_append_new(w->files, json_pack("{s:s, s:I, s:s, s:s}", "path", rel,
		"size", (json_int_t)size, "mode", (st->st_mode & 0111) ? "0755" : "0644", "sha256", hex)))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory listing %s", full);
	return 0;
}

/* Depth-first, names sorted, so the payload order is stable. */
static int walk_dir(struct walk *w, const char *rel, struct ferry_error *err)
{
	char full[PATH_MAX], child[PATH_MAX];
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if (ferry_fmt(full, sizeof(full), err, "path", "%s%s%s", w->root, *rel ? "/" : "", rel))
		return FERRY_EINVAL;
	if (!(d = opendir(full)))
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot read directory %s", full);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!*rel && (!strcmp(de->d_name, "manifest.json") || !strcmp(de->d_name, "manifest.sig")))
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 32) * sizeof(*names));
			if (!nn) {
				rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
				goto out;
			}
			names = nn;
		}
		if (!(names[n] = strdup(de->d_name))) {
			rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
			goto out;
		}
		n++;
	}
	if (n)
		qsort(names, n, sizeof(*names), str_cmp);
	for (i = 0; i < n && !rc; i++) {
		struct stat st;
		if ((rc = ferry_fmt(child, sizeof(child), err, "path", "%s%s%s", rel, *rel ? "/" : "", names[i])) ||
		    (rc = ferry_fmt(full, sizeof(full), err, "path", "%s/%s", w->root, child)))
			break;
		if (lstat(full, &st) < 0)
			rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot stat %s", full);
		else if (S_ISDIR(st.st_mode))
			rc = walk_dir(w, child, err);
		else if (S_ISREG(st.st_mode))
			rc = add_file(w, child, &st, err);
		else
			rc = ferry_error_set(err, FERRY_EINVAL,
				"%s is not a regular file or directory (links and special files cannot be packaged)", full);
	}
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

static int copy_file(struct archive *a, const char *path, struct ferry_error *err)
{
	static char buf[1 << 17];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot open %s", path);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (archive_write_data(a, buf, (size_t)n) != n) {
			close(fd);
			return ferry_error_set(err, FERRY_EIO, "writing %s: %s", path, archive_error_string(a));
		}
	close(fd);
	return n < 0 ? ferry_error_errno(err, FERRY_EIO, errno, "cannot read %s", path) : 0;
}

static int write_blob(struct archive *a, const char *name, const char *data, size_t len,
		      struct ferry_error *err)
{
	if (ferry_archive_write_header(a, name, 0, len, 0644, err))
		return err ? err->code : FERRY_EIO;
	if (len && archive_write_data(a, data, len) != (la_ssize_t)len)
		return ferry_error_set(err, FERRY_EIO, "writing %s: %s", name, archive_error_string(a));
	return 0;
}

static int write_archive(const char *tmp, const char *container, const char *dir,
			 const struct ferry_manifest *m, const char *mbytes, size_t mlen,
			 const char *sig, size_t siglen, struct ferry_error *err)
{
	struct archive *a;
	char full[PATH_MAX];
	size_t i;
	int rc;

	if ((rc = ferry_archive_load(err)))
		return rc;
	if (!(a = archive_write_new()))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if ((rc = ferry_archive_writer_setup(a, container, err)))
		goto out;
	if (archive_write_open_filename(a, tmp) != ARCHIVE_OK) {
		rc = ferry_error_set(err, FERRY_EIO, "cannot create %s: %s", tmp, archive_error_string(a));
		goto out;
	}
	if ((rc = write_blob(a, "manifest.json", mbytes, mlen, err)))
		goto out;
	if (sig && (rc = write_blob(a, "manifest.sig", sig, siglen, err)))
		goto out;
	for (i = 0; i < m->n_payload; i++) {
		if ((rc = ferry_fmt(full, sizeof(full), err, "path", "%s/%s", dir, m->payload[i].path)) ||
		    (rc = ferry_archive_write_header(a, m->payload[i].path, 0, m->payload[i].size,
						     m->payload[i].mode, err)) ||
		    (rc = copy_file(a, full, err)))
			goto out;
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		rc = ferry_error_set(err, FERRY_EIO, "finishing %s: %s", tmp, archive_error_string(a));
out:
	archive_write_free(a);
	return rc;
}

int ferry_package_build(struct ferry_ctx *ctx, const char *dir, const char *out_file,
			const char *key, json_t **summary, struct ferry_error *err)
{
	struct walk w = { dir, NULL, 0 };
	struct ferry_manifest *m = NULL;
	const char *container = ferry_archive_container_for(out_file);
	char mpath[PATH_MAX], tmp[PATH_MAX], sha[65];
	char *mbytes = NULL, *sig = NULL;
	size_t siglen = 0;
	json_t *doc = NULL, *b;
	json_error_t jerr;
	uint64_t size;
	int rc;

	if (summary)
		*summary = NULL;
	if (!container)
		return ferry_error_set(err, FERRY_EINVAL,
			"output %s: name it .zip, .tar.gz, .tgz or .tar.zst to choose the container", out_file);
	if (ferry_fmt(mpath, sizeof(mpath), err, "path", "%s/manifest.json", dir) ||
	    ferry_fmt(tmp, sizeof(tmp), err, "output path", "%s.tmp.%ld", out_file, (long)getpid()))
		return FERRY_EINVAL;
	doc = json_load_file(mpath, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc || !json_is_object(doc)) {
		rc = ferry_error_set(err, FERRY_EINVAL, "%s: %s", mpath,
				     doc ? "must be a JSON object" : jerr.text);
		goto out;
	}
	if (!(w.files = json_array())) {
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = walk_dir(&w, "", err)))
		goto out;
	rc = json_object_set_new(doc, "payload", w.files);
	w.files = NULL;
	json_object_del(doc, "build");
	b = json_pack("{s:s, s:s}", "tool", "ferry " FERRY_VERSION, "seal", "ferry-seal-1");
	if (rc || json_object_set_new(doc, "build", b) || !(mbytes = json_dumps(doc, JSON_INDENT(2)))) {
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = ferry_manifest_parse(mbytes, strlen(mbytes), &m, err))) {
		ferry_error_prefix(err, "%s", dir);
		goto out;
	}
	if (key && (rc = ferry_key_sign(ctx, key, mbytes, strlen(mbytes), &sig, &siglen, err)))
		goto out;
	if ((rc = write_archive(tmp, container, dir, m, mbytes, strlen(mbytes), sig, siglen, err)) ||
	    (rc = ferry_seal_append(ctx, tmp, container, key, err)) ||
	    (rc = ferry_fsync_file(tmp, err)))
		goto fail;
	if (rename(tmp, out_file) < 0) {
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot rename %s to %s", tmp, out_file);
		goto fail;
	}
	if ((rc = ferry_file_sha256(out_file, sha, &size, err)))
		goto out;
	if (summary) {
		json_t *s = ferry_manifest_summary(m);
		if (!s || (json_object_set_new(s, "file", json_string(out_file)) |
			   json_object_set_new(s, "container", json_string(container)) |
			   json_object_set_new(s, "sha256", json_string(sha)) |
			   json_object_set_new(s, "size", json_integer((json_int_t)size)) |
			   json_object_set_new(s, "signed", json_boolean(sig != NULL)))) {
			json_decref(s);
			rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory (%s is built)", out_file);
			goto out;
		}
		*summary = s;
	}
	goto out;
fail:
	unlink(tmp);
out:
	json_decref(w.files);
	json_decref(doc);
	ferry_manifest_free(m);
	free(mbytes);
	free(sig);
	return rc;
}
