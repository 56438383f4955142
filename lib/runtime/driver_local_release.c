/* SPDX-License-Identifier: MIT */
/* driver_local_release.c: the local driver's release trees: install from an
 * extracted package, overlay a package onto a copy of the current release, the
 * atomic `current` switch, listing and pruning, on ferry's own file system. */
#include "runtime/driver_local.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/store/ctx.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define META_DIR ".ferry"

/* ---- copying files and trees ---- */

static int copy_bytes(int in, int out)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(in, buf, sizeof(buf))) != 0) {
		char *p = buf;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (n > 0) {
			ssize_t w = write(out, p, (size_t)n);
			if (w < 0) {
				if (errno == EINTR)
					continue;
				return -1;
			}
			p += w;
			n -= w;
		}
	}
	return 0;
}

/* dst gets src's content: a reflink where the file system shares extents, else a
 * hard link, else a copy. Release files are read-only, so sharing is safe. A file of
 * ferry's own scratch (scratch: an extraction in <home>/work or <home>/tmp, removed
 * after the operation) is linked first, writable or not, its inode made read-only as a
 * release file is: a link is one directory entry, a copy (or a failed reflink on ext4)
 * two files made and one removed per file; for MediaWiki's 7,900 files, 2.8 s against
 * 16 s of `cp -r` on this machine's loaded disk (docs/APPLICATIONS.md). */
static int place_file(const char *src, const char *dst, mode_t mode, int scratch,
		      struct ferry_error *err)
{
	mode_t mode_src = mode;
	int in, out = -1, rc = 0;

