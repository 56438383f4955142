/* SPDX-License-Identifier: MIT */
/* git_sym.h: libgit2 through dlopen on first use (base/dlib.h): the functions code
 * upgrades, hotfixes and patches call. Include this instead of <git2.h>; callers still
 * pair git_libgit2_init/git_libgit2_shutdown after ferry_git_load. */
#ifndef FERRY_LIFECYCLE_GIT_SYM_H
#define FERRY_LIFECYCLE_GIT_SYM_H

#include <git2.h>

#include "ferry/base/dlib.h"

#define FERRY_GIT_SYMS(X) \
	X(git_apply_options_init) \
	X(git_apply_to_tree) \
	X(git_blob_create_from_buffer) \
	X(git_blob_free) \
	X(git_blob_lookup) \
	X(git_blob_rawcontent) \
	X(git_blob_rawsize) \
	X(git_branch_create) \
	X(git_branch_lookup) \
	X(git_checkout_head) \
	X(git_checkout_options_init) \
	X(git_commit_create) \
	X(git_commit_free) \
	X(git_commit_id) \
	X(git_commit_lookup) \
	X(git_commit_tree) \
	X(git_diff_free) \
	X(git_diff_from_buffer) \
	X(git_diff_get_delta) \
	X(git_diff_num_deltas) \
	X(git_diff_tree_to_tree) \
	X(git_error_last) \
	X(git_index_add) \
	X(git_index_conflict_iterator_free) \
	X(git_index_conflict_iterator_new) \
	X(git_index_conflict_next) \
	X(git_index_conflict_remove) \
	X(git_index_entrycount) \
	X(git_index_free) \
	X(git_index_get_byindex) \
	X(git_index_get_bypath) \
	X(git_index_new) \
	X(git_index_read_tree) \
	X(git_index_remove_bypath) \
	X(git_index_remove_directory) \
	X(git_index_write_tree_to) \
	X(git_libgit2_init) \
	X(git_libgit2_shutdown) \
	X(git_merge_file) \
	X(git_merge_file_from_index) \
	X(git_merge_file_input_init) \
	X(git_merge_file_options_init) \
	X(git_merge_file_result_free) \
	X(git_merge_options_init) \
	X(git_merge_trees) \
	X(git_object_free) \
	X(git_object_peel) \
	X(git_odb_exists) \
	X(git_odb_foreach) \
	X(git_odb_free) \
	X(git_odb_object_data) \
	X(git_odb_object_free) \
	X(git_odb_object_size) \
	X(git_odb_object_type) \
	X(git_odb_read) \
	X(git_odb_write) \
	X(git_oid_cpy) \
	X(git_oid_equal) \
	X(git_oid_tostr) \
	X(git_reference_create) \
	X(git_reference_dwim) \
	X(git_reference_free) \
	X(git_reference_is_branch) \
	X(git_reference_iterator_free) \
	X(git_reference_iterator_glob_new) \
	X(git_reference_name) \
	X(git_reference_next) \
	X(git_reference_peel) \
	X(git_reference_shorthand) \
	X(git_reference_target) \
	X(git_reference_type) \
	X(git_repository_free) \
	X(git_repository_head) \
	X(git_repository_init) \
	X(git_repository_odb) \
	X(git_repository_open_ext) \
	X(git_repository_path) \
	X(git_repository_set_head) \
	X(git_repository_workdir) \
	X(git_revparse_single) \
	X(git_signature_free) \
	X(git_signature_now) \
	X(git_tree_dup) \
	X(git_tree_entry_bypath) \
	X(git_tree_entry_filemode) \
	X(git_tree_entry_free) \
	X(git_tree_entry_id) \
	X(git_tree_entry_name) \
	X(git_tree_entry_type) \
	X(git_tree_free) \
	X(git_tree_lookup) \
	X(git_tree_walk)

FERRY_GIT_SYMS(FERRY_DLSYM_DECLARE)

/* Loads the library and resolves the table (first call; then a no-op): 0, or FERRY_EIO
 * naming the library and the Debian package to install. Call before the first call. */
int ferry_git_load(struct ferry_error *err);

