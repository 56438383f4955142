/* SPDX-License-Identifier: MIT */
/* patch.h: the patch engine shared by hotfixes and the code upgrade service: unified
 * diffs normalized to git's format, reversed, and applied to git trees with libgit2. */
#ifndef FERRY_PATCH_H
#define FERRY_PATCH_H

#include <stddef.h>
#include <jansson.h>

#include "ferry/base/buf.h"

struct ferry_error;
struct git_repository;
struct git_tree;
struct git_oid;

/* Normalize unified diffs to git's format (libgit2 needs "diff --git" headers; plain
 * `diff -u` output gets them, timestamps dropped, paths stripped of their first
 * component like `patch -p1`). Appends to out. */
int ferry_patch_normalize(const char *text, size_t len, struct ferry_buf *out,
			  struct ferry_error *err);
/* The reverse of a normalized patch (removes what it adds). Appends to out. */
int ferry_patch_reverse(const char *text, size_t len, struct ferry_buf *out,
			struct ferry_error *err);
/* Paths a normalized patch touches (new side; old side too for renames and deletions):
 * *out is an array of strings, caller decrefs. */
int ferry_patch_files(const char *text, size_t len, json_t **out, struct ferry_error *err);
/* Apply a normalized patch to `tree` of `repo` with libgit2 (git_apply_to_tree); writes
 * the result tree into the repository and its id to *out. The caller has called
 * git_libgit2_init(). On a conflict returns FERRY_ESTATE with
 * "file 'F': hunk N (@@ ... @@) does not apply: ...". */
int ferry_patch_apply_tree(struct git_repository *repo, struct git_tree *tree,
			   const char *patch, size_t len, struct git_oid *out,
			   struct ferry_error *err);

#endif
