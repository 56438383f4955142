/* schema.c: the state store's schema: the core tables and the registry of every
 * component's migrations. A component appends migrations, never edits old ones. */
#include "ferry/store.h"
#include "schema.h"

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

static const struct ferry_migrations core = {
	"core", core_steps, (int)(sizeof(core_steps) / sizeof(core_steps[0]))
};

/* Components register here, in dependency order (one line each). */
const struct ferry_migrations *const ferry_schema[] = {
	&core,
	&ferry_schema_tokens,
	&ferry_schema_audit,
	&ferry_schema_op,
	&ferry_schema_notify,
	&ferry_schema_packages,
	&ferry_schema_runtime,
	&ferry_schema_upgrade,
	&ferry_schema_schedule,
	NULL
};
