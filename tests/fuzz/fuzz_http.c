/* SPDX-License-Identifier: MIT */
/* fuzz_http.c: libFuzzer target over what ferryd reads of a request before any handler:
 * the input is "METHOD TARGET\n" then the body. The raw target's control-character check
 * must see every control character MHD's decoding would produce; the route table is
 * matched on the decoded path (the {params} land whole in their buffer, never holding a
 * '/'); the body goes through the JSON body reader (duplicate keys refused), and an
 * accepted body survives a round trip. Links ferryd's objects (daemon/ but main.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ferryd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_target(const char *method, char *target)
{
	const char *params[API_MAX_PARAMS];
	char seen[8], segs[512], path[512], *q;
	const struct route *rt;
	size_t i, n;
	int known, i_p;

	if (req_control_char(target, seen)) {
		if (!seen[0])
			__builtin_trap();
		return;   /* 400 */
	}
	if ((q = strchr(target, '?')))
		*q = '\0';
	n = MHD_http_unescape(target);   /* what MHD hands the access handler */
	for (i = 0; i < n; i++)   /* none survived the check */
		if ((unsigned char)target[i] < 0x20 || target[i] == 0x7f)
			__builtin_trap();
	if (strlen(target) >= sizeof(path))
		return;   /* 414 */
	memcpy(path, target, strlen(target) + 1);
	rt = req_route_find(method, path, params, segs, sizeof(segs), &known);
	if (rt && !known)
		__builtin_trap();
	for (i_p = 0; rt && i_p < API_MAX_PARAMS && params[i_p]; i_p++) {
		if (!params[i_p][0] || strchr(params[i_p], '/') ||
		    params[i_p] < segs || params[i_p] + strlen(params[i_p]) >= segs + sizeof(segs))
			__builtin_trap();
	}
}

static void check_body(const char *body, size_t len)
{
	char msg[FERRY_ERROR_MSG_MAX], *text;
	json_t *j = req_json_body(body, len, msg, sizeof(msg)), *again;

	if (!j) {
		if (!msg[0])
			__builtin_trap();
		return;
	}
	if (!json_is_object(j) || !(text = json_dumps(j, JSON_COMPACT)))
		__builtin_trap();
	again = req_json_body(text, strlen(text), msg, sizeof(msg));
	if (!again || !json_equal(j, again))
		__builtin_trap();
	json_decref(again);
	free(text);
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl = memchr(data, '\n', size), *sp;
	char method[16], *target;
	size_t line;

	if (!nl)
		return 0;
	line = (size_t)(nl - (const char *)data);
	sp = memchr(data, ' ', line);
	if (!sp || (size_t)(sp - (const char *)data) >= sizeof(method))
		return 0;
	memcpy(method, data, (size_t)(sp - (const char *)data));
	method[sp - (const char *)data] = '\0';
	target = malloc(line - (size_t)(sp - (const char *)data));
	if (!target)
		return 0;
	memcpy(target, sp + 1, line - (size_t)(sp - (const char *)data) - 1);
	target[line - (size_t)(sp - (const char *)data) - 1] = '\0';
	check_target(method, target);
	free(target);
	check_body(nl + 1, size - line - 1);
	return 0;
}
