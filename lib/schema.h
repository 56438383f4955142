/* schema.h: every component's migration list, registered in schema.c. */
#ifndef FERRY_LIB_SCHEMA_H
#define FERRY_LIB_SCHEMA_H

#include "ferry/store.h"

/* One line per component, in dependency order (add yours below). */
extern const struct ferry_migrations ferry_schema_tokens;
extern const struct ferry_migrations ferry_schema_audit;
extern const struct ferry_migrations ferry_schema_op;
extern const struct ferry_migrations ferry_schema_notify;
extern const struct ferry_migrations ferry_schema_packages; /* keys, trust, assets */
extern const struct ferry_migrations ferry_schema_runtime;
extern const struct ferry_migrations ferry_schema_upgrade; /* upgrades, refreshes, rehearsals */
extern const struct ferry_migrations ferry_schema_schedule; /* scheduled operations, windows */

#endif
