// Writes docs/openapi.json and docs/api.md from the daemon's operation table and zod schemas.
// `npm run docs:api`; test/api/openapi-docs.test.ts fails when the committed files are stale.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildOpenApi } from "../daemon/api/openapi/document.js";
import { renderApiMarkdown } from "../daemon/api/openapi/markdown.js";

export function apiDocs(): { json: string; markdown: string } {
  const doc = buildOpenApi();
  return { json: `${JSON.stringify(doc, null, 2)}\n`, markdown: renderApiMarkdown(doc) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const { json, markdown } = apiDocs();
  writeFileSync(path.join(root, "docs/openapi.json"), json);
  writeFileSync(path.join(root, "docs/api.md"), markdown);
  process.stdout.write("wrote docs/openapi.json and docs/api.md\n");
}
