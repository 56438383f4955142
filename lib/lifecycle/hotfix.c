/* SPDX-License-Identifier: MIT */
/* hotfix.c: the patch engine (libgit2's apply) and hotfix packages: loading,
 * prerequisite order, applying all-or-nothing to a source tree, and the record. */
#include "ferry/lifecycle/hotfix.h"
#include "ferry/base/error.h"
#include "ferry/base/settings.h"
#include "ferry/catalog/model.h"
#include "ferry/base/util.h"

#include "package/archive_sym.h"
#include "lifecycle/git_sym.h"
#include <sodium.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int git_fail(struct ferry_error *err, int code, const char *what)
{
	const git_error *ge = git_error_last();

	return ferry_error_set(err, code, "%s: %s", what, ge && ge->message ? ge->message : "failed");
}

/* ---- the record of installed hotfixes ---- */

int ferry_hotfix_record_load(const char *root, json_t **out, struct ferry_error *err)
{
	char *path = ferry_path_join(root, FERRY_HOTFIX_RECORD);
	json_error_t jerr;
	json_t *rec;

	*out = NULL;
	if (!path)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if (!ferry_path_exists(path)) {
		free(path);
		*out = json_pack("{s:i, s:[]}", "format", 1, "hotfixes");
		return 0;
	}
	rec = json_load_file(path, 0, &jerr);
	if (!rec || !json_is_array(json_object_get(rec, "hotfixes"))) {
		ferry_error_set(err, FERRY_EINVAL, "%s: line %d: %s", path, jerr.line,
				rec ? "no \"hotfixes\" array" : jerr.text);
		json_decref(rec);
		free(path);
		return FERRY_EINVAL;
	}
	free(path);
	*out = rec;
	return 0;
}

json_t *ferry_hotfix_record_find(json_t *rec, const char *id)
{
	json_t *h;
	size_t i;

	json_array_foreach(json_object_get(rec, "hotfixes"), i, h)
		if (!strcmp(json_string_value(json_object_get(h, "id")) ?: "", id))
			return h;
	return NULL;
}

int ferry_hotfix_list(const char *src_root, json_t **out, struct ferry_error *err)
{
	json_t *rec;
	int rc;

	*out = NULL;
	if (!ferry_path_exists(src_root))
		return ferry_error_set(err, FERRY_ENOTFOUND, "no source tree at '%s'", src_root);
	if ((rc = ferry_hotfix_record_load(src_root, &rec, err)))
		return rc;
	*out = json_incref(json_object_get(rec, "hotfixes"));
	json_decref(rec);
	return 0;
}

/* ---- hotfix packages ---- */

static int unsafe_path(const char *p)
{
	const char *s = p;

	if (!*p || *p == '/')
		return 1;
	for (; s; s = strchr(s, '/') ? strchr(s, '/') + 1 : NULL)
		if (!strncmp(s, "..", 2) && (s[2] == '/' || !s[2]))
			return 1;
	return 0;
}

/* Extract a zip/tar archive into dest: regular files and directories only, no
 * absolute or ".." paths; *files gets every regular file's path. */
