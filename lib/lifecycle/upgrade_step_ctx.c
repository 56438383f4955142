/* SPDX-License-Identifier: MIT */
/* upgrade_step_ctx.c: the step context of the upgrade's operation kinds
 * (upgrade_ops.c, upgrade_data_ops.c): what each step loads before it acts, the
 * upgrade row, the original and the upgrade-in-progress runtimes and the operation's
 * work directory, loaded in one call and released in one; and the removal of the
 * upgrade-in-progress runtime that cancel and rollback share, and the refusal of an
 * abort that every upgrade kind gives. */
#include "lifecycle/upgrade_int.h"

#include "ferry/base/error.h"
#include "ferry/runtime/runtime.h"
#include "ferry/base/util.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

int up_step_load(struct ferry_op_run *run, unsigned what, const char *work,
		 struct up_step *s, struct ferry_error *err)
{
	int rc = 0;

	memset(s, 0, sizeof(*s));
	if (work && !(s->work = up_work_dir(run->ctx, run->op->activity_id, work)))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if ((what & UPS_UPGRADE) && (rc = up_of_run(run, &s->u, err)))
		goto fail;
	if ((what & UPS_MAIN) &&
	    (rc = ferry_runtime_open(run->ctx, run->op->env, NULL, 0, &s->orig, err)))
		goto fail;
	if (what & UPS_SLOT) {
		rc = ferry_runtime_open(run->ctx, run->op->env, FERRY_SLOT_UPGRADE, 0, &s->up, err);
		if (rc == FERRY_ENOTFOUND) {
			ferry_error_clear(err);
			s->up = NULL;
			rc = 0;
		}
		if (rc)
			goto fail;
		if ((what & UPS_NEED_SLOT) == UPS_NEED_SLOT && !s->up) {
			rc = ferry_error_set(err, FERRY_ESTATE, "environment '%s' has no "
					     "upgrade-in-progress runtime any more", run->op->env);
			goto fail;
		}
	}
	return 0;
fail:
	up_step_release(s);
	return rc;
}

void up_step_release(struct up_step *s)
{
	ferry_runtime_free(s->orig);
	ferry_runtime_free(s->up);
	free(s->work);
	s->orig = s->up = NULL;
	s->work = NULL;
}

/* A removal cut short (its runtime record deleted, its directory not yet) leaves an
 * "upgrade.<id>" directory of the local driver beside the original's files that no
 * record names any more: a retry removes it. */
static int remove_leftover_slots(struct ferry_op_run *run, struct up_step *s,
				 struct ferry_error *err)
{
	const char *dir = s->orig ? ferry_runtime_dir(s->orig) : NULL;
	size_t n = strlen(FERRY_SLOT_UPGRADE ".");
	struct dirent *de;
	int rc = 0;
	DIR *d;

	if (!dir || !(d = opendir(dir)))
		return 0;
	while (!rc && (de = readdir(d))) {
		char *p;
		if (strncmp(de->d_name, FERRY_SLOT_UPGRADE ".", n) || !de->d_name[n] ||
		    strspn(de->d_name + n, "0123456789") != strlen(de->d_name + n))
			continue;
		if (!(p = ferry_path_join(dir, de->d_name)))
			rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		else if (!(rc = ferry_rm_rf(p, err)))
			ferry_op_log(run, "removed %s, left by an earlier attempt", p);
		free(p);
	}
	closedir(d);
	return rc;
}

int up_step_remove_slot(struct ferry_op_run *run, struct up_step *s, struct ferry_error *err)
{
	char *dir;
	int rc;

	if (!s->up) {
		ferry_op_log(run, "no upgrade-in-progress environment left");
		return remove_leftover_slots(run, s, err);
	}
	if (!(dir = strdup(ferry_runtime_dir(s->up))))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if (!(rc = ferry_runtime_destroy(s->up, 1, err)) && !(rc = ferry_runtime_purge(s->up, err)))
		ferry_op_log(run, "removed the upgrade-in-progress environment (%s), its port and "
			     "database", dir);
	free(dir);
	return rc;
}

int up_refuse_abort(struct ferry_op_run *run, struct ferry_error *err)
{
	return ferry_error_set(err, FERRY_EREFUSED,
		"an upgrade operation is not aborted on its own: resume it with 'ferry upgrade resume "
		"%s', or cancel (before the data upgrade) or roll back the upgrade", run->op->env);
}
