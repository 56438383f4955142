/* SPDX-License-Identifier: MIT */
/* advisor.h: the upgrade advisor: which path the catalog (the seed's rules and
 * code-upgrade table) prescribes for a move between releases and platforms, and
 * the rule behind each answer. Pure: it reads a catalog and, for the --env form,
 * one environment record; it changes nothing. */
#ifndef FERRY_ADVISOR_H
#define FERRY_ADVISOR_H

#include <jansson.h>

struct ferry_catalog;
struct ferry_catalog_move;
struct ferry_catalog_platform;
struct ferry_catalog_release;
struct ferry_ctx;
struct ferry_error;

enum ferry_move_kind {
	FERRY_MOVE_UNSUPPORTED,     /* refused: downgrade, or a pair the catalog does not allow */
	FERRY_MOVE_UPGRADE,         /* before 8.0: new sandbox, code upgrade, data upgrade */
	FERRY_MOVE_UPDATE,          /* from 8.0 on: binary package, no data upgrade */
	FERRY_MOVE_PLATFORM_UPDATE  /* same application, newer platform: in place */
};

/* "unsupported", "upgrade", "update", "platform-update". */
const char *ferry_move_kind_name(enum ferry_move_kind k);

/* What the operator asks. from/to: a release id ("7.3") or an AX7.version build
 * string ("7.3.11971.56116"). Platforms are optional: from_platform defaults to
 * the platform the source shipped with, to_platform to the newer of the target's
 * shipping platform and from_platform (it is required for a move within one release). */
struct ferry_advice_request {
	const char *from;
	const char *to;
	const char *from_platform;
	const char *to_platform;
};

struct ferry_advice {
	enum ferry_move_kind kind;
	const struct ferry_catalog *cat;                 /* the catalog asked (borrowed or owned) */
	const struct ferry_catalog_release *from, *to;
	const struct ferry_catalog_platform *from_platform; /* NULL for a source only (ax2012) */
	const struct ferry_catalog_platform *to_platform;
	const struct ferry_catalog_move *move;           /* the table row allowing it, or NULL */
	const char *env;                                 /* --env form: the environment's name */
	int code_upgrade_required;
	int data_upgrade_required;
	int refactor_overlayering_required;
	int hotfixes_supported;                          /* on the target release */
	char reason[1024];                               /* unsupported: why */
	json_t *reasons;   /* [{answer, value, rule, text}]: rule is a JSON path into the catalog */
	json_t *steps;     /* [{step, id, environment, title, rule}] in the order to take them */
	json_t *allowed_targets; /* unsupported: ferry_catalog_targets_to_json() from the source */
	struct ferry_catalog *owned_cat;                 /* freed with the advice (--env form) */
	char env_name[64];
};

/* Advise on req against cat (which must outlive the advice). Returns:
 *  0             a supported move; *out filled;
 *  FERRY_EREFUSED an unsupported move; *out is still filled (kind unsupported,
 *                reason, allowed_targets) and err says why and what is allowed;
 *  FERRY_EINVAL  unknown release or platform, malformed build string, a source
 *                that is not a valid combination, or a missing --to-platform;
 *                *out is NULL.
 * The caller frees *out with ferry_advice_free(). */
int ferry_advisor_check(const struct ferry_catalog *cat, const struct ferry_advice_request *req,
			struct ferry_advice **out, struct ferry_error *err);

/* The same with the source taken from a recorded environment (its product's
 * catalog, release and platform); req->from and req->from_platform must be NULL.
 * The advice owns the catalog it opened. FERRY_ENOTFOUND for an unknown environment. */
int ferry_advisor_check_env(struct ferry_ctx *ctx, const char *env,
			    const struct ferry_advice_request *req, struct ferry_advice **out,
			    struct ferry_error *err);

/* Accepts NULL. */
void ferry_advice_free(struct ferry_advice *adv);

/* JSON view: product, kind, from, to, code_upgrade_required, data_upgrade_required,
 * refactor_overlayering_required, hotfixes_supported (null when unsupported), steps,
 * reasons, and for unsupported moves reason and allowed_targets. Caller owns it. */
json_t *ferry_advice_to_json(const struct ferry_advice *adv);

#endif
