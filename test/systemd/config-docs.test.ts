// The example configuration and docs/configuration.md stay in step with the schema.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../daemon/config/load.js";
import { configSchema } from "../../daemon/config/schema.js";

const root = path.resolve(import.meta.dirname, "../..");
const example = JSON.parse(
  readFileSync(path.join(root, "examples/recoveryd.example.json"), "utf8"),
) as Record<string, unknown>;
const docs = readFileSync(path.join(root, "docs/configuration.md"), "utf8");

interface SchemaLike {
  def?: { type?: string; innerType?: SchemaLike };
  shape?: Record<string, SchemaLike>;
}

/** Every leaf key of the schema, dotted ("button.debounceMs"). */
function leafKeys(schema: SchemaLike, prefix = ""): string[] {
  let s = schema;
  while (s.def?.innerType) s = s.def.innerType; // default / prefault / optional wrappers
  if (s.def?.type === "object" && s.shape) {
    return Object.entries(s.shape).flatMap(([k, v]) => leafKeys(v, prefix ? `${prefix}.${k}` : k));
  }
  return [prefix];
}

function leafPaths(value: unknown, prefix = ""): string[] {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    return Object.entries(value).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
  }
  return [prefix];
}

describe("examples/recoveryd.example.json", () => {
  it("is a valid configuration", () => {
    expect(() => parseConfig(example)).not.toThrow();
  });

  it("holds the defaults, apart from the documented board-specific values", () => {
    const parsed = parseConfig(example) as unknown as Record<string, Record<string, unknown>>;
    const defaults = parseConfig({}) as unknown as Record<string, Record<string, unknown>>;
    expect(parsed.board).toBe("gpiod");
    expect(parsed.gpio?.buzzer).toEqual({ line: 22, activeLow: false });
    expect(parsed.factoryReset?.preserve).toEqual(["/var/lib/recordings"]);
    const strip = (c: Record<string, Record<string, unknown>>) => {
      const copy = structuredClone(c) as Record<string, Record<string, unknown>>;
      delete (copy as Record<string, unknown>).board;
      delete copy.gpio?.buzzer;
      if (copy.factoryReset) copy.factoryReset.preserve = [];
      return copy;
    };
    expect(strip(parsed)).toEqual(strip(defaults));
  });

  it("spells out every key that has a default", () => {
    const withDefaults = leafPaths(parseConfig({}));
    const inExample = new Set(leafPaths(example));
    expect(withDefaults.filter((k) => !inExample.has(k))).toEqual([]);
  });
});

describe("docs/configuration.md", () => {
  const keys = leafKeys(configSchema as unknown as SchemaLike);

  it("finds the schema's keys (sanity)", () => {
    expect(keys).toContain("button.debounceMs");
    expect(keys).toContain("gpio.buzzer.line");
    expect(keys).toContain("testing.stallOnSigusr2");
    expect(keys.length).toBeGreaterThan(40);
  });

  it("documents every key of the schema in its table", () => {
    const missing = keys.filter((k) => !docs.includes(`| \`${k}\` |`));
    expect(missing).toEqual([]);
  });

  it("documents no key that the schema does not have", () => {
    const documented = [...docs.matchAll(/^\| `([a-zA-Z0-9.]+)` \|/gm)].map((m) => m[1]);
    const known = new Set(keys);
    expect(documented.filter((k) => k !== undefined && !known.has(k))).toEqual([]);
  });

  it("states each default as the schema has it", () => {
    const defaults = parseConfig({});
    for (const key of leafPaths(defaults)) {
      const value = key.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], defaults);
      const row = docs.split("\n").find((l) => l.startsWith(`| \`${key}\` |`));
      expect(row, key).toBeDefined();
      const cell = row?.split("|")[2]?.trim();
      expect(cell, key).toBe(`\`${JSON.stringify(value)}\``);
    }
  });
});
