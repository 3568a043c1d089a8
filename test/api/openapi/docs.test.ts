// docs/openapi.json and docs/api.md are generated (npm run docs:api): this fails when a schema or
// the operation table changed and the committed files were not regenerated.
import { readFileSync } from "node:fs";
import path from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { apiDocs } from "../../../scripts/gen-api-docs.js";
import { repoRoot } from "../../rigs/support/daemon-process.js";

describe("shipped API docs", () => {
  it("docs/openapi.json is what the generator writes today", () => {
    const shipped = readFileSync(path.join(repoRoot, "docs/openapi.json"), "utf8");
    expect(shipped, "run npm run docs:api").toBe(apiDocs().json);
  });

  it("docs/api.md is what the generator writes today", () => {
    const shipped = readFileSync(path.join(repoRoot, "docs/api.md"), "utf8");
    expect(shipped, "run npm run docs:api").toBe(apiDocs().markdown);
  });

  it("the README links the API reference and names no document outside the repository", () => {
    const readme = readFileSync(path.join(repoRoot, "README.md"), "utf8");
    expect(readme).toContain("[docs/api.md](docs/api.md)");
    expect(readme).toContain("[docs/openapi.json](docs/openapi.json)");
    expect(readme).not.toMatch(/\bSPEC\b|\/work\/shared|\.\.\/shared|specification/i);
  });

  it("every schema in the document compiles as JSON Schema 2020-12 (OpenAPI 3.1's dialect)", () => {
    const doc = JSON.parse(apiDocs().json) as { paths: Record<string, Record<string, unknown>> };
    const ajv = new Ajv2020({ strict: false });
    let compiled = 0;
    for (const item of Object.values(doc.paths)) {
      for (const op of Object.values(item) as {
        requestBody?: unknown;
        responses: Record<string, unknown>;
      }[]) {
        const media = [op.requestBody, ...Object.values(op.responses)] as (
          | { content?: Record<string, { schema: object }> }
          | undefined
        )[];
        for (const m of media) {
          for (const c of Object.values(m?.content ?? {})) {
            ajv.compile(c.schema);
            compiled++;
          }
        }
      }
    }
    expect(compiled).toBeGreaterThan(100);
  });
});
