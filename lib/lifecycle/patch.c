/* SPDX-License-Identifier: MIT */
/* patch.c: the patch engine: unified diffs normalized to git's format, reversed, and
 * applied to git trees with libgit2 (git_apply_to_tree), naming the file and hunk that
 * does not apply. Used by hotfixes and the code upgrade service. */
#include "ferry/lifecycle/patch.h"
#include "ferry/base/error.h"

#include "lifecycle/git_sym.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- patch text ---- */

static const char *line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl + 1 : end;
}

static int starts(const char *p, const char *end, const char *pfx)
{
	size_t n = strlen(pfx);

	return (size_t)(end - p) >= n && !memcmp(p, pfx, n);
}

/* The path of a plain "--- x/path\t2018-..." line, first component stripped (-p1). */
static char *plain_path(const char *p, const char *end)
{
	const char *s = p + 4, *e = s, *slash;

	while (e < end && *e != '\n' && *e != '\t' && *e != '\r')
		e++;
	if ((size_t)(e - s) == 9 && !memcmp(s, "/dev/null", 9))
		return strdup("/dev/null");
	slash = memchr(s, '/', (size_t)(e - s));
	if (slash)
		s = slash + 1;
	return strndup(s, (size_t)(e - s));
}

static int add_git_header(struct ferry_buf *out, const char *p, const char *mid,
			  const char *end)
{
	char *a = plain_path(p, mid), *b = plain_path(mid, end);
	int rc = -1, anew, bnew;

	if (!a || !b)
		goto out;
	anew = !strcmp(a, "/dev/null");
	bnew = !strcmp(b, "/dev/null");
	rc = ferry_buf_addf(out, "diff --git a/%s b/%s\n", anew ? b : a, bnew ? a : b);
	if (!rc && anew)
		rc = ferry_buf_adds(out, "new file mode 100644\n");
	if (!rc && bnew)
		rc = ferry_buf_adds(out, "deleted file mode 100644\n");
	if (!rc)
		rc = ferry_buf_addf(out, "--- %s%s\n+++ %s%s\n", anew ? "" : "a/", a,
				    bnew ? "" : "b/", b);
out:
	free(a);
	free(b);
	return rc;
}

int ferry_patch_normalize(const char *text, size_t len, struct ferry_buf *out,
			  struct ferry_error *err)
{
	const char *p = text, *end = text + len, *e, *e2;
	int git_hdr = 0, started = 0, rc = 0;

	for (; !rc && p < end; p = e) {
		e = line_end(p, end);
		if (starts(p, end, "diff --git ")) {
			git_hdr = started = 1;
		} else if (!git_hdr && starts(p, end, "--- ") && starts(e, end, "+++ ")) {
			e2 = line_end(e, end);
			rc = add_git_header(out, p, e, e2);
			started = 1;
			e = e2;
			continue;
		} else if (starts(p, end, "@@ ")) {
			git_hdr = 0;
		} else if (!started || (!git_hdr && (starts(p, end, "diff ") ||
						    starts(p, end, "Only in ")))) {
			continue;
		}
		if (starts(p, end, "GIT binary patch"))
			return ferry_error_set(err, FERRY_EINVAL, "binary patches are not supported");
		rc = ferry_buf_add(out, p, (size_t)(e - p));
		if (!rc && (e == end && e > p && e[-1] != '\n'))
			rc = ferry_buf_adds(out, "\n");
	}
	if (rc)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if (!started)
		return ferry_error_set(err, FERRY_EINVAL, "no unified diff found");
	return 0;
}

/* "a/x" -> "b/x" (and back); /dev/null stays. */
static int add_swapped_path(struct ferry_buf *out, const char *hdr, const char *p,
			    const char *e, char side)
{
	const char *s = p + 4;

	if (!starts(s, e, "/dev/null") && (s[0] == 'a' || s[0] == 'b') && s[1] == '/')
		return ferry_buf_addf(out, "%s%c/%.*s", hdr, side, (int)(e - s - 2), s + 2);
	return ferry_buf_addf(out, "%s%.*s", hdr, (int)(e - s), s);
}

static int reverse_hunk_header(struct ferry_buf *out, const char *p, const char *e)
{
	char o[64], n[64];
	const char *rest;

	if (sscanf(p, "@@ -%63s +%63s @@", o, n) != 2 || !(rest = strstr(p + 3, "@@")) || rest >= e)
		return -1;
	return ferry_buf_addf(out, "@@ -%s +%s %.*s", n, o, (int)(e - rest), rest);
}

int ferry_patch_reverse(const char *text, size_t len, struct ferry_buf *out,
			struct ferry_error *err)
{
	const char *p = text, *end = text + len, *e, *minus = NULL, *minus_end = NULL;
	int in_hunk = 0, rc = 0;

