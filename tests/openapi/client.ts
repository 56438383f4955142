// SPDX-License-Identifier: MIT
// client.ts: a small typed client of ferryd, over the types openapi-typescript generates
// from daemon/openapi.json (api.d.ts beside it). tests/e2e/t0510-openapi.sh compiles it
// with tsc --strict and runs it against a live ferryd: the document must be one real
// clients can be written against, and it must match what ferryd answers.
import type { components, paths } from "./api";

type Health = paths["/api/health"]["get"]["responses"]["200"]["content"]["application/json"];
type Project = components["schemas"]["Project"];
type Environment = components["schemas"]["Environment"];
type CreateEnv = NonNullable<paths["/api/environments"]["post"]["requestBody"]>["content"]["application/json"];
type ApiError = components["schemas"]["Error"];

const base: string = process.env.FERRY_URL ?? "http://127.0.0.1:8580";
const token: string = process.env.FERRY_TOKEN ?? "";

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) {
    const e = (await res.json()) as ApiError;
    throw new Error(`${method} ${path}: ${res.status} ${e.error.code}: ${e.error.message}`);
  }
  return (await res.json()) as T;
}

async function main(): Promise<void> {
  const health = await call<Health>("GET", "/api/health");
  const projects = await call<Project[]>("GET", "/api/projects");
  const spec: CreateEnv = { name: "ts-client", project: projects[0].name, role: "sandbox",
                          app_release: "7.3", platform: "PU12" };
  const created = await call<Environment>("POST", "/api/environments", spec);
  const envs = await call<Environment[]>("GET", "/api/environments");
  let refused = "";
  try {
    await call<Environment>("GET", "/api/environments/no-such-env");
  } catch (e) {
    refused = (e as Error).message;
  }
  console.log(JSON.stringify({ status: health.status, created: created.name,
                               names: envs.map((e) => e.name), refused }));
}

// process is Node's; declared here so the client needs no @types package
declare const process: { env: Record<string, string | undefined>; exitCode?: number };
main().catch((e: unknown) => {
  console.error(String(e));
  process.exitCode = 1;
});
