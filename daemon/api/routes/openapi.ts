// GET /v1/openapi.json: the API's own reference. Unauthenticated on purpose: the document ships in
// the repository and says nothing about this recorder's state. Built once, on the first call.
// The document's modules (every operation's request and response schemas) are imported on that
// first call too: built at import they cost start-up time that READY does not need (issue 14).
import type { Route } from "../router.js";

export function openApiRoutes(): Route[] {
  let doc: Record<string, unknown> | undefined;
  return [
    {
      path: "/v1/openapi.json",
      methods: {
        GET: async (ctx) => {
          await ctx.noBody();
          doc ??= (await import("../openapi/document.js")).buildOpenApi();
          return { status: 200, body: doc };
        },
      },
    },
  ];
}
