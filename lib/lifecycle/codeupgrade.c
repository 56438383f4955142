/* SPDX-License-Identifier: MIT */
/* codeupgrade.c: the code upgrade service: hotfix removal, three-way merges of the
 * customer's code onto a new vendor base (libgit2), the release rules on the result,
 * and the report (JSON and Markdown) committed on branch code-upgrade/<release>. */
#include "lifecycle/codeupgrade_int.h"
#include "ferry/lifecycle/codeupgrade.h"
#include "ferry/base/error.h"
#include "ferry/lifecycle/hotfix.h"
#include "lifecycle/hotfix_int.h"
#include "ferry/catalog/catalog.h"
#include "ferry/catalog/model.h"
#include "ferry/lifecycle/patch.h"
#include "ferry/base/util.h"

#include "lifecycle/git_sym.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- step 1: remove the old vendor hotfixes ---- */

/* Reverse one recorded hotfix on *cur; on success *cur is replaced. */
static int unapply(struct up *u, git_tree **cur, const char *patch_path, struct ferry_error *e)
{
	struct ferry_buf p = FERRY_BUF_INIT, rev = FERRY_BUF_INIT;
	git_tree *t = NULL;
	git_oid id;
	int rc;

	if (ferry_cu_blob_text(u->repo, u->cust, patch_path, &p))
		rc = ferry_error_set(e, FERRY_ENOTFOUND, "its patch '%s' is not in the tree", patch_path);
	else if (!(rc = ferry_patch_reverse(p.data ? p.data : "", p.len, &rev, e)) &&
		 !(rc = ferry_patch_apply_tree(u->repo, *cur, rev.data, rev.len, &id, e))) {
		if (git_tree_lookup(&t, u->repo, &id) < 0) {
			rc = ferry_cu_gfail(e, FERRY_EIO, "patched tree");
		} else {
			git_tree_free(*cur);
			*cur = t;
		}
	}
	ferry_buf_release(&p);
	ferry_buf_release(&rev);
	return rc;
}

/* Drop ferry's hotfix record from a tree (the new release has none installed). */
static int drop_record(struct up *u, git_tree **cur)
{
	git_index *idx = NULL;
	git_tree *t = NULL;
	git_oid id;
	int rc = 0;

	if (git_index_new(&idx) < 0 || git_index_read_tree(idx, *cur) < 0 ||
	    (git_index_remove_bypath(idx, FERRY_HOTFIX_RECORD) < 0) ||
	    git_index_remove_directory(idx, FERRY_HOTFIX_PATCH_DIR, 0) < 0 ||
	    git_index_write_tree_to(&id, idx, u->repo) < 0 || git_tree_lookup(&t, u->repo, &id) < 0) {
		rc = ferry_cu_gfail(u->err, FERRY_EIO, "removing the hotfix record");
	} else {
		git_tree_free(*cur);
		*cur = t;
	}
	git_index_free(idx);
	return rc;
}

static int remove_hotfixes(struct up *u)
{
	struct ferry_buf rb = FERRY_BUF_INIT;
	json_t *rec = NULL, *list = json_array(), *h;
	git_tree *cur = NULL;
	size_t i, n;
	int rc = 0;

	if (git_tree_dup(&cur, u->cust) < 0)
		return ferry_cu_gfail(u->err, FERRY_EIO, "tree");
	if (!ferry_cu_blob_text(u->repo, u->cust, FERRY_HOTFIX_RECORD, &rb) &&
	    !(rec = json_loadb(rb.data ? rb.data : "", rb.len, 0, NULL)))
		rc = ferry_error_set(u->err, FERRY_EINVAL, "%s in '%s' is not valid JSON",
				     FERRY_HOTFIX_RECORD, u->cust_ref);
	n = json_array_size(json_object_get(rec, "hotfixes"));
	for (i = n; !rc && i-- > 0;) {
		struct ferry_error e;
		const char *id, *patch;
		h = json_array_get(json_object_get(rec, "hotfixes"), i);
		id = json_string_value(json_object_get(h, "id"));
		patch = json_string_value(json_object_get(h, "patch"));
		ferry_error_clear(&e);
		if (!id || !patch)
			continue;
		int bad = unapply(u, &cur, patch, &e);
		json_array_insert_new(list, 0, json_pack("{s:s, s:O, s:O, s:b, s:b, s:s}", "id", id,
			"releases", json_object_get(h, "releases") ?: json_null(),
			"files", json_object_get(h, "files") ?: json_null(),
			"removed", !bad, "superseded", !hf_in_array(json_object_get(h, "releases"), u->o->to),
			"note", bad ? e.msg : hf_in_array(json_object_get(h, "releases"), u->o->to)
				? "applies to the target release too: install it again after the upgrade"
				: "included in the target release"));
	}
	if (!rc && rec)
		rc = drop_record(u, &cur);
	json_object_set_new(u->rep, "hotfixes_removed", list);
	u->cust_clean = cur;
	json_decref(rec);
	ferry_buf_release(&rb);
	return rc;
}

