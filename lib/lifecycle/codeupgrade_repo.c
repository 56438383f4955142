/* SPDX-License-Identifier: MIT */
/* codeupgrade_repo.c: the code upgrade's repositories: resolving the vendor bases and the
 * customer's branch, copying into an output repository, loading models from git trees. */
#include "lifecycle/codeupgrade_int.h"
#include "ferry/base/error.h"
#include "ferry/lifecycle/hotfix.h"
#include "ferry/catalog/model.h"
#include "ferry/lifecycle/patch.h"
#include "ferry/base/util.h"

#include "lifecycle/git_sym.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ferry_cu_gfail(struct ferry_error *err, int code, const char *what)
{
	const git_error *ge = git_error_last();

	return ferry_error_set(err, code, "%s: %s", what, ge && ge->message ? ge->message : "failed");
}

/* ---- models from git trees ---- */

struct tree_load {
	git_repository *repo;
	git_tree *tree;
	struct ferry_source *src;
	struct ferry_error *err;
	int rc;
};

static int load_cb(const char *root, const git_tree_entry *e, void *payload)
{
	struct tree_load *t = payload;
	const char *name = git_tree_entry_name(e);
	git_blob *blob = NULL;
	char dir[PATH_MAX];
	size_t n = strlen(root);

	if (name[0] == '.')
		return 1; /* skip .ferry, .git* */
	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB || strcmp(name, "model.json"))
		return 0;
	snprintf(dir, sizeof(dir), "%.*s", (int)(n && root[n - 1] == '/' ? n - 1 : n), root);
	if (git_blob_lookup(&blob, t->repo, git_tree_entry_id(e)) < 0) {
		t->rc = ferry_cu_gfail(t->err, FERRY_EIO, dir);
		return -1;
	}
	t->rc = ferry_source_add(t->src, dir, git_blob_rawcontent(blob),
				 (size_t)git_blob_rawsize(blob), t->err);
	git_blob_free(blob);
	return t->rc ? -1 : 0;
}

static int tree_has(void *ctx, const char *path)
{
	git_tree_entry *e = NULL;
	int ok = git_tree_entry_bypath(&e, ctx, path) == 0 &&
		 git_tree_entry_type(e) == GIT_OBJECT_BLOB;

	git_tree_entry_free(e);
	return ok;
}

int ferry_cu_load_source(git_repository *repo, git_tree *tree, const char *what,
		       struct ferry_source **out, struct ferry_error *err)
{
	struct tree_load t = { repo, tree, ferry_source_new(), err, 0 };

	*out = NULL;
	if (!t.src)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if (git_tree_walk(tree, GIT_TREEWALK_PRE, load_cb, &t) < 0 && !t.rc)
		t.rc = ferry_cu_gfail(err, FERRY_EIO, "reading the tree");
	if (!t.rc)
		t.rc = ferry_source_finish(t.src, tree_has, tree, err);
	if (t.rc) {
		ferry_error_prefix(err, "%s", what);
		ferry_source_free(t.src);
		return t.rc;
	}
	*out = t.src;
	return 0;
}

int ferry_cu_blob_text(git_repository *repo, git_tree *tree, const char *path,
		     struct ferry_buf *out)
{
	git_tree_entry *e = NULL;
	git_blob *b = NULL;
	int rc = -1;

	if (git_tree_entry_bypath(&e, tree, path) == 0 &&
	    git_blob_lookup(&b, repo, git_tree_entry_id(e)) == 0)
		rc = ferry_buf_add(out, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b));
	git_blob_free(b);
	git_tree_entry_free(e);
	return rc;
}

/* ---- refs and repositories ---- */

