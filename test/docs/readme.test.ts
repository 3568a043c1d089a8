// The README's field card and the SVG timing diagram are generated from the default thresholds:
// this keeps both in step with the configuration, so a technician never reads a stale card.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../daemon/config/load.js";
import { renderFieldCardMarkdown, renderFieldCardSvg } from "../../scripts/field-card.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

describe("README", () => {
  it("opens with the two commands", () => {
    const head = readFileSync(path.join(root, "README.md"), "utf8").split("\n").slice(0, 10).join("\n");
    expect(head).toContain("npm ci && npm start");
    expect(head).toContain("npm ci && npm test");
  });

  it("carries the field card generated from the default configuration", () => {
    const readme = readFileSync(path.join(root, "README.md"), "utf8");
    const generated = renderFieldCardMarkdown(parseConfig({}))
      .trim()
      .replace("### Reset button field card", "## Field card: the reset button");
    expect(readme).toContain(generated);
  });

  it("ships the timing diagram generated from the default configuration", () => {
    const svg = readFileSync(path.join(root, "docs/field-card.svg"), "utf8");
    expect(svg).toBe(renderFieldCardSvg(parseConfig({})));
  });
});