/* ---- step 2: three-way merges ---- */

static void file_opts(struct up *u, git_merge_file_options *fo, char *labels, size_t cap)
{
	git_merge_file_options_init(fo, GIT_MERGE_FILE_OPTIONS_VERSION);
	snprintf(labels, cap, "vendor %s%c%s%cvendor %s", u->s_base->release ? u->s_base->release : "base",
		 '\0', "customer", '\0', u->o->to);
	fo->ancestor_label = labels;
	fo->our_label = labels + strlen(labels) + 1;
	fo->their_label = fo->our_label + strlen(fo->our_label) + 1;
	fo->flags = GIT_MERGE_FILE_STYLE_MERGE;
}

/* The two sides of every conflict region of a merged file with markers. */
static json_t *conflict_sides(const char *p, size_t len)
{
	const char *end = p + len, *nl;
	json_t *regions = json_array();
	struct ferry_buf ours = FERRY_BUF_INIT, theirs = FERRY_BUF_INIT;
	int state = 0; /* 0 outside, 1 ours, 2 theirs */

	for (; p < end; p = nl) {
		nl = memchr(p, '\n', (size_t)(end - p));
		nl = nl ? nl + 1 : end;
		if (state == 0 && !strncmp(p, "<<<<<<< ", 8)) {
			state = 1;
		} else if (state == 1 && !strncmp(p, "=======", 7) && (p[7] == '\n' || p + 7 == end)) {
			state = 2;
		} else if (state == 2 && !strncmp(p, ">>>>>>> ", 8)) {
			json_array_append_new(regions, json_pack("{s:s, s:s}", "customer",
				ours.data ? ours.data : "", "vendor", theirs.data ? theirs.data : ""));
			ferry_buf_reset(&ours);
			ferry_buf_reset(&theirs);
			state = 0;
		} else if (state) {
			ferry_buf_add(state == 1 ? &ours : &theirs, p, (size_t)(nl - p));
		}
	}
	ferry_buf_release(&ours);
	ferry_buf_release(&theirs);
	return regions;
}

static int put_blob(struct up *u, const char *path, unsigned mode, const void *data, size_t len)
{
	git_index_entry e;

	memset(&e, 0, sizeof(e));
	e.path = path;
	e.mode = mode ? mode : GIT_FILEMODE_BLOB;
	if (git_blob_create_from_buffer(&e.id, u->repo, data, len) < 0 || git_index_add(u->idx, &e) < 0)
		return ferry_cu_gfail(u->err, FERRY_EIO, path);
	return 0;
}

static void add_conflict(struct up *u, const char *path, const char *kind, json_t *regions)
{
	const struct ferry_model *m = ferry_source_model_of(u->s_next, path);

	if (!m)
		m = ferry_source_model_of(u->s_cust, path);
	json_array_append_new(json_object_get(u->rep, "conflicts"),
		json_pack("{s:s, s:s, s:s?, s:o}", "path", path, "kind", kind, "model",
			  m ? m->name : NULL, "regions", regions ? regions : json_array()));
}