static int resolve(git_repository *repo, const char *spec, git_oid *id, git_tree **tree,
		   const char *what, struct ferry_error *err)
{
	git_reference *named = NULL;
	git_object *obj = NULL;
	git_commit *c = NULL;
	int rc = 0;

	/* names first: libgit2 1.5's git_revparse_single leaks in its describe-name regex */
	if (git_reference_dwim(&named, repo, spec) == 0 &&
	    git_reference_peel(&obj, named, GIT_OBJECT_COMMIT) < 0)
		obj = NULL;
	git_reference_free(named);
	if ((!obj && git_revparse_single(&obj, repo, spec) < 0) ||
	    git_object_peel((git_object **)&c, obj, GIT_OBJECT_COMMIT) < 0)
		rc = ferry_error_set(err, FERRY_ENOTFOUND,
			"%s '%s' is not a branch, tag or commit of the repository (vendor bases are built "
			"from the application packages in the asset library, or from a folder with "
			"--vendor-dir; docs/CODE-UPGRADE.md)",
			what, spec);
	else if (tree && git_commit_tree(tree, c) < 0)
		rc = ferry_cu_gfail(err, FERRY_EIO, spec);
	if (!rc)
		git_oid_cpy(id, git_commit_id(c));
	git_commit_free(c);
	git_object_free(obj);
	return rc;
}

static int same_repo(git_repository *a, const char *path)
{
	char ra[PATH_MAX], rb[PATH_MAX];
	const char *pa = git_repository_workdir(a) ? git_repository_workdir(a) : git_repository_path(a);

	return realpath(pa, ra) && realpath(path, rb) && !strcmp(ra, rb);
}

struct copy {
	git_odb *to;
	git_odb *from;
};

static int copy_object(const git_oid *id, void *payload)
{
	struct copy *c = payload;
	git_odb_object *obj = NULL;
	git_oid written;
	int rc;

	if (git_odb_exists(c->to, id))
		return 0;
	if ((rc = git_odb_read(&obj, c->from, id)) < 0)
		return rc;
	rc = git_odb_write(&written, c->to, git_odb_object_data(obj), git_odb_object_size(obj),
			   git_odb_object_type(obj));
	git_odb_object_free(obj);
	return rc;
}

