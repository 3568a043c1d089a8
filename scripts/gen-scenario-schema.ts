// Writes docs/scenario.schema.json from the zod schema sim run validates with.
// `npm run docs:scenario`; test/ctl/scenario-file.test.ts fails when the committed file is stale.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as z from "zod";
import { scenarioSchema } from "../cli/scenario-file.js";

export function scenarioJsonSchema(): string {
  const schema = z.toJSONSchema(scenarioSchema, { io: "input" }) as Record<string, unknown>;
  const doc = {
    ...schema,
    $id: "https://recoveryd.invalid/docs/scenario.schema.json",
    title: "recoveryd press scenario",
    description:
      "A timeline of button levels played by `recoveryctl sim run` against the daemon on the simulated board, and the outcome expected. See docs/scenarios.md.",
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  writeFileSync(path.join(root, "docs/scenario.schema.json"), scenarioJsonSchema());
  process.stdout.write("wrote docs/scenario.schema.json\n");
}