/* Turn each conflict git_merge_trees left into a stage-0 file with markers. */
static int resolve_conflicts(struct up *u)
{
	git_index_conflict_iterator *it = NULL;
	const git_index_entry *a, *o, *t;
	struct side { git_index_entry e[3]; int has[3]; char *path; } *c = NULL, *grown;
	size_t n = 0, i;
	int rc = 0;
	git_merge_file_options fo;
	char labels[128];

	file_opts(u, &fo, labels, sizeof(labels));
	if (git_index_conflict_iterator_new(&it, u->idx) < 0)
		return ferry_cu_gfail(u->err, FERRY_EIO, "merge conflicts");
	while (git_index_conflict_next(&a, &o, &t, it) == 0) {
		if (!(grown = realloc(c, (n + 1) * sizeof(*c)))) {
			rc = ferry_error_set(u->err, FERRY_ENOMEM, "out of memory");
			break;
		}
		c = grown;
		memset(&c[n], 0, sizeof(c[n]));
		c[n].path = strdup((o ? o : t ? t : a)->path);
		c[n].has[0] = a != NULL, c[n].has[1] = o != NULL, c[n].has[2] = t != NULL;
		if (a)
			c[n].e[0] = *a;
		if (o)
			c[n].e[1] = *o;
		if (t)
			c[n].e[2] = *t;
		n++;
	}
	git_index_conflict_iterator_free(it);
	for (i = 0; !rc && i < n; i++) {
		git_merge_file_result res = { 0 };
		const char *p = c[i].path;
		c[i].e[0].path = c[i].e[1].path = c[i].e[2].path = p;
		if (c[i].has[1] && c[i].has[2]) {
			if (git_merge_file_from_index(&res, u->repo, c[i].has[0] ? &c[i].e[0] : NULL,
						      &c[i].e[1], &c[i].e[2], &fo) < 0) {
				rc = ferry_cu_gfail(u->err, FERRY_EIO, p);
				break;
			}
			add_conflict(u, p, c[i].has[0] ? "changed by both" : "added by both",
				     conflict_sides(res.ptr, res.len));
			git_index_conflict_remove(u->idx, p);
			rc = put_blob(u, p, c[i].e[1].mode, res.ptr, res.len);
			git_merge_file_result_free(&res);
		} else {
			git_index_entry keep = c[i].e[c[i].has[1] ? 1 : 2];
			add_conflict(u, p, c[i].has[1] ? "changed by the customer, deleted by the vendor"
						     : "deleted by the customer, changed by the vendor", NULL);
			git_index_conflict_remove(u->idx, p);
			keep.flags = keep.flags_extended = 0;
			if (git_index_add(u->idx, &keep) < 0)
				rc = ferry_cu_gfail(u->err, FERRY_EIO, p);
		}
	}
	for (i = 0; i < n; i++)
		free(c[i].path);
	free(c);
	return rc;
}

static int blob_of(git_repository *repo, git_tree *tree, const char *path, git_oid *id,
		   git_blob **blob)
{
	git_tree_entry *e = NULL;
	int rc = git_tree_entry_bypath(&e, tree, path);

	if (!rc)
		git_oid_cpy(id, git_tree_entry_id(e));
	git_tree_entry_free(e);
	if (!rc && blob)
		rc = git_blob_lookup(blob, repo, id);
	return rc;
}

/* An overlayered element is the customer's copy of a vendor element: merge it with
 * what the vendor changed in that element between the two bases. */