	for (; !rc && p < end; p = e) {
		e = line_end(p, end);
		if (starts(p, end, "diff --git ")) {
			const char *b = strstr(p, " b/");
			in_hunk = 0;
			if (!b || b >= e)
				return ferry_error_set(err, FERRY_EINVAL, "malformed 'diff --git' line");
			const char *yend = e[-1] == '\n' ? e - 1 : e;
			rc = ferry_buf_addf(out, "diff --git a/%.*s b/%.*s\n", (int)(yend - b - 3), b + 3,
					    (int)(b - p - 13), p + 13);
		} else if (!in_hunk && starts(p, end, "--- ")) {
			minus = p;
			minus_end = e;
		} else if (!in_hunk && starts(p, end, "+++ ") && minus) {
			rc = add_swapped_path(out, "--- ", p, e, 'a');
			if (!rc)
				rc = add_swapped_path(out, "+++ ", minus, minus_end, 'b');
			minus = NULL;
		} else if (!in_hunk && starts(p, end, "new file mode ")) {
			rc = ferry_buf_addf(out, "deleted file mode %.*s", (int)(e - p - 14), p + 14);
		} else if (!in_hunk && starts(p, end, "deleted file mode ")) {
			rc = ferry_buf_addf(out, "new file mode %.*s", (int)(e - p - 18), p + 18);
		} else if (!in_hunk && starts(p, end, "index ")) {
			const char *dots = strstr(p, ".."), *sp;
			if (!dots || dots >= e)
				return ferry_error_set(err, FERRY_EINVAL, "malformed 'index' line");
			for (sp = dots + 2; sp < e && *sp != ' ' && *sp != '\n'; sp++)
				;
			rc = ferry_buf_addf(out, "index %.*s..%.*s%.*s", (int)(sp - dots - 2),
					    dots + 2, (int)(dots - p - 6), p + 6, (int)(e - sp), sp);
		} else if (starts(p, end, "@@ ")) {
			in_hunk = 1;
			if (reverse_hunk_header(out, p, e))
				return ferry_error_set(err, FERRY_EINVAL, "malformed hunk header");
		} else if (in_hunk && (*p == '+' || *p == '-')) {
			rc = ferry_buf_addf(out, "%c%.*s", *p == '+' ? '-' : '+', (int)(e - p - 1), p + 1);
		} else {
			rc = ferry_buf_add(out, p, (size_t)(e - p));
		}
	}
	return rc ? ferry_error_set(err, FERRY_ENOMEM, "out of memory") : 0;
}

static int git_fail(struct ferry_error *err, int code, const char *what)
{
	const git_error *ge = git_error_last();

	return ferry_error_set(err, code, "%s: %s", what, ge && ge->message ? ge->message : "failed");
}

int ferry_patch_files(const char *text, size_t len, json_t **out, struct ferry_error *err)
{
	git_diff *diff = NULL;
	size_t i, n;
	json_t *arr;

	*out = NULL;
	if (ferry_git_load(err))
		return err ? err->code : FERRY_EIO;
	git_libgit2_init();
	if (git_diff_from_buffer(&diff, text, len) < 0) {
		int rc = git_fail(err, FERRY_EINVAL, "reading the patch");
		git_libgit2_shutdown();
		return rc;
	}
	arr = json_array();
	n = git_diff_num_deltas(diff);
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const char *path = d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path;
		json_array_append_new(arr, json_string(path));
		if (strcmp(d->old_file.path, d->new_file.path) && d->status != GIT_DELTA_ADDED &&
		    d->status != GIT_DELTA_DELETED)
			json_array_append_new(arr, json_string(d->old_file.path));
	}
	git_diff_free(diff);
	git_libgit2_shutdown();
	*out = arr;
	return 0;
}

/* Which file and hunk libgit2 was applying when it stopped. */
struct apply_track {
	char file[512];
	int hunk;
	char header[160];
};

static int on_delta(const git_diff_delta *d, void *payload)
{
	struct apply_track *t = payload;

	snprintf(t->file, sizeof(t->file), "%s",
		 d->status == GIT_DELTA_ADDED ? d->new_file.path : d->old_file.path);
	t->hunk = 0;
	t->header[0] = '\0';
	return 0;
}

static int on_hunk(const git_diff_hunk *h, void *payload)
{
	struct apply_track *t = payload;
	size_t n = h->header_len;

	while (n && (h->header[n - 1] == '\n' || h->header[n - 1] == '\r'))
		n--;
	t->hunk++;
	snprintf(t->header, sizeof(t->header), "%.*s", (int)n, h->header);
	return 0;
}

int ferry_patch_apply_tree(git_repository *repo, git_tree *tree, const char *patch,
			   size_t len, git_oid *out, struct ferry_error *err)
{
	git_apply_options opts;
	struct apply_track t = { "", 0, "" };
	git_index *idx = NULL;
	git_diff *diff = NULL;
	int rc = 0;

	if (git_diff_from_buffer(&diff, patch, len) < 0)
		return git_fail(err, FERRY_EINVAL, "reading the patch");
	git_apply_options_init(&opts, GIT_APPLY_OPTIONS_VERSION);
	opts.delta_cb = on_delta;
	opts.hunk_cb = on_hunk;
	opts.payload = &t;
	if (git_apply_to_tree(&idx, repo, tree, diff, &opts) < 0) {
		const git_error *ge = git_error_last();
		const char *why = ge && ge->message ? ge->message : "failed";
		if (t.hunk)
			rc = ferry_error_set(err, FERRY_ESTATE,
				"file '%s': hunk %d (%s) does not apply: the code there is not what the patch expects",
				t.file, t.hunk, t.header);
		else
			rc = ferry_error_set(err, FERRY_ESTATE, "file '%s': %s", t.file[0] ? t.file : "?", why);
		goto out;
	}
	if (git_index_write_tree_to(out, idx, repo) < 0)
		rc = git_fail(err, FERRY_EIO, "writing the patched tree");
out:
	git_index_free(idx);
	git_diff_free(diff);
	return rc;
}

