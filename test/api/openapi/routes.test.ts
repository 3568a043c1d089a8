// Every route the daemon's router knows has a documented operation, and every documented
// operation is a route: the OpenAPI document cannot drift from the code in either direction.
import { describe, expect, it } from "vitest";
import { buildOpenApi } from "../../../daemon/api/openapi/document.js";
import { type Method, queryOf } from "../../../daemon/api/router.js";
import { EventStreams } from "../../../daemon/api/routes/events.js";
import { allRoutes } from "../../../daemon/api/routes.js";

function routerOperations(): string[] {
  const ops: string[] = [];
  for (const route of allRoutes(new EventStreams(1, 60_000))) {
    const path = route.path.replace(/:(\w+)/g, "{$1}");
    for (const method of Object.keys(route.methods)) ops.push(`${method} ${path}`);
  }
  return ops.sort();
}

function documentedOperations(): string[] {
  const paths = buildOpenApi().paths as Record<string, Record<string, unknown>>;
  return Object.entries(paths)
    .flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
}

describe("route table", () => {
  it("the router and the OpenAPI document list the same operations", () => {
    const routed = routerOperations();
    const documented = documentedOperations();
    expect(
      routed.filter((o) => !documented.includes(o)),
      "routes without a documented operation",
    ).toEqual([]);
    expect(
      documented.filter((o) => !routed.includes(o)),
      "documented operations without a route",
    ).toEqual([]);
    expect(routed.length).toBeGreaterThanOrEqual(30);
  });

  it("query parameters the router accepts are the documented ones", () => {
    const paths = buildOpenApi().paths as Record<
      string,
      Record<string, { parameters?: { in: string; name: string }[] }>
    >;
    for (const route of allRoutes(new EventStreams(1, 60_000))) {
      const path = route.path.replace(/:(\w+)/g, "{$1}");
      for (const method of Object.keys(route.methods)) {
        const op = paths[path]?.[method.toLowerCase()];
        const documented = (op?.parameters ?? [])
          .filter((p) => p.in === "query")
          .map((p) => p.name)
          .sort();
        expect(documented, `${method} ${path}`).toEqual([...queryOf(route, method as Method)].sort());
      }
    }
  });
});