static int merge_overlayer(struct up *u, const struct ferry_element *e, json_t *merged)
{
	const struct ferry_element *old = ferry_source_element(u->s_base, e->target_model, e->target_element);
	const struct ferry_element *nw = ferry_source_element(u->s_next, e->target_model, e->target_element);
	git_blob *bb = NULL, *nb = NULL, *ob = NULL;
	git_merge_file_input in[3];
	git_merge_file_result res = { 0 };
	git_merge_file_options fo;
	const git_index_entry *ours = git_index_get_bypath(u->idx, e->file, 0);
	git_oid bid, nid;
	char labels[128];
	int rc = 0, i;

	if (!old || !ours)
		return 0; /* no vendor original (scan reports it) or not in the result */
	if (!nw) {
		add_conflict(u, e->file, "overlayers an element the vendor removed", NULL);
		return 0;
	}
	if (blob_of(u->repo, u->base, old->file, &bid, &bb) ||
	    blob_of(u->repo, u->next, nw->file, &nid, &nb) ||
	    git_blob_lookup(&ob, u->repo, &ours->id) < 0) {
		rc = ferry_cu_gfail(u->err, FERRY_EIO, e->file);
		goto out;
	}
	if (git_oid_equal(&bid, &nid))
		goto out; /* the vendor did not change it */
	file_opts(u, &fo, labels, sizeof(labels));
	git_blob *src[3] = { bb, ob, nb };
	for (i = 0; i < 3; i++) {
		git_merge_file_input_init(&in[i], GIT_MERGE_FILE_INPUT_VERSION);
		in[i].ptr = git_blob_rawcontent(src[i]);
		in[i].size = (size_t)git_blob_rawsize(src[i]);
		in[i].path = e->file;
	}
	if (git_merge_file(&res, &in[0], &in[1], &in[2], &fo) < 0) {
		rc = ferry_cu_gfail(u->err, FERRY_EIO, e->file);
		goto out;
	}
	if (res.automergeable)
		json_array_append_new(merged, json_pack("{s:s, s:s}", "path", e->file, "how",
			"overlayered element: the vendor's changes merged into the customer's copy"));
	else
		add_conflict(u, e->file, "overlayered element changed by both",
			     conflict_sides(res.ptr, res.len));
	rc = put_blob(u, e->file, ours->mode, res.ptr, res.len);
out:
	git_merge_file_result_free(&res);
	git_blob_free(bb);
	git_blob_free(nb);
	git_blob_free(ob);
	return rc;
}

static int is_listed(const json_t *arr, const char *path)
{
	const json_t *v;
	size_t i;

	json_array_foreach(arr, i, v)
		if (!strcmp(json_string_value(json_object_get(v, "path")) ?: "", path))
			return 1;
	return 0;
}

/* Files both sides changed that merged cleanly: the result differs from both. */
static void list_merged(struct up *u, json_t *merged)
{
	size_t i, n = git_index_entrycount(u->idx);

	for (i = 0; i < n; i++) {
		const git_index_entry *e = git_index_get_byindex(u->idx, i);
		git_oid o, t;
		int has_o = !blob_of(u->repo, u->cust_clean, e->path, &o, NULL);
		int has_t = !blob_of(u->repo, u->next, e->path, &t, NULL);
		if (!has_o || !has_t || git_oid_equal(&e->id, &o) || git_oid_equal(&e->id, &t))
			continue;
		if (!is_listed(merged, e->path) && !is_listed(json_object_get(u->rep, "conflicts"), e->path))
			json_array_append_new(merged, json_pack("{s:s, s:s}", "path", e->path, "how",
				"changed by the customer and the vendor: merged line by line"));
	}
}

static int merge_all(struct up *u)
{
	json_t *merged = json_array();
	git_merge_options mo;
	size_t i, j;
	int rc = 0;

	git_merge_options_init(&mo, GIT_MERGE_OPTIONS_VERSION);
	json_object_set_new(u->rep, "merged", merged);
	if (git_merge_trees(&u->idx, u->repo, u->base, u->cust_clean, u->next, &mo) < 0)
		return ferry_cu_gfail(u->err, FERRY_EFAILED, "merging the trees");
	if ((rc = resolve_conflicts(u)))
		return rc;
	for (i = 0; !rc && i < u->s_cust->n_models; i++)
		for (j = 0; !rc && j < u->s_cust->models[i].n_elements; j++)
			if (!strcmp(u->s_cust->models[i].elements[j].kind, "overlayer"))
				rc = merge_overlayer(u, &u->s_cust->models[i].elements[j], merged);
	if (!rc)
		list_merged(u, merged);
	return rc;
}

/* ---- step 3: the target release's rules on the result ---- */

static int write_tree(struct up *u, git_tree **out)
{
	git_oid id;

	if (git_index_write_tree_to(&id, u->idx, u->repo) < 0 || git_tree_lookup(out, u->repo, &id) < 0)
		return ferry_cu_gfail(u->err, FERRY_EIO, "writing the merged tree");
	return 0;
}