/* Calls of these names go through the table. */
#define git_apply_options_init ferry_sym_git_apply_options_init
#define git_apply_to_tree ferry_sym_git_apply_to_tree
#define git_blob_create_from_buffer ferry_sym_git_blob_create_from_buffer
#define git_blob_free ferry_sym_git_blob_free
#define git_blob_lookup ferry_sym_git_blob_lookup
#define git_blob_rawcontent ferry_sym_git_blob_rawcontent
#define git_blob_rawsize ferry_sym_git_blob_rawsize
#define git_branch_create ferry_sym_git_branch_create
#define git_branch_lookup ferry_sym_git_branch_lookup
#define git_checkout_head ferry_sym_git_checkout_head
#define git_checkout_options_init ferry_sym_git_checkout_options_init
#define git_commit_create ferry_sym_git_commit_create
#define git_commit_free ferry_sym_git_commit_free
#define git_commit_id ferry_sym_git_commit_id
#define git_commit_lookup ferry_sym_git_commit_lookup
#define git_commit_tree ferry_sym_git_commit_tree
#define git_diff_free ferry_sym_git_diff_free
#define git_diff_from_buffer ferry_sym_git_diff_from_buffer
#define git_diff_get_delta ferry_sym_git_diff_get_delta
#define git_diff_num_deltas ferry_sym_git_diff_num_deltas
#define git_diff_tree_to_tree ferry_sym_git_diff_tree_to_tree
#define git_error_last ferry_sym_git_error_last
#define git_index_add ferry_sym_git_index_add
#define git_index_conflict_iterator_free ferry_sym_git_index_conflict_iterator_free
#define git_index_conflict_iterator_new ferry_sym_git_index_conflict_iterator_new
#define git_index_conflict_next ferry_sym_git_index_conflict_next
#define git_index_conflict_remove ferry_sym_git_index_conflict_remove
#define git_index_entrycount ferry_sym_git_index_entrycount
#define git_index_free ferry_sym_git_index_free
#define git_index_get_byindex ferry_sym_git_index_get_byindex
#define git_index_get_bypath ferry_sym_git_index_get_bypath
#define git_index_new ferry_sym_git_index_new
#define git_index_read_tree ferry_sym_git_index_read_tree
#define git_index_remove_bypath ferry_sym_git_index_remove_bypath
#define git_index_remove_directory ferry_sym_git_index_remove_directory
#define git_index_write_tree_to ferry_sym_git_index_write_tree_to
#define git_libgit2_init ferry_sym_git_libgit2_init
#define git_libgit2_shutdown ferry_sym_git_libgit2_shutdown
#define git_merge_file ferry_sym_git_merge_file
#define git_merge_file_from_index ferry_sym_git_merge_file_from_index
#define git_merge_file_input_init ferry_sym_git_merge_file_input_init
#define git_merge_file_options_init ferry_sym_git_merge_file_options_init
#define git_merge_file_result_free ferry_sym_git_merge_file_result_free
#define git_merge_options_init ferry_sym_git_merge_options_init
#define git_merge_trees ferry_sym_git_merge_trees
#define git_object_free ferry_sym_git_object_free
#define git_object_peel ferry_sym_git_object_peel
#define git_odb_exists ferry_sym_git_odb_exists
#define git_odb_foreach ferry_sym_git_odb_foreach
#define git_odb_free ferry_sym_git_odb_free
#define git_odb_object_data ferry_sym_git_odb_object_data
#define git_odb_object_free ferry_sym_git_odb_object_free
#define git_odb_object_size ferry_sym_git_odb_object_size
#define git_odb_object_type ferry_sym_git_odb_object_type
#define git_odb_read ferry_sym_git_odb_read
#define git_odb_write ferry_sym_git_odb_write
#define git_oid_cpy ferry_sym_git_oid_cpy
#define git_oid_equal ferry_sym_git_oid_equal
#define git_oid_tostr ferry_sym_git_oid_tostr
#define git_reference_create ferry_sym_git_reference_create
#define git_reference_dwim ferry_sym_git_reference_dwim
#define git_reference_free ferry_sym_git_reference_free
#define git_reference_is_branch ferry_sym_git_reference_is_branch
#define git_reference_iterator_free ferry_sym_git_reference_iterator_free
#define git_reference_iterator_glob_new ferry_sym_git_reference_iterator_glob_new
#define git_reference_name ferry_sym_git_reference_name
#define git_reference_next ferry_sym_git_reference_next
#define git_reference_peel ferry_sym_git_reference_peel
#define git_reference_shorthand ferry_sym_git_reference_shorthand
#define git_reference_target ferry_sym_git_reference_target
#define git_reference_type ferry_sym_git_reference_type
#define git_repository_free ferry_sym_git_repository_free
#define git_repository_head ferry_sym_git_repository_head
#define git_repository_init ferry_sym_git_repository_init
#define git_repository_odb ferry_sym_git_repository_odb
#define git_repository_open_ext ferry_sym_git_repository_open_ext
#define git_repository_path ferry_sym_git_repository_path
#define git_repository_set_head ferry_sym_git_repository_set_head
#define git_repository_workdir ferry_sym_git_repository_workdir
#define git_revparse_single ferry_sym_git_revparse_single
#define git_signature_free ferry_sym_git_signature_free
#define git_signature_now ferry_sym_git_signature_now
#define git_tree_dup ferry_sym_git_tree_dup
#define git_tree_entry_bypath ferry_sym_git_tree_entry_bypath
#define git_tree_entry_filemode ferry_sym_git_tree_entry_filemode
#define git_tree_entry_free ferry_sym_git_tree_entry_free
#define git_tree_entry_id ferry_sym_git_tree_entry_id
#define git_tree_entry_name ferry_sym_git_tree_entry_name
#define git_tree_entry_type ferry_sym_git_tree_entry_type
#define git_tree_free ferry_sym_git_tree_free
#define git_tree_lookup ferry_sym_git_tree_lookup
#define git_tree_walk ferry_sym_git_tree_walk

#endif
