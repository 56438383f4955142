/* SPDX-License-Identifier: MIT */
/* hotfix.c: the patch engine (libgit2's apply): hotfixes applied all-or-nothing to a
 * source tree in prerequisite order, and the record of installed hotfixes (loading a
 * hotfix package is hotfix_package.c). */
#include "ferry/lifecycle/hotfix.h"
#include "lifecycle/hotfix_int.h"
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
		if (!hf_in_array(hfs[i]->releases, "*") && !hf_in_array(hfs[i]->releases, src->release))
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
			if (!m || strcmp(m->owner, "vendor") || hf_unsafe_path(json_string_value(f))) {
				ferry_error_set(err, FERRY_EREFUSED,
					"hotfix '%s' changes '%s', which is not in a vendor model: hotfixes only change vendor code",
					hfs[i]->id, json_string_value(f));
				json_decref(files);
				return FERRY_EREFUSED;
			}
			if (!hf_in_array(paths, json_string_value(f)))
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
