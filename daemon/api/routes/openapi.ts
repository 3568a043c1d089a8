// GET /v1/openapi.json: the API's own reference. Unauthenticated on purpose: the document ships in
// the repository and says nothing about this recorder's state. Built once, on the first call.
import { buildOpenApi } from "../openapi/document.js";
import type { Route } from "../router.js";

export function openApiRoutes(): Route[] {
  let doc: Record<string, unknown> | undefined;
  return [
    {
      path: "/v1/openapi.json",
      methods: {
        GET: async (ctx) => {
          await ctx.noBody();
          doc ??= buildOpenApi();
          return { status: 200, body: doc };
        },
      },
    },
  ];
}
