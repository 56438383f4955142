/* SPDX-License-Identifier: MIT */
/* test_hotfix.c: the patch engine (lib/lifecycle/patch.c) and source hotfixes
 * (lib/lifecycle/hotfix.c): plain `diff -u` normalized to git's form, reversal, the
 * files a patch touches, conflicts naming file and hunk; hotfixes applied in
 * prerequisite order, recorded, detected when already present, all or nothing, and
 * refused on a release that takes no hotfixes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fixture.h"
#include "ferry/base/buf.h"
#include "ferry/catalog/catalog.h"
#include "ferry/lifecycle/hotfix.h"
#include "ferry/lifecycle/patch.h"

#include <git2.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#define MODELS FERRY_SRCDIR "/examples/ledger/models"

static const char plain[] =
	"--- a/x.txt\t2026-01-01 00:00:00.000000000 +0000\n"
	"+++ b/x.txt\t2026-01-02 00:00:00.000000000 +0000\n"
	"@@ -1,3 +1,3 @@\n"
	" one\n"
	"-two\n"
	"+TWO\n"
	" three\n";

static void test_normalize_reverse_files(void **state)
{
	struct ferry_buf n = FERRY_BUF_INIT, r = FERRY_BUF_INIT, rr = FERRY_BUF_INIT;
	struct ferry_error err;
	json_t *files;

	(void)state;
	assert_int_equal(ferry_patch_normalize(plain, sizeof(plain) - 1, &n, &err), 0);
	assert_non_null(strstr(n.data, "diff --git a/x.txt b/x.txt\n"));   /* -p1: a/ and b/ off, git headers added */
	assert_null(strstr(n.data, "2026-01-01"));                          /* timestamps dropped */
	assert_int_equal(ferry_patch_files(n.data, n.len, &files, &err), 0);
	assert_int_equal(json_array_size(files), 1);
	assert_string_equal(json_string_value(json_array_get(files, 0)), "x.txt");
	json_decref(files);
	assert_int_equal(ferry_patch_reverse(n.data, n.len, &r, &err), 0);
	assert_non_null(strstr(r.data, "\n-TWO\n"));
	assert_non_null(strstr(r.data, "\n+two\n"));
	assert_int_equal(ferry_patch_reverse(r.data, r.len, &rr, &err), 0);
	assert_string_equal(rr.data, n.data);                               /* an involution */
	ferry_buf_release(&n);
	ferry_buf_release(&r);
	ferry_buf_release(&rr);
	/* not a patch */
	assert_int_equal(ferry_patch_normalize("hello\n", 6, &n, &err), FERRY_EINVAL);
	ferry_buf_release(&n);
}

/* A one-file tree in a fresh repository. */
static void tree_with(git_repository **repo, git_tree **tree, const char *dir, const char *text)
{
	git_treebuilder *tb;
	git_oid blob, id;

	assert_int_equal(git_repository_init(repo, dir, 1), 0);
	assert_int_equal(git_blob_create_from_buffer(&blob, *repo, text, strlen(text)), 0);
	assert_int_equal(git_treebuilder_new(&tb, *repo, NULL), 0);
	assert_int_equal(git_treebuilder_insert(NULL, tb, "x.txt", &blob, GIT_FILEMODE_BLOB), 0);
	assert_int_equal(git_treebuilder_write(&id, tb), 0);
	git_treebuilder_free(tb);
	assert_int_equal(git_tree_lookup(tree, *repo, &id), 0);
}

