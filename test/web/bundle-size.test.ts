// Issue 17: the pages' gzipped sizes (as scripts/bundle-web.mjs printed them) against the budget,
// recomputed here from the built files, and nothing in them that would reach past the API.
import { readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../rigs/support/daemon-process.js";

const out = path.join(repoRoot, "dist/web");
type Sizes = Record<string, { files: string[]; gzipped: number; budget: number }>;
const sizes = JSON.parse(readFileSync(path.join(out, "sizes.json"), "utf8")) as Sizes;

describe("web bundle", () => {
  it("the setup page fits 60 KB gzipped, and every page its budget", () => {
    expect(sizes.index?.budget).toBe(60 * 1024);
    for (const [page, s] of Object.entries(sizes)) {
      const gz = s.files.reduce(
        (n, f) => n + gzipSync(readFileSync(path.join(out, f)), { level: 9 }).length,
        0,
      );
      console.log(`page ${page}: ${gz} bytes gzipped of ${s.budget}`);
      expect(gz).toBe(s.gzipped);
      expect(gz, page).toBeLessThanOrEqual(s.budget);
    }
  });

  it("no inline script, no external address: the CSP holds and the pages work offline", () => {
    for (const s of Object.values(sizes)) {
      for (const f of s.files) {
        const text = readFileSync(path.join(out, f), "utf8");
        // Any absolute URL would be a CDN or a tracker; the pages talk to /v1/ and /sim/ only.
        // (The SVG namespace of the QR code is a name, never fetched.)
        const urls = (text.match(/https?:\/\/[^\s"'`)]+/g) ?? []).filter(
          (u) => u !== "http://www.w3.org/2000/svg",
        );
        expect(urls, f).toEqual([]);
        if (f.endsWith(".html")) {
          for (const tag of text.match(/<script\b[^>]*>/g) ?? [])
            expect(tag, f).toMatch(/\bsrc="[a-z]+\.js"/);
          expect(text, f).not.toMatch(/<script\b[^>]*>[^<]/);
          expect(text, f).not.toMatch(/\son[a-z]+=/);
        }
      }
    }
  });
});
