/* SPDX-License-Identifier: MIT */
/* envdb_hold.h: holding an environment's SQLite database still while its application
 * serves, so that a copy taken later (the upgrade's baseline, after the start) is the
 * state the hold began on. The hold is a shared lock on SQLite's SHARED byte range
 * (an open-file-description lock, F_OFD_SETLK): readers go on, a writer's COMMIT waits
 * in its busy handler until the hold ends. A detached hold is kept by a small process
 * of its own, which copies the database into a restore point under it and exits: the
 * writes wait for that copy alone, and a kill -9 of the command that took the hold
 * changes nothing for them (the copy is made and the hold ends all the same);
 * the token names that process and the database file's state when the hold began
 * (device, inode, size, modification time, SQLite's file change counter), to check
 * later that nothing was written since. Local SQLite databases in rollback-journal
 * mode only (a WAL database's writers do not take that lock): FERRY_EREFUSED
 * otherwise, and the caller copies at once instead. */
#ifndef FERRY_RUNTIME_ENVDB_HOLD_H
#define FERRY_RUNTIME_ENVDB_HOLD_H

#include "ferry/runtime/envdb.h"

#define FERRY_ENVDB_HOLD_MAX 160

struct ferry_envdb_hold {
	int fd;          /* this process's lock (the file open, locked); -1 none */
	int confirm;     /* a detached holder's socket until confirmed; -1 none */
	long pid;        /* the detached holder; 0 none */
	char token[FERRY_ENVDB_HOLD_MAX];
};
#define FERRY_ENVDB_HOLD_INIT { -1, -1, 0, "" }

/* Take a hold on db (waits up to 10 s for a writer inside its COMMIT). With copy_to
 * (before the application runs: a journal beside the file is refused), a holder
 * process keeps it too and, once ferry_envdb_hold_confirm() is called (record the
 * token first), copies db into restore point copy_to and exits; unconfirmed it exits
 * at once, so a caller killed before recording the token leaves no hold behind.
 * Without copy_to the hold is this process's alone (h->fd). FERRY_EREFUSED (with the
 * reason) when db cannot be held this way. */
int ferry_envdb_hold(struct ferry_envdb *db, const char *copy_to, struct ferry_envdb_hold *h,
		     struct ferry_error *err);
/* Restore point `name` of db (ferry_envdb_rp_create()) while this process holds it
 * (h->fd): the file copied as it is, without a SQLite connection of its own (whose
 * lock would queue behind a writer waiting for the hold). */
int ferry_envdb_hold_rp_create(struct ferry_envdb *db, const struct ferry_envdb_hold *h,
			       const char *name, struct ferry_error *err);
/* The detached holder goes on after ferry_envdb_hold_close(): it copies, then exits. It
 * waits for ferry_envdb_hold_go() before its copy (so that the copy does not slow the
 * application's start), or until this process is gone, or a minute. */
void ferry_envdb_hold_confirm(struct ferry_envdb_hold *h);
/* Tell the holder this process confirmed to copy now (nothing when there is none). */
void ferry_envdb_hold_go(const char *token);
/* This process's part of the hold ends (an unconfirmed holder exits). */
void ferry_envdb_hold_close(struct ferry_envdb_hold *h);
/* 0 when db's file is in the state token recorded (nothing written since), else
 * FERRY_ESTATE saying what changed; a token without a state: FERRY_EINVAL. */
int ferry_envdb_hold_check(struct ferry_envdb *db, const char *token, struct ferry_error *err);
/* 1 while the holder process the token names is alive, else 0. */
int ferry_envdb_hold_alive(const char *token);
/* Wait until the holder process the token names is gone (its copy made or failed):
 * 1 when there was one to wait for, 0 when it was gone already. */
int ferry_envdb_hold_wait(const char *token);
/* End the holder process the token names (nothing when it is gone; idempotent). */
void ferry_envdb_hold_end(const char *token);

#endif