static void test_apply_and_conflict(void **state)
{
	struct ferry_buf n = FERRY_BUF_INIT;
	struct ferry_error err;
	git_repository *repo;
	git_tree *tree, *got;
	git_oid out;
	const git_tree_entry *e;
	git_blob *blob;
	char dir[300];
	struct ufx *f = ufx_new("patch", NULL);

	(void)state;
	git_libgit2_init();
	snprintf(dir, sizeof(dir), "%s/repo", f->dir);
	assert_int_equal(ferry_patch_normalize(plain, sizeof(plain) - 1, &n, &err), 0);
	tree_with(&repo, &tree, dir, "one\ntwo\nthree\n");
	assert_int_equal(ferry_patch_apply_tree(repo, tree, n.data, n.len, &out, &err), 0);
	assert_int_equal(git_tree_lookup(&got, repo, &out), 0);
	e = git_tree_entry_byname(got, "x.txt");
	assert_non_null(e);
	assert_int_equal(git_blob_lookup(&blob, repo, git_tree_entry_id(e)), 0);
	assert_int_equal(git_blob_rawsize(blob), 14);
	assert_memory_equal(git_blob_rawcontent(blob), "one\nTWO\nthree\n", 14);
	git_blob_free(blob);
	git_tree_free(got);
	git_tree_free(tree);
	git_repository_free(repo);
	/* the same patch on a tree that changed the line: a conflict naming file and hunk */
	snprintf(dir, sizeof(dir), "%s/repo2", f->dir);
	tree_with(&repo, &tree, dir, "one\ndeux\nthree\n");
	assert_int_equal(ferry_patch_apply_tree(repo, tree, n.data, n.len, &out, &err), FERRY_ESTATE);
	assert_non_null(strstr(err.msg, "x.txt"));
	assert_non_null(strstr(err.msg, "hunk 1"));
	git_tree_free(tree);
	git_repository_free(repo);
	ferry_buf_release(&n);
	git_libgit2_shutdown();
	ufx_free(f);
}

/* ---- hotfixes on the sample source tree ---- */

static void make_repo(const char *out)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		int nul = open("/dev/null", 1);
		dup2(nul, 1);
		execl("/bin/bash", "bash", MODELS "/make-repo.sh", out, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void test_hotfix_apply(void **state)
{
	const char *one[] = { MODELS "/hotfixes/KB4051001" };
	const char *two[] = { MODELS "/hotfixes/KB4051002" };
	const char *both[] = { MODELS "/hotfixes/KB4051002", MODELS "/hotfixes/KB4051001" };
	struct ufx *f = ufx_new("hotfix", NULL);
	struct ferry_catalog *cat = NULL;
	struct ferry_hotfix *hf = NULL;
	json_t *report = NULL, *rec = NULL, *list = NULL;
	char src[400];

	(void)state;
	assert_int_equal(ferry_catalog_open(f->ctx, NULL, &cat, &f->err), 0);
	assert_int_equal(ferry_hotfix_load(one[0], &f->ctx->settings, &hf, &f->err), 0);
	assert_string_equal(hf->id, "KB4051001");
	assert_true(hf->patch.len > 0);
	ferry_hotfix_free(hf);
	snprintf(src, sizeof(src), "%s/src", f->dir);
	make_repo(src);
	/* KB4051002 needs KB4051001: alone it is refused and the tree keeps no record */
	assert_int_not_equal(ferry_hotfix_apply(cat, src, two, 1, &f->ctx->settings, &report, &f->err), 0);
	assert_non_null(strstr(f->err.msg, "KB4051001"));
	assert_int_equal(ferry_hotfix_list(src, &list, &f->err), 0);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
	/* given both in any order: prerequisite first */
	assert_int_equal(ferry_hotfix_apply(cat, src, both, 2, &f->ctx->settings, &report, &f->err), 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(report, "hotfixes"), 0), "id")),
			    "KB4051001");
	json_decref(report);
	assert_int_equal(ferry_hotfix_record_load(src, &rec, &f->err), 0);
	assert_non_null(ferry_hotfix_record_find(rec, "KB4051001"));
	assert_non_null(ferry_hotfix_record_find(rec, "KB4051002"));
	assert_null(ferry_hotfix_record_find(rec, "KB0"));
	json_decref(rec);
	/* again: already installed, nothing changes */
	assert_int_equal(ferry_hotfix_apply(cat, src, one, 1, &f->ctx->settings, &report, &f->err), 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(report, "hotfixes"), 0), "status")),
			    "already-installed");
	json_decref(report);
	ferry_catalog_free(cat);
	ufx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize_reverse_files),
		cmocka_unit_test(test_apply_and_conflict),
		cmocka_unit_test(test_hotfix_apply),
	};
	setenv("GIT_AUTHOR_NAME", "t", 1);
	setenv("GIT_AUTHOR_EMAIL", "t@x", 1);
	setenv("GIT_COMMITTER_NAME", "t", 1);
	setenv("GIT_COMMITTER_EMAIL", "t@x", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