static int extract(const char *file, const char *dest, json_t *files, struct ferry_error *err)
{
	struct archive *a;
	struct archive_entry *e;
	int rc = 0, r;

	if ((rc = ferry_archive_load(err)))
		return rc;
	if (!(a = archive_read_new()))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	archive_read_support_filter_all(a);
	archive_read_support_format_zip(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, file, 65536) != ARCHIVE_OK) {
		rc = ferry_error_set(err, FERRY_EINVAL, "cannot read archive '%s': %s", file,
				     archive_error_string(a));
		goto out;
	}
	while (!rc && (r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		char *path, *slash;
		int fd;
		if (!strncmp(name, "./", 2))
			name += 2;
		if (!*name || archive_entry_filetype(e) == AE_IFDIR)
			continue;
		if (archive_entry_filetype(e) != AE_IFREG || unsafe_path(name)) {
			rc = ferry_error_set(err, FERRY_EUNSAFE,
				"archive '%s': entry '%s' is not a plain file inside the package", file, name);
			break;
		}
		if (!(path = ferry_path_join(dest, name)))
			return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		slash = strrchr(path, '/');
		*slash = '\0';
		rc = ferry_mkdir_p(path, 0700, err);
		*slash = '/';
		fd = rc ? -1 : open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (!rc && fd < 0)
			rc = ferry_error_errno(err, FERRY_EUNSAFE, errno, "archive '%s': entry '%s'", file, name);
		if (!rc && archive_read_data_into_fd(a, fd) != ARCHIVE_OK)
			rc = ferry_error_set(err, FERRY_EINVAL, "archive '%s': entry '%s': %s", file,
					     name, archive_error_string(a));
		if (fd >= 0)
			close(fd);
		json_array_append_new(files, json_string(name));
		free(path);
	}
	if (!rc && r != ARCHIVE_EOF)
		rc = ferry_error_set(err, FERRY_EINVAL, "archive '%s': %s", file, archive_error_string(a));
out:
	archive_read_free(a);
	return rc;
}

static int sha256_file(const char *path, char hex[65])
{
	struct ferry_buf b = FERRY_BUF_INIT;
	unsigned char h[crypto_hash_sha256_BYTES];

	if (ferry_buf_read_file(&b, path)) {
		ferry_buf_release(&b);
		return -1;
	}
	crypto_hash_sha256(h, (const unsigned char *)(b.data ? b.data : ""), b.len);
	sodium_bin2hex(hex, 65, h, sizeof(h));
	ferry_buf_release(&b);
	return 0;
}

static int in_array(const json_t *arr, const char *s)
{
	const json_t *v;
	size_t i;

	json_array_foreach(arr, i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), s))
			return 1;
	return 0;
}

/* Check the payload's hashes; an archive may hold nothing it does not list. */
static int verify_payload(const char *dir, const json_t *man, const json_t *files,
			  struct ferry_error *err)
{
	const json_t *payload = json_object_get(man, "payload"), *p, *f;
	json_t *listed = json_array();
	size_t i;
	int rc = 0;

