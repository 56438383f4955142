/* SPDX-License-Identifier: MIT */
/* codeupgrade_vendor.c: vendor base branches made by ferry. A fresh clone of a
 * customer's tree has no vendor/<release> branches; from the vendor's model sources of
 * each release (opts->vendor_dir/<release>/, as the ledger ships them in
 * examples/ledger/models/vendor, or else the "model_sources" of the release's application
 * package in the asset library, codeupgrade_assets.c), the branch is built here: every
 * file of the directory in one commit (the new base a child of the old, as a vendor's
 * history would be). Both releases' sources are found before the first branch is made. */
#include "lifecycle/codeupgrade_int.h"

#include "ferry/base/util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* libgit2's last error as ours (this file stands below codeupgrade_repo.c: no calls up). */
static int gfail(struct ferry_error *err, const char *what)
{
	const git_error *ge = git_error_last();

	return ferry_error_set(err, FERRY_EIO, "%s: %s", what, ge && ge->message ? ge->message : "failed");
}

/* Add every regular file under dir (rel: its path in the tree) to the index. */
static int add_dir(git_repository *repo, git_index *idx, const char *dir, const char *rel,
		   struct ferry_error *err)
{
	struct ferry_buf data = FERRY_BUF_INIT;
	struct dirent *d;
	DIR *dp = opendir(dir);
	int rc = 0;

	if (!dp)
		return ferry_error_errno(err, FERRY_EIO, errno, "reading vendor sources %s", dir);
	while (!rc && (d = readdir(dp))) {
		char *p, *r;
		struct stat st;
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		p = ferry_path_join(dir, d->d_name);
		r = *rel ? ferry_path_join(rel, d->d_name) : strdup(d->d_name);
		if (!p || !r) {
			rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		} else if (lstat(p, &st)) {
			rc = ferry_error_errno(err, FERRY_EIO, errno, "reading %s", p);
		} else if (S_ISDIR(st.st_mode)) {
			rc = add_dir(repo, idx, p, r, err);
		} else if (S_ISREG(st.st_mode)) {
			git_index_entry e;
			ferry_buf_reset(&data);
			memset(&e, 0, sizeof(e));
			e.path = r;
			e.mode = st.st_mode & 0111 ? GIT_FILEMODE_BLOB_EXECUTABLE : GIT_FILEMODE_BLOB;
			if (ferry_buf_read_file(&data, p) ||
			    git_blob_create_from_buffer(&e.id, repo, data.data ? data.data : "", data.len) < 0 ||
			    git_index_add(idx, &e) < 0)
				rc = gfail(err, p);
		}
		free(p);
		free(r);
	}
	closedir(dp);
	ferry_buf_release(&data);
	return rc;
}

/* Where the model sources of one release are. */
struct cu_src {
	char *dir;        /* NULL: not looked for yet */
	char *tmp;        /* a temporary extraction to remove, or NULL */
	char from[256];   /* for the commit message */
};

struct cu_vendor {
	struct cu_src base, next;
};

static int ref_exists(git_repository *repo, const char *ref)
{
	git_reference *r = NULL;
	int yes = git_reference_dwim(&r, repo, ref) == 0;

	git_reference_free(r);
	return yes;
}

/* Find the sources of `release`: vendor_dir/<release>, else the asset library. */
static int locate(struct up *u, const char *release, const char *ref, struct cu_src *vs)
{
	if (vs->dir)
		return 0;
	if (!u->o->vendor_dir)
		return ferry_cu_library_sources(u, release, &vs->tmp, &vs->dir, vs->from, sizeof(vs->from));
	if (!(vs->dir = ferry_path_join(u->o->vendor_dir, release)))
		return ferry_error_set(u->err, FERRY_ENOMEM, "out of memory");
	if (!ferry_path_exists(vs->dir))
		return ferry_error_set(u->err, FERRY_ENOTFOUND, "no vendor base '%s' in the repository and no "
				       "vendor sources of release %s in %s", ref, release, u->o->vendor_dir);
	snprintf(vs->from, sizeof(vs->from), "its model sources");
	return 0;
}

void ferry_cu_vendor_release(struct up *u)
{
	struct cu_src *all[2];
	int i;

	if (!u->vendor)
		return;
	all[0] = &u->vendor->base;
	all[1] = &u->vendor->next;
	for (i = 0; i < 2; i++) {
		if (all[i]->tmp)
			ferry_rm_rf(all[i]->tmp, NULL);
		free(all[i]->tmp);
		free(all[i]->dir);
	}
	free(u->vendor);
	u->vendor = NULL;
}

int ferry_cu_vendor_base(struct up *u, const char *release, const char *ref, const git_oid *parent)
{
	git_reference *r = NULL;
	git_signature *sig = NULL;
	git_commit *pc = NULL;
	git_index *idx = NULL;
	git_tree *tree = NULL;
	git_oid tid, cid;
	struct cu_src *vs;
	char branch[300], msg[400];
	int rc = 0, is_next = !strcmp(ref, u->new_ref);

	if (ref_exists(u->src, ref))
		return 0;
	if (!u->o->vendor_dir && !u->o->ctx)
		return 0; /* resolve() says it is missing */
	if (!u->vendor && !(u->vendor = calloc(1, sizeof(*u->vendor))))
		return ferry_error_set(u->err, FERRY_ENOMEM, "out of memory");
	vs = is_next ? &u->vendor->next : &u->vendor->base;
	/* the old base first: the new one's sources are found before anything is made */
	if (!is_next && !u->o->new_base && !ref_exists(u->src, u->new_ref) &&
	    (rc = locate(u, u->o->to, u->new_ref, &u->vendor->next)))
		return rc;
	if ((rc = locate(u, release, ref, vs)))
		return rc;
	snprintf(branch, sizeof(branch), "refs/heads/%s", ref);
	snprintf(msg, sizeof(msg), "Vendor base: release %s (built by ferry from %s)", release, vs->from);
	if (git_index_new(&idx) < 0 || (rc = add_dir(u->src, idx, vs->dir, "", u->err)))
		goto gfail;
	if (git_index_write_tree_to(&tid, idx, u->src) < 0 || git_tree_lookup(&tree, u->src, &tid) < 0 ||
	    git_signature_now(&sig, "ferry", "ferry@localhost") < 0 ||
	    (parent && git_commit_lookup(&pc, u->src, parent) < 0) ||
	    git_commit_create(&cid, u->src, NULL, sig, sig, NULL, msg, tree, pc ? 1 : 0,
			      (const git_commit **)&pc) < 0 ||
	    git_reference_create(&r, u->src, branch, &cid, 0, msg) < 0)
		goto gfail;
	git_reference_free(r);
	goto out;
gfail:
	if (!rc)
		rc = gfail(u->err, "building the vendor base");
out:
	git_commit_free(pc);
	git_signature_free(sig);
	git_tree_free(tree);
	git_index_free(idx);
	return rc;
}
