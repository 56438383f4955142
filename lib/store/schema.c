/* SPDX-License-Identifier: MIT */
/* schema.c: the core tables of the state store (projects, environments, features).
 * Each component above owns its tables the same way (ferry_schema_<component>) and
 * lib/registry/registry.c lists them; a component appends migrations, never edits old ones. */
#include "ferry/store/store.h"

#include <stddef.h>

static const char *const core_steps[] = {
	/* 1: projects, environments, preview features */
	"CREATE TABLE projects("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  product TEXT NOT NULL,"
	"  description TEXT NOT NULL DEFAULT '',"
	"  allow_unsigned INTEGER NOT NULL DEFAULT 0,"
	"  created_ms INTEGER NOT NULL);"
	"CREATE TABLE environments("
	"  id INTEGER PRIMARY KEY,"
	"  project_id INTEGER NOT NULL REFERENCES projects(id),"
	"  name TEXT NOT NULL,"
	"  role TEXT NOT NULL CHECK (role IN ('development','sandbox','production')),"
	"  state TEXT NOT NULL,"
	"  product TEXT NOT NULL,"
	"  app_release TEXT NOT NULL,"
	"  platform TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  updated_ms INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX environments_live_name ON environments(name) WHERE state <> 'deleted';"
	"CREATE INDEX environments_project ON environments(project_id);"
	"CREATE TABLE project_features("
	"  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  enabled INTEGER NOT NULL,"
	"  updated_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (project_id, name));",
};

const struct ferry_migrations ferry_schema_core = {
	"core", core_steps, (int)(sizeof(core_steps) / sizeof(core_steps[0]))
};
