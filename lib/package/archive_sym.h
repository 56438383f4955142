/* SPDX-License-Identifier: MIT */
/* archive_sym.h: libarchive through dlopen on first use (base/dlib.h): the functions
 * package intake and building, hotfixes, support bundles and shipping to hosts call.
 * Include this instead of <archive.h> and <archive_entry.h>. libarchive brings libxml2,
 * ICU and libstdc++ with it: a command that reads no archive does not map them. */
#ifndef FERRY_PACKAGE_ARCHIVE_SYM_H
#define FERRY_PACKAGE_ARCHIVE_SYM_H

#include <archive.h>
#include <archive_entry.h>

#include "ferry/base/dlib.h"

#define FERRY_ARCHIVE_SYMS(X) \
	X(archive_entry_filetype) \
	X(archive_entry_free) \
	X(archive_entry_hardlink) \
	X(archive_entry_new) \
	X(archive_entry_pathname) \
	X(archive_entry_pathname_utf8) \
	X(archive_entry_set_filetype) \
	X(archive_entry_set_gid) \
	X(archive_entry_set_mtime) \
	X(archive_entry_set_pathname) \
	X(archive_entry_set_perm) \
	X(archive_entry_set_size) \
	X(archive_entry_set_uid) \
	X(archive_entry_size) \
	X(archive_entry_size_is_set) \
	X(archive_entry_symlink) \
	X(archive_error_string) \
	X(archive_filter_bytes) \
	X(archive_filter_code) \
	X(archive_filter_name) \
	X(archive_format) \
	X(archive_format_name) \
	X(archive_read_data) \
	X(archive_read_data_block) \
	X(archive_read_data_into_fd) \
	X(archive_read_free) \
	X(archive_read_new) \
	X(archive_read_next_header) \
	X(archive_read_open_filename) \
	X(archive_read_open_memory) \
	X(archive_read_support_filter_all) \
	X(archive_read_support_filter_gzip) \
	X(archive_read_support_filter_zstd) \
	X(archive_read_support_format_tar) \
	X(archive_read_support_format_zip) \
	X(archive_set_error) \
	X(archive_write_add_filter_gzip) \
	X(archive_write_add_filter_zstd) \
	X(archive_write_close) \
	X(archive_write_data) \
	X(archive_write_free) \
	X(archive_write_header) \
	X(archive_write_new) \
	X(archive_write_open) \
	X(archive_write_open_filename) \
	X(archive_write_set_bytes_in_last_block) \
	X(archive_write_set_bytes_per_block) \
	X(archive_write_set_filter_option) \
	X(archive_write_set_format_pax_restricted) \
	X(archive_write_set_format_zip)

FERRY_ARCHIVE_SYMS(FERRY_DLSYM_DECLARE)

/* Loads the library and resolves the table (first call; then a no-op): 0, or FERRY_EIO
 * naming the library and the Debian package to install. Call before archive_*_new. */
int ferry_archive_load(struct ferry_error *err);

/* Calls of these names go through the table. */
#define archive_entry_filetype ferry_sym_archive_entry_filetype
#define archive_entry_free ferry_sym_archive_entry_free
#define archive_entry_hardlink ferry_sym_archive_entry_hardlink
#define archive_entry_new ferry_sym_archive_entry_new
#define archive_entry_pathname ferry_sym_archive_entry_pathname
#define archive_entry_pathname_utf8 ferry_sym_archive_entry_pathname_utf8
#define archive_entry_set_filetype ferry_sym_archive_entry_set_filetype
#define archive_entry_set_gid ferry_sym_archive_entry_set_gid
#define archive_entry_set_mtime ferry_sym_archive_entry_set_mtime
#define archive_entry_set_pathname ferry_sym_archive_entry_set_pathname
#define archive_entry_set_perm ferry_sym_archive_entry_set_perm
#define archive_entry_set_size ferry_sym_archive_entry_set_size
#define archive_entry_set_uid ferry_sym_archive_entry_set_uid
#define archive_entry_size ferry_sym_archive_entry_size
#define archive_entry_size_is_set ferry_sym_archive_entry_size_is_set
#define archive_entry_symlink ferry_sym_archive_entry_symlink
#define archive_error_string ferry_sym_archive_error_string
#define archive_filter_bytes ferry_sym_archive_filter_bytes
#define archive_filter_code ferry_sym_archive_filter_code
#define archive_filter_name ferry_sym_archive_filter_name
#define archive_format ferry_sym_archive_format
#define archive_format_name ferry_sym_archive_format_name
#define archive_read_data ferry_sym_archive_read_data
#define archive_read_data_block ferry_sym_archive_read_data_block
#define archive_read_data_into_fd ferry_sym_archive_read_data_into_fd
#define archive_read_free ferry_sym_archive_read_free
#define archive_read_new ferry_sym_archive_read_new
#define archive_read_next_header ferry_sym_archive_read_next_header
#define archive_read_open_filename ferry_sym_archive_read_open_filename
#define archive_read_open_memory ferry_sym_archive_read_open_memory
#define archive_read_support_filter_all ferry_sym_archive_read_support_filter_all
#define archive_read_support_filter_gzip ferry_sym_archive_read_support_filter_gzip
#define archive_read_support_filter_zstd ferry_sym_archive_read_support_filter_zstd
#define archive_read_support_format_tar ferry_sym_archive_read_support_format_tar
#define archive_read_support_format_zip ferry_sym_archive_read_support_format_zip
#define archive_set_error ferry_sym_archive_set_error
#define archive_write_add_filter_gzip ferry_sym_archive_write_add_filter_gzip
#define archive_write_add_filter_zstd ferry_sym_archive_write_add_filter_zstd
#define archive_write_close ferry_sym_archive_write_close
#define archive_write_data ferry_sym_archive_write_data
#define archive_write_free ferry_sym_archive_write_free
#define archive_write_header ferry_sym_archive_write_header
#define archive_write_new ferry_sym_archive_write_new
#define archive_write_open ferry_sym_archive_write_open
#define archive_write_open_filename ferry_sym_archive_write_open_filename
#define archive_write_set_bytes_in_last_block ferry_sym_archive_write_set_bytes_in_last_block
#define archive_write_set_bytes_per_block ferry_sym_archive_write_set_bytes_per_block
#define archive_write_set_filter_option ferry_sym_archive_write_set_filter_option
#define archive_write_set_format_pax_restricted ferry_sym_archive_write_set_format_pax_restricted
#define archive_write_set_format_zip ferry_sym_archive_write_set_format_zip

#endif