/* Vendor files the result changes in place (not through a model of its own). */
static int vendor_edits(struct up *u, git_tree *merged, json_t *list)
{
	git_diff *diff = NULL;
	size_t i, n;

	if (git_diff_tree_to_tree(&diff, u->repo, u->next, merged, NULL) < 0)
		return ferry_cu_gfail(u->err, FERRY_EIO, "comparing with the new vendor base");
	n = git_diff_num_deltas(diff);
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const char *p = d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path;
		const struct ferry_model *m = ferry_source_model_of(u->s_next, p);
		if (!m || strcmp(m->owner, "vendor") || !strncmp(p, ".ferry/", 7))
			continue;
		json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "path", p, "model", m->name,
			"change", d->status == GIT_DELTA_DELETED ? "deleted" :
				  d->status == GIT_DELTA_ADDED ? "added" : "modified"));
	}
	git_diff_free(diff);
	return 0;
}

static int check_rules(struct up *u)
{
	int locked = ferry_code_overlayering_locked(u->o->catalog, u->o->to);
	int plocked = ferry_code_platform_locked(u->o->catalog, u->s_next->platform);
	char vendor_why[160], platform_why[160];
	json_t *all = json_array(), *forbidden = json_array(), *edits = json_array(),
	       *broken = json_array();
	git_tree *merged = NULL;
	size_t i, j;
	int rc;

	snprintf(vendor_why, sizeof(vendor_why), "vendor models are locked for overlayering from "
		 "release %s: refactor into an extension", u->o->catalog->vendor_locked_from->id);
	snprintf(platform_why, sizeof(platform_why), "platform models are locked for overlayering "
		 "on platform %s: refactor into an extension",
		 u->s_next->platform ? u->s_next->platform : "(unknown)");
	json_object_set_new(u->rep, "overlayering", all);
	json_object_set_new(u->rep, "forbidden_overlayering", forbidden);
	json_object_set_new(u->rep, "vendor_edits", edits);
	json_object_set_new(u->rep, "broken_extensions", broken);
	if ((rc = write_tree(u, &merged)) ||
	    (rc = ferry_cu_load_source(u->repo, merged, "upgraded code", &u->s_merged, u->err)) ||
	    (rc = vendor_edits(u, merged, edits)))
		goto out;
	for (i = 0; i < u->s_merged->n_models; i++) {
		const struct ferry_model *m = &u->s_merged->models[i];
		for (j = 0; j < m->n_elements; j++) {
			const struct ferry_element *e = &m->elements[j];
			const struct ferry_model *t = ferry_source_model(u->s_next, e->target_model);
			int plat = ferry_code_is_platform_model(u->o->catalog, e->target_model), bad;
			if (e->kind[0] == 'e' && !ferry_source_element(u->s_next, e->target_model, e->target_element))
				json_array_append_new(broken, json_pack("{s:s, s:s, s:s, s:s}", "model", m->name,
					"element", e->name, "file", e->file, "extends",
					e->target_model));
			if (e->kind[0] != 'o' || !t || strcmp(t->owner, "vendor"))
				continue;
			bad = locked || (plat && plocked);
			json_t *ov = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:s}", "model", m->name,
				"element", e->name, "file", e->file, "target_model", e->target_model,
				"target_element", e->target_element, "platform", plat, "forbidden", bad,
				"reason", !bad ? "allowed on this release" : locked ? vendor_why : platform_why);
			json_array_append(all, ov);
			if (bad)
				json_array_append(forbidden, ov);
			json_decref(ov);
		}
	}
	if (!locked)
		json_array_clear(edits); /* in-place vendor changes are overlayering still allowed */
	json_object_set(u->rep, "problems", u->s_merged->problems);
out:
	git_tree_free(merged);
	return rc;
}

static int count_not_removed(const json_t *hotfixes)
{
	const json_t *h;
	size_t i;
	int n = 0;

	json_array_foreach(hotfixes, i, h)
		n += !json_is_true(json_object_get(h, "removed"));
	return n;
}

static void summarize(struct up *u)
{
	json_t *r = u->rep;
	size_t conflicts = json_array_size(json_object_get(r, "conflicts"));
	size_t forbidden = json_array_size(json_object_get(r, "forbidden_overlayering")) +
			   json_array_size(json_object_get(r, "vendor_edits"));
	size_t broken = json_array_size(json_object_get(r, "broken_extensions"));
	int stuck = count_not_removed(json_object_get(r, "hotfixes_removed"));

	json_object_set_new(r, "ready", json_boolean(!conflicts && !forbidden && !broken && !stuck));
	json_object_set_new(r, "summary", json_pack("{s:I, s:I, s:I, s:I, s:I, s:i}",
		"merged", (json_int_t)json_array_size(json_object_get(r, "merged")),
		"conflicts", (json_int_t)conflicts, "forbidden_overlayering", (json_int_t)forbidden,
		"broken_extensions", (json_int_t)broken,
		"hotfixes_removed", (json_int_t)json_array_size(json_object_get(r, "hotfixes_removed")),
		"hotfixes_not_removed", stuck));
}

