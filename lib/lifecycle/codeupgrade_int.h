/* SPDX-License-Identifier: MIT */
/* codeupgrade_int.h: what the code upgrade service's files share (private to libferry). */
#ifndef FERRY_LIB_CODEUPGRADE_INT_H
#define FERRY_LIB_CODEUPGRADE_INT_H

#include "ferry/lifecycle/codeupgrade.h"
#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/catalog/model.h"

#include "lifecycle/git_sym.h"
#include <jansson.h>
#include <stddef.h>

struct cu_vendor;

/* Everything one run works with. */
struct up {
	const struct ferry_code_upgrade_opts *o;
	git_repository *src;      /* the input repository */
	git_repository *repo;     /* where the work happens: src or the new out */
	int created_out;          /* out was created by this run */
	char *out_path;           /* absolute path of a created out */
	char branch[300];         /* "code-upgrade/8.1" */
	char base_ref[256], new_ref[256], cust_ref[256];
	git_oid cust_id, base_id, new_id;
	git_tree *cust, *base, *next; /* the three trees */
	git_tree *cust_clean;     /* the customer's tree without hotfixes */
	struct ferry_source *s_cust, *s_base, *s_next, *s_merged;
	git_index *idx;           /* the merge result */
	json_t *rep;              /* the report being built */
	struct ferry_error *err;
	struct cu_vendor *vendor; /* the model sources vendor bases are built from (vendor.c) */
};

/* Fill err from libgit2's last error: "<what>: <libgit2 message>"; returns code. */
int ferry_cu_gfail(struct ferry_error *err, int code, const char *what);
/* Load the models of a tree as a source (caller frees with ferry_source_free). */
int ferry_cu_load_source(git_repository *repo, git_tree *tree, const char *what,
			 struct ferry_source **out, struct ferry_error *err);
/* Append the content of path in tree to out. */
int ferry_cu_blob_text(git_repository *repo, git_tree *tree, const char *path,
		       struct ferry_buf *out);
/* Open the input repository, resolve the three refs, create -o REPO when asked. */
int ferry_cu_open_repos(struct up *u);
/* Make branch `ref` (vendor/<release>) in the source repository when it lacks it (parent
 * may be NULL), from opts->vendor_dir/<release> or else from the model sources of the
 * release's application package in the asset library (opts->ctx). Called for the old
 * base first, it finds the new base's sources too before making anything, so a missing
 * package leaves the repository untouched. 0 when it exists or was made, or when there
 * is neither a vendor_dir nor a library (resolving it then says it is missing). */
int ferry_cu_vendor_base(struct up *u, const char *release, const char *ref, const git_oid *parent);
/* Free what ferry_cu_vendor_base kept (temporary extractions removed). */
void ferry_cu_vendor_release(struct up *u);
/* codeupgrade_assets.c: extract the application package of `release` from the asset
 * library (verified) into a new temporary directory *tmp (caller removes it) and name
 * its model sources' directory in *dir (caller frees) and the package in from; errors
 * name what to upload. */
int ferry_cu_library_sources(struct up *u, const char *release, char **tmp, char **dir,
			     char *from, size_t cap);
/* Read the three trees and check their releases against the target. */
int ferry_cu_load_trees(struct up *u);

#endif