	json_array_foreach(payload, i, p) {
		const char *path = json_string_value(json_object_get(p, "path"));
		const char *want = json_string_value(json_object_get(p, "sha256"));
		char hex[65], *full;
		if (!path || !want || unsafe_path(path)) {
			rc = ferry_error_set(err, FERRY_EUNSAFE, "manifest: payload[%zu] is malformed", i);
			break;
		}
		json_array_append_new(listed, json_string(path));
		full = ferry_path_join(dir, path);
		if (!full || sha256_file(full, hex) || strcmp(hex, want))
			rc = ferry_error_set(err, FERRY_EVERIFY,
				"payload file '%s' is missing or its SHA-256 does not match the manifest", path);
		free(full);
		if (rc)
			break;
	}
	json_array_foreach(files, i, f) {
		const char *name = json_string_value(f);
		if (rc || !strcmp(name, "manifest.json") || !strcmp(name, "manifest.sig"))
			continue;
		if (!in_array(listed, name))
			rc = ferry_error_set(err, FERRY_EUNSAFE,
				"archive holds '%s', which the manifest's payload does not list", name);
	}
	json_decref(listed);
	return rc;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

static int has_patch_suffix(const char *p)
{
	size_t n = strlen(p);

	return (n > 5 && !strcmp(p + n - 5, ".diff")) || (n > 6 && !strcmp(p + n - 6, ".patch"));
}

static void walk_files(const char *root, const char *rel, json_t *out, int depth)
{
	char *dir = *rel ? ferry_path_join(root, rel) : strdup(root);
	struct dirent *de;
	DIR *d = dir && depth < 8 ? opendir(dir) : NULL;

	while (d && (de = readdir(d))) {
		char *sub, *full;
		struct stat st;
		if (de->d_name[0] == '.')
			continue;
		sub = *rel ? ferry_path_join(rel, de->d_name) : strdup(de->d_name);
		full = sub ? ferry_path_join(root, sub) : NULL;
		if (full && lstat(full, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				walk_files(root, sub, out, depth + 1);
			else if (S_ISREG(st.st_mode))
				json_array_append_new(out, json_string(sub));
		}
		free(sub);
		free(full);
	}
	if (d)
		closedir(d);
	free(dir);
}

/* The package's patch paths, in order. */
static json_t *patch_list(const char *dir, const json_t *man, const json_t *hot)
{
	const json_t *given = json_object_get(hot, "patches"), *p;
	json_t *all = json_array(), *out = json_array(), **v;
	size_t i, n;

	if (json_is_array(given)) {
		json_decref(all);
		json_decref(out);
		return json_deep_copy(given);
	}
	if (json_is_array(json_object_get(man, "payload")))
		json_array_foreach(json_object_get(man, "payload"), i, p)
			json_array_append(all, json_object_get(p, "path"));
	else
		walk_files(dir, "", all, 0);
	n = json_array_size(all);
	v = calloc(n + 1, sizeof(*v));
	for (i = 0; v && i < n; i++)
		v[i] = json_array_get(all, i);
	if (v)
		qsort(v, n, sizeof(*v), by_string);
	for (i = 0; v && i < n; i++)
		if (json_is_string(v[i]) && has_patch_suffix(json_string_value(v[i])))
			json_array_append(out, v[i]);
	free(v);
	json_decref(all);
	return out;
}

static int read_manifest(struct ferry_hotfix *hf, const char *dir, const json_t *files,
			 struct ferry_error *err)
{
	char *mpath = ferry_path_join(dir, "manifest.json");
	json_t *man, *hot, *patches = NULL, *p;
	json_error_t jerr;
	size_t i;
	int rc = 0;

	man = mpath ? json_load_file(mpath, 0, &jerr) : NULL;
	free(mpath);
	if (!man)
		return ferry_error_set(err, FERRY_EINVAL, "manifest.json: %s",
				       ferry_path_exists(dir) ? jerr.text : "missing");
	hot = json_object_get(man, "hotfix");
	if (strcmp(json_string_value(json_object_get(man, "type")) ?: "", "hotfix")) {
		rc = ferry_error_set(err, FERRY_EINVAL, "not a hotfix package (manifest type is '%s')",
				     json_string_value(json_object_get(man, "type")) ?: "missing");
		goto out;
	}
	if (!json_is_string(json_object_get(hot, "id"))) {
		rc = ferry_error_set(err, FERRY_EINVAL, "manifest.json: needs \"hotfix\": {\"id\": ...}");
		goto out;
	}
	if ((rc = ferry_name_check(json_string_value(json_object_get(hot, "id")), "hotfix", err)) ||
	    (rc = verify_payload(dir, man, files, err)))
		goto out;
	hf->id = strdup(json_string_value(json_object_get(hot, "id")));
	hf->title = strdup(json_string_value(json_object_get(man, "description")) ?: "");
	hf->releases = json_deep_copy(json_object_get(json_object_get(man, "applies_to"), "releases"));
	if (!hf->releases)
		hf->releases = json_pack("[s]", "*");
	hf->prerequisites = json_deep_copy(json_object_get(hot, "prerequisites"));
	if (!hf->prerequisites)
		hf->prerequisites = json_array();
	patches = patch_list(dir, man, hot);
	if (!json_array_size(patches))
		rc = ferry_error_set(err, FERRY_EINVAL, "the package holds no patch (*.diff)");
	json_array_foreach(patches, i, p) {
		struct ferry_buf raw = FERRY_BUF_INIT;
		const char *rel = json_string_value(p);
		char *full = rel && !unsafe_path(rel) ? ferry_path_join(dir, rel) : NULL;
		if (rc)
			break;
		if (!full || ferry_buf_read_file(&raw, full))
			rc = ferry_error_set(err, FERRY_EINVAL, "patch '%s' is missing", rel ? rel : "?");
		else if ((rc = ferry_patch_normalize(raw.data ? raw.data : "", raw.len, &hf->patch, err)))
			ferry_error_prefix(err, "patch '%s'", rel);
		ferry_buf_release(&raw);
		free(full);
	}
out:
	json_decref(patches);
	json_decref(man);
	return rc;
}

void ferry_hotfix_free(struct ferry_hotfix *hf)
{
	if (!hf)
		return;
	if (hf->tmpdir)
		ferry_rm_rf(hf->tmpdir, NULL);
	free(hf->tmpdir);
	free(hf->id);
	free(hf->title);
	free(hf->origin);
	json_decref(hf->releases);
	json_decref(hf->prerequisites);
	ferry_buf_release(&hf->patch);
	free(hf);
}

int ferry_hotfix_load(const char *path, const struct ferry_settings *s, struct ferry_hotfix **out,
		      struct ferry_error *err)
{
	struct ferry_hotfix *hf = calloc(1, sizeof(*hf));
	const char *dir = path;
	json_t *files = json_array();
	struct stat st;
	int rc = 0;

	*out = NULL;
	if (!hf || !files) {
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		goto out;
	}
	hf->origin = strdup(path);
	if (stat(path, &st) < 0) {
		rc = ferry_error_errno(err, FERRY_ENOTFOUND, errno, "no hotfix package at '%s'", path);
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		char *base = ferry_path_join(ferry_settings_tmp_dir(s), "ferry-hotfix.XXXXXX");
		if (!base || !mkdtemp(base)) {
			free(base);
			rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot create a temporary directory");
			goto out;
		}
		hf->tmpdir = base;
		if ((rc = extract(path, hf->tmpdir, files, err)))
			goto out;
		dir = hf->tmpdir;
	}
	rc = read_manifest(hf, dir, S_ISDIR(st.st_mode) ? NULL : files, err);
out:
	json_decref(files);
	if (rc) {
		ferry_error_prefix(err, "hotfix package '%s'", path);
		ferry_hotfix_free(hf);
		return rc;
	}
	*out = hf;
	return 0;
}

/* ---- applying hotfixes to a source tree ---- */

struct stage {
	const char *root;        /* the source tree */
	char *dir;               /* ROOT/.ferry/staging.XXXXXX */
	git_repository *repo;    /* a scratch bare repository inside dir */
	json_t *paths;           /* every path any patch touches */
	git_oid start;           /* tree of those files as they are */
};

static int stage_open(struct stage *s, const char *root, struct ferry_error *err)
{
	char *repo = NULL;
	int rc = 0;

	/* beside the files (same file system: renames swap them in), gone afterwards */
	s->dir = ferry_path_join(root, ".ferry-staging.XXXXXX");
	if (!s->dir || !mkdtemp(s->dir)) {
		free(s->dir);
		s->dir = NULL;
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot create a staging directory in '%s'", root);
	}
	repo = ferry_path_join(s->dir, "repo.git");
	if (!repo || git_repository_init(&s->repo, repo, 1) < 0)
		rc = git_fail(err, FERRY_EIO, "creating a scratch repository");
	free(repo);
	return rc;
}

static void stage_close(struct stage *s)
{
	git_repository_free(s->repo);
	if (s->dir)
		ferry_rm_rf(s->dir, NULL);
	free(s->dir);
	json_decref(s->paths);
}

/* The touched files as they are on disk, as a tree in the scratch repository. */
static int stage_tree(struct stage *s, struct ferry_error *err)
{
	git_index *idx = NULL;
	json_t *p;
	size_t i;
	int rc = 0;

	if (git_index_new(&idx) < 0)
		return git_fail(err, FERRY_ENOMEM, "index");
	json_array_foreach(s->paths, i, p) {
		struct ferry_buf b = FERRY_BUF_INIT;
		git_index_entry e;
		struct stat st;
		char *full = ferry_path_join(s->root, json_string_value(p));
		if (!full || lstat(full, &st) < 0 || !S_ISREG(st.st_mode)) {
			free(full);
			continue; /* created by a patch, or absent: the patch will say */
		}
		memset(&e, 0, sizeof(e));
		e.path = json_string_value(p);
		e.mode = (st.st_mode & 0111) ? GIT_FILEMODE_BLOB_EXECUTABLE : GIT_FILEMODE_BLOB;
		if (ferry_buf_read_file(&b, full))
			rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot read '%s'", full);
		else if (git_blob_create_from_buffer(&e.id, s->repo, b.data ? b.data : "", b.len) < 0 ||
			 git_index_add(idx, &e) < 0)
			rc = git_fail(err, FERRY_EIO, e.path);
		ferry_buf_release(&b);
		free(full);
		if (rc)
			break;
	}
	if (!rc && git_index_write_tree_to(&s->start, idx, s->repo) < 0)
		rc = git_fail(err, FERRY_EIO, "writing the staging tree");
	git_index_free(idx);
	return rc;
}

/* Apply one hotfix to *tree: "installed", "already-present" (its reverse applies), or
 * a conflict naming the file and hunk. */
static int stage_apply(struct stage *s, const struct ferry_hotfix *hf, git_oid *tree,
		       const char **status, struct ferry_error *err)
{
	struct ferry_buf rev = FERRY_BUF_INIT;
	struct ferry_error ignored;
	git_tree *t = NULL;
	git_oid res;
	int rc;

	if (git_tree_lookup(&t, s->repo, tree) < 0)
		return git_fail(err, FERRY_EINTERNAL, "staging tree");
	rc = ferry_patch_apply_tree(s->repo, t, hf->patch.data, hf->patch.len, &res, err);
	if (!rc) {
		*tree = res;
		*status = "installed";
	} else if (rc == FERRY_ESTATE &&
		   !ferry_patch_reverse(hf->patch.data, hf->patch.len, &rev, &ignored) &&
		   !ferry_patch_apply_tree(s->repo, t, rev.data, rev.len, &res, &ignored)) {
		*status = "already-present";
		rc = 0;
		ferry_error_clear(err);
	}
	ferry_buf_release(&rev);
	git_tree_free(t);
	return rc;
}

/* Order the batch so prerequisites come first; refuse missing ones and cycles. */
static int order_batch(struct ferry_hotfix **hfs, size_t n, json_t *rec,
		       struct ferry_hotfix **order, struct ferry_error *err)
{
	size_t placed = 0, i, j, k;
	char *done = calloc(n + 1, 1);

	if (!done)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	while (placed < n) {
		size_t before = placed;
		for (i = 0; i < n; i++) {
			json_t *pre;
			int ready = 1;
			if (done[i])
				continue;
			json_array_foreach(hfs[i]->prerequisites, j, pre) {
				const char *id = json_string_value(pre);
				int in_batch = 0, met = ferry_hotfix_record_find(rec, id ?: "") != NULL;
				for (k = 0; k < n; k++)
					if (!strcmp(hfs[k]->id, id ?: "")) {
						in_batch = 1;
						met = met || done[k];
					}
				if (!met && !in_batch) {
					free(done);
					return ferry_error_set(err, FERRY_EREFUSED,
						"hotfix '%s' needs hotfix '%s', which is not installed: apply '%s' first, or give both packages",
						hfs[i]->id, id ?: "?", id ?: "?");
				}
				ready = ready && met;
			}
			if (ready) {
				done[i] = 1;
				order[placed++] = hfs[i];
			}
		}
		if (placed == before) {
			free(done);
			return ferry_error_set(err, FERRY_EINVAL,
				"the prerequisites of the given hotfixes form a cycle");
		}
	}
	free(done);
	return 0;
}

/* The batch's checks against the source: release, duplicates, vendor-only files. */
static int check_batch(const struct ferry_source *src, struct ferry_hotfix **hfs, size_t n,
		       json_t *paths, struct ferry_error *err)
{
	size_t i, j;
	json_t *files, *f;

	for (i = 0; i < n; i++) {
		if (!in_array(hfs[i]->releases, "*") && !in_array(hfs[i]->releases, src->release))
			return ferry_error_set(err, FERRY_EREFUSED,
				"hotfix '%s' does not apply to release %s (it applies to %s)", hfs[i]->id,
				src->release, json_string_value(json_array_get(hfs[i]->releases, 0)) ?: "none");
		for (j = 0; j < i; j++)
			if (!strcmp(hfs[i]->id, hfs[j]->id))
				return ferry_error_set(err, FERRY_EINVAL, "hotfix '%s' is given twice", hfs[i]->id);
		if (ferry_patch_files(hfs[i]->patch.data, hfs[i]->patch.len, &files, err))
			return ferry_error_prefix(err, "hotfix '%s'", hfs[i]->id);
		json_array_foreach(files, j, f) {
			const struct ferry_model *m = ferry_source_model_of(src, json_string_value(f));
			if (!m || strcmp(m->owner, "vendor") || unsafe_path(json_string_value(f))) {
				ferry_error_set(err, FERRY_EREFUSED,
					"hotfix '%s' changes '%s', which is not in a vendor model: hotfixes only change vendor code",
					hfs[i]->id, json_string_value(f));
				json_decref(files);
				return FERRY_EREFUSED;
			}
			if (!in_array(paths, json_string_value(f)))
				json_array_append(paths, f);
		}
		json_decref(files);
	}
	return 0;
}

/* Write the changed files of `final` under DIR/new/ (DIR = ROOT/.ferry-staging.XXXXXX), then swap them in, keeping the
 * originals under DIR/old/ until every rename worked (restored otherwise). */
static int stage_swap(struct stage *s, const git_oid *final, json_t *changed,
		      struct ferry_error *err)
{
	git_tree *t0 = NULL, *t1 = NULL;
	json_t *p, *moved = json_array();
	size_t i;
	int rc = 0;

	if (git_tree_lookup(&t0, s->repo, &s->start) < 0 || git_tree_lookup(&t1, s->repo, final) < 0) {
		rc = git_fail(err, FERRY_EINTERNAL, "staging trees");
		goto out;
	}
	json_array_foreach(s->paths, i, p) {
		const char *path = json_string_value(p);
		git_tree_entry *a = NULL, *b = NULL;
		git_tree_entry_bypath(&a, t0, path);
		git_tree_entry_bypath(&b, t1, path);
		if ((a || b) && (!a || !b || !git_oid_equal(git_tree_entry_id(a), git_tree_entry_id(b)))) {
			char *nf = ferry_path_join(s->dir, "new"), *full = nf ? ferry_path_join(nf, path) : NULL;
			git_blob *blob = NULL;
			json_array_append(changed, p);
			if (b && !rc) {
				char *slash = full ? strrchr(full, '/') : NULL;
				if (!slash || git_blob_lookup(&blob, s->repo, git_tree_entry_id(b)) < 0) {
					rc = git_fail(err, FERRY_EIO, path);
				} else {
					*slash = '\0';
					rc = ferry_mkdir_p(full, 0755, err);
					*slash = '/';
					if (!rc)
						rc = ferry_write_file_atomic(full, git_blob_rawcontent(blob),
							(size_t)git_blob_rawsize(blob),
							git_tree_entry_filemode(b) == GIT_FILEMODE_BLOB_EXECUTABLE ? 0755 : 0644, err);
				}
			}
			git_blob_free(blob);
			free(full);
			free(nf);
		}
		git_tree_entry_free(a);
		git_tree_entry_free(b);
	}
	/* swap: original -> old/, new/ -> original */
	json_array_foreach(changed, i, p) {
		const char *path = json_string_value(p);
		char *orig = ferry_path_join(s->root, path), *od = ferry_path_join(s->dir, "old");
		char *old = od ? ferry_path_join(od, path) : NULL, *nd = ferry_path_join(s->dir, "new");
		char *nw = nd ? ferry_path_join(nd, path) : NULL, *slash = old ? strrchr(old, '/') : NULL;
		if (rc || !orig || !old || !nw || !slash) {
			rc = rc ? rc : ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		} else {
			*slash = '\0';
			rc = ferry_mkdir_p(old, 0755, err);
			*slash = '/';
			if (!rc && ferry_path_exists(orig) && rename(orig, old) < 0)
				rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot move '%s' aside", orig);
			else if (!rc)
				json_array_append(moved, p);
			if (!rc && ferry_path_exists(nw) && rename(nw, orig) < 0)
				rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot put '%s' in place", orig);
		}
		free(orig);
		free(od);
		free(old);
		free(nd);
		free(nw);
	}
	if (rc) /* put the originals back */
		json_array_foreach(moved, i, p) {
			char *orig = ferry_path_join(s->root, json_string_value(p));
			char *od = ferry_path_join(s->dir, "old"), *old = od ? ferry_path_join(od, json_string_value(p)) : NULL;
			if (orig && old && ferry_path_exists(old))
				rename(old, orig);
			else if (orig)
				unlink(orig);
			free(orig);
			free(od);
			free(old);
		}
out:
	json_decref(moved);
	git_tree_free(t0);
	git_tree_free(t1);
	return rc;
}

static int save_patch(const char *root, const struct ferry_hotfix *hf, char **rel,
		      struct ferry_error *err)
{
	char *dir = ferry_path_join(root, FERRY_HOTFIX_PATCH_DIR), *path = NULL, name[96];
	int rc;

	snprintf(name, sizeof(name), "%s.diff", hf->id);
	*rel = ferry_path_join(FERRY_HOTFIX_PATCH_DIR, name);
	if (!dir || !*rel || !(path = ferry_path_join(dir, name)))
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	else if (!(rc = ferry_mkdir_p(dir, 0755, err)))
		rc = ferry_write_file_atomic(path, hf->patch.data, hf->patch.len, 0644, err);
	free(dir);
	free(path);
	return rc;
}

static json_t *record_entry(const struct ferry_hotfix *hf, const char *status, json_t *files,
			    const char *patch)
{
	char now[32];

	ferry_time_iso(ferry_now_ms(), now);
	return json_pack("{s:s, s:s, s:O, s:O, s:O, s:s, s:b, s:s}", "id", hf->id, "title", hf->title,
			 "releases", hf->releases, "prerequisites", hf->prerequisites, "files", files,
			 "installed_at", now, "detected", !strcmp(status, "already-present"),
			 "patch", patch);
}

/* Record the new entries, write the patches and swap the files in. */
static int commit_batch(struct stage *s, struct ferry_hotfix **order, size_t n,
			const char **status, const git_oid *final, json_t *rec, json_t *rep,
			struct ferry_error *err)
{
	json_t *changed = json_array(), *files;
	char *rel = NULL, *recpath = NULL, *text = NULL;
	size_t i, j;
	int rc = 0;

	for (i = 0; !rc && i < n; i++) {
		json_t *fl = NULL, *f;
		if (!strcmp(status[i], "already-installed")) {
			json_array_append_new(rep, json_pack("{s:s, s:s, s:[]}", "id", order[i]->id,
							     "status", status[i], "files"));
			continue;
		}
		if (!(rc = ferry_patch_files(order[i]->patch.data, order[i]->patch.len, &fl, err)) &&
		    !(rc = save_patch(s->root, order[i], &rel, err))) {
			json_array_append_new(json_object_get(rec, "hotfixes"),
					      record_entry(order[i], status[i], fl, rel));
			files = json_array();
			json_array_foreach(fl, j, f)
				json_array_append(files, f);
			json_array_append_new(rep, json_pack("{s:s, s:s, s:o}", "id", order[i]->id,
							     "status", status[i], "files", files));
		}
		json_decref(fl);
		free(rel);
		rel = NULL;
	}
	if (!rc)
		rc = stage_swap(s, final, changed, err);
	recpath = ferry_path_join(s->root, FERRY_HOTFIX_RECORD);
	text = json_dumps(rec, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (!rc && (!recpath || !text))
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if (!rc)
		rc = ferry_write_file_atomic(recpath, text, strlen(text), 0644, err);
	free(recpath);
	free(text);
	json_decref(changed);
	return rc;
}

int ferry_hotfix_apply(const struct ferry_catalog *cat, const char *src_root,
		       const char *const *packages, size_t n, const struct ferry_settings *settings,
		       json_t **report, struct ferry_error *err)
{
	struct ferry_hotfix **hfs = calloc(n + 1, sizeof(*hfs)), **order = calloc(n + 1, sizeof(*hfs));
	const char **status = calloc(n + 1, sizeof(*status));
	struct ferry_source *src = NULL;
	struct stage s = { src_root, NULL, NULL, json_array(), { { 0 } } };
	json_t *rec = NULL, *rep = json_array();
	git_oid tree;
	size_t i;
	int rc;

	if (report)
		*report = NULL;
	if ((rc = ferry_git_load(err))) {
		free(hfs);
		free(order);
		free(status);
		json_decref(s.paths);
		json_decref(rep);
		return rc;
	}
	git_libgit2_init();
	if (!hfs || !order || !status || !s.paths || !rep) {
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		goto out;
	}
	if (!cat) {
		rc = ferry_error_set(err, FERRY_EINVAL, "applying hotfixes needs the product's release "
				     "catalog for its rules ('ferry catalog list' shows where ferry looks)");
		goto out;
	}
	if ((rc = ferry_source_scan(src_root, &src, err)))
		goto out;
	if (!src->release) {
		rc = ferry_error_set(err, FERRY_EINVAL,
			"cannot tell the release of '%s': no vendor model.json has a \"version\"", src_root);
		goto out;
	}
	if (!ferry_code_hotfixes_supported(cat, src->release)) {
		rc = ferry_error_set(err, FERRY_EREFUSED,
			"'%s' is on release %s: individual hotfixes end with release %s; install a full update of the release instead (all fixes ship in its cumulative updates)",
			src_root, src->release, ferry_code_hotfix_end_release(cat));
		goto out;
	}
	for (i = 0; i < n; i++)
		if ((rc = ferry_hotfix_load(packages[i], settings, &hfs[i], err)))
			goto out;
	if ((rc = ferry_hotfix_record_load(src_root, &rec, err)) ||
	    (rc = check_batch(src, hfs, n, s.paths, err)) ||
	    (rc = order_batch(hfs, n, rec, order, err)) ||
	    (rc = stage_open(&s, src_root, err)) || (rc = stage_tree(&s, err)))
		goto out;
	tree = s.start;
	for (i = 0; i < n; i++) {
		status[i] = "already-installed";
		if (ferry_hotfix_record_find(rec, order[i]->id))
			continue;
		if ((rc = stage_apply(&s, order[i], &tree, &status[i], err))) {
			ferry_error_prefix(err, "hotfix '%s' (%s) conflicts with the code; nothing was changed",
					   order[i]->id, order[i]->origin);
			goto out;
		}
	}
	rc = commit_batch(&s, order, n, status, &tree, rec, rep, err);
out:
	if (!rc && report)
		*report = json_pack("{s:s, s:O}", "release", src->release, "hotfixes", rep);
	stage_close(&s);
	for (i = 0; hfs && i < n; i++)
		ferry_hotfix_free(hfs[i]);
	free(hfs);
	free(order);
	free(status);
	json_decref(rec);
	json_decref(rep);
	ferry_source_free(src);
	git_libgit2_shutdown();
	return rc;
}