/* ---- the report in Markdown ---- */

static const char *js(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static void md_code(struct ferry_buf *b, const char *title, const char *text)
{
	size_t n = strlen(text);

	ferry_buf_addf(b, "%s:\n\n```\n%s%s```\n\n", title, text, n && text[n - 1] != '\n' ? "\n" : "");
}

int ferry_code_upgrade_markdown(const json_t *r, struct ferry_buf *b)
{
	const json_t *s = json_object_get(r, "summary"), *v, *g;
	int ready = json_is_true(json_object_get(r, "ready"));
	size_t i, k;

	ferry_buf_addf(b, "# Code upgrade to %s\n\n| | |\n|---|---|\n", js(r, "to_release"));
	ferry_buf_addf(b, "| Customer code | `%s`, release %s |\n", js(r, "customer_ref"), js(r, "from_release"));
	ferry_buf_addf(b, "| Old vendor base | `%s` |\n| New vendor base | `%s` |\n| Branch | `%s` |\n",
		       js(r, "base_ref"), js(r, "new_base_ref"), js(r, "branch"));
	ferry_buf_addf(b, "| Ready for %s | **%s** (%lld conflicts, %lld forbidden overlayering, %lld broken extensions) |\n\n",
		       js(r, "to_release"), ready ? "yes" : "no",
		       (long long)json_integer_value(json_object_get(s, "conflicts")),
		       (long long)json_integer_value(json_object_get(s, "forbidden_overlayering")),
		       (long long)json_integer_value(json_object_get(s, "broken_extensions")));
	ferry_buf_addf(b, "## Hotfixes removed (%zu)\n\n", json_array_size(json_object_get(r, "hotfixes_removed")));
	json_array_foreach(json_object_get(r, "hotfixes_removed"), i, v)
		ferry_buf_addf(b, "- %s %s: %s\n", js(v, "id"),
			       json_is_true(json_object_get(v, "removed")) ? "removed" : "NOT removed",
			       js(v, "note"));
	ferry_buf_addf(b, "\n## Merged cleanly (%zu)\n\n", json_array_size(json_object_get(r, "merged")));
	json_array_foreach(json_object_get(r, "merged"), i, v)
		ferry_buf_addf(b, "- `%s`: %s\n", js(v, "path"), js(v, "how"));
	ferry_buf_addf(b, "\n## Conflicts (%zu)\n\n", json_array_size(json_object_get(r, "conflicts")));
	json_array_foreach(json_object_get(r, "conflicts"), i, v) {
		ferry_buf_addf(b, "### `%s`\n\n%s%s%s. The file carries conflict markers: resolve them, build and test.\n\n",
			       js(v, "path"), js(v, "kind"), *js(v, "model") ? " in model " : "", js(v, "model"));
		json_array_foreach(json_object_get(v, "regions"), k, g) {
			md_code(b, "Customer", js(g, "customer"));
			md_code(b, "Vendor", js(g, "vendor"));
		}
	}
	ferry_buf_addf(b, "## Overlayering the target release forbids (%zu)\n\n",
		       json_array_size(json_object_get(r, "forbidden_overlayering")));
	json_array_foreach(json_object_get(r, "forbidden_overlayering"), i, v)
		ferry_buf_addf(b, "- %s/%s overlayers %s/%s (`%s`): %s\n", js(v, "model"), js(v, "element"),
			       js(v, "target_model"), js(v, "target_element"), js(v, "file"), js(v, "reason"));
	if (json_array_size(json_object_get(r, "vendor_edits")))
		ferry_buf_adds(b, "\n## In-place changes to vendor models (forbidden)\n\n");
	json_array_foreach(json_object_get(r, "vendor_edits"), i, v)
		ferry_buf_addf(b, "- `%s` (%s) %s: move the change into an extension\n", js(v, "path"),
			       js(v, "model"), js(v, "change"));
	if (json_array_size(json_object_get(r, "broken_extensions")))
		ferry_buf_adds(b, "\n## Extensions of elements the new release removed\n\n");
	json_array_foreach(json_object_get(r, "broken_extensions"), i, v)
		ferry_buf_addf(b, "- %s/%s (`%s`) extends %s\n", js(v, "model"), js(v, "element"),
			       js(v, "file"), js(v, "extends"));
	return ferry_buf_addf(b, "\n## Next steps\n\n%s\n", ready
		? "Build and test the branch, merge it into the main development branch, then build the deployable packages (`ferry package build`)."
		: "Resolve the conflicts and refactor the forbidden overlayering into extensions on this branch, build and test, then build the deployable packages.");
}

/* ---- step 4: the branch ---- */

static int add_reports(struct up *u)
{
	struct ferry_buf md = FERRY_BUF_INIT;
	char *text = json_dumps(u->rep, JSON_INDENT(2) | JSON_SORT_KEYS);
	int rc;

	if (!text || ferry_code_upgrade_markdown(u->rep, &md))
		rc = ferry_error_set(u->err, FERRY_ENOMEM, "out of memory");
	else if (!(rc = put_blob(u, ".ferry/code-upgrade/report.json", 0, text, strlen(text))))
		rc = put_blob(u, ".ferry/code-upgrade/report.md", 0, md.data, md.len);
	free(text);
	ferry_buf_release(&md);
	return rc;
}

static int write_branch(struct up *u, git_oid *id)
{
	git_commit *parents[2] = { NULL, NULL };
	git_signature *sig = NULL;
	git_reference *ref = NULL;
	git_commit *c = NULL;
	git_tree *tree = NULL;
	struct ferry_buf msg = FERRY_BUF_INIT;
	int rc;

	if ((rc = write_tree(u, &tree)))
		return rc;
	ferry_buf_addf(&msg, "Code upgrade to %s\n\nThe customer's code (%s, release %s) moved from %s onto %s.\n%s\n",
		       u->o->to, u->cust_ref, u->s_cust->release ? u->s_cust->release : "?", u->base_ref,
		       u->new_ref, json_is_true(json_object_get(u->rep, "ready"))
		       ? "Ready for the target release."
		       : "Not ready: see .ferry/code-upgrade/report.md (conflicts, forbidden overlayering).");
	if (git_signature_now(&sig, "ferry code upgrade", "ferry@localhost") < 0 ||
	    git_commit_lookup(&parents[0], u->repo, &u->cust_id) < 0 ||
	    git_commit_lookup(&parents[1], u->repo, &u->new_id) < 0 ||
	    git_commit_create(id, u->repo, NULL, sig, sig, NULL, msg.data, tree, 2,
			      (const git_commit **)parents) < 0 ||
	    git_commit_lookup(&c, u->repo, id) < 0 ||
	    git_branch_create(&ref, u->repo, u->branch, c, u->o->force) < 0)
		rc = ferry_cu_gfail(u->err, FERRY_EIO, "writing the branch");
	if (!rc && u->created_out) {
		git_checkout_options co;
		git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
		co.checkout_strategy = GIT_CHECKOUT_FORCE;
		if (git_repository_set_head(u->repo, git_reference_name(ref)) < 0 ||
		    git_checkout_head(u->repo, &co) < 0)
			rc = ferry_cu_gfail(u->err, FERRY_EIO, "checking out the branch");
	}
	git_reference_free(ref);
	git_commit_free(c);
	git_commit_free(parents[0]);
	git_commit_free(parents[1]);
	git_signature_free(sig);
	git_tree_free(tree);
	ferry_buf_release(&msg);
	return rc;
}

static int check_branch(struct up *u)
{
	git_reference *ref = NULL;
	int exists = git_branch_lookup(&ref, u->repo, u->branch, GIT_BRANCH_LOCAL) == 0;

	git_reference_free(ref);
	if (exists && !u->o->force)
		return ferry_error_set(u->err, FERRY_EEXIST,
			"branch '%s' exists already: delete it, or give --force to replace it", u->branch);
	return 0;
}

static void describe(struct up *u)
{
	char a[GIT_OID_HEXSZ + 1], b[GIT_OID_HEXSZ + 1], c[GIT_OID_HEXSZ + 1];

	git_oid_tostr(a, sizeof(a), &u->cust_id);
	git_oid_tostr(b, sizeof(b), &u->base_id);
	git_oid_tostr(c, sizeof(c), &u->new_id);
	json_object_set_new(u->rep, "from_release", json_string(u->s_cust->release ? u->s_cust->release : "unknown"));
	json_object_set_new(u->rep, "customer_ref", json_string(u->cust_ref));
	json_object_set_new(u->rep, "customer_commit", json_string(a));
	json_object_set_new(u->rep, "base_ref", json_string(u->base_ref));
	json_object_set_new(u->rep, "base_commit", json_string(b));
	json_object_set_new(u->rep, "new_base_ref", json_string(u->new_ref));
	json_object_set_new(u->rep, "new_base_commit", json_string(c));
	json_object_set_new(u->rep, "branch", json_string(u->branch));
}

static int valid_release(const char *r)
{
	size_t i;

	if (!r || !*r || *r == '.' || strlen(r) > 32)
		return 0;
	for (i = 0; r[i]; i++)
		if (!((r[i] >= '0' && r[i] <= '9') || (r[i] == '.' && r[i + 1] && r[i + 1] != '.')))
			return 0;
	return 1;
}

static void up_release(struct up *u)
{
	ferry_cu_vendor_release(u);
	git_index_free(u->idx);
	git_tree_free(u->cust);
	git_tree_free(u->base);
	git_tree_free(u->next);
	git_tree_free(u->cust_clean);
	ferry_source_free(u->s_cust);
	ferry_source_free(u->s_base);
	ferry_source_free(u->s_next);
	ferry_source_free(u->s_merged);
	if (u->repo != u->src)
		git_repository_free(u->repo);
	git_repository_free(u->src);
	json_decref(u->rep);
	free(u->out_path);
}

int ferry_code_upgrade(const struct ferry_code_upgrade_opts *o, json_t **report,
		       struct ferry_error *err)
{
	struct up u;
	char hex[GIT_OID_HEXSZ + 1];
	git_oid id;
	int rc;

	*report = NULL;
	if (!o->src || !valid_release(o->to))
		return ferry_error_set(err, FERRY_EINVAL, "invalid target release '%s': use a release number like 8.1",
				       o->to ? o->to : "");
	if (!o->catalog)
		return ferry_error_set(err, FERRY_EINVAL, "a code upgrade needs the product's release "
				       "catalog for its rules ('ferry catalog list' shows where ferry looks)");
	if (!ferry_catalog_release(o->catalog, o->to)) /* before touching git */
		return ferry_error_set(err, FERRY_EINVAL, "unknown release '%s' in the %s catalog: "
				       "see 'ferry catalog show'", o->to, o->catalog->product);
	if ((rc = ferry_git_load(err)))
		return rc;
	memset(&u, 0, sizeof(u));
	u.o = o;
	u.err = err;
	git_libgit2_init();
	snprintf(u.branch, sizeof(u.branch), "code-upgrade/%s", o->to);
	u.rep = json_pack("{s:s, s:[]}", "to_release", o->to, "conflicts");
	if ((rc = ferry_cu_open_repos(&u)) || (rc = check_branch(&u)) || (rc = ferry_cu_load_trees(&u)))
		goto out;
	describe(&u);
	if ((rc = remove_hotfixes(&u)) || (rc = merge_all(&u)) || (rc = check_rules(&u)))
		goto out;
	summarize(&u);
	if ((rc = add_reports(&u)) || (rc = write_branch(&u, &id)))
		goto out;
	*report = json_deep_copy(u.rep);
	git_oid_tostr(hex, sizeof(hex), &id);
	json_object_set_new(*report, "commit", json_string(hex));
	json_object_set_new(*report, "repository", json_string(u.created_out && u.out_path ? u.out_path : o->src));
out:
	if (rc) {
		ferry_error_prefix(err, "code upgrade to %s", o->to);
		if (u.created_out && u.out_path)
			ferry_rm_rf(u.out_path, NULL);
	}
	up_release(&u);
	git_libgit2_shutdown();
	return rc;
}
