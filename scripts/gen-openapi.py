#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# gen-openapi.py ROUTES.json [daemon/openapi.in.json] > daemon/openapi.json
# gen-openapi.py --check ROUTES.json: exit 1 when daemon/openapi.json is not what the
# generator makes (a route or a schema changed without `make openapi`).
#
# daemon/openapi.json, the OpenAPI 3.1 document ferryd serves, is generated so that it
# cannot drift from the route table: every path, method, least role (x-ferry-role),
# audit action (x-ferry-audit), path parameter, security and standard error response
# comes from the table (`ferryd --route-table`, daemon/routes.c); what a table cannot
# say (operationId, summary, query parameters, request body, success responses, the
# route's own errors such as 409 or 422) comes from daemon/openapi.in.json, keyed
# "METHOD /path" under "x-operations", beside the schemas of "components". A route
# without an entry, or an entry without a route, is an error.
import collections
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "daemon", "openapi.in.json")
OUT = os.path.join(HERE, "..", "daemon", "openapi.json")


def ref(kind, name):
    return collections.OrderedDict([("$ref", "#/components/%s/%s" % (kind, name))])


def operation(route, det, components):
    method = route["method"]
    path_params = re.findall(r"\{([^}]+)\}", route["path"])
    op = collections.OrderedDict()
    op["operationId"] = det["operationId"]
    op["summary"] = det.get("summary") or route["summary"][:1].upper() + route["summary"][1:]
    if det.get("description"):
        op["description"] = det["description"]
    op["x-ferry-role"] = route["role"]
    if route.get("action"):
        op["x-ferry-audit"] = route["action"]
    if route["role"] == "none":
        op["security"] = []
    if det.get("parameters"):
        op["parameters"] = det["parameters"]
    if det.get("requestBody"):
        op["requestBody"] = det["requestBody"]
    resp = collections.OrderedDict(det["responses"])
    # The errors every route of its shape can answer (daemon/http.c, daemon/auth.c).
    std = []
    if method in ("POST", "PUT", "PATCH") or det.get("parameters") or det.get("requestBody"):
        std.append(("400", "BadRequest"))
    if route["role"] != "none":
        std += [("401", "Unauthorized"), ("403", "Forbidden")]
    if path_params:
        std.append(("404", "NotFound"))
    if method in ("POST", "PUT", "PATCH"):
        std.append(("413", "TooLarge"))
    for code, name in std:
        resp.setdefault(code, ref("responses", name))
    if not any(c.startswith("4") for c in resp):
        resp["4XX"] = ref("responses", "ClientError")
    resp.setdefault("5XX", ref("responses", "ServerError"))
    op["responses"] = collections.OrderedDict(sorted(resp.items(), key=lambda kv: kv[0]))
    for p in path_params:
        if p not in components["parameters"]:
            raise SystemExit("gen-openapi: %s %s: no components.parameters.%s for {%s}"
                             % (method, route["path"], p, p))
    return op


def generate(routes, src):
    ops = src["x-operations"]
    paths = collections.OrderedDict()
    seen = set()
    for r in routes:
        key = r["method"] + " " + r["path"]
        if key not in ops:
            raise SystemExit("gen-openapi: route %s has no entry in daemon/openapi.in.json "
                             "(x-operations): add its operationId, responses, ..." % key)
        seen.add(key)
        item = paths.setdefault(r["path"], collections.OrderedDict())
        names = re.findall(r"\{([^}]+)\}", r["path"])
        if names and "parameters" not in item:
            item["parameters"] = [ref("parameters", n) for n in names]
        item[r["method"].lower()] = operation(r, ops[key], src["components"])
    stale = [k for k in ops if k not in seen]
    if stale:
        raise SystemExit("gen-openapi: daemon/openapi.in.json documents routes ferryd does not "
                         "have: %s" % ", ".join(stale))
    doc = collections.OrderedDict()
    for k in ("openapi", "info", "servers", "security"):
        doc[k] = src[k]
    doc["paths"] = paths
    doc["components"] = src["components"]
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def main():
    args = sys.argv[1:]
    check = bool(args) and args[0] == "--check"
    if check:
        args = args[1:]
    if not args:
        raise SystemExit("usage: gen-openapi.py [--check] ROUTES.json [openapi.in.json]")
    with open(args[0]) as f:
        routes = json.load(f)
    with open(args[1] if len(args) > 1 else SRC) as f:
        src = json.load(f, object_pairs_hook=collections.OrderedDict)
    text = generate(routes, src)
    if not check:
        sys.stdout.write(text)
        return
    with open(OUT) as f:
        if f.read() != text:
            raise SystemExit("gen-openapi: daemon/openapi.json is not what the route table and "
                             "daemon/openapi.in.json give: run 'make openapi'")


if __name__ == "__main__":
    main()
