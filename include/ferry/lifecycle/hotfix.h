/* SPDX-License-Identifier: MIT */
/* hotfix.h: source hotfixes (scenario 1): hotfix packages (unified diffs over vendor
 * model elements), applying them to a source tree in prerequisite order, the record of
 * installed hotfixes (.ferry/hotfixes.json). Patches go through ferry/patch.h. */
#ifndef FERRY_HOTFIX_H
#define FERRY_HOTFIX_H

#include <stddef.h>
#include <jansson.h>

#include "ferry/base/buf.h"
#include "ferry/lifecycle/patch.h"

struct ferry_error;
struct ferry_catalog;
struct ferry_settings;
struct git_repository;
struct git_tree;
struct git_oid;

/* Where a source tree records its hotfixes (relative to the source root). */
#define FERRY_HOTFIX_RECORD ".ferry/hotfixes.json"
#define FERRY_HOTFIX_PATCH_DIR ".ferry/hotfixes"

/* A loaded hotfix package (a directory or an archive, type "hotfix"). */
struct ferry_hotfix {
	char *id;               /* "KB4051001" */
	char *title;            /* the manifest's description, or "" */
	json_t *releases;       /* applies_to.releases: array of strings ("*" = any) */
	json_t *prerequisites;  /* array of hotfix ids */
	char *origin;           /* the path it was loaded from */
	char *tmpdir;           /* extraction directory of an archive (removed by _free) */
	struct ferry_buf patch; /* every patch of the package, normalized, concatenated */
};

/* Load a hotfix package: a directory holding manifest.json, or a .zip/.tar.gz/.tar.zst
 * archive (extracted safely to a temporary directory). Verifies the payload's SHA-256
 * when the manifest lists it. The patches are hotfix.patches (paths in the package),
 * else every *.diff / *.patch file in name order. An archive is extracted under the
 * settings' tmp_dir (s may be NULL: /tmp). Caller frees with ferry_hotfix_free. */
int ferry_hotfix_load(const char *path, const struct ferry_settings *s, struct ferry_hotfix **out,
		      struct ferry_error *err);
void ferry_hotfix_free(struct ferry_hotfix *hf);

/* Apply hotfix packages to the source tree at src_root: the tree's release must take
 * hotfixes (before $.rules.hotfixes_unsupported_from of the catalog `cat`, required: 8.1
 * for Finance and Operations) and be one each hotfix applies to; prerequisites must be
 * installed or given; they are applied in prerequisite order; installed ones are
 * skipped, ones whose changes are already in the code are recorded as present.
 * Every patch must touch only vendor models. All or nothing: patches are applied to a
 * staging copy, then swapped in; on a conflict the tree is unchanged and the error
 * names the hotfix, file and hunk. *report (caller decrefs, may be NULL) is
 * {release, hotfixes: [{id, status: installed|already-installed|already-present,
 * files}]}. Archives are extracted under the settings' tmp_dir (NULL: /tmp). */
int ferry_hotfix_apply(const struct ferry_catalog *cat, const char *src_root,
		       const char *const *packages, size_t n, const struct ferry_settings *settings,
		       json_t **report, struct ferry_error *err);

/* The installed hotfixes of a source tree: array of {id, title, releases,
 * prerequisites, files, installed_at, detected, patch}. Empty when none. */
int ferry_hotfix_list(const char *src_root, json_t **out, struct ferry_error *err);

/* The record itself: {format, hotfixes: [...]} read from ROOT/.ferry/hotfixes.json (an
 * empty record when the file is missing); caller decrefs. And the entry of one id
 * (borrowed), or NULL. */
int ferry_hotfix_record_load(const char *root, json_t **out, struct ferry_error *err);
json_t *ferry_hotfix_record_find(json_t *rec, const char *id);

#endif