static int copy_refs(struct up *u, const char *glob)
{
	git_reference_iterator *it = NULL;
	git_reference *ref, *made = NULL;
	int rc = 0;

	if (git_reference_iterator_glob_new(&it, u->src, glob) < 0)
		return -1;
	while (!rc && git_reference_next(&ref, it) == 0) {
		if (git_reference_type(ref) == GIT_REFERENCE_DIRECT) {
			rc = git_reference_create(&made, u->repo, git_reference_name(ref),
						  git_reference_target(ref), 1, "ferry code upgrade");
			git_reference_free(made);
			made = NULL;
		}
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	return rc;
}

/* Create `out` holding every object, branch and tag of src (a local copy: no remote,
 * whose URL rewriting leaks in libgit2 1.5). */
static int make_out(struct up *u)
{
	struct copy c = { NULL, NULL };
	int rc = 0;

	if (ferry_path_exists(u->o->out))
		return ferry_error_set(u->err, FERRY_EEXIST,
			"'%s' exists: give a new path for the upgraded repository (or -o the source itself)",
			u->o->out);
	if (git_repository_init(&u->repo, u->o->out, 0) < 0)
		return ferry_cu_gfail(u->err, FERRY_EIO, u->o->out);
	u->created_out = 1;
	u->out_path = realpath(u->o->out, NULL);
	if (git_repository_odb(&c.from, u->src) < 0 || git_repository_odb(&c.to, u->repo) < 0 ||
	    git_odb_foreach(c.from, copy_object, &c) < 0 ||
	    copy_refs(u, "refs/heads/*") < 0 || copy_refs(u, "refs/tags/*") < 0)
		rc = ferry_cu_gfail(u->err, FERRY_EIO, "copying the source repository");
	git_odb_free(c.from);
	git_odb_free(c.to);
	return rc;
}

int ferry_cu_open_repos(struct up *u)
{
	git_tree *t = NULL;
	char rel[64];
	int rc;

	if (git_repository_open_ext(&u->src, u->o->src, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0)
		return ferry_error_set(u->err, FERRY_ENOTFOUND,
			"'%s' is not a git repository: the code upgrade works on the repository holding the vendor bases and the customer's branch",
			u->o->src);
	snprintf(u->cust_ref, sizeof(u->cust_ref), "%s", u->o->branch ? u->o->branch : "HEAD");
	if (!u->o->branch) { /* name the branch HEAD stands for */
		git_reference *head = NULL;
		if (git_repository_head(&head, u->src) == 0 && git_reference_is_branch(head))
			snprintf(u->cust_ref, sizeof(u->cust_ref), "%s", git_reference_shorthand(head));
		git_reference_free(head);
	}
	if ((rc = resolve(u->src, u->cust_ref, &u->cust_id, &t, "customer code", u->err)) ||
	    (rc = ferry_cu_load_source(u->src, t, "customer code", &u->s_cust, u->err)))
		goto out;
	if (!u->s_cust->release && !u->o->base) {
		rc = ferry_error_set(u->err, FERRY_EINVAL,
			"cannot tell the release of '%s': no vendor model.json has a \"version\"; give --base",
			u->cust_ref);
		goto out;
	}
	snprintf(rel, sizeof(rel), "%s", u->s_cust->release ? u->s_cust->release : "?");
	snprintf(u->base_ref, sizeof(u->base_ref), u->o->base ? "%s" : "vendor/%s",
		 u->o->base ? u->o->base : rel);
	snprintf(u->new_ref, sizeof(u->new_ref), u->o->new_base ? "%s" : "vendor/%s",
		 u->o->new_base ? u->o->new_base : u->o->to);
	if ((!u->o->base && (rc = ferry_cu_vendor_base(u, rel, u->base_ref, NULL))) ||
	    (rc = resolve(u->src, u->base_ref, &u->base_id, NULL, "old vendor base", u->err)) ||
	    (!u->o->new_base && (rc = ferry_cu_vendor_base(u, u->o->to, u->new_ref, &u->base_id))) ||
	    (rc = resolve(u->src, u->new_ref, &u->new_id, NULL, "new vendor base", u->err)))
		goto out;
	if (u->o->out && !same_repo(u->src, u->o->out)) {
		if ((rc = make_out(u)))
			goto out;
	} else {
		u->repo = u->src;
	}
out:
	git_tree_free(t);
	return rc;
}

int ferry_cu_load_trees(struct up *u)
{
	git_commit *c = NULL;
	const git_oid *ids[3] = { &u->cust_id, &u->base_id, &u->new_id };
	git_tree **trees[3] = { &u->cust, &u->base, &u->next };
	int i;

	for (i = 0; i < 3; i++) {
		if (git_commit_lookup(&c, u->repo, ids[i]) < 0 || git_commit_tree(trees[i], c) < 0) {
			git_commit_free(c);
			return ferry_cu_gfail(u->err, FERRY_EIO, "reading commits");
		}
		git_commit_free(c);
	}
	if (ferry_cu_load_source(u->repo, u->base, u->base_ref, &u->s_base, u->err) ||
	    ferry_cu_load_source(u->repo, u->next, u->new_ref, &u->s_next, u->err))
		return u->err->code;
	if (ferry_release_cmp(u->s_next->release, u->o->to))
		return ferry_error_set(u->err, FERRY_EINVAL,
			"new vendor base '%s' is release %s, not %s", u->new_ref,
			u->s_next->release ? u->s_next->release : "unknown", u->o->to);
	if (u->s_cust->release && ferry_release_cmp(u->s_cust->release, u->o->to) >= 0)
		return ferry_error_set(u->err, FERRY_EINVAL,
			"the customer's code is on release %s already: the target must be a later release than %s",
			u->s_cust->release, u->s_cust->release);
	if (u->s_cust->release && ferry_release_cmp(u->s_base->release, u->s_cust->release))
		return ferry_error_set(u->err, FERRY_EINVAL,
			"old vendor base '%s' is release %s but the customer's code is on %s",
			u->base_ref, u->s_base->release ? u->s_base->release : "unknown",
			u->s_cust->release);
	return 0;
}