	mode = (mode & 0555) | 0400;
	if ((in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot read %s", src);
	if (scratch && ((mode_src & 07777) == mode || fchmod(in, mode) == 0) && link(src, dst) == 0)
		goto out;
	if ((out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot create %s", dst);
		goto out;
	}
	if (ioctl(out, FICLONE, in) == 0)
		goto done;
	close(out);
	unlink(dst);
	out = -1;
	/* Share the inode only with files nobody can write (older releases, read-only
	 * extractions): an operator's writable files are copied, never re-moded. */
	if (!(mode_src & 0222) && link(src, dst) == 0)
		goto out;
	if ((out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0 ||
	    copy_bytes(in, out) < 0) {
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot copy %s to %s", src, dst);
		goto out;
	}
done:
	if (fchmod(out, mode) < 0)
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot set the mode of %s", dst);
out:
	if (out >= 0)
		close(out);
	close(in);
	return rc;
}

/* Copy tree src into dst (which exists). Symlinks and special files are refused:
 * a release tree holds directories and regular files only. At the top level,
 * names in `skip` are left out; existing files in dst are replaced. */
static int copy_tree(const char *src, const char *dst, const char *const *skip, int scratch,
		     struct ferry_error *err)
{
	struct dirent *de;
	DIR *d = opendir(src);
	int rc = 0;

	if (!d)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot read directory %s", src);
	while (!rc && (de = readdir(d))) {
		const char *const *s;
		struct stat st;
		char *a, *b;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		for (s = skip; s && *s && strcmp(*s, de->d_name); s++)
			;
		if (s && *s)
			continue;
		a = ferry_path_join(src, de->d_name);
		b = ferry_path_join(dst, de->d_name);
		if (!a || !b)
			rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		else if (lstat(a, &st) < 0)
			rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot stat %s", a);
		else if (S_ISDIR(st.st_mode)) {
			if (mkdir(b, 0755) < 0 && errno != EEXIST)
				rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot create %s", b);
			else
				rc = copy_tree(a, b, NULL, scratch, err);
		} else if (S_ISREG(st.st_mode)) {
			if (unlink(b) < 0 && errno != ENOENT)
				rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot replace %s", b);
			else
				rc = place_file(a, b, st.st_mode, scratch, err);
		} else {
			rc = ferry_error_set(err, FERRY_EUNSAFE,
				"%s is not a regular file or directory: release trees hold only those", a);
		}
		free(a);
		free(b);
	}
	closedir(d);
	return rc;
}

/* ---- ids and metadata ---- */

static int release_seq(const char *id)
{
	long long n;
	char num[16];
	size_t i;

	if (id[0] != 'r')
		return -1;
	for (i = 1; i < sizeof(num) && id[i] >= '0' && id[i] <= '9'; i++)
		num[i - 1] = id[i];
	num[i - 1] = '\0';
	if (i == 1 || id[i] != '-' || ferry_parse_int(num, 0, 1000000000, &n))
		return -1;
	return (int)n;
}

/* Release ids in releases/, sorted by sequence number (caller frees the array). */
static int release_ids(struct ferry_runtime *rt, json_t **out, struct ferry_error *err)
{
	char *dir = ferry_runtime_path(rt, "releases");
	json_t *arr = json_array();
	struct dirent *de;
	size_t i, j;
	DIR *d;

	*out = NULL;
	if (!dir || !(d = opendir(dir))) {
		int e = errno;
		json_decref(arr);
		free(dir);
		return ferry_error_errno(err, FERRY_EIO, e, "cannot read the releases of '%s'", rt->env.name);
	}
	while ((de = readdir(d)))
		if (release_seq(de->d_name) >= 0)
			json_array_append_new(arr, json_string(de->d_name));
	closedir(d);
	free(dir);
	for (i = 1; i < json_array_size(arr); i++)   /* few releases: insertion sort */
		for (j = i; j > 0 && release_seq(json_string_value(json_array_get(arr, j - 1))) >
				     release_seq(json_string_value(json_array_get(arr, j))); j--) {
			json_t *t = json_incref(json_array_get(arr, j));
			json_array_set(arr, j, json_array_get(arr, j - 1));
			json_array_set_new(arr, j - 1, t);
		}
	*out = arr;
	return 0;
}

static int next_id(struct ferry_runtime *rt, const json_t *man, char out[FERRY_RELEASE_ID_MAX],
		   struct ferry_error *err)
{
	const char *name = json_string_value(json_object_get(man, "name"));
	const char *ver = json_string_value(json_object_get(man, "version"));
	json_t *ids;
	int rc, seq = 0;

	if (!name || !ver || ferry_name_check(name, "package", NULL) || ferry_name_check(ver, "version", NULL))
		return ferry_error_set(err, FERRY_EINVAL,
			"manifest.json needs a valid \"name\" and \"version\" (see docs/PACKAGES.md)");
	if ((rc = release_ids(rt, &ids, err)))
		return rc;
	if (json_array_size(ids))
		seq = release_seq(json_string_value(json_array_get(ids, json_array_size(ids) - 1)));
	json_decref(ids);
	if (snprintf(out, FERRY_RELEASE_ID_MAX, "r%d-%s-%s", seq + 1, name, ver) >= FERRY_RELEASE_ID_MAX)
		return ferry_error_set(err, FERRY_EINVAL, "package name and version too long");
	return 0;
}

static int load_json(const char *path, json_t **out, struct ferry_error *err)
{
	json_error_t je;

	*out = json_load_file(path, 0, &je);
	if (!*out || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return ferry_error_set(err, FERRY_EINVAL, "cannot read %s: %s (line %d)", path,
				       je.text, je.line);
	}
	return 0;
}

static int save_json(const char *dir, const char *rel, json_t *v, struct ferry_error *err)
{
	char *p = ferry_path_join(dir, rel), *text = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS);
	int rc = p && text ? ferry_write_file_atomic(p, text, strlen(text), 0444, err)
			   : ferry_error_set(err, FERRY_ENOMEM, "out of memory");

	free(p);
	free(text);
	return rc;
}

static json_t *layer(const json_t *man)
{
	return json_pack("{s:O?, s:O?, s:O?}", "name", json_object_get(man, "name"),
			 "version", json_object_get(man, "version"), "type", json_object_get(man, "type"));
}

/* Write .ferry/release.json and .ferry/packages/<name>.json in tmp, then move tmp
 * to releases/<id> in one rename: a release appears whole or not at all. */
static int finish(struct ferry_runtime *rt, const char *tmp, const char *id, json_t *info,
		  const char *pkg_dir, const json_t *man, struct ferry_error *err)
{
	char rel[PATH_MAX], *mdir = ferry_path_join(tmp, META_DIR "/packages"), *src = NULL, *dst;
	int rc;

	json_object_set_new(info, "id", json_string(id));
	if (!mdir)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if ((rc = ferry_mkdir_p(mdir, 0755, err)))
		goto out;
	snprintf(rel, sizeof(rel), "%s/%s.json", mdir, json_string_value(json_object_get(man, "name")));
	src = ferry_path_join(pkg_dir, "manifest.json");
	unlink(rel);
	if ((rc = place_file(src, rel, 0644, 0, err)) || (rc = save_json(tmp, META_DIR "/release.json", info, err)))
		goto out;
	snprintf(rel, sizeof(rel), "releases/%s", id);
	if (!(dst = ferry_runtime_path(rt, rel))) {
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		goto out;
	}
	if (rename(tmp, dst) < 0)
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot rename %s to %s", tmp, dst);
	free(dst);
	if (!rc) {
		char *rdir = ferry_runtime_path(rt, "releases");
		rc = rdir ? ferry_fsync_dir(rdir, err) : 0;
		free(rdir);
	}
out:
	free(mdir);
	free(src);
	return rc;
}

static int read_pkg_manifest(const char *dir, json_t **man, struct ferry_error *err)
{
	char *p = ferry_path_join(dir, "manifest.json");
	int rc;

	if (!p)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if (!ferry_path_exists(p))
		rc = ferry_error_set(err, FERRY_EINVAL, "%s has no manifest.json: not an extracted package", dir);
	else
		rc = load_json(p, man, err);
	free(p);
	return rc;
}

/* Is dir in ferry's own scratch, where it extracts packages for an operation
 * (<home>/work/..., <home>/tmp/...), nothing else holding its files? */
static int scratch_of(struct ferry_runtime *rt, const char *dir)
{
	static const char *const roots[] = { "/work/", "/tmp/" };
	size_t i, hl = strlen(rt->ctx->home);

	if (strncmp(dir, rt->ctx->home, hl))
		return 0;
	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
		if (!strncmp(dir + hl, roots[i], strlen(roots[i])) && !strstr(dir + hl, "/../"))
			return 1;
	return 0;
}

static char *tmp_dir(struct ferry_runtime *rt, const char *id)
{
	char rel[FERRY_RELEASE_ID_MAX + 32];

	snprintf(rel, sizeof(rel), "releases/.tmp-%s", id);
	return ferry_runtime_path(rt, rel);
}

int rt_local_release_install(struct ferry_runtime *rt, const char *src_dir,
				  char out_id[FERRY_RELEASE_ID_MAX], struct ferry_error *err)
{
	static const char *const skip[] = { "manifest.sig", META_DIR, NULL };
	json_t *man = NULL, *info = NULL;
	char *tmp = NULL;
	int rc;

	if ((rc = read_pkg_manifest(src_dir, &man, err)) || (rc = next_id(rt, man, out_id, err)))
		goto out;
	if (!(tmp = tmp_dir(rt, out_id))) {
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = ferry_rm_rf(tmp, err)) || (rc = ferry_mkdir_p(tmp, 0755, err)) ||
	    (rc = copy_tree(src_dir, tmp, skip, scratch_of(rt, src_dir), err)))
		goto out;
	info = json_pack("{s:n, s:[o]}", "base", "packages", layer(man));
	rc = finish(rt, tmp, out_id, info, src_dir, man, err);
out:
	if (rc && tmp)
		ferry_rm_rf(tmp, NULL);
	if (rc)
		ferry_error_prefix(err, "installing a release from %s", src_dir);
	free(tmp);
	json_decref(man);
	json_decref(info);
	return rc;
}

int rt_local_release_overlay(struct ferry_runtime *rt, const char *pkg_dir,
				  char out_id[FERRY_RELEASE_ID_MAX], struct ferry_error *err)
{
	static const char *const skip[] = { "manifest.json", "manifest.sig", META_DIR, NULL };
	char cur[FERRY_RELEASE_ID_MAX], rel[PATH_MAX], *base = NULL, *tmp = NULL;
	json_t *man = NULL, *info = NULL, *layers, *l;
	size_t i;
	int rc;

	if (rt_local_release_current(rt, cur))
		return ferry_error_set(err, FERRY_ESTATE,
			"environment '%s' has no current release to lay a package over", rt->env.name);
	snprintf(rel, sizeof(rel), "releases/%s", cur);
	if ((rc = read_pkg_manifest(pkg_dir, &man, err)) || (rc = next_id(rt, man, out_id, err)))
		goto out;
	if (!(base = ferry_runtime_path(rt, rel)) || !(tmp = tmp_dir(rt, out_id))) {
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = ferry_rm_rf(tmp, err)) || (rc = ferry_mkdir_p(tmp, 0755, err)) ||
	    (rc = copy_tree(base, tmp, NULL, 0, err)) ||
	    (rc = copy_tree(pkg_dir, tmp, skip, scratch_of(rt, pkg_dir), err)))
		goto out;
	snprintf(rel, sizeof(rel), "%s/" META_DIR "/release.json", base);
	if (ferry_path_exists(rel)) {
		if ((rc = load_json(rel, &info, err)))
			goto out;
	} else {
		info = json_object();
	}
	/* The release.json in tmp is a link to the base's: replace, never edit it. */
	snprintf(rel, sizeof(rel), "%s/" META_DIR "/release.json", tmp);
	unlink(rel);
	json_object_set_new(info, "base", json_string(cur));
	if (!json_is_array(layers = json_object_get(info, "packages")))
		json_object_set_new(info, "packages", layers = json_array());
	json_array_foreach(layers, i, l)
		if (json_equal(json_object_get(l, "name"), json_object_get(man, "name")))
			break;
	if (i < json_array_size(layers))
		json_array_set_new(layers, i, layer(man));
	else
		json_array_append_new(layers, layer(man));
	rc = finish(rt, tmp, out_id, info, pkg_dir, man, err);
out:
	if (rc && tmp)
		ferry_rm_rf(tmp, NULL);
	if (rc)
		ferry_error_prefix(err, "laying package %s over release '%s'", pkg_dir, cur);
	free(base);
	free(tmp);
	json_decref(man);
	json_decref(info);
	return rc;
}

int rt_local_release_switch(struct ferry_runtime *rt, const char *id, struct ferry_error *err)
{
	char target[FERRY_RELEASE_ID_MAX + 16], tmp[64], *ptmp, *pcur, *pdir;
	int rc = 0;

	snprintf(target, sizeof(target), "releases/%s", id);
	snprintf(tmp, sizeof(tmp), "current.tmp-%ld", (long)getpid());
	pdir = ferry_runtime_path(rt, target);
	ptmp = ferry_runtime_path(rt, tmp);
	pcur = ferry_runtime_path(rt, "current");
	if (!pdir || !ptmp || !pcur) {
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		goto out;
	}
	if (strchr(id, '/') || release_seq(id) < 0 || !ferry_path_exists(pdir)) {
		rc = ferry_error_set(err, FERRY_ENOTFOUND, "no release '%s' in environment '%s'",
				     id, rt->env.name);
		goto out;
	}
	unlink(ptmp);
	*strrchr(ptmp, '/') = '\0';  /* and those of killed processes */
	ferry_tmp_sweep(ptmp, "current.tmp-");
	ptmp[strlen(ptmp)] = '/';
	if (symlink(target, ptmp) < 0) {
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot create %s", ptmp);
		goto out;
	}
	if (rename(ptmp, pcur) < 0) {
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot switch %s", pcur);
		unlink(ptmp);
		goto out;
	}
	rc = ferry_fsync_dir(rt->dir, err);
out:
	free(pdir);
	free(ptmp);
	free(pcur);
	return rc;
}

int rt_local_release_current(struct ferry_runtime *rt, char out[FERRY_RELEASE_ID_MAX])
{
	char *p = ferry_runtime_path(rt, "current"), buf[PATH_MAX];
	ssize_t n = p ? readlink(p, buf, sizeof(buf) - 1) : -1;

	free(p);
	out[0] = '\0';
	if (n <= 9 || strncmp(buf, "releases/", 9))
		return FERRY_ENOTFOUND;
	buf[n] = '\0';
	if ((size_t)snprintf(out, FERRY_RELEASE_ID_MAX, "%s", buf + 9) >= FERRY_RELEASE_ID_MAX) {
		out[0] = '\0';   /* a cut id would name another release */
		return FERRY_EINVAL;
	}
	return 0;
}

int rt_local_release_manifest(struct ferry_runtime *rt, const char *id, json_t **out,
				   struct ferry_error *err)
{
	char cur[FERRY_RELEASE_ID_MAX], rel[FERRY_RELEASE_ID_MAX + 32], *p;
	int rc;

