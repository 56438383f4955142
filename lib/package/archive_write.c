/* SPDX-License-Identifier: MIT */
/* archive_write.c: ferry's deterministic archive writers (canonical headers, no timestamps,
 * no padding after the compressed stream) and the intake limits. */
#include "ferry/package/archive.h"
#include "ferry/base/error.h"
#include "ferry/base/settings.h"
#include "ferry/base/util.h"

#include "package/archive_sym.h"
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

void ferry_intake_limits_init(struct ferry_intake_limits *l, const struct ferry_settings *s)
{
	struct ferry_settings dflt;

	if (!s) {
		ferry_settings_init(&dflt);  /* numbers only: nothing to release */
		s = &dflt;
	}
	l->max_entries = s->max_entries;
	l->max_bytes = s->max_bytes;
	l->max_ratio = s->max_ratio;
	l->ratio_floor = (uint64_t)8 << 20;
}

static int ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && !strcmp(s + n - m, suf);
}

const char *ferry_archive_container_for(const char *filename)
{
	if (ends_with(filename, ".zip"))
		return "zip";
	if (ends_with(filename, ".tar.gz") || ends_with(filename, ".tgz"))
		return "tar.gz";
	if (ends_with(filename, ".tar.zst") || ends_with(filename, ".tzst"))
		return "tar.zst";
	return NULL;
}

static int arc_err(struct archive *a, struct ferry_error *err, const char *what)
{
	const char *m = archive_error_string(a);
	return ferry_error_set(err, FERRY_EIO, "%s: %s", what, m ? m : "libarchive error");
}

int ferry_archive_writer_setup(struct archive *a, const char *container, struct ferry_error *err)
{
	int rc;

	if (!strcmp(container, "zip")) {
		rc = archive_write_set_format_zip(a);
	} else {
		rc = archive_write_set_format_pax_restricted(a);
		if (rc == ARCHIVE_OK && !strcmp(container, "tar.gz")) {
			rc = archive_write_add_filter_gzip(a);
			if (rc == ARCHIVE_OK)
				rc = archive_write_set_filter_option(a, "gzip", "timestamp", NULL);
		} else if (rc == ARCHIVE_OK && !strcmp(container, "tar.zst")) {
			rc = archive_write_add_filter_zstd(a);
		} else if (rc == ARCHIVE_OK && strcmp(container, "tar")) {
			return ferry_error_set(err, FERRY_EINVAL,
				"unknown container '%s' (use zip, tar.gz or tar.zst)", container);
		}
	}
	if (rc == ARCHIVE_OK)
		rc = archive_write_set_bytes_per_block(a, 10240);
	if (rc == ARCHIVE_OK)
		rc = archive_write_set_bytes_in_last_block(a, 1);
	return rc == ARCHIVE_OK ? 0 : arc_err(a, err, "setting up the archive writer");
}

int ferry_archive_write_header(struct archive *a, const char *path, int is_dir, uint64_t size,
			       unsigned mode, struct ferry_error *err)
{
	struct archive_entry *e = archive_entry_new();
	int rc;

	if (!e)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, is_dir ? AE_IFDIR : AE_IFREG);
	archive_entry_set_perm(e, is_dir ? 0755 : (mode & 0755));
	archive_entry_set_size(e, is_dir ? 0 : (la_int64_t)size);
	archive_entry_set_mtime(e, 0, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	rc = archive_write_header(a, e);
	archive_entry_free(e);
	if (rc != ARCHIVE_OK)
		return arc_err(a, err, path);
	return 0;
}
