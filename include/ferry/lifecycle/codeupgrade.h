/* SPDX-License-Identifier: MIT */
/* codeupgrade.h: the code upgrade service (scenario 2): move a customer's source code
 * from the vendor base of one release to the next in a git repository (libgit2):
 * remove old vendor hotfixes, replay the customer's changes onto the new vendor code
 * with three-way merges, and report what merged, what conflicts, and which overlayering
 * the target release forbids. See docs/CODE-UPGRADE.md. */
#ifndef FERRY_CODEUPGRADE_H
#define FERRY_CODEUPGRADE_H

#include <jansson.h>

#include "ferry/base/buf.h"

struct ferry_error;
struct ferry_catalog;
struct ferry_ctx;

struct ferry_code_upgrade_opts {
	const char *src;      /* the source git repository (a work tree or a bare repository) */
	const char *to;       /* the target release, "8.1" */
	const char *out;      /* a new repository to create with the result; NULL or the same
			       * repository as src: the branch is written into src */
	const char *branch;   /* the customer's code: a ref or commit; NULL = HEAD */
	const char *base;     /* the old vendor base; NULL = "vendor/<release of the customer's tree>" */
	const char *new_base; /* the new vendor base; NULL = "vendor/<to>" */
	int force;            /* replace an existing code-upgrade/<to> branch */
	const char *vendor_dir; /* the vendor's model sources, one folder per release: a missing
				 * vendor/<release> branch is built from <vendor_dir>/<release> (NULL: none) */
	const struct ferry_catalog *catalog; /* the release rules (required) */
	struct ferry_ctx *ctx;  /* without vendor_dir: a missing vendor/<release> branch is built
				 * from the model sources ("model_sources") of the application
				 * package of <release> in this home's asset library, verified
				 * (NULL: no library) */
	const char *project;    /* the project whose library (NULL: every project's) */
};

/* Run the code upgrade. On success (0) the branch "code-upgrade/<to>" holds a merge
 * commit (parents: the customer's commit and the new base) whose tree is the upgraded
 * code, with .ferry/code-upgrade/report.json and report.md; conflicted files carry
 * conflict markers. *report (caller decrefs) is that report plus "repository",
 * "branch" and "commit"; its "ready" is false when anything conflicts or the target
 * release forbids overlayering that remains (the code is then not ready). A new `out`
 * repository is removed again if the upgrade fails. Errors: FERRY_ENOTFOUND (no
 * repository or ref), FERRY_EEXIST (branch or out exists), FERRY_EINVAL (releases do
 * not fit: the target must be later than the customer's release; no catalog). */
int ferry_code_upgrade(const struct ferry_code_upgrade_opts *opts, json_t **report,
		       struct ferry_error *err);

/* The report as Markdown (appended to out). Returns 0 or FERRY_ENOMEM. */
int ferry_code_upgrade_markdown(const json_t *report, struct ferry_buf *out);

#endif
