// The press-scenario file format (data, not code): a timeline of button levels played against the
// real daemon on the simulated board, and the outcome expected. Documented in docs/scenarios.md;
// docs/scenario.schema.json is generated from scenarioSchema (npm run docs:scenario).
import { readFileSync } from "node:fs";
import { findNodeAtLocation, type Node, type ParseError, parseTree, printParseErrorCode } from "jsonc-parser";
import * as z from "zod";

const at = z.number().min(0).max(600_000).describe("when the step starts, ms after the timeline starts");

/** The admin account a scenario creates before its timed steps (POST /v1/setup at first boot). */
export const setupStepSchema = z
  .object({
    at: z.literal(0).describe("setup steps come first, at 0: the clock starts after them"),
    setup: z
      .object({
        username: z.string().min(1).max(32),
        password: z.string().min(15).max(1024).describe("must pass the password policy"),
      })
      .strict(),
  })
  .strict()
  .describe("create this admin account (skipped, and said so, when the recorder is already provisioned)");

export const stepSchema = z.union([
  setupStepSchema,
  z.object({ at, button: z.enum(["down", "up"]) }).strict(),
  z.object({ at, press: z.number().min(1).max(600_000).describe("hold the button this long, ms") }).strict(),
  z
    .object({
      at,
      bounce: z
        .object({
          count: z.number().int().min(1).max(1000),
          intervalMs: z.number().min(0).max(1000),
          settle: z.enum(["down", "up"]).optional(),
        })
        .strict(),
    })
    .strict(),
]);

const pressSchema = z
  .object({
    tier: z.enum(["short", "dead", "credential", "factory", "stuck"]),
    action: z.string().optional(),
    boot: z.boolean().optional(),
  })
  .strict();

export const scenarioSchema = z
  .object({
    $schema: z.string().optional().describe("editors: the path of docs/scenario.schema.json"),
    name: z.string().min(1),
    description: z.string().optional(),
    /** Which row of the button gesture table (or which edge case) this covers. */
    covers: z.string().optional(),
    /** Daemon configuration the scenario needs (the test runner starts a daemon with it). */
    config: z
      .record(z.string(), z.unknown())
      .default({})
      .describe("daemon configuration the scenario needs; sim run only reminds you of it"),
    timeline: z
      .array(stepSchema)
      .min(1)
      .describe("in order; a step may not start before the previous one ends"),
    /** Wait after the last step before checking, ms. */
    settleMs: z.number().min(0).max(120_000).default(1000).describe("wait after the last step, ms"),
    expect: z
      .object({
        /** Exactly these classified presses, in order. */
        presses: z.array(pressSchema).describe("exactly these classified presses, in order"),
        state: z.enum(["first-boot", "provisioned"]).optional(),
        /** Credential generation after minus before. */
        generationDelta: z.number().int().min(0).optional(),
        setupWindowOpen: z.boolean().optional(),
        led: z
          .object({
            /** Seen in this order (other patterns may come between). */
            includes: z.array(z.string()).optional(),
            /** Never seen. */
            excludes: z.array(z.string()).optional(),
            /** The pattern at the end. */
            final: z.string().optional(),
          })
          .strict()
          .optional(),
        /** Exactly these buzzer patterns, in order. */
        buzzer: z.array(z.string()).optional(),
        /** The fault shown at the end (null: none). */
        fault: z.string().nullable().optional(),
      })
      .strict(),
  })
  .strict();

export type Scenario = z.infer<typeof scenarioSchema>;
export type Step = z.infer<typeof stepSchema>;

export class ScenarioFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly problem: string,
  ) {
    super(`${file}:${line}:${column}: ${problem}`);
    this.name = "ScenarioFileError";
  }
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

/** The deepest node that exists along `path` (a missing key points at its parent object). */
function nodeAt(root: Node, path: readonly (string | number)[]): Node {
  for (let n = path.length; n > 0; n--) {
    const node = findNodeAtLocation(root, [...path.slice(0, n)]);
    if (node) return node;
  }
  return root;
}

/** When a step ends, ms after the start (a setup step takes no time on the timeline). */
export function stepEndMs(st: Step): number {
  if ("press" in st) return st.at + st.press;
  if ("bounce" in st) return st.at + st.bounce.count * 2 * st.bounce.intervalMs;
  return st.at;
}

/** What is wrong with the timeline's order, and at which step (setup first, no going back, no overlap). */
function timelineProblem(s: Scenario): { index: number; key: string; problem: string } | null {
  let seenTimed = false;
  for (let i = 0; i < s.timeline.length; i++) {
    const st = s.timeline[i] as Step;
    if ("setup" in st) {
      if (seenTimed)
        return { index: i, key: "setup", problem: "a setup step must come before every timed step" };
      continue;
    }
    seenTimed = true;
    const prev = s.timeline[i - 1];
    if (!prev || "setup" in prev) continue;
    if (st.at < prev.at)
      return {
        index: i,
        key: "at",
        problem: `step ${i + 1} starts at ${st.at} ms, before step ${i} (${prev.at} ms): out of order`,
      };
    const end = stepEndMs(prev);
    if (st.at < end)
      return {
        index: i,
        key: "at",
        problem: `step ${i + 1} starts at ${st.at} ms while step ${i} runs until ${end} ms: overlapping steps`,
      };
  }
  return null;
}

/** Parses and checks a scenario; every refusal names the file, line and column. */
export function parseScenario(text: string, file: string): Scenario {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  const first = errors[0];
  if (first || !root) {
    const { line, column } = lineColumn(text, first?.offset ?? 0);
    throw new ScenarioFileError(
      file,
      line,
      column,
      `not valid JSON (${first ? printParseErrorCode(first.error) : "empty"})`,
    );
  }
  const parsed = scenarioSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = [...(issue?.path ?? [])] as (string | number)[];
    // An unknown key is pointed at itself, not at the object holding it.
    if (issue?.code === "unrecognized_keys" && issue.keys[0] !== undefined) path.push(issue.keys[0]);
    const { line, column } = lineColumn(text, nodeAt(root, path).offset);
    throw new ScenarioFileError(
      file,
      line,
      column,
      `${path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`,
    );
  }
  const order = timelineProblem(parsed.data);
  if (order) {
    const node = nodeAt(root, ["timeline", order.index, order.key]);
    const { line, column } = lineColumn(text, node.offset);
    throw new ScenarioFileError(file, line, column, `timeline.${order.index}.${order.key}: ${order.problem}`);
  }
  return parsed.data;
}

export function loadScenario(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ScenarioFileError(
      file,
      1,
      1,
      `cannot read (${(err as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  return parseScenario(text, file);
}

/** When the scenario's last step ends, ms after the start. */
export function timelineEndMs(s: Scenario): number {
  return Math.max(...s.timeline.map(stepEndMs));
}

/** The setup steps (run first) and the timed steps. */
export function splitTimeline(s: Scenario): {
  setup: Extract<Step, { setup: unknown }>[];
  timed: Exclude<Step, { setup: unknown }>[];
} {
  const setup: Extract<Step, { setup: unknown }>[] = [];
  const timed: Exclude<Step, { setup: unknown }>[] = [];
  for (const st of s.timeline) {
    if ("setup" in st) setup.push(st);
    else timed.push(st);
  }
  return { setup, timed };
}
