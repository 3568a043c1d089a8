// The scenario format: docs/scenario.schema.json is generated from the zod schema (staleness),
// every shipped scenario and both examples in docs/scenarios.md pass it (Ajv) and the loader,
// and the loader's refusals carry line and column.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { parseScenario, ScenarioFileError } from "../../cli/scenario-file.js";
import { scenarioJsonSchema } from "../../scripts/gen-scenario-schema.js";
import { repoRoot } from "../rigs/support/daemon-process.js";

const schema = JSON.parse(scenarioJsonSchema()) as object;
const validate = new Ajv2020({ strict: false }).compile(schema);

describe("scenario file format", () => {
  it("docs/scenario.schema.json is what the generator writes today", () => {
    const shipped = readFileSync(path.join(repoRoot, "docs/scenario.schema.json"), "utf8");
    expect(shipped, "run npm run docs:scenario").toBe(scenarioJsonSchema());
  });

  const dir = path.join(repoRoot, "test/scenarios");
  const files = readdirSync(dir).filter((f) => f.endsWith(".json"));
  it.each(files)("%s passes the JSON Schema and the loader, with no implicit account", (f) => {
    const text = readFileSync(path.join(dir, f), "utf8");
    expect(validate(JSON.parse(text)), JSON.stringify(validate.errors)).toBe(true);
    expect(() => parseScenario(text, f)).not.toThrow();
    expect(text).not.toContain('"provisioned":');
  });

  it("both annotated examples in docs/scenarios.md are valid scenarios", () => {
    const md = readFileSync(path.join(repoRoot, "docs/scenarios.md"), "utf8");
    const blocks = [...md.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1] as string);
    expect(blocks).toHaveLength(2);
    for (const b of blocks) {
      expect(validate(JSON.parse(b)), JSON.stringify(validate.errors)).toBe(true);
      parseScenario(b, "docs/scenarios.md");
    }
  });

  it("the old implicit `provisioned` flag is refused, at its position", () => {
    const text =
      '{\n  "name": "old",\n  "provisioned": true,\n  "timeline": [{"at": 0, "press": 5}],\n  "expect": {"presses": []}\n}';
    const err = (() => {
      try {
        parseScenario(text, "old.json");
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(ScenarioFileError);
    expect((err as ScenarioFileError).line).toBe(3);
    expect((err as Error).message).toMatch(/^old\.json:3:18: provisioned: Unrecognized key/);
  });
});