	*out = NULL;
	if (!id) {
		if (rt_local_release_current(rt, cur))
			return ferry_error_set(err, FERRY_ENOTFOUND,
				"nothing deployed on environment '%s'", rt->env.name);
		id = cur;
	}
	snprintf(rel, sizeof(rel), "releases/%s/manifest.json", id);
	if (!(p = ferry_runtime_path(rt, rel)))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	rc = load_json(p, out, err);
	free(p);
	return rc;
}

int rt_local_release_list(struct ferry_runtime *rt, json_t **out, struct ferry_error *err)
{
	char cur[FERRY_RELEASE_ID_MAX], rel[FERRY_RELEASE_ID_MAX + 48];
	json_t *ids, *arr, *v;
	size_t i;
	int rc;

	if ((rc = release_ids(rt, &ids, err)))
		return rc;
	rt_local_release_current(rt, cur);
	arr = json_array();
	json_array_foreach(ids, i, v) {
		json_t *info = NULL, *o;
		char *p;
		snprintf(rel, sizeof(rel), "releases/%s/" META_DIR "/release.json", json_string_value(v));
		if ((p = ferry_runtime_path(rt, rel)))
			load_json(p, &info, NULL);
		free(p);
		o = json_pack("{s:O, s:b, s:O?, s:O?}", "id", v, "current",
			      !strcmp(cur, json_string_value(v)),
			      "base", json_object_get(info, "base"),
			      "packages", json_object_get(info, "packages"));
		json_array_append_new(arr, o);
		json_decref(info);
	}
	json_decref(ids);
	*out = arr;
	return 0;
}

int rt_local_release_prune(struct ferry_runtime *rt, int keep, struct ferry_error *err)
{
	char cur[FERRY_RELEASE_ID_MAX], rel[FERRY_RELEASE_ID_MAX + 16];
	struct dirent *de;
	json_t *ids;
	size_t n, i;
	char *p;
	DIR *d;
	int rc;

	if ((rc = release_ids(rt, &ids, err)))
		return rc;
	rt_local_release_current(rt, cur);
	n = json_array_size(ids);
	for (i = 0; !rc && i < n; i++) {
		const char *id = json_string_value(json_array_get(ids, n - 1 - i));
		if (!strcmp(id, cur))
			continue;
		if (keep > 0) {
			keep--;
			continue;
		}
		snprintf(rel, sizeof(rel), "releases/%s", id);
		if ((p = ferry_runtime_path(rt, rel)))
			rc = ferry_rm_rf(p, err);
		free(p);
	}
	json_decref(ids);
	/* Leftovers of interrupted installs. */
	p = rc ? NULL : ferry_runtime_path(rt, "releases");
	if (p && (d = opendir(p))) {
		while ((de = readdir(d)))
			if (!strncmp(de->d_name, ".tmp-", 5)) {
				char *t = ferry_path_join(p, de->d_name);
				if (t)
					ferry_rm_rf(t, NULL);
				free(t);
			}
		closedir(d);
	}
	free(p);
	return rc;
}
